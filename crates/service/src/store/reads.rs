//! The reads every command shares: the live users of a tenant, a user with its grants,
//! and the tenant a new row belongs to.

use super::unique::Unique;
use crate::error::{Error, Result};
use crate::role_catalogue::RoleKey;
use crate::views::UserGrants;
use crate::views::{PlantRoleView, UserView};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement, UnionType};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, Select};
use std::collections::HashMap;
use tenantry_entity::{
    PlantId, TenantId, UserId, plants, tenants, user_plant_roles, user_tenant_roles, users,
};

/// The tenant's users that are not soft-deleted: the base of every lookup.
pub(crate) fn live(tenant: TenantId) -> Select<users::Entity> {
    users::Entity::find()
        .filter(users::Column::TenantId.eq(tenant))
        .filter(users::Column::DeletedAt.is_null())
}

/// A user row with its grants (one more statement).
pub(crate) async fn view_of(db: &impl ConnectionTrait, user: users::Model) -> Result<UserView> {
    let mut grants = load_grants(db, &[user.id]).await?;
    let grants = grants.remove(&user.id).unwrap_or_default();
    Ok(UserView::new(user, grants))
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

/// One grant with, for a plant grant, its plant's public fields: only the columns a view
/// shows are read (on SQLite every timestamp is text that would be parsed for nothing). A
/// tenant-wide grant has no plant.
#[derive(FromQueryResult)]
pub(crate) struct GrantRow {
    user_id: UserId,
    plant_id: Option<PlantId>,
    plant_pid: Option<uuid::Uuid>,
    plant_code: Option<String>,
    plant_code_key: Option<String>,
    plant_name: Option<String>,
    plant_active: Option<bool>,
    role: String,
}

/// The grants of `users`, tenant-wide and at plants, in one statement (`UNION ALL`): the
/// second of a user read's two statements. Binds the user ids twice.
pub(crate) fn grants_query(users: &[UserId]) -> SelectStatement {
    let ids = || users.iter().copied().map(sea_orm::Value::from);
    // Literal NULLs, not bound ones: the statement binds only the user ids.
    let null = || Expr::cust("NULL");
    let mut tenant_wide = Query::select();
    tenant_wide
        .column(user_tenant_roles::Column::UserId)
        .expr_as(null(), "plant_id")
        .expr_as(null(), "plant_pid")
        .expr_as(null(), "plant_code")
        .expr_as(null(), "plant_code_key")
        .expr_as(null(), "plant_name")
        .expr_as(null(), "plant_active")
        .column(user_tenant_roles::Column::Role)
        .from(user_tenant_roles::Entity)
        .and_where(user_tenant_roles::Column::UserId.is_in(ids()));
    let mut at_plants = Query::select();
    at_plants
        .column((user_plant_roles::Entity, user_plant_roles::Column::UserId))
        .expr_as(Expr::col((plants::Entity, plants::Column::Id)), "plant_id")
        .expr_as(
            Expr::col((plants::Entity, plants::Column::Pid)),
            "plant_pid",
        )
        .expr_as(
            Expr::col((plants::Entity, plants::Column::Code)),
            "plant_code",
        )
        .expr_as(
            Expr::col((plants::Entity, plants::Column::CodeKey)),
            "plant_code_key",
        )
        .expr_as(
            Expr::col((plants::Entity, plants::Column::Name)),
            "plant_name",
        )
        .expr_as(
            Expr::col((plants::Entity, plants::Column::IsActive)),
            "plant_active",
        )
        .column((user_plant_roles::Entity, user_plant_roles::Column::Role))
        .from(user_plant_roles::Entity)
        .inner_join(
            plants::Entity,
            Expr::col((plants::Entity, plants::Column::Id))
                .equals((user_plant_roles::Entity, user_plant_roles::Column::PlantId)),
        )
        .and_where(
            Expr::col((user_plant_roles::Entity, user_plant_roles::Column::UserId)).is_in(ids()),
        );
    tenant_wide.union(UnionType::All, at_plants);
    tenant_wide
}

/// Grant rows gathered by user, each user's lists in a view's order: tenant-wide roles by
/// key, plant roles by plant code, then key.
pub(crate) fn by_user(rows: Vec<GrantRow>) -> HashMap<UserId, UserGrants> {
    let mut rows = rows;
    rows.sort_by(|a, b| {
        (a.user_id, &a.plant_code_key, &a.role).cmp(&(b.user_id, &b.plant_code_key, &b.role))
    });
    let mut by_user: HashMap<UserId, UserGrants> = HashMap::new();
    for row in rows {
        let grants = by_user.entry(row.user_id).or_default();
        let role = RoleKey::stored(row.role);
        match (row.plant_id, row.plant_pid, row.plant_code, row.plant_name) {
            (Some(plant_id), Some(plant_pid), Some(plant_code), Some(plant_name)) => {
                grants.plants.push(PlantRoleView {
                    plant_id,
                    plant_pid,
                    plant_code,
                    plant_name,
                    plant_active: row.plant_active.unwrap_or(true),
                    role,
                });
            }
            _ => grants.tenant.push(role),
        }
    }
    by_user
}

/// The grants of `users`, by user: one statement.
pub(crate) async fn load_grants(
    db: &impl ConnectionTrait,
    users: &[UserId],
) -> Result<HashMap<UserId, UserGrants>> {
    if users.is_empty() {
        return Ok(HashMap::new());
    }
    let statement = db.get_database_backend().build(&grants_query(users));
    Ok(by_user(
        GrantRow::find_by_statement(statement).all(db).await?,
    ))
}
