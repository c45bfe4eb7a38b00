//! [`Logins`]: logging in (password or external identity), sessions' security stamps, activity,
//! lockout and the login history.

use crate::error::Result;
use crate::inputs::{Actor, LoginContext, LoginOf, PageRequest};
use crate::password::Password;
use crate::views::SignIn;
use crate::views::{AuthenticatedUser, LoginEventView, Page, UserView};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tenantry_entity::{TenantId, UserId};

/// Logging in (password or external identity), sessions' security stamps, activity, lockout and
/// the login history.
///
/// Part of [`UserRepository`](super::UserRepository); import it with
/// [`prelude`](crate::prelude).
///
/// ```
/// use tenantry_service::prelude::*;
/// use tenantry_service::{LoginContext, LoginSource, NewUser, Password};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let db = tenantry_service::connect("sqlite::memory:").await?;
/// # tenantry_service::migrate(&db).await?;
/// # let repo = tenantry_service::SeaOrmUserRepository::new(
/// #     db,
/// #     tenantry_service::Config::insecure_fast_for_tests(),
/// # )?;
/// # let acme = repo
/// #     .create_tenant(
/// #         tenantry_service::NewTenant { slug: "acme".into(), name: "Acme".into() },
/// #         None,
/// #     )
/// #     .await?;
/// let password = Password::new("correct horse battery staple 42");
/// let carol = NewUser {
///     username: "carol".into(),
///     display_name: "Carol".into(),
///     password: Some(password.clone()),
///     ..Default::default()
/// };
/// let carol = repo.create_user(acme.id, carol, None).await?;
/// let login = LoginContext::from(LoginSource::web());
/// let signed_in = repo.authenticate(acme.id, "CAROL", &password, login).await?;
/// assert_eq!(signed_in.user.id, carol.id);
/// // What a session compares on each request (the axum-login backend does).
/// assert_eq!(repo.security_stamp(acme.id, carol.id).await?, Some(signed_in.security_stamp));
/// # Ok(()) }
/// ```
#[async_trait]
pub trait Logins: Send + Sync {
    /// Logs a user in by username or email (case-insensitively) and password.
    ///
    /// For a user who needs a second step this is `Err(SecondFactorRequired)`: hosts that
    /// support second factors call [`sign_in`](Self::sign_in) instead.
    ///
    /// Every failure — unknown user, wrong password, suspended, invited, expired, locked,
    /// soft-deleted, no password, suspended tenant — is the same `InvalidCredentials` and
    /// runs the password hasher exactly once. A success with a hash of other parameters
    /// upgrades it; a failure never writes a hash. Both write a login event.
    ///
    /// # Errors
    /// `InvalidCredentials`, `SecondFactorRequired`, `Hashing`, `Database`.
    async fn authenticate(
        &self,
        tenant: TenantId,
        login: &str,
        password: &Password,
        context: LoginContext,
    ) -> Result<AuthenticatedUser>;

    /// Signs in with a password: the checks, uniform failure and cost of
    /// [`authenticate`](Self::authenticate), but when the user has a second factor (or the
    /// tenant's policy requires one the user lacks) a right password yields a short-lived,
    /// single-use [`SecondStep`](crate::SecondStep), not a login: nothing of a login is
    /// recorded until `SecondFactors::complete_sign_in` completes it. The password's check
    /// stays counted until then, so guessing codes behind a known password still locks.
    ///
    /// # Errors
    /// `InvalidCredentials`, `Hashing`, `Database`.
    async fn sign_in(
        &self,
        tenant: TenantId,
        login: &str,
        password: &Password,
        context: LoginContext,
    ) -> Result<SignIn>;

    /// Logs in the user linked to an external identity (same status checks and tracking as
    /// [`authenticate`](Self::authenticate)); global, since a `(provider, subject)` pair
    /// belongs to one user.
    ///
    /// # Errors
    /// `InvalidCredentials`, `Database`.
    async fn authenticate_identity(
        &self,
        provider: &str,
        subject: &str,
        context: LoginContext,
    ) -> Result<AuthenticatedUser>;

    /// Records a successful login that happened elsewhere — the host's identity server, a
    /// desktop plugin's token — for a user of `tenant` named by id or by linked identity:
    /// `last_login_at`, `login_count` (one statement, so concurrent calls count exactly),
    /// `last_active_at`, and a login event with the context's source and address. No password
    /// is checked; the host vouches for the sign-in.
    ///
    /// A user who may not sign in now is refused with the reason, and the refusal is recorded
    /// as a login event: deleted, invited or suspended, past `expires_at`, locked, or of a
    /// suspended tenant. A user or identity the tenant does not have is `NotFound`, recorded as
    /// an unknown user of the tenant.
    ///
    /// # Errors
    /// `NotFound`, `LoginRefused` (with the [`LoginOutcome`](tenantry_entity::LoginOutcome)),
    /// `Database`.
    async fn record_login(
        &self,
        tenant: TenantId,
        who: LoginOf,
        context: LoginContext,
    ) -> Result<AuthenticatedUser>;

    /// The user's current security stamp: a session made with another stamp no longer holds.
    /// `None` (end the session) unless the user could sign in now: present, not deleted,
    /// active, not past its `expires_at`, of an active tenant.
    ///
    /// # Errors
    /// `Database`.
    async fn security_stamp(&self, tenant: TenantId, user: UserId) -> Result<Option<String>>;

    /// Notes that the user is active now, writing at most once per configured interval.
    /// Returns whether it wrote.
    ///
    /// # Errors
    /// `Database`.
    async fn record_activity(&self, tenant: TenantId, user: UserId) -> Result<bool>;

    /// Clears the user's lockout and failure count.
    ///
    /// # Errors
    /// `NotFound`, `Database`.
    async fn unlock_user(&self, tenant: TenantId, user: UserId, actor: Actor) -> Result<UserView>;

    /// The tenant's login events (of one user, when given), newest first.
    ///
    /// # Errors
    /// `InvalidInput` (field `offset`) above [`PageRequest::MAX_OFFSET`]; `Database`.
    async fn list_login_events(
        &self,
        tenant: TenantId,
        user: Option<UserId>,
        page: PageRequest,
    ) -> Result<Page<LoginEventView>>;

    /// Deletes login events older than `older_than` (all tenants: retention is an operator's
    /// job). Returns how many.
    ///
    /// # Errors
    /// `Database`.
    async fn prune_login_events(&self, older_than: DateTime<Utc>) -> Result<u64>;
}
