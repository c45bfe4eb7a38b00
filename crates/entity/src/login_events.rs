//! `login_events`: every login attempt, successful or not.

use crate::{LoginOutcome, LoginSource, TenantId, UserId};
use sea_orm::entity::prelude::*;

/// A row of `login_events`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenantry_login_events")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The tenant logged into; `None` when the attempt named a tenant that does not exist
    /// (recorded so that such a failure costs what every other one costs).
    pub tenant_id: Option<TenantId>,
    /// The user, when the login named one that exists.
    pub user_id: Option<UserId>,
    /// Where the attempt came from.
    pub source: LoginSource,
    /// How it ended (the real reason; callers only saw success or one uniform failure).
    pub outcome: LoginOutcome,
    /// The client's address, when the host passed it.
    pub ip: Option<String>,
    /// When (UTC).
    pub at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
