//! The tenant admin's user management: listing, reading, deactivating and reactivating the
//! users of its tenant. Every route here needs a tenant admin, and acts in its tenant only.

use crate::ApiState;
use crate::admin::grants::unknown_plant;
use crate::error::{ApiError, ErrorJson, FieldProblem};
use crate::extract::{ApiQuery, PathPid};
use crate::guard::TenantAdmin;
use crate::json::{UserJson, UserListJson};
use crate::requests::ListParams;
use axum::Json;
use axum::extract::State;
use serde::de::DeserializeOwned;
use tenantry_service::validation::Rule;
use tenantry_service::{
    Cursor, KeysetQuery, PageRequest, RoleKey, SearchMode, TenantId, UserFilter, UserOrder,
    UserQuery, UserStatus, UserView,
};
use uuid::Uuid;

/// The page size when `limit` is not given.
const DEFAULT_LIMIT: u64 = 50;

/// `GET /api/users?status=&plant=&role=&q=&offset=&limit=&after=`: by offset when `offset` is
/// given, else by cursor (`after` is the previous response's `next`).
#[utoipa::path(
    get,
    path = "/api/users",
    tag = "admin",
    security(("session" = [])),
    params(ListParams),
    responses(
        (status = 200, description = "A page of the tenant's users, by username", body = UserListJson),
        (status = 400, description = "`invalid_input`: a query value, with `fields`", body = ErrorJson),
        (status = 401, description = "`unauthenticated`", body = ErrorJson),
        (status = 403, description = "`forbidden`: not a tenant admin", body = ErrorJson),
        (status = 500, description = "`internal`", body = ErrorJson),
    ),
)]
pub(crate) async fn list_users(
    TenantAdmin(admin): TenantAdmin,
    State(state): State<ApiState>,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Json<UserListJson>, ApiError> {
    let tenant = admin.tenant.id;
    let mut problems = Vec::new();
    let status = parse_named::<UserStatus>(params.status, "status", &mut problems);
    let search_mode = parse_named::<SearchMode>(params.search_mode, "match", &mut problems);
    let role = present(params.role).and_then(|role| match RoleKey::new(&role) {
        Ok(key) if state.roles.get(&key).is_some() => Some(key),
        Ok(_) => {
            problems.push(FieldProblem::new("role", "not_found", "no such role"));
            None
        }
        Err(_) => {
            problems.push(FieldProblem::rule("role", Rule::InvalidFormat));
            None
        }
    });
    let offset = parse_count(params.offset, "offset", &mut problems).unwrap_or(0);
    let limit = parse_count(params.limit, "limit", &mut problems).unwrap_or(DEFAULT_LIMIT);
    let plant = match present(params.plant) {
        Some(code) => match state.users.get_plant_by_code(tenant, &code).await? {
            Some(plant) => Some(plant.id),
            None => {
                problems.push(unknown_plant("plant"));
                None
            }
        },
        None => None,
    };
    if !problems.is_empty() {
        return Err(ApiError::invalid(problems));
    }
    let filter = UserFilter {
        status,
        plant,
        role,
        search: present(params.q),
        search_mode: search_mode.unwrap_or_default(),
        ..UserFilter::default()
    };
    if offset > 0 {
        let query = UserQuery {
            filter,
            order: UserOrder::UsernameAsc,
            page: PageRequest { offset, limit },
        };
        let page = state.users.list_users(tenant, &query).await?;
        return Ok(Json(UserListJson {
            users: page.items.into_iter().map(UserJson::from).collect(),
            total: page.total,
            next: None,
        }));
    }
    // Without an offset, pages go by cursor: `next` leads to the following page at the same
    // cost however deep it is.
    let query = KeysetQuery {
        filter,
        order: UserOrder::UsernameAsc,
        after: present(params.after).map(Cursor::from),
        limit,
        with_total: true,
    };
    let page = state.users.list_users_keyset(tenant, &query).await?;
    Ok(Json(UserListJson {
        users: page.items.into_iter().map(UserJson::from).collect(),
        total: page.total.unwrap_or_default(),
        next: page.next.map(|c| c.as_str().to_owned()),
    }))
}

/// `GET /api/users/{id}`.
#[utoipa::path(
    get,
    path = "/api/users/{id}",
    tag = "admin",
    security(("session" = [])),
    params(("id" = String, Path, description = "The user's public id (a UUID)")),
    responses(
        (status = 200, description = "The user", body = UserJson),
        (status = 401, description = "`unauthenticated`", body = ErrorJson),
        (status = 403, description = "`forbidden`: not a tenant admin", body = ErrorJson),
        (status = 404, description = "`not_found`: no such user in the tenant", body = ErrorJson),
        (status = 500, description = "`internal`", body = ErrorJson),
    ),
)]
pub(crate) async fn get_user(
    TenantAdmin(admin): TenantAdmin,
    State(state): State<ApiState>,
    PathPid(pid): PathPid,
) -> Result<Json<UserJson>, ApiError> {
    let user = find(&state, admin.tenant.id, pid).await?;
    Ok(Json(user.into()))
}

