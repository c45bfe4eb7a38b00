//! [`Plants`]: a tenant's plants (sites): create, look up, list, rename, take out of and back
//! into service, delete, and keep in step with the host's own plant table.

use crate::error::Result;
use crate::inputs::{Actor, HostPlant, NewPlant, PlantChanges};
use crate::views::PlantView;
use async_trait::async_trait;
use tenantry_entity::{PlantId, TenantId};
use uuid::Uuid;

/// A tenant's plants (sites): create, look up, list, rename, take out of and back into service,
/// delete, and keep in step with the host's own plant table (below).
///
/// A plant out of service grants nothing: effective roles, role checks, the delegation check
/// and plant member lists ignore the grants there (they are kept, shown with
/// `plant_active: false`, and count again when the plant is reactivated). Tenant-wide grants
/// still hold at it.
///
/// # Keeping tenantry's plants in step with the host's
///
/// A host that owns the real plant table (the SPC tool's `plant`) gives each tenantry plant its
/// own key as [`HostPlant::external_id`] and calls [`Plants::upsert_plant`] whenever its row is
/// created or changed, and [`Plants::delete_plant`] when it is deleted (find the id with
/// [`Plants::get_plant_by_external_id`]). Grants then name tenantry's plant, whose id the host
/// never needs to store. When the host's write and tenantry's must succeed or fail together
/// and share the database, make both in the host's own transaction with
/// `SeaOrmUserRepository::upsert_plant_in` and `delete_plant_in` (a savepoint of the host's
/// transaction: both commit or neither). Otherwise make the tenantry call after the host's
/// commit (a crash between the two is repaired by the next upsert, which is idempotent:
/// calling it again with the same row writes nothing). A periodic sweep — upsert every host plant, delete what the host no
/// longer has — brings the two back in step after anything else.
///
/// Part of [`UserRepository`](super::UserRepository); import it with
/// [`prelude`](crate::prelude).
///
/// ```
/// use tenantry_service::prelude::*;
/// use tenantry_service::{HostPlant, NewPlant};
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
/// assert_eq!(repo.get_plant_by_code(acme.id, "l1").await?.map(|p| p.id), Some(line.id));
///
/// // The host's plant 42, kept in step (run again with the same row: nothing is written).
/// let host = HostPlant {
///     external_id: "42".into(),
///     code: "L2".into(),
///     name: "Line 2".into(),
///     is_active: true,
/// };
/// let mirrored = repo.upsert_plant(acme.id, host.clone(), None).await?;
/// assert_eq!(repo.upsert_plant(acme.id, host, None).await?, mirrored);
/// assert_eq!(repo.get_plant_by_external_id(acme.id, "42").await?.map(|p| p.id), Some(mirrored.id));
/// repo.delete_plant(acme.id, mirrored.id, None).await?;
/// # Ok(()) }
/// ```
#[async_trait]
pub trait Plants: Send + Sync {
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

    /// A plant of the tenant by the host's identifier (compared exactly).
    ///
    /// # Errors
    /// `Database`.
    async fn get_plant_by_external_id(
        &self,
        tenant: TenantId,
        external_id: &str,
    ) -> Result<Option<PlantView>>;

    /// Creates the tenant's plant with `plant.external_id`, or brings it in step with `plant`
    /// (code, name, in service). Idempotent: nothing is written when nothing differs. One event
    /// per kind of change (`plant.created`, `plant.updated`, `plant.deactivated`,
    /// `plant.reactivated`).
    ///
    /// # Errors
    /// `NotFound` (tenant), `InvalidInput` (external_id, code, name), `PlantCodeTaken` (another
    /// plant of the tenant has the code), `PlantIdentifierTaken` (a plant of another tenant
    /// carries the identifier), `Database`.
    async fn upsert_plant(
        &self,
        tenant: TenantId,
        plant: HostPlant,
        actor: Actor,
    ) -> Result<PlantView>;

    /// Gives a plant a new code or name (`None` keeps it); `plant.updated` records both.
    ///
    /// # Errors
    /// `NotFound`, `InvalidInput` (code, name), `PlantCodeTaken`, `Database`.
    async fn rename_plant(
        &self,
        tenant: TenantId,
        id: PlantId,
        changes: PlantChanges,
        actor: Actor,
    ) -> Result<PlantView>;

    /// Deletes a plant and every grant at it. The users who held one get a new security stamp
    /// (their sessions end, as with any role change); `plant.deleted` lists the grants.
    ///
    /// # Errors
    /// `NotFound` (including another tenant's plant), `Database`.
    async fn delete_plant(&self, tenant: TenantId, id: PlantId, actor: Actor) -> Result<()>;

    /// Takes a plant out of service (roles there are kept, and count for nothing meanwhile).
    /// Idempotent.
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
}
