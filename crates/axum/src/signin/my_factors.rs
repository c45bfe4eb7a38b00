//! The signed-in user's own second factors: list, enrol an authenticator app and confirm it,
//! remove one, new recovery codes.

use crate::ApiState;
use crate::body::ApiJson;
use crate::error::{ApiError, ErrorJson};
use crate::extract::PathNumber;
use crate::json::{EnrolmentJson, FactorJson, FactorsJson, RecoveryCodesJson};
use crate::requests::{CodeBody, NewTotpBody};
use crate::session::SignedIn;
use crate::signin::second_step::DEFAULT_NAME;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

/// `GET /api/me/factors`: the user's second factors, and how many recovery codes are left.
#[utoipa::path(
    get,
    path = "/api/me/factors",
    tag = "sign-in",
    security(("session" = [])),
    responses(
        (status = 200, description = "The user's factors, pending ones included", body = FactorsJson),
        (status = 401, description = "`unauthenticated`", body = ErrorJson),
        (status = 500, description = "`internal`", body = ErrorJson),
    ),
)]
pub(crate) async fn list_factors(
    SignedIn { user, tenant }: SignedIn,
    State(state): State<ApiState>,
) -> Result<Json<FactorsJson>, ApiError> {
    let factors = state
        .users
        .authenticators(tenant.id, user.id)
        .await?
        .into_iter()
        .map(FactorJson::from)
        .collect();
    let recovery_codes_left = state.users.recovery_codes_left(tenant.id, user.id).await?;
    Ok(Json(FactorsJson {
        factors,
        recovery_codes_left,
    }))
}

/// `POST /api/me/factors/totp`: begins enrolling an authenticator app (pending until
/// confirmed with one of its codes).
#[utoipa::path(
    post,
    path = "/api/me/factors/totp",
    tag = "sign-in",
    security(("session" = [])),
    request_body = NewTotpBody,
    responses(
        (status = 200, description = "The app's secret and URI, shown once", body = EnrolmentJson),
        (status = 400, description = "`invalid_input` (the name)", body = ErrorJson),
        (status = 401, description = "`unauthenticated`", body = ErrorJson),
        (status = 409, description = "`second_factors_not_configured`", body = ErrorJson),
        (status = 413, description = "The body is over 64 KiB", body = ErrorJson),
        (status = 500, description = "`internal`", body = ErrorJson),
    ),
)]
pub(crate) async fn enrol_totp(
    SignedIn { user, tenant }: SignedIn,
    State(state): State<ApiState>,
    ApiJson(body): ApiJson<NewTotpBody>,
) -> Result<Json<EnrolmentJson>, ApiError> {
    let name = if body.name.is_empty() {
        DEFAULT_NAME
    } else {
        &body.name
    };
    let enrolment = state.users.enrol_totp(tenant.id, user.id, name).await?;
    Ok(Json(EnrolmentJson::from(enrolment)))
}

/// `POST /api/me/factors/{id}/confirm`: confirms a pending authenticator app with a current
/// code; answers the first recovery codes (shown once) when the user had none.
#[utoipa::path(
    post,
    path = "/api/me/factors/{id}/confirm",
    tag = "sign-in",
    security(("session" = [])),
    params(("id" = String, Path, description = "The pending authenticator's id (a positive integer; anything else is 404)")),
    request_body = CodeBody,
    responses(
        (status = 200, description = "Confirmed; recovery codes when they are new", body = RecoveryCodesJson),
        (status = 401, description = "`unauthenticated`, or `invalid_credentials`: a wrong code", body = ErrorJson),
        (status = 404, description = "`not_found`: no such pending authenticator", body = ErrorJson),
        (status = 413, description = "The body is over 64 KiB", body = ErrorJson),
        (status = 500, description = "`internal`", body = ErrorJson),
    ),
)]
pub(crate) async fn confirm_factor(
    SignedIn { user, tenant }: SignedIn,
    State(state): State<ApiState>,
    PathNumber(id): PathNumber,
    ApiJson(body): ApiJson<CodeBody>,
) -> Result<Json<RecoveryCodesJson>, ApiError> {
    let codes = state
        .users
        .confirm_totp(tenant.id, user.id, id, &body.code, Some(user.id))
        .await?;
    Ok(Json(RecoveryCodesJson::new(codes)))
}

/// `DELETE /api/me/factors/{id}`: removes one of the user's factors.
#[utoipa::path(
    delete,
    path = "/api/me/factors/{id}",
    tag = "sign-in",
    security(("session" = [])),
    params(("id" = String, Path, description = "The authenticator's id (a positive integer; anything else is 404)")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "`unauthenticated`", body = ErrorJson),
        (status = 404, description = "`not_found`", body = ErrorJson),
        (status = 500, description = "`internal`", body = ErrorJson),
    ),
)]
pub(crate) async fn remove_factor(
    SignedIn { user, tenant }: SignedIn,
    State(state): State<ApiState>,
    PathNumber(id): PathNumber,
) -> Result<StatusCode, ApiError> {
    state
        .users
        .remove_authenticator(tenant.id, user.id, id, Some(user.id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/me/recovery-codes`: a new set of recovery codes (shown once); the old set is
/// void.
#[utoipa::path(
    post,
    path = "/api/me/recovery-codes",
    tag = "sign-in",
    security(("session" = [])),
    responses(
        (status = 200, description = "The new codes, shown once", body = RecoveryCodesJson),
        (status = 401, description = "`unauthenticated`", body = ErrorJson),
        (status = 409, description = "`conflict`: the user has no second factor", body = ErrorJson),
        (status = 500, description = "`internal`", body = ErrorJson),
    ),
)]
pub(crate) async fn regenerate_codes(
    SignedIn { user, tenant }: SignedIn,
    State(state): State<ApiState>,
) -> Result<Json<RecoveryCodesJson>, ApiError> {
    let codes = state
        .users
        .regenerate_recovery_codes(tenant.id, user.id, Some(user.id))
        .await?;
    Ok(Json(RecoveryCodesJson::new(Some(codes))))
}