/// `POST /api/users/{id}/deactivate`: suspends the user; its sessions end.
#[utoipa::path(
    post,
    path = "/api/users/{id}/deactivate",
    tag = "admin",
    security(("session" = [])),
    params(("id" = String, Path, description = "The user's public id (a UUID)")),
    responses(
        (status = 200, description = "The user, suspended; its sessions are over", body = UserJson),
        (status = 401, description = "`unauthenticated`", body = ErrorJson),
        (status = 403, description = "`forbidden`: not a tenant admin", body = ErrorJson),
        (status = 404, description = "`not_found`: no such user in the tenant", body = ErrorJson),
        (status = 409, description = "`last_admin`, `conflict`", body = ErrorJson),
        (status = 500, description = "`internal`", body = ErrorJson),
    ),
)]
pub(crate) async fn deactivate(
    TenantAdmin(admin): TenantAdmin,
    State(state): State<ApiState>,
    PathPid(pid): PathPid,
) -> Result<Json<UserJson>, ApiError> {
    let tenant = admin.tenant.id;
    let id = find(&state, tenant, pid).await?.id;
    let user = state
        .users
        .deactivate_user(tenant, id, Some(admin.user.id))
        .await?;
    Ok(Json(user.into()))
}

/// `POST /api/users/{id}/reactivate`: a suspended user is active again.
#[utoipa::path(
    post,
    path = "/api/users/{id}/reactivate",
    tag = "admin",
    security(("session" = [])),
    params(("id" = String, Path, description = "The user's public id (a UUID)")),
    responses(
        (status = 200, description = "The user, active again", body = UserJson),
        (status = 401, description = "`unauthenticated`", body = ErrorJson),
        (status = 403, description = "`forbidden`: not a tenant admin", body = ErrorJson),
        (status = 404, description = "`not_found`: no such user in the tenant", body = ErrorJson),
        (status = 409, description = "`conflict`: an invited user must accept its invitation", body = ErrorJson),
        (status = 500, description = "`internal`", body = ErrorJson),
    ),
)]
pub(crate) async fn reactivate(
    TenantAdmin(admin): TenantAdmin,
    State(state): State<ApiState>,
    PathPid(pid): PathPid,
) -> Result<Json<UserJson>, ApiError> {
    let tenant = admin.tenant.id;
    let id = find(&state, tenant, pid).await?.id;
    let user = state
        .users
        .reactivate_user(tenant, id, Some(admin.user.id))
        .await?;
    Ok(Json(user.into()))
}

/// The tenant's user with this public id; another tenant's is not found.
pub(crate) async fn find(
    state: &ApiState,
    tenant: TenantId,
    pid: Uuid,
) -> Result<UserView, ApiError> {
    state
        .users
        .get_user_by_pid(tenant, pid)
        .await?
        .ok_or_else(ApiError::not_found)
}

/// A query value, unless it is absent or empty.
fn present(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.is_empty())
}

/// A query value naming an enum's variant (`active`, `engineer`).
fn parse_named<T: DeserializeOwned>(
    value: Option<String>,
    field: &'static str,
    problems: &mut Vec<FieldProblem>,
) -> Option<T> {
    let value = present(value)?;
    serde_json::from_value(serde_json::Value::String(value))
        .map_err(|_| problems.push(FieldProblem::rule(field, Rule::InvalidFormat)))
        .ok()
}

/// A query value that is a non-negative whole number.
fn parse_count(
    value: Option<String>,
    field: &'static str,
    problems: &mut Vec<FieldProblem>,
) -> Option<u64> {
    let value = present(value)?;
    value
        .parse()
        .map_err(|_| problems.push(FieldProblem::rule(field, Rule::InvalidFormat)))
        .ok()
}
