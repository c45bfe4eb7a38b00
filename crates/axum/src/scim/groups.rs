//! `/Groups`: two kinds of SCIM group side by side.
//!
//! - **Role groups**: the role catalogue's roles that may be held tenant-wide (`id` = the role's
//!   key, `displayName` = its name, `members` = the users holding it tenant-wide). Membership
//!   changes by `PATCH` or by a `PUT` that keeps the name (a grant or revocation each); the
//!   groups themselves are the host's code, so a rename is `mutability` and `DELETE` is 403.
//! - **Directory groups** (`DirectoryGroups`): every other group the provider pushes
//!   (`id` = a UUID). Created, read, replaced, patched and deleted like any SCIM resource;
//!   membership grants nothing, it is kept for the provider and the host.
//!
//! A name is one group: a directory group cannot take a role group's name.

use super::error::ScimError;
use super::filter;
use super::patch::{self, DIRECTORY_GROUP_READ_ONLY, ROLE_GROUP_READ_ONLY};
use super::users::{ListRequest, Projection, param, with_location};
use super::{GROUP_SCHEMA, ScimBody, ScimState, ScimTenant, scim_json};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::SecondsFormat;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use tenantry_service::api::{
    DirectoryGroupChange, DirectoryGroupKey, DirectoryGroupView, MemberChange, NewDirectoryGroup,
    RoleMember,
};
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

/// What a group `id` names.
enum Group {
    Role(Role),
    Directory(DirectoryGroupView),
}

fn no_such_group() -> ScimError {
    ScimError::not_found("no such group")
}

async fn group_of(state: &ScimState, scim: &ScimTenant, id: &str) -> Result<Group, ScimError> {
    if let Some(role) = group_roles(state)
        .into_iter()
        .find(|role| role.key().as_str() == id)
    {
        return Ok(Group::Role(role));
    }
    let pid = Uuid::parse_str(id).map_err(|_| no_such_group())?;
    state
        .users
        .directory_group(scim.tenant.id, DirectoryGroupKey::Pid(pid))
        .await?
        .map(Group::Directory)
        .ok_or_else(no_such_group)
}

/// A group's `members`: each a `value` (the user's id) and `$ref` (its URI), the
/// sub-attributes of RFC 7643 §8.7.1's Group schema (strict clients refuse others).
fn members_json(scim: &ScimTenant, members: &[RoleMember]) -> Value {
    members
        .iter()
        .map(|m| {
            json!({
                "value": m.pid.to_string(),
                "$ref": format!("{}/Users/{}", scim.base, m.pid),
            })
        })
        .collect::<Vec<_>>()
        .into()
}

async fn role_resource(
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
        resource["members"] = members_json(scim, &members);
    }
    Ok(resource)
}

fn directory_resource(scim: &ScimTenant, group: &DirectoryGroupView, with_members: bool) -> Value {
    let mut resource = json!({
        "schemas": [GROUP_SCHEMA],
        "id": group.pid.to_string(),
        "displayName": group.display_name,
        "meta": {
            "resourceType": "Group",
            "created": group.created_at.to_rfc3339_opts(SecondsFormat::Millis, true),
            "lastModified": group.updated_at.to_rfc3339_opts(SecondsFormat::Millis, true),
            "location": format!("{}/Groups/{}", scim.base, group.pid),
        },
    });
    if let Some(external_id) = &group.external_id {
        resource["externalId"] = external_id.as_str().into();
    }
    if with_members && !group.members.is_empty() {
        resource["members"] = members_json(scim, &group.members);
    }
    resource
}

async fn resource_of(
    state: &ScimState,
    scim: &ScimTenant,
    group: &Group,
    with_members: bool,
) -> Result<Value, ScimError> {
    match group {
        Group::Role(role) => role_resource(state, scim, role, with_members).await,
        Group::Directory(group) => Ok(directory_resource(scim, group, with_members)),
    }
}

fn excludes_members(excluded: Option<&str>) -> bool {
    excluded.is_some_and(|list| {
        list.split(',')
            .any(|a| a.trim().eq_ignore_ascii_case("members"))
    })
}

/// Every group `filter` matches (all without one): the role groups in declaration order, then
/// the directory groups by name.
pub(crate) async fn groups_matching(
    state: &ScimState,
    scim: &ScimTenant,
    filter: Option<&filter::Filter>,
    with_members: bool,
) -> Result<Vec<Value>, ScimError> {
    let mut all = Vec::new();
    for role in group_roles(state) {
        all.push(role_resource(state, scim, &role, with_members).await?);
    }
    let directory = match filter.and_then(lookup_of) {
        // What Entra ID asks before every group it provisions: one indexed lookup.
        Some(Some(key)) => state
            .users
            .directory_group(scim.tenant.id, key)
            .await?
            .into_iter()
            .collect(),
        Some(None) => Vec::new(),
        None => state.users.directory_groups(scim.tenant.id).await?,
    };
    for group in directory {
        all.push(directory_resource(scim, &group, with_members));
    }
    Ok(all
        .into_iter()
        .filter(|resource| filter.is_none_or(|f| filter::matches(f, resource)))
        .collect())
}

