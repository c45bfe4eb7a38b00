//! A user's roles: `PUT /api/users/{id}/roles` replaces them, and the roles a body names are
//! checked against the catalogue and the tenant's plants (also for `POST /api/users`).

use crate::ApiState;
use crate::admin::users::find;
use crate::body::ApiJson;
use crate::error::{ApiError, ErrorJson, FieldProblem};
use crate::extract::PathPid;
use crate::guard::TenantAdmin;
use crate::json::UserJson;
use crate::requests::{RoleBody, RolesBody};
use axum::Json;
use axum::extract::State;
use tenantry_service::validation::Rule;
use tenantry_service::{CatalogueError, GrantScope, PlantRole, RoleKey, RoleSet, TenantId, UserId};

/// The library calls the tenant-wide roles `tenant_roles`; this API's bodies call them `roles`.
pub(crate) fn roles_field(error: tenantry_service::Error) -> ApiError {
    ApiError::from(error).rename_field("tenant_roles", "roles")
}

/// `PUT /api/users/{id}/roles`: the user's tenant-wide roles and plant roles become exactly the
/// body's, in one transaction.
#[utoipa::path(
    put,
    path = "/api/users/{id}/roles",
    tag = "admin",
    security(("session" = [])),
    params(("id" = String, Path, description = "The user's public id (a UUID)")),
    request_body = RolesBody,
    responses(
        (status = 200, description = "The user with exactly these roles", body = UserJson),
        (status = 400, description = "`invalid_input` (with `fields`), `role_refused`", body = ErrorJson),
        (status = 401, description = "`unauthenticated`", body = ErrorJson),
        (status = 403, description = "`forbidden`: not a tenant admin, or a grant the admin may not change", body = ErrorJson),
        (status = 404, description = "`not_found`: no such user in the tenant", body = ErrorJson),
        (status = 409, description = "`last_admin`, `conflict`", body = ErrorJson),
        (status = 413, description = "The body is over 64 KiB", body = ErrorJson),
        (status = 500, description = "`internal`", body = ErrorJson),
    ),
)]
pub(crate) async fn set_roles(
    TenantAdmin(admin): TenantAdmin,
    State(state): State<ApiState>,
    PathPid(pid): PathPid,
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

/// The body's roles checked against the catalogue, and its plant roles with their plants
/// resolved by code in the tenant; every problem (a role that is not a key, unknown or not
/// grantable there; an unknown, missing or repeated plant; a grant twice; two roles in one scope
/// of an exclusive catalogue) is reported at once.
pub(crate) async fn resolve_roles(
    state: &ApiState,
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
    state: &ApiState,
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

pub(crate) fn unknown_plant(field: impl Into<String>) -> FieldProblem {
    FieldProblem::new(field, "not_found", "no such plant in this tenant")
}
