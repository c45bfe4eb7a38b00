//! The route handlers, one file per group of routes.

pub(crate) mod auth;
pub(crate) mod sessions;
pub(crate) mod tokens;
pub(crate) mod users;

use super::AppState;
use super::extract::SignedIn;
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};
use std::sync::Arc;
use tenantry_service::RoleCatalogue;

/// `GET /`: the service answers.
pub(crate) async fn index() -> Json<Value> {
    Json(json!({ "service": "tenantry-admin", "status": "ok" }))
}

/// `GET /api/roles`: the role catalogue, for a front end's role pickers.
pub(crate) async fn roles(_: SignedIn, State(state): State<AppState>) -> Json<Arc<RoleCatalogue>> {
    Json(Arc::clone(&state.roles))
}
