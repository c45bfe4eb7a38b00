//! [`Credentials`]: passwords (changed, set, reset through a token) and email verification.

use crate::error::Result;
use crate::inputs::Actor;
use crate::password::Password;
use crate::views::{IssuedToken, UserView};
use async_trait::async_trait;
use std::time::Duration;
use tenantry_entity::{TenantId, UserId};

/// Credentials: passwords (changed, set, reset through a token) and email verification.
///
/// Part of [`UserRepository`](super::UserRepository), whose example sets a repository up and
/// calls it (import the traits with [`prelude`](crate::prelude)); every method is exercised in
/// `crates/service/tests/tokens.rs`.
#[async_trait]
pub trait Credentials: Send + Sync {
    /// Changes the user's password, given its current one; rotates the security stamp and
    /// voids outstanding reset tokens.
    ///
    /// # Errors
    /// `NotFound`, `InvalidCredentials` (wrong current password), `InvalidInput` (policy),
    /// `Hashing`, `Database`.
    async fn change_password(
        &self,
        tenant: TenantId,
        user: UserId,
        current: &Password,
        new_password: &Password,
    ) -> Result<()>;

    /// Sets the user's password (an administrator's act); rotates the security stamp and
    /// voids outstanding reset tokens.
    ///
    /// # Errors
    /// `NotFound`, `InvalidInput` (policy), `Hashing`, `Database`.
    async fn set_password(
        &self,
        tenant: TenantId,
        user: UserId,
        new_password: &Password,
        actor: Actor,
    ) -> Result<()>;

    /// Issues a password-reset token for an active user (an administrator's "credential reset
    /// token"), valid for `ttl` (default: the configured reset TTL); voids older ones.
    ///
    /// # Errors
    /// `NotFound`, `Conflict` (user not active), `Database`.
    async fn issue_password_reset(
        &self,
        tenant: TenantId,
        user: UserId,
        ttl: Option<Duration>,
        actor: Actor,
    ) -> Result<IssuedToken>;

    /// A user asks for a reset by email. When the email names an active user, a token is
    /// issued and handed to `sender`; either way the result is `Ok(())`, so the caller cannot
    /// tell whether the email exists.
    ///
    /// # Errors
    /// `Database`.
    async fn request_password_reset(
        &self,
        tenant: TenantId,
        email: &str,
        sender: &dyn TokenSender,
    ) -> Result<()>;

    /// Redeems a reset token and sets the new password (policy-checked). With `tenant`, a
    /// token of another tenant is refused.
    ///
    /// # Errors
    /// `InvalidToken` (malformed, unknown, expired, used, voided, other purpose or tenant),
    /// `InvalidInput` (policy), `Hashing`, `Database`.
    async fn redeem_password_reset(
        &self,
        tenant: Option<TenantId>,
        token: &str,
        new_password: &Password,
    ) -> Result<UserView>;

    /// Issues an email-verification token for the user's current email.
    ///
    /// # Errors
    /// `NotFound`, `Conflict` (no email), `Database`.
    async fn issue_email_verification(
        &self,
        tenant: TenantId,
        user: UserId,
        actor: Actor,
    ) -> Result<IssuedToken>;

    /// Redeems an email-verification token: the user's email is verified.
    ///
    /// # Errors
    /// `InvalidToken`, `Database`.
    async fn verify_email(&self, tenant: Option<TenantId>, token: &str) -> Result<UserView>;
}

/// Where [`Credentials::request_password_reset`] hands a reset token when the
/// email belongs to a user: the host's mailer.
#[async_trait]
pub trait TokenSender: Send + Sync {
    /// Delivers the token (typically: emails a link holding it). Called only when the email
    /// names an active user; failures are the sender's to log.
    async fn send(&self, delivery: TokenDelivery);
}

/// A token to deliver to a user.
#[derive(Debug)]
pub struct TokenDelivery {
    /// The user.
    pub user: UserView,
    /// The address to send it to.
    pub email: String,
    /// The token.
    pub token: IssuedToken,
}
