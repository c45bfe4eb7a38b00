//! A role as the catalogue holds it, checked: what [`RoleCatalogue::get`] returns.

use serde::{Deserialize, Serialize};

#[cfg(doc)]
use super::{RoleCatalogue, RoleDef};
use super::{RoleKey, RoleScope};

/// Which roles the holder of a role may grant and revoke.
///
/// Serializes as `"everything"`, `"nothing"`, `{"only":[…]}` or `{"all_except":[…]}`, and
/// deserializes from the same (checking every key), which is how the `roles` table stores it.
///
/// Granting a role hands out everything it implies, so the catalogue reads a delegation through
/// the hierarchy: [`Only`](Self::Only) also allows the roles its keys imply (a plant admin who
/// may grant `supervisor` may grant `operator`), and [`AllExcept`](Self::AllExcept) also
/// excludes every role that implies an excluded one (a tenant admin who may not grant `owner`
/// may not grant a role above `owner` either).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delegation {
    /// Every role of the catalogue.
    Everything,
    /// These roles, and what they imply.
    Only(Vec<RoleKey>),
    /// Every role but these and the roles that imply them.
    AllExcept(Vec<RoleKey>),
    /// No role.
    Nothing,
}

/// One role of a built catalogue: its declaration ([`RoleDef`]), checked.
///
/// Serializes flat, for `GET /api/roles` and the CLI's `--json`:
/// `{"key":"admin","name":"Administrator","scope":"both","implies":["engineer"],
/// "administers_users":true,"default":false,"grants":"everything"}`. `implies` and
/// `administers_users` are as declared; [`RoleCatalogue`] answers for the whole hierarchy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Role {
    pub(super) key: RoleKey,
    pub(super) name: String,
    pub(super) scope: RoleScope,
    pub(super) implies: Vec<RoleKey>,
    pub(super) administers_users: bool,
    pub(super) default: bool,
    #[serde(rename = "grants")]
    pub(super) delegation: Delegation,
}

impl Role {
    /// The stable key grants store.
    pub fn key(&self) -> &RoleKey {
        &self.key
    }

    /// The name shown to people.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where it may be granted.
    pub fn scope(&self) -> RoleScope {
        self.scope
    }

    /// The roles it implies directly, as declared (see [`RoleCatalogue::closure_of`] for all
    /// of them).
    pub fn implies(&self) -> &[RoleKey] {
        &self.implies
    }

    /// Whether it is declared to administer users (see [`RoleCatalogue::administers_users`],
    /// which also counts the roles it implies).
    pub fn administers_users(&self) -> bool {
        self.administers_users
    }

    /// Whether every new user is given it, tenant-wide.
    pub fn is_default(&self) -> bool {
        self.default
    }

    /// Which roles its holder may grant and revoke, as declared or defaulted.
    pub fn delegation(&self) -> &Delegation {
        &self.delegation
    }
}
