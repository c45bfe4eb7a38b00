//! `user_plant_roles`: a role a user holds at one plant of its own tenant (one row per role).

use crate::{PlantId, TenantId, UserId};
use sea_orm::entity::prelude::*;

/// A row of `user_plant_roles`.
///
/// The database enforces that the user and the plant both belong to `tenant_id` (composite
/// foreign keys to `users (id, tenant_id)` and `plants (id, tenant_id)`), on every backend, and
/// that the role is one of the catalogue's (`roles (key)`). A user holds a role at a plant once.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenantry_user_plant_roles")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Tenant of both the user and the plant.
    pub tenant_id: TenantId,
    /// The user holding the role.
    pub user_id: UserId,
    /// The plant the role applies to.
    pub plant_id: PlantId,
    /// The role's key in the catalogue (`roles.key`, a foreign key).
    pub role: String,
    /// Who granted it, when known.
    pub granted_by: Option<UserId>,
    /// When the row was created (UTC).
    pub created_at: DateTimeUtc,
    /// When the row was last changed (UTC).
    pub updated_at: DateTimeUtc,
    /// The user.
    #[sea_orm(belongs_to, from = "user_id", to = "id", on_delete = "Cascade")]
    pub user: BelongsTo<super::users::Entity>,
    /// The plant.
    #[sea_orm(belongs_to, from = "plant_id", to = "id", on_delete = "Cascade")]
    pub plant: BelongsTo<super::plants::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
