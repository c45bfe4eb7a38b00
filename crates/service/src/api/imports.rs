//! [`Imports`]: users imported from another system with their existing argon2 hashes.

use crate::error::Result;
use crate::inputs::{Actor, ImportedUser};
use crate::views::UserView;
use async_trait::async_trait;
use tenantry_entity::{TenantId, UserId};

/// Users imported from another system with their existing argon2 hashes.
///
/// Part of [`UserRepository`](super::UserRepository), whose example sets a repository up and
/// calls it (import the traits with [`prelude`](crate::prelude)); every method is exercised in
/// `crates/service/tests/import.rs`.
#[async_trait]
pub trait Imports: Send + Sync {
    /// Creates an active user with an existing argon2 hash (argon2id/i/d, any parameters);
    /// it is upgraded at the user's next login.
    ///
    /// # Errors
    /// `NotFound`, `InvalidInput` (including `password_hash: unsupported_hash`),
    /// `UsernameTaken`, `EmailTaken`, `Database`.
    async fn import_user(
        &self,
        tenant: TenantId,
        user: ImportedUser,
        actor: Actor,
    ) -> Result<UserView>;

    /// Creates many active users with existing argon2 hashes (and their roles) in batched
    /// multi-row inserts; returns their ids in the order given. One audit event per user.
    ///
    /// Every row is validated first (profile, hash, plants, and usernames and emails unique
    /// within the call): one bad row refuses the whole call and nothing is written. Rows are
    /// then written in batches of [`IMPORT_BATCH`](crate::IMPORT_BATCH) users, one transaction
    /// each; a row the database refuses (a username or email already taken, a plant not of
    /// this tenant) rolls back its whole batch, while earlier batches stay committed.
    ///
    /// # Errors
    /// `NotFound` (tenant, or the actor), `ImportRow { index, imported, source }` naming the
    /// refused row (`source`: `InvalidInput`, `UsernameTaken`, `EmailTaken`, `NotFound` for a
    /// plant), `Database`.
    async fn import_users(
        &self,
        tenant: TenantId,
        users: Vec<ImportedUser>,
        actor: Actor,
    ) -> Result<Vec<UserId>>;
}