/// The one directory group a filter's conjunct names with `eq` — by id, name or external id —
/// if it names one (`Some(None)`: it names none, as an `id` that is no UUID).
fn lookup_of(filter: &filter::Filter) -> Option<Option<DirectoryGroupKey>> {
    filter::conjuncts(filter)
        .into_iter()
        .find_map(|term| match term {
            filter::Filter::Compare(path, filter::Op::Eq, Value::String(value))
                if path.sub.is_none() =>
            {
                match path.attr.as_str() {
                    // An id that is no UUID names no directory group (a role group's key).
                    "id" => Some(Uuid::parse_str(value).ok().map(DirectoryGroupKey::Pid)),
                    "displayname" => Some(Some(DirectoryGroupKey::DisplayName(value.clone()))),
                    "externalid" => Some(Some(DirectoryGroupKey::ExternalId(value.clone()))),
                    _ => None,
                }
            }
            _ => None,
        })
}

async fn run_list(
    state: &ScimState,
    scim: &ScimTenant,
    request: ListRequest,
    skip_members: bool,
) -> Result<Response, ScimError> {
    let matched = groups_matching(state, scim, request.filter.as_ref(), !skip_members).await?;
    Ok(request.page_of(matched))
}

fn params_of(
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Vec<(String, String)>, ScimError> {
    query
        .map(|Query(p)| p)
        .map_err(|_| ScimError::invalid_value("the query string is malformed"))
}

/// `GET /Groups`.
pub(crate) async fn list(
    State(state): State<ScimState>,
    scim: ScimTenant,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, ScimError> {
    let params = params_of(query)?;
    let skip = excludes_members(param(&params, "excludedAttributes"));
    run_list(&state, &scim, ListRequest::from_query(&params)?, skip).await
}

/// `POST /Groups/.search`.
pub(crate) async fn search(
    State(state): State<ScimState>,
    scim: ScimTenant,
    ScimBody(body): ScimBody,
) -> Result<Response, ScimError> {
    run_list(
        &state,
        &scim,
        ListRequest::from_body(&body)?,
        skips_members(&body),
    )
    .await
}

/// Whether a `/.search` body excludes `members`.
pub(crate) fn skips_members(body: &Value) -> bool {
    filter::member(body, "excludedAttributes")
        .is_some_and(|v| v.to_string().to_ascii_lowercase().contains("members"))
}

/// `GET /Groups/{id}`.
pub(crate) async fn get_one(
    State(state): State<ScimState>,
    scim: ScimTenant,
    Path((_, id)): Path<(String, String)>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, ScimError> {
    let params = params_of(query)?;
    let excluded = param(&params, "excludedAttributes");
    let projection = Projection::new(param(&params, "attributes"), excluded)?;
    let group = group_of(&state, &scim, &id).await?;
    let resource = resource_of(&state, &scim, &group, !excludes_members(excluded)).await?;
    Ok(with_location(
        scim_json(StatusCode::OK, &projection.apply(resource.clone())),
        &resource,
    ))
}

/// The user ids a resource's `members` lists (each member's `value`).
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

/// A directory group's attributes as a request (a `POST` or `PUT` body, or the result of a
/// `PATCH`) gives them.
struct Wanted {
    display_name: String,
    external_id: Option<String>,
    members: BTreeSet<Uuid>,
}

fn wanted_of(resource: &Value) -> Result<Wanted, ScimError> {
    let text = |attr: &str| match filter::member(resource, attr) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ScimError::invalid_value(format!("{attr} must be a string"))),
    };
    let display_name = text("displayName")?
        .filter(|name| !name.is_empty())
        .ok_or_else(|| ScimError::invalid_value("displayName is required"))?;
    let external_id = text("externalId")?.filter(|id| !id.is_empty());
    Ok(Wanted {
        display_name,
        external_id,
        members: member_pids(resource)?,
    })
}

/// `POST /Groups`: a directory group, with its members, one transaction.
pub(crate) async fn create(
    State(state): State<ScimState>,
    scim: ScimTenant,
    ScimBody(body): ScimBody,
) -> Result<Response, ScimError> {
    let wanted = wanted_of(&body)?;
    let group = state
        .users
        .create_directory_group(
            scim.tenant.id,
            NewDirectoryGroup {
                display_name: wanted.display_name,
                external_id: wanted.external_id,
                members: wanted.members.into_iter().collect(),
            },
        )
        .await?;
    let resource = directory_resource(&scim, &group, true);
    Ok(with_location(
        scim_json(StatusCode::CREATED, &resource),
        &resource,
    ))
}

fn role_refused() -> ScimError {
    ScimError::new(
        StatusCode::FORBIDDEN,
        None,
        "this group is a role of the catalogue: it cannot be deleted; its members change by PATCH or by a PUT keeping its name",
    )
}

async fn change_directory(
    state: &ScimState,
    scim: &ScimTenant,
    group: &DirectoryGroupView,
    wanted: Wanted,
    members: MemberChange,
) -> Result<Response, ScimError> {
    let changed = state
        .users
        .change_directory_group(
            scim.tenant.id,
            group.pid,
            DirectoryGroupChange {
                display_name: wanted.display_name,
                external_id: wanted.external_id,
                members,
            },
        )
        .await?;
    let resource = directory_resource(scim, &changed, true);
    Ok(with_location(
        scim_json(StatusCode::OK, &resource),
        &resource,
    ))
}

/// `PUT /Groups/{id}`: a directory group's whole resource; a role group's members (its name
/// unchanged, no `externalId`: else `mutability`).
pub(crate) async fn replace(
    State(state): State<ScimState>,
    scim: ScimTenant,
    Path((_, id)): Path<(String, String)>,
    ScimBody(body): ScimBody,
) -> Result<Response, ScimError> {
    let wanted = wanted_of(&body)?;
    match group_of(&state, &scim, &id).await? {
        Group::Directory(group) => {
            let members = MemberChange::Exactly(wanted.members.iter().copied().collect());
            change_directory(&state, &scim, &group, wanted, members).await
        }
        // Okta pushes a linked group's membership by PUT: the members change, nothing else may.
        Group::Role(role) => {
            if wanted.display_name != role.name() || wanted.external_id.is_some() {
                return Err(ScimError::mutability(
                    "a role group keeps the role's name and has no externalId: only its members change",
                ));
            }
            let current = role_resource(&state, &scim, &role, true).await?;
            set_role_members(&state, &scim, &role, member_pids(&current)?, wanted.members).await
        }
    }
}

/// `PATCH /Groups/{id}`: the operations applied to the current resource; members added and
/// removed as the difference (so concurrent patches adding different members keep both).
pub(crate) async fn modify(
    State(state): State<ScimState>,
    scim: ScimTenant,
    Path((_, id)): Path<(String, String)>,
    ScimBody(body): ScimBody,
) -> Result<Response, ScimError> {
    let operations = patch::operations_of(&body)?;
    match group_of(&state, &scim, &id).await? {
        Group::Role(role) => modify_role(&state, &scim, &role, &operations).await,
        Group::Directory(group) => {
            let current = directory_resource(&scim, &group, true);
            let mut patched = current.clone();
            for operation in &operations {
                patch::apply(&mut patched, operation, DIRECTORY_GROUP_READ_ONLY)?;
            }
            let before = member_pids(&current)?;
            let wanted = wanted_of(&patched)?;
            let members = MemberChange::Apply {
                add: wanted.members.difference(&before).copied().collect(),
                remove: before.difference(&wanted.members).copied().collect(),
            };
            change_directory(&state, &scim, &group, wanted, members).await
        }
    }
}

/// A role group's `PATCH`: members added and removed, each a grant or revocation of the role,
/// tenant-wide, audited.
async fn modify_role(
    state: &ScimState,
    scim: &ScimTenant,
    role: &Role,
    operations: &[patch::Operation],
) -> Result<Response, ScimError> {
    let current = role_resource(state, scim, role, true).await?;
    let mut patched = current.clone();
    for operation in operations {
        // Entra ID and Okta send the unchanged display name along: allowed when it is equal.
        if let (Some(target), Some(Value::String(name))) = (&operation.target, &operation.value)
            && target.attr == "displayname"
            && name == role.name()
        {
            continue;
        }
        patch::apply(&mut patched, operation, ROLE_GROUP_READ_ONLY)?;
    }
    set_role_members(
        state,
        scim,
        role,
        member_pids(&current)?,
        member_pids(&patched)?,
    )
    .await
}

/// Brings a role group's members from `before` to `after`: each addition a grant of the role,
/// tenant-wide, each removal a revocation (audited, delegation-free: the token acts as the
/// system). Every new member is checked before anything is granted.
async fn set_role_members(
    state: &ScimState,
    scim: &ScimTenant,
    role: &Role,
    before: BTreeSet<Uuid>,
    after: BTreeSet<Uuid>,
) -> Result<Response, ScimError> {
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
    let resource = role_resource(state, scim, role, true).await?;
    Ok(scim_json(StatusCode::OK, &resource))
}

/// `DELETE /Groups/{id}`: a directory group and its memberships; 403 for a role group.
pub(crate) async fn delete(
    State(state): State<ScimState>,
    scim: ScimTenant,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ScimError> {
    let Group::Directory(group) = group_of(&state, &scim, &id).await? else {
        return Err(role_refused());
    };
    state
        .users
        .delete_directory_group(scim.tenant.id, group.pid)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
