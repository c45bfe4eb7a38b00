//! Declaring a catalogue and checking it once: every key, name, reference and the hierarchy.

use std::collections::BTreeMap;

use super::bits::RoleSet;
use super::def::Grants;
use super::{
    CatalogueError, Delegation, GrantScope, Role, RoleCatalogue, RoleDef, RoleKey, RoleScope, graph,
};
use crate::validation;

/// The most roles a catalogue may declare. Its tables take a bit per pair of roles, and no
/// host needs more than a few dozen roles.
pub const ROLE_CATALOGUE_MAX_ROLES: usize = 1000;

/// Declares a [`RoleCatalogue`]: roles in order, then [`build`](Self::build).
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct RoleCatalogueBuilder {
    roles: Vec<RoleDef>,
    exclusive: bool,
    /// The first builder call that named a role not declared, reported by `build`.
    unknown: Option<String>,
}

impl RoleCatalogue {
    /// An empty declaration: add roles with [`role`](RoleCatalogueBuilder::role).
    pub fn builder() -> RoleCatalogueBuilder {
        RoleCatalogueBuilder::default()
    }

    /// A linear order, lowest first, as `(key, name)` pairs: each role implies the one before
    /// it. Say which administers users with [`administrator`](RoleCatalogueBuilder::administrator).
    ///
    /// ```
    /// use tenantry_service::RoleCatalogue;
    ///
    /// let catalogue = RoleCatalogue::ordered([
    ///     ("viewer", "Viewer"),
    ///     ("editor", "Editor"),
    ///     ("admin", "Administrator"),
    /// ])
    /// .administrator("admin")
    /// .build()?;
    /// assert!(catalogue.closure(["editor"]).contains("viewer"));
    /// # Ok::<(), tenantry_service::CatalogueError>(())
    /// ```
    pub fn ordered<K, N>(roles: impl IntoIterator<Item = (K, N)>) -> RoleCatalogueBuilder
    where
        K: Into<String>,
        N: Into<String>,
    {
        let mut builder = Self::builder();
        let mut below: Option<String> = None;
        for (key, name) in roles {
            let key = key.into();
            let def = RoleDef::new(key.clone(), name).implies(below.replace(key));
            builder = builder.role(def);
        }
        builder
    }

    /// Roles that imply nothing, as `(key, name)` pairs: a user holds several at once.
    pub fn flat<K, N>(roles: impl IntoIterator<Item = (K, N)>) -> RoleCatalogueBuilder
    where
        K: Into<String>,
        N: Into<String>,
    {
        Self::builder().roles(roles.into_iter().map(|(key, name)| RoleDef::new(key, name)))
    }
}

impl RoleCatalogueBuilder {
    /// Adds a role after those already declared.
    pub fn role(mut self, role: RoleDef) -> Self {
        self.roles.push(role);
        self
    }

    /// Adds roles after those already declared.
    pub fn roles(mut self, roles: impl IntoIterator<Item = RoleDef>) -> Self {
        self.roles.extend(roles);
        self
    }

    /// One role per user per scope: granting a role at a scope replaces the user's role there
    /// (the SPC tool's model). Without it a user holds any number of roles at a scope.
    pub fn exclusive_per_scope(mut self) -> Self {
        self.exclusive = true;
        self
    }

    /// Changes the declared role `key`, for catalogues declared with
    /// [`ordered`](RoleCatalogue::ordered) or [`flat`](RoleCatalogue::flat):
    /// `.amend("owner", |role| role.scope(RoleScope::Tenant))`. A key not declared (yet) is
    /// reported by [`build`](Self::build) as [`CatalogueError::UnknownRole`].
    pub fn amend(mut self, key: &str, change: impl FnOnce(RoleDef) -> RoleDef) -> Self {
        match self.roles.iter().position(|role| role.key == key) {
            Some(at) => {
                let role = self.roles.remove(at);
                self.roles.insert(at, change(role));
            }
            None => {
                self.unknown.get_or_insert_with(|| key.to_owned());
            }
        }
        self
    }

