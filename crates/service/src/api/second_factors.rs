//! [`SecondFactors`]: TOTP authenticators, recovery codes, the second step of a sign-in, an
//! administrator's reset and the tenant's policy.

use crate::error::Result;
use crate::inputs::{Actor, LoginContext};
use crate::recovery_code::RecoveryCodes;
use crate::second_factor_types::{
    AuthenticatorView, SecondFactorPolicy, SecondFactorProof, TotpEnrolment,
};
use crate::views::AuthenticatedUser;
use async_trait::async_trait;
use tenantry_entity::{TenantId, UserId};

/// Second factors: a user's TOTP authenticators and recovery codes, the second step of a
/// sign-in (`Logins::sign_in` starts it), an administrator's reset, the tenant's policy.
///
/// TOTP secrets are sealed with the host's key (`Config::second_factors`) and never leave the
/// service again after enrolment; recovery codes are stored as hashes. A code is accepted
/// within one time step either side, and never twice: the last step used is stored, and two
/// concurrent submissions of one code let exactly one through.
///
/// Part of [`UserRepository`](super::UserRepository).
#[async_trait]
pub trait SecondFactors: Send + Sync {
    /// Begins enrolling a TOTP authenticator named `name` (1–100 printable characters) for the
    /// user: a new secret, sealed and stored pending; any other pending TOTP enrolment of the
    /// user is dropped. Show the URI (or the secret), then [`confirm_totp`](Self::confirm_totp).
    ///
    /// # Errors
    /// `NotFound`, `InvalidInput` (field `name`), `SecondFactorsNotConfigured` (no sealing
    /// key), `Database`.
    async fn enrol_totp(&self, tenant: TenantId, user: UserId, name: &str)
    -> Result<TotpEnrolment>;

    /// Confirms a pending TOTP authenticator with a current code from the app; from then on it
    /// is a factor. When the user had no unused recovery codes, a first set is generated and
    /// returned (show it once). Audited `second_factor.enrolled`.
    ///
    /// # Errors
    /// `NotFound` (no such pending authenticator of the user), `InvalidCredentials` (wrong
    /// code; nothing written), `Database`.
    async fn confirm_totp(
        &self,
        tenant: TenantId,
        user: UserId,
        authenticator: i64,
        code: &str,
        actor: Actor,
    ) -> Result<Option<RecoveryCodes>>;

    /// The user's authenticators, pending ones included, oldest first.
    ///
    /// # Errors
    /// `Database`.
    async fn authenticators(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> Result<Vec<AuthenticatorView>>;

    /// Removes one authenticator (disables it). When it was the user's last confirmed one, the
    /// recovery codes go too. Audited `second_factor.removed`.
    ///
    /// # Errors
    /// `NotFound`, `Database`.
    async fn remove_authenticator(
        &self,
        tenant: TenantId,
        user: UserId,
        authenticator: i64,
        actor: Actor,
    ) -> Result<()>;

    /// A new set of recovery codes (`Config::second_factors.recovery_codes`, 10 by default),
    /// shown once; the old set is void. Audited `recovery_codes.generated`.
    ///
    /// # Errors
    /// `NotFound`, `Conflict` (the user has no confirmed second factor), `Database`.
    async fn regenerate_recovery_codes(
        &self,
        tenant: TenantId,
        user: UserId,
        actor: Actor,
    ) -> Result<RecoveryCodes>;

    /// How many of the user's recovery codes are unused.
    ///
    /// # Errors
    /// `Database`.
    async fn recovery_codes_left(&self, tenant: TenantId, user: UserId) -> Result<u64>;

    /// An administrator's reset: every authenticator, recovery code and open challenge of the
    /// user removed, its security stamp rotated and its sessions revoked, in one transaction.
    /// Audited `second_factors.reset`.
    ///
    /// # Errors
    /// `NotFound`, `Database`.
    async fn reset_second_factors(
        &self,
        tenant: TenantId,
        user: UserId,
        actor: Actor,
    ) -> Result<()>;

    /// Sets who of the tenant must have a second factor; enforced at each password sign-in.
    /// Audited `second_factor_policy.set`.
    ///
    /// # Errors
    /// `NotFound` (tenant), `RoleRefused` (a role the catalogue does not declare), `Database`.
    async fn set_second_factor_policy(
        &self,
        tenant: TenantId,
        policy: SecondFactorPolicy,
        actor: Actor,
    ) -> Result<SecondFactorPolicy>;

    /// The tenant's policy ([`SecondFactorPolicy::Nobody`] when none was set).
    ///
    /// # Errors
    /// `Database`.
    async fn second_factor_policy(&self, tenant: TenantId) -> Result<SecondFactorPolicy>;

    /// Completes a sign-in's second step with a proof: only this is the login (event, counters,
    /// `last_login_at`). The challenge must be of this tenant, unexpired, unused, and completed
    /// from the login's source and address. A wrong proof counts toward the lockout like a
    /// wrong password and may be retried with the same challenge until it expires; a right one
    /// uses the challenge up.
    ///
    /// For an enrolment challenge ([`SignIn::EnrolmentRequired`](crate::SignIn)), the proof
    /// is a code of the authenticator begun with
    /// [`enrol_totp_at_sign_in`](Self::enrol_totp_at_sign_in), which this confirms.
    ///
    /// # Errors
    /// `InvalidToken` (malformed, unknown, expired, used challenge, or another source or
    /// address; nothing written), `InvalidCredentials` (wrong, reused or malformed code, a
    /// recovery code of someone else, a locked or no longer active account; recorded),
    /// `Database`.
    async fn complete_sign_in(
        &self,
        tenant: TenantId,
        challenge: &str,
        proof: SecondFactorProof,
        context: LoginContext,
    ) -> Result<AuthenticatedUser>;

    /// Begins enrolling a TOTP authenticator for the user of an enrolment challenge (the
    /// tenant requires a factor the user has none of): what
    /// [`enrol_totp`](Self::enrol_totp) does, with the challenge instead of a session.
    ///
    /// # Errors
    /// `InvalidToken` (not an open enrolment challenge of this tenant and context),
    /// `InvalidInput`, `SecondFactorsNotConfigured`, `Database`.
    async fn enrol_totp_at_sign_in(
        &self,
        tenant: TenantId,
        challenge: &str,
        name: &str,
        context: LoginContext,
    ) -> Result<TotpEnrolment>;
}
