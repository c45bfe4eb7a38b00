//! [`Roles`]: the roles a user holds tenant-wide and at each plant (keys of the host's role
//! catalogue), changes to them, and the questions a host asks about them.

use crate::error::Result;
use crate::inputs::{Actor, PlantRole, RoleSet};
use crate::role_catalogue::{Grant, GrantScope, HostRole, RoleCatalogue, RoleKey};
use crate::views::{PlantMember, RoleHolder, UserView};
use async_trait::async_trait;
use std::collections::BTreeSet;
use tenantry_entity::{PlantId, TenantId, UserId, UserRole};

/// Roles: grants of the catalogue's roles to users, tenant-wide or at a plant.
///
/// Every change runs in one transaction that locks the user (and the tenant when it touches
/// tenant-wide grants), is audited and rotates the user's security stamp; a change that
/// changes nothing writes nothing. A role the catalogue does not declare, or a scope it may
/// not be granted at, is [`Error::RoleRefused`](crate::Error::RoleRefused) with nothing
/// written. In a catalogue that is exclusive per scope a grant replaces the role held there.
/// The last user who administers users (tenant-wide) and could sign in cannot lose that role.
///
/// Each question is one statement. The `UserRole` methods at the end are shortcuts for the
/// default catalogue (tenantry's four ordered roles).
///
/// Part of [`UserRepository`](super::UserRepository); import it with
/// [`prelude`](crate::prelude).
///
/// ```
/// use tenantry_service::prelude::*;
/// use tenantry_service::{GrantScope, NewPlant, NewUser, UserRole};
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
/// let at_line = GrantScope::Plant(line.id);
/// repo.grant_role(acme.id, bob.id, at_line, UserRole::Supervisor.into(), None).await?;
/// // A supervisor is an operator too (the default catalogue's order).
/// assert!(repo.has_role(acme.id, bob.id, at_line, &UserRole::Operator.into()).await?);
/// assert!(!repo.has_role(acme.id, bob.id, at_line, &UserRole::Admin.into()).await?);
/// # Ok(()) }
/// ```
#[async_trait]
pub trait Roles: Send + Sync {
    /// The role catalogue this store checks grants against (the host's, as declared in
    /// [`Config::roles`](crate::Config::roles)).
    fn role_catalogue(&self) -> &RoleCatalogue;

    /// Grants `role` to the user at `scope` (nothing to do when it holds it already).
    ///
    /// # Errors
    /// `NotFound` (user or plant), `RoleRefused`, `LastAdmin` (an exclusive catalogue's grant
    /// that replaces the last admin's role), `Database`.
    async fn grant_role(
        &self,
        tenant: TenantId,
        user: UserId,
        scope: GrantScope,
        role: RoleKey,
        actor: Actor,
    ) -> Result<UserView>;

    /// Revokes `role` from the user at `scope` (nothing to do when it does not hold it).
    ///
    /// # Errors
    /// `NotFound` (user or plant), `LastAdmin`, `Database`.
    async fn revoke_role(
        &self,
        tenant: TenantId,
        user: UserId,
        scope: GrantScope,
        role: RoleKey,
        actor: Actor,
    ) -> Result<UserView>;

    /// Revokes every role the user holds at `scope`.
    ///
    /// # Errors
    /// `NotFound` (user or plant), `LastAdmin`, `Database`.
    async fn revoke_roles_at(
        &self,
        tenant: TenantId,
        user: UserId,
        scope: GrantScope,
        actor: Actor,
    ) -> Result<UserView>;

    /// Replaces the user's roles — tenant-wide, at plants, or both — with exactly `roles`, in
    /// one transaction: concurrent callers end with one caller's exact set, never a mix.
    ///
    /// # Errors
    /// `NotFound` (user or a plant), `InvalidInput` (a role twice in one scope, or two roles in
    /// one scope of an exclusive catalogue), `RoleRefused`, `LastAdmin`, `Database`.
    async fn replace_roles(
        &self,
        tenant: TenantId,
        user: UserId,
        roles: RoleSet,
        actor: Actor,
    ) -> Result<UserView>;

    /// The user's grants: tenant-wide ones first, then those at plants (by plant id, then
    /// key). One statement.
    ///
    /// # Errors
    /// `NotFound`, `Database`.
    async fn grants_of(&self, tenant: TenantId, user: UserId) -> Result<Vec<Grant>>;

