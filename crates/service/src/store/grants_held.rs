//! A user's grants as the catalogue sees them, read in one statement that also says whether
//! the user (and the plant asked about) exist: what effective roles, `grants_of` and the
//! delegation check start from.

use crate::error::{Error, Result};
use crate::role_catalogue::{Grant, GrantScope, RoleKey};
use sea_orm::sea_query::{Expr, ExprTrait, Query, UnionType};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseBackend, FromQueryResult};
use tenantry_entity::{
    PlantId, TenantId, UserId, plants, user_plant_roles, user_tenant_roles, users,
};

/// Which grants [`held_by`] reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Counted {
    /// Every grant the user holds.
    All,
    /// Those that count: tenant-wide ones and those at plants in service.
    InService,
}

/// `EXISTS` a plant in service with the id `plant` (a column or a value): the one test every
/// grant at a plant passes before it counts.
pub(crate) fn in_service(plant: Expr) -> Expr {
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(plants::Entity)
            .and_where(Expr::col((plants::Entity, plants::Column::Id)).eq(plant))
            .and_where(Expr::col((plants::Entity, plants::Column::IsActive)).eq(true))
            .take(),
    )
}

/// One row of [`held_by`]'s statement: that the user (`u`) or the plant (`p`) exists, or a
/// grant (`g`: tenant-wide without a plant).
#[derive(FromQueryResult)]
struct Found {
    kind: String,
    plant_id: Option<PlantId>,
    role: Option<String>,
}

/// The user's grants — all of them (`at` = `None`), its tenant-wide ones, or those that count
/// at a plant (tenant-wide and there) — in one statement: one `UNION ALL` that also says
/// whether the user (live, of the tenant) and the plant exist. `NotFound` when either does not.
///
/// With `Counted::InService`, grants at a plant out of service are left out: they count for
/// nothing (effective roles, the delegation check). `Counted::All` lists them too (what the
/// user holds, as `grants_of` shows it).
///
/// The grant branches filter on the user alone: the `u` row already proves the user is the
/// tenant's, and its grants are in its tenant by their composite foreign keys. A `tenant_id`
/// term there made SQLite (without `ANALYZE`) pick the `(tenant_id, role)` and
/// `(plant_id, tenant_id)` indexes and read every grant of the tenant or plant: 5× slower at
/// 10 000 users than the user's own index (BENCHMARKS.md, issue 14).
pub(crate) async fn held_by(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
    at: Option<GrantScope>,
    counted: Counted,
) -> Result<Vec<Grant>> {
    let literal = |sql: &'static str| Expr::cust(sql);
    // PostgreSQL types a UNION's columns branch by branch: two untyped NULLs make `text`, which
    // then cannot meet the plant grants' `bigint`.
    let no_plant = match db.get_database_backend() {
        DatabaseBackend::Postgres => "CAST(NULL AS BIGINT)",
        _ => "NULL",
    };
    let mut query = Query::select();
    query
        .expr_as(literal("'u'"), "kind")
        .expr_as(literal(no_plant), "plant_id")
        .expr_as(literal("NULL"), "role")
        .from(users::Entity)
        .and_where(users::Column::Id.eq(user))
        .and_where(users::Column::TenantId.eq(tenant))
        .and_where(users::Column::DeletedAt.is_null());
    let mut tenant_wide = Query::select();
    tenant_wide
        .expr_as(literal("'g'"), "kind")
        .expr_as(literal(no_plant), "plant_id")
        .column(user_tenant_roles::Column::Role)
        .from(user_tenant_roles::Entity)
        .and_where(user_tenant_roles::Column::UserId.eq(user));
    query.union(UnionType::All, tenant_wide);
    if let Some(GrantScope::Plant(plant)) = at {
        let mut exists = Query::select();
        exists
            .expr_as(literal("'p'"), "kind")
            .expr_as(literal(no_plant), "plant_id")
            .expr_as(literal("NULL"), "role")
            .from(plants::Entity)
            .and_where(plants::Column::Id.eq(plant))
            .and_where(plants::Column::TenantId.eq(tenant));
        query.union(UnionType::All, exists);
    }
    if at != Some(GrantScope::Tenant) {
        let mut at_plants = Query::select();
        at_plants
            .expr_as(literal("'g'"), "kind")
            .column(user_plant_roles::Column::PlantId)
            .column(user_plant_roles::Column::Role)
            .from(user_plant_roles::Entity)
            .and_where(user_plant_roles::Column::UserId.eq(user));
        if let Some(GrantScope::Plant(plant)) = at {
            at_plants.and_where(user_plant_roles::Column::PlantId.eq(plant));
        }
        if counted == Counted::InService {
            at_plants.and_where(in_service(Expr::col((
                user_plant_roles::Entity,
                user_plant_roles::Column::PlantId,
            ))));
        }
        query.union(UnionType::All, at_plants);
    }
    let statement = db.get_database_backend().build(&query);
    let rows = Found::find_by_statement(statement).all(db).await?;
    let found = |kind: &str| rows.iter().any(|row| row.kind == kind);
    if !found("u") || (matches!(at, Some(GrantScope::Plant(_))) && !found("p")) {
        return Err(Error::NotFound);
    }
    let mut grants: Vec<Grant> = rows
        .into_iter()
        .filter_map(|row| {
            let role = RoleKey::stored(row.role?);
            let scope = row.plant_id.map_or(GrantScope::Tenant, GrantScope::Plant);
            Some(Grant { role, scope })
        })
        .collect();
    grants.sort_by(|a, b| {
        (a.scope != GrantScope::Tenant, a).cmp(&(b.scope != GrantScope::Tenant, b))
    });
    Ok(grants)
}
