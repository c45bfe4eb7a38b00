//! Reading many users at once: filtered pages, counts, the role filters, and the grants of a
//! set of users in one statement.

use super::SeaOrmUserRepository;
use super::grants_held::in_service;
use super::reads::{live, load_grants};
use crate::error::Result;
use crate::inputs::{UserFilter, UserOrder, UserQuery};
use crate::role_catalogue::{RoleCatalogue, RoleKey};
use crate::views::{Page, UserView};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Query};
use sea_orm::{
    ActiveEnum, ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, EntityTrait,
    FromQueryResult, Order, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select, SelectModel,
    Selector,
};
use tenantry_entity::{
    PlantId, TenantId, UserId, UserStatus, user_plant_roles, user_tenant_roles, users,
};

/// Attaches their grants to `users`, keeping their order: one statement.
pub(crate) async fn with_roles(
    db: &impl ConnectionTrait,
    users: Vec<users::Model>,
) -> Result<Vec<UserView>> {
    let ids: Vec<UserId> = users.iter().map(|u| u.id).collect();
    let mut grants = load_grants(db, &ids).await?;
    Ok(users
        .into_iter()
        .map(|u| {
            let held = grants.remove(&u.id).unwrap_or_default();
            UserView::new(u, held)
        })
        .collect())
}

/// Where a role filter looks for grants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RoleWhere {
    /// Tenant-wide grants and grants at any plant.
    Anywhere,
    /// Tenant-wide grants only.
    TenantWide,
    /// Tenant-wide grants and grants at this plant.
    Plant(PlantId),
}

/// The role keys a filter on `role` accepts: it and every role that implies it (none for a
/// role the catalogue does not declare: nobody holds it).
pub(crate) fn holders(catalogue: &RoleCatalogue, role: &RoleKey) -> Vec<String> {
    catalogue.implied_by(role).map(RoleKey::to_string).collect()
}

/// How the `EXISTS` of a plant or role filter is to be run.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum RoleCheck {
    /// As the planner likes. A count or an offset page reads every match anyway, and
    /// PostgreSQL then hashes the matching role rows once, which is the cheapest way to do it.
    Planned,
    /// One index probe per user as the rows come out in order, for a page that stops after
    /// `limit` rows. PostgreSQL estimates an `EXISTS` under an `OR` as if the whole tenant were
    /// read (it does not see the `LIMIT`) and hashes every role row of the plant first: 100 000
    /// rows for a 50-row page at a million users. An `OFFSET 0` in the subquery keeps
    /// PostgreSQL from rewriting it into that hashed form (it only rewrites an `EXISTS` without
    /// `LIMIT` or `OFFSET`); SQLite and MySQL probe per row already.
    PerUser,
}

impl RoleCheck {
    /// The check for a page that stops after its rows, on `backend`.
    pub(crate) fn for_page(backend: DatabaseBackend) -> Self {
        match backend {
            DatabaseBackend::Postgres => RoleCheck::PerUser,
            _ => RoleCheck::Planned,
        }
    }
}

/// Users with a grant (of one of `roles`, when given) where `place` says.
pub(crate) fn role_condition(
    place: RoleWhere,
    roles: Option<Vec<String>>,
    check: RoleCheck,
) -> Condition {
    let mut tenant_wide = Query::select();
    tenant_wide
        .expr(Expr::val(1))
        .from(user_tenant_roles::Entity)
        .and_where(
            Expr::col((user_tenant_roles::Entity, user_tenant_roles::Column::UserId))
                .equals((users::Entity, users::Column::Id)),
        );
    if let Some(roles) = &roles {
        tenant_wide.and_where(user_tenant_roles::Column::Role.is_in(roles.clone()));
    }
    // Both EXISTS need the fence: without it on this one, PostgreSQL hashed every tenant-wide
    // grant of the tenant for each page (53 ms at a million users, 5.6 ms at ten thousand).
    if check == RoleCheck::PerUser {
        tenant_wide.offset(0);
    }
    let mut condition = Condition::any().add(Expr::exists(tenant_wide.take()));
    if place == RoleWhere::TenantWide {
        return condition;
    }
    let mut plant_role = Query::select();
    plant_role
        .expr(Expr::val(1))
        .from(user_plant_roles::Entity)
        .and_where(
            Expr::col((user_plant_roles::Entity, user_plant_roles::Column::UserId))
                .equals((users::Entity, users::Column::Id)),
        );
    if let RoleWhere::Plant(plant) = place {
        plant_role.and_where(user_plant_roles::Column::PlantId.eq(plant));
    }
    if let Some(roles) = roles {
        plant_role.and_where(user_plant_roles::Column::Role.is_in(roles));
    }
    // A grant at a plant out of service counts for nothing.
    plant_role.and_where(in_service(Expr::col((
        user_plant_roles::Entity,
        user_plant_roles::Column::PlantId,
    ))));
    if check == RoleCheck::PerUser {
        plant_role.offset(0);
    }
    condition = condition.add(Expr::exists(plant_role.take()));
    condition
}

