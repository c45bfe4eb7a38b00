//! [`Dormancy`]: active users who have not logged in for a while.

use crate::error::Result;
use crate::inputs::Actor;
use crate::views::UserView;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tenantry_entity::TenantId;

/// Dormant accounts: active users who have not logged in for a while.
///
/// Part of [`UserRepository`](super::UserRepository), whose example sets a repository up and
/// calls it (import the traits with [`prelude`](crate::prelude)); every method is exercised in
/// `crates/service/tests/lifecycle.rs`.
#[async_trait]
pub trait Dormancy: Send + Sync {
    /// Active users who have not logged in since `since` (never-logged-in users: created
    /// before it).
    ///
    /// # Errors
    /// `Database`.
    async fn list_dormant(&self, tenant: TenantId, since: DateTime<Utc>) -> Result<Vec<UserView>>;

    /// Deactivates the dormant users, keeping the last active tenant admin. Returns how many.
    ///
    /// # Errors
    /// `NotFound`, `Database`.
    async fn deactivate_dormant(
        &self,
        tenant: TenantId,
        since: DateTime<Utc>,
        actor: Actor,
    ) -> Result<u64>;
}
