//! An admin ending every session of a user of its tenant.

use crate::ApiState;
use crate::admin::users::find;
use crate::error::{ApiError, ErrorJson};
use crate::extract::PathPid;
use crate::guard::TenantAdmin;
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

/// How many sessions a revocation ended.
#[derive(Serialize, ToSchema)]
#[schema(as = Revoked)]
pub(crate) struct RevokedJson {
    revoked: u64,
}

/// `DELETE /api/users/{id}/sessions`: ends every session of a user of the admin's tenant.
#[utoipa::path(
    delete,
    path = "/api/users/{id}/sessions",
    tag = "admin",
    security(("session" = [])),
    params(("id" = String, Path, description = "The user's public id (a UUID)")),
    responses(
        (status = 200, description = "Every session of the user is over", body = RevokedJson),
        (status = 401, description = "`unauthenticated`", body = ErrorJson),
        (status = 403, description = "`forbidden`: not a tenant admin", body = ErrorJson),
        (status = 404, description = "`not_found`: no such user in the tenant", body = ErrorJson),
        (status = 500, description = "`internal`", body = ErrorJson),
    ),
)]
pub(crate) async fn revoke_users(
    TenantAdmin(admin): TenantAdmin,
    State(state): State<ApiState>,
    PathPid(pid): PathPid,
) -> Result<Json<RevokedJson>, ApiError> {
    let tenant = admin.tenant.id;
    let id = find(&state, tenant, pid).await?.id;
    let revoked = state
        .users
        .revoke_all_sessions(tenant, id, Some(admin.user.id))
        .await?;
    Ok(Json(RevokedJson { revoked }))
}
