//! The signed-in user's own passkeys (feature `passkeys`): register one, list, rename and
//! remove them.
//!
//! Registering is a two-request ceremony: `POST /api/me/passkeys/registration` answers the
//! options for `navigator.credentials.create()`, and `POST /api/me/passkeys` takes the
//! browser's answer. The ceremony's token never leaves the server: it is kept in the user's
//! session (tower-sessions, in the database) beside the user it was issued to. So the client
//! has nothing to leak or replay, a registration begun in one session cannot be finished in
//! another (that session has no token), and the token is taken out of the session by the first
//! answer, good or bad (the library spends it too). Starting again replaces a pending
//! registration; signing in again or out empties the session, and the registration with it.

use crate::ApiState;
use crate::body::ApiJson;
use crate::error::{ApiError, ErrorJson};
use crate::extract::PathNumber;
use crate::json::{PasskeyJson, PasskeysJson};
use crate::requests::{NewPasskeyBody, PasskeyNameBody};
use crate::session::{Auth, SignedIn};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::fmt;
use tenantry_service::Error;
use tenantry_service::validation::{self, ValidationErrors};
use tenantry_service::webauthn_rs::prelude::CreationChallengeResponse;
use uuid::Uuid;

/// The key of the session's data a pending registration is kept under.
const PENDING_KEY: &str = "tenantry.passkey_registration";

/// A registration begun in this session: its token, and the user it was begun for (a session
/// that somehow holds another user by now finishes nothing).
#[derive(Serialize, Deserialize)]
struct PendingRegistration {
    /// The user's public id.
    user: Uuid,
    token: String,
}

impl fmt::Debug for PendingRegistration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingRegistration")
            .field("user", &self.user)
            .field("token", &"[redacted]")
            .finish()
    }
}

/// `POST /api/me/passkeys/registration`: begins registering a passkey; the ceremony's token
/// stays in the session.
#[utoipa::path(
    post,
    path = "/api/me/passkeys/registration",
    tag = "sign-in",
    security(("session" = [])),
    responses(
        (status = 200, description = "The options for `navigator.credentials.create()` (WebAuthn `PublicKeyCredentialCreationOptions`, as webauthn-rs serializes them; the user's passkeys are excluded). Valid five minutes, in this session only.", body = Object),
        (status = 401, description = "`unauthenticated`", body = ErrorJson),
        (status = 409, description = "`conflict`: passkeys are not configured", body = ErrorJson),
        (status = 500, description = "`internal`", body = ErrorJson),
    ),
)]
pub(crate) async fn start_registration(
    SignedIn { user, tenant }: SignedIn,
    State(state): State<ApiState>,
    Auth(auth): Auth,
) -> Result<Json<CreationChallengeResponse>, ApiError> {
    let challenge = state
        .users
        .start_passkey_registration(tenant.id, user.id)
        .await?;
    let pending = PendingRegistration {
        user: user.pid,
        token: challenge.token.into_string(),
    };
    auth.session.insert(PENDING_KEY, &pending).await?;
    Ok(Json(challenge.options))
}

/// `POST /api/me/passkeys`: finishes the registration this session began, storing the passkey
/// under `name`.
#[utoipa::path(
    post,
    path = "/api/me/passkeys",
    tag = "sign-in",
    security(("session" = [])),
    request_body = NewPasskeyBody,
    responses(
        (status = 201, description = "Registered", body = PasskeyJson),
        (status = 400, description = "`invalid_token`: no registration pending in this session (none begun, already answered, expired, or begun in another session); `invalid_input`: the name, no `credential`, or an answer that does not verify against the ceremony", body = ErrorJson),
        (status = 401, description = "`unauthenticated`", body = ErrorJson),
        (status = 409, description = "`conflict`: this passkey is registered already, or passkeys are not configured", body = ErrorJson),
        (status = 413, description = "The body is over 64 KiB", body = ErrorJson),
        (status = 500, description = "`internal`", body = ErrorJson),
    ),
)]
pub(crate) async fn register(
    SignedIn { user, tenant }: SignedIn,
    State(state): State<ApiState>,
    Auth(auth): Auth,
    ApiJson(body): ApiJson<NewPasskeyBody>,
) -> Result<(StatusCode, Json<PasskeyJson>), ApiError> {
    let Some(credential) = body.credential else {
        return Err(ApiError::required("credential"));
    };
    // The library's name rule, checked before the ceremony is taken (as the library checks it
    // before spending the token): a bad name leaves the registration pending, to retry.
    validation::name(&body.name)
        .map_err(|rule| Error::InvalidInput(ValidationErrors::single("name", rule)))?;
    // Taken out before the answer is checked: one answer per ceremony, whatever its outcome.
    let pending: Option<PendingRegistration> = auth.session.remove(PENDING_KEY).await?;
    let Some(pending) = pending.filter(|pending| pending.user == user.pid) else {
        return Err(Error::InvalidToken.into());
    };
    let passkey = state
        .users
        .finish_passkey_registration(tenant.id, user.id, &pending.token, &credential, &body.name)
        .await?;
    Ok((StatusCode::CREATED, Json(PasskeyJson::from(passkey))))
}

