//! `/Users`: SCIM users as tenantry users (the mapping is in the module docs of `scim`).

use super::error::ScimError;
use super::filter::{self, Filter, Op, member};
use super::patch;
use super::{MAX_COUNT, ScimBody, ScimState, ScimTenant, USER_SCHEMA, list_response, scim_json};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use tenantry_service::api::{ScimChange, ScimUser, ScimUserKey};
use tenantry_service::{PageRequest, UserQuery, UserStatus, UserUpdate, UserView};
use uuid::Uuid;

/// What a SCIM request wants a user to be: the attributes tenantry stores.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Desired {
    /// The username; empty when the `userName` is an email.
    pub(crate) username: String,
    pub(crate) email: Option<String>,
    pub(crate) display_name: String,
    pub(crate) active: bool,
    pub(crate) external_id: Option<String>,
}

fn string_of(value: &Value, attr: &str) -> Result<Option<String>, ScimError> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        _ => Err(ScimError::invalid_value(format!("{attr} must be a string"))),
    }
}

/// A boolean, or Entra ID's `"True"` / `"False"` strings.
pub(crate) fn boolean_of(value: &Value, attr: &str) -> Result<bool, ScimError> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(ScimError::invalid_value(format!(
            "{attr} must be a boolean"
        ))),
    }
}