    /// The user's effective roles at `at`: its grants there (at a plant, its tenant-wide
    /// grants too) and everything they imply. One statement.
    ///
    /// # Errors
    /// `NotFound` (user or plant), `Database`.
    async fn effective_roles(
        &self,
        tenant: TenantId,
        user: UserId,
        at: GrantScope,
    ) -> Result<BTreeSet<RoleKey>>;

    /// Whether the user holds `role` at `at`, or a role that implies it.
    ///
    /// # Errors
    /// `NotFound` (user or plant), `Database`.
    async fn has_role(
        &self,
        tenant: TenantId,
        user: UserId,
        at: GrantScope,
        role: &RoleKey,
    ) -> Result<bool> {
        Ok(self.effective_roles(tenant, user, at).await?.contains(role))
    }

    /// The live users holding `role` (or a role implying it) at `at` — at a plant, tenant-wide
    /// grants count too — ordered by username: one statement.
    ///
    /// # Errors
    /// `NotFound` (plant), `Database`.
    async fn users_with_role(
        &self,
        tenant: TenantId,
        role: RoleKey,
        at: GrantScope,
    ) -> Result<Vec<RoleHolder>>;

    /// The users with a role at `plant` (holding `role` or one implying it, when given), with
    /// their effective roles there, ordered by username.
    ///
    /// # Errors
    /// `NotFound` (plant), `Database`.
    async fn users_for_plant(
        &self,
        tenant: TenantId,
        plant: PlantId,
        role: Option<RoleKey>,
    ) -> Result<Vec<PlantMember>>;

    /// Default catalogue: gives the user `role` at `plant` (replacing the one it held there).
    ///
    /// # Errors
    /// As [`Roles::grant_role`].
    async fn assign_plant_role(
        &self,
        tenant: TenantId,
        user: UserId,
        plant: PlantId,
        role: UserRole,
        actor: Actor,
    ) -> Result<UserView> {
        let scope = GrantScope::Plant(plant);
        self.grant_role(tenant, user, scope, role.into(), actor)
            .await
    }

    /// Removes every role the user holds at `plant`.
    ///
    /// # Errors
    /// As [`Roles::revoke_roles_at`].
    async fn remove_plant_role(
        &self,
        tenant: TenantId,
        user: UserId,
        plant: PlantId,
        actor: Actor,
    ) -> Result<UserView> {
        self.revoke_roles_at(tenant, user, GrantScope::Plant(plant), actor)
            .await
    }

    /// Replaces the user's plant roles with exactly `roles` (its tenant-wide roles kept).
    ///
    /// # Errors
    /// As [`Roles::replace_roles`].
    async fn set_plant_roles(
        &self,
        tenant: TenantId,
        user: UserId,
        roles: &[PlantRole],
        actor: Actor,
    ) -> Result<UserView> {
        let set = RoleSet::plants(roles.iter().cloned());
        self.replace_roles(tenant, user, set, actor).await
    }

    /// Default catalogue: replaces both the user's tenant role and its plant roles, exactly.
    ///
    /// # Errors
    /// As [`Roles::replace_roles`].
    async fn set_roles(
        &self,
        tenant: TenantId,
        user: UserId,
        tenant_role: Option<UserRole>,
        plant_roles: &[PlantRole],
        actor: Actor,
    ) -> Result<UserView> {
        let tenant_roles = tenant_role.map(RoleKey::from);
        let set = RoleSet::all(tenant_roles, plant_roles.iter().cloned());
        self.replace_roles(tenant, user, set, actor).await
    }

    /// Default catalogue: sets (or with `None` clears) the user's tenant-wide role.
    ///
    /// # Errors
    /// As [`Roles::replace_roles`].
    async fn set_tenant_role(
        &self,
        tenant: TenantId,
        user: UserId,
        role: Option<UserRole>,
        actor: Actor,
    ) -> Result<UserView> {
        let set = RoleSet::tenant(role.map(RoleKey::from));
        self.replace_roles(tenant, user, set, actor).await
    }

    /// Default catalogue: the user's highest role at `plant`, its tenant role included.
    ///
    /// # Errors
    /// As [`Roles::effective_roles`].
    async fn effective_role(
        &self,
        tenant: TenantId,
        user: UserId,
        plant: PlantId,
    ) -> Result<Option<UserRole>> {
        let effective = self
            .effective_roles(tenant, user, GrantScope::Plant(plant))
            .await?;
        Ok(effective
            .iter()
            .filter_map(|key| UserRole::from_key(key))
            .max())
    }

    /// Default catalogue: whether the user's role at `plant` is at least `role`.
    ///
    /// # Errors
    /// As [`Roles::effective_roles`].
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
}
