//! [`Users`]: a tenant's users: create, look up, list, change, suspend, delete and restore.

use crate::error::Result;
use crate::inputs::{Actor, KeysetQuery, NewUser, UserFilter, UserQuery, UserUpdate};
use crate::views::{KeysetPage, Page, UserView};
use async_trait::async_trait;
use tenantry_entity::{TenantId, UserId};
use uuid::Uuid;

/// A tenant's users: create, look up, list, change, suspend, delete and restore.
///
/// Part of [`UserRepository`](super::UserRepository), whose example sets a repository up and
/// calls it (import the traits with [`prelude`](crate::prelude)); every method is exercised in
/// `crates/service/tests/users.rs`.
#[async_trait]
pub trait Users: Send + Sync {
    /// Creates a user (active by default, or invited), with its roles, in one transaction.
    ///
    /// # Errors
    /// `NotFound` (tenant, or a plant of `plant_roles`), `InvalidInput` (every broken field,
    /// including the password policy), `UsernameTaken`, `EmailTaken`, `Hashing`, `Database`.
    async fn create_user(&self, tenant: TenantId, input: NewUser, actor: Actor)
    -> Result<UserView>;

    /// A user of the tenant by id, with its plant roles (two queries).
    ///
    /// # Errors
    /// `Database`.
    async fn get_user(&self, tenant: TenantId, id: UserId) -> Result<Option<UserView>>;

    /// A user of the tenant by public id, with its plant roles.
    ///
    /// # Errors
    /// `Database`.
    async fn get_user_by_pid(&self, tenant: TenantId, pid: Uuid) -> Result<Option<UserView>>;

    /// A user of the tenant by username, case-insensitively (through the normalized key).
    ///
    /// # Errors
    /// `Database`.
    async fn get_user_by_username(
        &self,
        tenant: TenantId,
        username: &str,
    ) -> Result<Option<UserView>>;

    /// A user of the tenant by email, case-insensitively (through the normalized key).
    ///
    /// # Errors
    /// `Database`.
    async fn get_user_by_email(&self, tenant: TenantId, email: &str) -> Result<Option<UserView>>;

    /// A filtered, ordered page of users with their roles (two queries, whatever the page
    /// size) and the total number that match.
    ///
    /// # Errors
    /// `InvalidInput` (field `offset`) above
    /// [`PageRequest::MAX_OFFSET`](crate::PageRequest::MAX_OFFSET); `Database`.
    async fn list_users(&self, tenant: TenantId, query: &UserQuery) -> Result<Page<UserView>>;

    /// A filtered, ordered page of users with their roles, continuing after a cursor (keyset
    /// paging): its cost does not grow with its depth, which an offset's does. The page
    /// carries the cursor of the next one (`None` on the last page) and, when
    /// [`KeysetQuery::with_total`] asks for it, the total (one more query).
    ///
    /// Walking every page returns every user that existed throughout the walk exactly once;
    /// users inserted or deleted meanwhile never make a page repeat or skip another user.
    ///
    /// ```
    /// # use tenantry_service::{KeysetQuery, TenantId, UserRepository};
    /// # async fn all(repo: &dyn UserRepository, tenant: TenantId) -> tenantry_service::Result<()> {
    /// let mut query = KeysetQuery::default();
    /// loop {
    ///     let page = repo.list_users_keyset(tenant, &query).await?;
    ///     for user in &page.items { println!("{}", user.display_name); }
    ///     match page.next {
    ///         Some(next) => query.after = Some(next),
    ///         None => break,
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// `InvalidInput` (field `after`) for a garbled cursor (`invalid_format`) or one issued for
    /// another tenant, filter or order (`not_allowed`); `Database`.
    async fn list_users_keyset(
        &self,
        tenant: TenantId,
        query: &KeysetQuery,
    ) -> Result<KeysetPage<UserView>>;

    /// How many users match the filter.
    ///
    /// # Errors
    /// `Database`.
    async fn count_users(&self, tenant: TenantId, filter: &UserFilter) -> Result<u64>;

    /// Changes a user's profile; changed names are re-validated and re-keyed. An `expires_at`
    /// at or before now ends the account like a deactivation (refused for the tenant's last
    /// admin who can sign in); setting it, or lifting one that has passed, rotates the
    /// security stamp.
    ///
    /// # Errors
    /// `NotFound`, `InvalidInput`, `UsernameTaken` (also for a look-alike of another user's
    /// username), `EmailTaken`, `LastAdmin`, `Database`.
    async fn update_user(
        &self,
        tenant: TenantId,
        id: UserId,
        update: UserUpdate,
        actor: Actor,
    ) -> Result<UserView>;

    /// Suspends a user (soft; rotates the security stamp). Idempotent.
    ///
    /// # Errors
    /// `NotFound`, `LastAdmin`, `Database`.
    async fn deactivate_user(&self, tenant: TenantId, id: UserId, actor: Actor)
    -> Result<UserView>;

    /// Makes a suspended user active again (rotates the security stamp). An invited user stays
    /// invited until it accepts. Idempotent.
    ///
    /// # Errors
    /// `NotFound`, `Conflict` (invited), `Database`.
    async fn reactivate_user(&self, tenant: TenantId, id: UserId, actor: Actor)
    -> Result<UserView>;

    /// Soft-deletes a user: it vanishes from every lookup and listing, and keeps its username
    /// and email reserved until purged.
    ///
    /// # Errors
    /// `NotFound`, `LastAdmin`, `Database`.
    async fn delete_user(&self, tenant: TenantId, id: UserId, actor: Actor) -> Result<()>;

    /// Brings back a soft-deleted user.
    ///
    /// # Errors
    /// `NotFound` (no such deleted user), `Database`.
    async fn restore_user(&self, tenant: TenantId, id: UserId, actor: Actor) -> Result<UserView>;

    /// Deletes a user for good (deleted or not), with its roles.
    ///
    /// # Errors
    /// `NotFound`, `LastAdmin`, `Database`.
    async fn purge_user(&self, tenant: TenantId, id: UserId, actor: Actor) -> Result<()>;
}
