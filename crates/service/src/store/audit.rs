//! The audit trail: one event per change, written in the change's transaction.

use super::SeaOrmUserRepository;
use crate::api::AuditLog;
use crate::error::{Error, Result};
use crate::inputs::{Actor, PageRequest};
use crate::views::{AuditEventView, Page};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use tenantry_entity::{TenantId, UserId, audit_events, users};
// Sibling store modules name the action through here, with the event they record.
pub(super) use tenantry_entity::AuditAction;

/// One event to record.
pub(crate) struct AuditEvent {
    pub tenant: TenantId,
    pub actor: Actor,
    pub action: AuditAction,
    pub target: Option<UserId>,
    /// Never a secret: callers put ids, names and roles here, nothing else.
    pub details: serde_json::Value,
    pub at: DateTime<Utc>,
}

impl AuditEvent {
    /// An event about the user `target`, with no details (add them with [`Self::with`]).
    pub(crate) fn about(
        tenant: TenantId,
        actor: Actor,
        action: AuditAction,
        target: UserId,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            tenant,
            actor,
            action,
            target: Some(target),
            details: serde_json::json!({}),
            at,
        }
    }

    /// The event with `details`.
    pub(crate) fn with(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }
}

/// `NotFound` unless `actor` (when given) is a user of `tenant`.
async fn check_actor(txn: &impl ConnectionTrait, tenant: TenantId, actor: Actor) -> Result<()> {
    if let Some(actor) = actor {
        let exists = users::Entity::find_by_id(actor)
            .filter(users::Column::TenantId.eq(tenant))
            .select_only()
            .column(users::Column::Id)
            .into_tuple::<UserId>()
            .one(txn)
            .await?;
        if exists.is_none() {
            return Err(Error::NotFound);
        }
    }
    Ok(())
}

fn row_of(event: AuditEvent) -> audit_events::ActiveModel {
    audit_events::ActiveModel {
        tenant_id: Set(event.tenant),
        actor_user_id: Set(event.actor),
        target_user_id: Set(event.target),
        action: Set(event.action),
        details: Set(event.details),
        at: Set(event.at),
        ..Default::default()
    }
}

/// Writes `event` on `txn`. The actor must be a user of the event's tenant.
///
/// # Errors
/// `NotFound` when the actor is not a user of the tenant; `Database`.
pub(crate) async fn record(txn: &impl ConnectionTrait, event: AuditEvent) -> Result<()> {
    check_actor(txn, event.tenant, event.actor).await?;
    let (tenant, action) = (event.tenant, event.action);
    row_of(event).insert(txn).await?;
    tracing::info!(
        tenant = tenant.0,
        action = action.as_str(),
        outcome = "ok",
        "audit"
    );
    Ok(())
}

/// Writes many events of one tenant and actor on `txn` in one multi-row insert (bulk import).
///
/// # Errors
/// `NotFound` when the actor is not a user of the tenant; `Database`.
pub(crate) async fn record_many(
    txn: &impl ConnectionTrait,
    tenant: TenantId,
    actor: Actor,
    events: Vec<AuditEvent>,
) -> Result<()> {
    check_actor(txn, tenant, actor).await?;
    let rows = events.into_iter().map(row_of).collect();
    super::bulk_sql::insert_rows(txn, rows).await?;
    Ok(())
}

/// The tenant's events, newest first.
pub(crate) async fn list_events(
    db: &DatabaseConnection,
    tenant: TenantId,
    page: PageRequest,
) -> Result<Page<AuditEventView>> {
    let offset = page.checked_offset()?;
    let query = audit_events::Entity::find().filter(audit_events::Column::TenantId.eq(tenant));
    let total = query.clone().count(db).await?;
    let items = query
        .order_by_desc(audit_events::Column::Id)
        .offset(offset)
        .limit(page.effective_limit())
        .all(db)
        .await?
        .into_iter()
        .map(AuditEventView::from)
        .collect();
    Ok(Page { items, total })
}

#[async_trait]
impl AuditLog for SeaOrmUserRepository {
    async fn list_audit_events(
        &self,
        tenant: TenantId,
        page: PageRequest,
    ) -> Result<Page<AuditEventView>> {
        self.detached(move |repo| async move { list_events(&repo.db, tenant, page).await })
            .await
    }
}
