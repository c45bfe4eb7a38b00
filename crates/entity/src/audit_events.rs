//! `audit_events`: who changed what in a tenant, written in the same transaction as the change.

use crate::{AuditAction, TenantId, UserId};
use sea_orm::entity::prelude::*;

/// A row of `audit_events`.
///
/// `details` never holds a secret: no password, hash or raw token is ever written to it.
/// The actor and target are set to `NULL` when their user is purged; `details` keeps the
/// target's public id and username so the event still says whom it was about.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenantry_audit_events")]
pub struct Model {
    /// Row id; increases with time.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The tenant the change happened in.
    pub tenant_id: TenantId,
    /// The user who made the change, when the caller said.
    pub actor_user_id: Option<UserId>,
    /// The user the change was about, if any.
    pub target_user_id: Option<UserId>,
    /// What happened, stored as its string, e.g. `user.created`.
    pub action: AuditAction,
    /// Details of the change, as JSON.
    pub details: Json,
    /// When it happened (UTC).
    pub at: DateTimeUtc,
    /// The tenant.
    #[sea_orm(belongs_to, from = "tenant_id", to = "id", on_delete = "Cascade")]
    pub tenant: BelongsTo<super::tenants::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
