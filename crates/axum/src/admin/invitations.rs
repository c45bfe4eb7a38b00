//! Inviting a user: `POST /api/users` creates it invited, with a one-time token that lets it
//! choose its password.

use crate::ApiState;
use crate::admin::grants::{resolve_roles, roles_field};
use crate::body::ApiJson;
use crate::error::{ApiError, ErrorJson};
use crate::guard::TenantAdmin;
use crate::json::{InvitedJson, TokenJson};
use crate::requests::NewUserBody;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use tenantry_service::Invitation;

/// `POST /api/users`: invites the user; 201 with it and its invitation.
#[utoipa::path(
    post,
    path = "/api/users",
    tag = "admin",
    security(("session" = [])),
    request_body = NewUserBody,
    responses(
        (status = 201, description = "The invited user, and its invitation (shown once)", body = InvitedJson),
        (status = 400, description = "`invalid_input` (with `fields`), `role_refused`", body = ErrorJson),
        (status = 401, description = "`unauthenticated`", body = ErrorJson),
        (status = 403, description = "`forbidden`: not a tenant admin, or a grant the admin may not make", body = ErrorJson),
        (status = 409, description = "`username_taken`, `email_taken`, `conflict`", body = ErrorJson),
        (status = 413, description = "The body is over 64 KiB", body = ErrorJson),
        (status = 500, description = "`internal`", body = ErrorJson),
    ),
)]
pub(crate) async fn create(
    TenantAdmin(admin): TenantAdmin,
    State(state): State<ApiState>,
    ApiJson(body): ApiJson<NewUserBody>,
) -> Result<(StatusCode, Json<InvitedJson>), ApiError> {
    let tenant = admin.tenant.id;
    let (tenant_roles, plant_roles) =
        resolve_roles(&state, tenant, body.roles, body.plant_roles).await?;
    let invitation = Invitation {
        email: body.email,
        username: body.username,
        display_name: body.display_name,
        tenant_roles,
        plant_roles,
    };
    let invited = state
        .users
        .invite_user(tenant, invitation, Some(admin.user.id))
        .await
        .map_err(roles_field)?;
    let body = InvitedJson {
        user: invited.user.into(),
        invitation: TokenJson::new(invited.invitation, &state.public_url, "accept-invitation"),
    };
    Ok((StatusCode::CREATED, Json(body)))
}
