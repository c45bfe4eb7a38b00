//! The second step of a sign-in: completing it with a code (of the app, or a recovery code),
//! and enrolling an authenticator app when the tenant requires one the user has none of.
//! Only a completed step starts a session.

use crate::ApiState;
use crate::body::ApiJson;
use crate::error::{ApiError, ErrorJson};
use crate::extract::ClientIp;
use crate::json::{AccountJson, EnrolmentJson};
#[cfg(feature = "passkeys")]
use crate::requests::PasskeyStepBody;
use crate::requests::{EnrolmentBody, SecondFactorBody};
use crate::session::Auth;
use crate::signin::login::{device, start_session, web_sign_in};
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use tenantry_service::SecondFactorProof;

/// The name of an authenticator enrolled without one.
pub(crate) const DEFAULT_NAME: &str = "authenticator app";

/// `POST /api/auth/second-factor`: completes the sign-in the login answered with 202.
#[utoipa::path(
    post,
    path = "/api/auth/second-factor",
    tag = "sign-in",
    request_body = SecondFactorBody,
    responses(
        (status = 200, description = "Signed in: the account, and the session cookie", body = AccountJson,
            headers(("set-cookie" = String, description = "The session cookie `tenantry_admin`"))),
        (status = 400, description = "`invalid_token`: no open challenge of this tenant and device; or `invalid_input`: not exactly one of `code`, `recovery_code` and `passkey`", body = ErrorJson),
        (status = 401, description = "`invalid_credentials`: a wrong, reused or malformed code, or a passkey answer that does not verify (counted toward the lockout)", body = ErrorJson),
        (status = 409, description = "`conflict`: a passkey, and passkeys are not configured", body = ErrorJson),
        (status = 413, description = "The body is over 64 KiB", body = ErrorJson),
        (status = 500, description = "`internal`", body = ErrorJson),
    ),
)]
pub(crate) async fn complete_sign_in(
    State(state): State<ApiState>,
    Auth(mut auth): Auth,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SecondFactorBody>,
) -> Result<Json<AccountJson>, ApiError> {
    let meta = device(ip.as_deref(), &headers);
    #[cfg(feature = "passkeys")]
    let passkey = body.passkey;
    #[cfg(not(feature = "passkeys"))]
    let passkey: Option<std::convert::Infallible> = None;
    let proof = match (body.code, body.recovery_code, passkey) {
        (Some(code), None, None) => SecondFactorProof::Totp(code),
        (None, Some(code), None) => SecondFactorProof::RecoveryCode(code),
        #[cfg(feature = "passkeys")]
        (None, None, Some(answer)) => SecondFactorProof::Passkey(answer),
        _ => {
            // None or more than one: `code` is the one to give.
            return Err(ApiError::required("code"));
        }
    };
    let (tenant, context) = web_sign_in(&state, &body.tenant, ip).await?;
    let signed_in = state
        .users
        .complete_sign_in(tenant, &body.challenge, proof, context)
        .await?;
    Ok(Json(
        start_session(&state, &mut auth, signed_in, &meta).await?,
    ))
}

/// `POST /api/auth/enrolment`: begins enrolling an authenticator app for the user of an
/// enrolment challenge; complete the sign-in with one of its codes.
#[utoipa::path(
    post,
    path = "/api/auth/enrolment",
    tag = "sign-in",
    request_body = EnrolmentBody,
    responses(
        (status = 200, description = "The app's secret and URI, shown once", body = EnrolmentJson),
        (status = 400, description = "`invalid_token`, or `invalid_input` (the name)", body = ErrorJson),
        (status = 409, description = "`second_factors_not_configured`", body = ErrorJson),
        (status = 413, description = "The body is over 64 KiB", body = ErrorJson),
        (status = 500, description = "`internal`", body = ErrorJson),
    ),
)]
pub(crate) async fn enrol_at_sign_in(
    State(state): State<ApiState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<EnrolmentBody>,
) -> Result<Json<EnrolmentJson>, ApiError> {
    let (tenant, context) = web_sign_in(&state, &body.tenant, ip).await?;
    let name = if body.name.is_empty() {
        DEFAULT_NAME
    } else {
        &body.name
    };
    let enrolment = state
        .users
        .enrol_totp_at_sign_in(tenant, &body.challenge, name, context)
        .await?;
    Ok(Json(EnrolmentJson::from(enrolment)))
}

/// `POST /api/auth/second-factor/passkey`: the options for a passkey as the second step of the
/// sign-in the login answered with 202 (its `factors` list `passkey`). Hand them to
/// `navigator.credentials.get()`, then send the answer as `passkey` to
/// `POST /api/auth/second-factor` with the same challenge. Starting again replaces the
/// pending ceremony; nothing is counted until the answer.
#[cfg(feature = "passkeys")]
#[utoipa::path(
    post,
    path = "/api/auth/second-factor/passkey",
    tag = "sign-in",
    request_body = PasskeyStepBody,
    responses(
        (status = 200, description = "The options for `navigator.credentials.get()` (WebAuthn `PublicKeyCredentialRequestOptions`, as webauthn-rs serializes them)", body = Object),
        (status = 400, description = "`invalid_token`: no open second-factor challenge of this tenant and device", body = ErrorJson),
        (status = 404, description = "`not_found`: the user has no passkey", body = ErrorJson),
        (status = 409, description = "`conflict`: passkeys are not configured", body = ErrorJson),
        (status = 413, description = "The body is over 64 KiB", body = ErrorJson),
        (status = 500, description = "`internal`", body = ErrorJson),
    ),
)]
pub(crate) async fn start_passkey_step(
    State(state): State<ApiState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<PasskeyStepBody>,
) -> Result<Json<tenantry_service::webauthn_rs::prelude::RequestChallengeResponse>, ApiError> {
    let (tenant, context) = web_sign_in(&state, &body.tenant, ip).await?;
    let options = state
        .users
        .start_passkey_second_factor(tenant, &body.challenge, context)
        .await?;
    Ok(Json(options))
}
