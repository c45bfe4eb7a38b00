//! A SCIM 2.0 server (RFC 7643, RFC 7644) per tenant: what Entra ID and Okta provision a
//! tenant's users through.
//!
//! ```rust,ignore
//! let app = axum::Router::new().nest("/scim/v2", tenantry_axum::scim::router(users.clone()));
//! // The tenant `acme`'s SCIM base URL: https://host/scim/v2/acme
//! // Its token: `tenantry scim token create --tenant acme --name entra`
//! ```
//!
//! Endpoints, under `/{tenant-slug}`: `Users` (`GET` with `filter`, `startIndex`, `count`,
//! `attributes`, `excludedAttributes`; `POST`; `POST /Users/.search`; `GET`, `PUT`, `PATCH`,
//! `DELETE` of `/Users/{id}`; the root `POST /.search` lists Users, then Groups), `Groups`
//! (the same verbs; a role group takes `PATCH` of its members only),
//! `ServiceProviderConfig`, `ResourceTypes`, `Schemas`. Every response is
//! `application/scim+json`; every error is an RFC 7644 §3.12 error body with its `scimType`.
//!
//! Decisions:
//! - **Authorization**: `Authorization: Bearer <token>`, a token of the tenant named by the
//!   path ([`ScimTokens`](tenantry_service::ScimTokens)). Anything else — no token, a
//!   malformed, unknown or revoked one, another tenant's — is the same 401. A string that is
//!   not a token's shape is refused before anything is hashed; any other costs one indexed
//!   lookup. A suspended tenant answers 403.
//! - **User mapping**: `id` is the user's public id (`pid`); `userName` its username, or its
//!   email for a user without one; `displayName` its display name (from `name.formatted`, or
//!   `name.givenName` and `name.familyName`, or the `userName` when absent); `emails` its one
//!   email (the `primary` one of those sent, else the `work` one, else the first); `active`
//!   is "not suspended"; `groups` its tenant-wide roles (read-only). A `userName` holding `@`
//!   is an email: the user gets no username and that email (the tenant's profile rules must
//!   make usernames optional). Other attributes (`name` parts, `phoneNumbers`, `password`,
//!   enterprise extension, …) are accepted and ignored, as RFC 7644 §3.3 allows.
//! - **`externalId` is the identity link**: a [`user_identities`](tenantry_service::entity::user_identities)
//!   row of provider [`provider_of`] — `scim:<tenant-slug>` — so it is unique per tenant,
//!   and `Identities::find_by_identity` finds the user by it.
//! - **`active: false` suspends** the user (`deactivate_user`: its security stamp rotates, so
//!   every session ends); `true` reactivates it. Entra's `"False"` string is a boolean here.
//! - **`DELETE` soft-deletes** (`delete_user`): the user disappears from SCIM and every
//!   lookup and keeps its username and email reserved. Nothing is purged automatically: a
//!   tenant's retention policy runs `purge_user` (or `tenantry user delete` and the host's
//!   purge) when it decides, as for any deleted user.
//! - **Role groups are the role catalogue's tenant-scoped roles** (`id` = the role's key,
//!   `displayName` = its name, `members` = users holding it tenant-wide). They cannot be
//!   renamed (`mutability`) or deleted (403) over SCIM: the catalogue is the host's code.
//!   `PATCH`, and a `PUT` that keeps the name (Okta's Group Push), add and remove members
//!   (`grant_role` / `revoke_role`, audited, delegation-free: the token acts as the system).
//! - **Every other group is a directory group** (`id` = a UUID;
//!   [`DirectoryGroups`](tenantry_service::api::DirectoryGroups)): created, replaced, patched
//!   and deleted, each one audited transaction. Membership grants nothing; it is kept for the
//!   provider and the host. Names are unique per tenant (compared as usernames are) and never
//!   a role group's; `externalId` is unique per tenant. A `PATCH` writes the difference of
//!   members it makes, so concurrent patches adding different members keep both.
//! - A group's `members` are `{"value", "$ref"}` (RFC 7643 §8.7.1: strict clients refuse a
//!   `display` the schema does not publish). A User's `groups` lists its role groups only.
//! - **Writes**: a user's create, and a `PUT` or `PATCH` (profile, `externalId` link,
//!   status), are each one transaction: refused part-way, nothing is written.
//! - **Bounds**: bodies over [`MAX_BODY_BYTES`] are 413; `count` is clamped to
//!   [`MAX_COUNT`]; a `startIndex` below 1 is 1; filters are bounded (`filter.rs`); a filter
//!   that names none of `id`, `userName`, `externalId`, `emails.value` with `eq` is
//!   `invalidFilter` on `Users` (each of those is one index lookup; nothing scans a tenant).

mod discovery;
mod error;
mod filter;
mod groups;
mod patch;
mod search;
mod users;

pub use error::ScimError;

use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;
use std::sync::Arc;
use tenantry_service::{TenantStatus, TenantView, UserRepository};

/// The media type of every SCIM response.
pub const SCIM_CONTENT_TYPE: &str = "application/scim+json";

/// The largest request body taken (1 MiB); a larger one is 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The most resources one page holds (`count` above it is clamped; `filter.maxResults`).
pub const MAX_COUNT: u64 = 200;

/// The core User schema.
pub(crate) const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The core Group schema.
pub(crate) const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// A list response.
pub(crate) const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// The identity provider name under which a tenant's SCIM `externalId`s are stored:
/// `scim:<tenant-slug>`.
pub fn provider_of(tenant: &TenantView) -> String {
    format!("scim:{}", tenant.slug)
}

