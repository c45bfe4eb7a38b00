//! The route handlers, one file per group of routes.

pub(crate) mod auth;
pub(crate) mod tokens;
pub(crate) mod users;

use axum::Json;
use serde_json::{Value, json};

/// `GET /`: the service answers.
pub(crate) async fn index() -> Json<Value> {
    Json(json!({ "service": "tenantry-admin", "status": "ok" }))
}
