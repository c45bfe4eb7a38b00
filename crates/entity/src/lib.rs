//! SeaORM entities of tenantry's user store.
//!
//! One file per table, in SeaORM 2.0's dense format: tenants, their plants (sites), their users,
//! the per-plant roles that tie a user to a plant, credentials (one-time tokens, external
//! identities), login history, the audit trail, database sessions (`sessions`, with what pruning
//! keeps in `session_usage`), SCIM bearer tokens (`scim_tokens`), and the role catalogue (`roles`, `role_catalogue`). Row ids are newtypes ([`TenantId`],
//! [`PlantId`], [`UserId`]) so a plant id can never be passed where a user id is wanted.
//!
//! Hosts normally use these through `tenantry-service`; the entities are public so a host can
//! write its own read queries against tenantry's tables.
//!
//! Secrets: [`users::Model`] holds a password hash as a [`SecretHash`], whose `Debug` prints
//! `[redacted]` and which does not implement `Serialize`; no model derives `Serialize`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod enums;
mod ids;
mod login_source;
mod secret;

pub mod audit_events;
pub mod authenticators;
pub mod credential_tokens;
pub mod group_members;
pub mod groups;
pub mod identity_providers;
pub mod keys;
pub mod login_challenges;
pub mod login_events;
pub mod plants;
pub mod prelude;
pub mod recovery_codes;
pub mod role_catalogue;
pub mod roles;
pub mod scim_tokens;
pub mod second_factor_policies;
pub mod session_usage;
pub mod sessions;
pub mod skeleton;
pub mod tenant_locks;
pub mod tenants;
pub mod user_identities;
pub mod user_plant_roles;
pub mod user_tenant_roles;
pub mod users;

pub use enums::{
    AuditAction, LoginOutcome, ParseEnumError, RoleScopeValue, TenantStatus, TokenPurpose,
    UserRole, UserStatus,
};
pub use ids::{PlantId, TenantId, UserId};
pub use login_source::{InvalidLoginSource, LoginSource};
pub use secret::{SealedSecret, SecretHash};
