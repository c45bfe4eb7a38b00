//! Reconciling the `roles` table with the catalogue a host declares at startup:
//! [`sync_role_catalogue`].

use super::detached;
use super::role_catalogue_grants::{self as grants, Refused};
use super::role_catalogue_rows::{
    RoleRow, StoredRole, lock_settings, rows_of, scope_of, stored_roles,
};
use super::tx::begin_write;
use crate::config::MissingRoles;
use crate::error::{Error, Result};
use crate::role_catalogue::{RoleCatalogue, RoleKey, RoleScope};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter,
};
use std::collections::BTreeMap;
use tenantry_entity::{role_catalogue, roles};

/// What [`sync_role_catalogue`] changed. All empty and zero when the stored catalogue was
/// already the declared one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CatalogueSync {
    /// Roles declared now and not stored before, in declaration order.
    pub added: Vec<RoleKey>,
    /// Stored roles whose name, scope, flags, implications, delegation or position changed,
    /// in declaration order.
    pub updated: Vec<RoleKey>,
    /// Stored roles no longer declared, deleted, in their stored order. Strings: a row edited
    /// by hand may hold a key that is not a valid [`RoleKey`].
    pub removed: Vec<String>,
    /// Whether the catalogue-wide setting (one role per user per scope) changed.
    pub exclusive_changed: bool,
    /// Grants revoked under [`MissingRoles::Revoke`].
    pub revoked: u64,
}

impl CatalogueSync {
    /// Whether nothing changed.
    pub fn is_unchanged(&self) -> bool {
        *self == Self::default()
    }
}

/// Makes the stored role catalogue (`roles` and `role_catalogue`) the declared `catalogue`, in
/// one transaction: inserts the roles that are new, updates the rows that changed, deletes the
/// rows of roles no longer declared, and stores whether the catalogue is exclusive per scope.
///
/// Grants the new catalogue refuses — of a role no longer declared, or at a scope its role no
/// longer allows (a plant-only role held tenant-wide) — are counted across every tenant. With
/// [`MissingRoles::Refuse`] the first such role is an error and nothing is written; with
/// [`MissingRoles::Revoke`] those grants are revoked in the same transaction (stamps rotated,
/// one audit event per affected user).
///
/// Safe to run from several processes at once: they take turns on the `role_catalogue` row,
/// and the later ones find nothing left to do. [`SeaOrmUserRepository::open`] calls it.
///
/// Until grants move to the catalogue, a grant written concurrently through today's API is
/// not held back by it: run the reconciliation before serving requests.
///
/// # Errors
///
/// [`Error::RoleStillGranted`] or [`Error::RoleGrantedOutOfScope`] under
/// [`MissingRoles::Refuse`]; [`Error::Database`].
///
/// [`SeaOrmUserRepository::open`]: crate::SeaOrmUserRepository::open
pub async fn sync_role_catalogue(
    db: &DatabaseConnection,
    catalogue: &RoleCatalogue,
    missing: MissingRoles,
) -> Result<CatalogueSync> {
    let (db, catalogue) = (db.clone(), catalogue.clone());
    detached(async move { sync(&db, &catalogue, missing, now()).await }).await
}

/// Now, to the microsecond every backend keeps.
fn now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

/// The changes that make the stored rows the declared ones.
struct Plan {
    insert: Vec<RoleRow>,
    update: Vec<RoleRow>,
    delete: Vec<String>,
    refused: Vec<Refused>,
}

