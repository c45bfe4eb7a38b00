//! The [`UserRepository`] trait: everything a host asks of its user store.

use crate::error::Result;
use crate::inputs::{
    Actor, IdentityUser, ImportedUser, Invitation, KeysetQuery, LoginContext, NewIdentity,
    NewPlant, NewTenant, NewUser, PageRequest, PlantRole, UserFilter, UserQuery, UserUpdate,
};
use crate::password::Password;
use crate::store::TokenSender;
use crate::views::{
    AuditEventView, AuthenticatedUser, IdentityView, InvitedUser, IssuedToken, KeysetPage,
    LoginEventView, Page, PlantMember, PlantView, TenantView, UserView,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::time::Duration;
use tenantry_entity::{PlantId, TenantId, UserId, UserRole};
use uuid::Uuid;

/// tenantry's user store, as a host sees it. Hold it as `Arc<dyn UserRepository>`.
///
/// Rules every method keeps:
/// - **Tenancy by construction.** Every method on tenant data takes the [`TenantId`]; a user,
///   plant or role of another tenant is [`Error::NotFound`](crate::Error::NotFound) (or
///   `Ok(None)` for lookups) and is never returned, changed or deleted.
/// - **Soft-deleted users are invisible** to every lookup and listing; only
///   [`restore_user`](Self::restore_user) and [`purge_user`](Self::purge_user) see them.
/// - **Every change commits together with its audit event**, or not at all.
/// - Lookups return `Ok(None)` for absent; changes return [`Error::NotFound`](crate::Error::NotFound).
///
/// ```
/// use std::sync::Arc;
/// use tenantry_service::{Config, NewTenant, NewUser, SeaOrmUserRepository, UserRepository};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let db = tenantry_service::connect("sqlite::memory:").await?;
/// tenantry_service::migrate(&db).await?;
/// let users: Arc<dyn UserRepository> =
///     Arc::new(SeaOrmUserRepository::new(db, Config::insecure_fast_for_tests())?);
///
/// let acme = users
///     .create_tenant(NewTenant { slug: "acme".into(), name: "Acme".into() }, None)
///     .await?;
/// let alice = users
///     .create_user(
///         acme.id,
///         NewUser { username: "Alice".into(), display_name: "Alice".into(), ..Default::default() },
///         None,
///     )
///     .await?;
/// let found = users.get_user_by_username(acme.id, "ALICE").await?;
/// assert_eq!(found.map(|u| u.id), Some(alice.id));
/// # Ok(()) }
/// ```
#[async_trait]
pub trait UserRepository: Send + Sync {
    // ---- tenants ----------------------------------------------------------------------------

    /// Creates an active tenant.
    ///
    /// # Errors
    /// `InvalidInput` (slug, name), `SlugTaken`, `Database`.
    async fn create_tenant(&self, input: NewTenant, actor: Actor) -> Result<TenantView>;

    /// A tenant by id.
    ///
    /// # Errors
    /// `Database`.
    async fn get_tenant(&self, id: TenantId) -> Result<Option<TenantView>>;

    /// A tenant by public id.
    ///
    /// # Errors
    /// `Database`.
    async fn get_tenant_by_pid(&self, pid: Uuid) -> Result<Option<TenantView>>;

    /// A tenant by slug (exact: slugs are lowercase ASCII).
    ///
    /// # Errors
    /// `Database`.
    async fn get_tenant_by_slug(&self, slug: &str) -> Result<Option<TenantView>>;

    /// Tenants ordered by slug, one page.
    ///
    /// # Errors
    /// `InvalidInput` (field `offset`) above [`PageRequest::MAX_OFFSET`]; `Database`.
    async fn list_tenants(&self, page: PageRequest) -> Result<Page<TenantView>>;

    /// Suspends a tenant: none of its users can log in. Idempotent.
    ///
    /// # Errors
    /// `NotFound`, `Database`.
    async fn suspend_tenant(&self, id: TenantId, actor: Actor) -> Result<TenantView>;

    /// Reactivates a suspended tenant. Idempotent.
    ///
    /// # Errors
    /// `NotFound`, `Database`.
    async fn reactivate_tenant(&self, id: TenantId, actor: Actor) -> Result<TenantView>;

    // ---- plants -----------------------------------------------------------------------------

    /// Creates an active plant.
    ///
    /// # Errors
    /// `NotFound` (tenant), `InvalidInput` (code, name), `PlantCodeTaken`, `Database`.
    async fn create_plant(
        &self,
        tenant: TenantId,
        input: NewPlant,
        actor: Actor,
    ) -> Result<PlantView>;

    /// A plant of the tenant by id.
    ///
    /// # Errors
    /// `Database`.
    async fn get_plant(&self, tenant: TenantId, id: PlantId) -> Result<Option<PlantView>>;

    /// A plant of the tenant by public id.
    ///
    /// # Errors
    /// `Database`.
    async fn get_plant_by_pid(&self, tenant: TenantId, pid: Uuid) -> Result<Option<PlantView>>;

    /// A plant of the tenant by code, case-insensitively.
    ///
    /// # Errors
    /// `Database`.
    async fn get_plant_by_code(&self, tenant: TenantId, code: &str) -> Result<Option<PlantView>>;

    /// The tenant's plants, ordered by code.
    ///
    /// # Errors
    /// `Database`.
    async fn list_plants(&self, tenant: TenantId) -> Result<Vec<PlantView>>;

    /// Takes a plant out of service (roles there are kept). Idempotent.
    ///
    /// # Errors
    /// `NotFound`, `Database`.
    async fn deactivate_plant(
        &self,
        tenant: TenantId,
        id: PlantId,
        actor: Actor,
    ) -> Result<PlantView>;

    /// Puts a plant back in service. Idempotent.
    ///
    /// # Errors
    /// `NotFound`, `Database`.
    async fn reactivate_plant(
        &self,
        tenant: TenantId,
        id: PlantId,
        actor: Actor,
    ) -> Result<PlantView>;

    // ---- users ------------------------------------------------------------------------------

    /// Creates a user (active by default, or invited), with its roles, in one transaction.
    ///
    /// # Errors
    /// `NotFound` (tenant, or a plant of `plant_roles`), `InvalidInput` (every broken field,
    /// including the password policy), `UsernameTaken`, `EmailTaken`, `Hashing`, `Database`.
    async fn create_user(&self, tenant: TenantId, input: NewUser, actor: Actor)
    -> Result<UserView>;

    /// A user of the tenant by id, with its plant roles (two queries).
    ///
    /// # Errors
    /// `Database`.
    async fn get_user(&self, tenant: TenantId, id: UserId) -> Result<Option<UserView>>;

    /// A user of the tenant by public id, with its plant roles.
    ///
    /// # Errors
    /// `Database`.
    async fn get_user_by_pid(&self, tenant: TenantId, pid: Uuid) -> Result<Option<UserView>>;

    /// A user of the tenant by username, case-insensitively (through the normalized key).
    ///
    /// # Errors
    /// `Database`.
    async fn get_user_by_username(
        &self,
        tenant: TenantId,
        username: &str,
    ) -> Result<Option<UserView>>;

    /// A user of the tenant by email, case-insensitively (through the normalized key).
    ///
    /// # Errors
    /// `Database`.
    async fn get_user_by_email(&self, tenant: TenantId, email: &str) -> Result<Option<UserView>>;

    /// A filtered, ordered page of users with their roles (two queries, whatever the page
    /// size) and the total number that match.
    ///
    /// # Errors
    /// `InvalidInput` (field `offset`) above [`PageRequest::MAX_OFFSET`]; `Database`.
    async fn list_users(&self, tenant: TenantId, query: &UserQuery) -> Result<Page<UserView>>;

    /// A filtered, ordered page of users with their roles, continuing after a cursor (keyset
    /// paging): its cost does not grow with its depth, which an offset's does. The page
    /// carries the cursor of the next one (`None` on the last page) and, when
    /// [`KeysetQuery::with_total`] asks for it, the total (one more query).
    ///
    /// Walking every page returns every user that existed throughout the walk exactly once;
    /// users inserted or deleted meanwhile never make a page repeat or skip another user.
    ///
    /// ```
    /// # use tenantry_service::{KeysetQuery, TenantId, UserRepository};
    /// # async fn all(repo: &dyn UserRepository, tenant: TenantId) -> tenantry_service::Result<()> {
    /// let mut query = KeysetQuery::default();
    /// loop {
    ///     let page = repo.list_users_keyset(tenant, &query).await?;
    ///     for user in &page.items { println!("{}", user.username); }
    ///     match page.next {
    ///         Some(next) => query.after = Some(next),
    ///         None => break,
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// `InvalidInput` (field `after`) for a garbled cursor (`invalid_format`) or one issued for
    /// another tenant, filter or order (`not_allowed`); `Database`.
    async fn list_users_keyset(
        &self,
        tenant: TenantId,
        query: &KeysetQuery,
    ) -> Result<KeysetPage<UserView>>;

    /// How many users match the filter.
    ///
    /// # Errors
    /// `Database`.
    async fn count_users(&self, tenant: TenantId, filter: &UserFilter) -> Result<u64>;

    /// Changes a user's profile; changed names are re-validated and re-keyed. An `expires_at`
    /// at or before now ends the account like a deactivation (refused for the tenant's last
    /// admin who can sign in); setting it, or lifting one that has passed, rotates the
    /// security stamp.
    ///
    /// # Errors
    /// `NotFound`, `InvalidInput`, `UsernameTaken` (also for a look-alike of another user's
    /// username), `EmailTaken`, `LastAdmin`, `Database`.
    async fn update_user(
        &self,
        tenant: TenantId,
        id: UserId,
        update: UserUpdate,
        actor: Actor,
    ) -> Result<UserView>;

    /// Suspends a user (soft; rotates the security stamp). Idempotent.
    ///
    /// # Errors
    /// `NotFound`, `LastAdmin`, `Database`.
    async fn deactivate_user(&self, tenant: TenantId, id: UserId, actor: Actor)
    -> Result<UserView>;

    /// Makes a suspended user active again (rotates the security stamp). An invited user stays
    /// invited until it accepts. Idempotent.
    ///
    /// # Errors
    /// `NotFound`, `Conflict` (invited), `Database`.
    async fn reactivate_user(&self, tenant: TenantId, id: UserId, actor: Actor)
    -> Result<UserView>;

    /// Soft-deletes a user: it vanishes from every lookup and listing, and keeps its username
    /// and email reserved until purged.
    ///
    /// # Errors
    /// `NotFound`, `LastAdmin`, `Database`.
    async fn delete_user(&self, tenant: TenantId, id: UserId, actor: Actor) -> Result<()>;

    /// Brings back a soft-deleted user.
    ///
    /// # Errors
    /// `NotFound` (no such deleted user), `Database`.
    async fn restore_user(&self, tenant: TenantId, id: UserId, actor: Actor) -> Result<UserView>;

    /// Deletes a user for good (deleted or not), with its roles.
    ///
    /// # Errors
    /// `NotFound`, `LastAdmin`, `Database`.
    async fn purge_user(&self, tenant: TenantId, id: UserId, actor: Actor) -> Result<()>;

    // ---- roles ------------------------------------------------------------------------------

    /// Gives the user `role` at `plant`, or changes the role it has there.
    ///
    /// # Errors
    /// `NotFound` (user or plant), `Database`.
    async fn assign_plant_role(
        &self,
        tenant: TenantId,
        user: UserId,
        plant: PlantId,
        role: UserRole,
        actor: Actor,
    ) -> Result<UserView>;

    /// Removes the user's role at `plant` (nothing to remove is not an error).
    ///
    /// # Errors
    /// `NotFound` (user or plant), `Database`.
    async fn remove_plant_role(
        &self,
        tenant: TenantId,
        user: UserId,
        plant: PlantId,
        actor: Actor,
    ) -> Result<UserView>;

    /// Replaces the user's plant roles with exactly `roles`, in one transaction: concurrent
    /// callers end with one caller's exact set, never a mix.
    ///
    /// # Errors
    /// `NotFound` (user or a plant), `InvalidInput` (the same plant twice), `Database`.
    async fn set_plant_roles(
        &self,
        tenant: TenantId,
        user: UserId,
        roles: &[PlantRole],
        actor: Actor,
    ) -> Result<UserView>;

    /// Replaces both the user's tenant role and its plant roles, exactly, in one transaction
    /// (what an admin's "edit roles" form saves).
    ///
    /// # Errors
    /// `NotFound` (user or a plant), `InvalidInput` (the same plant twice), `LastAdmin`,
    /// `Database`.
    async fn set_roles(
        &self,
        tenant: TenantId,
        user: UserId,
        tenant_role: Option<UserRole>,
        plant_roles: &[PlantRole],
        actor: Actor,
    ) -> Result<UserView>;

    /// Sets (or with `None` clears) the user's tenant-wide role.
    ///
    /// # Errors
    /// `NotFound`, `LastAdmin` (demoting the last active tenant admin), `Database`.
    async fn set_tenant_role(
        &self,
        tenant: TenantId,
        user: UserId,
        role: Option<UserRole>,
        actor: Actor,
    ) -> Result<UserView>;

    /// The user's effective role at `plant`: the higher of its plant role and its tenant role.
    ///
    /// # Errors
    /// `NotFound` (user or plant), `Database`.
    async fn effective_role(
        &self,
        tenant: TenantId,
        user: UserId,
        plant: PlantId,
    ) -> Result<Option<UserRole>>;

    /// Whether the user's effective role at `plant` is at least `role`.
    ///
    /// # Errors
    /// `NotFound` (user or plant), `Database`.
    async fn has_at_least(
        &self,
        tenant: TenantId,
        user: UserId,
        plant: PlantId,
        role: UserRole,
    ) -> Result<bool>;

    /// The users with an effective role at `plant` (at least `min_role` when given), ordered by
    /// username.
    ///
    /// # Errors
    /// `NotFound` (plant), `Database`.
    async fn users_for_plant(
        &self,
        tenant: TenantId,
        plant: PlantId,
        min_role: Option<UserRole>,
    ) -> Result<Vec<PlantMember>>;

    // ---- audit ------------------------------------------------------------------------------

    /// The tenant's audit events, newest first, one page.
    ///
    /// # Errors
    /// `InvalidInput` (field `offset`) above [`PageRequest::MAX_OFFSET`]; `Database`.
    async fn list_audit_events(
        &self,
        tenant: TenantId,
        page: PageRequest,
    ) -> Result<Page<AuditEventView>>;

    // ---- login ------------------------------------------------------------------------------

    /// Logs a user in by username or email (case-insensitively) and password.
    ///
    /// Every failure — unknown user, wrong password, suspended, invited, expired, locked,
    /// soft-deleted, no password, suspended tenant — is the same `InvalidCredentials` and
    /// runs the password hasher exactly once. A success with a hash of other parameters
    /// upgrades it; a failure never writes a hash. Both write a login event.
    ///
    /// # Errors
    /// `InvalidCredentials`, `Hashing`, `Database`.
    async fn authenticate(
        &self,
        tenant: TenantId,
        login: &str,
        password: &Password,
        context: LoginContext,
    ) -> Result<AuthenticatedUser>;

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

    // ---- passwords and tokens ---------------------------------------------------------------

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

    // ---- invitations, identities, lifecycle -------------------------------------------------

    /// Creates an `invited` user (no password) and its invitation token, in one transaction.
    ///
    /// # Errors
    /// `NotFound`, `InvalidInput`, `UsernameTaken`, `EmailTaken`, `Database`.
    async fn invite_user(
        &self,
        tenant: TenantId,
        invitation: Invitation,
        actor: Actor,
    ) -> Result<InvitedUser>;

    /// Accepts an invitation: sets the password (and the username, when given) and activates
    /// the user.
    ///
    /// # Errors
    /// `InvalidToken`, `InvalidInput`, `UsernameTaken`, `Hashing`, `Database`.
    async fn accept_invitation(
        &self,
        tenant: Option<TenantId>,
        token: &str,
        username: Option<String>,
        password: &Password,
    ) -> Result<UserView>;

    /// Links an external identity to the user.
    ///
    /// # Errors
    /// `NotFound`, `InvalidInput`, `Conflict` (the identity is linked already), `Database`.
    async fn link_identity(
        &self,
        tenant: TenantId,
        user: UserId,
        identity: NewIdentity,
        actor: Actor,
    ) -> Result<IdentityView>;

    /// Removes the link.
    ///
    /// # Errors
    /// `NotFound`, `Database`.
    async fn unlink_identity(
        &self,
        tenant: TenantId,
        user: UserId,
        provider: &str,
        subject: &str,
        actor: Actor,
    ) -> Result<()>;

    /// The user's linked identities.
    ///
    /// # Errors
    /// `NotFound`, `Database`.
    async fn list_identities(&self, tenant: TenantId, user: UserId) -> Result<Vec<IdentityView>>;

    /// The user an identity belongs to (global: a pair belongs to one user).
    ///
    /// # Errors
    /// `Database`.
    async fn find_by_identity(&self, provider: &str, subject: &str) -> Result<Option<UserView>>;

    /// Creates an active, password-less user linked to an identity, on its first sign-in.
    ///
    /// # Errors
    /// `NotFound`, `InvalidInput`, `UsernameTaken`, `EmailTaken`, `Conflict`, `Database`.
    async fn provision_from_identity(
        &self,
        tenant: TenantId,
        input: IdentityUser,
        actor: Actor,
    ) -> Result<UserView>;

    /// Active users who have not logged in since `since` (never-logged-in users: created
    /// before it).
    ///
    /// # Errors
    /// `Database`.
    async fn list_dormant(&self, tenant: TenantId, since: DateTime<Utc>) -> Result<Vec<UserView>>;

    /// Deactivates the dormant users, keeping the last active tenant admin. Returns how many.
    ///
    /// # Errors
    /// `NotFound`, `Database`.
    async fn deactivate_dormant(
        &self,
        tenant: TenantId,
        since: DateTime<Utc>,
        actor: Actor,
    ) -> Result<u64>;

    /// Creates an active user with an existing argon2 hash (argon2id/i/d, any parameters);
    /// it is upgraded at the user's next login.
    ///
    /// # Errors
    /// `NotFound`, `InvalidInput` (including `password_hash: unsupported_hash`),
    /// `UsernameTaken`, `EmailTaken`, `Database`.
    async fn import_user(
        &self,
        tenant: TenantId,
        user: ImportedUser,
        actor: Actor,
    ) -> Result<UserView>;

    /// Creates many active users with existing argon2 hashes (and their roles) in batched
    /// multi-row inserts; returns their ids in the order given. One audit event per user.
    ///
    /// Every row is validated first (profile, hash, plants, and usernames and emails unique
    /// within the call): one bad row refuses the whole call and nothing is written. Rows are
    /// then written in batches of [`IMPORT_BATCH`](crate::IMPORT_BATCH) users, one transaction
    /// each; a row the database refuses (a username or email already taken, a plant not of
    /// this tenant) rolls back its whole batch, while earlier batches stay committed.
    ///
    /// # Errors
    /// `NotFound` (tenant, or the actor), `ImportRow { index, imported, source }` naming the
    /// refused row (`source`: `InvalidInput`, `UsernameTaken`, `EmailTaken`, `NotFound` for a
    /// plant), `Database`.
    async fn import_users(
        &self,
        tenant: TenantId,
        users: Vec<ImportedUser>,
        actor: Actor,
    ) -> Result<Vec<UserId>>;
}
