//! `roles`: the role catalogue a host declares at startup, one row per role.

use crate::RoleScopeValue;
use sea_orm::entity::prelude::*;

/// A row of `roles`: one role of the catalogue, as the service's reconciliation writes it.
///
/// Grants name a role by `key`. `implies` and `grants` are JSON text, written by the service
/// from its `RoleCatalogue` (`implies`: an array of keys as declared; `grants`: the role's
/// delegation, `"everything"`, `"nothing"`, `{"only":[…]}` or `{"all_except":[…]}`).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenantry_roles")]
pub struct Model {
    /// The role's stable key (1–64 characters of `a-z`, `0-9`, `_`, `.`, `-`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// The name shown to people.
    pub name: String,
    /// Where it may be granted.
    pub scope: RoleScopeValue,
    /// Whether it is declared to administer users.
    pub administers_users: bool,
    /// Whether every new user is given it, tenant-wide.
    pub is_default: bool,
    /// The roles it implies directly, as a JSON array of keys.
    #[sea_orm(column_type = "Text")]
    pub implies: String,
    /// Which roles its holder may grant, as JSON.
    #[sea_orm(column_type = "Text")]
    pub grants: String,
    /// Its place in declaration order, from 0.
    pub position: i32,
    /// When the row was created (UTC).
    pub created_at: DateTimeUtc,
    /// When the row was last changed (UTC).
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
