//! [`ScimDirectory`] for [`SeaOrmUserRepository`]: one user with its external id, external
//! ids of a page of users, and the exact holders of a tenant-wide role.

use super::SeaOrmUserRepository;
use super::lookups::UserKey;
use super::scim_write;
use crate::api::{RoleMember, ScimChange, ScimDirectory, ScimUser, ScimUserKey};
use crate::error::Result;
use crate::role_catalogue::RoleKey;
use crate::views::UserView;
use async_trait::async_trait;
use sea_orm::{
    ColumnTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect, RelationTrait,
};
use std::collections::HashMap;
use tenantry_entity::{TenantId, UserId, user_identities, user_tenant_roles, users};
use uuid::Uuid;

/// The user `key` names and its subject at `provider`. Every SCIM request about one user
/// starts here, so it is the two statements `get_user_by_username` makes — the user's row (its
/// link a subquery of it) and its grants — and no more: SCIM `GET /Users?filter=userName eq`
/// stays within 2× of that call (`benches/benches/scim.rs`).
async fn scim_user(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    provider: String,
    key: ScimUserKey,
) -> Result<Option<(UserView, Option<String>)>> {
    let key = match key {
        ScimUserKey::Pid(pid) => Some(UserKey::Pid(pid)),
        ScimUserKey::Username(name) => UserKey::username(&name),
        ScimUserKey::Email(email) => UserKey::email(&email),
        ScimUserKey::ExternalId(subject) => {
            if !crate::validation::could_be_stored(&subject) {
                return Ok(None);
            }
            let linked = user_identities::Entity::find()
                .select_only()
                .column(user_identities::Column::UserId)
                .filter(user_identities::Column::TenantId.eq(tenant))
                .filter(user_identities::Column::Provider.eq(provider.as_str()))
                .filter(user_identities::Column::Subject.eq(subject.as_str()))
                .into_tuple::<UserId>()
                .one(&repo.db)
                .await?;
            linked.map(UserKey::Id)
        }
    };
    let Some(key) = key else {
        return Ok(None);
    };
    let found = repo
        .lookups
        .user_and_link(&repo.db, tenant, key, &provider)
        .await?;
    let Some((user, link)) = found else {
        return Ok(None);
    };
    let roles = repo.lookups.roles_of(&repo.db, user.id).await?;
    Ok(Some((UserView::new(user, roles), link)))
}

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
        .into_tuple::<MemberRow>()
        .all(&repo.db)
        .await?;
    Ok(rows.into_iter().map(member_of).collect())
}

/// The columns a group's member is read with: the user's id, pid, display name, username and
/// email.
pub(super) type MemberRow = (UserId, Uuid, String, Option<String>, Option<String>);

/// A group's member from its [`MemberRow`], its display name falling back as
/// [`UserView::display_name`](crate::UserView) does.
pub(super) fn member_of((id, pid, display_name, username, email): MemberRow) -> RoleMember {
    RoleMember {
        id,
        pid,
        display_name: Some(display_name)
            .filter(|name| !name.is_empty())
            .or(username)
            .or(email)
            .unwrap_or_default(),
    }
}

#[async_trait]
impl ScimDirectory for SeaOrmUserRepository {
    async fn create_scim_user(
        &self,
        tenant: TenantId,
        provider: &str,
        user: ScimUser,
    ) -> Result<UserView> {
        let provider = provider.to_owned();
        self.detached(
            move |repo| async move { scim_write::create(&repo, tenant, provider, user).await },
        )
        .await
    }

    async fn change_scim_user(
        &self,
        tenant: TenantId,
        provider: &str,
        user: UserId,
        change: ScimChange,
    ) -> Result<UserView> {
        let provider = provider.to_owned();
        self.detached(move |repo| async move {
            scim_write::change(&repo, tenant, provider, user, change).await
        })
        .await
    }

    async fn scim_user(
        &self,
        tenant: TenantId,
        provider: &str,
        key: ScimUserKey,
    ) -> Result<Option<(UserView, Option<String>)>> {
        let provider = provider.to_owned();
        self.detached(move |repo| async move { scim_user(&repo, tenant, provider, key).await })
            .await
    }

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
