//! A user's sessions, as the database session store keeps them: one's own ("my sessions",
//! sign out a device), and an admin ending all of a user's.

use crate::admin::AppState;
use crate::admin::error::ApiError;
use crate::admin::extract::{SignedIn, TenantAdmin, UserPid};
use crate::admin::handlers::users::find;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use tenantry_service::SessionView;
use uuid::Uuid;

/// A session as this API shows it: never its id (the cookie) or anything derived from it.
#[derive(Serialize)]
pub(crate) struct SessionJson {
    id: Uuid,
    created_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    ip: Option<String>,
    user_agent: Option<String>,
}

impl From<SessionView> for SessionJson {
    fn from(s: SessionView) -> Self {
        Self {
            id: s.pid,
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
            expires_at: s.expires_at,
            ip: s.ip,
            user_agent: s.user_agent,
        }
    }
}

/// `GET /api/me/sessions`: the signed-in user's live sessions, newest first.
pub(crate) async fn list_mine(
    SignedIn { user, tenant }: SignedIn,
    State(state): State<AppState>,
) -> Result<Json<Value>, ApiError> {
    let sessions: Vec<SessionJson> = state
        .users
        .list_sessions(tenant.id, user.id)
        .await?
        .into_iter()
        .map(SessionJson::from)
        .collect();
    Ok(Json(json!({ "sessions": sessions })))
}

/// `DELETE /api/me/sessions/{id}`: ends one of the user's own sessions (another device's, or
/// this one). 404 for an id that is not one of its live sessions.
pub(crate) async fn revoke_mine(
    SignedIn { user, tenant }: SignedIn,
    State(state): State<AppState>,
    UserPid(pid): UserPid,
) -> Result<StatusCode, ApiError> {
    state
        .users
        .revoke_session(tenant.id, user.id, pid, Some(user.id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/users/{id}/sessions`: ends every session of a user of the admin's tenant.
pub(crate) async fn revoke_users(
    TenantAdmin(admin): TenantAdmin,
    State(state): State<AppState>,
    UserPid(pid): UserPid,
) -> Result<Json<Value>, ApiError> {
    let tenant = admin.tenant.id;
    let id = find(&state, tenant, pid).await?.id;
    let revoked = state
        .users
        .revoke_all_sessions(tenant, id, Some(admin.user.id))
        .await?;
    Ok(Json(json!({ "revoked": revoked })))
}