/// The one email of a SCIM `emails` value: the primary one, else the `work` one, else the
/// first.
fn email_of(emails: &Value) -> Result<Option<String>, ScimError> {
    let items = match emails {
        Value::Null => return Ok(None),
        Value::Array(items) => items.as_slice(),
        Value::Object(_) => std::slice::from_ref(emails),
        _ => return Err(ScimError::invalid_value("emails must be a list")),
    };
    let mut chosen: Option<&Value> = None;
    for item in items {
        if !item.is_object() {
            return Err(ScimError::invalid_value("emails must hold objects"));
        }
        let primary = member(item, "primary")
            .map(|p| boolean_of(p, "emails.primary"))
            .transpose()?;
        if primary == Some(true) {
            chosen = Some(item);
            break;
        }
        let work = member(item, "type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.eq_ignore_ascii_case("work"));
        if chosen.is_none()
            || work
                && chosen
                    .and_then(|c| member(c, "type"))
                    .and_then(Value::as_str)
                    .is_none_or(|t| !t.eq_ignore_ascii_case("work"))
        {
            chosen = Some(item);
        }
    }
    match chosen.and_then(|item| member(item, "value")) {
        None => Ok(None),
        Some(value) => string_of(value, "emails.value"),
    }
}

/// Reads a User resource (a `POST` or `PUT` body, or the result of a `PATCH`).
///
/// # Errors
/// `invalidValue` for a missing `userName` or a value of the wrong type.
pub(crate) fn desired_of(resource: &Value) -> Result<Desired, ScimError> {
    let user_name = member(resource, "userName")
        .map(|v| string_of(v, "userName"))
        .transpose()?
        .flatten()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ScimError::invalid_value("userName is required"))?;
    let mut email = member(resource, "emails")
        .map(email_of)
        .transpose()?
        .flatten();
    let username = if user_name.contains('@') {
        email = Some(user_name);
        String::new()
    } else {
        user_name
    };
    let name = member(resource, "name");
    let formatted = name
        .and_then(|n| member(n, "formatted"))
        .map(|v| string_of(v, "name.formatted"))
        .transpose()?
        .flatten();
    let parts = || -> Result<Option<String>, ScimError> {
        let part = |attr: &str| {
            name.and_then(|n| member(n, attr))
                .map(|v| string_of(v, attr))
                .transpose()
                .map(Option::flatten)
        };
        let joined = [part("givenName")?, part("familyName")?]
            .into_iter()
            .flatten()
            .filter(|s| !s.trim().is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        Ok(Some(joined).filter(|s| !s.is_empty()))
    };
    let display_name = match member(resource, "displayName")
        .map(|v| string_of(v, "displayName"))
        .transpose()?
        .flatten()
    {
        Some(name) if !name.is_empty() => name,
        _ => match formatted.filter(|s| !s.trim().is_empty()) {
            Some(formatted) => formatted,
            None => parts()?.unwrap_or_default(),
        },
    };
    let display_name = if display_name.is_empty() {
        if username.is_empty() {
            email.clone().unwrap_or_default()
        } else {
            username.clone()
        }
    } else {
        display_name
    };
    let active = member(resource, "active")
        .filter(|v| !v.is_null())
        .map(|v| boolean_of(v, "active"))
        .transpose()?
        .unwrap_or(true);
    let external_id = member(resource, "externalId")
        .map(|v| string_of(v, "externalId"))
        .transpose()?
        .flatten()
        .filter(|s| !s.is_empty());
    Ok(Desired {
        username,
        email,
        display_name,
        active,
        external_id,
    })
}

/// The SCIM resource of `user`.
pub(crate) fn resource_of(
    scim: &ScimTenant,
    state: &ScimState,
    user: &UserView,
    external_id: Option<&str>,
) -> Value {
    let catalogue = state.users.role_catalogue();
    let groups: Vec<Value> = user
        .tenant_roles
        .iter()
        .map(|key| {
            let display = catalogue
                .get(key.as_str())
                .map_or(key.as_str(), |role| role.name());
            json!({ "value": key.as_str(), "display": display })
        })
        .collect();
    let mut resource = json!({
        "schemas": [USER_SCHEMA],
        "id": user.pid.to_string(),
        "userName": user.username.clone().or_else(|| user.email.clone()).unwrap_or_default(),
        "displayName": user.display_name,
        "active": user.status != UserStatus::Suspended,
        "meta": {
            "resourceType": "User",
            "created": user.created_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "lastModified": user.updated_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "location": format!("{}/Users/{}", scim.base, user.pid),
        },
    });
    if let Some(email) = &user.email {
        resource["emails"] = json!([{ "value": email }]);
    }
    if let Some(external_id) = external_id {
        resource["externalId"] = external_id.into();
    }
    if !groups.is_empty() {
        resource["groups"] = groups.into();
    }
    resource
}

/// The stored email is the primary work one: with this, `emails[type eq "work"]` names it (in
/// filters and `PATCH` paths), though a response shows its value alone.
fn with_email_kind(resource: &mut Value) {
    if let Some(Value::Array(emails)) = resource.get_mut("emails") {
        for email in emails {
            email["type"] = "work".into();
            email["primary"] = true.into();
        }
    }
}

/// `attributes` / `excludedAttributes` of a request.
#[derive(Default)]
pub(crate) struct Projection {
    attributes: Vec<filter::AttrPath>,
    excluded: Vec<filter::AttrPath>,
}

fn paths_of(list: &str) -> Result<Vec<filter::AttrPath>, ScimError> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .take(64)
        .map(|p| {
            filter::attr_path(p)
                .ok_or_else(|| ScimError::invalid_value("a malformed attribute name"))
        })
        .collect()
}

impl Projection {
    pub(crate) fn new(attributes: Option<&str>, excluded: Option<&str>) -> Result<Self, ScimError> {
        Ok(Self {
            attributes: attributes.map(paths_of).transpose()?.unwrap_or_default(),
            excluded: excluded.map(paths_of).transpose()?.unwrap_or_default(),
        })
    }

