//! The entities under short names, for `use tenantry_entity::prelude::*`.

pub use crate::audit_events::Entity as AuditEvents;
pub use crate::plants::Entity as Plants;
pub use crate::tenants::Entity as Tenants;
pub use crate::user_plant_roles::Entity as UserPlantRoles;
pub use crate::users::Entity as Users;
pub use crate::{PlantId, SecretHash, TenantId, TenantStatus, UserId, UserRole, UserStatus};
