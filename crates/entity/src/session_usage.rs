//! `session_usage`: per user, what pruning keeps of the sessions it deleted, so a user's usage
//! outlives its session rows.

use crate::{TenantId, UserId};
use sea_orm::entity::prelude::*;

/// A row of `session_usage`: one per user that has had a session pruned.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenantry_session_usage")]
pub struct Model {
    /// The user.
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: UserId,
    /// The user's tenant.
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: TenantId,
    /// Active seconds of the user's pruned sessions.
    pub active_seconds: i64,
    /// The latest start of the user's pruned sessions.
    pub last_session_start: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