    /// Marks the role `key` as administering users ([`RoleDef::administers_users`]).
    pub fn administrator(self, key: &str) -> Self {
        self.amend(key, RoleDef::administers_users)
    }

    /// Makes the role `key` a default role ([`RoleDef::default_for_new_users`]).
    pub fn default_role(self, key: &str) -> Self {
        self.amend(key, RoleDef::default_for_new_users)
    }

    /// Sets where every role declared so far may be granted (a service without plants:
    /// [`RoleScope::Tenant`]).
    pub fn scope_all(mut self, scope: RoleScope) -> Self {
        for role in &mut self.roles {
            role.scope = scope;
        }
        self
    }

    /// Checks the declaration and computes the tables every query reads.
    ///
    /// # Errors
    ///
    /// The first problem found, checked in this order: no role ([`CatalogueError::Empty`]) or
    /// more than [`ROLE_CATALOGUE_MAX_ROLES`]; in declaration order, a key that is invalid or
    /// declared twice; a builder call naming an undeclared role; an invalid name; an implied or
    /// delegated key not declared; a cycle of implications; a default role that may not be
    /// granted tenant-wide; several default roles in an exclusive catalogue.
    pub fn build(self) -> Result<RoleCatalogue, CatalogueError> {
        if self.roles.is_empty() {
            return Err(CatalogueError::Empty);
        }
        if self.roles.len() > ROLE_CATALOGUE_MAX_ROLES {
            return Err(CatalogueError::TooManyRoles {
                count: self.roles.len(),
            });
        }
        let (index, keys) = index(&self.roles)?;
        if let Some(key) = self.unknown {
            return Err(CatalogueError::UnknownRole { key });
        }
        for (role, key) in self.roles.iter().zip(&keys) {
            validation::name(&role.name).map_err(|rule| CatalogueError::InvalidName {
                role: key.clone(),
                rule,
            })?;
        }
        let resolve = Resolver {
            index: &index,
            keys: &keys,
        };
        let mut implies = Vec::with_capacity(keys.len());
        let mut grants = Vec::with_capacity(keys.len());
        for (at, role) in self.roles.iter().enumerate() {
            implies.push(resolve.all(at, &role.implies, unknown_implied)?);
            grants.push(resolve.grants(at, role)?);
        }
        let closure = graph::closure(&implies).map_err(|cycle| CatalogueError::Cycle {
            roles: cycle.into_iter().map(|at| keys[at].clone()).collect(),
        })?;
        let implied_by = graph::reverse(&closure);

        let defaults = defaults(&self.roles, &keys, self.exclusive)?;

        let n = keys.len();
        let administers = closure
            .iter()
            .map(|implied| implied.iter().any(|at| self.roles[at].administers_users))
            .collect();
        let grantable = grants
            .iter()
            .map(|grants| grantable(n, grants, &closure, &implied_by))
            .collect();
        let roles = (self.roles.into_iter().zip(implies).zip(grants))
            .enumerate()
            .map(|(at, ((role, implies), grants))| Role {
                key: keys[at].clone(),
                name: role.name,
                scope: role.scope,
                implies: implies.iter().map(|&i| keys[i].clone()).collect(),
                administers_users: role.administers_users,
                default: role.default,
                delegation: grants.into_delegation(&keys),
            })
            .collect();
        Ok(RoleCatalogue {
            roles,
            index,
            exclusive: self.exclusive,
            closure,
            implied_by,
            administers,
            grantable,
            defaults,
        })
    }
}

/// Every role's key, checked, and the index of each in declaration order.
fn index(roles: &[RoleDef]) -> Result<(BTreeMap<RoleKey, usize>, Vec<RoleKey>), CatalogueError> {
    let mut index = BTreeMap::new();
    let mut keys = Vec::with_capacity(roles.len());
    for (at, role) in roles.iter().enumerate() {
        let key = RoleKey::new(&role.key)?;
        if index.insert(key.clone(), at).is_some() {
            return Err(CatalogueError::DuplicateKey { key });
        }
        keys.push(key);
    }
    Ok((index, keys))
}

