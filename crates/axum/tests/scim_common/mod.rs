//! The SCIM tests' fixture: a fresh database ([`TestDb`]), a repository on it, a tenant with a
//! SCIM token, and the router called in-process (`tower::ServiceExt::oneshot`).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::Value;
use std::sync::Arc;
use tenantry_service::{Config, NewTenant, SeaOrmUserRepository, TenantView, UserRepository};
use tenantry_testkit::TestDb;
use tower::ServiceExt as _;

pub struct Env {
    pub db: TestDb,
    pub users: Arc<dyn UserRepository>,
    pub app: Router,
    pub tenant: TenantView,
    pub token: String,
}

pub struct Reply {
    pub status: StatusCode,
    pub content_type: Option<String>,
    pub body: Value,
}

impl Env {
    pub async fn new() -> Self {
        Self::with_config(Config::insecure_fast_for_tests()).await
    }

    pub async fn with_config(config: Config) -> Self {
        let db = TestDb::migrated().await;
        let users: Arc<dyn UserRepository> =
            Arc::new(SeaOrmUserRepository::new(db.conn().clone(), config).unwrap());
        let tenant = users
            .create_tenant(
                NewTenant {
                    slug: "acme".into(),
                    name: "Acme".into(),
                },
                None,
            )
            .await
            .unwrap();
        let (_, raw) = users
            .create_scim_token(tenant.id, "entra", None)
            .await
            .unwrap();
        let app = Router::new().nest("/scim/v2", tenantry_axum::scim::router(users.clone()));
        Self {
            db,
            users,
            app,
            tenant,
            token: raw.into_string(),
        }
    }

    /// `method uri` with this tenant's token.
    pub async fn call(&self, method: Method, uri: &str, body: Option<Value>) -> Reply {
        self.call_as(Some(&self.token), method, uri, body.map(|b| b.to_string()))
            .await
    }

    /// `method uri` with `token` and a raw body.
    pub async fn call_as(
        &self,
        token: Option<&str>,
        method: Method,
        uri: &str,
        body: Option<String>,
    ) -> Reply {
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .header("host", "scim.test");
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        if body.is_some() {
            request = request.header("content-type", "application/scim+json");
        }
        let request = request
            .body(body.map_or_else(Body::empty, Body::from))
            .unwrap();
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned());
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap()
        };
        assert!(status.as_u16() < 500, "{uri}: {status} {body}");
        if status.as_u16() >= 400 {
            assert_eq!(
                content_type.as_deref(),
                Some("application/scim+json"),
                "{uri}"
            );
            assert_eq!(
                body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error",
                "{body}"
            );
            assert_eq!(body["status"], status.as_u16().to_string(), "{body}");
        }
        Reply {
            status,
            content_type,
            body,
        }
    }

    /// `POST /scim/v2/acme/Users` of `body` on `app`, for tasks of their own.
    pub async fn detached_call(app: Router, token: String, body: Value, _i: usize) -> Reply {
        let request = Request::builder()
            .method(Method::POST)
            .uri("/scim/v2/acme/Users")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::from(body.to_string()))
            .unwrap();
        let response = app.oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        Reply {
            status,
            content_type: None,
            body: serde_json::from_slice(&bytes).unwrap(),
        }
    }

    /// How many live users the tenant has.
    pub async fn user_count(&self) -> u64 {
        self.users
            .count_users(self.tenant.id, &tenantry_service::UserFilter::default())
            .await
            .unwrap()
    }
}
