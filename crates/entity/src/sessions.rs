//! `sessions`: the database session store's rows (the service's `tower-sessions` feature), one
//! per session, belonging to a user and tenant once the session has a user.

use crate::{TenantId, UserId};
use sea_orm::entity::prelude::*;

/// A row of `sessions`.
///
/// `id_hash` is the SHA-256 digest (hex) of the session id: the id itself, which the browser
/// holds in its cookie, is never stored. `pid` is the public handle a user sees in its list of
/// sessions and revokes one by.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenantry_sessions")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Public id, shown in a user's list of sessions.
    #[sea_orm(unique)]
    pub pid: Uuid,
    /// SHA-256 of the session id, lowercase hex; unique.
    #[sea_orm(unique)]
    pub id_hash: String,
    /// The user's tenant; `None` while the session has no user.
    pub tenant_id: Option<TenantId>,
    /// The session's user; `None` while it has none.
    pub user_id: Option<UserId>,
    /// The session record's data, as JSON.
    #[sea_orm(column_type = "Text")]
    pub data: String,
    /// The user's security stamp when the session got its user: once the user's stamp
    /// rotates, the session has ended.
    pub security_stamp: Option<String>,
    /// When the session was created.
    pub created_at: DateTimeUtc,
    /// The last request that wrote it (written at most once a minute).
    pub last_seen_at: DateTimeUtc,
    /// After this time it is refused.
    pub expires_at: DateTimeUtc,
    /// The client's address, as the host attached it.
    pub ip: Option<String>,
    /// The client's user agent, as the host attached it, trimmed.
    pub user_agent: Option<String>,
    /// When it was revoked; a revoked session is refused.
    pub revoked_at: Option<DateTimeUtc>,
    /// Seconds of activity: the gaps between writes no longer than the idle limit.
    pub active_seconds: i64,
}

impl ActiveModelBehavior for ActiveModel {}
