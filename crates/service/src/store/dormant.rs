//! Dormant accounts: active users who have not logged in for a while, and deactivating them.

use super::SeaOrmUserRepository;
use super::admin_guard::signing_in_admins;
use super::audit::{self, AuditAction, AuditEvent};
use super::one_time_tokens;
use super::reads::{live, view_of};
use super::stamp;
use super::tx::{begin_change, lock_tenant};
use crate::api::Dormancy;
use crate::error::Result;
use crate::inputs::Actor;
use crate::views::UserView;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Select,
};
use serde_json::json;
use tenantry_entity::{TenantId, UserId, UserStatus, users};

/// Active users of the tenant who have not logged in since `since` (never-logged-in users
/// count from their creation).
fn dormant(tenant: TenantId, since: DateTime<Utc>) -> Select<users::Entity> {
    live(tenant)
        .filter(users::Column::Status.eq(UserStatus::Active))
        .filter(
            Condition::any()
                .add(users::Column::LastLoginAt.lt(since))
                .add(
                    Condition::all()
                        .add(users::Column::LastLoginAt.is_null())
                        .add(users::Column::CreatedAt.lt(since)),
                ),
        )
        .order_by_asc(users::Column::UsernameKey)
        .order_by_asc(users::Column::Id)
}

pub(crate) async fn list_dormant(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    since: DateTime<Utc>,
) -> Result<Vec<UserView>> {
    let users = dormant(tenant, since).all(&repo.db).await?;
    let mut views = Vec::with_capacity(users.len());
    for user in users {
        views.push(view_of(&repo.db, user).await?);
    }
    Ok(views)
}

pub(crate) async fn deactivate_dormant(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    since: DateTime<Utc>,
    actor: Actor,
) -> Result<u64> {
    let (txn, now) = begin_change(repo).await?;
    lock_tenant(&txn, tenant).await?;
    // Only admins who could sign in count (see `signing_in_admins`).
    let catalogue = &repo.config.roles;
    let admins = signing_in_admins(tenant, catalogue, now);
    let admin_ids: std::collections::HashSet<_> = admins
        .select_only()
        .column(users::Column::Id)
        .into_tuple::<UserId>()
        .all(&txn)
        .await?
        .into_iter()
        .collect();
    let mut admins_left = admin_ids.len();
    let mut deactivated = 0;
    for user in dormant(tenant, since).all(&txn).await? {
        if admin_ids.contains(&user.id) {
            // The last active admin is kept, dormant or not.
            if admins_left <= 1 {
                continue;
            }
            admins_left -= 1;
        }
        let id = user.id;
        let last_login_at = user.last_login_at;
        let mut active = user.into_active_model();
        active.status = Set(UserStatus::Suspended);
        stamp::rotate(&mut active, now);
        active.update(&txn).await?;
        one_time_tokens::void(&txn, id, None).await?;
        audit::record(
            &txn,
            AuditEvent::about(tenant, actor, AuditAction::UserDeactivated, id, now).with(
                json!({ "reason": "dormant", "since": since, "last_login_at": last_login_at }),
            ),
        )
        .await?;
        deactivated += 1;
    }
    txn.commit().await?;
    Ok(deactivated)
}

#[async_trait]
impl Dormancy for SeaOrmUserRepository {
    async fn list_dormant(&self, tenant: TenantId, since: DateTime<Utc>) -> Result<Vec<UserView>> {
        self.detached(move |repo| async move { list_dormant(&repo, tenant, since).await })
            .await
    }

    async fn deactivate_dormant(
        &self,
        tenant: TenantId,
        since: DateTime<Utc>,
        actor: Actor,
    ) -> Result<u64> {
        self.detached(
            move |repo| async move { deactivate_dormant(&repo, tenant, since, actor).await },
        )
        .await
    }
}