/// The default roles, each grantable tenant-wide (where it is given), and at most one in an
/// exclusive catalogue (a new user holds one role per scope there).
fn defaults(
    roles: &[RoleDef],
    keys: &[RoleKey],
    exclusive: bool,
) -> Result<Vec<RoleKey>, CatalogueError> {
    let mut defaults = Vec::new();
    for (role, key) in roles.iter().zip(keys).filter(|(role, _)| role.default) {
        if !role.scope.allows(GrantScope::Tenant) {
            return Err(CatalogueError::DefaultNotTenantWide { role: key.clone() });
        }
        defaults.push(key.clone());
    }
    if exclusive && defaults.len() > 1 {
        return Err(CatalogueError::SeveralExclusiveDefaults { roles: defaults });
    }
    Ok(defaults)
}

/// A delegation with its keys resolved to indexes.
enum Resolved {
    Everything,
    Only(Vec<usize>),
    AllExcept(Vec<usize>),
    Nothing,
}

impl Resolved {
    fn into_delegation(self, keys: &[RoleKey]) -> Delegation {
        let keys_of = |at: Vec<usize>| at.into_iter().map(|i| keys[i].clone()).collect();
        match self {
            Self::Everything => Delegation::Everything,
            Self::Only(at) => Delegation::Only(keys_of(at)),
            Self::AllExcept(at) => Delegation::AllExcept(keys_of(at)),
            Self::Nothing => Delegation::Nothing,
        }
    }
}

/// What a holder of a role with delegation `grants` may grant: granting a role hands out what
/// it implies, so `Only` reaches down the hierarchy and `AllExcept` also shuts out the roles
/// above an excluded one (otherwise "anything but owner" would allow a role that implies owner).
fn grantable(n: usize, grants: &Resolved, closure: &[RoleSet], implied_by: &[RoleSet]) -> RoleSet {
    match grants {
        Resolved::Everything => RoleSet::full(n),
        Resolved::Nothing => RoleSet::empty(n),
        Resolved::Only(roles) => {
            let mut set = RoleSet::empty(n);
            for &role in roles {
                set.union_with(&closure[role]);
            }
            set
        }
        Resolved::AllExcept(roles) => {
            let mut set = RoleSet::full(n);
            for &role in roles {
                for above in implied_by[role].iter() {
                    set.remove(above);
                }
            }
            set
        }
    }
}

fn unknown_implied(role: RoleKey, implied: RoleKey) -> CatalogueError {
    CatalogueError::UnknownImplied { role, implied }
}

fn unknown_delegated(role: RoleKey, delegated: RoleKey) -> CatalogueError {
    CatalogueError::UnknownDelegated { role, delegated }
}

/// Turns the declared keys a role names into indexes.
struct Resolver<'a> {
    index: &'a BTreeMap<RoleKey, usize>,
    keys: &'a [RoleKey],
}

impl Resolver<'_> {
    /// The indexes of `names`, each once, in the order first named.
    fn all(
        &self,
        role: usize,
        names: &[String],
        unknown: fn(RoleKey, RoleKey) -> CatalogueError,
    ) -> Result<Vec<usize>, CatalogueError> {
        let mut found = Vec::with_capacity(names.len());
        let mut seen = RoleSet::empty(self.keys.len());
        for name in names {
            let key = RoleKey::new(name)?;
            let at = match self.index.get(&key) {
                Some(&at) => at,
                None => return Err(unknown(self.keys[role].clone(), key)),
            };
            if !seen.contains(at) {
                seen.insert(at);
                found.push(at);
            }
        }
        Ok(found)
    }

    /// The role's delegation, defaulted from whether it administers users.
    fn grants(&self, at: usize, role: &RoleDef) -> Result<Resolved, CatalogueError> {
        Ok(match &role.grants {
            None if role.administers_users => Resolved::Everything,
            None => Resolved::Nothing,
            Some(Grants::Everything) => Resolved::Everything,
            Some(Grants::Nothing) => Resolved::Nothing,
            Some(Grants::Only(names)) => Resolved::Only(self.all(at, names, unknown_delegated)?),
            Some(Grants::AllExcept(names)) => {
                Resolved::AllExcept(self.all(at, names, unknown_delegated)?)
            }
        })
    }
}
