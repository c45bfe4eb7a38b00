//! [`SeaOrmSessionStore`]: a [`tower_sessions`](https://docs.rs/tower-sessions) session store
//! on tenantry's database (feature `tower-sessions`), for SQLite, PostgreSQL and MySQL/MariaDB.
//!
//! Each session is a row of `tenantry_sessions` (migration 000026), found by the SHA-256 of its
//! id: the id itself, which the cookie carries, is never stored, logged or printed. A session
//! that names a user in its data (axum-login's, by default) belongs to that user and tenant:
//! the user lists and revokes it through [`Sessions`](crate::Sessions), and deleting the user
//! deletes it.
//!
//! What a request costs:
//! - [`load`](SessionStore::load) is one read. It joins the session's user and tenant and
//!   refuses (`None`) a session that is revoked or expired, whose user is gone, deleted, not
//!   active or past its `expires_at`, whose tenant is not active, or whose user's security
//!   stamp is no longer the one the session got with its user (a password, status, role or
//!   validity change rotates it): the session ends on its next request.
//! - [`save`](SessionStore::save) writes only when the data changed, the expiry moved
//!   earlier, or the last write is [`WRITE_INTERVAL`] old: with `Expiry::OnInactivity` (or
//!   `always_save`) tower-sessions saves on every request. The store remembers what its load
//!   read (and its last write) of each session, so a save of a session unchanged since sends
//!   no statement at all; otherwise the save is one conditional `UPDATE` that re-checks the
//!   same three conditions in its `WHERE` (another instance may have written meanwhile). A
//!   session's expiry and `last_seen_at` are therefore up to a minute behind.
//! - Each write adds the time since the previous one to the row's `active_seconds` when it is
//!   at most the idle limit ([`SeaOrmSessionStore::with_idle_limit`], 15 minutes by default):
//!   [`session_usage`](crate::Sessions::session_usage) sums them.
//!
//! A session keeps the stamp it got with its user for good: signing the same user in again
//! on the same session id does not revive a session whose stamp rotated. Sign in on a new id
//! (`axum_login::login_fresh` cycles it), which makes a new row with the
//! user's current stamp.
//!
//! [`delete`](SessionStore::delete) (a logout, a cycled id) revokes the row rather than
//! deleting it, so its usage counts until [`prune_sessions`](crate::Sessions::prune_sessions)
//! folds it into the user's tally; a save never brings a revoked or expired row back.

use crate::error::Error;
use crate::session_meta::SessionMeta;
use crate::store::SeaOrmUserRepository;
use crate::store::sessions::{id_hash, live};
use crate::store::{detached, latest_storable};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseBackend, SqlErr};
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use tenantry_entity::{TenantId, TenantStatus, UserId, UserStatus, sessions, tenants, users};
use time::OffsetDateTime;
use tower_sessions_core::session::{Id, Record};
use tower_sessions_core::session_store::{self, ExpiredDeletion, SessionStore};
use uuid::Uuid;

/// How often a session whose data did not change is written at most.
pub const WRITE_INTERVAL: chrono::Duration = chrono::Duration::minutes(1);