    /// `resource` with only the asked attributes (`id` and `schemas` always stay).
    pub(crate) fn apply(&self, mut resource: Value) -> Value {
        let always =
            |key: &str| key.eq_ignore_ascii_case("id") || key.eq_ignore_ascii_case("schemas");
        let Some(object) = resource.as_object_mut() else {
            return resource;
        };
        if !self.attributes.is_empty() {
            object.retain(|key, value| {
                if always(key) {
                    return true;
                }
                let wanted: Vec<&filter::AttrPath> = self
                    .attributes
                    .iter()
                    .filter(|p| p.attr.eq_ignore_ascii_case(key))
                    .collect();
                if wanted.is_empty() {
                    return false;
                }
                if wanted.iter().all(|p| p.sub.is_some()) {
                    let keep = |item: &mut Value| {
                        if let Some(inner) = item.as_object_mut() {
                            inner.retain(|k, _| {
                                wanted.iter().any(|p| {
                                    p.sub.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(k))
                                })
                            });
                        }
                    };
                    match value {
                        Value::Array(items) => items.iter_mut().for_each(keep),
                        other => keep(other),
                    }
                }
                true
            });
        }
        for path in &self.excluded {
            if always(&path.attr) {
                continue;
            }
            match &path.sub {
                None => object.retain(|key, _| !key.eq_ignore_ascii_case(&path.attr)),
                Some(sub) => {
                    for (key, value) in object.iter_mut() {
                        if key.eq_ignore_ascii_case(&path.attr) {
                            let drop_sub = |item: &mut Value| {
                                if let Some(inner) = item.as_object_mut() {
                                    inner.retain(|k, _| !k.eq_ignore_ascii_case(sub));
                                }
                            };
                            match value {
                                Value::Array(items) => items.iter_mut().for_each(drop_sub),
                                other => drop_sub(other),
                            }
                        }
                    }
                }
            }
        }
        resource
    }
}

pub(crate) fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// A listing request: filter, page and projection.
pub(crate) struct ListRequest {
    pub(crate) filter: Option<Filter>,
    pub(crate) start_index: u64,
    pub(crate) count: u64,
    pub(crate) projection: Projection,
}

fn number_of(value: &Value, name: &str) -> Result<i64, ScimError> {
    match value {
        Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| ScimError::invalid_value(format!("{name} must be an integer"))),
        Value::String(s) => s
            .trim()
            .parse()
            .map_err(|_| ScimError::invalid_value(format!("{name} must be an integer"))),
        _ => Err(ScimError::invalid_value(format!(
            "{name} must be an integer"
        ))),
    }
}

impl ListRequest {
    /// The page of `matched` (every match, in order) this request asks for.
    pub(crate) fn page_of(&self, matched: Vec<Value>) -> Response {
        let total = matched.len() as u64;
        let resources = matched
            .into_iter()
            .skip(usize::try_from(self.start_index - 1).unwrap_or(usize::MAX))
            .take(usize::try_from(self.count).unwrap_or(usize::MAX))
            .map(|r| self.projection.apply(r))
            .collect();
        list_response(total, self.start_index, resources)
    }

    /// From query parameters (`GET`).
    pub(crate) fn from_query(params: &[(String, String)]) -> Result<Self, ScimError> {
        let get = |name| param(params, name).map(|v| Value::String(v.to_owned()));
        Self::from_values(
            get("filter"),
            get("startIndex"),
            get("count"),
            get("attributes"),
            get("excludedAttributes"),
        )
    }

    /// From a `/.search` body.
    pub(crate) fn from_body(body: &Value) -> Result<Self, ScimError> {
        let list = |name| {
            member(body, name).map(|v| match v {
                Value::Array(items) => Value::String(
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(","),
                ),
                other => other.clone(),
            })
        };
        Self::from_values(
            member(body, "filter").cloned(),
            member(body, "startIndex").cloned(),
            member(body, "count").cloned(),
            list("attributes"),
            list("excludedAttributes"),
        )
    }

