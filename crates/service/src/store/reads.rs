//! The reads every command shares: the live users of a tenant, a user with its plant roles,
//! and the tenant a new row belongs to.

use super::unique::Unique;
use crate::error::{Error, Result};
use crate::views::{PlantRoleView, UserView};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, Select, SelectModel, Selector,
};
use std::collections::HashMap;
use tenantry_entity::{
    PlantId, TenantId, UserId, UserRole, plants, tenants, user_plant_roles, users,
};

/// The tenant's users that are not soft-deleted: the base of every lookup.
pub(crate) fn live(tenant: TenantId) -> Select<users::Entity> {
    users::Entity::find()
        .filter(users::Column::TenantId.eq(tenant))
        .filter(users::Column::DeletedAt.is_null())
}

/// A user row with its plant roles (one more query).
pub(crate) async fn view_of(db: &impl ConnectionTrait, user: users::Model) -> Result<UserView> {
    let mut roles = load_roles(db, &[user.id]).await?;
    let plant_roles = roles.remove(&user.id).unwrap_or_default();
    Ok(UserView::new(user, plant_roles))
}

/// The tenant `id`, or `NotFound`, on any connection or transaction.
pub(crate) async fn require_tenant(
    db: &impl ConnectionTrait,
    id: TenantId,
) -> Result<tenants::Model> {
    tenants::Entity::find_by_id(id)
        .unique(db)
        .await?
        .ok_or(Error::NotFound)
}

/// One plant role with its plant's public fields: only the columns a [`PlantRoleView`] shows
/// are read (on SQLite every timestamp is text that would be parsed for nothing).
#[derive(FromQueryResult)]
pub(crate) struct RoleRow {
    user_id: UserId,
    plant_id: PlantId,
    plant_pid: uuid::Uuid,
    plant_code: String,
    plant_name: String,
    role: UserRole,
}

impl From<RoleRow> for PlantRoleView {
    fn from(row: RoleRow) -> Self {
        PlantRoleView {
            plant_id: row.plant_id,
            plant_pid: row.plant_pid,
            plant_code: row.plant_code,
            plant_name: row.plant_name,
            role: row.role,
        }
    }
}

/// The query for the plant roles of `users`, ordered by plant code.
pub(crate) fn roles_query(users: &[UserId]) -> Selector<SelectModel<RoleRow>> {
    user_plant_roles::Entity::find()
        .select_only()
        .column(user_plant_roles::Column::UserId)
        .column_as(plants::Column::Id, "plant_id")
        .column_as(plants::Column::Pid, "plant_pid")
        .column_as(plants::Column::Code, "plant_code")
        .column_as(plants::Column::Name, "plant_name")
        .column(user_plant_roles::Column::Role)
        .inner_join(plants::Entity)
        .filter(user_plant_roles::Column::UserId.is_in(users.iter().copied()))
        .order_by_asc(plants::Column::CodeKey)
        .into_model::<RoleRow>()
}

/// The plant roles of `users`, by user, each list ordered by plant code: one query.
pub(crate) async fn load_roles(
    db: &impl ConnectionTrait,
    users: &[UserId],
) -> Result<HashMap<UserId, Vec<PlantRoleView>>> {
    let mut by_user: HashMap<UserId, Vec<PlantRoleView>> = HashMap::new();
    if users.is_empty() {
        return Ok(by_user);
    }
    for row in roles_query(users).all(db).await? {
        by_user.entry(row.user_id).or_default().push(row.into());
    }
    Ok(by_user)
}
