//! Plants of a tenant: create, look up, list, deactivate and reactivate.

use super::SeaOrmUserRepository;
use super::audit::{AuditAction, AuditEvent};
use super::change;
use super::tx::begin_change;
use super::unique::Unique;
use crate::api::Plants;
use crate::error::{Error, Result};
use crate::inputs::{Actor, NewPlant};
use crate::normalize::plant_code_key;
use crate::validation::{self, Validator};
use crate::views::PlantView;
use async_trait::async_trait;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder,
};
use serde_json::json;
use tenantry_entity::{PlantId, TenantId, plants};
use uuid::Uuid;

pub(crate) async fn create(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    input: NewPlant,
    actor: Actor,
) -> Result<PlantView> {
    let mut validator = Validator::new();
    validator
        .check("code", validation::plant_code(&input.code))
        .check("name", validation::name(&input.name));
    validator.finish()?;

    let (txn, now) = begin_change(repo).await?;
    super::reads::require_tenant(&txn, tenant).await?;
    let row = plants::ActiveModel {
        pid: Set(Uuid::now_v7()),
        tenant_id: Set(tenant),
        code_key: Set(plant_code_key(&input.code)),
        code: Set(input.code),
        name: Set(input.name),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let plant = change::insert_audited(txn, row, |plant| AuditEvent {
        tenant,
        actor,
        action: AuditAction::PlantCreated,
        target: None,
        details: json!({ "plant_id": plant.id, "code": plant.code }),
        at: now,
    })
    .await?;
    Ok(plant.into())
}

fn of_tenant(tenant: TenantId) -> sea_orm::Select<plants::Entity> {
    plants::Entity::find().filter(plants::Column::TenantId.eq(tenant))
}

pub(crate) async fn get(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    id: PlantId,
) -> Result<Option<PlantView>> {
    Ok(find(&repo.db, tenant, id).await?.map(PlantView::from))
}

/// The plant `id` of `tenant`, on any connection or transaction.
pub(crate) async fn find(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    id: PlantId,
) -> Result<Option<plants::Model>> {
    Ok(of_tenant(tenant)
        .filter(plants::Column::Id.eq(id))
        .unique(db)
        .await?)
}

pub(crate) async fn get_by_pid(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    pid: Uuid,
) -> Result<Option<PlantView>> {
    Ok(of_tenant(tenant)
        .filter(plants::Column::Pid.eq(pid))
        .unique(&repo.db)
        .await?
        .map(PlantView::from))
}

pub(crate) async fn get_by_code(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    code: &str,
) -> Result<Option<PlantView>> {
    if !crate::validation::could_be_stored(code) {
        return Ok(None);
    }
    Ok(of_tenant(tenant)
        .filter(plants::Column::CodeKey.eq(plant_code_key(code)))
        .unique(&repo.db)
        .await?
        .map(PlantView::from))
}

pub(crate) async fn list_plants(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
) -> Result<Vec<PlantView>> {
    Ok(of_tenant(tenant)
        .order_by_asc(plants::Column::CodeKey)
        .all(&repo.db)
        .await?
        .into_iter()
        .map(PlantView::from)
        .collect())
}

/// Puts the plant in or out of service and records it (nothing is written when unchanged).
pub(crate) async fn set_active(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    id: PlantId,
    is_active: bool,
    actor: Actor,
) -> Result<PlantView> {
    let (txn, now) = begin_change(repo).await?;
    let plant = find(&txn, tenant, id).await?.ok_or(Error::NotFound)?;
    if plant.is_active == is_active {
        return Ok(plant.into());
    }
    let mut active = plant.into_active_model();
    active.is_active = Set(is_active);
    active.updated_at = Set(now);
    let plant = active.update(&txn).await?;
    let action = if is_active {
        AuditAction::PlantReactivated
    } else {
        AuditAction::PlantDeactivated
    };
    change::commit_event(
        txn,
        AuditEvent {
            tenant,
            actor,
            action,
            target: None,
            details: json!({ "plant_id": plant.id, "code": plant.code }),
            at: now,
        },
    )
    .await?;
    Ok(plant.into())
}

#[async_trait]
impl Plants for SeaOrmUserRepository {
    async fn create_plant(
        &self,
        tenant: TenantId,
        input: NewPlant,
        actor: Actor,
    ) -> Result<PlantView> {
        self.detached(move |repo| async move { create(&repo, tenant, input, actor).await })
            .await
    }

    async fn get_plant(&self, tenant: TenantId, id: PlantId) -> Result<Option<PlantView>> {
        self.detached(move |repo| async move { get(&repo, tenant, id).await })
            .await
    }

    async fn get_plant_by_pid(&self, tenant: TenantId, pid: Uuid) -> Result<Option<PlantView>> {
        self.detached(move |repo| async move { get_by_pid(&repo, tenant, pid).await })
            .await
    }

    async fn get_plant_by_code(&self, tenant: TenantId, code: &str) -> Result<Option<PlantView>> {
        let code = code.to_owned();
        self.detached(move |repo| async move { get_by_code(&repo, tenant, &code).await })
            .await
    }

    async fn list_plants(&self, tenant: TenantId) -> Result<Vec<PlantView>> {
        self.detached(move |repo| async move { list_plants(&repo, tenant).await })
            .await
    }

    async fn deactivate_plant(
        &self,
        tenant: TenantId,
        id: PlantId,
        actor: Actor,
    ) -> Result<PlantView> {
        self.detached(move |repo| async move { set_active(&repo, tenant, id, false, actor).await })
            .await
    }

    async fn reactivate_plant(
        &self,
        tenant: TenantId,
        id: PlantId,
        actor: Actor,
    ) -> Result<PlantView> {
        self.detached(move |repo| async move { set_active(&repo, tenant, id, true, actor).await })
            .await
    }
}
