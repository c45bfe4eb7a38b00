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
use std::collections::HashSet;
use tenantry_service::validation::Rule;
use tenantry_service::{
    Cursor, Grant, Invitation, KeysetQuery, PageRequest, PlantRole, TenantId, UserFilter, UserId,
    UserOrder, UserQuery, UserRole, UserStatus, UserView, user_role_grants,
};
use uuid::Uuid;

/// The page size when `limit` is not given.
const DEFAULT_LIMIT: u64 = 50;

/// The library calls the plant roles `plant_roles`; this API's bodies call them `roles`.
fn roles_field(error: tenantry_service::Error) -> ApiError {
    ApiError::from(error).rename_field("plant_roles", "roles")
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
    let min_role = parse_named::<UserRole>(params.role, "role", &mut problems);
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
        min_role,
        search: present(params.q),
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
    let plant_roles = resolve_roles(&state, tenant, body.roles).await?;
    may_change(
        &state,
        &admin.user,
        &[],
        &grants(body.tenant_role, &plant_roles),
    )?;
    let invitation = Invitation {
        email: body.email,
        username: body.username,
        display_name: body.display_name,
        tenant_role: body.tenant_role,
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

/// `PUT /api/users/{id}/roles`: the user's tenant role and plant roles become exactly the
/// body's, in one transaction.
pub(crate) async fn set_roles(
    TenantAdmin(admin): TenantAdmin,
    State(state): State<AppState>,
    UserPid(pid): UserPid,
    ApiJson(body): ApiJson<RolesBody>,
) -> Result<Json<UserJson>, ApiError> {
    let tenant = admin.tenant.id;
    let actor = Some(admin.user.id);
    let target = find(&state, tenant, pid).await?;
    let id: UserId = target.id;
    let plant_roles = resolve_roles(&state, tenant, body.roles).await?;
    let wanted = grants(body.tenant_role, &plant_roles);
    may_change(&state, &admin.user, &target.grants(), &wanted)?;
    let user = state
        .users
        .set_roles(tenant, id, body.tenant_role, &plant_roles, actor)
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

/// `tenant_role` and `plant_roles` as grants of the role catalogue.
fn grants(tenant_role: Option<UserRole>, plant_roles: &[PlantRole]) -> Vec<Grant> {
    user_role_grants(
        tenant_role,
        plant_roles.iter().map(|r| (r.plant_id, r.role)),
    )
}

/// Delegated administration: 403 unless `actor` may make or take away every grant that differs
/// between `before` and `after`, by the catalogue's rule ([`RoleCatalogue::may_change`]: what
/// the actor's own roles may grant, tenant-wide or at their plant only). With the default
/// catalogue a tenant admin may change every grant.
///
/// [`RoleCatalogue::may_change`]: tenantry_service::RoleCatalogue::may_change
fn may_change(
    state: &AppState,
    actor: &UserView,
    before: &[Grant],
    after: &[Grant],
) -> Result<(), ApiError> {
    let actor_grants = actor.grants();
    let added = after.iter().filter(|g| !before.contains(g));
    let removed = before.iter().filter(|g| !after.contains(g));
    if added
        .chain(removed)
        .all(|grant| state.roles.may_change(&actor_grants, grant))
    {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

/// The tenant's user with this public id; another tenant's is not found.
async fn find(state: &AppState, tenant: TenantId, pid: Uuid) -> Result<UserView, ApiError> {
    state
        .users
        .get_user_by_pid(tenant, pid)
        .await?
        .ok_or_else(ApiError::not_found)
}

/// The body's roles with their plants resolved by code in the tenant; every unknown,
/// missing or repeated plant is reported at once.
async fn resolve_roles(
    state: &AppState,
    tenant: TenantId,
    roles: Vec<RoleBody>,
) -> Result<Vec<PlantRole>, ApiError> {
    let mut problems = Vec::new();
    let mut resolved = Vec::with_capacity(roles.len());
    let mut seen = HashSet::new();
    for (i, RoleBody { plant, role }) in roles.into_iter().enumerate() {
        let plant_field = format!("roles[{i}].plant");
        if role.is_none() {
            problems.push(FieldProblem::rule(
                format!("roles[{i}].role"),
                Rule::Required,
            ));
        }
        if plant.is_empty() {
            problems.push(FieldProblem::rule(plant_field, Rule::Required));
            continue;
        }
        let Some(found) = state.users.get_plant_by_code(tenant, &plant).await? else {
            problems.push(unknown_plant(plant_field));
            continue;
        };
        if !seen.insert(found.id) {
            problems.push(FieldProblem::rule(plant_field, Rule::Duplicate));
        } else if let Some(role) = role {
            resolved.push(PlantRole {
                plant_id: found.id,
                role,
            });
        }
    }
    if problems.is_empty() {
        Ok(resolved)
    } else {
        Err(ApiError::invalid(problems))
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
