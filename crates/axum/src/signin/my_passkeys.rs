//! The signed-in user's own passkeys (feature `passkeys`): register one, list, rename and
//! remove them.
//!
//! Registering is a two-request ceremony: `POST /api/me/passkeys/registration` answers the
//! options for `navigator.credentials.create()`, and `POST /api/me/passkeys` takes the
//! browser's answer. The ceremony's token never leaves the server: it is kept in the user's
//! session (tower-sessions, in the database) beside the user it was issued to, sealed with a
//! pad only this session's cookie yields (the database holds no raw token). So the client
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
use sha2::{Digest, Sha256};
use std::fmt;
use tenantry_service::Error;
use tenantry_service::validation::{self, ValidationErrors};
use tenantry_service::webauthn_rs::prelude::CreationChallengeResponse;
use tower_sessions::session::Id;
use uuid::Uuid;

/// The key of the session's data a pending registration is kept under.
const PENDING_KEY: &str = "tenantry.passkey_registration";

/// A registration begun in this session: its token, sealed, and the user it was begun for (a
/// session that somehow holds another user by now finishes nothing).
///
/// Session data is stored as JSON in the database, and a raw token is never stored in the
/// clear: the token is kept XOR a pad derived from the session's raw id ([`pad`]), which the
/// database does not hold (it keeps the id's SHA-256). Only a request carrying this session's
/// cookie can open it.
#[derive(Serialize, Deserialize)]
struct PendingRegistration {
    /// The user's public id.
    user: Uuid,
    /// Fresh for every registration, so no two seal under one pad.
    nonce: Uuid,
    /// The token XOR its pad, in hex.
    sealed: String,
}

impl fmt::Debug for PendingRegistration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingRegistration")
            .field("user", &self.user)
            .field("sealed", &"[redacted]")
            .finish()
    }
}

/// `len` bytes of SHA-256 over the session's raw id and the nonce (counter mode).
fn pad(session: Id, nonce: Uuid, len: usize) -> Vec<u8> {
    let mut pad = Vec::with_capacity(len + 32);
    let mut block: u32 = 0;
    while pad.len() < len {
        let mut hash = Sha256::new();
        hash.update(b"tenantry passkey registration\0");
        hash.update(session.0.to_le_bytes());
        hash.update(nonce.as_bytes());
        hash.update(block.to_le_bytes());
        pad.extend_from_slice(&hash.finalize());
        block += 1;
    }
    pad.truncate(len);
    pad
}

impl PendingRegistration {
    fn seal(user: Uuid, session: Id, token: &str) -> Self {
        let nonce = Uuid::now_v7();
        let sealed = token
            .bytes()
            .zip(pad(session, nonce, token.len()))
            .map(|(byte, key)| format!("{:02x}", byte ^ key))
            .collect();
        Self {
            user,
            nonce,
            sealed,
        }
    }

    /// The token, if this session sealed it (any other yields bytes that are no token).
    fn open(&self, session: Id) -> Option<String> {
        let bytes = (0..self.sealed.len())
            .step_by(2)
            .map(|at| u8::from_str_radix(self.sealed.get(at..at + 2)?, 16).ok())
            .collect::<Option<Vec<u8>>>()?;
        let pad = pad(session, self.nonce, bytes.len());
        let token: Vec<u8> = bytes
            .iter()
            .zip(pad)
            .map(|(byte, key)| byte ^ key)
            .collect();
        String::from_utf8(token).ok()
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
    let session = auth.session.id().ok_or_else(ApiError::unauthenticated)?;
    let pending = PendingRegistration::seal(user.pid, session, challenge.token.expose());
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
    let token = pending
        .filter(|pending| pending.user == user.pid)
        .zip(auth.session.id())
        .and_then(|(pending, session)| pending.open(session))
        .ok_or(Error::InvalidToken)?;
    let passkey = state
        .users
        .finish_passkey_registration(tenant.id, user.id, &token, &credential, &body.name)
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

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "q3Vb1oN4dYgk1yJfA0Rz9h2kQW8xLrT5uPcE7mS6aZc";

    #[test]
    fn a_sealed_token_opens_in_its_session_only_and_is_not_stored_in_the_clear() {
        let (user, session) = (
            Uuid::now_v7(),
            Id(0x1234_5678_9abc_def0_1122_3344_5566_7788),
        );
        let pending = PendingRegistration::seal(user, session, TOKEN);
        assert_eq!(pending.open(session).as_deref(), Some(TOKEN));
        assert_ne!(pending.open(Id(session.0 + 1)).as_deref(), Some(TOKEN));
        let stored = serde_json::to_string(&pending).unwrap_or_default();
        assert!(!stored.contains(TOKEN), "{stored}");
        assert!(
            !stored.contains(&format!("{:x}", session.0)),
            "the raw session id is no key here"
        );
        // Two seals of one token in one session differ (a fresh nonce each).
        let again = PendingRegistration::seal(user, session, TOKEN);
        assert_ne!(again.sealed, pending.sealed);
        assert!(!format!("{pending:?}").contains(&pending.sealed));
        // Garbled hex opens to nothing, never panics.
        for sealed in ["", "0", "zz", "é"] {
            let broken = PendingRegistration {
                sealed: sealed.to_owned(),
                ..PendingRegistration::seal(user, session, TOKEN)
            };
            assert_ne!(broken.open(session).as_deref(), Some(TOKEN));
        }
    }
}