/// The users a filter selects (live users of the tenant only).
pub(crate) fn filtered(
    tenant: TenantId,
    catalogue: &RoleCatalogue,
    filter: &UserFilter,
    check: RoleCheck,
) -> Select<users::Entity> {
    let mut query = live(tenant);
    if let Some(status) = filter.status {
        query = query.filter(users::Column::Status.eq(status));
    }
    if filter.active_only {
        query = query.filter(users::Column::Status.eq(UserStatus::Active));
    }
    if filter.plant.is_some() || filter.role.is_some() {
        let place = filter.plant.map_or(RoleWhere::Anywhere, RoleWhere::Plant);
        let roles = filter.role.as_ref().map(|role| holders(catalogue, role));
        query = query.filter(role_condition(place, roles, check));
    }
    if let Some(search) = filter.search.as_deref().filter(|s| !s.is_empty()) {
        query = query.filter(super::search::matching(search, filter.search_mode));
    }
    query
}

/// `query` in `order`, ties broken by id.
pub(crate) fn ordered(query: Select<users::Entity>, order: UserOrder) -> Select<users::Entity> {
    use users::Column::{CreatedAt, Id, LastLoginAt, UsernameKey};
    match order {
        UserOrder::UsernameAsc => query.order_by_asc(UsernameKey).order_by_asc(Id),
        UserOrder::UsernameDesc => query.order_by_desc(UsernameKey).order_by_desc(Id),
        UserOrder::CreatedAsc => query.order_by_asc(CreatedAt).order_by_asc(Id),
        UserOrder::CreatedDesc => query.order_by_desc(CreatedAt).order_by_desc(Id),
        // NULLs sort differently per backend; put never-logged-in users last explicitly.
        UserOrder::LastLoginDesc => query
            .order_by(Expr::col(LastLoginAt).is_null(), Order::Asc)
            .order_by_desc(LastLoginAt)
            .order_by_desc(Id),
    }
}

/// A user row with the number of rows the whole filter matches, so the page and its total
/// come from one query.
#[derive(FromQueryResult)]
struct UserWithTotal {
    #[sea_orm(nested)]
    user: users::Model,
    total_count: i64,
}

/// The page's rows with the filter's total, in one statement:
///
/// ```sql
/// SELECT tenantry_users.*, page.total_count FROM tenantry_users
///   JOIN (SELECT id, (SELECT COUNT(*) FROM tenantry_users WHERE <filter>) AS total_count
///         FROM tenantry_users WHERE <filter> ORDER BY <order> LIMIT ? OFFSET ?) AS page
///     ON users.id = page.id
/// ORDER BY <order>
/// ```
///
/// The inner query carries the id and the sort key, which in username order an index holds by
/// itself; only the page's own rows are read whole. The total is an uncorrelated subquery,
/// which every backend runs once, from an index where the filter allows (a count of the
/// active users reads `ix_users_tenant_live_status` alone). It was `COUNT(*) OVER ()` until
/// issue 17: a window function makes SQLite copy every matching row into a temporary table
/// first — 4 ms of a 5 ms page at 10 000 users. The outer `ORDER BY` is repeated because a
/// joined subquery's order is not kept.
fn page_with_total(
    tenant: TenantId,
    catalogue: &RoleCatalogue,
    query: &UserQuery,
    offset: u64,
) -> Selector<SelectModel<UserWithTotal>> {
    let matching = filtered(tenant, catalogue, &query.filter, RoleCheck::Planned);
    let total = matching
        .clone()
        .select_only()
        .expr(Expr::cust("COUNT(*)"))
        .into_query();
    let page = ordered(matching, query.order)
        .select_only()
        .column(users::Column::Id)
        .expr_as(Expr::SubQuery(None, Box::new(total.into())), "total_count")
        .offset(offset)
        .limit(query.page.effective_limit())
        .into_query();
    let mut rows = ordered(users::Entity::find(), query.order)
        .expr_as(Expr::col(("page", "total_count")), "total_count");
    QueryTrait::query(&mut rows).join_subquery(
        JoinType::InnerJoin,
        page,
        "page",
        Expr::col((users::Entity, users::Column::Id)).equals(("page", "id")),
    );
    rows.into_model::<UserWithTotal>()
}

