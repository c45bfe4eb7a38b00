//! [`SeaOrmUserRepository`]: the [`UserRepository`] on SeaORM, for SQLite, PostgreSQL and
//! MySQL/MariaDB. One file per concept; this one wires them to the trait.

mod admin_guard;
mod audit;
mod bulk;
mod change;
mod credentials;
mod detach;
mod identities;
mod invitations;
mod keyset;
mod lifecycle;
mod listing;
mod login;
mod lookups;
mod new_user;
mod passwords;
mod plants;
mod reads;
mod role_rows;
mod roles;
mod stamp;
mod tenants;
mod tx;
mod unique;
mod users;

pub use audit::AuditAction;
pub use bulk::IMPORT_BATCH;
pub use credentials::{TokenDelivery, TokenSender};
pub(crate) use detach::detached;

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
        self.detached(move |repo| async move { tenants::create(&repo, input, actor).await })
            .await
    }

    async fn get_tenant(&self, id: TenantId) -> Result<Option<TenantView>> {
        self.detached(move |repo| async move { tenants::get(&repo, id).await })
            .await
    }

    async fn get_tenant_by_pid(&self, pid: Uuid) -> Result<Option<TenantView>> {
        self.detached(move |repo| async move { tenants::get_by_pid(&repo, pid).await })
            .await
    }

    async fn get_tenant_by_slug(&self, slug: &str) -> Result<Option<TenantView>> {
        let slug = slug.to_owned();
        self.detached(move |repo| async move { tenants::get_by_slug(&repo, &slug).await })
            .await
    }

    async fn list_tenants(&self, page: PageRequest) -> Result<Page<TenantView>> {
        self.detached(move |repo| async move { tenants::list(&repo, page).await })
            .await
    }

    async fn suspend_tenant(&self, id: TenantId, actor: Actor) -> Result<TenantView> {
        self.detached(move |repo| async move {
            tenants::set_status(&repo, id, TenantStatus::Suspended, actor).await
        })
        .await
    }

    async fn reactivate_tenant(&self, id: TenantId, actor: Actor) -> Result<TenantView> {
        self.detached(move |repo| async move {
            tenants::set_status(&repo, id, TenantStatus::Active, actor).await
        })
        .await
    }

    async fn create_plant(
        &self,
        tenant: TenantId,
        input: NewPlant,
        actor: Actor,
    ) -> Result<PlantView> {
        self.detached(move |repo| async move { plants::create(&repo, tenant, input, actor).await })
            .await
    }

    async fn get_plant(&self, tenant: TenantId, id: PlantId) -> Result<Option<PlantView>> {
        self.detached(move |repo| async move { plants::get(&repo, tenant, id).await })
            .await
    }

    async fn get_plant_by_pid(&self, tenant: TenantId, pid: Uuid) -> Result<Option<PlantView>> {
        self.detached(move |repo| async move { plants::get_by_pid(&repo, tenant, pid).await })
            .await
    }

    async fn get_plant_by_code(&self, tenant: TenantId, code: &str) -> Result<Option<PlantView>> {
        let code = code.to_owned();
        self.detached(move |repo| async move { plants::get_by_code(&repo, tenant, &code).await })
            .await
    }

    async fn list_plants(&self, tenant: TenantId) -> Result<Vec<PlantView>> {
        self.detached(move |repo| async move { plants::list(&repo, tenant).await })
            .await
    }

    async fn deactivate_plant(
        &self,
        tenant: TenantId,
        id: PlantId,
        actor: Actor,
    ) -> Result<PlantView> {
        self.detached(move |repo| async move {
            plants::set_active(&repo, tenant, id, false, actor).await
        })
        .await
    }

    async fn reactivate_plant(
        &self,
        tenant: TenantId,
        id: PlantId,
        actor: Actor,
    ) -> Result<PlantView> {
        self.detached(move |repo| async move {
            plants::set_active(&repo, tenant, id, true, actor).await
        })
        .await
    }

    async fn create_user(
        &self,
        tenant: TenantId,
        input: NewUser,
        actor: Actor,
    ) -> Result<UserView> {
        self.detached(move |repo| async move { users::create(&repo, tenant, input, actor).await })
            .await
    }

    async fn get_user(&self, tenant: TenantId, id: UserId) -> Result<Option<UserView>> {
        self.detached(move |repo| async move { users::get(&repo, tenant, id).await })
            .await
    }

    async fn get_user_by_pid(&self, tenant: TenantId, pid: Uuid) -> Result<Option<UserView>> {
        self.detached(move |repo| async move { users::get_by_pid(&repo, tenant, pid).await })
            .await
    }

    async fn get_user_by_username(
        &self,
        tenant: TenantId,
        username: &str,
    ) -> Result<Option<UserView>> {
        let username = username.to_owned();
        self.detached(
            move |repo| async move { users::get_by_username(&repo, tenant, &username).await },
        )
        .await
    }

    async fn get_user_by_email(&self, tenant: TenantId, email: &str) -> Result<Option<UserView>> {
        let email = email.to_owned();
        self.detached(move |repo| async move { users::get_by_email(&repo, tenant, &email).await })
            .await
    }

    async fn list_users(&self, tenant: TenantId, query: &UserQuery) -> Result<Page<UserView>> {
        let query = query.clone();
        self.detached(move |repo| async move { listing::list(&repo, tenant, &query).await })
            .await
    }

    async fn list_users_keyset(
        &self,
        tenant: TenantId,
        query: &KeysetQuery,
    ) -> Result<KeysetPage<UserView>> {
        let query = query.clone();
        self.detached(move |repo| async move { keyset::list(&repo, tenant, &query).await })
            .await
    }

    async fn count_users(&self, tenant: TenantId, filter: &UserFilter) -> Result<u64> {
        let filter = filter.clone();
        self.detached(move |repo| async move { listing::count(&repo, tenant, &filter).await })
            .await
    }

    async fn update_user(
        &self,
        tenant: TenantId,
        id: UserId,
        update: UserUpdate,
        actor: Actor,
    ) -> Result<UserView> {
        self.detached(
            move |repo| async move { users::update(&repo, tenant, id, update, actor).await },
        )
        .await
    }

    async fn deactivate_user(
        &self,
        tenant: TenantId,
        id: UserId,
        actor: Actor,
    ) -> Result<UserView> {
        self.detached(move |repo| async move { users::deactivate(&repo, tenant, id, actor).await })
            .await
    }

    async fn reactivate_user(
        &self,
        tenant: TenantId,
        id: UserId,
        actor: Actor,
    ) -> Result<UserView> {
        self.detached(move |repo| async move { users::reactivate(&repo, tenant, id, actor).await })
            .await
    }

    async fn delete_user(&self, tenant: TenantId, id: UserId, actor: Actor) -> Result<()> {
        self.detached(move |repo| async move { users::delete(&repo, tenant, id, actor).await })
            .await
    }

    async fn restore_user(&self, tenant: TenantId, id: UserId, actor: Actor) -> Result<UserView> {
        self.detached(move |repo| async move { users::restore(&repo, tenant, id, actor).await })
            .await
    }

    async fn purge_user(&self, tenant: TenantId, id: UserId, actor: Actor) -> Result<()> {
        self.detached(move |repo| async move { users::purge(&repo, tenant, id, actor).await })
            .await
    }

    async fn assign_plant_role(
        &self,
        tenant: TenantId,
        user: UserId,
        plant: PlantId,
        role: UserRole,
        actor: Actor,
    ) -> Result<UserView> {
        self.detached(move |repo| async move {
            roles::assign(&repo, tenant, user, plant, role, actor).await
        })
        .await
    }

    async fn remove_plant_role(
        &self,
        tenant: TenantId,
        user: UserId,
        plant: PlantId,
        actor: Actor,
    ) -> Result<UserView> {
        self.detached(
            move |repo| async move { roles::remove(&repo, tenant, user, plant, actor).await },
        )
        .await
    }

    async fn set_plant_roles(
        &self,
        tenant: TenantId,
        user: UserId,
        roles: &[PlantRole],
        actor: Actor,
    ) -> Result<UserView> {
        let roles = roles.to_vec();
        self.detached(move |repo| async move {
            roles::replace(&repo, tenant, user, None, &roles, actor).await
        })
        .await
    }

    async fn set_roles(
        &self,
        tenant: TenantId,
        user: UserId,
        tenant_role: Option<UserRole>,
        plant_roles: &[PlantRole],
        actor: Actor,
    ) -> Result<UserView> {
        let plant_roles = plant_roles.to_vec();
        self.detached(move |repo| async move {
            roles::replace(&repo, tenant, user, Some(tenant_role), &plant_roles, actor).await
        })
        .await
    }

    async fn set_tenant_role(
        &self,
        tenant: TenantId,
        user: UserId,
        role: Option<UserRole>,
        actor: Actor,
    ) -> Result<UserView> {
        self.detached(move |repo| async move {
            roles::set_tenant_role(&repo, tenant, user, role, actor).await
        })
        .await
    }

    async fn effective_role(
        &self,
        tenant: TenantId,
        user: UserId,
        plant: PlantId,
    ) -> Result<Option<UserRole>> {
        self.detached(move |repo| async move { roles::effective(&repo, tenant, user, plant).await })
            .await
    }

    async fn has_at_least(
        &self,
        tenant: TenantId,
        user: UserId,
        plant: PlantId,
        role: UserRole,
    ) -> Result<bool> {
        self.detached(move |repo| async move {
            Ok(roles::effective(&repo, tenant, user, plant)
                .await?
                .is_some_and(|effective| effective >= role))
        })
        .await
    }

    async fn users_for_plant(
        &self,
        tenant: TenantId,
        plant: PlantId,
        min_role: Option<UserRole>,
    ) -> Result<Vec<PlantMember>> {
        self.detached(move |repo| async move {
            listing::users_for_plant(&repo, tenant, plant, min_role).await
        })
        .await
    }

    async fn list_audit_events(
        &self,
        tenant: TenantId,
        page: PageRequest,
    ) -> Result<Page<AuditEventView>> {
        self.detached(move |repo| async move { audit::list(&repo.db, tenant, page).await })
            .await
    }

    async fn authenticate(
        &self,
        tenant: TenantId,
        login: &str,
        password: &Password,
        context: LoginContext,
    ) -> Result<AuthenticatedUser> {
        let login = login.to_owned();
        let password = password.clone();
        self.detached(move |repo| async move {
            login::authenticate(&repo, tenant, &login, &password, context).await
        })
        .await
    }

    async fn authenticate_identity(
        &self,
        provider: &str,
        subject: &str,
        context: LoginContext,
    ) -> Result<AuthenticatedUser> {
        let provider = provider.to_owned();
        let subject = subject.to_owned();
        self.detached(move |repo| async move {
            login::authenticate_identity(&repo, &provider, &subject, context).await
        })
        .await
    }

    async fn security_stamp(&self, tenant: TenantId, user: UserId) -> Result<Option<String>> {
        self.detached(move |repo| async move { login::security_stamp(&repo, tenant, user).await })
            .await
    }

    async fn record_activity(&self, tenant: TenantId, user: UserId) -> Result<bool> {
        self.detached(move |repo| async move { login::record_activity(&repo, tenant, user).await })
            .await
    }

    async fn unlock_user(&self, tenant: TenantId, user: UserId, actor: Actor) -> Result<UserView> {
        self.detached(move |repo| async move { login::unlock(&repo, tenant, user, actor).await })
            .await
    }

    async fn list_login_events(
        &self,
        tenant: TenantId,
        user: Option<UserId>,
        page: PageRequest,
    ) -> Result<Page<LoginEventView>> {
        self.detached(move |repo| async move {
            login::list_login_events(&repo, tenant, user, page).await
        })
        .await
    }

    async fn prune_login_events(&self, older_than: DateTime<Utc>) -> Result<u64> {
        self.detached(move |repo| async move { login::prune_login_events(&repo, older_than).await })
            .await
    }

    async fn change_password(
        &self,
        tenant: TenantId,
        user: UserId,
        current: &Password,
        new_password: &Password,
    ) -> Result<()> {
        let current = current.clone();
        let new_password = new_password.clone();
        self.detached(move |repo| async move {
            passwords::change_password(&repo, tenant, user, &current, &new_password).await
        })
        .await
    }

    async fn set_password(
        &self,
        tenant: TenantId,
        user: UserId,
        new_password: &Password,
        actor: Actor,
    ) -> Result<()> {
        let new_password = new_password.clone();
        self.detached(move |repo| async move {
            passwords::set_password(&repo, tenant, user, &new_password, actor).await
        })
        .await
    }

    async fn issue_password_reset(
        &self,
        tenant: TenantId,
        user: UserId,
        ttl: Option<Duration>,
        actor: Actor,
    ) -> Result<IssuedToken> {
        self.detached(move |repo| async move {
            credentials::issue_password_reset(&repo, tenant, user, ttl, actor).await
        })
        .await
    }

    async fn request_password_reset(
        &self,
        tenant: TenantId,
        email: &str,
        sender: &dyn TokenSender,
    ) -> Result<()> {
        // The sender is borrowed, so it cannot go into the call's task: the task holds the token
        // (issued and committed) and the sender gets it here. A caller dropped in between
        // leaves an unsent token, voided by the next request.
        let email = email.to_owned();
        let held = Arc::new(detach::HeldDelivery::default());
        let holder = Arc::clone(&held);
        let result = self
            .detached(move |repo| async move {
                credentials::request_password_reset(&repo, tenant, &email, &*holder).await
            })
            .await;
        held.deliver(sender).await;
        result
    }

    async fn redeem_password_reset(
        &self,
        tenant: Option<TenantId>,
        token: &str,
        new_password: &Password,
    ) -> Result<UserView> {
        let token = token.to_owned();
        let new_password = new_password.clone();
        self.detached(move |repo| async move {
            credentials::redeem_password_reset(&repo, tenant, &token, &new_password).await
        })
        .await
    }

    async fn issue_email_verification(
        &self,
        tenant: TenantId,
        user: UserId,
        actor: Actor,
    ) -> Result<IssuedToken> {
        self.detached(move |repo| async move {
            credentials::issue_email_verification(&repo, tenant, user, actor).await
        })
        .await
    }

    async fn verify_email(&self, tenant: Option<TenantId>, token: &str) -> Result<UserView> {
        let token = token.to_owned();
        self.detached(
            move |repo| async move { credentials::verify_email(&repo, tenant, &token).await },
        )
        .await
    }

    async fn invite_user(
        &self,
        tenant: TenantId,
        invitation: Invitation,
        actor: Actor,
    ) -> Result<InvitedUser> {
        self.detached(move |repo| async move {
            invitations::invite(&repo, tenant, invitation, actor).await
        })
        .await
    }

    async fn accept_invitation(
        &self,
        tenant: Option<TenantId>,
        token: &str,
        username: Option<String>,
        password: &Password,
    ) -> Result<UserView> {
        let token = token.to_owned();
        let password = password.clone();
        self.detached(move |repo| async move {
            invitations::accept(&repo, tenant, &token, username, &password).await
        })
        .await
    }

    async fn link_identity(
        &self,
        tenant: TenantId,
        user: UserId,
        identity: NewIdentity,
        actor: Actor,
    ) -> Result<IdentityView> {
        self.detached(move |repo| async move {
            identities::link(&repo, tenant, user, identity, actor).await
        })
        .await
    }

    async fn unlink_identity(
        &self,
        tenant: TenantId,
        user: UserId,
        provider: &str,
        subject: &str,
        actor: Actor,
    ) -> Result<()> {
        let provider = provider.to_owned();
        let subject = subject.to_owned();
        self.detached(move |repo| async move {
            identities::unlink(&repo, tenant, user, &provider, &subject, actor).await
        })
        .await
    }

    async fn list_identities(&self, tenant: TenantId, user: UserId) -> Result<Vec<IdentityView>> {
        self.detached(move |repo| async move { identities::list(&repo, tenant, user).await })
            .await
    }

    async fn find_by_identity(&self, provider: &str, subject: &str) -> Result<Option<UserView>> {
        let provider = provider.to_owned();
        let subject = subject.to_owned();
        self.detached(
            move |repo| async move { identities::find_user(&repo, &provider, &subject).await },
        )
        .await
    }

    async fn provision_from_identity(
        &self,
        tenant: TenantId,
        input: IdentityUser,
        actor: Actor,
    ) -> Result<UserView> {
        self.detached(move |repo| async move {
            identities::provision(&repo, tenant, input, actor).await
        })
        .await
    }

    async fn list_dormant(&self, tenant: TenantId, since: DateTime<Utc>) -> Result<Vec<UserView>> {
        self.detached(
            move |repo| async move { lifecycle::list_dormant(&repo, tenant, since).await },
        )
        .await
    }

    async fn deactivate_dormant(
        &self,
        tenant: TenantId,
        since: DateTime<Utc>,
        actor: Actor,
    ) -> Result<u64> {
        self.detached(move |repo| async move {
            lifecycle::deactivate_dormant(&repo, tenant, since, actor).await
        })
        .await
    }

    async fn import_user(
        &self,
        tenant: TenantId,
        user: ImportedUser,
        actor: Actor,
    ) -> Result<UserView> {
        self.detached(
            move |repo| async move { lifecycle::import(&repo, tenant, user, actor).await },
        )
        .await
    }

    async fn import_users(
        &self,
        tenant: TenantId,
        users: Vec<ImportedUser>,
        actor: Actor,
    ) -> Result<Vec<UserId>> {
        self.detached(
            move |repo| async move { bulk::import_users(&repo, tenant, users, actor).await },
        )
        .await
    }
}
