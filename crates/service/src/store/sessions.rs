//! [`Sessions`] for [`SeaOrmUserRepository`]: a user's rows of the database session store —
//! listed, revoked, pruned into `session_usage`, and summed — and the session id's hash, which
//! the store (`session_store.rs`) looks rows up by.

use super::audit::{AuditAction, AuditEvent};
use super::{SeaOrmUserRepository, change, tx};
use crate::api::{SessionUsage, SessionView, Sessions};
use crate::error::{Error, Result};
use crate::inputs::Actor;
use crate::validation::{Rule, ValidationErrors};
use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query, UnionType};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
};
use std::collections::BTreeMap;
use tenantry_entity::{TenantId, UserId, session_usage, sessions};
use uuid::Uuid;

/// Rows pruned per transaction: short transactions, however many sessions have ended.
const PRUNE_BATCH: u64 = 500;

/// The hash a session row is found by: SHA-256 of the session id's 16 bytes (little-endian,
/// as its cookie encodes them), lowercase hex. The id itself is never stored.
pub(crate) fn id_hash(id: i128) -> String {
    crate::token_codec::digest_bytes(&id.to_le_bytes()).into_string()
}

/// [`id_hash`] of a session id in its cookie form (22 base64url characters); `None` when it is
/// not one.
fn id_hash_of_cookie(id: &str) -> Option<String> {
    let mut bytes = [0u8; 16];
    match URL_SAFE_NO_PAD.decode_slice(id.as_bytes(), &mut bytes) {
        Ok(16) if id.len() == 22 => Some(id_hash(i128::from_le_bytes(bytes))),
        _ => None,
    }
}

/// The sessions that have not ended at `now`: not revoked, not expired.
pub(crate) fn live(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(sessions::Column::RevokedAt.is_null())
        .add(sessions::Column::ExpiresAt.gt(now))
}

/// The user's sessions.
fn of_user(tenant: TenantId, user: UserId) -> Condition {
    Condition::all()
        .add(sessions::Column::TenantId.eq(tenant))
        .add(sessions::Column::UserId.eq(user))
}

/// Which of a user's live sessions a revocation ends.
enum Revoke {
    One(Uuid),
    AllBut(String),
    All,
}

/// Revokes the user's live sessions `which` and audits it, in one transaction (the user's row
/// locked, so a revocation and a change to the user take turns). Returns how many.
async fn revoke(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user: UserId,
    which: Revoke,
    actor: Actor,
) -> Result<u64> {
    let (txn, now, _) = tx::begin_user_change(repo, tenant, user).await?;
    let mut update = sessions::Entity::update_many()
        .col_expr(sessions::Column::RevokedAt, Expr::value(now))
        .filter(of_user(tenant, user))
        .filter(live(now));
    let details = match &which {
        Revoke::One(pid) => {
            update = update.filter(sessions::Column::Pid.eq(*pid));
            serde_json::json!({ "session": pid })
        }
        Revoke::AllBut(kept) => {
            update = update.filter(sessions::Column::IdHash.ne(kept.as_str()));
            serde_json::json!({ "kept_current": true })
        }
        Revoke::All => serde_json::json!({}),
    };
    let revoked = update.exec(&txn).await?.rows_affected;
    if matches!(which, Revoke::One(_)) && revoked == 0 {
        return Err(Error::NotFound);
    }
    let mut details = details;
    details["revoked"] = revoked.into();
    let event =
        AuditEvent::about(tenant, actor, AuditAction::SessionsRevoked, user, now).with(details);
    change::commit_event(txn, event).await?;
    tracing::info!(tenant = tenant.0, revoked, "sessions revoked");
    Ok(revoked)
}

