//! Tenants: create, look up, list, suspend and reactivate.

use super::SeaOrmUserRepository;
use super::audit::{AuditAction, AuditEvent};
use super::change;
use super::tx::begin_change;
use super::unique::Unique;
use crate::api::Tenants;
use crate::error::{Result, unique_violation};
use crate::inputs::{Actor, NewTenant, PageRequest};
use crate::validation::{self, Validator};
use crate::views::{Page, TenantView};
use async_trait::async_trait;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use tenantry_entity::{TenantId, TenantStatus, tenant_locks, tenants};
use uuid::Uuid;

pub(crate) async fn create(
    repo: &SeaOrmUserRepository,
    input: NewTenant,
    actor: Actor,
) -> Result<TenantView> {
    let mut validator = Validator::new();
    validator
        .check("slug", validation::tenant_slug(&input.slug))
        .check("name", validation::name(&input.name));
    validator.finish()?;

    let (txn, now) = begin_change(repo).await?;
    let row = tenants::ActiveModel {
        pid: Set(Uuid::now_v7()),
        slug: Set(input.slug),
        name: Set(input.name),
        status: Set(TenantStatus::Active),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    // A new tenant has no users yet, so an actor cannot be one of them: it is not recorded.
    let _ = actor;
    let tenant = row.insert(&txn).await.map_err(unique_violation)?;
    // The row `tx::lock_tenant` locks is made with the tenant.
    tenant_locks::ActiveModel {
        tenant_id: Set(tenant.id),
    }
    .insert(&txn)
    .await?;
    let event = AuditEvent {
        tenant: tenant.id,
        actor: None,
        action: AuditAction::TenantCreated,
        target: None,
        details: json!({ "slug": tenant.slug, "pid": tenant.pid }),
        at: now,
    };
    change::commit_event(txn, event).await?;
    Ok(tenant.into())
}

pub(crate) async fn get(repo: &SeaOrmUserRepository, id: TenantId) -> Result<Option<TenantView>> {
    Ok(tenants::Entity::find_by_id(id)
        .unique(&repo.db)
        .await?
        .map(TenantView::from))
}

pub(crate) async fn get_by_pid(
    repo: &SeaOrmUserRepository,
    pid: Uuid,
) -> Result<Option<TenantView>> {
    Ok(tenants::Entity::find()
        .filter(tenants::Column::Pid.eq(pid))
        .unique(&repo.db)
        .await?
        .map(TenantView::from))
}

pub(crate) async fn get_by_slug(
    repo: &SeaOrmUserRepository,
    slug: &str,
) -> Result<Option<TenantView>> {
    if !crate::validation::could_be_stored(slug) {
        return Ok(None);
    }
    Ok(tenants::Entity::find()
        .filter(tenants::Column::Slug.eq(slug))
        .unique(&repo.db)
        .await?
        .map(TenantView::from))
}

pub(crate) async fn list_tenants(
    repo: &SeaOrmUserRepository,
    page: PageRequest,
) -> Result<Page<TenantView>> {
    let offset = page.checked_offset()?;
    let total = tenants::Entity::find().count(&repo.db).await?;
    let items = tenants::Entity::find()
        .order_by_asc(tenants::Column::Slug)
        .offset(offset)
        .limit(page.effective_limit())
        .all(&repo.db)
        .await?
        .into_iter()
        .map(TenantView::from)
        .collect();
    Ok(Page { items, total })
}

/// Sets the tenant's status and records the change (nothing is written when it already has it).
pub(crate) async fn set_status(
    repo: &SeaOrmUserRepository,
    id: TenantId,
    status: TenantStatus,
    actor: Actor,
) -> Result<TenantView> {
    let (txn, now) = begin_change(repo).await?;
    let tenant = super::tx::lock_tenant(&txn, id).await?;
    if tenant.status == status {
        return Ok(tenant.into());
    }
    // The users first, the tenant's row last: a write to a user that is under way records an
    // event, whose foreign key share-locks the tenant's row; holding that row while waiting
    // for the user's would deadlock on MySQL.
    // A suspension ends every session, and no session made before a suspension or a
    // reactivation ever holds again (a stamp only shows while the tenant is active, see
    // `login::security_stamp`, but a paused session must not come back with the tenant).
    super::stamp::rotate_many(&txn, id, None).await?;
    let mut active = tenant.into_active_model();
    active.status = Set(status);
    active.updated_at = Set(now);
    let tenant = active.update(&txn).await?;
    let action = match status {
        TenantStatus::Suspended => AuditAction::TenantSuspended,
        TenantStatus::Active => AuditAction::TenantReactivated,
    };
    change::commit_event(
        txn,
        AuditEvent {
            tenant: id,
            actor,
            action,
            target: None,
            details: json!({ "slug": tenant.slug }),
            at: now,
        },
    )
    .await?;
    // A SCIM token of a suspended tenant opens nothing from now on.
    repo.scim_tokens_seen.forget_all();
    Ok(tenant.into())
}

#[async_trait]
impl Tenants for SeaOrmUserRepository {
    async fn create_tenant(&self, input: NewTenant, actor: Actor) -> Result<TenantView> {
        self.detached(move |repo| async move { create(&repo, input, actor).await })
            .await
    }

    async fn get_tenant(&self, id: TenantId) -> Result<Option<TenantView>> {
        self.detached(move |repo| async move { get(&repo, id).await })
            .await
    }

    async fn get_tenant_by_pid(&self, pid: Uuid) -> Result<Option<TenantView>> {
        self.detached(move |repo| async move { get_by_pid(&repo, pid).await })
            .await
    }

    async fn get_tenant_by_slug(&self, slug: &str) -> Result<Option<TenantView>> {
        let slug = slug.to_owned();
        self.detached(move |repo| async move { get_by_slug(&repo, &slug).await })
            .await
    }

    async fn list_tenants(&self, page: PageRequest) -> Result<Page<TenantView>> {
        self.detached(move |repo| async move { list_tenants(&repo, page).await })
            .await
    }

    async fn suspend_tenant(&self, id: TenantId, actor: Actor) -> Result<TenantView> {
        self.detached(move |repo| async move {
            set_status(&repo, id, TenantStatus::Suspended, actor).await
        })
        .await
    }

    async fn reactivate_tenant(&self, id: TenantId, actor: Actor) -> Result<TenantView> {
        self.detached(move |repo| async move {
            set_status(&repo, id, TenantStatus::Active, actor).await
        })
        .await
    }
}