/// The default idle limit: a gap between two requests longer than this is not activity.
pub const DEFAULT_IDLE_LIMIT: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Ids tried by [`SessionStore::create`] before it gives up (a collision of random 128-bit ids
/// does not happen; this bounds the loop all the same).
const CREATE_ATTEMPTS: usize = 4;

/// Finds the user a session's data names: its tenant and id, or `None` while it has no user.
pub type UserOfSession =
    dyn Fn(&HashMap<String, Value>) -> Option<(TenantId, UserId)> + Send + Sync;

/// The user axum-login keeps in a session (under its default key `axum-login.data`), as
/// tenantry's backend makes it: a `SessionUserId { tenant, user }`. The default
/// [`UserOfSession`].
pub fn axum_login_user(data: &HashMap<String, Value>) -> Option<(TenantId, UserId)> {
    #[derive(Deserialize)]
    struct Owner {
        tenant: TenantId,
        user: UserId,
    }
    #[derive(Deserialize)]
    struct AuthData {
        user_id: Option<Owner>,
    }
    let auth = AuthData::deserialize(data.get("axum-login.data")?).ok()?;
    auth.user_id.map(|owner| (owner.tenant, owner.user))
}

/// tower-sessions' [`SessionStore`] on tenantry's database (see the [module](self) docs for
/// what it reads and writes). Cheap to clone; its `Debug` shows no session id or data.
///
/// A host hands it to tower-sessions (`SessionManagerLayer::new(store)`) and schedules
/// [`prune_sessions`](crate::Sessions::prune_sessions); a session's life through it:
///
/// ```
/// use std::sync::Arc;
/// use tenantry_service::prelude::*;
/// use tenantry_service::session_store::SeaOrmSessionStore;
/// use tower_sessions_core::{Expiry, Session};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let db = tenantry_service::connect("sqlite::memory:").await?;
/// # tenantry_service::migrate(&db).await?;
/// let repo = tenantry_service::SeaOrmUserRepository::new(
///     db,
///     tenantry_service::Config::insecure_fast_for_tests(),
/// )?;
/// let store = Arc::new(SeaOrmSessionStore::new(repo.clone()));
/// let expiry = Some(Expiry::OnInactivity(time::Duration::hours(8)));
///
/// let session = Session::new(None, store.clone(), expiry);
/// session.insert("theme", "dark").await?;
/// session.save().await?; // one INSERT; the cookie carries `session.id()`
/// let next_request = Session::new(session.id(), store.clone(), expiry);
/// assert_eq!(next_request.get::<String>("theme").await?.as_deref(), Some("dark"));
///
/// next_request.flush().await?; // a logout revokes the row
/// assert_eq!(repo.prune_sessions().await?, 1);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SeaOrmSessionStore {
    repo: SeaOrmUserRepository,
    user_of: Arc<UserOfSession>,
    idle_limit: chrono::Duration,
    seen: Arc<Mutex<HashMap<String, Seen>>>,
}

/// What this process last read or wrote of a session's row (keyed by the id's hash), so a
/// save of a session unchanged since its request's load sends no statement at all. tower-sessions
/// loads before it saves, in the same process, so the entry is as fresh as the request; a write
/// by another instance in between only means this save is skipped after a recent write anyway.
#[derive(Clone)]
struct Seen {
    data: String,
    last_seen_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

/// Entries kept at most; past it the map starts over (a lost entry costs one conditional
/// `UPDATE`, nothing else).
const SEEN_CAPACITY: usize = 10_000;

impl std::fmt::Debug for SeaOrmSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeaOrmSessionStore")
            .field("backend", &self.repo.connection().get_database_backend())
            .field("idle_limit", &self.idle_limit)
            .finish_non_exhaustive()
    }
}