async fn list_sessions(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user: UserId,
) -> Result<Vec<SessionView>> {
    let rows = sessions::Entity::find()
        .filter(of_user(tenant, user))
        .filter(live(repo.now()))
        .order_by_desc(sessions::Column::CreatedAt)
        .order_by_desc(sessions::Column::Id)
        .all(&repo.db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| SessionView {
            pid: row.pid,
            created_at: row.created_at,
            last_seen_at: row.last_seen_at,
            expires_at: row.expires_at,
            ip: row.ip,
            user_agent: row.user_agent,
        })
        .collect())
}

/// One batch of [`prune_sessions`]: the first ended rows (locked on the servers, so two
/// prunes never fold the same row twice), their users' usage folded into `session_usage`,
/// then the rows deleted. Returns how many.
async fn prune_batch(repo: &SeaOrmUserRepository, now: DateTime<Utc>) -> Result<u64> {
    let txn = tx::begin_write(&repo.db).await?;
    let ended = Condition::any()
        .add(sessions::Column::RevokedAt.is_not_null())
        .add(sessions::Column::ExpiresAt.lte(now));
    let mut query = sessions::Entity::find()
        .select_only()
        .columns([
            sessions::Column::Id,
            sessions::Column::TenantId,
            sessions::Column::UserId,
            sessions::Column::CreatedAt,
            sessions::Column::ActiveSeconds,
        ])
        .filter(ended)
        .order_by_asc(sessions::Column::Id)
        .limit(PRUNE_BATCH);
    if txn.get_database_backend() != DatabaseBackend::Sqlite {
        query = query.lock_exclusive();
    }
    type Row = (i64, Option<TenantId>, Option<UserId>, DateTime<Utc>, i64);
    let rows: Vec<Row> = query.into_tuple().all(&txn).await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let mut usage: BTreeMap<(TenantId, UserId), (i64, DateTime<Utc>)> = BTreeMap::new();
    for &(_, tenant, user, created, seconds) in &rows {
        if let (Some(tenant), Some(user)) = (tenant, user) {
            let entry = usage.entry((tenant, user)).or_insert((0, created));
            entry.0 += seconds;
            entry.1 = Ord::max(entry.1, created);
        }
    }
    for ((tenant, user), (seconds, last_start)) in usage {
        fold_usage(&txn, tenant, user, seconds, last_start).await?;
    }
    let ids = rows.iter().map(|row| row.0);
    let deleted = sessions::Entity::delete_many()
        .filter(sessions::Column::Id.is_in(ids))
        .exec(&txn)
        .await?
        .rows_affected;
    txn.commit().await?;
    Ok(deleted)
}

/// Adds `seconds` and a session start to the user's pruned usage (one upsert).
async fn fold_usage(
    txn: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
    seconds: i64,
    last_start: DateTime<Utc>,
) -> Result<()> {
    let table = session_usage::Entity;
    let kept_start = (table, session_usage::Column::LastSessionStart);
    let insert = Query::insert()
        .into_table(table)
        .columns([
            session_usage::Column::TenantId,
            session_usage::Column::UserId,
            session_usage::Column::ActiveSeconds,
            session_usage::Column::LastSessionStart,
        ])
        .values_panic([
            tenant.0.into(),
            user.0.into(),
            seconds.into(),
            last_start.into(),
        ])
        .on_conflict(
            OnConflict::columns([
                session_usage::Column::UserId,
                session_usage::Column::TenantId,
            ])
            .value(
                session_usage::Column::ActiveSeconds,
                Expr::col((table, session_usage::Column::ActiveSeconds)).add(seconds),
            )
            .value(
                session_usage::Column::LastSessionStart,
                Expr::case(Expr::col(kept_start).lt(last_start), last_start)
                    .finally(Expr::col(kept_start)),
            )
            .to_owned(),
        )
        .to_owned();
    txn.execute(&insert).await?;
    Ok(())
}

async fn prune_sessions(repo: &SeaOrmUserRepository) -> Result<u64> {
    let now = repo.now();
    let mut total = 0;
    loop {
        let pruned = prune_batch(repo, now).await?;
        total += pruned;
        if pruned < PRUNE_BATCH {
            tracing::info!(pruned = total, "sessions pruned");
            return Ok(total);
        }
    }
}

