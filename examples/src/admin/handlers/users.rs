//! The tenant admin's user management: every route here needs a tenant admin, and acts in its
//! tenant only.

use crate::admin::AppState;
use crate::admin::error::{ApiError, FieldProblem};
use crate::admin::extract::{ApiJson, ApiQuery, TenantAdmin, UserPid};
use crate::admin::json::{
    InvitedJson, ListParams, NewUserBody, RoleBody, RolesBody, TokenJson, UserJson, UserListJson,
};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use tenantry_service::validation::Rule;
use tenantry_service::{
    CatalogueError, Cursor, GrantScope, Invitation, KeysetQuery, PageRequest, PlantRole, RoleKey,
    RoleSet, SearchMode, TenantId, UserFilter, UserId, UserOrder, UserQuery, UserStatus, UserView,
};
use uuid::Uuid;

/// The page size when `limit` is not given.
const DEFAULT_LIMIT: u64 = 50;

/// The library calls the tenant-wide roles `tenant_roles`; this API's bodies call them `roles`.
fn roles_field(error: tenantry_service::Error) -> ApiError {
    ApiError::from(error).rename_field("tenant_roles", "roles")
}

/// `GET /api/users?status=&plant=&role=&q=&offset=&limit=&after=`: by offset when `offset` is
/// given, else by cursor (`after` is the previous response's `next`).
pub(crate) async fn list(
    TenantAdmin(admin): TenantAdmin,
    State(state): State<AppState>,
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
pub(crate) async fn get(
    TenantAdmin(admin): TenantAdmin,
    State(state): State<AppState>,
    UserPid(pid): UserPid,
) -> Result<Json<UserJson>, ApiError> {
    let user = find(&state, admin.tenant.id, pid).await?;
    Ok(Json(user.into()))
}

/// `POST /api/users`: invites the user; 201 with it and its invitation.
pub(crate) async fn create(
    TenantAdmin(admin): TenantAdmin,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewUserBody>,
) -> Result<(StatusCode, Json<InvitedJson>), ApiError> {
    let tenant = admin.tenant.id;
    let (tenant_roles, plant_roles) =
        resolve_roles(&state, tenant, body.roles, body.plant_roles).await?;
    let invitation = Invitation {
        email: body.email,
        username: body.username,
        display_name: body.display_name,
        tenant_roles,
        plant_roles,
    };
    let invited = state
        .users
        .invite_user(tenant, invitation, Some(admin.user.id))
        .await
        .map_err(roles_field)?;
    let body = InvitedJson {
        user: invited.user.into(),
        invitation: TokenJson::new(invited.invitation, &state.public_url, "accept-invitation"),
    };
    Ok((StatusCode::CREATED, Json(body)))
}

/// `POST /api/users/{id}/deactivate`: suspends the user; its sessions end.
pub(crate) async fn deactivate(
    TenantAdmin(admin): TenantAdmin,
    State(state): State<AppState>,
    UserPid(pid): UserPid,
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
pub(crate) async fn reactivate(
    TenantAdmin(admin): TenantAdmin,
    State(state): State<AppState>,
    UserPid(pid): UserPid,
) -> Result<Json<UserJson>, ApiError> {
    let tenant = admin.tenant.id;
    let id = find(&state, tenant, pid).await?.id;
    let user = state
        .users
        .reactivate_user(tenant, id, Some(admin.user.id))
        .await?;
    Ok(Json(user.into()))
}

/// `PUT /api/users/{id}/roles`: the user's tenant-wide roles and plant roles become exactly the
/// body's, in one transaction.
pub(crate) async fn set_roles(
    TenantAdmin(admin): TenantAdmin,
    State(state): State<AppState>,
    UserPid(pid): UserPid,
    ApiJson(body): ApiJson<RolesBody>,
) -> Result<Json<UserJson>, ApiError> {
    let tenant = admin.tenant.id;
    let actor = Some(admin.user.id);
    let id: UserId = find(&state, tenant, pid).await?.id;
    let (tenant_roles, plant_roles) =
        resolve_roles(&state, tenant, body.roles, body.plant_roles).await?;
    let user = state
        .users
        .replace_roles(tenant, id, RoleSet::all(tenant_roles, plant_roles), actor)
        .await
        .map_err(roles_field)?;
    Ok(Json(user.into()))
}

/// `POST /api/users/{id}/reset-password`: a one-time reset token for an active user.
pub(crate) async fn reset_password(
    TenantAdmin(admin): TenantAdmin,
    State(state): State<AppState>,
    UserPid(pid): UserPid,
) -> Result<Json<TokenJson>, ApiError> {
    let tenant = admin.tenant.id;
    let id = find(&state, tenant, pid).await?.id;
    let issued = state
        .users
        .issue_password_reset(tenant, id, None, Some(admin.user.id))
        .await?;
    Ok(Json(TokenJson::new(
        issued,
        &state.public_url,
        "reset-password",
    )))
}

/// The tenant's user with this public id; another tenant's is not found.
pub(crate) async fn find(
    state: &AppState,
    tenant: TenantId,
    pid: Uuid,
) -> Result<UserView, ApiError> {
    state
        .users
        .get_user_by_pid(tenant, pid)
        .await?
        .ok_or_else(ApiError::not_found)
}

/// The body's roles checked against the catalogue, and its plant roles with their plants
/// resolved by code in the tenant; every problem (a role that is not a key, unknown or not
/// grantable there; an unknown, missing or repeated plant; a grant twice; two roles in one scope
/// of an exclusive catalogue) is reported at once.
async fn resolve_roles(
    state: &AppState,
    tenant: TenantId,
    roles: Vec<String>,
    plant_roles: Vec<RoleBody>,
) -> Result<(Vec<RoleKey>, Vec<PlantRole>), ApiError> {
    let mut problems = Vec::new();
    let mut tenant_roles = Vec::with_capacity(roles.len());
    for (i, role) in roles.into_iter().enumerate() {
        let field = format!("roles[{i}]");
        if let Some(key) = role_key(state, &role, GrantScope::Tenant, &field, &mut problems) {
            if tenant_roles.contains(&key)
                || (state.roles.is_exclusive() && !tenant_roles.is_empty())
            {
                problems.push(FieldProblem::rule(field, Rule::Duplicate));
            } else {
                tenant_roles.push(key);
            }
        }
    }
    let mut resolved: Vec<PlantRole> = Vec::with_capacity(plant_roles.len());
    for (i, RoleBody { plant, role }) in plant_roles.into_iter().enumerate() {
        let plant_field = format!("plant_roles[{i}].plant");
        let role_field = format!("plant_roles[{i}].role");
        if role.is_none() {
            problems.push(FieldProblem::rule(role_field.clone(), Rule::Required));
        }
        if plant.is_empty() {
            problems.push(FieldProblem::rule(plant_field, Rule::Required));
            continue;
        }
        let Some(found) = state.users.get_plant_by_code(tenant, &plant).await? else {
            problems.push(unknown_plant(plant_field));
            continue;
        };
        let Some(role) = role else { continue };
        let scope = GrantScope::Plant(found.id);
        let Some(key) = role_key(state, &role, scope, &role_field, &mut problems) else {
            continue;
        };
        let same_plant = resolved.iter().filter(|r| r.plant_id == found.id);
        let repeated = same_plant.clone().any(|r| r.role == key)
            || (state.roles.is_exclusive() && same_plant.count() > 0);
        if repeated {
            problems.push(FieldProblem::rule(plant_field, Rule::Duplicate));
        } else {
            resolved.push(PlantRole::new(found.id, key));
        }
    }
    if problems.is_empty() {
        Ok((tenant_roles, resolved))
    } else {
        Err(ApiError::invalid(problems))
    }
}

/// `role` as a key the catalogue may grant at `scope`, or a problem on `field`.
fn role_key(
    state: &AppState,
    role: &str,
    scope: GrantScope,
    field: &str,
    problems: &mut Vec<FieldProblem>,
) -> Option<RoleKey> {
    let Ok(key) = RoleKey::new(role) else {
        problems.push(FieldProblem::rule(field.to_owned(), Rule::InvalidFormat));
        return None;
    };
    match state.roles.check_grant(&key, scope) {
        Ok(_) => Some(key),
        Err(CatalogueError::ScopeNotAllowed { .. }) => {
            problems.push(FieldProblem::new(
                field.to_owned(),
                "scope_not_allowed",
                "this role may not be granted here",
            ));
            None
        }
        Err(_) => {
            problems.push(FieldProblem::new(
                field.to_owned(),
                "not_found",
                "no such role",
            ));
            None
        }
    }
}

fn unknown_plant(field: impl Into<String>) -> FieldProblem {
    FieldProblem::new(field, "not_found", "no such plant in this tenant")
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
