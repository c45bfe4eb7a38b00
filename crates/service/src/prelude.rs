//! The traits a host calls the repository through, in one import:
//! `use tenantry_service::prelude::*;`.

#[cfg(feature = "passkeys")]
pub use crate::api::Passkeys;
pub use crate::api::{
    AuditLog, Credentials, DirectoryGroups, Dormancy, Identities, IdentityProviders, Imports,
    Invitations, Logins, Plants, Roles, ScimDirectory, ScimTokens, SecondFactors, SessionUsers,
    Sessions, Tenants, TokenSender, UserRepository, Users,
};
/// Role keys of a host's enum (and of tenantry's own `UserRole`).
pub use crate::role_catalogue::HostRole;