    fn from_values(
        filter: Option<Value>,
        start_index: Option<Value>,
        count: Option<Value>,
        attributes: Option<Value>,
        excluded: Option<Value>,
    ) -> Result<Self, ScimError> {
        let filter = match filter {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) if text.trim().is_empty() => None,
            Some(Value::String(text)) => Some(filter::parse(&text)?),
            Some(_) => return Err(ScimError::invalid_filter("filter must be a string")),
        };
        // RFC 7644 §3.4.2.4: below 1 is 1; a negative count is 0.
        let start_index = start_index
            .map(|v| number_of(&v, "startIndex"))
            .transpose()?
            .unwrap_or(1)
            .max(1);
        let count = count
            .map(|v| number_of(&v, "count"))
            .transpose()?
            .unwrap_or(100)
            .max(0);
        let as_text = |v: Option<Value>| match v {
            Some(Value::String(s)) => Ok(Some(s)),
            None | Some(Value::Null) => Ok(None),
            Some(_) => Err(ScimError::invalid_value(
                "attributes must be a list of names",
            )),
        };
        Ok(Self {
            filter,
            start_index: start_index.unsigned_abs(),
            count: count.unsigned_abs().min(MAX_COUNT),
            projection: Projection::new(
                as_text(attributes)?.as_deref(),
                as_text(excluded)?.as_deref(),
            )?,
        })
    }
}

/// The one lookup a filter's conjunct allows: by pid, username, email or external id.
enum Lookup {
    Id(String),
    UserName(String),
    Email(String),
    ExternalId(String),
}

fn lookup_of(filter: &Filter) -> Option<Lookup> {
    filter::conjuncts(filter)
        .into_iter()
        .find_map(|term| match term {
            Filter::Compare(path, Op::Eq, Value::String(value)) => {
                match (path.attr.as_str(), path.sub.as_deref()) {
                    ("id", None) => Some(Lookup::Id(value.clone())),
                    ("username", None) => Some(Lookup::UserName(value.clone())),
                    ("externalid", None) => Some(Lookup::ExternalId(value.clone())),
                    ("emails", Some("value")) => Some(Lookup::Email(value.clone())),
                    _ => None,
                }
            }
            Filter::ValuePath(attr, inner) if attr == "emails" => {
                filter::conjuncts(inner).into_iter().find_map(|t| match t {
                    Filter::Compare(path, Op::Eq, Value::String(value))
                        if path.attr == "value" && path.sub.is_none() =>
                    {
                        Some(Lookup::Email(value.clone()))
                    }
                    _ => None,
                })
            }
            _ => None,
        })
}

/// The live user `lookup` names, if any, and its `externalId`: one repository call.
async fn find(
    state: &ScimState,
    scim: &ScimTenant,
    lookup: Lookup,
) -> Result<Option<(UserView, Option<String>)>, ScimError> {
    let (key, email_login) = match lookup {
        Lookup::Id(id) => match Uuid::parse_str(&id) {
            Ok(pid) => (ScimUserKey::Pid(pid), false),
            Err(_) => return Ok(None),
        },
        // A userName with an `@` is the email of a user without a username (the login).
        Lookup::UserName(name) if name.contains('@') => (ScimUserKey::Email(name), true),
        Lookup::UserName(name) => (ScimUserKey::Username(name), false),
        Lookup::Email(email) => (ScimUserKey::Email(email), false),
        Lookup::ExternalId(subject) => (ScimUserKey::ExternalId(subject), false),
    };
    let found = state
        .users
        .scim_user(scim.tenant.id, &scim.provider(), key)
        .await?;
    Ok(found.filter(|(user, _)| !email_login || user.username.is_none()))
}

/// The external ids of `users`, one statement.
async fn external_ids(
    state: &ScimState,
    scim: &ScimTenant,
    users: &[UserView],
) -> Result<HashMap<tenantry_service::UserId, String>, ScimError> {
    let ids: Vec<_> = users.iter().map(|u| u.id).collect();
    Ok(state
        .users
        .external_ids(scim.tenant.id, &scim.provider(), &ids)
        .await?)
}

