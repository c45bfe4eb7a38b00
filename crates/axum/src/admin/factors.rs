//! An admin resetting the second factors of a user of its tenant (a lost phone).

use crate::ApiState;
use crate::admin::users::find;
use crate::error::{ApiError, ErrorJson};
use crate::extract::PathPid;
use crate::guard::TenantAdmin;
use axum::extract::State;
use axum::http::StatusCode;

/// `POST /api/users/{id}/factors/reset`: removes every factor and recovery code of a user of
/// the admin's tenant and ends its sessions (audited).
#[utoipa::path(
    post,
    path = "/api/users/{id}/factors/reset",
    tag = "admin",
    security(("session" = [])),
    params(("id" = String, Path, description = "The user's public id (a UUID)")),
    responses(
        (status = 204, description = "The user has no second factor and no session"),
        (status = 401, description = "`unauthenticated`", body = ErrorJson),
        (status = 403, description = "`forbidden`: not a tenant admin", body = ErrorJson),
        (status = 404, description = "`not_found`: no such user in the tenant", body = ErrorJson),
        (status = 500, description = "`internal`", body = ErrorJson),
    ),
)]
pub(crate) async fn reset_factors(
    TenantAdmin(admin): TenantAdmin,
    State(state): State<ApiState>,
    PathPid(pid): PathPid,
) -> Result<StatusCode, ApiError> {
    let tenant = admin.tenant.id;
    let id = find(&state, tenant, pid).await?.id;
    state
        .users
        .reset_second_factors(tenant, id, Some(admin.user.id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
