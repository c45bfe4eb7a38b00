//! A password reset an admin issues for a user of its tenant.

use crate::ApiState;
use crate::admin::users::find;
use crate::error::{ApiError, ErrorJson};
use crate::extract::PathPid;
use crate::guard::TenantAdmin;
use crate::json::TokenJson;
use axum::Json;
use axum::extract::State;

/// `POST /api/users/{id}/reset-password`: a one-time reset token for an active user.
#[utoipa::path(
    post,
    path = "/api/users/{id}/reset-password",
    tag = "admin",
    security(("session" = [])),
    params(("id" = String, Path, description = "The user's public id (a UUID)")),
    responses(
        (status = 200, description = "A one-time reset token (shown once)", body = TokenJson),
        (status = 401, description = "`unauthenticated`", body = ErrorJson),
        (status = 403, description = "`forbidden`: not a tenant admin", body = ErrorJson),
        (status = 404, description = "`not_found`: no such user in the tenant", body = ErrorJson),
        (status = 409, description = "`conflict`: the user is not active", body = ErrorJson),
        (status = 500, description = "`internal`", body = ErrorJson),
    ),
)]
pub(crate) async fn issue_password_reset(
    TenantAdmin(admin): TenantAdmin,
    State(state): State<ApiState>,
    PathPid(pid): PathPid,
) -> Result<Json<TokenJson>, ApiError> {
    let tenant = admin.tenant.id;
    let id = find(&state, tenant, pid).await?.id;
    let issued = state
        .users
        .issue_password_reset(tenant, id, None, Some(admin.user.id))
        .await?;
    Ok(Json(TokenJson::new(
        issued,
        &state.public_url,
        "reset-password",
    )))
}