/// The users `filter` matches (every user of the tenant without one): their number and the
/// resources of `[offset, offset + limit)`, by username. `None` when the filter cannot be
/// answered on Users: it names none of the indexed attributes with `eq`.
pub(crate) async fn users_matching(
    state: &ScimState,
    scim: &ScimTenant,
    filter: Option<&Filter>,
    offset: u64,
    limit: u64,
) -> Result<Option<(u64, Vec<Value>)>, ScimError> {
    let Some(filter) = filter else {
        let tenant = scim.tenant.id;
        if limit == 0 {
            let total = state
                .users
                .count_users(tenant, &tenantry_service::UserFilter::default())
                .await?;
            return Ok(Some((total, Vec::new())));
        }
        let page = state
            .users
            .list_users(
                tenant,
                &UserQuery {
                    page: PageRequest { offset, limit },
                    ..UserQuery::default()
                },
            )
            .await?;
        let ids = external_ids(state, scim, &page.items).await?;
        let resources = page
            .items
            .iter()
            .map(|user| resource_of(scim, state, user, ids.get(&user.id).map(String::as_str)))
            .collect();
        return Ok(Some((page.total, resources)));
    };
    let Some(lookup) = lookup_of(filter) else {
        return Ok(None);
    };
    let mut matched = Vec::new();
    if let Some((user, external_id)) = find(state, scim, lookup).await? {
        let resource = resource_of(scim, state, &user, external_id.as_deref());
        let mut compared = resource.clone();
        with_email_kind(&mut compared);
        if filter::matches(filter, &compared) {
            matched.push(resource);
        }
    }
    let total = matched.len() as u64;
    let page = matched
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .collect();
    Ok(Some((total, page)))
}

async fn run_list(
    state: &ScimState,
    scim: &ScimTenant,
    request: ListRequest,
) -> Result<Response, ScimError> {
    let (total, resources) = users_matching(
        state,
        scim,
        request.filter.as_ref(),
        request.start_index - 1,
        request.count,
    )
    .await?
    .ok_or_else(|| {
        ScimError::invalid_filter(
            "a Users filter must compare id, userName, externalId or emails.value with eq",
        )
    })?;
    let resources = resources
        .into_iter()
        .map(|r| request.projection.apply(r))
        .collect();
    Ok(list_response(total, request.start_index, resources))
}

