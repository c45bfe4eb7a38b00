//! Who is signed in: extractors for the session's user and tenant, for this crate's handlers
//! and a host's own. They need the session layer ([`auth_layer`](crate::auth_layer)) and no
//! particular router state, and answer 401 `unauthenticated` in the API's error format when
//! there is no valid session.

use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum_login::AuthSession;
use tenantry_service::axum_login::TenantryBackend;
use tenantry_service::{TenantView, UserView};

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
#[derive(Clone, Debug)]
pub struct SignedIn {
    /// The user, as the session loaded it on this request.
    pub user: UserView,
    /// Its tenant.
    pub tenant: TenantView,
}

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        if let Some(signed_in) = parts.extensions.get::<Self>() {
            return Ok(signed_in.clone());
        }
        let Auth(session) = Auth::from_request_parts(parts, state).await?;
        let Some(session_user) = session.user else {
            return Err(ApiError::unauthenticated());
        };
        let user = session_user.user;
        let Some(tenant) = session.backend.users().get_tenant(user.tenant_id).await? else {
            return Err(ApiError::unauthenticated());
        };
        // Later extractors of the same request (a guard, then the handler) read it again for
        // free.
        let signed_in = Self { user, tenant };
        parts.extensions.insert(signed_in.clone());
        Ok(signed_in)
    }
}

/// The signed-in user alone (see [`SignedIn`]).
#[derive(Clone, Debug)]
pub struct SessionUser(pub UserView);

impl<S: Send + Sync> FromRequestParts<S> for SessionUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let SignedIn { user, .. } = SignedIn::from_request_parts(parts, state).await?;
        Ok(Self(user))
    }
}

/// The signed-in user's tenant alone (see [`SignedIn`]): every tenant-scoped call of a
/// handler takes its id.
#[derive(Clone, Debug)]
pub struct SessionTenant(pub TenantView);

impl<S: Send + Sync> FromRequestParts<S> for SessionTenant {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let SignedIn { tenant, .. } = SignedIn::from_request_parts(parts, state).await?;
        Ok(Self(tenant))
    }
}
