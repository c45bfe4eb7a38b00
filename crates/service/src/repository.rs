//! The [`UserRepository`] trait: everything a host asks of its user store.

use crate::error::Result;
use crate::inputs::{
    Actor, NewPlant, NewTenant, NewUser, PageRequest, PlantRole, UserFilter, UserQuery, UserUpdate,
};
use crate::views::{AuditEventView, Page, PlantMember, PlantView, TenantView, UserView};
use async_trait::async_trait;
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
    /// `Database`.
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
    /// `Database`.
    async fn list_users(&self, tenant: TenantId, query: &UserQuery) -> Result<Page<UserView>>;

    /// How many users match the filter.
    ///
    /// # Errors
    /// `Database`.
    async fn count_users(&self, tenant: TenantId, filter: &UserFilter) -> Result<u64>;

    /// Changes a user's profile; changed names are re-validated and re-keyed.
    ///
    /// # Errors
    /// `NotFound`, `InvalidInput`, `UsernameTaken`, `EmailTaken`, `Database`.
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
    /// `Database`.
    async fn list_audit_events(
        &self,
        tenant: TenantId,
        page: PageRequest,
    ) -> Result<Page<AuditEventView>>;
}
