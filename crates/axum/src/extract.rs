//! Extractors that answer in the API's error format: query strings, user ids in paths, the
//! client's address.

use crate::error::ApiError;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use std::net::SocketAddr;
use uuid::Uuid;

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

/// The `{id}` of a route: a user's or a session's public id. A malformed id names nothing:
/// 404.
pub(crate) struct PathPid(pub Uuid);

impl<S: Send + Sync> FromRequestParts<S> for PathPid {
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

/// The client's address, when the service runs with connect info (see [`crate::serve`]).
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

/// The `{id}` of a route that names a row by its number (an authenticator). A malformed id
/// names nothing: 404.
pub(crate) struct PathNumber(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for PathNumber {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(id) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::not_found())?;
        id.parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .map(Self)
            .ok_or_else(ApiError::not_found)
    }
}
