//! [`Invitations`]: an invited user and its token, accepted by setting a password.

use crate::error::Result;
use crate::inputs::{Actor, Invitation};
use crate::password::Password;
use crate::views::{InvitedUser, UserView};
use async_trait::async_trait;
use tenantry_entity::TenantId;

/// Invitations: an invited user and its token, accepted by setting a password.
///
/// Part of [`UserRepository`](super::UserRepository), whose example sets a repository up and
/// calls it (import the traits with [`prelude`](crate::prelude)); every method is exercised in
/// `crates/service/tests/invitations.rs`.
#[async_trait]
pub trait Invitations: Send + Sync {
    /// Creates an `invited` user (no password) and its invitation token, in one transaction.
    ///
    /// # Errors
    /// `NotFound`, `InvalidInput`, `UsernameTaken`, `EmailTaken`, `Database`.
    async fn invite_user(
        &self,
        tenant: TenantId,
        invitation: Invitation,
        actor: Actor,
    ) -> Result<InvitedUser>;

    /// Accepts an invitation: sets the password (and the username, when given) and activates
    /// the user.
    ///
    /// # Errors
    /// `InvalidToken`, `InvalidInput`, `UsernameTaken`, `Hashing`, `Database`.
    async fn accept_invitation(
        &self,
        tenant: Option<TenantId>,
        token: &str,
        username: Option<String>,
        password: &Password,
    ) -> Result<UserView>;
}
