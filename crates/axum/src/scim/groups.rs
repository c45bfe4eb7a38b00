//! `/Groups`: the role catalogue's roles that may be held tenant-wide, as SCIM groups (`id` =
//! the role's key, `displayName` = its name, `members` = the users holding it tenant-wide).
//! Membership changes by `PATCH`; the groups themselves are the host's code, so `POST`, `PUT`
//! and `DELETE` are 403.

use super::error::ScimError;
use super::filter;
use super::patch::{self, GROUP_READ_ONLY};
use super::users::{ListRequest, Projection};
use super::{GROUP_SCHEMA, ScimBody, ScimState, ScimTenant, scim_json};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use tenantry_service::{GrantScope, Role, RoleKey, RoleScope};
use uuid::Uuid;

/// The catalogue's roles that are groups, in declaration order.
fn group_roles(state: &ScimState) -> Vec<Role> {
    state
        .users
        .role_catalogue()
        .roles()
        .iter()
        .filter(|role| role.scope() != RoleScope::Plant)
        .cloned()
        .collect()
}

fn group_role(state: &ScimState, id: &str) -> Result<Role, ScimError> {
    group_roles(state)
        .into_iter()
        .find(|role| role.key().as_str() == id)
        .ok_or_else(|| {
            ScimError::not_found("no such group: groups are the role catalogue's tenant-wide roles")
        })
}

async fn resource_of(
    state: &ScimState,
    scim: &ScimTenant,
    role: &Role,
    with_members: bool,
) -> Result<Value, ScimError> {
    let mut resource = json!({
        "schemas": [GROUP_SCHEMA],
        "id": role.key().as_str(),
        "displayName": role.name(),
        "meta": {
            "resourceType": "Group",
            "location": format!("{}/Groups/{}", scim.base, role.key().as_str()),
        },
    });
    if with_members {
        let members = state
            .users
            .tenant_role_members(scim.tenant.id, role.key())
            .await?;
        resource["members"] = members
            .into_iter()
            .map(|m| json!({ "value": m.pid.to_string(), "display": m.display_name }))
            .collect::<Vec<_>>()
            .into();
    }
    Ok(resource)
}

fn wants_members(projection_excludes_members: bool) -> bool {
    !projection_excludes_members
}

fn excludes_members(excluded: Option<&str>) -> bool {
    excluded.is_some_and(|list| {
        list.split(',')
            .any(|a| a.trim().eq_ignore_ascii_case("members"))
    })
}

async fn run_list(
    state: &ScimState,
    scim: &ScimTenant,
    request: ListRequest,
    skip_members: bool,
) -> Result<Response, ScimError> {
    let mut matched = Vec::new();
    for role in group_roles(state) {
        let resource = resource_of(state, scim, &role, wants_members(skip_members)).await?;
        if request
            .filter
            .as_ref()
            .is_none_or(|f| filter::matches(f, &resource))
        {
            matched.push(resource);
        }
    }
    Ok(request.page_of(matched))
}

fn params_of(
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Vec<(String, String)>, ScimError> {
    query
        .map(|Query(p)| p)
        .map_err(|_| ScimError::invalid_value("the query string is malformed"))
}

fn excluded_param(params: &[(String, String)]) -> Option<&str> {
    params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("excludedAttributes"))
        .map(|(_, v)| v.as_str())
}

