//! [`Roles`]: a user's tenant-wide role and its role at each plant, and who may do what where.

use crate::error::Result;
use crate::inputs::{Actor, PlantRole};
use crate::views::{PlantMember, UserView};
use async_trait::async_trait;
use tenantry_entity::{PlantId, TenantId, UserId, UserRole};

/// Roles: a user's tenant-wide role and its role at each plant, and who may do what where.
///
/// Part of [`UserRepository`](super::UserRepository); import it with
/// [`prelude`](crate::prelude).
///
/// ```
/// use tenantry_service::prelude::*;
/// use tenantry_service::{NewPlant, NewUser, UserRole};
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
/// let line = repo
///     .create_plant(acme.id, NewPlant { code: "L1".into(), name: "Line 1".into() }, None)
///     .await?;
/// let bob = NewUser { username: "bob".into(), display_name: "Bob".into(), ..Default::default() };
/// let bob = repo.create_user(acme.id, bob, None).await?;
/// repo.assign_plant_role(acme.id, bob.id, line.id, UserRole::Supervisor, None).await?;
/// assert!(repo.has_at_least(acme.id, bob.id, line.id, UserRole::Operator).await?);
/// assert!(!repo.has_at_least(acme.id, bob.id, line.id, UserRole::Admin).await?);
/// # Ok(()) }
/// ```
#[async_trait]
pub trait Roles: Send + Sync {
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
    ) -> Result<bool> {
        Ok(self
            .effective_role(tenant, user, plant)
            .await?
            .is_some_and(|effective| effective >= role))
    }

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
}
