//! [`TenantScope`]: the repository seen from one tenant, for services that have only one (or
//! that resolved the tenant once, from the host name or the session).
//!
//! Every method of the tenant-scoped traits is here without its `TenantId` argument; the
//! tenant is the one the scope was made for, so a call can never name another. The
//! multi-tenant API stays the primary one: a scope only forwards to it.
//!
//! A single-tenant service makes its scope once at startup with
//! [`TenantScope::default_tenant`], which creates the tenant `default` on first use:
//!
//! ```
//! use std::sync::Arc;
//! use tenantry_service::{NewUser, TenantScope, UserRepository};
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let db = tenantry_service::connect("sqlite::memory:").await?;
//! # tenantry_service::migrate(&db).await?;
//! let repo: Arc<dyn UserRepository> = Arc::new(tenantry_service::SeaOrmUserRepository::new(
//!     db,
//!     tenantry_service::Config::insecure_fast_for_tests(),
//! )?);
//! let users = TenantScope::default_tenant(repo.clone()).await?;
//! let ada = users
//!     .create_user(NewUser { username: "ada".into(), display_name: "Ada".into(), ..NewUser::default() }, None)
//!     .await?;
//! assert_eq!(users.get_user_by_username("ADA").await?.map(|u| u.id), Some(ada.id));
//! // The same tenant on every later start.
//! assert_eq!(TenantScope::default_tenant(repo).await?.tenant(), users.tenant());
//! # Ok(()) }
//! ```

use crate::error::{Error, Result};
use crate::inputs::{
    Actor, HostPlant, IdentityUser, ImportedUser, Invitation, KeysetQuery, LoginContext,
    NewIdentity, NewPlant, NewTenant, NewUser, PageRequest, PlantChanges, PlantRole, RoleSet,
    UserFilter, UserQuery, UserUpdate,
};
use crate::password_policy::Password;
use crate::recovery_code::RecoveryCodes;
use crate::role_catalogue::{Grant, GrantScope, RoleKey};
use crate::second_factor_types::{
    AuthenticatorView, SecondFactorPolicy, SecondFactorProof, TotpEnrolment,
};
use crate::views::{
    AuditEventView, AuthenticatedUser, IdentityView, InvitedUser, IssuedToken, KeysetPage,
    LoginEventView, Page, PlantMember, PlantView, RoleHolder, SignIn, TenantView, UserView,
};
#[cfg(feature = "passkeys")]
use crate::{PasskeyChallenge, PasskeyView};
use crate::{SessionUsage, SessionView, TokenSender, UserRepository};
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;
use tenantry_entity::{PlantId, TenantId, UserId, UserRole};
use uuid::Uuid;
#[cfg(feature = "passkeys")]
use webauthn_rs::prelude::{
    CreationChallengeResponse, PublicKeyCredential, RegisterPublicKeyCredential,
    RequestChallengeResponse,
};

/// The slug of the tenant [`TenantScope::default_tenant`] creates and uses.
pub const DEFAULT_TENANT_SLUG: &str = "default";

/// The repository seen from one tenant: every tenant-scoped call, without the `TenantId`.
#[derive(Clone)]
pub struct TenantScope {
    repo: Arc<dyn UserRepository>,
    tenant: TenantId,
}

impl std::fmt::Debug for TenantScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TenantScope")
            .field("tenant", &self.tenant)
            .finish_non_exhaustive()
    }
}