/// `GET /Users`.
pub(crate) async fn list(
    State(state): State<ScimState>,
    scim: ScimTenant,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, ScimError> {
    let Query(params) =
        query.map_err(|_| ScimError::invalid_value("the query string is malformed"))?;
    run_list(&state, &scim, ListRequest::from_query(&params)?).await
}

/// `POST /Users/.search`.
pub(crate) async fn search(
    State(state): State<ScimState>,
    scim: ScimTenant,
    ScimBody(body): ScimBody,
) -> Result<Response, ScimError> {
    run_list(&state, &scim, ListRequest::from_body(&body)?).await
}

fn projection_of(
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Projection, ScimError> {
    let Query(params) =
        query.map_err(|_| ScimError::invalid_value("the query string is malformed"))?;
    Projection::new(
        param(&params, "attributes"),
        param(&params, "excludedAttributes"),
    )
}

/// The live user `id` (a pid) of the tenant and its `externalId`, else 404.
async fn user_of(
    state: &ScimState,
    scim: &ScimTenant,
    id: &str,
) -> Result<(UserView, Option<String>), ScimError> {
    find(state, scim, Lookup::Id(id.to_owned()))
        .await?
        .ok_or_else(|| {
            ScimError::not_found(format!(
                "User {} not found",
                id.chars().take(64).collect::<String>().escape_default()
            ))
        })
}

/// `response` with a `Location` header of the resource's `meta.location`.
pub(crate) fn with_location(mut response: Response, resource: &Value) -> Response {
    if let Some(location) = resource.pointer("/meta/location").and_then(Value::as_str)
        && let Ok(value) = HeaderValue::from_str(location)
    {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// `GET /Users/{id}`.
pub(crate) async fn get_one(
    State(state): State<ScimState>,
    scim: ScimTenant,
    Path((_, id)): Path<(String, String)>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, ScimError> {
    let projection = projection_of(query)?;
    let (user, external_id) = user_of(&state, &scim, &id).await?;
    let resource = resource_of(&scim, &state, &user, external_id.as_deref());
    Ok(with_location(
        scim_json(StatusCode::OK, &projection.apply(resource.clone())),
        &resource,
    ))
}

/// `POST /Users`: the user, its `externalId` link and its status, one transaction.
pub(crate) async fn create(
    State(state): State<ScimState>,
    scim: ScimTenant,
    ScimBody(body): ScimBody,
) -> Result<Response, ScimError> {
    let desired = desired_of(&body)?;
    let external_id = desired.external_id.clone();
    let input = ScimUser {
        username: desired.username,
        email: desired.email,
        display_name: desired.display_name,
        external_id: desired.external_id,
        active: desired.active,
    };
    let user = state
        .users
        .create_scim_user(scim.tenant.id, &scim.provider(), input)
        .await?;
    let resource = resource_of(&scim, &state, &user, external_id.as_deref());
    Ok(with_location(
        scim_json(StatusCode::CREATED, &resource),
        &resource,
    ))
}

/// Brings `user` to `desired`: the fields that differ, the link and the status, one
/// transaction (nothing written when any part is refused).
async fn apply(
    state: &ScimState,
    scim: &ScimTenant,
    user: UserView,
    desired: Desired,
) -> Result<Response, ScimError> {
    let current_username = user.username.clone().unwrap_or_default();
    let profile = UserUpdate {
        username: (desired.username != current_username).then(|| desired.username.clone()),
        email: (desired.email != user.email).then(|| desired.email.clone()),
        display_name: (desired.display_name != user.display_name)
            .then(|| desired.display_name.clone()),
        ..UserUpdate::default()
    };
    let change = ScimChange {
        profile,
        external_id: desired.external_id.clone(),
        active: desired.active,
    };
    let user = state
        .users
        .change_scim_user(scim.tenant.id, &scim.provider(), user.id, change)
        .await?;
    let resource = resource_of(scim, state, &user, desired.external_id.as_deref());
    Ok(with_location(
        scim_json(StatusCode::OK, &resource),
        &resource,
    ))
}

/// `PUT /Users/{id}`: the whole resource.
pub(crate) async fn replace(
    State(state): State<ScimState>,
    scim: ScimTenant,
    Path((_, id)): Path<(String, String)>,
    ScimBody(body): ScimBody,
) -> Result<Response, ScimError> {
    let (user, _) = user_of(&state, &scim, &id).await?;
    let desired = desired_of(&body)?;
    apply(&state, &scim, user, desired).await
}

/// `PATCH /Users/{id}`: the operations applied to the current resource, then written as a
/// `PUT` of the result.
pub(crate) async fn modify(
    State(state): State<ScimState>,
    scim: ScimTenant,
    Path((_, id)): Path<(String, String)>,
    ScimBody(body): ScimBody,
) -> Result<Response, ScimError> {
    let operations = patch::operations_of(&body)?;
    let (user, current) = user_of(&state, &scim, &id).await?;
    let mut resource = resource_of(&scim, &state, &user, current.as_deref());
    with_email_kind(&mut resource);
    for operation in &operations {
        patch::apply(&mut resource, operation, patch::USER_READ_ONLY)?;
    }
    let desired = desired_of(&resource)?;
    apply(&state, &scim, user, desired).await
}

/// `DELETE /Users/{id}`: a soft delete.
pub(crate) async fn delete(
    State(state): State<ScimState>,
    scim: ScimTenant,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ScimError> {
    let (user, _) = user_of(&state, &scim, &id).await?;
    state
        .users
        .delete_user(scim.tenant.id, user.id, None)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
