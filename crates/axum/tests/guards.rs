#![allow(clippy::unwrap_used, clippy::expect_used)]
//! A host's own routes next to the mounted sign-in router: the session extractors and the
//! role guards from the catalogue (default: operator < supervisor < engineer < admin), over
//! real HTTP.

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::get;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;
use tenantry_axum::guard::require_role;
use tenantry_axum::{
    AdminConfig, ApiState, HasRole, RequiredRole, SessionTenant, SessionUser, TenantAdmin,
};
use tenantry_service::{RoleKey, UserRole};
use tenantry_testkit::TestDb;

mod common;

use common::PASSWORD;

struct Engineer;

impl RequiredRole for Engineer {
    const KEY: &'static str = "engineer";
}

async fn start() -> (String, TestDb) {
    let common::Seeded {
        users,
        sessions,
        db,
        ..
    } = common::seed(&[
        ("ada", UserRole::Admin),
        ("sue", UserRole::Supervisor),
        ("otto", UserRole::Operator),
    ])
    .await;
    let config = AdminConfig::new("http://localhost");
    let state = ApiState::new(Arc::clone(&users), &config);
    let supervisor = RoleKey::new("supervisor").unwrap();
    // The host's routes, and tenantry's sign-in routes, under one session layer.
    let app = Router::new()
        .route(
            "/engineering",
            get(|HasRole(who, _): HasRole<Engineer>| async move {
                axum::Json(json!({ "engineer": who.user.username }))
            }),
        )
        .route(
            "/reports",
            get(|SessionUser(user): SessionUser| async move {
                axum::Json(json!({ "reader": user.username }))
            })
            .route_layer(from_fn_with_state(supervisor, require_role)),
        )
        .route(
            "/tenant",
            get(|SessionTenant(tenant): SessionTenant| async move {
                axum::Json(json!({ "tenant": tenant.slug }))
            }),
        )
        .route(
            "/staff",
            get(|TenantAdmin(admin): TenantAdmin| async move {
                axum::Json(json!({ "admin": admin.user.username }))
            }),
        )
        .merge(tenantry_axum::signin::router(state))
        .layer(tenantry_axum::auth_layer(users, sessions, &config))
        .layer(axum::middleware::map_response(
            tenantry_axum::finish_response,
        ));
    (common::serve(app).await, db)
}

/// `GET path` as `login` (signed out when `None`): the status and the JSON body.
async fn get_as(base: &str, login: Option<&str>, path: &str) -> (StatusCode, Value) {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    if let Some(login) = login {
        let response = client
            .post(format!("{base}/api/auth/login"))
            .json(&json!({"tenant": "acme", "login": login, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    let response = client.get(format!("{base}{path}")).send().await.unwrap();
    assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
    (response.status(), response.json().await.unwrap())
}

#[tokio::test]
async fn guards_answer_401_signed_out_403_without_the_role_and_count_implied_roles() {
    let (base, _db) = start().await;
    for path in ["/engineering", "/reports", "/tenant", "/staff"] {
        let (status, body) = get_as(&base, None, path).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(body["error"], "unauthenticated", "{path}");
    }

    // The operator holds none of the roles; it still has its tenant.
    for path in ["/engineering", "/reports", "/staff"] {
        let (status, body) = get_as(&base, Some("otto"), path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(body["error"], "forbidden", "{path}");
    }
    let (status, body) = get_as(&base, Some("otto"), "/tenant").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"tenant": "acme"}));

    // A supervisor reads reports, is no engineer and no admin.
    let (status, body) = get_as(&base, Some("sue"), "/reports").await;
    assert_eq!((status, body), (StatusCode::OK, json!({"reader": "sue"})));
    assert_eq!(
        get_as(&base, Some("sue"), "/engineering").await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get_as(&base, Some("sue"), "/staff").await.0,
        StatusCode::FORBIDDEN
    );

    // The admin's role implies engineer and supervisor.
    let (status, body) = get_as(&base, Some("ada"), "/engineering").await;
    assert_eq!((status, body), (StatusCode::OK, json!({"engineer": "ada"})));
    let (status, body) = get_as(&base, Some("ada"), "/reports").await;
    assert_eq!((status, body), (StatusCode::OK, json!({"reader": "ada"})));
    let (status, body) = get_as(&base, Some("ada"), "/staff").await;
    assert_eq!((status, body), (StatusCode::OK, json!({"admin": "ada"})));
}
