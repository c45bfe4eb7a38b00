//! [`Passkeys`] (feature `passkeys`): a user's passkeys (WebAuthn credentials, through
//! webauthn-rs) — registered, listed, renamed, removed — sign-in with a passkey alone, and a
//! passkey as the second step of a password sign-in.

use crate::error::Result;
use crate::inputs::{Actor, LoginContext};
use crate::token_codec::RawToken;
use crate::views::AuthenticatedUser;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use tenantry_entity::{TenantId, UserId};
use webauthn_rs::prelude::{
    CreationChallengeResponse, PublicKeyCredential, RegisterPublicKeyCredential,
    RequestChallengeResponse,
};

/// The first step of a passkey ceremony: the `options` to hand to the browser
/// (`navigator.credentials.create` / `.get`, as JSON) and the `token` that names the ceremony
/// when its second step comes back.
///
/// The token is single-use, expires after five minutes, and is all that ties the second step to
/// the first: keep it server-side (in the session) or hand it to the client beside the options.
/// Its `Debug` is `[redacted]`, and this struct does not serialize (serialize `options`).
#[derive(Debug)]
pub struct PasskeyChallenge<Options> {
    /// The ceremony's token (43 characters; `token.expose()`).
    pub token: RawToken,
    /// The options for the browser's WebAuthn call.
    pub options: Options,
}

/// A registered passkey, as a user's list of passkeys shows it. It never holds the credential.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PasskeyView {
    /// Its id (to rename or remove it by).
    pub id: i64,
    /// Always `"passkey"` (the `authenticators` row's kind).
    pub kind: &'static str,
    /// The user's name for it.
    pub name: String,
    /// When its registration began.
    pub created_at: DateTime<Utc>,
    /// When its registration finished.
    pub confirmed_at: Option<DateTime<Utc>>,
    /// When it last passed a sign-in or a second step.
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A user's passkeys, signing in with one alone, and one as a second factor (feature
/// `passkeys`).
///
/// The repository needs a relying party first
/// ([`SeaOrmUserRepository::with_passkeys`](crate::SeaOrmUserRepository::with_passkeys));
/// without one every method returns `Conflict("passkeys are not configured")`.
///
/// Part of [`UserRepository`](super::UserRepository) when the feature is on; every method is
/// exercised in `crates/service/tests/passkeys.rs`, with a software authenticator.
#[async_trait]
pub trait Passkeys: Send + Sync {
    /// Begins registering a passkey for the user: the browser's `create` options (the user's
    /// passkeys already registered are excluded) and the ceremony's token.
    ///
    /// # Errors
    /// `NotFound` (the user: absent, deleted, of another tenant); `Conflict` (not configured);
    /// `Database`.
    async fn start_passkey_registration(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> Result<PasskeyChallenge<CreationChallengeResponse>>;

    /// Finishes the registration `token` began with the browser's answer, and stores the
    /// passkey under `name` (1–100 characters, no control or invisible characters). Audited
    /// (`passkey.registered`, the user as actor).
    ///
    /// # Errors
    /// `InvalidInput` (field `name`; field `credential`: the answer does not verify against the
    /// ceremony); `InvalidToken` (malformed, unknown, expired, used, of another user or
    /// purpose: the token is spent by any answer, good or bad); `Conflict` (this credential
    /// is registered already, to anyone; or not configured); `NotFound`; `Database`.
    async fn finish_passkey_registration(
        &self,
        tenant: TenantId,
        user: UserId,
        token: &str,
        credential: &RegisterPublicKeyCredential,
        name: &str,
    ) -> Result<PasskeyView>;

    /// The user's passkeys, oldest first.
    ///
    /// # Errors
    /// `NotFound` (the user); `Database`.
    async fn passkeys(&self, tenant: TenantId, user: UserId) -> Result<Vec<PasskeyView>>;

    /// Renames the user's passkey `id` (1–100 characters, no control or invisible characters).
    /// Audited (`passkey.renamed`); the same name writes nothing.
    ///
    /// # Errors
    /// `InvalidInput` (field `name`); `NotFound` (the user, or a passkey that is not the
    /// user's); `Database`.
    async fn rename_passkey(
        &self,
        tenant: TenantId,
        user: UserId,
        id: i64,
        name: &str,
        actor: Actor,
    ) -> Result<PasskeyView>;

    /// Removes the user's passkey `id`; it signs in no more. Audited (`passkey.removed`).
    ///
    /// # Errors
    /// `NotFound` (the user, or a passkey that is not the user's); `Database`.
    async fn remove_passkey(
        &self,
        tenant: TenantId,
        user: UserId,
        id: i64,
        actor: Actor,
    ) -> Result<()>;

    /// Begins a sign-in with a passkey alone: the browser's `get` options for a discoverable
    /// credential (the authenticator names its user; webauthn-rs asks for conditional
    /// mediation, the autofill prompt: set `options.mediation = None` for a modal one) and the
    /// ceremony's token, bound to the tenant and to `context`'s source and address.
    ///
    /// # Errors
    /// `NotFound` (the tenant); `Conflict` (not configured); `Database`.
    async fn start_passkey_sign_in(
        &self,
        tenant: TenantId,
        context: LoginContext,
    ) -> Result<PasskeyChallenge<RequestChallengeResponse>>;

    /// Begins a passkey as the second step of a sign-in: `challenge` is the token of
    /// [`SignIn::SecondFactor`](crate::SignIn) (its `factors` list `passkey` when the user has
    /// one), presented from the login's source and address. Returns the browser's `get`
    /// options over the user's passkeys; complete the sign-in with the answer as
    /// [`SecondFactorProof::Passkey`](crate::SecondFactorProof) through
    /// [`complete_sign_in`](crate::api::SecondFactors::complete_sign_in), with the same
    /// challenge. Starting again replaces the pending ceremony; nothing is counted until the
    /// answer, which counts toward the lockout like a wrong code when it fails (the password
    /// was right, so this is a guess at the second factor).
    ///
    /// # Errors
    /// `InvalidToken` (malformed, unknown, expired, used challenge, another tenant, source or
    /// address, an enrolment challenge); `NotFound` (the user has no passkey); `Conflict` (not
    /// configured); `Database`.
    async fn start_passkey_second_factor(
        &self,
        tenant: TenantId,
        challenge: &str,
        context: LoginContext,
    ) -> Result<RequestChallengeResponse>;

    /// Finishes the sign-in `token` began: the credential must be a registered passkey of a
    /// user of this tenant who may sign in now (as for a password: active, not locked,
    /// expired or deleted, the tenant active), and its signature must verify. A success is a
    /// login like a password's (event, tracking columns, lockout cleared) and updates the
    /// passkey's counter and `last_used_at`.
    ///
    /// The token is spent by any answer. A passkey failure does not count toward the lockout
    /// (a signature cannot be guessed; counting it would only let anyone lock an account).
    ///
    /// # Errors
    /// `InvalidCredentials` for every failure — a malformed, unknown, expired or used token, one
    /// of another tenant, source or address, an unknown or removed credential, one of another
    /// tenant, a bad signature, a replayed counter, an account that may not sign in — each
    /// recorded in `login_events` (`wrong_passkey`, or the account's refusal);
    /// `Conflict` (not configured); `Database`.
    async fn finish_passkey_sign_in(
        &self,
        tenant: TenantId,
        token: &str,
        credential: &PublicKeyCredential,
        context: LoginContext,
    ) -> Result<AuthenticatedUser>;
}
