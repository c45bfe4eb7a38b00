//! Reading the role catalogue back from the database, for code that does not have the host's
//! declaration (the CLI, the admin API): [`load_role_catalogue`].

use super::detached;
use super::role_catalogue_rows::{StoredRole, scope_of, stored_roles};
use crate::error::{Error, Result};
use crate::role_catalogue::{CatalogueError, Delegation, RoleCatalogue, RoleDef, RoleKey};
use sea_orm::{DatabaseConnection, EntityTrait};
use std::str::FromStr;
use tenantry_entity::{RoleScopeValue, role_catalogue};

/// Why the role catalogue stored in the database cannot be read back: a row edited by hand, or
/// tables emptied. Its `Display` names rows by position and column, never by their text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoredCatalogueError {
    /// `role_catalogue` has no row (reconciling at startup writes it again).
    #[error("the role_catalogue table has no row")]
    NoSettings,
    /// A column of a `roles` row does not hold what it should.
    #[error("the role at position {position}: its {column} is not {expected}")]
    BadColumn {
        /// The row's `position`.
        position: i32,
        /// The column.
        column: &'static str,
        /// What it should hold.
        expected: &'static str,
    },
    /// Every row reads, but together they are not a valid catalogue (no role, a cycle, an
    /// implied role that has no row, …).
    #[error("{0}")]
    Catalogue(CatalogueError),
}

/// The role catalogue stored in the database: the `roles` rows in `position` order and the
/// `role_catalogue` row, rebuilt and checked as [`RoleCatalogueBuilder::build`] checks a
/// declaration. After [`crate::sync_role_catalogue`] it equals the catalogue synced.
///
/// Each role's delegation is stored resolved, so a role that declared none comes back with the
/// one it defaulted to, which makes the same catalogue.
///
/// # Errors
///
/// [`Error::StoredCatalogue`] when a row does not read (an invalid key, scope or JSON) or the
/// rows do not make a valid catalogue; [`Error::Database`].
///
/// [`RoleCatalogueBuilder::build`]: crate::RoleCatalogueBuilder::build
pub async fn load_role_catalogue(db: &DatabaseConnection) -> Result<RoleCatalogue> {
    let db = db.clone();
    detached(async move { load(&db).await }).await
}

async fn load(db: &DatabaseConnection) -> Result<RoleCatalogue> {
    let settings = role_catalogue::Entity::find_by_id(role_catalogue::ROW_ID)
        .one(db)
        .await?
        .ok_or(Error::StoredCatalogue(StoredCatalogueError::NoSettings))?;
    let rows = stored_roles(db, false).await?;
    let mut builder = RoleCatalogue::builder();
    for row in rows {
        builder = builder.role(declaration(row).map_err(Error::StoredCatalogue)?);
    }
    if settings.exclusive_per_scope {
        builder = builder.exclusive_per_scope();
    }
    builder
        .build()
        .map_err(|e| Error::StoredCatalogue(StoredCatalogueError::Catalogue(e)))
}

/// The declaration a row stands for, each column checked.
fn declaration(row: StoredRole) -> Result<RoleDef, StoredCatalogueError> {
    let bad = |column, expected| StoredCatalogueError::BadColumn {
        position: row.position,
        column,
        expected,
    };
    let key = RoleKey::new(&row.key).map_err(|_| bad("key", "a valid role key"))?;
    let scope = RoleScopeValue::from_str(&row.scope)
        .map(scope_of)
        .map_err(|_| bad("scope", "tenant, plant or both"))?;
    let implies: Vec<RoleKey> = serde_json::from_str(&row.implies)
        .map_err(|_| bad("implies", "a JSON array of role keys"))?;
    let delegation: Delegation =
        serde_json::from_str(&row.grants).map_err(|_| bad("grants", "a delegation in JSON"))?;
    let mut def = RoleDef::new(String::from(key), row.name)
        .scope(scope)
        .implies(implies.into_iter().map(String::from));
    if row.administers_users {
        def = def.administers_users();
    }
    if row.is_default {
        def = def.default_for_new_users();
    }
    Ok(delegate(def, delegation))
}

/// `def` with `delegation` declared explicitly.
fn delegate(def: RoleDef, delegation: Delegation) -> RoleDef {
    let strings = |keys: Vec<RoleKey>| keys.into_iter().map(String::from);
    match delegation {
        Delegation::Everything => def.grants_everything(),
        Delegation::Nothing => def.grants_nothing(),
        Delegation::Only(keys) => def.grants_only(strings(keys)),
        Delegation::AllExcept(keys) => def.grants_all_except(strings(keys)),
    }
}
