//! `user_tenant_roles`: a role a user holds tenant-wide, at every plant of its tenant (one row
//! per role).

use crate::{TenantId, UserId};
use sea_orm::entity::prelude::*;

/// A row of `user_tenant_roles`.
///
/// The database enforces that the user belongs to `tenant_id` (a composite foreign key to
/// `users (id, tenant_id)`) and that the role is one of the catalogue's (`roles (key)`), on
/// every backend. A user holds a role tenant-wide once.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenantry_user_tenant_roles")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The user's tenant.
    pub tenant_id: TenantId,
    /// The user holding the role.
    pub user_id: UserId,
    /// The role's key in the catalogue.
    pub role: String,
    /// Who granted it, when known.
    pub granted_by: Option<UserId>,
    /// When the row was created (UTC).
    pub created_at: DateTimeUtc,
    /// The user.
    #[sea_orm(belongs_to, from = "user_id", to = "id", on_delete = "Cascade")]
    pub user: BelongsTo<super::users::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