async fn sync(
    db: &DatabaseConnection,
    catalogue: &RoleCatalogue,
    missing: MissingRoles,
    now: DateTime<Utc>,
) -> Result<CatalogueSync> {
    let txn = begin_write(db).await?;
    let settings = lock_settings(&txn, catalogue.is_exclusive(), now).await?;
    // Locked: a locking read also sees the latest committed rows under MySQL's repeatable read.
    let stored = stored_roles(&txn, true).await?;
    let plan = plan(rows_of(catalogue)?, stored);

    let mut revoked = 0;
    let granted = grants::count(&txn, &plan.refused).await?;
    if let Some((first, count)) = granted.first() {
        match missing {
            MissingRoles::Refuse => return Err(refusal(catalogue, first, *count)),
            MissingRoles::Revoke => {
                let refused: Vec<Refused> = granted.into_iter().map(|(r, _)| r).collect();
                revoked = grants::revoke(&txn, &refused, now).await?;
            }
        }
    }

    if !plan.delete.is_empty() {
        roles::Entity::delete_many()
            .filter(roles::Column::Key.is_in(plan.delete.clone()))
            .exec(&txn)
            .await?;
    }
    for row in &plan.update {
        roles::Entity::update_many()
            .set(row.clone().updated(now))
            .filter(roles::Column::Key.eq(row.key.as_str()))
            .exec(&txn)
            .await?;
    }
    if !plan.insert.is_empty() {
        let rows = plan.insert.iter().map(|row| row.clone().inserted(now));
        roles::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await?;
    }
    let exclusive_changed = settings.exclusive_per_scope != catalogue.is_exclusive();
    if exclusive_changed {
        let mut settings: role_catalogue::ActiveModel = settings.into_active_model();
        settings.exclusive_per_scope = Set(catalogue.is_exclusive());
        settings.updated_at = Set(now);
        settings.update(&txn).await?;
    }
    txn.commit().await?;
    Ok(CatalogueSync {
        added: keys(&plan.insert)?,
        updated: keys(&plan.update)?,
        removed: plan.delete,
        exclusive_changed,
        revoked,
    })
}

/// Compares the declared rows with the stored ones.
fn plan(desired: Vec<RoleRow>, stored: Vec<StoredRole>) -> Plan {
    let mut stored: BTreeMap<String, StoredRole> =
        stored.into_iter().map(|m| (m.key.clone(), m)).collect();
    let (mut insert, mut update, mut refused) = (Vec::new(), Vec::new(), Vec::new());
    for row in desired {
        match stored.remove(&row.key) {
            None => insert.push(row),
            Some(old) if row.matches(&old) => {}
            Some(old) => {
                // Only a change of scope can refuse grants the old catalogue allowed.
                // A stored scope edited to nonsense counts as changed.
                let scope = scope_of(row.scope);
                if old.scope != row.scope.as_str() && scope != RoleScope::Both {
                    refused.push(Refused {
                        key: row.key.clone(),
                        at_plants: scope == RoleScope::Tenant,
                        tenant_wide: scope == RoleScope::Plant,
                    });
                }
                update.push(row);
            }
        }
    }
    // What is left is no longer declared, in stored order.
    let mut gone: Vec<StoredRole> = stored.into_values().collect();
    gone.sort_by(|a, b| (a.position, &a.key).cmp(&(b.position, &b.key)));
    let delete: Vec<String> = gone.into_iter().map(|m| m.key).collect();
    // Removed roles first: theirs is the error a host most needs to see.
    let removed = delete.iter().map(|key| Refused {
        key: key.clone(),
        at_plants: true,
        tenant_wide: true,
    });
    refused.splice(0..0, removed);
    Plan {
        insert,
        update,
        delete,
        refused,
    }
}

/// The error for `count` grants of `refused` under [`MissingRoles::Refuse`].
fn refusal(catalogue: &RoleCatalogue, refused: &Refused, count: u64) -> Error {
    let role = RoleKey::new(&refused.key);
    match (catalogue.get(&refused.key), role) {
        (Some(declared), _) => Error::RoleGrantedOutOfScope {
            role: declared.key().clone(),
            allowed: declared.scope(),
            grants: count,
        },
        (None, Ok(role)) => Error::RoleStillGranted {
            role,
            grants: count,
        },
        // Grants are written from valid keys only; a row edited to match a bad key is a
        // stored-catalogue problem rather than a role to name.
        (None, Err(_)) => Error::Conflict("grants hold a stored role whose key is not valid"),
    }
}

fn keys(rows: &[RoleRow]) -> Result<Vec<RoleKey>> {
    rows.iter()
        .map(|row| RoleKey::new(&row.key).map_err(|_| Error::Internal))
        .collect()
}