/// The user's session starts and active seconds, from its session rows and its pruned usage,
/// in one query (a `UNION ALL`), summed here.
async fn session_usage(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user: UserId,
) -> Result<SessionUsage> {
    let sessions_part = sessions::Entity::find()
        .select_only()
        .columns([sessions::Column::CreatedAt, sessions::Column::ActiveSeconds])
        .filter(of_user(tenant, user))
        .into_query();
    let pruned_part = session_usage::Entity::find()
        .select_only()
        .columns([
            session_usage::Column::LastSessionStart,
            session_usage::Column::ActiveSeconds,
        ])
        .filter(session_usage::Column::TenantId.eq(tenant))
        .filter(session_usage::Column::UserId.eq(user))
        .into_query();
    let query = sessions_part
        .to_owned()
        .union(UnionType::All, pruned_part)
        .to_owned();
    let rows = repo.db.query_all(&query).await?;
    let mut usage = SessionUsage {
        last_session_start: None,
        total_active_minutes: 0,
    };
    let mut seconds: i64 = 0;
    for row in rows {
        let start: DateTime<Utc> = row.try_get_by_index(0)?;
        let active: i64 = row.try_get_by_index(1)?;
        seconds = seconds.saturating_add(active);
        usage.last_session_start = Ord::max(usage.last_session_start, Some(start));
    }
    usage.total_active_minutes = seconds / 60;
    Ok(usage)
}

#[async_trait]
impl Sessions for SeaOrmUserRepository {
    async fn list_sessions(&self, tenant: TenantId, user: UserId) -> Result<Vec<SessionView>> {
        self.detached(move |repo| async move { list_sessions(&repo, tenant, user).await })
            .await
    }

    async fn revoke_session(
        &self,
        tenant: TenantId,
        user: UserId,
        pid: Uuid,
        actor: Actor,
    ) -> Result<()> {
        self.detached(move |repo| async move {
            revoke(&repo, tenant, user, Revoke::One(pid), actor).await
        })
        .await
        .map(drop)
    }

    async fn revoke_other_sessions(
        &self,
        tenant: TenantId,
        user: UserId,
        current_session_id: &str,
        actor: Actor,
    ) -> Result<u64> {
        let kept = id_hash_of_cookie(current_session_id)
            .ok_or_else(|| ValidationErrors::single("session", Rule::InvalidFormat))?;
        self.detached(move |repo| async move {
            revoke(&repo, tenant, user, Revoke::AllBut(kept), actor).await
        })
        .await
    }

    async fn revoke_all_sessions(
        &self,
        tenant: TenantId,
        user: UserId,
        actor: Actor,
    ) -> Result<u64> {
        self.detached(
            move |repo| async move { revoke(&repo, tenant, user, Revoke::All, actor).await },
        )
        .await
    }

    async fn prune_sessions(&self) -> Result<u64> {
        self.detached(move |repo| async move { prune_sessions(&repo).await })
            .await
    }

    async fn session_usage(&self, tenant: TenantId, user: UserId) -> Result<SessionUsage> {
        self.detached(move |repo| async move { session_usage(&repo, tenant, user).await })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_id_hashes_as_its_id_and_nothing_else_hashes() {
        let id: i128 = 0x0123_4567_89ab_cdef_0011_2233_4455_6677;
        let cookie = URL_SAFE_NO_PAD.encode(id.to_le_bytes());
        assert_eq!(id_hash_of_cookie(&cookie), Some(id_hash(id)));
        assert_eq!(id_hash(id).len(), 64);
        assert_eq!(id_hash_of_cookie(&cookie[..21]), None, "truncated");
        assert_eq!(id_hash_of_cookie(&format!("{cookie}A")), None, "too long");
        assert_eq!(id_hash_of_cookie("not a session id!!!!!!"), None);
    }
}
