//! The routes a token holder uses without a session: accepting an invitation and resetting a
//! password.

use crate::admin::AppState;
use crate::admin::error::ApiError;
use crate::admin::extract::ApiJson;
use crate::admin::json::{AcceptBody, AccountJson, ResetBody};
use axum::Json;
use axum::extract::State;
use tenantry_service::{Password, UserView};

/// `POST /api/invitations/accept`: sets the password (and the username, when given) and
/// activates the invited user; 200 with its account. It does not sign in.
pub(crate) async fn accept_invitation(
    State(state): State<AppState>,
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
pub(crate) async fn reset_password(
    State(state): State<AppState>,
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

async fn account(state: &AppState, user: UserView) -> Result<Json<AccountJson>, ApiError> {
    let tenant = state
        .users
        .get_tenant(user.tenant_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(AccountJson::new(user, tenant)))
}
