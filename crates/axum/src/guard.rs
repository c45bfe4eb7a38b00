//! Role guards from the store's role catalogue: a handler (or a whole router) that only some
//! signed-in users may use. Each answers 401 `unauthenticated` without a valid session and
//! 403 `forbidden` for a signed-in user without the role, in the API's error format.
//!
//! A role counts when the user holds it **tenant-wide**, or holds a tenant-wide role that
//! implies it in the catalogue (`admin` implies `engineer` in the default one). Plant roles do
//! not count here: a guard does not know which plant a request is about (ask
//! [`Roles::has_role`](tenantry_service::Roles::has_role) with the plant for that).
//!
//! - [`TenantAdmin`]: a role that administers users (what `/api/users` needs).
//! - [`HasRole<R>`]: the role [`RequiredRole::KEY`] names, as an extractor.
//! - [`require_role`]: the same as a middleware over a router, with the role as its state:
//!
//! ```rust,ignore
//! let reports = Router::new()
//!     .route("/reports", get(reports))
//!     .route_layer(axum::middleware::from_fn_with_state(
//!         RoleKey::new("engineer")?,
//!         tenantry_axum::guard::require_role,
//!     ));
//! ```

use crate::error::ApiError;
use crate::session::{Auth, SignedIn};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::marker::PhantomData;
use tenantry_service::{RoleCatalogue, RoleKey};

/// A signed-in tenant admin (a tenant-wide role that administers users, in the catalogue);
/// 403 for any other signed-in user.
#[derive(Clone, Debug)]
pub struct TenantAdmin(pub SignedIn);

impl<S: Send + Sync> FromRequestParts<S> for TenantAdmin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let signed_in = SignedIn::from_request_parts(parts, state).await?;
        let Auth(session) = Auth::from_request_parts(parts, state).await?;
        let roles = session.backend.roles();
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

/// A role of the catalogue, named at the type level for [`HasRole`]:
///
/// ```rust,ignore
/// struct Engineer;
/// impl RequiredRole for Engineer {
///     const KEY: &'static str = "engineer";
/// }
/// async fn reports(HasRole(engineer, _): HasRole<Engineer>) -> Json<Value> {
///     Json(json!({ "reader": engineer.user.username }))
/// }
/// ```
pub trait RequiredRole {
    /// The role's key in the catalogue. A key the catalogue lacks is held by nobody.
    const KEY: &'static str;
}

/// A signed-in user holding the role `R` names (tenant-wide, or implied by a tenant-wide
/// role); 403 `forbidden` for anyone else.
pub struct HasRole<R>(pub SignedIn, pub PhantomData<R>);

impl<R: RequiredRole, S: Send + Sync> FromRequestParts<S> for HasRole<R> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let signed_in = SignedIn::from_request_parts(parts, state).await?;
        let Auth(session) = Auth::from_request_parts(parts, state).await?;
        if holds(session.backend.roles(), &signed_in, R::KEY) {
            Ok(Self(signed_in, PhantomData))
        } else {
            Err(ApiError::forbidden_because(
                "this needs a role the user does not hold",
            ))
        }
    }
}

/// Middleware (`axum::middleware::from_fn_with_state(role, require_role)`) that lets a
/// request through only for a signed-in user holding `role` (tenant-wide, or implied by a
/// tenant-wide role): 401 without a session, 403 without the role. The handlers behind it
/// can take [`SignedIn`] again at no cost.
pub async fn require_role(State(role): State<RoleKey>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let allowed = match SignedIn::from_request_parts(&mut parts, &()).await {
        Ok(signed_in) => match Auth::from_request_parts(&mut parts, &()).await {
            Ok(Auth(session)) => holds(session.backend.roles(), &signed_in, role.as_str()),
            Err(error) => return error.into_response(),
        },
        Err(error) => return error.into_response(),
    };
    if !allowed {
        return ApiError::forbidden_because("this needs a role the user does not hold")
            .into_response();
    }
    next.run(Request::from_parts(parts, body)).await
}

/// Whether the user holds `key` tenant-wide, directly or through a role implying it.
fn holds(roles: &RoleCatalogue, signed_in: &SignedIn, key: &str) -> bool {
    roles
        .closure(&signed_in.user.tenant_roles)
        .iter()
        .any(|held| held.as_str() == key)
}
