//! [`SeaOrmUserRepository`]: the [`UserRepository`] on SeaORM, for SQLite, PostgreSQL and
//! MySQL/MariaDB. One file per concept; this one wires them to the trait.

mod audit;
mod bulk;
mod credentials;
mod identities;
mod invitations;
mod keyset;
mod lifecycle;
mod listing;
mod login;
mod lookups;
mod passwords;
mod plants;
mod roles;
mod tenants;
mod tx;
mod unique;
mod users;

pub use audit::AuditAction;
pub use bulk::IMPORT_BATCH;
pub use credentials::{TokenDelivery, TokenSender};

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::error::Result;
use crate::hashing::PasswordHasher;
use crate::inputs::{
    Actor, IdentityUser, ImportedUser, Invitation, KeysetQuery, LoginContext, NewIdentity,
    NewPlant, NewTenant, NewUser, PageRequest, PlantRole, UserFilter, UserQuery, UserUpdate,
};
use crate::password::Password;
use crate::repository::UserRepository;
use crate::views::{
    AuditEventView, AuthenticatedUser, IdentityView, InvitedUser, IssuedToken, KeysetPage,
    LoginEventView, Page, PlantMember, PlantView, TenantView, UserView,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;
use tenantry_entity::{PlantId, TenantId, TenantStatus, UserId, UserRole};
use uuid::Uuid;

/// The [`UserRepository`] on a SeaORM connection pool. Cheap to clone.
#[derive(Clone)]
pub struct SeaOrmUserRepository {
    db: DatabaseConnection,
    config: Arc<Config>,
    hasher: PasswordHasher,
    clock: Arc<dyn Clock>,
    lookups: Arc<lookups::Lookups>,
}

impl std::fmt::Debug for SeaOrmUserRepository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeaOrmUserRepository")
            .field("backend", &self.db.get_database_backend())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl SeaOrmUserRepository {
    /// A repository on `db` (migrated with [`crate::migrate`]) with `config`.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Hashing`] when the hashing parameters are ones argon2 refuses.
    pub fn new(db: DatabaseConnection, config: Config) -> Result<Self> {
        let hasher = PasswordHasher::new(config.hashing.clone())?;
        let lookups = Arc::new(lookups::Lookups::new(db.get_database_backend()));
        Ok(Self {
            lookups,
            db,
            config: Arc::new(config),
            hasher,
            clock: Arc::new(SystemClock),
        })
    }

    /// The same repository reading the time from `clock` (tests move time with
    /// [`crate::clock::ManualClock`]).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The password hasher, shared with every clone (its run counter included).
    pub fn hasher(&self) -> &PasswordHasher {
        &self.hasher
    }

    /// The connection pool.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Now, truncated to microseconds: the precision every backend stores, so a value read
    /// back equals the value written.
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        let now = self.clock.now();
        chrono::DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
    }
}

#[async_trait]
impl UserRepository for SeaOrmUserRepository {
    async fn create_tenant(&self, input: NewTenant, actor: Actor) -> Result<TenantView> {
        tenants::create(self, input, actor).await
    }

    async fn get_tenant(&self, id: TenantId) -> Result<Option<TenantView>> {
        tenants::get(self, id).await
    }

    async fn get_tenant_by_pid(&self, pid: Uuid) -> Result<Option<TenantView>> {
        tenants::get_by_pid(self, pid).await
    }

    async fn get_tenant_by_slug(&self, slug: &str) -> Result<Option<TenantView>> {
        tenants::get_by_slug(self, slug).await
    }

    async fn list_tenants(&self, page: PageRequest) -> Result<Page<TenantView>> {
        tenants::list(self, page).await
    }

    async fn suspend_tenant(&self, id: TenantId, actor: Actor) -> Result<TenantView> {
        tenants::set_status(self, id, TenantStatus::Suspended, actor).await
    }

