//! A role catalogue as the `roles` table holds it: one row per role, in declaration order, and
//! the `role_catalogue` row. What reconciliation writes and loading reads back.

use crate::error::{Error, Result};
use crate::role_catalogue::{Role, RoleCatalogue, RoleScope};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DatabaseBackend, DatabaseTransaction, EntityTrait,
    FromQueryResult, QueryOrder, QuerySelect, sea_query::OnConflict,
};
use tenantry_entity::{RoleScopeValue, role_catalogue, roles};

/// The stored form of one role: every column but the timestamps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RoleRow {
    pub key: String,
    pub name: String,
    pub scope: RoleScopeValue,
    pub administers_users: bool,
    pub is_default: bool,
    /// JSON array of the keys it implies, as declared.
    pub implies: String,
    /// JSON of its delegation.
    pub grants: String,
    pub position: i32,
}

/// The catalogue's roles as rows, in declaration order.
///
/// # Errors
/// `Internal` if a role does not serialize (it always does: keys and enums only).
pub(crate) fn rows_of(catalogue: &RoleCatalogue) -> Result<Vec<RoleRow>> {
    (0i32..)
        .zip(catalogue.roles())
        .map(|(position, role)| row_of(role, position))
        .collect()
}

fn row_of(role: &Role, position: i32) -> Result<RoleRow> {
    let json = |value: serde_json::Result<String>| value.map_err(|_| Error::Internal);
    Ok(RoleRow {
        key: role.key().to_string(),
        name: role.name().to_owned(),
        scope: scope_value(role.scope()),
        administers_users: role.administers_users(),
        is_default: role.is_default(),
        implies: json(serde_json::to_string(role.implies()))?,
        grants: json(serde_json::to_string(role.delegation()))?,
        position,
    })
}

/// A stored `roles` row, every column but the timestamps as read, the scope as plain text: a
/// hand-edited scope is then something to report or overwrite, not a decoding failure.
#[derive(Clone, Debug, FromQueryResult)]
pub(crate) struct StoredRole {
    pub key: String,
    pub name: String,
    pub scope: String,
    pub administers_users: bool,
    pub is_default: bool,
    pub implies: String,
    pub grants: String,
    pub position: i32,
}

/// Every stored role, in `position` (then key) order; locked until the end of the transaction
/// when `lock` is set (PostgreSQL and MySQL only: SQLite's write transaction already holds).
pub(crate) async fn stored_roles(db: &impl ConnectionTrait, lock: bool) -> Result<Vec<StoredRole>> {
    let mut query = roles::Entity::find()
        .select_only()
        .columns([
            roles::Column::Key,
            roles::Column::Name,
            roles::Column::Scope,
            roles::Column::AdministersUsers,
            roles::Column::IsDefault,
            roles::Column::Implies,
            roles::Column::Grants,
            roles::Column::Position,
        ])
        .order_by_asc(roles::Column::Position)
        .order_by_asc(roles::Column::Key);
    if lock && db.get_database_backend() != DatabaseBackend::Sqlite {
        query = query.lock_exclusive();
    }
    Ok(query.into_model::<StoredRole>().all(db).await?)
}

impl RoleRow {
    /// Whether the `stored` row already says what this row says.
    pub fn matches(&self, stored: &StoredRole) -> bool {
        self.key == stored.key
            && self.name == stored.name
            && self.scope.as_str() == stored.scope
            && self.administers_users == stored.administers_users
            && self.is_default == stored.is_default
            && self.implies == stored.implies
            && self.grants == stored.grants
            && self.position == stored.position
    }

    /// The row as a new `roles` row created at `now`.
    pub fn inserted(self, now: DateTime<Utc>) -> roles::ActiveModel {
        let mut row = self.updated(now);
        row.created_at = Set(now);
        row
    }

    /// Every column but `created_at`, changed at `now` (an update finds its row by the key).
    pub fn updated(self, now: DateTime<Utc>) -> roles::ActiveModel {
        roles::ActiveModel {
            key: Set(self.key),
            name: Set(self.name),
            scope: Set(self.scope),
            administers_users: Set(self.administers_users),
            is_default: Set(self.is_default),
            implies: Set(self.implies),
            grants: Set(self.grants),
            position: Set(self.position),
            updated_at: Set(now),
            ..Default::default()
        }
    }
}

/// The stored form of a [`RoleScope`].
pub(crate) fn scope_value(scope: RoleScope) -> RoleScopeValue {
    match scope {
        RoleScope::Tenant => RoleScopeValue::Tenant,
        RoleScope::Plant => RoleScopeValue::Plant,
        RoleScope::Both => RoleScopeValue::Both,
    }
}

/// The [`RoleScope`] a stored scope stands for.
pub(crate) fn scope_of(value: RoleScopeValue) -> RoleScope {
    match value {
        RoleScopeValue::Tenant => RoleScope::Tenant,
        RoleScopeValue::Plant => RoleScope::Plant,
        RoleScopeValue::Both => RoleScope::Both,
    }
}

/// Takes the `role_catalogue` row for the rest of `txn` and returns it, creating it first (with
/// `exclusive`) when it is missing.
///
/// Every reconciliation starts here, so two processes starting at once take turns: on
/// PostgreSQL and MySQL the row is locked (`FOR UPDATE`; a missing row is inserted with `ON
/// CONFLICT DO NOTHING`, which waits for a concurrent insert instead of failing with a unique
/// violation); on SQLite the
/// write transaction already holds the database's write lock.
pub(crate) async fn lock_settings(
    txn: &DatabaseTransaction,
    exclusive: bool,
    now: DateTime<Utc>,
) -> Result<role_catalogue::Model> {
    let row = role_catalogue::ActiveModel {
        id: Set(role_catalogue::ROW_ID),
        exclusive_per_scope: Set(exclusive),
        updated_at: Set(now),
    };
    role_catalogue::Entity::insert(row)
        .on_conflict(
            // `do_nothing_on`: on MySQL `ON DUPLICATE KEY UPDATE id = id`, which takes the
            // row's exclusive lock at once; `INSERT IGNORE` would take a shared one, and two
            // processes upgrading theirs to the `FOR UPDATE` below would deadlock.
            OnConflict::column(role_catalogue::Column::Id)
                .do_nothing_on([role_catalogue::Column::Id])
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
    let mut query = role_catalogue::Entity::find_by_id(role_catalogue::ROW_ID);
    if txn.get_database_backend() != DatabaseBackend::Sqlite {
        query = query.lock_exclusive();
    }
    // Just inserted or already there, and locked: only a concurrent delete could take it.
    query.one(txn).await?.ok_or(Error::Internal)
}
