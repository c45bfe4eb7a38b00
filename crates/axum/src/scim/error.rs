//! SCIM errors (RFC 7644 §3.12): a status, an optional `scimType` and a detail, as
//! `application/scim+json`. The detail never holds database text or a submitted value.

use super::SCIM_CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tenantry_service::Error;

/// The error schema's URN.
pub(crate) const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// A SCIM error response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimError {
    /// The HTTP status.
    pub status: StatusCode,
    /// RFC 7644's `scimType`, for the 400 and 409 it defines them for.
    pub scim_type: Option<&'static str>,
    /// What went wrong, for a person.
    pub detail: String,
}

impl ScimError {
    /// An error with `status`, `scim_type` and `detail`.
    pub(crate) fn new(
        status: StatusCode,
        scim_type: Option<&'static str>,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            status,
            scim_type,
            detail: detail.into(),
        }
    }

    /// 400 `invalidValue`.
    pub(crate) fn invalid_value(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some("invalidValue"), detail)
    }

    /// 400 `invalidFilter`.
    pub(crate) fn invalid_filter(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some("invalidFilter"), detail)
    }

    /// 400 `invalidSyntax`.
    pub(crate) fn invalid_syntax(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some("invalidSyntax"), detail)
    }

    /// 400 `invalidPath`.
    pub(crate) fn invalid_path(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some("invalidPath"), detail)
    }

    /// 400 `noTarget`.
    pub(crate) fn no_target(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some("noTarget"), detail)
    }

    /// 400 `mutability`.
    pub(crate) fn mutability(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some("mutability"), detail)
    }

    /// 409 `uniqueness`.
    pub(crate) fn uniqueness(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, Some("uniqueness"), detail)
    }

    /// 404.
    pub(crate) fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, None, detail)
    }

    /// 401, with `WWW-Authenticate: Bearer` added by the response.
    pub(crate) fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            None,
            "a valid bearer token of this tenant is required",
        )
    }
}

impl From<Error> for ScimError {
    fn from(error: Error) -> Self {
        match error {
            Error::NotFound => Self::not_found("resource not found"),
            Error::UsernameTaken => Self::uniqueness("userName is already taken"),
            Error::EmailTaken => Self::uniqueness("the email is already taken"),
            Error::Conflict(what) => Self::uniqueness(format!("conflict: {what}")),
            Error::InvalidInput(errors) => Self::invalid_value(format!("invalid input: {errors}")),
            Error::LastAdmin => {
                Self::mutability("the tenant's last administrator cannot lose that role")
            }
            Error::RoleRefused(refused) => Self::invalid_value(format!("role refused: {refused}")),
            Error::NotPermitted { .. } => Self::new(StatusCode::FORBIDDEN, None, "not permitted"),
            other => {
                // Display never holds database text; the source goes to the log only.
                tracing::error!(error = %other, "scim: the store failed");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, None, "internal error")
            }
        }
    }
}

impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        let mut body = json!({
            "schemas": [ERROR_SCHEMA],
            "status": self.status.as_u16().to_string(),
            "detail": self.detail,
        });
        if let Some(scim_type) = self.scim_type {
            body["scimType"] = scim_type.into();
        }
        let mut response = (self.status, body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(SCIM_CONTENT_TYPE),
        );
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
