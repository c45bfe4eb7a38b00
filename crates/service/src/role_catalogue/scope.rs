//! Where a role may be granted, and where one grant sits.

use std::fmt;

use serde::{Deserialize, Serialize};
use tenantry_entity::PlantId;

use super::RoleKey;

/// Where a role may be granted: what the catalogue declares for it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleScope {
    /// Only tenant-wide (a role of a service without plants, or an owner).
    Tenant,
    /// Only at a plant (a plant administrator).
    Plant,
    /// Tenant-wide and at a plant: today's roles, and the default.
    #[default]
    Both,
}

impl RoleScope {
    /// Whether a grant at `scope` is allowed.
    pub fn allows(self, scope: GrantScope) -> bool {
        matches!(
            (self, scope),
            (Self::Both, _)
                | (Self::Tenant, GrantScope::Tenant)
                | (Self::Plant, GrantScope::Plant(_))
        )
    }
}

impl fmt::Display for RoleScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Tenant => "tenant-wide",
            Self::Plant => "at a plant",
            Self::Both => "tenant-wide or at a plant",
        })
    }
}

/// Where one grant sits: across the whole tenant, or at one plant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantScope {
    /// Across the tenant, at every plant.
    Tenant,
    /// At this plant only.
    Plant(PlantId),
}

impl fmt::Display for GrantScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Tenant => f.write_str("tenant-wide"),
            Self::Plant(plant) => write!(f, "at plant {plant}"),
        }
    }
}

/// One role held by a user at one scope.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Grant {
    /// The role.
    pub role: RoleKey,
    /// Where it is held.
    pub scope: GrantScope,
}

impl Grant {
    /// `role` across the tenant.
    pub fn tenant(role: RoleKey) -> Self {
        Self {
            role,
            scope: GrantScope::Tenant,
        }
    }

    /// `role` at `plant`.
    pub fn plant(role: RoleKey, plant: PlantId) -> Self {
        Self {
            role,
            scope: GrantScope::Plant(plant),
        }
    }

    /// Tenant-wide roles, then roles at plants, as grants.
    pub(crate) fn all<'a, C: FromIterator<Grant>>(
        tenant: impl IntoIterator<Item = &'a RoleKey>,
        plants: impl IntoIterator<Item = (PlantId, &'a RoleKey)>,
    ) -> C {
        let tenant = tenant.into_iter().map(|role| Self::tenant(role.clone()));
        let plants = plants
            .into_iter()
            .map(|(plant, role)| Self::plant(role.clone(), plant));
        tenant.chain(plants).collect()
    }
}
