//! Extractors that answer in the API's error format: JSON bodies, query strings, user ids in
//! paths, the client's address, and the signed-in user (any, or a tenant admin).

use super::AppState;
use super::error::{ApiError, FieldProblem};
use super::json::Object;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::header;
use axum::http::request::Parts;
use axum_login::AuthSession;
use serde::de::{DeserializeOwned, IgnoredAny};
use std::net::SocketAddr;
use tenantry_service::axum_login::TenantryBackend;
use tenantry_service::{TenantView, UserView};
use uuid::Uuid;

/// A JSON body. A body that is not `application/json`, not JSON, or not a JSON object is a
/// 400 `invalid_input`; a value of the wrong type, an unknown field or a field given twice is
/// reported with its path (`roles[0].role`) and what the field takes (`expected`), never with
/// the value. A body over [`super::BODY_LIMIT`] is a 413.
pub(crate) struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(ApiError::bad_body(
                "the body must be JSON (Content-Type: application/json)",
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|rejection| ApiError::from_status(rejection.status()))?;
        let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
        let Object(value) = serde_path_to_error::deserialize(&mut deserializer)
            .map_err(|e| body_error(&e, &bytes))?;
        deserializer
            .end()
            .map_err(|_| ApiError::bad_body("the body is not valid JSON"))?;
        Ok(Self(value))
    }
}

fn body_error(error: &serde_path_to_error::Error<serde_json::Error>, body: &[u8]) -> ApiError {
    // Whether the body is JSON at all decides, not the error's category: serde_json calls an
    // enum given a number a syntax error ("expected value"), and an array where an object
    // belongs fails before the rest of the body is read.
    if serde_json::from_slice::<IgnoredAny>(body).is_err() {
        return ApiError::bad_body("the body is not valid JSON");
    }
    let path = error.path().to_string();
    let message = error.inner().to_string();
    // serde names a repeated field by its declared name (never the request's text) and
    // reports it at the enclosing object's path.
    let duplicate = message
        .strip_prefix("duplicate field `")
        .and_then(|rest| rest.split_once('`'))
        .map(|(name, _)| name);
    if let Some(name) = duplicate {
        let field = if path == "." {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        };
        let problem = FieldProblem::new(field, "duplicate", "given more than once");
        return ApiError::invalid(vec![problem]);
    }
    let field = if path == "." { "body".to_owned() } else { path };
    let expected = expected_in(&message);
    let mut problem = if message.starts_with("unknown field") {
        FieldProblem::new(field, "unknown_field", "not a field of this request")
    } else {
        FieldProblem::new(field, "invalid_format", "not in a valid format")
    };
    if let Some(expected) = expected {
        problem = problem.expecting(expected);
    }
    ApiError::invalid(vec![problem])
}

/// What serde said the field takes: the `expected …` of its "invalid type", "invalid value",
/// "invalid length", "unknown variant" and "unknown field" messages. That part comes from the
/// type, never from the request (the value is quoted before it, so the last `, expected `
/// is serde's own); the position serde_json appends is cut off.
fn expected_in(message: &str) -> Option<String> {
    const KINDS: [&str; 5] = [
        "invalid type: ",
        "invalid value: ",
        "invalid length ",
        "unknown variant ",
        "unknown field ",
    ];
    if !KINDS.iter().any(|kind| message.starts_with(kind)) {
        return None;
    }
    let (_, expected) = message.rsplit_once(", expected ")?;
    let expected = expected
        .rsplit_once(" at line ")
        .map_or(expected, |(text, _)| text);
    Some(expected.to_owned())
}

/// A query string of string parameters; see the handlers for how each is parsed.
pub(crate) struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| Self(value))
            .map_err(|_| ApiError::bad_body("the query string is not valid"))
    }
}

/// The `{id}` of a user route: a user's public id. A malformed id names no user: 404.
pub(crate) struct UserPid(pub Uuid);

impl<S: Send + Sync> FromRequestParts<S> for UserPid {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(id) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::not_found())?;
        Uuid::parse_str(&id)
            .map(Self)
            .map_err(|_| ApiError::not_found())
    }
}

/// The client's address, when the service runs with connect info (see [`super::serve`]).
pub(crate) struct ClientIp(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip().to_string());
        Ok(Self(ip))
    }
}

/// The request's axum-login session (a 500 in the API's format if the layer is missing).
pub(crate) struct Auth(pub AuthSession<TenantryBackend>);

impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<AuthSession<TenantryBackend>>()
            .cloned()
            .map(Self)
            .ok_or_else(|| {
                tracing::error!("the auth layer is missing");
                ApiError::internal()
            })
    }
}

/// The signed-in user and its tenant. 401 without a session, and also when the session no
/// longer holds: tenantry's axum-login backend ends it when the security stamp changed, the
/// user is not active, its account expired or its tenant is suspended.
pub(crate) struct SignedIn {
    pub user: UserView,
    pub tenant: TenantView,
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Auth(session) = Auth::from_request_parts(parts, state).await?;
        let Some(session_user) = session.user else {
            return Err(ApiError::unauthenticated());
        };
        let user = session_user.user;
        match state.users.get_tenant(user.tenant_id).await? {
            Some(tenant) => Ok(Self { user, tenant }),
            None => Err(ApiError::unauthenticated()),
        }
    }
}

/// A signed-in tenant admin (a tenant-wide role that administers users, in the catalogue);
/// 403 for any other signed-in user.
pub(crate) struct TenantAdmin(pub SignedIn);

impl FromRequestParts<AppState> for TenantAdmin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let signed_in = SignedIn::from_request_parts(parts, state).await?;
        let roles = &state.roles;
        if signed_in
            .user
            .tenant_roles
            .iter()
            .any(|role| roles.administers_users(role))
        {
            Ok(Self(signed_in))
        } else {
            Err(ApiError::forbidden())
        }
    }
}
