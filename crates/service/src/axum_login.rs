//! [`axum-login`](https://docs.rs/axum-login) for tenantry (feature `axum-login`): an
//! [`AuthnBackend`] over any [`UserRepository`], so every axum host reuses one login, and an
//! [`AuthzBackend`] whose permissions are roles held tenant-wide or at a plant. It calls only
//! [`SessionUsers`] ([`Tenants`], [`Plants`], [`Users`] and [`Logins`]), so anything
//! implementing those four (a mock in a test) serves too.
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
use crate::api::{Logins, Plants, Tenants, UserRepository, Users};
use crate::error::Error;
use crate::inputs::LoginContext;
use crate::password_policy::Password;
use crate::role_catalogue::{Grant, GrantScope, RoleCatalogue};
use crate::views::UserView;
use axum_login::{AuthUser, AuthnBackend, AuthzBackend, UserId as BackendUserId};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
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

/// A login's user as its session holds it (after `SecondFactors::complete_sign_in`, say, which
/// the backend's `authenticate` cannot run).
impl From<crate::AuthenticatedUser> for SessionUser {
    fn from(signed_in: crate::AuthenticatedUser) -> Self {
        Self {
            user: signed_in.user,
            security_stamp: signed_in.security_stamp,
        }
    }
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
    LoginSource::web()
}

/// The axum-login backend over a tenantry repository: it calls only [`SessionUsers`] (the
/// repository's [`Tenants`], [`Plants`], [`Users`] and [`Logins`]), so an `Arc<dyn UserRepository>`, a
/// `SeaOrmUserRepository` or a test's mock of those three serves.
///
/// It is also an [`AuthzBackend`] whose permission is a [`Grant`] — a role and where it is
/// held (tenant-wide or at one plant) — answered with the host's [`RoleCatalogue`]: a user has
/// the permission when the role is among its effective roles there (its tenant-wide grants,
/// plus its grants at that plant, plus everything they imply).
///
/// ```
/// use axum_login::AuthzBackend;
/// use tenantry_service::axum_login::TenantryBackend;
/// use tenantry_service::prelude::*;
/// use tenantry_service::{Grant, NewPlant, NewUser, PlantRole, RoleKey, UserRole};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let db = tenantry_service::connect("sqlite::memory:").await?;
/// # tenantry_service::migrate(&db).await?;
/// # let repo = std::sync::Arc::new(tenantry_service::SeaOrmUserRepository::new(
/// #     db,
/// #     tenantry_service::Config::insecure_fast_for_tests(),
/// # )?);
/// # let acme = repo
/// #     .create_tenant(tenantry_service::NewTenant { slug: "acme".into(), name: "Acme".into() }, None)
/// #     .await?;
/// # let line = repo
/// #     .create_plant(acme.id, NewPlant { code: "L1".into(), name: "Line 1".into() }, None)
/// #     .await?;
/// # let bob = NewUser { username: "bob".into(), display_name: "Bob".into(), ..Default::default() };
/// # let bob = repo.create_user(acme.id, bob, None).await?;
/// let bob = repo.assign_plant_role(acme.id, bob.id, line.id, UserRole::Supervisor, None).await?;
/// let backend = TenantryBackend::new(repo.clone()); // the default catalogue: today's four roles
/// let session = backend.session_user(bob);
/// // A supervisor at line 1 is an operator there too, and nothing elsewhere.
/// assert!(backend.has_perm(&session, Grant::plant(RoleKey::new("operator")?, line.id)).await?);
/// assert!(!backend.has_perm(&session, Grant::tenant(RoleKey::new("operator")?)).await?);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct TenantryBackend {
    users: Arc<dyn SessionUsers>,
    roles: Arc<RoleCatalogue>,
}

impl TenantryBackend {
    /// A backend logging users in through `users` (an `Arc<dyn UserRepository>` coerces), its
    /// permissions answered with the default catalogue ([`RoleCatalogue::default`]).
    pub fn new(users: Arc<dyn SessionUsers>) -> Self {
        Self::with_roles(users, RoleCatalogue::default())
    }

    /// A backend whose permissions are answered with the host's catalogue `roles`.
    pub fn with_roles(users: Arc<dyn SessionUsers>, roles: RoleCatalogue) -> Self {
        Self {
            users,
            roles: Arc::new(roles),
        }
    }

    /// The catalogue permissions are answered with.
    pub fn roles(&self) -> &RoleCatalogue {
        &self.roles
    }

    /// `user` as a session holds it, for a permission check outside a request (a job, a test).
    /// It carries no security stamp, so it cannot stand for a session.
    pub fn session_user(&self, user: UserView) -> SessionUser {
        SessionUser {
            user,
            security_stamp: String::new(),
        }
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
            Ok(authenticated) => Ok(Some(SessionUser::from(authenticated))),
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

/// Permissions are grants of the catalogue: "role R tenant-wide" or "role R at plant P".
impl AuthzBackend for TenantryBackend {
    type Permission = Grant;

    /// Every role the user holds, effective: tenant-wide, and at each plant it has a grant at.
    /// (At any other plant it holds its tenant-wide roles, which [`AuthzBackend::has_perm`]
    /// answers.)
    async fn get_user_permissions(&self, user: &SessionUser) -> Result<HashSet<Grant>, Error> {
        let grants = user.user.grants();
        let mut scopes: Vec<GrantScope> = grants.iter().map(|g| g.scope).collect();
        scopes.push(GrantScope::Tenant);
        scopes.sort_unstable();
        scopes.dedup();
        Ok(scopes
            .into_iter()
            .flat_map(|scope| {
                self.roles
                    .effective(&grants, scope)
                    .into_iter()
                    .map(move |role| Grant { role, scope })
            })
            .collect())
    }

    /// Whether `perm`'s role is among the user's effective roles where `perm` is held: at a
    /// plant, its tenant-wide grants and its grants there, and all they imply.
    ///
    /// A plant of another tenant (or no plant at all) is no permission, whatever the user holds
    /// tenant-wide: plant ids are global, so that is checked (one read, and only when the user
    /// has no grant at that plant, which the database already ties to its tenant).
    async fn has_perm(&self, user: &SessionUser, perm: Grant) -> Result<bool, Error> {
        let grants = user.user.grants();
        if let GrantScope::Plant(plant) = perm.scope {
            let granted_there = grants.iter().any(|g| g.scope == perm.scope);
            if !granted_there
                && self
                    .users
                    .get_plant(user.user.tenant_id, plant)
                    .await?
                    .is_none()
            {
                return Ok(false);
            }
        }
        Ok(self
            .roles
            .effective(&grants, perm.scope)
            .contains(&perm.role))
    }
}
