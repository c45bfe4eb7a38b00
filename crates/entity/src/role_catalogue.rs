//! `role_catalogue`: the one row of settings that belong to the whole role catalogue.

use sea_orm::entity::prelude::*;

/// The id of the one row.
pub const ROW_ID: i32 = 1;

/// The row of `role_catalogue` (its id is always [`ROW_ID`]).
///
/// Startup reconciliation locks this row, so two processes that start at once reconcile the
/// catalogue one after the other.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenantry_role_catalogue")]
pub struct Model {
    /// Always [`ROW_ID`].
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    /// Whether a user holds at most one role per scope.
    pub exclusive_per_scope: bool,
    /// When the catalogue was last changed (UTC).
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
