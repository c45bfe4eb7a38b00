//! [`SeaOrmUserRepository`]: the [`UserRepository`] on SeaORM, for SQLite, PostgreSQL and
//! MySQL/MariaDB. One file per concept; this one wires them to the trait.

mod audit;
mod listing;
mod plants;
mod roles;
mod tenants;
mod tx;
mod users;

pub use audit::AuditAction;

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::error::Result;
use crate::hashing::PasswordHasher;
use crate::inputs::{
    Actor, NewPlant, NewTenant, NewUser, PageRequest, PlantRole, UserFilter, UserQuery, UserUpdate,
};
use crate::repository::UserRepository;
use crate::views::{AuditEventView, Page, PlantMember, PlantView, TenantView, UserView};
use async_trait::async_trait;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use tenantry_entity::{PlantId, TenantId, TenantStatus, UserId, UserRole};
use uuid::Uuid;

/// The [`UserRepository`] on a SeaORM connection pool. Cheap to clone.
#[derive(Clone)]
pub struct SeaOrmUserRepository {
    db: DatabaseConnection,
    config: Arc<Config>,
    hasher: PasswordHasher,
    clock: Arc<dyn Clock>,
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
        Ok(Self {
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
        roles::replace(self, tenant, user, roles, actor).await
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
}
