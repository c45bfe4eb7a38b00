//! Signing in with a passkey alone (feature `passkeys`): no password, no session needed to
//! begin. The browser asks the authenticator for any passkey of this site (a discoverable
//! credential names its own user), and a verified answer starts a session exactly like a
//! password login does (a new session id, so a planted cookie never becomes the session).
//!
//! The ceremony's token travels with the client (`{"token","options"}`, sent back with the
//! answer): there is no session yet to keep it in, and the library binds it to the tenant and
//! the client's address, spends it on any answer, good or bad, and lets it live five minutes.

use crate::ApiState;
use crate::body::ApiJson;
use crate::error::{ApiError, ErrorJson};
use crate::extract::ClientIp;
use crate::json::{AccountJson, PasskeyChallengeJson};
use crate::requests::{PasskeyFinishBody, PasskeyStartBody};
use crate::session::Auth;
use crate::signin::login::{device, start_session, web_sign_in};
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;

/// `POST /api/auth/passkey/start`: the options for `navigator.credentials.get()` and the
/// ceremony's token, for a sign-in with a passkey alone at this tenant.
#[utoipa::path(
    post,
    path = "/api/auth/passkey/start",
    tag = "sign-in",
    request_body = PasskeyStartBody,
    responses(
        (status = 200, description = "The token and the options (webauthn-rs asks for conditional mediation, the autofill prompt; set `options.mediation` to null for a modal one)", body = PasskeyChallengeJson),
        (status = 400, description = "The body is not a JSON object of this shape", body = ErrorJson),
        (status = 404, description = "`not_found`: no such tenant", body = ErrorJson),
        (status = 409, description = "`conflict`: passkeys are not configured", body = ErrorJson),
        (status = 413, description = "The body is over 64 KiB", body = ErrorJson),
        (status = 500, description = "`internal`", body = ErrorJson),
    ),
)]
pub(crate) async fn start_passkey_sign_in(
    State(state): State<ApiState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<PasskeyStartBody>,
) -> Result<Json<PasskeyChallengeJson>, ApiError> {
    let (tenant, context) = web_sign_in(&state, &body.tenant, ip).await?;
    let challenge = state.users.start_passkey_sign_in(tenant, context).await?;
    Ok(Json(PasskeyChallengeJson::from(challenge)))
}

/// `POST /api/auth/passkey/finish`: signs in with the browser's answer to the start's options.
/// The token is spent by any answer; every failure is the one 401 a login gets.
#[utoipa::path(
    post,
    path = "/api/auth/passkey/finish",
    tag = "sign-in",
    request_body = PasskeyFinishBody,
    responses(
        (status = 200, description = "Signed in: the account, and the session cookie", body = AccountJson,
            headers(("set-cookie" = String, description = "The session cookie `tenantry_admin`"))),
        (status = 400, description = "`invalid_input`: no `credential`, or a body that is not a JSON object of this shape", body = ErrorJson),
        (status = 401, description = "`invalid_credentials`: every failure alike (a malformed, unknown, expired, used or another tenant's or address's token, an unknown or removed passkey, a bad signature, an account that may not sign in)", body = ErrorJson),
        (status = 409, description = "`conflict`: passkeys are not configured", body = ErrorJson),
        (status = 413, description = "The body is over 64 KiB", body = ErrorJson),
        (status = 500, description = "`internal`", body = ErrorJson),
    ),
)]
pub(crate) async fn finish_passkey_sign_in(
    State(state): State<ApiState>,
    Auth(mut auth): Auth,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(body): ApiJson<PasskeyFinishBody>,
) -> Result<Json<AccountJson>, ApiError> {
    // No answer is a malformed request, not a wrong passkey: nothing is spent or recorded.
    let Some(credential) = body.credential else {
        return Err(ApiError::required("credential"));
    };
    let meta = device(ip.as_deref(), &headers);
    let (tenant, context) = web_sign_in(&state, &body.tenant, ip).await?;
    let signed_in = state
        .users
        .finish_passkey_sign_in(tenant, &body.token, &credential, context)
        .await?;
    Ok(Json(
        start_session(&state, &mut auth, signed_in, &meta).await?,
    ))
}