pub(crate) async fn list_users_page(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    query: &UserQuery,
) -> Result<Page<UserView>> {
    query.filter.check()?;
    let offset = query.page.checked_offset()?;
    let rows = page_with_total(tenant, &repo.config.roles, query, offset)
        .all(&repo.db)
        .await?;
    let total = match rows.first() {
        Some(row) => u64::try_from(row.total_count).unwrap_or(0),
        // Past the last page the window has no row to report on: count separately.
        None if offset > 0 => count(repo, tenant, &query.filter).await?,
        None => 0,
    };
    let users = rows.into_iter().map(|row| row.user).collect();
    let items = with_roles(&repo.db, users).await?;
    Ok(Page { items, total })
}

pub(crate) async fn count(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    filter: &UserFilter,
) -> Result<u64> {
    if repo.db.get_database_backend() == DatabaseBackend::Sqlite
        && let Some(status) = kept_count_of(filter)
    {
        return kept_count(&repo.db, tenant, status).await;
    }
    // `SELECT COUNT(*) … WHERE <filter>`, not `PaginatorTrait::count`'s count over a
    // subquery of whole rows: SQLite answers the plain form from a covering index.
    let counted: Option<i64> = filtered(tenant, &repo.config.roles, filter, RoleCheck::Planned)
        .select_only()
        .expr(Expr::cust("COUNT(*)"))
        .into_tuple()
        .one(&repo.db)
        .await?;
    Ok(counted.map_or(0, |n| u64::try_from(n).unwrap_or(0)))
}

/// The table of live users per tenant and status that SQLite's triggers keep (migration
/// `m20261206_000024`; SQLite only, see there why).
const USER_COUNTS: &str = "tenantry_user_counts";

/// Which kept count answers a count of `filter`: `Some(None)` for every live user,
/// `Some(Some(status))` for one status, `None` when the filter asks more than the status (a
/// plant, a role, a search) or contradicts itself (another status and `active_only`).
fn kept_count_of(filter: &UserFilter) -> Option<Option<UserStatus>> {
    // Every field named: a new one must be considered here before it compiles.
    let UserFilter {
        status,
        active_only,
        plant,
        role,
        search,
        search_mode: _,
    } = filter;
    if plant.is_some() || role.is_some() || search.as_deref().is_some_and(|s| !s.is_empty()) {
        return None;
    }
    match (*status, *active_only) {
        (status, false) => Some(status),
        (None | Some(UserStatus::Active), true) => Some(Some(UserStatus::Active)),
        (Some(_), true) => None,
    }
}

/// The tenant's live users (of `status`, when given), from the kept counts: one row per status
/// instead of one index entry per user.
async fn kept_count(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    status: Option<UserStatus>,
) -> Result<u64> {
    let mut query = Query::select();
    query
        .expr(Expr::cust("COALESCE(SUM(live), 0)"))
        .from(Alias::new(USER_COUNTS))
        .and_where(Expr::col(Alias::new("tenant_id")).eq(tenant.0));
    if let Some(status) = status {
        query.and_where(Expr::col(Alias::new("status")).eq(status.to_value()));
    }
    let counted: Option<i64> = match db.query_one(&query).await? {
        Some(row) => Some(row.try_get_by_index(0)?),
        None => None,
    };
    Ok(counted.map_or(0, |n| u64::try_from(n).unwrap_or(0)))
}