    async fn reactivate_tenant(&self, id: TenantId, actor: Actor) -> Result<TenantView> {
        tenants::set_status(self, id, TenantStatus::Active, actor).await
    }

    async fn create_plant(
        &self,
        tenant: TenantId,
        input: NewPlant,
        actor: Actor,
    ) -> Result<PlantView> {
        plants::create(self, tenant, input, actor).await
    }

    async fn get_plant(&self, tenant: TenantId, id: PlantId) -> Result<Option<PlantView>> {
        plants::get(self, tenant, id).await
    }

    async fn get_plant_by_pid(&self, tenant: TenantId, pid: Uuid) -> Result<Option<PlantView>> {
        plants::get_by_pid(self, tenant, pid).await
    }

    async fn get_plant_by_code(&self, tenant: TenantId, code: &str) -> Result<Option<PlantView>> {
        plants::get_by_code(self, tenant, code).await
    }

    async fn list_plants(&self, tenant: TenantId) -> Result<Vec<PlantView>> {
        plants::list(self, tenant).await
    }

    async fn deactivate_plant(
        &self,
        tenant: TenantId,
        id: PlantId,
        actor: Actor,
    ) -> Result<PlantView> {
        plants::set_active(self, tenant, id, false, actor).await
    }

    async fn reactivate_plant(
        &self,
        tenant: TenantId,
        id: PlantId,
        actor: Actor,
    ) -> Result<PlantView> {
        plants::set_active(self, tenant, id, true, actor).await
    }

    async fn create_user(
        &self,
        tenant: TenantId,
        input: NewUser,
        actor: Actor,
    ) -> Result<UserView> {
        users::create(self, tenant, input, actor).await
    }

    async fn get_user(&self, tenant: TenantId, id: UserId) -> Result<Option<UserView>> {
        users::get(self, tenant, id).await
    }

    async fn get_user_by_pid(&self, tenant: TenantId, pid: Uuid) -> Result<Option<UserView>> {
        users::get_by_pid(self, tenant, pid).await
    }

    async fn get_user_by_username(
        &self,
        tenant: TenantId,
        username: &str,
    ) -> Result<Option<UserView>> {
        users::get_by_username(self, tenant, username).await
    }

    async fn get_user_by_email(&self, tenant: TenantId, email: &str) -> Result<Option<UserView>> {
        users::get_by_email(self, tenant, email).await
    }

    async fn list_users(&self, tenant: TenantId, query: &UserQuery) -> Result<Page<UserView>> {
        listing::list(self, tenant, query).await
    }

    async fn list_users_keyset(
        &self,
        tenant: TenantId,
        query: &KeysetQuery,
    ) -> Result<KeysetPage<UserView>> {
        keyset::list(self, tenant, query).await
    }

    async fn count_users(&self, tenant: TenantId, filter: &UserFilter) -> Result<u64> {
        listing::count(self, tenant, filter).await
    }

    async fn update_user(
        &self,
        tenant: TenantId,
        id: UserId,
        update: UserUpdate,
        actor: Actor,
    ) -> Result<UserView> {
        users::update(self, tenant, id, update, actor).await
    }

    async fn deactivate_user(
        &self,
        tenant: TenantId,
        id: UserId,
        actor: Actor,
    ) -> Result<UserView> {
        users::deactivate(self, tenant, id, actor).await
    }

    async fn reactivate_user(
        &self,
        tenant: TenantId,
        id: UserId,
        actor: Actor,
    ) -> Result<UserView> {
        users::reactivate(self, tenant, id, actor).await
    }

    async fn delete_user(&self, tenant: TenantId, id: UserId, actor: Actor) -> Result<()> {
        users::delete(self, tenant, id, actor).await
    }

    async fn restore_user(&self, tenant: TenantId, id: UserId, actor: Actor) -> Result<UserView> {
        users::restore(self, tenant, id, actor).await
    }

