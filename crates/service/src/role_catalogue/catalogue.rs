//! The built catalogue and what it answers: effective roles, who holds a role, who administers
//! users, and who may change a grant.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Serialize, Serializer};

use super::bits::RoleSet;
use super::{CatalogueError, Grant, GrantScope, Role, RoleKey};

/// The roles a host declares at startup, checked once (keys, names, references, no cycle), with
/// the tables every query reads computed then: each role's closure (every role it implies,
/// itself included), its reverse (every role that implies it), whether it administers users
/// through the hierarchy, and what its holder may grant. A query is a lookup or a union of a
/// few of these.
///
/// Build one with [`RoleCatalogue::builder`], [`RoleCatalogue::ordered`] or
/// [`RoleCatalogue::flat`]; [`RoleCatalogue::default`] is tenantry's four ordered roles.
///
/// # Effective roles
///
/// A user's effective roles at a scope are the closure of the grants that count there: at a
/// plant, its tenant-wide grants and its grants at that plant; tenant-wide, its tenant-wide
/// grants only. In an ordered catalogue this is "the highest wins". A grant the catalogue would
/// refuse today (an unknown key, or a scope its role may not be granted at) confers nothing.
///
/// # Delegation
///
/// [`may_change`](Self::may_change) answers "may the actor grant or revoke this grant?": the
/// actor's effective roles at the target's scope (so a plant admin's grant at plant P counts
/// for targets at P only, and for no tenant-wide target) are each asked whether their
/// [`Delegation`](super::Delegation) allows the target's role; one yes is enough. A role that
/// administers users and declares no delegation allows every role; any other role, none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleCatalogue {
    pub(super) roles: Vec<Role>,
    pub(super) index: BTreeMap<RoleKey, usize>,
    pub(super) exclusive: bool,
    /// Per role: every role it implies, itself included.
    pub(super) closure: Vec<RoleSet>,
    /// Per role: every role that implies it, itself included.
    pub(super) implied_by: Vec<RoleSet>,
    /// Per role: whether it, or a role it implies, administers users.
    pub(super) administers: Vec<bool>,
    /// Per role: what its holder may grant and revoke, by its own delegation.
    pub(super) grantable: Vec<RoleSet>,
    pub(super) defaults: Vec<RoleKey>,
}

impl RoleCatalogue {
    /// The role with this key.
    pub fn get(&self, key: &str) -> Option<&Role> {
        self.at(key).map(|at| &self.roles[at])
    }

    /// Every role, in declaration order.
    pub fn roles(&self) -> &[Role] {
        &self.roles
    }

    /// Whether a user holds at most one role per scope
    /// ([`exclusive_per_scope`](super::RoleCatalogueBuilder::exclusive_per_scope)).
    pub fn is_exclusive(&self) -> bool {
        self.exclusive
    }

    /// The effective roles of a holder of `grants`: every role they imply, themselves
    /// included. Keys not in the catalogue confer nothing.
    ///
    /// ```
    /// # use tenantry_service::RoleCatalogue;
    /// let catalogue = RoleCatalogue::default();
    /// let effective = catalogue.closure(["supervisor"]);
    /// assert_eq!(effective.iter().map(|k| k.as_str()).collect::<Vec<_>>(), ["operator", "supervisor"]);
    /// ```
    pub fn closure<K: AsRef<str>>(&self, grants: impl IntoIterator<Item = K>) -> BTreeSet<RoleKey> {
        let mut set = RoleSet::empty(self.roles.len());
        for key in grants {
            if let Some(at) = self.at(key.as_ref()) {
                set.union_with(&self.closure[at]);
            }
        }
        self.keys(&set)
    }

