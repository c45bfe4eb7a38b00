//! What a host asks of its user store: one small trait per concern, and [`UserRepository`],
//! all of them at once.
//!
//! A host holds `Arc<dyn UserRepository>`, which answers every trait's methods as it is; code
//! holding a `SeaOrmUserRepository` imports the traits in one line:
//! `use tenantry_service::prelude::*;`. Code that needs one concern takes only that trait
//! (`&dyn Logins`, `impl Tenants`), so a test can mock just it: see the [`Tenants`] example.

mod audit_log;
mod credentials;
mod directory_groups;
mod dormancy;
mod identities;
mod identity_providers;
mod imports;
mod invitations;
mod logins;
#[cfg(feature = "passkeys")]
mod passkeys;
mod plants;
mod roles;
mod scim_directory;
mod scim_tokens;
mod second_factors;
mod sessions;
mod tenants;
mod users;

pub use audit_log::{AuditAction, AuditLog};
pub use credentials::{Credentials, TokenDelivery, TokenSender};
pub use directory_groups::{
    DirectoryGroupChange, DirectoryGroupKey, DirectoryGroupView, DirectoryGroups, MemberChange,
    NewDirectoryGroup,
};
pub use dormancy::Dormancy;
pub use identities::Identities;
pub use identity_providers::IdentityProviders;
pub use imports::{ImportProgress, ImportStage, Imports, Problem, RowProblem};
pub use invitations::Invitations;
pub use logins::Logins;
#[cfg(feature = "passkeys")]
pub use passkeys::{PasskeyChallenge, PasskeyView, Passkeys};
pub use plants::Plants;
pub use roles::Roles;
pub use scim_directory::{RoleMember, ScimChange, ScimDirectory, ScimUser, ScimUserKey};
pub use scim_tokens::{ScimTokenView, ScimTokens};
pub use second_factors::SecondFactors;
pub use sessions::{SessionUsage, SessionView, Sessions};
pub use tenants::Tenants;
pub use users::Users;

/// Declares a trait that gathers other traits, and implements it for whatever implements them
/// all, so the list of concerns is written once. Concerns after `; feature "f":` are gathered
/// only when the crate's feature `f` is on.
macro_rules! gathers {
    ($(#[$doc:meta])* $name:ident: $($concern:ident),+) => {
        $(#[$doc])*
        pub trait $name: $($concern +)+ Send + Sync {}

        impl<T> $name for T where T: $($concern +)+ Send + Sync + ?Sized {}
    };
    ($(#[$doc:meta])* $name:ident: $($concern:ident),+; feature $feature:literal: $($optional:ident),+) => {
        #[cfg(feature = $feature)]
        gathers!($(#[$doc])* $name: $($concern),+, $($optional),+);
        #[cfg(not(feature = $feature))]
        gathers!($(#[$doc])* $name: $($concern),+);
    };
}

gathers!(
/// tenantry's user store, as a host sees it. Hold it as `Arc<dyn UserRepository>`.
///
/// Rules every method keeps:
/// - **Tenancy by construction.** Every method on tenant data takes the
///   [`TenantId`](crate::TenantId); a user, plant or role of another tenant is
///   [`Error::NotFound`](crate::Error::NotFound) (or `Ok(None)` for lookups) and is never
///   returned, changed or deleted.
/// - **Soft-deleted users are invisible** to every lookup and listing; only
///   [`restore_user`](Users::restore_user) and [`purge_user`](Users::purge_user) see them.
/// - **Every change commits together with its audit event**, or not at all.
/// - Lookups return `Ok(None)` for absent; changes return
///   [`Error::NotFound`](crate::Error::NotFound).
///
/// ```
/// use std::sync::Arc;
/// use tenantry_service::{Config, NewTenant, NewUser, SeaOrmUserRepository, UserRepository};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let db = tenantry_service::connect("sqlite::memory:").await?;
/// tenantry_service::migrate(&db).await?;
/// let users: Arc<dyn UserRepository> =
///     Arc::new(SeaOrmUserRepository::new(db, Config::insecure_fast_for_tests())?);
///
/// let acme = users
///     .create_tenant(NewTenant { slug: "acme".into(), name: "Acme".into() }, None)
///     .await?;
/// let alice = users
///     .create_user(
///         acme.id,
///         NewUser { username: "Alice".into(), display_name: "Alice".into(), ..Default::default() },
///         None,
///     )
///     .await?;
/// let found = users.get_user_by_username(acme.id, "ALICE").await?;
/// assert_eq!(found.map(|u| u.id), Some(alice.id));
/// # Ok(()) }
/// ```
    UserRepository: SessionUsers, Roles, Credentials, Invitations, Identities,
        IdentityProviders, Dormancy, Imports, AuditLog, Sessions, SecondFactors, ScimTokens,
        ScimDirectory, DirectoryGroups;
        feature "passkeys": Passkeys
);

gathers!(
/// What a session layer reads (the axum-login backend): a tenant, a user, a login and the
/// security stamp, and a plant (to check that a permission's plant is of the user's tenant). A supertrait of [`UserRepository`], so `Arc<dyn UserRepository>` coerces to
/// `Arc<dyn SessionUsers>`.
    SessionUsers: Tenants, Plants, Users, Logins
);