/// Forwards each listed method to the repository with the scope's tenant first.
macro_rules! scoped {
    ($( $(#[$doc:meta])* fn $name:ident(&self $(, $arg:ident : $ty:ty)*) -> $ret:ty; )*) => {
        $(
            $(#[$doc])*
            ///
            /// # Errors
            /// As the method it forwards to.
            pub async fn $name(&self $(, $arg: $ty)*) -> $ret {
                self.repo.$name(self.tenant $(, $arg)*).await
            }
        )*
    };
}

impl TenantScope {
    /// The scope of `tenant` (not checked here: a call on a tenant that does not exist is
    /// `NotFound` or empty, as the method says).
    pub fn new(repo: Arc<dyn UserRepository>, tenant: TenantId) -> Self {
        Self { repo, tenant }
    }

    /// The scope of the tenant [`DEFAULT_TENANT_SLUG`], created (named "Default") on first use.
    /// Services that start at once race safely: one creates it, the others find it.
    ///
    /// # Errors
    /// `Database`.
    pub async fn default_tenant(repo: Arc<dyn UserRepository>) -> Result<Self> {
        Self::get_or_create(repo, DEFAULT_TENANT_SLUG, "Default").await
    }

    /// The scope of the tenant `slug`, created with `name` when there is none.
    ///
    /// # Errors
    /// `InvalidInput` (slug, name), `Database`.
    pub async fn get_or_create(
        repo: Arc<dyn UserRepository>,
        slug: &str,
        name: &str,
    ) -> Result<Self> {
        if let Some(tenant) = repo.get_tenant_by_slug(slug).await? {
            return Ok(Self::new(repo, tenant.id));
        }
        let input = NewTenant {
            slug: slug.to_owned(),
            name: name.to_owned(),
        };
        match repo.create_tenant(input, None).await {
            Ok(tenant) => Ok(Self::new(repo, tenant.id)),
            // Another process created it meanwhile.
            Err(Error::SlugTaken) => match repo.get_tenant_by_slug(slug).await? {
                Some(tenant) => Ok(Self::new(repo, tenant.id)),
                None => Err(Error::SlugTaken),
            },
            Err(other) => Err(other),
        }
    }

    /// The scope of the existing tenant `slug`.
    ///
    /// # Errors
    /// `NotFound`, `Database`.
    pub async fn of_slug(repo: Arc<dyn UserRepository>, slug: &str) -> Result<Self> {
        let tenant = repo
            .get_tenant_by_slug(slug)
            .await?
            .ok_or(Error::NotFound)?;
        Ok(Self::new(repo, tenant.id))
    }

    /// The tenant every call of this scope is about.
    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    /// The repository, for what is not about one tenant (tenants themselves, identities
    /// looked up across tenants, pruning).
    pub fn repository(&self) -> &Arc<dyn UserRepository> {
        &self.repo
    }

    /// The tenant's row.
    ///
    /// # Errors
    /// `NotFound` (deleted meanwhile), `Database`.
    pub async fn get_tenant(&self) -> Result<TenantView> {
        self.repo
            .get_tenant(self.tenant)
            .await?
            .ok_or(Error::NotFound)
    }

    scoped! {
    // AuditLog
    /// [`AuditLog::list_audit_events`](crate::AuditLog::list_audit_events) in this tenant.
    fn list_audit_events(&self, page: PageRequest) -> Result<Page<AuditEventView>>;
    // Credentials
    /// [`Credentials::change_password`](crate::Credentials::change_password) in this tenant.
    fn change_password(&self, user: UserId, current: &Password, new_password: &Password) -> Result<()>;
    /// [`Credentials::set_password`](crate::Credentials::set_password) in this tenant.
    fn set_password(&self, user: UserId, new_password: &Password, actor: Actor) -> Result<()>;
    /// [`Credentials::issue_password_reset`](crate::Credentials::issue_password_reset) in this tenant.
    fn issue_password_reset(&self, user: UserId, ttl: Option<Duration>, actor: Actor) -> Result<IssuedToken>;
    /// [`Credentials::request_password_reset`](crate::Credentials::request_password_reset) in this tenant.
    fn request_password_reset(&self, email: &str, sender: &dyn TokenSender) -> Result<()>;
    /// [`Credentials::issue_email_verification`](crate::Credentials::issue_email_verification) in this tenant.
    fn issue_email_verification(&self, user: UserId, actor: Actor) -> Result<IssuedToken>;
    // Dormancy
    /// [`Dormancy::list_dormant`](crate::Dormancy::list_dormant) in this tenant.
    fn list_dormant(&self, since: DateTime<Utc>) -> Result<Vec<UserView>>;
    /// [`Dormancy::deactivate_dormant`](crate::Dormancy::deactivate_dormant) in this tenant.
    fn deactivate_dormant(&self, since: DateTime<Utc>, actor: Actor) -> Result<u64>;
    // Identities
    /// [`Identities::link_identity`](crate::Identities::link_identity) in this tenant.
    fn link_identity(&self, user: UserId, identity: NewIdentity, actor: Actor) -> Result<IdentityView>;
    /// [`Identities::unlink_identity`](crate::Identities::unlink_identity) in this tenant.
    fn unlink_identity(&self, user: UserId, provider: &str, subject: &str, actor: Actor) -> Result<()>;
    /// [`Identities::list_identities`](crate::Identities::list_identities) in this tenant.
    fn list_identities(&self, user: UserId) -> Result<Vec<IdentityView>>;
    /// [`Identities::provision_from_identity`](crate::Identities::provision_from_identity) in this tenant.
    fn provision_from_identity(&self, input: IdentityUser, actor: Actor) -> Result<UserView>;
    // Imports
    /// [`Imports::import_user`](crate::Imports::import_user) in this tenant.
    fn import_user(&self, user: ImportedUser, actor: Actor) -> Result<UserView>;
    /// [`Imports::import_users`](crate::Imports::import_users) in this tenant.
    fn import_users(&self, users: Vec<ImportedUser>, actor: Actor) -> Result<Vec<UserId>>;
    // Invitations
    /// [`Invitations::invite_user`](crate::Invitations::invite_user) in this tenant.
    fn invite_user(&self, invitation: Invitation, actor: Actor) -> Result<InvitedUser>;
    // Logins
    /// [`Logins::authenticate`](crate::Logins::authenticate) in this tenant.
    fn authenticate(&self, login: &str, password: &Password, context: LoginContext) -> Result<AuthenticatedUser>;
    /// [`Logins::sign_in`](crate::Logins::sign_in) in this tenant.
    fn sign_in(&self, login: &str, password: &Password, context: LoginContext) -> Result<SignIn>;
    /// [`Logins::security_stamp`](crate::Logins::security_stamp) in this tenant.
    fn security_stamp(&self, user: UserId) -> Result<Option<String>>;
    /// [`Logins::record_activity`](crate::Logins::record_activity) in this tenant.
    fn record_activity(&self, user: UserId) -> Result<bool>;
    /// [`Logins::unlock_user`](crate::Logins::unlock_user) in this tenant.
    fn unlock_user(&self, user: UserId, actor: Actor) -> Result<UserView>;
    /// [`Logins::list_login_events`](crate::Logins::list_login_events) in this tenant.
    fn list_login_events(&self, user: Option<UserId>, page: PageRequest) -> Result<Page<LoginEventView>>;
    // Passkeys
    /// [`Passkeys::start_passkey_registration`](crate::Passkeys::start_passkey_registration) in this tenant.
    #[cfg(feature = "passkeys")]
    fn start_passkey_registration(&self, user: UserId) -> Result<PasskeyChallenge<CreationChallengeResponse>>;
    /// [`Passkeys::finish_passkey_registration`](crate::Passkeys::finish_passkey_registration) in this tenant.
    #[cfg(feature = "passkeys")]
    fn finish_passkey_registration(&self, user: UserId, token: &str, credential: &RegisterPublicKeyCredential, name: &str) -> Result<PasskeyView>;
    /// [`Passkeys::passkeys`](crate::Passkeys::passkeys) in this tenant.
    #[cfg(feature = "passkeys")]
    fn passkeys(&self, user: UserId) -> Result<Vec<PasskeyView>>;
    /// [`Passkeys::rename_passkey`](crate::Passkeys::rename_passkey) in this tenant.
    #[cfg(feature = "passkeys")]
    fn rename_passkey(&self, user: UserId, id: i64, name: &str, actor: Actor) -> Result<PasskeyView>;
    /// [`Passkeys::remove_passkey`](crate::Passkeys::remove_passkey) in this tenant.
    #[cfg(feature = "passkeys")]
    fn remove_passkey(&self, user: UserId, id: i64, actor: Actor) -> Result<()>;
    /// [`Passkeys::start_passkey_sign_in`](crate::Passkeys::start_passkey_sign_in) in this tenant.
    #[cfg(feature = "passkeys")]
    fn start_passkey_sign_in(&self, context: LoginContext) -> Result<PasskeyChallenge<RequestChallengeResponse>>;
    /// [`Passkeys::start_passkey_second_factor`](crate::Passkeys::start_passkey_second_factor) in this tenant.
    #[cfg(feature = "passkeys")]
    fn start_passkey_second_factor(&self, challenge: &str, context: LoginContext) -> Result<RequestChallengeResponse>;
    /// [`Passkeys::finish_passkey_sign_in`](crate::Passkeys::finish_passkey_sign_in) in this tenant.
    #[cfg(feature = "passkeys")]
    fn finish_passkey_sign_in(&self, token: &str, credential: &PublicKeyCredential, context: LoginContext) -> Result<AuthenticatedUser>;
    // Plants
    /// [`Plants::create_plant`](crate::Plants::create_plant) in this tenant.
    fn create_plant(&self, input: NewPlant, actor: Actor) -> Result<PlantView>;
    /// [`Plants::get_plant`](crate::Plants::get_plant) in this tenant.
    fn get_plant(&self, id: PlantId) -> Result<Option<PlantView>>;
    /// [`Plants::get_plant_by_pid`](crate::Plants::get_plant_by_pid) in this tenant.
    fn get_plant_by_pid(&self, pid: Uuid) -> Result<Option<PlantView>>;
    /// [`Plants::get_plant_by_code`](crate::Plants::get_plant_by_code) in this tenant.
    fn get_plant_by_code(&self, code: &str) -> Result<Option<PlantView>>;
    /// [`Plants::list_plants`](crate::Plants::list_plants) in this tenant.
    fn list_plants(&self) -> Result<Vec<PlantView>>;
    /// [`Plants::get_plant_by_external_id`](crate::Plants::get_plant_by_external_id) in this tenant.
    fn get_plant_by_external_id(&self, external_id: &str) -> Result<Option<PlantView>>;
    /// [`Plants::upsert_plant`](crate::Plants::upsert_plant) in this tenant.
    fn upsert_plant(&self, plant: HostPlant, actor: Actor) -> Result<PlantView>;
    /// [`Plants::rename_plant`](crate::Plants::rename_plant) in this tenant.
    fn rename_plant(&self, id: PlantId, changes: PlantChanges, actor: Actor) -> Result<PlantView>;
    /// [`Plants::delete_plant`](crate::Plants::delete_plant) in this tenant.
    fn delete_plant(&self, id: PlantId, actor: Actor) -> Result<()>;
    /// [`Plants::deactivate_plant`](crate::Plants::deactivate_plant) in this tenant.
    fn deactivate_plant(&self, id: PlantId, actor: Actor) -> Result<PlantView>;
    /// [`Plants::reactivate_plant`](crate::Plants::reactivate_plant) in this tenant.
    fn reactivate_plant(&self, id: PlantId, actor: Actor) -> Result<PlantView>;
    // Roles
    /// [`Roles::grant_role`](crate::Roles::grant_role) in this tenant.
    fn grant_role(&self, user: UserId, scope: GrantScope, role: RoleKey, actor: Actor) -> Result<UserView>;
    /// [`Roles::revoke_role`](crate::Roles::revoke_role) in this tenant.
    fn revoke_role(&self, user: UserId, scope: GrantScope, role: RoleKey, actor: Actor) -> Result<UserView>;
    /// [`Roles::revoke_roles_at`](crate::Roles::revoke_roles_at) in this tenant.
    fn revoke_roles_at(&self, user: UserId, scope: GrantScope, actor: Actor) -> Result<UserView>;
    /// [`Roles::replace_roles`](crate::Roles::replace_roles) in this tenant.
    fn replace_roles(&self, user: UserId, roles: RoleSet, actor: Actor) -> Result<UserView>;
    /// [`Roles::grants_of`](crate::Roles::grants_of) in this tenant.
    fn grants_of(&self, user: UserId) -> Result<Vec<Grant>>;
    /// [`Roles::effective_roles`](crate::Roles::effective_roles) in this tenant.
    fn effective_roles(&self, user: UserId, at: GrantScope) -> Result<BTreeSet<RoleKey>>;
    /// [`Roles::has_role`](crate::Roles::has_role) in this tenant.
    fn has_role(&self, user: UserId, at: GrantScope, role: &RoleKey) -> Result<bool>;
    /// [`Roles::users_with_role`](crate::Roles::users_with_role) in this tenant.
    fn users_with_role(&self, role: RoleKey, at: GrantScope) -> Result<Vec<RoleHolder>>;
    /// [`Roles::users_for_plant`](crate::Roles::users_for_plant) in this tenant.
    fn users_for_plant(&self, plant: PlantId, role: Option<RoleKey>) -> Result<Vec<PlantMember>>;
    /// [`Roles::assign_plant_role`](crate::Roles::assign_plant_role) in this tenant.
    fn assign_plant_role(&self, user: UserId, plant: PlantId, role: UserRole, actor: Actor) -> Result<UserView>;
    /// [`Roles::remove_plant_role`](crate::Roles::remove_plant_role) in this tenant.
    fn remove_plant_role(&self, user: UserId, plant: PlantId, actor: Actor) -> Result<UserView>;
    /// [`Roles::set_plant_roles`](crate::Roles::set_plant_roles) in this tenant.
    fn set_plant_roles(&self, user: UserId, roles: &[PlantRole], actor: Actor) -> Result<UserView>;
    /// [`Roles::set_roles`](crate::Roles::set_roles) in this tenant.
    fn set_roles(&self, user: UserId, tenant_role: Option<UserRole>, plant_roles: &[PlantRole], actor: Actor) -> Result<UserView>;
    /// [`Roles::set_tenant_role`](crate::Roles::set_tenant_role) in this tenant.
    fn set_tenant_role(&self, user: UserId, role: Option<UserRole>, actor: Actor) -> Result<UserView>;
    /// [`Roles::effective_role`](crate::Roles::effective_role) in this tenant.
    fn effective_role(&self, user: UserId, plant: PlantId) -> Result<Option<UserRole>>;
    /// [`Roles::has_at_least`](crate::Roles::has_at_least) in this tenant.
    fn has_at_least(&self, user: UserId, plant: PlantId, role: UserRole) -> Result<bool>;
    // SecondFactors
    /// [`SecondFactors::enrol_totp`](crate::SecondFactors::enrol_totp) in this tenant.
    fn enrol_totp(&self, user: UserId, name: &str) -> Result<TotpEnrolment>;
    /// [`SecondFactors::confirm_totp`](crate::SecondFactors::confirm_totp) in this tenant.
    fn confirm_totp(&self, user: UserId, authenticator: i64, code: &str, actor: Actor) -> Result<Option<RecoveryCodes>>;
    /// [`SecondFactors::authenticators`](crate::SecondFactors::authenticators) in this tenant.
    fn authenticators(&self, user: UserId) -> Result<Vec<AuthenticatorView>>;
    /// [`SecondFactors::remove_authenticator`](crate::SecondFactors::remove_authenticator) in this tenant.
    fn remove_authenticator(&self, user: UserId, authenticator: i64, actor: Actor) -> Result<()>;
    /// [`SecondFactors::regenerate_recovery_codes`](crate::SecondFactors::regenerate_recovery_codes) in this tenant.
    fn regenerate_recovery_codes(&self, user: UserId, actor: Actor) -> Result<RecoveryCodes>;
    /// [`SecondFactors::recovery_codes_left`](crate::SecondFactors::recovery_codes_left) in this tenant.
    fn recovery_codes_left(&self, user: UserId) -> Result<u64>;
    /// [`SecondFactors::reset_second_factors`](crate::SecondFactors::reset_second_factors) in this tenant.
    fn reset_second_factors(&self, user: UserId, actor: Actor) -> Result<()>;
    /// [`SecondFactors::set_second_factor_policy`](crate::SecondFactors::set_second_factor_policy) in this tenant.
    fn set_second_factor_policy(&self, policy: SecondFactorPolicy, actor: Actor) -> Result<SecondFactorPolicy>;
    /// [`SecondFactors::second_factor_policy`](crate::SecondFactors::second_factor_policy) in this tenant.
    fn second_factor_policy(&self) -> Result<SecondFactorPolicy>;
    /// [`SecondFactors::complete_sign_in`](crate::SecondFactors::complete_sign_in) in this tenant.
    fn complete_sign_in(&self, challenge: &str, proof: SecondFactorProof, context: LoginContext) -> Result<AuthenticatedUser>;
    /// [`SecondFactors::enrol_totp_at_sign_in`](crate::SecondFactors::enrol_totp_at_sign_in) in this tenant.
    fn enrol_totp_at_sign_in(&self, challenge: &str, name: &str, context: LoginContext) -> Result<TotpEnrolment>;
    // Sessions
    /// [`Sessions::list_sessions`](crate::Sessions::list_sessions) in this tenant.
    fn list_sessions(&self, user: UserId) -> Result<Vec<SessionView>>;
    /// [`Sessions::revoke_session`](crate::Sessions::revoke_session) in this tenant.
    fn revoke_session(&self, user: UserId, pid: Uuid, actor: Actor) -> Result<()>;
    /// [`Sessions::revoke_other_sessions`](crate::Sessions::revoke_other_sessions) in this tenant.
    fn revoke_other_sessions(&self, user: UserId, current_session_id: &str, actor: Actor) -> Result<u64>;
    /// [`Sessions::revoke_all_sessions`](crate::Sessions::revoke_all_sessions) in this tenant.
    fn revoke_all_sessions(&self, user: UserId, actor: Actor) -> Result<u64>;
    /// [`Sessions::session_usage`](crate::Sessions::session_usage) in this tenant.
    fn session_usage(&self, user: UserId) -> Result<SessionUsage>;
    // Users
    /// [`Users::create_user`](crate::Users::create_user) in this tenant.
    fn create_user(&self, input: NewUser, actor: Actor) -> Result<UserView>;
    /// [`Users::get_user`](crate::Users::get_user) in this tenant.
    fn get_user(&self, id: UserId) -> Result<Option<UserView>>;
    /// [`Users::get_user_by_pid`](crate::Users::get_user_by_pid) in this tenant.
    fn get_user_by_pid(&self, pid: Uuid) -> Result<Option<UserView>>;
    /// [`Users::get_user_by_username`](crate::Users::get_user_by_username) in this tenant.
    fn get_user_by_username(&self, username: &str) -> Result<Option<UserView>>;
    /// [`Users::get_user_by_email`](crate::Users::get_user_by_email) in this tenant.
    fn get_user_by_email(&self, email: &str) -> Result<Option<UserView>>;
    /// [`Users::list_users`](crate::Users::list_users) in this tenant.
    fn list_users(&self, query: &UserQuery) -> Result<Page<UserView>>;
    /// [`Users::list_users_keyset`](crate::Users::list_users_keyset) in this tenant.
    fn list_users_keyset(&self, query: &KeysetQuery) -> Result<KeysetPage<UserView>>;
    /// [`Users::count_users`](crate::Users::count_users) in this tenant.
    fn count_users(&self, filter: &UserFilter) -> Result<u64>;
    /// [`Users::update_user`](crate::Users::update_user) in this tenant.
    fn update_user(&self, id: UserId, update: UserUpdate, actor: Actor) -> Result<UserView>;
    /// [`Users::deactivate_user`](crate::Users::deactivate_user) in this tenant.
    fn deactivate_user(&self, id: UserId, actor: Actor) -> Result<UserView>;
    /// [`Users::reactivate_user`](crate::Users::reactivate_user) in this tenant.
    fn reactivate_user(&self, id: UserId, actor: Actor) -> Result<UserView>;
    /// [`Users::delete_user`](crate::Users::delete_user) in this tenant.
    fn delete_user(&self, id: UserId, actor: Actor) -> Result<()>;
    /// [`Users::restore_user`](crate::Users::restore_user) in this tenant.
    fn restore_user(&self, id: UserId, actor: Actor) -> Result<UserView>;
    /// [`Users::purge_user`](crate::Users::purge_user) in this tenant.
    fn purge_user(&self, id: UserId, actor: Actor) -> Result<()>;
    }
}