    /// Every role a holder of `key` holds: `key` and every role it implies, in declaration
    /// order. Nothing for a key not in the catalogue.
    pub fn closure_of(&self, key: &str) -> impl Iterator<Item = &RoleKey> + Clone + '_ {
        self.members(&self.closure, key)
    }

    /// Every role whose holder holds `key`: `key` and every role that implies it, in declaration
    /// order. "Has `key`" is "holds one of these", so this is the `role_key IN (…)` list of a
    /// query for the users who hold `key`. Nothing for a key not in the catalogue.
    ///
    /// ```
    /// # use tenantry_service::{RoleCatalogue, RoleKey};
    /// let catalogue = RoleCatalogue::default();
    /// let holders: Vec<&str> = catalogue.implied_by("engineer").map(RoleKey::as_str).collect();
    /// assert_eq!(holders, ["engineer", "admin"]);
    /// ```
    pub fn implied_by(&self, key: &str) -> impl Iterator<Item = &RoleKey> + Clone + '_ {
        self.members(&self.implied_by, key)
    }

    /// Whether a holder of `key` administers users: `key` or a role it implies is declared to.
    /// False for a key not in the catalogue.
    pub fn administers_users(&self, key: &str) -> bool {
        self.at(key).is_some_and(|at| self.administers[at])
    }

    /// The roles given tenant-wide to every new user, in declaration order.
    pub fn defaults(&self) -> &[RoleKey] {
        &self.defaults
    }

    /// Checks that `key` may be granted at `scope`, and returns its role.
    ///
    /// # Errors
    ///
    /// [`CatalogueError::UnknownRole`] for a key not in the catalogue,
    /// [`CatalogueError::ScopeNotAllowed`] for a scope the role may not be granted at.
    pub fn check_grant(&self, key: &str, scope: GrantScope) -> Result<&Role, CatalogueError> {
        let role = self.get(key).ok_or_else(|| CatalogueError::UnknownRole {
            key: key.to_owned(),
        })?;
        if role.scope.allows(scope) {
            Ok(role)
        } else {
            Err(CatalogueError::ScopeNotAllowed {
                role: role.key.clone(),
                allowed: role.scope,
                requested: scope,
            })
        }
    }

    /// A user's effective roles at `at`, from all its grants (see the
    /// [type's docs](Self#effective-roles)).
    pub fn effective(&self, grants: &[Grant], at: GrantScope) -> BTreeSet<RoleKey> {
        self.keys(&self.effective_set(grants, at))
    }

    /// The roles `actor` may grant and revoke at `at` (see the [type's docs](Self#delegation)),
    /// what an admin screen offers.
    pub fn grantable(&self, actor: &[Grant], at: GrantScope) -> BTreeSet<RoleKey> {
        self.keys(&self.grantable_set(actor, at))
    }

    /// Whether `actor` (all its grants) may grant or revoke `target` (see the
    /// [type's docs](Self#delegation)). False for a target role not in the catalogue. Whether
    /// the target itself is a valid grant is [`check_grant`](Self::check_grant)'s question.
    pub fn may_change(&self, actor: &[Grant], target: &Grant) -> bool {
        self.at(&target.role)
            .is_some_and(|role| self.grantable_set(actor, target.scope).contains(role))
    }

    fn at(&self, key: &str) -> Option<usize> {
        self.index.get(key).copied()
    }

    /// The keys of `table`'s row for `key`, from the bits: a catalogue's tables stay a few
    /// words per role however deep its hierarchy.
    fn members<'a>(
        &'a self,
        table: &'a [RoleSet],
        key: &str,
    ) -> impl Iterator<Item = &'a RoleKey> + Clone + 'a {
        self.at(key)
            .into_iter()
            .flat_map(move |at| table[at].iter())
            .map(|at| &self.roles[at].key)
    }

    fn keys(&self, set: &RoleSet) -> BTreeSet<RoleKey> {
        set.iter().map(|at| self.roles[at].key.clone()).collect()
    }

    /// The closure of the grants that count at `at`, skipping grants the catalogue refuses.
    fn effective_set(&self, grants: &[Grant], at: GrantScope) -> RoleSet {
        let mut set = RoleSet::empty(self.roles.len());
        for grant in grants {
            if grant.scope != GrantScope::Tenant && grant.scope != at {
                continue;
            }
            if let Some(role) = self.at(&grant.role)
                && self.roles[role].scope.allows(grant.scope)
            {
                set.union_with(&self.closure[role]);
            }
        }
        set
    }

    fn grantable_set(&self, actor: &[Grant], at: GrantScope) -> RoleSet {
        let mut set = RoleSet::empty(self.roles.len());
        for role in self.effective_set(actor, at).iter() {
            set.union_with(&self.grantable[role]);
        }
        set
    }
}

/// `{"exclusive_per_scope":true,"roles":[…]}`, each role as [`Role`] serializes.
impl Serialize for RoleCatalogue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Shape<'a> {
            exclusive_per_scope: bool,
            roles: &'a [Role],
        }
        Shape {
            exclusive_per_scope: self.exclusive,
            roles: &self.roles,
        }
        .serialize(serializer)
    }
}