/// `GET /Groups`.
pub(crate) async fn list(
    State(state): State<ScimState>,
    scim: ScimTenant,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, ScimError> {
    let params = params_of(query)?;
    let skip = excludes_members(excluded_param(&params));
    run_list(&state, &scim, ListRequest::from_query(&params)?, skip).await
}

/// `POST /Groups/.search`.
pub(crate) async fn search(
    State(state): State<ScimState>,
    scim: ScimTenant,
    ScimBody(body): ScimBody,
) -> Result<Response, ScimError> {
    let skip = filter::member(&body, "excludedAttributes")
        .is_some_and(|v| v.to_string().to_ascii_lowercase().contains("members"));
    run_list(&state, &scim, ListRequest::from_body(&body)?, skip).await
}

/// `GET /Groups/{id}`.
pub(crate) async fn get_one(
    State(state): State<ScimState>,
    scim: ScimTenant,
    Path((_, id)): Path<(String, String)>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, ScimError> {
    let params = params_of(query)?;
    let attributes = params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("attributes"))
        .map(|(_, v)| v.as_str());
    let projection = Projection::new(attributes, excluded_param(&params))?;
    let role = group_role(&state, &id)?;
    let resource = resource_of(
        &state,
        &scim,
        &role,
        !excludes_members(excluded_param(&params)),
    )
    .await?;
    Ok(scim_json(StatusCode::OK, &projection.apply(resource)))
}

fn member_pids(resource: &Value) -> Result<BTreeSet<Uuid>, ScimError> {
    let Some(members) = filter::member(resource, "members") else {
        return Ok(BTreeSet::new());
    };
    let items = match members {
        Value::Null => return Ok(BTreeSet::new()),
        Value::Array(items) => items.as_slice(),
        other => std::slice::from_ref(other),
    };
    items
        .iter()
        .map(|item| {
            filter::member(item, "value")
                .and_then(Value::as_str)
                .and_then(|v| Uuid::parse_str(v).ok())
                .ok_or_else(|| ScimError::invalid_value("a member's value must be a User id"))
        })
        .collect()
}

/// `PATCH /Groups/{id}`: members added and removed (each a grant or revocation of the role,
/// tenant-wide, audited).
pub(crate) async fn modify(
    State(state): State<ScimState>,
    scim: ScimTenant,
    Path((_, id)): Path<(String, String)>,
    ScimBody(body): ScimBody,
) -> Result<Response, ScimError> {
    let operations = patch::operations_of(&body)?;
    let role = group_role(&state, &id)?;
    let current = resource_of(&state, &scim, &role, true).await?;
    let mut patched = current.clone();
    for operation in &operations {
        // Entra ID and Okta send the unchanged display name along: allowed when it is equal.
        if let (Some(target), Some(Value::String(name))) = (&operation.target, &operation.value)
            && target.attr == "displayname"
            && name == role.name()
        {
            continue;
        }
        patch::apply(&mut patched, operation, GROUP_READ_ONLY)?;
    }
    let before = member_pids(&current)?;
    let after = member_pids(&patched)?;
    let tenant = scim.tenant.id;
    let mut adds = Vec::new();
    for pid in after.difference(&before) {
        let user = state
            .users
            .get_user_by_pid(tenant, *pid)
            .await?
            .ok_or_else(|| {
                ScimError::invalid_value(format!("member {pid} is not a User of this tenant"))
            })?;
        adds.push(user.id);
    }
    let mut removes = Vec::new();
    for pid in before.difference(&after) {
        if let Some(user) = state.users.get_user_by_pid(tenant, *pid).await? {
            removes.push(user.id);
        }
    }
    let key: RoleKey = role.key().clone();
    for user in adds {
        state
            .users
            .grant_role(tenant, user, GrantScope::Tenant, key.clone(), None)
            .await?;
    }
    for user in removes {
        state
            .users
            .revoke_role(tenant, user, GrantScope::Tenant, key.clone(), None)
            .await?;
    }
    let resource = resource_of(&state, &scim, &role, true).await?;
    Ok(scim_json(StatusCode::OK, &resource))
}

fn refused() -> ScimError {
    ScimError::new(
        StatusCode::FORBIDDEN,
        None,
        "groups are the role catalogue's roles: they cannot be created, replaced or deleted over SCIM",
    )
}

/// `POST /Groups`: 403.
pub(crate) async fn create(_scim: ScimTenant) -> ScimError {
    refused()
}

/// `PUT /Groups/{id}`: 403.
pub(crate) async fn replace(_scim: ScimTenant) -> ScimError {
    refused()
}

/// `DELETE /Groups/{id}`: 403.
pub(crate) async fn delete(_scim: ScimTenant) -> ScimError {
    refused()
}