impl SeaOrmSessionStore {
    /// A store on `repo`'s database and clock, finding a session's user with
    /// [`axum_login_user`] and counting gaps up to [`DEFAULT_IDLE_LIMIT`] as activity.
    pub fn new(repo: SeaOrmUserRepository) -> Self {
        Self {
            repo,
            user_of: Arc::new(axum_login_user),
            idle_limit: chrono::Duration::seconds(15 * 60),
            seen: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Notes what the row of `id_hash` now holds (`None`: forget it).
    fn remember(&self, id_hash: &str, seen: Option<Seen>) {
        let mut map = self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match seen {
            Some(seen) => {
                if map.len() >= SEEN_CAPACITY && !map.contains_key(id_hash) {
                    map.clear();
                }
                map.insert(id_hash.to_owned(), seen);
            }
            None => {
                map.remove(id_hash);
            }
        }
    }

    /// Whether a save of `row` at `now` would write nothing: same data, an expiry no earlier,
    /// and the row written less than [`WRITE_INTERVAL`] ago, as this process last saw it.
    fn unchanged(&self, row: &Row, now: DateTime<Utc>) -> bool {
        let map = self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get(&row.id_hash).is_some_and(|seen| {
            seen.data == row.data
                && row.expires_at >= seen.expires_at
                && seen.last_seen_at <= now
                && now - seen.last_seen_at < WRITE_INTERVAL
        })
    }

    /// The same store finding a session's user with `user_of` (a host that keeps its user
    /// under its own key).
    pub fn with_user_of(
        mut self,
        user_of: impl Fn(&HashMap<String, Value>) -> Option<(TenantId, UserId)> + Send + Sync + 'static,
    ) -> Self {
        self.user_of = Arc::new(user_of);
        self
    }

    /// The same store counting as activity only the gaps between a session's writes of at
    /// most `limit`.
    pub fn with_idle_limit(mut self, limit: std::time::Duration) -> Self {
        self.idle_limit =
            chrono::Duration::from_std(limit).unwrap_or(chrono::Duration::seconds(i64::MAX / 1000));
        self
    }
}

/// What a write stores of a record: its data in one canonical form (keys sorted, so an
/// unchanged session compares equal), its owner, its expiry and its client's metadata.
struct Row {
    id_hash: String,
    data: String,
    owner: Option<(TenantId, UserId)>,
    expires_at: DateTime<Utc>,
    ip: Option<String>,
    user_agent: Option<String>,
}

impl SeaOrmSessionStore {
    fn row_of(&self, record: &Record) -> session_store::Result<Row> {
        let sorted: BTreeMap<&String, &Value> = record.data.iter().collect();
        let data = serde_json::to_string(&sorted)
            .map_err(|_| session_store::Error::Encode("session data is not JSON".into()))?;
        let meta = record
            .data
            .get(SessionMeta::KEY)
            .and_then(|meta| SessionMeta::deserialize(meta).ok())
            .map(SessionMeta::checked)
            .unwrap_or_default();
        let mut expires_at = to_chrono(record.expiry_date);
        if let Some(latest) = latest_storable(self.repo.connection().get_database_backend()) {
            expires_at = Ord::min(expires_at, latest);
        }
        Ok(Row {
            id_hash: id_hash(record.id.0),
            data,
            owner: (self.user_of)(&record.data),
            expires_at,
            ip: meta.ip().map(|ip| ip.to_string()),
            user_agent: meta.user_agent().map(str::to_owned),
        })
    }
}

/// A time of tower-sessions as the database stores it (whole microseconds, UTC).
fn to_chrono(at: OffsetDateTime) -> DateTime<Utc> {
    let micros = at.unix_timestamp_nanos() / 1000;
    i64::try_from(micros)
        .ok()
        .and_then(DateTime::from_timestamp_micros)
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// A stored time as tower-sessions holds it.
fn to_time(at: DateTime<Utc>) -> session_store::Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(at.timestamp_micros()) * 1000)
        .map_err(|_| session_store::Error::Decode("a session's expiry is out of range".into()))
}

/// tenantry's error as tower-sessions carries it: its `Display`, which holds no database text.
fn backend(error: Error) -> session_store::Error {
    session_store::Error::Backend(error.to_string())
}

/// One column of the user `owner` names, or `NULL` when there is none (or no such user: the
/// session then has no user, and [`load`](SessionStore::load) refuses it since its data names
/// one).
fn owner_column(owner: Option<(TenantId, UserId)>, column: users::Column) -> Expr {
    let Some((tenant, user)) = owner else {
        return Expr::value(Option::<i64>::None);
    };
    let select: SelectStatement = Query::select()
        .column((users::Entity, column))
        .from(users::Entity)
        .and_where(Expr::col((users::Entity, users::Column::Id)).eq(user.0))
        .and_where(Expr::col((users::Entity, users::Column::TenantId)).eq(tenant.0))
        .to_owned();
    Expr::SubQuery(None, Box::new(select.into()))
}

/// Seconds from the row's `last_seen_at` to `now`, in the backend's own date arithmetic.
fn seconds_since_last_seen(backend: DatabaseBackend, now: DateTime<Utc>) -> Expr {
    match backend {
        DatabaseBackend::MySql => {
            Expr::cust_with_values("TIMESTAMPDIFF(SECOND, last_seen_at, ?)", [now])
        }
        // sea-query wants PostgreSQL's own placeholder syntax in custom SQL.
        DatabaseBackend::Postgres => Expr::cust_with_values(
            "CAST(EXTRACT(EPOCH FROM ($1 - last_seen_at)) AS BIGINT)",
            [now],
        ),
        _ => Expr::cust_with_values(
            "CAST(ROUND((julianday(?) - julianday(last_seen_at)) * 86400) AS INTEGER)",
            [now],
        ),
    }
}

async fn create(store: SeaOrmSessionStore, mut record: Record) -> session_store::Result<Id> {
    let db = store.repo.connection();
    for _ in 0..CREATE_ATTEMPTS {
        let row = store.row_of(&record)?;
        let now = store.repo.now();
        let insert = Query::insert()
            .into_table(sessions::Entity)
            .columns([
                sessions::Column::Pid,
                sessions::Column::IdHash,
                sessions::Column::TenantId,
                sessions::Column::UserId,
                sessions::Column::SecurityStamp,
                sessions::Column::Data,
                sessions::Column::CreatedAt,
                sessions::Column::LastSeenAt,
                sessions::Column::ExpiresAt,
                sessions::Column::Ip,
                sessions::Column::UserAgent,
                sessions::Column::ActiveSeconds,
            ])
            .values_panic([
                Expr::value(Uuid::now_v7()),
                Expr::value(row.id_hash),
                owner_column(row.owner, users::Column::TenantId),
                owner_column(row.owner, users::Column::Id),
                owner_column(row.owner, users::Column::SecurityStamp),
                Expr::value(row.data),
                Expr::value(now),
                Expr::value(now),
                Expr::value(row.expires_at),
                Expr::value(row.ip),
                Expr::value(row.user_agent),
                Expr::value(0_i64),
            ])
            .to_owned();
        match db.execute(&insert).await {
            Ok(_) => return Ok(record.id),
            // Another session has this id (or, vanishingly, this pid): the trait asks for a
            // new id rather than an overwrite.
            Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                record.id = Id::default();
            }
            Err(e) => return Err(backend(e.into())),
        }
    }
    Err(session_store::Error::Backend(
        "no free session id was found".into(),
    ))
}

