//! [`axum-login`](https://docs.rs/axum-login) for tenantry (feature `axum-login`): an
//! [`AuthnBackend`] over any [`UserRepository`], so every axum host reuses one login. It calls
//! only [`SessionUsers`] ([`Tenants`], [`Users`] and [`Logins`]), so anything implementing those
//! three (a mock in a test) serves too.
//!
//! The session's auth hash is the user's security stamp: when it rotates (password, status,
//! role or expiry change, delete, tenant suspension or reactivation), axum-login drops the
//! sessions made with the old one. While the user cannot sign in (expired, suspended, its
//! tenant suspended) no stamp is given out at all, so the session ends at its next request.
//!
//! ```no_run
//! # async fn build(users: std::sync::Arc<dyn tenantry_service::UserRepository>) {
//! use tenantry_service::axum_login::TenantryBackend;
//! let backend = TenantryBackend::new(users);
//! // AuthManagerLayerBuilder::new(backend, session_layer).build()
//! # drop(backend); }
//! ```

use crate::api::SessionUsers;
#[cfg(doc)]
use crate::api::{Logins, Tenants, UserRepository, Users};
use crate::error::Error;
use crate::inputs::LoginContext;
use crate::password_policy::Password;
use crate::views::UserView;
use axum_login::{AuthUser, AuthnBackend, UserId as BackendUserId};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tenantry_entity::{LoginSource, TenantId, TenantStatus, UserId, UserStatus};

/// What a session remembers of its user: the tenant and the user's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SessionUserId {
    /// The user's tenant.
    pub tenant: TenantId,
    /// The user.
    pub user: UserId,
}

impl std::fmt::Display for SessionUserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.tenant, self.user)
    }
}

/// A logged-in user, as axum-login holds it.
#[derive(Clone)]
pub struct SessionUser {
    /// The user.
    pub user: UserView,
    security_stamp: String,
}

impl std::fmt::Debug for SessionUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionUser")
            .field("user", &self.user)
            .field("security_stamp", &"[redacted]")
            .finish()
    }
}

impl AuthUser for SessionUser {
    type Id = SessionUserId;

    fn id(&self) -> SessionUserId {
        SessionUserId {
            tenant: self.user.tenant_id,
            user: self.user.id,
        }
    }

    fn session_auth_hash(&self) -> &[u8] {
        self.security_stamp.as_bytes()
    }
}

/// A login form or JSON body: the tenant's slug, a username or email, and the password.
#[derive(Clone, Debug, Deserialize)]
pub struct LoginCredentials {
    /// The tenant's slug.
    pub tenant: String,
    /// Username or email.
    pub login: String,
    /// The password.
    pub password: Password,
    /// The channel; `web` when absent.
    #[serde(default = "web")]
    pub source: LoginSource,
    /// The client's address; hosts fill it in from the connection, never from the body.
    #[serde(skip)]
    pub ip: Option<String>,
}

fn web() -> LoginSource {
    LoginSource::Web
}

/// The axum-login backend over a tenantry repository: it calls only [`SessionUsers`] (the
/// repository's [`Tenants`], [`Users`] and [`Logins`]), so an `Arc<dyn UserRepository>`, a
/// `SeaOrmUserRepository` or a test's mock of those three serves.
#[derive(Clone)]
pub struct TenantryBackend {
    users: Arc<dyn SessionUsers>,
}

impl TenantryBackend {
    /// A backend logging users in through `users` (an `Arc<dyn UserRepository>` coerces).
    pub fn new(users: Arc<dyn SessionUsers>) -> Self {
        Self { users }
    }

    /// The repository.
    pub fn users(&self) -> &Arc<dyn SessionUsers> {
        &self.users
    }
}

impl AuthnBackend for TenantryBackend {
    type User = SessionUser;
    type Credentials = LoginCredentials;
    type Error = Error;

    /// `Ok(None)` for every failed login, whatever the reason (unknown tenant included: the
    /// hasher still runs once, so it takes as long as any other failure).
    async fn authenticate(
        &self,
        credentials: LoginCredentials,
    ) -> Result<Option<SessionUser>, Error> {
        let tenant = self
            .users
            .get_tenant_by_slug(&credentials.tenant)
            .await?
            .map_or(TenantId(0), |t| t.id);
        let context = LoginContext {
            source: credentials.source,
            ip: credentials.ip,
        };
        match self
            .users
            .authenticate(tenant, &credentials.login, &credentials.password, context)
            .await
        {
            Ok(authenticated) => Ok(Some(SessionUser {
                user: authenticated.user,
                security_stamp: authenticated.security_stamp,
            })),
            Err(Error::InvalidCredentials) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The session's user, or `None` — ending the session — when it is gone, no longer
    /// active, past its expiry, or its tenant is suspended (none of which a host should have
    /// to re-check on every request).
    async fn get_user(&self, id: &BackendUserId<Self>) -> Result<Option<SessionUser>, Error> {
        let Some(user) = self.users.get_user(id.tenant, id.user).await? else {
            return Ok(None);
        };
        let expired = user.expires_at.is_some_and(|at| at <= chrono::Utc::now());
        if user.status != UserStatus::Active || expired {
            return Ok(None);
        }
        let tenant_active = self
            .users
            .get_tenant(id.tenant)
            .await?
            .is_some_and(|t| t.status == TenantStatus::Active);
        if !tenant_active {
            return Ok(None);
        }
        let Some(security_stamp) = self.users.security_stamp(id.tenant, id.user).await? else {
            return Ok(None);
        };
        Ok(Some(SessionUser {
            user,
            security_stamp,
        }))
    }
}

/// Signs `user` in on a session that starts afresh: everything the request's session held is
/// dropped, and it gets a new id (the old one is deleted from the store) before the user is
/// stored in it. Call this instead of [`AuthSession::login`](axum_login::AuthSession::login).
///
/// axum-login 0.18 cycles the id only of a session that has no user yet. Over a cookie that is
/// already signed in it would keep the id, so whoever planted that cookie in the browser —
/// another user, of any tenant — would share the session of the user who signs in now
/// (session fixation; the admin example's tests replay a planted cookie against it).
///
/// # Errors
///
/// The session store's error, or the login's.
pub async fn login_fresh(
    auth: &mut axum_login::AuthSession<TenantryBackend>,
    user: &SessionUser,
) -> Result<(), axum_login::Error<TenantryBackend>> {
    auth.session.clear().await;
    auth.session
        .cycle_id()
        .await
        .map_err(axum_login::Error::Session)?;
    auth.login(user).await
}