    async fn purge_user(&self, tenant: TenantId, id: UserId, actor: Actor) -> Result<()> {
        users::purge(self, tenant, id, actor).await
    }

    async fn assign_plant_role(
        &self,
        tenant: TenantId,
        user: UserId,
        plant: PlantId,
        role: UserRole,
        actor: Actor,
    ) -> Result<UserView> {
        roles::assign(self, tenant, user, plant, role, actor).await
    }

    async fn remove_plant_role(
        &self,
        tenant: TenantId,
        user: UserId,
        plant: PlantId,
        actor: Actor,
    ) -> Result<UserView> {
        roles::remove(self, tenant, user, plant, actor).await
    }

    async fn set_plant_roles(
        &self,
        tenant: TenantId,
        user: UserId,
        roles: &[PlantRole],
        actor: Actor,
    ) -> Result<UserView> {
        roles::replace(self, tenant, user, None, roles, actor).await
    }

    async fn set_roles(
        &self,
        tenant: TenantId,
        user: UserId,
        tenant_role: Option<UserRole>,
        plant_roles: &[PlantRole],
        actor: Actor,
    ) -> Result<UserView> {
        roles::replace(self, tenant, user, Some(tenant_role), plant_roles, actor).await
    }

    async fn set_tenant_role(
        &self,
        tenant: TenantId,
        user: UserId,
        role: Option<UserRole>,
        actor: Actor,
    ) -> Result<UserView> {
        roles::set_tenant_role(self, tenant, user, role, actor).await
    }

    async fn effective_role(
        &self,
        tenant: TenantId,
        user: UserId,
        plant: PlantId,
    ) -> Result<Option<UserRole>> {
        roles::effective(self, tenant, user, plant).await
    }

    async fn has_at_least(
        &self,
        tenant: TenantId,
        user: UserId,
        plant: PlantId,
        role: UserRole,
    ) -> Result<bool> {
        Ok(roles::effective(self, tenant, user, plant)
            .await?
            .is_some_and(|effective| effective >= role))
    }

    async fn users_for_plant(
        &self,
        tenant: TenantId,
        plant: PlantId,
        min_role: Option<UserRole>,
    ) -> Result<Vec<PlantMember>> {
        listing::users_for_plant(self, tenant, plant, min_role).await
    }

    async fn list_audit_events(
        &self,
        tenant: TenantId,
        page: PageRequest,
    ) -> Result<Page<AuditEventView>> {
        audit::list(&self.db, tenant, page).await
    }

    async fn authenticate(
        &self,
        tenant: TenantId,
        login: &str,
        password: &Password,
        context: LoginContext,
    ) -> Result<AuthenticatedUser> {
        login::authenticate(self, tenant, login, password, context).await
    }

    async fn authenticate_identity(
        &self,
        provider: &str,
        subject: &str,
        context: LoginContext,
    ) -> Result<AuthenticatedUser> {
        login::authenticate_identity(self, provider, subject, context).await
    }

    async fn security_stamp(&self, tenant: TenantId, user: UserId) -> Result<Option<String>> {
        login::security_stamp(self, tenant, user).await
    }

    async fn record_activity(&self, tenant: TenantId, user: UserId) -> Result<bool> {
        login::record_activity(self, tenant, user).await
    }

    async fn unlock_user(&self, tenant: TenantId, user: UserId, actor: Actor) -> Result<UserView> {
        login::unlock(self, tenant, user, actor).await
    }

    async fn list_login_events(
        &self,
        tenant: TenantId,
        user: Option<UserId>,
        page: PageRequest,
    ) -> Result<Page<LoginEventView>> {
        login::list_login_events(self, tenant, user, page).await
    }

    async fn prune_login_events(&self, older_than: DateTime<Utc>) -> Result<u64> {
        login::prune_login_events(self, older_than).await
    }

