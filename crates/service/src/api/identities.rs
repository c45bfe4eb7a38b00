//! [`Identities`]: external identities (an identity provider's `(provider, subject)`) linked to
//! users.

use crate::error::Result;
use crate::inputs::{Actor, IdentityUser, NewIdentity};
use crate::views::{IdentityView, UserView};
use async_trait::async_trait;
use tenantry_entity::{TenantId, UserId};

/// External identities (an identity provider's `(provider, subject)`) linked to users.
///
/// Part of [`UserRepository`](super::UserRepository), whose example sets a repository up and
/// calls it (import the traits with [`prelude`](crate::prelude)); every method is exercised in
/// `crates/service/tests/identities.rs`.
#[async_trait]
pub trait Identities: Send + Sync {
    /// Links an external identity to the user.
    ///
    /// # Errors
    /// `NotFound`, `InvalidInput`, `Conflict` (the identity is linked already), `Database`.
    async fn link_identity(
        &self,
        tenant: TenantId,
        user: UserId,
        identity: NewIdentity,
        actor: Actor,
    ) -> Result<IdentityView>;

    /// Removes the link.
    ///
    /// # Errors
    /// `NotFound`, `Database`.
    async fn unlink_identity(
        &self,
        tenant: TenantId,
        user: UserId,
        provider: &str,
        subject: &str,
        actor: Actor,
    ) -> Result<()>;

    /// The user's linked identities.
    ///
    /// # Errors
    /// `NotFound`, `Database`.
    async fn list_identities(&self, tenant: TenantId, user: UserId) -> Result<Vec<IdentityView>>;

    /// The user an identity belongs to (global: a pair belongs to one user).
    ///
    /// # Errors
    /// `Database`.
    async fn find_by_identity(&self, provider: &str, subject: &str) -> Result<Option<UserView>>;

    /// Creates an active, password-less user linked to an identity, on its first sign-in.
    ///
    /// # Errors
    /// `NotFound`, `InvalidInput`, `UsernameTaken`, `EmailTaken`, `Conflict`, `Database`.
    async fn provision_from_identity(
        &self,
        tenant: TenantId,
        input: IdentityUser,
        actor: Actor,
    ) -> Result<UserView>;
}
