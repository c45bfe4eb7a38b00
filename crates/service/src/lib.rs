//! tenantry's user store: tenants, plants, users, per-plant roles, credentials and an audit
//! trail, behind small async traits per concern ([`api`]) that [`UserRepository`] gathers,
//! implemented on SeaORM by
//! [`SeaOrmUserRepository`] for SQLite, PostgreSQL and MySQL/MariaDB.
//!
//! A host needs this one dependency: it re-exports the entities ([`entity`]) and the
//! migrations ([`migration`]).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use tenantry_service::{Config, SeaOrmUserRepository};
//! let db = tenantry_service::connect("sqlite::memory:").await?;
//! tenantry_service::migrate(&db).await?;
//! let repository = SeaOrmUserRepository::new(db, Config::default())?;
//! # drop(repository); Ok(()) }
//! ```
//!
//! The pure parts — [`validation`], [`normalize`], the [`password_policy`], [`hashing`], the
//! [`token_codec`] and the [`role_catalogue`] — need no database and are shared by any implementation of the trait.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod api;
#[cfg(feature = "axum-login")]
pub mod axum_login;
pub mod clock;
pub mod config;
mod cursor;
mod error;
pub mod hashing;
mod inputs;
pub mod normalize;
#[cfg(feature = "passkeys")]
pub mod passkey_config;
pub mod password_policy;
pub mod prelude;
pub mod profile_rules;
mod recovery_code;
mod redacted;
pub mod role_catalogue;
mod sealing;
pub mod second_factor_config;
mod second_factor_types;
#[cfg(feature = "tower-sessions")]
pub mod session_meta;
#[cfg(feature = "tower-sessions")]
pub mod session_store;
mod store;
mod tenant_scope;
pub mod token_codec;
mod totp;
mod user_filter;
pub mod validation;
mod views;

pub use api::{
    AuditAction, AuditLog, Credentials, Dormancy, Identities, IdentityProviders, ImportProgress,
    ImportStage, Imports, Invitations, Logins, Plants, Problem, Roles, RowProblem, ScimTokenView,
    ScimTokens, SecondFactors, SessionUsage, SessionUsers, SessionView, Sessions, Tenants,
    TokenDelivery, TokenSender, UserRepository, Users,
};
#[cfg(feature = "passkeys")]
pub use api::{PasskeyChallenge, PasskeyView, Passkeys};
pub use config::{Config, MissingRoles};
pub use cursor::Cursor;
pub use error::{Error, IdentityRefusal, Result};
pub use inputs::{
    Actor, HostPlant, IdentityProviderPolicy, IdentityUser, ImportedUser, Invitation, KeysetQuery,
    LoginContext, LoginOf, NewIdentity, NewPlant, NewTenant, NewUser, PageRequest, PlantChanges,
    PlantRole, ProviderClaims, RoleSet, SearchMode, UserFilter, UserOrder, UserQuery, UserUpdate,
};
pub use password_policy::{ImportedHash, Password};
pub use recovery_code::RecoveryCodes;
pub use role_catalogue::{
    CatalogueError, Delegation, Grant, GrantScope, HostRole, Role, RoleCatalogue,
    RoleCatalogueBuilder, RoleDef, RoleKey, RoleScope,
};
pub use second_factor_config::{InvalidSealingKey, SealingKey, SealingKeys, SecondFactorConfig};
pub use second_factor_types::{
    AuthenticatorView, FactorKind, SecondFactorPolicy, SecondFactorProof, ShownOnce, TotpEnrolment,
};
// The modules' former names, kept so that hosts' (and the crate's own) imports still compile.
#[doc(hidden)]
pub use password_policy as password;
pub use store::{
    CatalogueSync, IMPORT_BATCH, SeaOrmUserRepository, StoredCatalogueError, load_role_catalogue,
    sync_role_catalogue,
};
pub use tenant_scope::{DEFAULT_TENANT_SLUG, TenantScope};
pub use tenantry_entity as entity;
pub use tenantry_entity::{
    InvalidLoginSource, LoginOutcome, LoginSource, PlantId, TenantId, TenantStatus, TokenPurpose,
    UserId, UserRole, UserStatus,
};
pub use tenantry_migration as migration;
pub use tenantry_migration::connect;
#[doc(hidden)]
pub use token_codec as tokens;
pub use views::{
    AuditEventView, AuthenticatedUser, IdentityProviderView, IdentitySignIn, IdentityView,
    InvitedUser, IssuedToken, KeysetPage, LoginEventView, Page, PlantMember, PlantRoleView,
    PlantView, RoleHolder, SecondStep, SignIn, SignInPath, TenantView, UserView,
};
/// webauthn-rs, whose types the [`Passkeys`] methods take and return (feature `passkeys`).
#[cfg(feature = "passkeys")]
pub use webauthn_rs;

/// Applies tenantry's pending migrations (history in `tenantry_migrations`).
///
/// Like every repository call, it runs in a task of its own: dropping this future (a startup
/// timeout) leaves the migrations running to their end rather than stopping one half-way.
///
/// # Errors
///
/// [`Error::Database`] when a migration fails.
pub async fn migrate(db: &sea_orm::DatabaseConnection) -> Result<()> {
    use tenantry_migration::MigratorTrait;
    let db = db.clone();
    store::detached(async move { Ok(tenantry_migration::Migrator::up(&db, None).await?) }).await
}
