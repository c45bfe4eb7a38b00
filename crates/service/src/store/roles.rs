//! Roles: a user's role at each plant, its tenant-wide role, and the effective role that
//! combines them.

use super::SeaOrmUserRepository;
use super::admin_guard::ensure_not_last_admin;
use super::audit::{AuditAction, AuditEvent};
use super::change::{self, commit_user_change};
use super::reads::{live, view_of};
use super::role_rows::{check_distinct_plants, insert_roles, roles_json};
use super::stamp;
use super::tx::{begin_change, begin_user_change, lock_live_user, lock_tenant};
use super::unique::Unique;
use crate::api::Roles;
use crate::error::{Error, Result};
use crate::inputs::{Actor, PlantRole};
use crate::validation::Validator;
use crate::views::PlantMember;
use crate::views::UserView;
use async_trait::async_trait;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter,
};
use serde_json::json;
use tenantry_entity::{PlantId, TenantId, UserId, UserRole, user_plant_roles, users};

/// Rotates the user's security stamp on `txn`: its sessions must be re-checked.
async fn rotate_stamp(
    txn: &DatabaseTransaction,
    user: users::Model,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<users::Model> {
    let mut active = user.into_active_model();
    stamp::rotate(&mut active, now);
    Ok(active.update(txn).await?)
}

async fn require_plant(txn: &DatabaseTransaction, tenant: TenantId, plant: PlantId) -> Result<()> {
    super::plants::find(txn, tenant, plant)
        .await?
        .map(|_| ())
        .ok_or(Error::NotFound)
}

fn role_of(user: UserId, plant: PlantId) -> sea_orm::Select<user_plant_roles::Entity> {
    user_plant_roles::Entity::find()
        .filter(user_plant_roles::Column::UserId.eq(user))
        .filter(user_plant_roles::Column::PlantId.eq(plant))
}

pub(crate) async fn assign(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user_id: UserId,
    plant: PlantId,
    role: UserRole,
    actor: Actor,
) -> Result<UserView> {
    let (txn, now, user) = begin_user_change(repo, tenant, user_id).await?;
    require_plant(&txn, tenant, plant).await?;
    let previous = match role_of(user_id, plant).unique(&txn).await? {
        Some(existing) if existing.role == role => return view_of(&txn, user).await,
        Some(existing) => {
            let previous = existing.role;
            let mut active = existing.into_active_model();
            active.role = Set(role);
            active.granted_by = Set(actor);
            active.updated_at = Set(now);
            active.update(&txn).await?;
            Some(previous)
        }
        None => {
            insert_roles(
                &txn,
                tenant,
                user_id,
                &[PlantRole {
                    plant_id: plant,
                    role,
                }],
                actor,
                now,
            )
            .await?;
            None
        }
    };
    let user = rotate_stamp(&txn, user, now).await?;
    let event = AuditEvent::about(tenant, actor, AuditAction::PlantRoleAssigned, user_id, now)
        .with(json!({ "plant_id": plant, "role": role, "previous_role": previous }));
    change::finish(txn, user, event).await
}

pub(crate) async fn remove(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user_id: UserId,
    plant: PlantId,
    actor: Actor,
) -> Result<UserView> {
    let (txn, now, user) = begin_user_change(repo, tenant, user_id).await?;
    require_plant(&txn, tenant, plant).await?;
    let Some(existing) = role_of(user_id, plant).unique(&txn).await? else {
        return view_of(&txn, user).await;
    };
    user_plant_roles::Entity::delete_by_id(existing.id)
        .exec(&txn)
        .await?;
    let user = rotate_stamp(&txn, user, now).await?;
    let event = AuditEvent::about(tenant, actor, AuditAction::PlantRoleRemoved, user_id, now)
        .with(json!({ "plant_id": plant, "previous_role": existing.role }));
    change::finish(txn, user, event).await
}

/// Replaces the user's plant roles with exactly `roles` and, when `tenant_role` is given,
/// its tenant role too: one transaction, one audit event.
pub(crate) async fn replace(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user_id: UserId,
    tenant_role: Option<Option<UserRole>>,
    roles: &[PlantRole],
    actor: Actor,
) -> Result<UserView> {
    let mut validator = Validator::new();
    check_distinct_plants(&mut validator, roles);
    validator.finish()?;

    let (txn, now) = begin_change(repo).await?;
    if tenant_role.is_some() {
        lock_tenant(&txn, tenant).await?;
    }
    // The row lock makes concurrent replacements of one user's roles take turns, so the
    // last one to commit leaves exactly its own set.
    let user = lock_live_user(&txn, tenant, user_id).await?;
    let previous_tenant_role = user.tenant_role;
    if let Some(role) = tenant_role
        && role != Some(UserRole::Admin)
    {
        ensure_not_last_admin(&txn, &user, now).await?;
    }
    user_plant_roles::Entity::delete_many()
        .filter(user_plant_roles::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    insert_roles(&txn, tenant, user_id, roles, actor, now).await?;
    let new_tenant_role = tenant_role.unwrap_or(previous_tenant_role);
    let mut active = user.into_active_model();
    active.tenant_role = Set(new_tenant_role);
    stamp::rotate(&mut active, now);
    commit_user_change(
        txn,
        active,
        AuditEvent::about(tenant, actor, AuditAction::PlantRolesReplaced, user_id, now).with(
            json!({
                    "plant_roles": roles_json(roles),
                    "tenant_role": new_tenant_role,
                    "previous_tenant_role": previous_tenant_role,
            }),
        ),
    )
    .await
}

pub(crate) async fn set_tenant_role(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user_id: UserId,
    role: Option<UserRole>,
    actor: Actor,
) -> Result<UserView> {
    let (txn, now) = begin_change(repo).await?;
    lock_tenant(&txn, tenant).await?;
    let user = lock_live_user(&txn, tenant, user_id).await?;
    if user.tenant_role == role {
        return view_of(&txn, user).await;
    }
    if role != Some(UserRole::Admin) {
        ensure_not_last_admin(&txn, &user, now).await?;
    }
    let previous = user.tenant_role;
    let mut active = user.into_active_model();
    active.tenant_role = Set(role);
    stamp::rotate(&mut active, now);
    commit_user_change(
        txn,
        active,
        AuditEvent::about(tenant, actor, AuditAction::TenantRoleSet, user_id, now)
            .with(json!({ "role": role, "previous_role": previous })),
    )
    .await
}

pub(crate) async fn effective(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user_id: UserId,
    plant: PlantId,
) -> Result<Option<UserRole>> {
    let user = live(tenant)
        .filter(users::Column::Id.eq(user_id))
        .unique(&repo.db)
        .await?
        .ok_or(Error::NotFound)?;
    super::plants::find(&repo.db, tenant, plant)
        .await?
        .ok_or(Error::NotFound)?;
    let at_plant = role_of(user_id, plant)
        .unique(&repo.db)
        .await?
        .map(|r| r.role);
    Ok(at_plant.max(user.tenant_role))
}

#[async_trait]
impl Roles for SeaOrmUserRepository {
    async fn assign_plant_role(
        &self,
        tenant: TenantId,
        user: UserId,
        plant: PlantId,
        role: UserRole,
        actor: Actor,
    ) -> Result<UserView> {
        self.detached(
            move |repo| async move { assign(&repo, tenant, user, plant, role, actor).await },
        )
        .await
    }

    async fn remove_plant_role(
        &self,
        tenant: TenantId,
        user: UserId,
        plant: PlantId,
        actor: Actor,
    ) -> Result<UserView> {
        self.detached(move |repo| async move { remove(&repo, tenant, user, plant, actor).await })
            .await
    }

    async fn set_plant_roles(
        &self,
        tenant: TenantId,
        user: UserId,
        roles: &[PlantRole],
        actor: Actor,
    ) -> Result<UserView> {
        let roles = roles.to_vec();
        self.detached(
            move |repo| async move { replace(&repo, tenant, user, None, &roles, actor).await },
        )
        .await
    }

    async fn set_roles(
        &self,
        tenant: TenantId,
        user: UserId,
        tenant_role: Option<UserRole>,
        plant_roles: &[PlantRole],
        actor: Actor,
    ) -> Result<UserView> {
        let plant_roles = plant_roles.to_vec();
        self.detached(move |repo| async move {
            replace(&repo, tenant, user, Some(tenant_role), &plant_roles, actor).await
        })
        .await
    }

    async fn set_tenant_role(
        &self,
        tenant: TenantId,
        user: UserId,
        role: Option<UserRole>,
        actor: Actor,
    ) -> Result<UserView> {
        self.detached(
            move |repo| async move { set_tenant_role(&repo, tenant, user, role, actor).await },
        )
        .await
    }

    async fn effective_role(
        &self,
        tenant: TenantId,
        user: UserId,
        plant: PlantId,
    ) -> Result<Option<UserRole>> {
        self.detached(move |repo| async move { effective(&repo, tenant, user, plant).await })
            .await
    }

    async fn users_for_plant(
        &self,
        tenant: TenantId,
        plant: PlantId,
        min_role: Option<UserRole>,
    ) -> Result<Vec<PlantMember>> {
        self.detached(move |repo| async move {
            super::listing::users_for_plant(&repo, tenant, plant, min_role).await
        })
        .await
    }
}
