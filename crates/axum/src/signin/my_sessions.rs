//! The signed-in user's own sessions, as the database session store keeps them ("my
//! sessions": see where it is signed in, sign out a device).

use crate::ApiState;
use crate::error::{ApiError, ErrorJson};
use crate::extract::PathPid;
use crate::session::SignedIn;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::Serialize;
use tenantry_service::SessionView;
use utoipa::ToSchema;
use uuid::Uuid;

/// A session as this API shows it: never its id (the cookie) or anything derived from it.
#[derive(Serialize, ToSchema)]
#[schema(as = Session)]
pub(crate) struct SessionJson {
    /// The session's public id.
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

/// The signed-in user's live sessions.
#[derive(Serialize, ToSchema)]
#[schema(as = Sessions)]
pub(crate) struct SessionsJson {
    /// Newest first.
    sessions: Vec<SessionJson>,
}

/// `GET /api/me/sessions`: the signed-in user's live sessions, newest first.
#[utoipa::path(
    get,
    path = "/api/me/sessions",
    tag = "sign-in",
    security(("session" = [])),
    responses(
        (status = 200, description = "The user's live sessions, newest first", body = SessionsJson),
        (status = 401, description = "`unauthenticated`", body = ErrorJson),
        (status = 500, description = "`internal`", body = ErrorJson),
    ),
)]
pub(crate) async fn list_mine(
    SignedIn { user, tenant }: SignedIn,
    State(state): State<ApiState>,
) -> Result<Json<SessionsJson>, ApiError> {
    let sessions: Vec<SessionJson> = state
        .users
        .list_sessions(tenant.id, user.id)
        .await?
        .into_iter()
        .map(SessionJson::from)
        .collect();
    Ok(Json(SessionsJson { sessions }))
}

/// `DELETE /api/me/sessions/{id}`: ends one of the user's own sessions (another device's, or
/// this one). 404 for an id that is not one of its live sessions.
#[utoipa::path(
    delete,
    path = "/api/me/sessions/{id}",
    tag = "sign-in",
    security(("session" = [])),
    params(("id" = String, Path, description = "The session's public id (a UUID)")),
    responses(
        (status = 204, description = "That session is over"),
        (status = 401, description = "`unauthenticated`", body = ErrorJson),
        (status = 404, description = "`not_found`: not one of the user's live sessions", body = ErrorJson),
        (status = 500, description = "`internal`", body = ErrorJson),
    ),
)]
pub(crate) async fn revoke_mine(
    SignedIn { user, tenant }: SignedIn,
    State(state): State<ApiState>,
    PathPid(pid): PathPid,
) -> Result<StatusCode, ApiError> {
    state
        .users
        .revoke_session(tenant.id, user.id, pid, Some(user.id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
