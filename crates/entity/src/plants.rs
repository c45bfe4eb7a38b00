//! `plants`: a site of a tenant, at which users hold roles.

use crate::{PlantId, TenantId};
use sea_orm::entity::prelude::*;

/// A row of `plants`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenantry_plants")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key)]
    pub id: PlantId,
    /// Public id (UUID v7).
    #[sea_orm(unique)]
    pub pid: Uuid,
    /// Owning tenant.
    pub tenant_id: TenantId,
    /// The code as entered (for display).
    pub code: String,
    /// The normalized code (NFKC, lowercase); unique per tenant.
    pub code_key: String,
    /// Display name.
    pub name: String,
    /// The host's own identifier of the plant, when the host keeps tenantry's plants in step
    /// with its own plant table; unique across the database.
    pub external_id: Option<String>,
    /// Whether the plant is in service: an inactive plant's grants count for nothing (they are
    /// kept, and count again when it is reactivated).
    pub is_active: bool,
    /// When the row was created (UTC).
    pub created_at: DateTimeUtc,
    /// When the row was last changed (UTC).
    pub updated_at: DateTimeUtc,
    /// The owning tenant.
    #[sea_orm(belongs_to, from = "tenant_id", to = "id", on_delete = "Cascade")]
    pub tenant: BelongsTo<super::tenants::Entity>,
    /// Roles held at this plant.
    #[sea_orm(has_many)]
    pub roles: HasMany<super::user_plant_roles::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
