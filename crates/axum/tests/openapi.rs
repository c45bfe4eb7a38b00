#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The OpenAPI document at `GET /api/openapi.json`, fetched from the running router: it is
//! OpenAPI 3.1, it lists exactly the routes the router serves, and every status a route
//! answers (signed out, and signed in as a tenant admin) is one its operation documents, with
//! the error body's schema for every error.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use tenantry_axum::AdminConfig;
use tenantry_service::UserRole;
use tenantry_testkit::TestDb;

mod common;

use common::PASSWORD;

/// Every route the router serves, as `METHOD path` with the router's path syntax.
const ROUTES: &[&str] = &[
    "GET /",
    "GET /api/openapi.json",
    "POST /api/auth/login",
    "POST /api/auth/logout",
    "GET /api/me",
    "POST /api/auth/second-factor",
    // Feature `passkeys`, on for the crate's own tests.
    "POST /api/auth/second-factor/passkey",
    "POST /api/auth/passkey/start",
    "POST /api/auth/passkey/finish",
    "POST /api/me/passkeys/registration",
    "POST /api/me/passkeys",
    "GET /api/me/passkeys",
    "PATCH /api/me/passkeys/{id}",
    "DELETE /api/me/passkeys/{id}",
    "POST /api/auth/enrolment",
    "GET /api/me/factors",
    "POST /api/me/factors/totp",
    "POST /api/me/factors/{id}/confirm",
    "DELETE /api/me/factors/{id}",
    "POST /api/me/recovery-codes",
    "POST /api/users/{id}/factors/reset",
    "GET /api/me/sessions",
    "DELETE /api/me/sessions/{id}",
    "GET /api/roles",
    "GET /api/plants",
    "POST /api/plants",
    "GET /api/users",
    "POST /api/users",
    "GET /api/users/{id}",
    "POST /api/users/{id}/deactivate",
    "POST /api/users/{id}/reactivate",
    "PUT /api/users/{id}/roles",
    "DELETE /api/users/{id}/sessions",
    "POST /api/users/{id}/reset-password",
    "POST /api/invitations/accept",
    "POST /api/password-reset",
];

struct Service {
    base: String,
    /// A user of the tenant that is not the admin, for the `{id}` of user routes.
    other: uuid::Uuid,
    _db: TestDb,
}

async fn start() -> Service {
    let seeded = common::seed(&[("ada", UserRole::Admin), ("otto", UserRole::Operator)]).await;
    let app = tenantry_axum::router(
        seeded.users,
        seeded.sessions,
        AdminConfig::new("http://localhost"),
    );
    Service {
        base: common::serve(app).await,
        other: seeded.accounts[1].pid,
        _db: seeded.db,
    }
}

/// The document's operations as `METHOD path`.
fn operations(document: &Value) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                found.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    found
}

#[tokio::test]
async fn the_document_is_openapi_3_1_and_lists_every_route_the_router_serves() {
    let service = start().await;
    let http = reqwest::Client::new();
    let response = http
        .get(format!("{}/api/openapi.json", service.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let document: Value = response.json().await.unwrap();
    let version = document["openapi"].as_str().unwrap();
    assert!(version.starts_with("3.1."), "openapi {version}");
    assert_eq!(
        document,
        serde_json::to_value(tenantry_axum::openapi()).unwrap()
    );

    let listed = operations(&document);
    let served: BTreeSet<String> = ROUTES.iter().map(|r| (*r).to_owned()).collect();
    assert_eq!(listed, served);

    // Every listed route is one the router answers: not the fallback's 404 or 405.
    for route in ROUTES {
        let (method, path) = route.split_once(' ').unwrap();
        let path = path.replace("{id}", &service.other.to_string());
        let response = http
            .request(
                Method::from_bytes(method.as_bytes()).unwrap(),
                format!("{}{path}", service.base),
            )
            .send()
            .await
            .unwrap();
        let status = response.status();
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{route}");
        if status == StatusCode::NOT_FOUND {
            panic!("{route} is not served");
        }
    }

    // A route the document does not list is not served.
    let response = http
        .get(format!("{}/api/nothing", service.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn every_error_status_is_documented_with_the_error_schema() {
    let document = serde_json::to_value(tenantry_axum::openapi()).unwrap();
    assert!(document["components"]["schemas"]["Error"]["properties"]["error"].is_object());
    assert!(document["components"]["securitySchemes"]["session"].is_object());
    let mut operation_ids = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"].as_str().unwrap();
            assert!(
                operation_ids.insert(id.to_owned()),
                "operationId {id} twice"
            );
            let responses = operation["responses"].as_object().unwrap();
            assert!(!responses.is_empty(), "{method} {path}");
            for (status, response) in responses {
                let code: u16 = status.parse().unwrap();
                if code >= 400 {
                    assert_eq!(
                        response["content"]["application/json"]["schema"]["$ref"],
                        json!("#/components/schemas/Error"),
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
}

/// Each route once signed out and once as the tenant admin, with an empty JSON object as the
/// body of those that take one: whatever it answers is a status its operation documents.
#[tokio::test]
async fn every_status_a_route_answers_is_in_its_operation() {
    let service = start().await;
    let document = serde_json::to_value(tenantry_axum::openapi()).unwrap();
    let signed_out = reqwest::Client::new();
    let admin = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let login = admin
        .post(format!("{}/api/auth/login", service.base))
        .json(&json!({"tenant": "acme", "login": "ada", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    // Logging out would end the admin's session for the routes after it: it goes last.
    let mut routes: Vec<&str> = ROUTES.to_vec();
    routes.sort_by_key(|route| route.ends_with("/logout"));
    for client in [&signed_out, &admin] {
        for route in &routes {
            let (method, path) = route.split_once(' ').unwrap();
            let operation = &document["paths"][path][method.to_lowercase()];
            let url = format!(
                "{}{}",
                service.base,
                path.replace("{id}", &service.other.to_string())
            );
            let mut request = client.request(Method::from_bytes(method.as_bytes()).unwrap(), url);
            if operation["requestBody"].is_object() {
                request = request.json(&json!({}));
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_str().to_owned();
            assert!(
                operation["responses"][&status].is_object(),
                "{route} answered {status}, which its operation does not list"
            );
        }
    }
}