/// The one `UPDATE` of a save (see the module docs). Assignments are in the order MySQL needs:
/// it evaluates them left to right, each seeing the ones before, so the columns read by an
/// expression are assigned after it.
async fn save(store: SeaOrmSessionStore, record: Record) -> session_store::Result<()> {
    let db = store.repo.connection();
    let row = store.row_of(&record)?;
    let now = store.repo.now();
    if store.unchanged(&row, now) {
        return Ok(());
    }
    let written = Seen {
        data: row.data.clone(),
        last_seen_at: now,
        expires_at: row.expires_at,
    };
    let id_hash = row.id_hash.clone();
    let counted = Expr::col(sessions::Column::LastSeenAt)
        .gte(now - store.idle_limit)
        .and(Expr::col(sessions::Column::LastSeenAt).lte(now));
    let gap = Expr::case(
        counted,
        seconds_since_last_seen(db.get_database_backend(), now),
    )
    .finally(0_i64);
    let stamp = match row.owner {
        Some((tenant, user)) => Expr::case(
            Expr::col(sessions::Column::UserId)
                .eq(user.0)
                .and(Expr::col(sessions::Column::TenantId).eq(tenant.0)),
            Expr::col(sessions::Column::SecurityStamp),
        )
        .finally(owner_column(row.owner, users::Column::SecurityStamp))
        .into(),
        None => Expr::value(Option::<String>::None),
    };
    let must_write = sea_orm::Condition::any()
        .add(sessions::Column::Data.ne(row.data.as_str()))
        .add(sessions::Column::LastSeenAt.lte(now - WRITE_INTERVAL))
        .add(sessions::Column::ExpiresAt.gt(row.expires_at));
    let update = Query::update()
        .table(sessions::Entity)
        .value(
            sessions::Column::ActiveSeconds,
            Expr::col(sessions::Column::ActiveSeconds).add(gap),
        )
        .value(sessions::Column::SecurityStamp, stamp)
        .value(
            sessions::Column::TenantId,
            owner_column(row.owner, users::Column::TenantId),
        )
        .value(
            sessions::Column::UserId,
            owner_column(row.owner, users::Column::Id),
        )
        .value(sessions::Column::Data, row.data.as_str())
        .value(sessions::Column::ExpiresAt, row.expires_at)
        .value(sessions::Column::LastSeenAt, now)
        .value(sessions::Column::Ip, row.ip)
        .value(sessions::Column::UserAgent, row.user_agent)
        .cond_where(
            sea_orm::Condition::all()
                .add(sessions::Column::IdHash.eq(row.id_hash))
                .add(live(now))
                .add(must_write),
        )
        .to_owned();
    let result = db.execute(&update).await.map_err(|e| backend(e.into()))?;
    // No row matched: written within the minute by another instance, or no longer live.
    store.remember(&id_hash, (result.rows_affected() == 1).then_some(written));
    Ok(())
}