/// `GET /api/me/passkeys`: the user's passkeys, oldest first.
#[utoipa::path(
    get,
    path = "/api/me/passkeys",
    tag = "sign-in",
    security(("session" = [])),
    responses(
        (status = 200, description = "The user's passkeys", body = PasskeysJson),
        (status = 401, description = "`unauthenticated`", body = ErrorJson),
        (status = 500, description = "`internal`", body = ErrorJson),
    ),
)]
pub(crate) async fn list_passkeys(
    SignedIn { user, tenant }: SignedIn,
    State(state): State<ApiState>,
) -> Result<Json<PasskeysJson>, ApiError> {
    let passkeys = state
        .users
        .passkeys(tenant.id, user.id)
        .await?
        .into_iter()
        .map(PasskeyJson::from)
        .collect();
    Ok(Json(PasskeysJson { passkeys }))
}

/// `PATCH /api/me/passkeys/{id}`: renames one of the user's passkeys.
#[utoipa::path(
    patch,
    path = "/api/me/passkeys/{id}",
    tag = "sign-in",
    security(("session" = [])),
    params(("id" = String, Path, description = "The passkey's id (a positive integer; anything else is 404)")),
    request_body = PasskeyNameBody,
    responses(
        (status = 200, description = "Renamed", body = PasskeyJson),
        (status = 400, description = "`invalid_input` (the name)", body = ErrorJson),
        (status = 401, description = "`unauthenticated`", body = ErrorJson),
        (status = 404, description = "`not_found`: not one of the user's passkeys", body = ErrorJson),
        (status = 413, description = "The body is over 64 KiB", body = ErrorJson),
        (status = 500, description = "`internal`", body = ErrorJson),
    ),
)]
pub(crate) async fn rename_passkey(
    SignedIn { user, tenant }: SignedIn,
    State(state): State<ApiState>,
    PathNumber(id): PathNumber,
    ApiJson(body): ApiJson<PasskeyNameBody>,
) -> Result<Json<PasskeyJson>, ApiError> {
    let passkey = state
        .users
        .rename_passkey(tenant.id, user.id, id, &body.name, Some(user.id))
        .await?;
    Ok(Json(PasskeyJson::from(passkey)))
}

/// `DELETE /api/me/passkeys/{id}`: removes one of the user's passkeys; it signs in no more.
#[utoipa::path(
    delete,
    path = "/api/me/passkeys/{id}",
    tag = "sign-in",
    security(("session" = [])),
    params(("id" = String, Path, description = "The passkey's id (a positive integer; anything else is 404)")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "`unauthenticated`", body = ErrorJson),
        (status = 404, description = "`not_found`: not one of the user's passkeys", body = ErrorJson),
        (status = 500, description = "`internal`", body = ErrorJson),
    ),
)]
pub(crate) async fn remove_passkey(
    SignedIn { user, tenant }: SignedIn,
    State(state): State<ApiState>,
    PathNumber(id): PathNumber,
) -> Result<StatusCode, ApiError> {
    state
        .users
        .remove_passkey(tenant.id, user.id, id, Some(user.id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
