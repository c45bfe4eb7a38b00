//! The entities under short names, for `use tenantry_entity::prelude::*`.

pub use crate::audit_events::Entity as AuditEvents;
pub use crate::credential_tokens::Entity as CredentialTokens;
pub use crate::login_events::Entity as LoginEvents;
pub use crate::plants::Entity as Plants;
pub use crate::role_catalogue::Entity as RoleCatalogue;
pub use crate::roles::Entity as Roles;
pub use crate::scim_tokens::Entity as ScimTokens;
pub use crate::session_usage::Entity as SessionUsage;
pub use crate::sessions::Entity as Sessions;
pub use crate::tenants::Entity as Tenants;
pub use crate::user_identities::Entity as UserIdentities;
pub use crate::user_plant_roles::Entity as UserPlantRoles;
pub use crate::user_tenant_roles::Entity as UserTenantRoles;
pub use crate::users::Entity as Users;
pub use crate::{
    LoginOutcome, LoginSource, PlantId, RoleScopeValue, SecretHash, TenantId, TenantStatus,
    TokenPurpose, UserId, UserRole, UserStatus,
};
