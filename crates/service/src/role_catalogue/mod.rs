//! The role catalogue: the roles a host declares at startup, checked once, and the questions
//! tenantry asks of them. Pure: no database.
//!
//! Each role has a stable [`RoleKey`] (what a grant stores), a display name, where it may be
//! granted ([`RoleScope`]), the roles it implies (a hierarchy without cycles), whether it
//! administers users, whether every new user gets it, and which roles its holder may grant
//! ([`Delegation`]). A linear order is one line:
//!
//! ```
//! use tenantry_service::{Grant, GrantScope, PlantId, RoleCatalogue, RoleDef, RoleKey, RoleScope};
//!
//! let catalogue = RoleCatalogue::ordered([
//!     ("operator", "Operator"),
//!     ("supervisor", "Supervisor"),
//!     ("engineer", "Engineer"),
//!     ("admin", "Administrator"),
//! ])
//! .role(
//!     RoleDef::new("plant_admin", "Plant administrator")
//!         .scope(RoleScope::Plant)
//!         .implies(["supervisor"])
//!         .grants_only(["supervisor"]),
//! )
//! .administrator("admin")
//! .exclusive_per_scope()
//! .build()?;
//!
//! let plant = PlantId(7);
//! let actor = [Grant::plant(RoleKey::new("plant_admin")?, plant)];
//! assert!(catalogue.may_change(&actor, &Grant::plant(RoleKey::new("operator")?, plant)));
//! assert!(!catalogue.may_change(&actor, &Grant::tenant(RoleKey::new("operator")?)));
//! assert!(catalogue.effective(&actor, GrantScope::Plant(plant)).contains("operator"));
//! # Ok::<(), tenantry_service::CatalogueError>(())
//! ```
//!
//! One concept a file: [`key`](RoleKey), [`scope`](RoleScope), the declaration ([`RoleDef`]),
//! the checked [`Role`], the builder ([`RoleCatalogueBuilder`]) and the [`RoleCatalogue`]'s
//! queries, the implication graph, and the typed layer for hosts ([`HostRole`]).

mod bits;
mod builder;
mod catalogue;
mod def;
mod error;
mod graph;
mod host;
mod key;
mod role;
mod scope;
#[cfg(test)]
mod tests;

pub use builder::{ROLE_CATALOGUE_MAX_ROLES, RoleCatalogueBuilder};
pub use catalogue::RoleCatalogue;
pub use def::RoleDef;
pub use error::CatalogueError;
pub use host::HostRole;
pub use key::{KeyProblem, ROLE_KEY_MAX_CHARS, RoleKey};
pub use role::{Delegation, Role};
pub use scope::{Grant, GrantScope, RoleScope};