/// The one read of a load: the row, if live, with its user and tenant able to sign in and the
/// user's stamp unchanged.
async fn load(store: SeaOrmSessionStore, id: Id) -> session_store::Result<Option<Record>> {
    let db = store.repo.connection();
    let now = store.repo.now();
    let s = |column: sessions::Column| Expr::col((sessions::Entity, column));
    let u = |column: users::Column| Expr::col((users::Entity, column));
    let user_can_sign_in = sea_orm::Condition::all()
        .add(u(users::Column::SecurityStamp).eq(s(sessions::Column::SecurityStamp)))
        .add(u(users::Column::Status).eq(UserStatus::Active.as_str()))
        .add(u(users::Column::DeletedAt).is_null())
        .add(
            sea_orm::Condition::any()
                .add(u(users::Column::ExpiresAt).is_null())
                .add(u(users::Column::ExpiresAt).gt(now)),
        )
        .add(
            Expr::col((tenants::Entity, tenants::Column::Status)).eq(TenantStatus::Active.as_str()),
        );
    let select = Query::select()
        .expr(s(sessions::Column::Data))
        .expr(s(sessions::Column::ExpiresAt))
        .expr(s(sessions::Column::TenantId))
        .expr(s(sessions::Column::UserId))
        .expr(s(sessions::Column::LastSeenAt))
        .from(sessions::Entity)
        .left_join(
            users::Entity,
            u(users::Column::Id)
                .equals((sessions::Entity, sessions::Column::UserId))
                .and(
                    u(users::Column::TenantId)
                        .equals((sessions::Entity, sessions::Column::TenantId)),
                ),
        )
        .left_join(
            tenants::Entity,
            Expr::col((tenants::Entity, tenants::Column::Id))
                .equals((sessions::Entity, sessions::Column::TenantId)),
        )
        .and_where(s(sessions::Column::IdHash).eq(id_hash(id.0)))
        .and_where(s(sessions::Column::RevokedAt).is_null())
        .and_where(s(sessions::Column::ExpiresAt).gt(now))
        .cond_where(
            sea_orm::Condition::any()
                .add(s(sessions::Column::UserId).is_null())
                .add(user_can_sign_in),
        )
        .to_owned();
    let hash = id_hash(id.0);
    let Some(found) = db.query_one(&select).await.map_err(|e| backend(e.into()))? else {
        store.remember(&hash, None);
        return Ok(None);
    };
    let read = |e: sea_orm::DbErr| backend(e.into());
    let data: String = found.try_get_by_index(0).map_err(read)?;
    let expires_at: DateTime<Utc> = found.try_get_by_index(1).map_err(read)?;
    let tenant: Option<TenantId> = found.try_get_by_index(2).map_err(read)?;
    let user: Option<UserId> = found.try_get_by_index(3).map_err(read)?;
    let last_seen_at: DateTime<Utc> = found.try_get_by_index(4).map_err(read)?;
    let stored = Seen {
        data: data.clone(),
        last_seen_at,
        expires_at,
    };
    let data: HashMap<String, Value> = serde_json::from_str(&data)
        .map_err(|_| session_store::Error::Decode("a session's data is not JSON".into()))?;
    // The row's user is the one its data names: a data whose user could not be attached (gone
    // by the time it was saved) does not stand for that user.
    let owner = tenant.zip(user);
    if (store.user_of)(&data) != owner {
        store.remember(&hash, None);
        return Ok(None);
    }
    store.remember(&hash, Some(stored));
    Ok(Some(Record {
        id,
        data,
        expiry_date: to_time(expires_at)?,
    }))
}

async fn revoke(store: SeaOrmSessionStore, id: Id) -> session_store::Result<()> {
    let db = store.repo.connection();
    let now = store.repo.now();
    store.remember(&id_hash(id.0), None);
    let update = Query::update()
        .table(sessions::Entity)
        .value(sessions::Column::RevokedAt, now)
        .and_where(sessions::Column::IdHash.eq(id_hash(id.0)))
        .and_where(sessions::Column::RevokedAt.is_null())
        .to_owned();
    db.execute(&update).await.map_err(|e| backend(e.into()))?;
    Ok(())
}

/// Every call runs in a task of its own, as the repository's do (`store/detach.rs`): a
/// request dropped half-way never cancels a write.
#[async_trait]
impl SessionStore for SeaOrmSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let store = self.clone();
        let draft = record.clone();
        let id = detached(async move { Ok(create(store, draft).await) })
            .await
            .map_err(backend)??;
        record.id = id;
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let store = self.clone();
        let record = record.clone();
        detached(async move { Ok(save(store, record).await) })
            .await
            .map_err(backend)?
    }

    async fn load(&self, session_id: &Id) -> session_store::Result<Option<Record>> {
        let store = self.clone();
        let id = *session_id;
        detached(async move { Ok(load(store, id).await) })
            .await
            .map_err(backend)?
    }

    async fn delete(&self, session_id: &Id) -> session_store::Result<()> {
        let store = self.clone();
        let id = *session_id;
        detached(async move { Ok(revoke(store, id).await) })
            .await
            .map_err(backend)?
    }
}

/// tower-sessions' deletion task prunes through [`Sessions::prune_sessions`](crate::Sessions::prune_sessions), usage kept.
#[async_trait]
impl ExpiredDeletion for SeaOrmSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        crate::Sessions::prune_sessions(&self.repo)
            .await
            .map(drop)
            .map_err(backend)
    }
}
