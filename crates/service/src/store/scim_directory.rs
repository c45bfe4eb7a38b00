//! [`ScimDirectory`] for [`SeaOrmUserRepository`]: external ids of a page of users, and the
//! exact holders of a tenant-wide role.

use super::SeaOrmUserRepository;
use crate::api::{RoleMember, ScimDirectory};
use crate::error::Result;
use crate::role_catalogue::RoleKey;
use async_trait::async_trait;
use sea_orm::{
    ColumnTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect, RelationTrait,
};
use std::collections::HashMap;
use tenantry_entity::{TenantId, UserId, user_identities, user_tenant_roles, users};
use uuid::Uuid;

async fn external_ids(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    provider: String,
    users: Vec<UserId>,
) -> Result<HashMap<UserId, String>> {
    if users.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(user_identities::Entity::find()
        .select_only()
        .columns([
            user_identities::Column::UserId,
            user_identities::Column::Subject,
        ])
        .filter(user_identities::Column::TenantId.eq(tenant))
        .filter(user_identities::Column::Provider.eq(provider))
        .filter(user_identities::Column::UserId.is_in(users))
        .into_tuple::<(UserId, String)>()
        .all(&repo.db)
        .await?
        .into_iter()
        .collect())
}

async fn members(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    role: RoleKey,
) -> Result<Vec<RoleMember>> {
    let rows = user_tenant_roles::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .column(users::Column::Pid)
        .column(users::Column::DisplayName)
        .column(users::Column::Username)
        .column(users::Column::Email)
        .join(
            JoinType::InnerJoin,
            user_tenant_roles::Relation::Users.def(),
        )
        .filter(user_tenant_roles::Column::TenantId.eq(tenant))
        .filter(user_tenant_roles::Column::Role.eq(role.as_str()))
        .filter(users::Column::DeletedAt.is_null())
        .order_by_asc(users::Column::Id)
        .into_tuple::<(UserId, Uuid, String, Option<String>, Option<String>)>()
        .all(&repo.db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, pid, display_name, username, email)| RoleMember {
            id,
            pid,
            display_name: Some(display_name)
                .filter(|name| !name.is_empty())
                .or(username)
                .or(email)
                .unwrap_or_default(),
        })
        .collect())
}

#[async_trait]
impl ScimDirectory for SeaOrmUserRepository {
    async fn external_ids(
        &self,
        tenant: TenantId,
        provider: &str,
        users: &[UserId],
    ) -> Result<HashMap<UserId, String>> {
        let provider = provider.to_owned();
        let users = users.to_vec();
        self.detached(move |repo| async move { external_ids(&repo, tenant, provider, users).await })
            .await
    }

    async fn tenant_role_members(
        &self,
        tenant: TenantId,
        role: &RoleKey,
    ) -> Result<Vec<RoleMember>> {
        let role = role.clone();
        self.detached(move |repo| async move { members(&repo, tenant, role).await })
            .await
    }
}
