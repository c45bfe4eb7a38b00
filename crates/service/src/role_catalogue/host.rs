//! The typed layer: a host's own role enum, mapped to catalogue keys, so host code checks roles
//! without strings; and tenantry's own [`UserRole`] as the default catalogue.

use std::collections::BTreeSet;

use tenantry_entity::UserRole;

use super::{CatalogueError, RoleCatalogue, RoleKey};

/// A host's enum of roles, each mapped to its catalogue key.
///
/// ```
/// use tenantry_service::{HostRole, RoleCatalogue};
///
/// #[derive(Clone, Copy, PartialEq, Eq, Debug)]
/// enum Role { Viewer, Editor }
///
/// impl HostRole for Role {
///     fn key(&self) -> &'static str {
///         match self { Role::Viewer => "viewer", Role::Editor => "editor" }
///     }
///     fn all() -> &'static [Self] {
///         &[Role::Viewer, Role::Editor]
///     }
/// }
///
/// let catalogue = RoleCatalogue::ordered([("viewer", "Viewer"), ("editor", "Editor")]).build()?;
/// catalogue.check_host_roles::<Role>()?; // at startup: every variant is in the catalogue
/// let effective = catalogue.closure([Role::Editor.key()]);
/// assert!(Role::Viewer.held_in(&effective));
/// assert_eq!(Role::from_key("editor"), Some(Role::Editor));
/// # Ok::<(), tenantry_service::CatalogueError>(())
/// ```
pub trait HostRole: Sized + Copy + 'static {
    /// Its key in the catalogue.
    fn key(&self) -> &'static str;

    /// Every variant.
    fn all() -> &'static [Self];

    /// The variant whose key is `key`, if any.
    fn from_key(key: &str) -> Option<Self> {
        Self::all().iter().copied().find(|role| role.key() == key)
    }

    /// Whether it is one of `effective` (from [`RoleCatalogue::closure`] or
    /// [`RoleCatalogue::effective`]).
    fn held_in(&self, effective: &BTreeSet<RoleKey>) -> bool {
        effective.contains(self.key())
    }
}

impl HostRole for UserRole {
    /// The string it is stored as: `operator`, `supervisor`, `engineer`, `admin`.
    fn key(&self) -> &'static str {
        match self {
            Self::Operator => "operator",
            Self::Supervisor => "supervisor",
            Self::Engineer => "engineer",
            Self::Admin => "admin",
        }
    }

    fn all() -> &'static [Self] {
        &[
            Self::Operator,
            Self::Supervisor,
            Self::Engineer,
            Self::Admin,
        ]
    }
}

impl RoleCatalogue {
    /// Checks that every variant of `R` is a role of the catalogue, so typed checks cannot miss
    /// a role by a typo: call it once at startup.
    ///
    /// # Errors
    ///
    /// [`CatalogueError::UnknownRole`] for the first variant whose key is not in the catalogue.
    pub fn check_host_roles<R: HostRole>(&self) -> Result<(), CatalogueError> {
        match R::all().iter().find(|role| self.get(role.key()).is_none()) {
            Some(role) => Err(CatalogueError::UnknownRole {
                key: role.key().to_owned(),
            }),
            None => Ok(()),
        }
    }
}

/// Tenantry's four roles as it has always had them: `operator < supervisor < engineer <
/// admin` ([`UserRole`]), each grantable tenant-wide and at a plant, `admin` administering
/// users (and so granting every role), one role per user per scope, no default role.
impl Default for RoleCatalogue {
    fn default() -> Self {
        let built = RoleCatalogue::ordered([
            (UserRole::Operator.key(), "Operator"),
            (UserRole::Supervisor.key(), "Supervisor"),
            (UserRole::Engineer.key(), "Engineer"),
            (UserRole::Admin.key(), "Administrator"),
        ])
        .administrator(UserRole::Admin.key())
        .exclusive_per_scope()
        .build();
        match built {
            Ok(catalogue) => catalogue,
            // Fixed, valid input: the unit tests build it.
            Err(error) => unreachable!("the default role catalogue is invalid: {error}"),
        }
    }
}