    async fn change_password(
        &self,
        tenant: TenantId,
        user: UserId,
        current: &Password,
        new_password: &Password,
    ) -> Result<()> {
        passwords::change_password(self, tenant, user, current, new_password).await
    }

    async fn set_password(
        &self,
        tenant: TenantId,
        user: UserId,
        new_password: &Password,
        actor: Actor,
    ) -> Result<()> {
        passwords::set_password(self, tenant, user, new_password, actor).await
    }

    async fn issue_password_reset(
        &self,
        tenant: TenantId,
        user: UserId,
        ttl: Option<Duration>,
        actor: Actor,
    ) -> Result<IssuedToken> {
        credentials::issue_password_reset(self, tenant, user, ttl, actor).await
    }

    async fn request_password_reset(
        &self,
        tenant: TenantId,
        email: &str,
        sender: &dyn TokenSender,
    ) -> Result<()> {
        credentials::request_password_reset(self, tenant, email, sender).await
    }

    async fn redeem_password_reset(
        &self,
        tenant: Option<TenantId>,
        token: &str,
        new_password: &Password,
    ) -> Result<UserView> {
        credentials::redeem_password_reset(self, tenant, token, new_password).await
    }

    async fn issue_email_verification(
        &self,
        tenant: TenantId,
        user: UserId,
        actor: Actor,
    ) -> Result<IssuedToken> {
        credentials::issue_email_verification(self, tenant, user, actor).await
    }

    async fn verify_email(&self, tenant: Option<TenantId>, token: &str) -> Result<UserView> {
        credentials::verify_email(self, tenant, token).await
    }

    async fn invite_user(
        &self,
        tenant: TenantId,
        invitation: Invitation,
        actor: Actor,
    ) -> Result<InvitedUser> {
        invitations::invite(self, tenant, invitation, actor).await
    }

    async fn accept_invitation(
        &self,
        tenant: Option<TenantId>,
        token: &str,
        username: Option<String>,
        password: &Password,
    ) -> Result<UserView> {
        invitations::accept(self, tenant, token, username, password).await
    }

    async fn link_identity(
        &self,
        tenant: TenantId,
        user: UserId,
        identity: NewIdentity,
        actor: Actor,
    ) -> Result<IdentityView> {
        identities::link(self, tenant, user, identity, actor).await
    }

    async fn unlink_identity(
        &self,
        tenant: TenantId,
        user: UserId,
        provider: &str,
        subject: &str,
        actor: Actor,
    ) -> Result<()> {
        identities::unlink(self, tenant, user, provider, subject, actor).await
    }

    async fn list_identities(&self, tenant: TenantId, user: UserId) -> Result<Vec<IdentityView>> {
        identities::list(self, tenant, user).await
    }

    async fn find_by_identity(&self, provider: &str, subject: &str) -> Result<Option<UserView>> {
        identities::find_user(self, provider, subject).await
    }

    async fn provision_from_identity(
        &self,
        tenant: TenantId,
        input: IdentityUser,
        actor: Actor,
    ) -> Result<UserView> {
        identities::provision(self, tenant, input, actor).await
    }

    async fn list_dormant(&self, tenant: TenantId, since: DateTime<Utc>) -> Result<Vec<UserView>> {
        lifecycle::list_dormant(self, tenant, since).await
    }

    async fn deactivate_dormant(
        &self,
        tenant: TenantId,
        since: DateTime<Utc>,
        actor: Actor,
    ) -> Result<u64> {
        lifecycle::deactivate_dormant(self, tenant, since, actor).await
    }

    async fn import_user(
        &self,
        tenant: TenantId,
        user: ImportedUser,
        actor: Actor,
    ) -> Result<UserView> {
        lifecycle::import(self, tenant, user, actor).await
    }

    async fn import_users(
        &self,
        tenant: TenantId,
        users: Vec<ImportedUser>,
        actor: Actor,
    ) -> Result<Vec<UserId>> {
        bulk::import_users(self, tenant, users, actor).await
    }
}
