//! `group_members`: who is in a directory group (`groups`).

use crate::{TenantId, UserId};
use sea_orm::entity::prelude::*;

/// A row of `group_members`: `user_id` is in `group_id`.
///
/// The database enforces that the group and the user are both of `tenant_id` (composite
/// foreign keys) and that a user is in a group once; the row goes with either.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenantry_group_members")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The tenant of the group and of the user.
    pub tenant_id: TenantId,
    /// The group.
    pub group_id: i64,
    /// The member.
    pub user_id: UserId,
    /// When the user joined the group.
    pub created_at: DateTimeUtc,
    /// The group.
    #[sea_orm(belongs_to, from = "group_id", to = "id", on_delete = "Cascade")]
    pub group: BelongsTo<super::groups::Entity>,
    /// The user.
    #[sea_orm(belongs_to, from = "user_id", to = "id", on_delete = "Cascade")]
    pub user: BelongsTo<super::users::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
