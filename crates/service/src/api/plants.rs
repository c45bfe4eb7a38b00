//! [`Plants`]: a tenant's plants (sites): create, look up, list, take out of and back into service.

use crate::error::Result;
use crate::inputs::{Actor, NewPlant};
use crate::views::PlantView;
use async_trait::async_trait;
use tenantry_entity::{PlantId, TenantId};
use uuid::Uuid;

/// A tenant's plants (sites): create, look up, list, take out of and back into service.
///
/// Part of [`UserRepository`](super::UserRepository); import it with
/// [`prelude`](crate::prelude).
///
/// ```
/// use tenantry_service::prelude::*;
/// use tenantry_service::NewPlant;
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
}
