//! A role as the host declares it: plain strings, checked when the catalogue is built.

use super::RoleScope;
#[cfg(doc)]
use super::{Delegation, RoleCatalogue};

/// The declaration of one role, for [`RoleCatalogue::builder`].
///
/// Keys are plain strings here; [`build`](super::RoleCatalogueBuilder::build) checks them all
/// and reports the first problem as a typed error.
///
/// ```
/// use tenantry_service::{RoleDef, RoleScope};
///
/// let admin = RoleDef::new("admin", "Administrator")
///     .scope(RoleScope::Both)
///     .implies(["engineer"])
///     .administers_users()
///     .grants_all_except(["owner"]);
/// # drop(admin);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleDef {
    pub(super) key: String,
    pub(super) name: String,
    pub(super) scope: RoleScope,
    pub(super) implies: Vec<String>,
    pub(super) administers_users: bool,
    pub(super) default: bool,
    /// `None`: the default, [`Delegation::Everything`] for a role that administers users and
    /// [`Delegation::Nothing`] for any other.
    pub(super) grants: Option<Grants>,
}

/// A delegation as declared, with unchecked keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Grants {
    Everything,
    Only(Vec<String>),
    AllExcept(Vec<String>),
    Nothing,
}

impl RoleDef {
    /// A role with this key and display name, grantable tenant-wide and at a plant, implying
    /// nothing, not administering users, not a default role.
    pub fn new(key: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            name: name.into(),
            scope: RoleScope::Both,
            implies: Vec::new(),
            administers_users: false,
            default: false,
            grants: None,
        }
    }

    /// Where it may be granted (default: [`RoleScope::Both`]).
    #[must_use]
    pub fn scope(mut self, scope: RoleScope) -> Self {
        self.scope = scope;
        self
    }

    /// Adds roles it implies: its holder holds them too, wherever it holds this one.
    #[must_use]
    pub fn implies<K: Into<String>>(mut self, keys: impl IntoIterator<Item = K>) -> Self {
        self.implies.extend(keys.into_iter().map(Into::into));
        self
    }

    /// Marks it as administering users: what the last-admin guard keeps and admin routes
    /// check. Unless told otherwise, its holder may grant every role.
    #[must_use]
    pub fn administers_users(mut self) -> Self {
        self.administers_users = true;
        self
    }

    /// Makes it a default role: every new user is given it, tenant-wide.
    #[must_use]
    pub fn default_for_new_users(mut self) -> Self {
        self.default = true;
        self
    }

    /// Its holder may grant and revoke every role.
    #[must_use]
    pub fn grants_everything(mut self) -> Self {
        self.grants = Some(Grants::Everything);
        self
    }

    /// Its holder may grant and revoke these roles (and the roles they imply) only.
    #[must_use]
    pub fn grants_only<K: Into<String>>(mut self, keys: impl IntoIterator<Item = K>) -> Self {
        self.grants = Some(Grants::Only(keys.into_iter().map(Into::into).collect()));
        self
    }

    /// Its holder may grant and revoke every role but these (and the roles that imply them).
    #[must_use]
    pub fn grants_all_except<K: Into<String>>(mut self, keys: impl IntoIterator<Item = K>) -> Self {
        self.grants = Some(Grants::AllExcept(
            keys.into_iter().map(Into::into).collect(),
        ));
        self
    }

    /// Its holder may grant and revoke no role.
    #[must_use]
    pub fn grants_nothing(mut self) -> Self {
        self.grants = Some(Grants::Nothing);
        self
    }
}
