//! The routes a token holder uses without a session: accepting an invitation and resetting a
//! password.

use crate::ApiState;
use crate::body::ApiJson;
use crate::error::{ApiError, ErrorJson};
use crate::json::AccountJson;
use crate::requests::{AcceptBody, ResetBody};
use axum::Json;
use axum::extract::State;
use tenantry_service::{Password, UserView};

/// `POST /api/invitations/accept`: sets the password (and the username, when given) and
/// activates the invited user; 200 with its account. It does not sign in.
#[utoipa::path(
    post,
    path = "/api/invitations/accept",
    tag = "sign-in",
    request_body = AcceptBody,
    responses(
        (status = 200, description = "The user is active: its account", body = AccountJson),
        (status = 400, description = "`invalid_input` (with `fields`) or `invalid_token`", body = ErrorJson),
        (status = 404, description = "`not_found`: the user's tenant is gone", body = ErrorJson),
        (status = 409, description = "`username_taken`, `conflict`", body = ErrorJson),
        (status = 413, description = "The body is over 64 KiB", body = ErrorJson),
        (status = 500, description = "`internal`", body = ErrorJson),
    ),
)]
pub(crate) async fn accept_invitation(
    State(state): State<ApiState>,
    ApiJson(body): ApiJson<AcceptBody>,
) -> Result<Json<AccountJson>, ApiError> {
    let password = body
        .password
        .unwrap_or_else(|| Password::new(String::new()));
    let user = state
        .users
        .accept_invitation(None, &body.token, body.username, &password)
        .await?;
    account(&state, user).await
}

/// `POST /api/password-reset`: redeems a reset token with the new password; 200 with the
/// account. The user's other sessions end (the password change rotates its stamp).
#[utoipa::path(
    post,
    path = "/api/password-reset",
    tag = "sign-in",
    request_body = ResetBody,
    responses(
        (status = 200, description = "The password is set: the account", body = AccountJson),
        (status = 400, description = "`invalid_input` (with `fields`) or `invalid_token`", body = ErrorJson),
        (status = 404, description = "`not_found`: the user's tenant is gone", body = ErrorJson),
        (status = 409, description = "`conflict`", body = ErrorJson),
        (status = 413, description = "The body is over 64 KiB", body = ErrorJson),
        (status = 500, description = "`internal`", body = ErrorJson),
    ),
)]
pub(crate) async fn redeem_password_reset(
    State(state): State<ApiState>,
    ApiJson(body): ApiJson<ResetBody>,
) -> Result<Json<AccountJson>, ApiError> {
    let password = body
        .new_password
        .unwrap_or_else(|| Password::new(String::new()));
    let user = state
        .users
        .redeem_password_reset(None, &body.token, &password)
        .await
        .map_err(|e| ApiError::from(e).rename_field("password", "new_password"))?;
    account(&state, user).await
}

async fn account(state: &ApiState, user: UserView) -> Result<Json<AccountJson>, ApiError> {
    let tenant = state
        .users
        .get_tenant(user.tenant_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(AccountJson::new(user, tenant)))
}
