//! [`Sessions`]: a user's sessions in the database session store — listed, revoked, pruned,
//! and what they add up to.

use crate::error::Result;
use crate::inputs::Actor;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use tenantry_entity::{TenantId, UserId};
use uuid::Uuid;

/// One of a user's live sessions, as "my sessions" shows it. It never holds the session id or
/// its hash: `pid` is the handle to revoke it by.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SessionView {
    /// The session's public id.
    pub pid: Uuid,
    /// When it started.
    pub created_at: DateTime<Utc>,
    /// Its last request, to the minute (the store writes at most once a minute).
    pub last_seen_at: DateTime<Utc>,
    /// When it expires unless used again.
    pub expires_at: DateTime<Utc>,
    /// The client's address, when the host attached one.
    pub ip: Option<String>,
    /// The client's user agent, when the host attached one (trimmed).
    pub user_agent: Option<String>,
}

/// A user's usage over all its sessions, pruned ones included.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SessionUsage {
    /// The start of the user's latest session; `None` before its first.
    pub last_session_start: Option<DateTime<Utc>>,
    /// Whole minutes of activity: the gaps between a session's requests, leaving out every gap
    /// longer than the idle limit.
    pub total_active_minutes: i64,
}

/// A user's sessions in the database session store (`tenantry_sessions`; the store itself is
/// [`SeaOrmSessionStore`](crate::session_store::SeaOrmSessionStore), feature `tower-sessions`).
///
/// A revoked session is refused by the store's next `load`, so it ends on its next request.
/// Revocations are audited (`sessions.revoked`, with how many and which). Part of
/// [`UserRepository`](super::UserRepository); every method is exercised in
/// `crates/service/tests/sessions.rs`.
#[async_trait]
pub trait Sessions: Send + Sync {
    /// The user's live sessions (not revoked, not expired), newest first.
    ///
    /// # Errors
    /// `Database`.
    async fn list_sessions(&self, tenant: TenantId, user: UserId) -> Result<Vec<SessionView>>;

    /// Revokes the user's live session `pid`.
    ///
    /// # Errors
    /// `NotFound` when the user (absent, deleted, of another tenant) or the session (not its,
    /// already ended) is not found; `Database`.
    async fn revoke_session(
        &self,
        tenant: TenantId,
        user: UserId,
        pid: Uuid,
        actor: Actor,
    ) -> Result<()>;

    /// Revokes every live session of the user but `current_session_id` ("sign out everywhere
    /// else"): the session id as its cookie carries it (`session.id()` as a string). Returns
    /// how many it revoked.
    ///
    /// # Errors
    /// `InvalidInput` (field `session`) when `current_session_id` is not a session id;
    /// `NotFound` for the user; `Database`.
    async fn revoke_other_sessions(
        &self,
        tenant: TenantId,
        user: UserId,
        current_session_id: &str,
        actor: Actor,
    ) -> Result<u64>;

    /// Revokes every live session of the user. Returns how many.
    ///
    /// # Errors
    /// `NotFound` for the user; `Database`.
    async fn revoke_all_sessions(
        &self,
        tenant: TenantId,
        user: UserId,
        actor: Actor,
    ) -> Result<u64>;

    /// Deletes every session that has ended by now (expired or revoked), of every tenant,
    /// first adding each user's to its pruned usage, so [`session_usage`](Self::session_usage)
    /// answers the same before and after. Returns how many it deleted. A host schedules it
    /// (`tenantry session prune` runs it too).
    ///
    /// # Errors
    /// `Database`.
    async fn prune_sessions(&self) -> Result<u64>;

    /// The user's last session start and total active minutes, over its sessions and those
    /// pruned, in one query.
    ///
    /// # Errors
    /// `Database`.
    async fn session_usage(&self, tenant: TenantId, user: UserId) -> Result<SessionUsage>;
}
