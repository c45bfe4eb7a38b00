//! Extractors that answer in the API's error format: JSON bodies, query strings, user ids in
//! paths, the client's address, and the signed-in user (any, or a tenant admin).

use super::AppState;
use super::error::{ApiError, FieldProblem};
use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::header;
use axum::http::request::Parts;
use axum_login::AuthSession;
use serde::de::DeserializeOwned;
use std::net::SocketAddr;
use tenantry_service::axum_login::TenantryBackend;
use tenantry_service::{TenantView, UserRole, UserView};
use uuid::Uuid;

/// A JSON body. A body that is not `application/json`, not JSON, or not of the route's shape
/// is a 400 `invalid_input`; a value of the wrong type or an unknown field is reported with
/// its path (`roles[0].role`), never with the value.
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
        let value =
            serde_path_to_error::deserialize(&mut deserializer).map_err(|e| body_error(&e))?;
        deserializer
            .end()
            .map_err(|_| ApiError::bad_body("the body is not valid JSON"))?;
        Ok(Self(value))
    }
}

fn body_error(error: &serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    if error.inner().classify() != serde_json::error::Category::Data {
        return ApiError::bad_body("the body is not valid JSON");
    }
    let path = error.path().to_string();
    let field = if path == "." { "body".to_owned() } else { path };
    // serde's own message may quote the value; only its kind is kept.
    let problem = if error.inner().to_string().starts_with("unknown field") {
        FieldProblem::new(field, "unknown_field", "not a field of this request")
    } else {
        FieldProblem::new(field, "invalid_format", "not in a valid format")
    };
    ApiError::invalid(vec![problem])
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

/// A signed-in tenant admin (tenant role `admin`); 403 for any other signed-in user.
pub(crate) struct TenantAdmin(pub SignedIn);

impl FromRequestParts<AppState> for TenantAdmin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let signed_in = SignedIn::from_request_parts(parts, state).await?;
        if signed_in.user.tenant_role == Some(UserRole::Admin) {
            Ok(Self(signed_in))
        } else {
            Err(ApiError::forbidden())
        }
    }
}