/// The SCIM server over `users`, to nest at `/scim/v2` (or anywhere): it serves
/// `/{tenant-slug}/Users`, `/{tenant-slug}/Groups`, … as the module docs say.
pub fn router(users: Arc<dyn UserRepository>) -> Router {
    let state = ScimState { users };
    Router::new()
        .route(
            "/{tenant}/ServiceProviderConfig",
            get(discovery::service_provider_config),
        )
        .route("/{tenant}/ResourceTypes", get(discovery::resource_types))
        .route(
            "/{tenant}/ResourceTypes/{id}",
            get(discovery::resource_type),
        )
        .route("/{tenant}/Schemas", get(discovery::schemas))
        .route("/{tenant}/Schemas/{id}", get(discovery::schema))
        .route("/{tenant}/.search", axum::routing::post(search::search))
        .route("/{tenant}/Users", get(users::list).post(users::create))
        .route(
            "/{tenant}/Users/.search",
            axum::routing::post(users::search),
        )
        .route(
            "/{tenant}/Users/{id}",
            get(users::get_one)
                .put(users::replace)
                .patch(users::modify)
                .delete(users::delete),
        )
        .route("/{tenant}/Groups", get(groups::list).post(groups::create))
        .route(
            "/{tenant}/Groups/.search",
            axum::routing::post(groups::search),
        )
        .route(
            "/{tenant}/Groups/{id}",
            get(groups::get_one)
                .put(groups::replace)
                .patch(groups::modify)
                .delete(groups::delete),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

async fn not_found() -> ScimError {
    ScimError::not_found("no such endpoint")
}

async fn method_not_allowed() -> ScimError {
    ScimError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        None,
        "method not allowed here",
    )
}

/// The router's state.
#[derive(Clone)]
pub(crate) struct ScimState {
    pub(crate) users: Arc<dyn UserRepository>,
}

/// The tenant a request's bearer token opens, when it is the tenant its path names; and the
/// base URL of that tenant's endpoints, for `meta.location`.
pub(crate) struct ScimTenant {
    pub(crate) tenant: TenantView,
    pub(crate) base: String,
}

impl ScimTenant {
    /// The `externalId` provider of this tenant.
    pub(crate) fn provider(&self) -> String {
        provider_of(&self.tenant)
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// `scheme://host/…/{tenant}` as the client addressed it.
fn base_url(parts: &Parts, slug: &str) -> String {
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| h.chars().all(|c| c.is_ascii_graphic()))
        .unwrap_or("localhost");
    let scheme = parts
        .headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .filter(|p| *p == "https")
        .unwrap_or("http");
    let original = parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map_or_else(|| parts.uri.path().to_owned(), |uri| uri.path().to_owned());
    let marker = format!("/{slug}");
    let prefix = original
        .find(&format!("{marker}/"))
        .or_else(|| {
            original
                .ends_with(&marker)
                .then(|| original.len() - marker.len())
        })
        .map_or("", |at| &original[..at]);
    format!("{scheme}://{host}{prefix}/{slug}")
}

impl FromRequestParts<ScimState> for ScimTenant {
    type Rejection = ScimError;

    async fn from_request_parts(parts: &mut Parts, state: &ScimState) -> Result<Self, ScimError> {
        let Path(params) = Path::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|_| ScimError::not_found("no such endpoint"))?;
        let slug = params
            .iter()
            .find(|(name, _)| name == "tenant")
            .map(|(_, value)| value.clone())
            .ok_or_else(|| ScimError::not_found("no such endpoint"))?;
        let token = bearer(parts).ok_or_else(ScimError::unauthorized)?;
        let tenant = state
            .users
            .scim_tenant(token)
            .await?
            .filter(|tenant| tenant.slug == slug)
            .ok_or_else(ScimError::unauthorized)?;
        if tenant.status != TenantStatus::Active {
            return Err(ScimError::new(
                StatusCode::FORBIDDEN,
                None,
                "the tenant is suspended",
            ));
        }
        let base = base_url(parts, &tenant.slug);
        Ok(Self { tenant, base })
    }
}

/// A request body as JSON: at most [`MAX_BODY_BYTES`] (else 413), a JSON object (else
/// `invalidSyntax`).
pub(crate) struct ScimBody(pub(crate) Value);

impl<S: Send + Sync> FromRequest<S> for ScimBody {
    type Rejection = ScimError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, ScimError> {
        let too_large = || {
            ScimError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                None,
                format!("the body is larger than {MAX_BODY_BYTES} bytes"),
            )
        };
        if request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .is_some_and(|length| length > MAX_BODY_BYTES as u64)
        {
            return Err(too_large());
        }
        let bytes = axum::body::to_bytes(request.into_body(), MAX_BODY_BYTES)
            .await
            .map_err(|_| too_large())?;
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|_| ScimError::invalid_syntax("the body is not valid JSON"))?;
        if !value.is_object() {
            return Err(ScimError::invalid_syntax("the body is not a JSON object"));
        }
        Ok(Self(value))
    }
}

/// A SCIM JSON response with `status`.
pub(crate) fn scim_json(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(SCIM_CONTENT_TYPE),
    );
    response
}

/// A list response of `resources`.
pub(crate) fn list_response(total: u64, start_index: u64, resources: Vec<Value>) -> Response {
    scim_json(
        StatusCode::OK,
        &serde_json::json!({
            "schemas": [LIST_SCHEMA],
            "totalResults": total,
            "startIndex": start_index,
            "itemsPerPage": resources.len(),
            "Resources": resources,
        }),
    )
}
