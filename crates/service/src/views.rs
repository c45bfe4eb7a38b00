//! What the service returns: serializable views that cannot hold a secret.

use crate::cursor::Cursor;
use crate::role_catalogue::{Grant, HostRole, RoleKey};
use crate::second_factor_types::FactorKind;
use crate::token_codec::RawToken;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeSet;
use tenantry_entity::{
    PlantId, TenantId, TenantStatus, UserId, UserRole, UserStatus, audit_events, plants, tenants,
    users,
};
use uuid::Uuid;

/// A tenant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TenantView {
    /// Row id.
    pub id: TenantId,
    /// Public id.
    pub pid: Uuid,
    /// Unique slug.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// `active` or `suspended`.
    pub status: TenantStatus,
    /// Created (UTC).
    pub created_at: DateTime<Utc>,
    /// Last changed (UTC).
    pub updated_at: DateTime<Utc>,
}

impl From<tenants::Model> for TenantView {
    fn from(m: tenants::Model) -> Self {
        Self {
            id: m.id,
            pid: m.pid,
            slug: m.slug,
            name: m.name,
            status: m.status,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// A plant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlantView {
    /// Row id.
    pub id: PlantId,
    /// Public id.
    pub pid: Uuid,
    /// Owning tenant.
    pub tenant_id: TenantId,
    /// Code as entered.
    pub code: String,
    /// Display name.
    pub name: String,
    /// The host's identifier of the plant, when it has one.
    pub external_id: Option<String>,
    /// In service: an inactive plant's grants count for nothing.
    pub is_active: bool,
    /// Created (UTC).
    pub created_at: DateTime<Utc>,
    /// Last changed (UTC).
    pub updated_at: DateTime<Utc>,
}

impl From<plants::Model> for PlantView {
    fn from(m: plants::Model) -> Self {
        Self {
            id: m.id,
            pid: m.pid,
            tenant_id: m.tenant_id,
            code: m.code,
            name: m.name,
            external_id: m.external_id,
            is_active: m.is_active,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// A user's role at one plant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlantRoleView {
    /// The plant.
    pub plant_id: PlantId,
    /// Its public id.
    pub plant_pid: Uuid,
    /// Its code.
    pub plant_code: String,
    /// Its name.
    pub plant_name: String,
    /// Whether the plant is in service: a grant at an inactive plant is kept and shown, but
    /// counts for nothing until the plant is reactivated.
    pub plant_active: bool,
    /// A role held there (a key of the catalogue).
    pub role: RoleKey,
}

/// A user with its plant roles. Holds no password hash and no security stamp.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UserView {
    /// Row id.
    pub id: UserId,
    /// Public id.
    pub pid: Uuid,
    /// Owning tenant.
    pub tenant_id: TenantId,
    /// Username as entered; `None` for a user whose login is its email (see
    /// [`crate::profile_rules`]).
    pub username: Option<String>,
    /// Email as entered (trimmed).
    pub email: Option<String>,
    /// When the user proved it receives mail at `email`.
    pub email_verified_at: Option<DateTime<Utc>>,
    /// Display name; for a user without one (see [`crate::profile_rules`]) its username, else
    /// its email.
    pub display_name: String,
    /// `invited`, `active` or `suspended`.
    pub status: UserStatus,
    /// Roles held at every plant of the tenant, ordered by key.
    pub tenant_roles: Vec<RoleKey>,
    /// Roles at individual plants, ordered by plant code, then key.
    pub plant_roles: Vec<PlantRoleView>,
    /// Whether a password is set (the hash itself is never exposed).
    pub has_password: bool,
    /// Last successful login.
    pub last_login_at: Option<DateTime<Utc>>,
    /// Number of successful logins.
    pub login_count: i64,
    /// Last recorded activity.
    pub last_active_at: Option<DateTime<Utc>>,
    /// Logins refused after this time.
    pub expires_at: Option<DateTime<Utc>>,
    /// Logins refused until this time.
    pub locked_until: Option<DateTime<Utc>>,
    /// Host-defined JSON.
    pub metadata: Option<serde_json::Value>,
    /// Created (UTC).
    pub created_at: DateTime<Utc>,
    /// Last changed (UTC).
    pub updated_at: DateTime<Utc>,
}

/// The name a view shows: the display name, or for a user without one (stored empty) its
/// username, else its email.
pub(crate) fn shown_name(
    display_name: String,
    username: Option<&str>,
    email: Option<&str>,
) -> String {
    if !display_name.is_empty() {
        return display_name;
    }
    username.or(email).unwrap_or_default().to_owned()
}

impl UserView {
    /// Builds the view from a row and its grants.
    pub(crate) fn new(m: users::Model, roles: UserGrants) -> Self {
        Self {
            id: m.id,
            pid: m.pid,
            tenant_id: m.tenant_id,
            display_name: shown_name(m.display_name, m.username.as_deref(), m.email.as_deref()),
            username: m.username,
            email: m.email,
            email_verified_at: m.email_verified_at,
            status: m.status,
            tenant_roles: roles.tenant,
            plant_roles: roles.plants,
            has_password: m.password_hash.is_some(),
            last_login_at: m.last_login_at,
            login_count: m.login_count,
            last_active_at: m.last_active_at,
            expires_at: m.expires_at,
            locked_until: m.locked_until,
            metadata: m.metadata,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }

    /// The user's grants as the role catalogue sees them: its tenant-wide roles, then its
    /// roles at each plant in service (those at an inactive plant count for nothing).
    pub fn grants(&self) -> Vec<Grant> {
        let plants = self
            .plant_roles
            .iter()
            .filter(|r| r.plant_active)
            .map(|r| (r.plant_id, &r.role));
        Grant::all(&self.tenant_roles, plants)
    }

    /// The roles granted to the user at `plant` directly (while it is in service) or
    /// tenant-wide, without what they imply
    /// ([`RoleCatalogue::effective`](crate::RoleCatalogue::effective) adds that).
    pub fn roles_at(&self, plant: PlantId) -> impl Iterator<Item = &RoleKey> {
        let at_plant = self
            .plant_roles
            .iter()
            .filter(move |r| r.plant_id == plant && r.plant_active)
            .map(|r| &r.role);
        self.tenant_roles.iter().chain(at_plant)
    }

    /// For the default catalogue (today's four ordered roles): the highest [`UserRole`] the
    /// user holds at `plant` or tenant-wide. Keys that are not a `UserRole` are skipped.
    pub fn effective_role(&self, plant: PlantId) -> Option<UserRole> {
        self.roles_at(plant)
            .filter_map(|key| UserRole::from_key(key))
            .max()
    }
}

/// A user's grants as a view shows them, each list in the view's order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct UserGrants {
    /// Tenant-wide roles.
    pub tenant: Vec<RoleKey>,
    /// Roles at plants.
    pub plants: Vec<PlantRoleView>,
}

/// A user holding a role at a plant, from [`crate::Roles::users_for_plant`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlantMember {
    /// The user.
    pub user: UserView,
    /// Its roles at the plant, tenant-wide grants and everything they imply included.
    pub effective_roles: BTreeSet<RoleKey>,
}

impl PlantMember {
    /// For the default catalogue: the highest [`UserRole`] among its effective roles.
    pub fn effective_role(&self) -> Option<UserRole> {
        self.effective_roles
            .iter()
            .filter_map(|key| UserRole::from_key(key))
            .max()
    }
}

/// A user holding a role, from [`crate::Roles::users_with_role`]: who it is, without its
/// grants (the answer costs one statement; [`crate::Users::get_user`] has the rest).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RoleHolder {
    /// Row id.
    pub id: UserId,
    /// Public id.
    pub pid: Uuid,
    /// Username as entered; `None` for a user whose login is its email (see
    /// [`crate::profile_rules`]).
    pub username: Option<String>,
    /// Display name; for a user without one (see [`crate::profile_rules`]) its username, else
    /// its email.
    pub display_name: String,
    /// Email as entered (trimmed).
    pub email: Option<String>,
    /// `invited`, `active` or `suspended`.
    pub status: UserStatus,
}

/// One audit event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditEventView {
    /// Row id; increases with time.
    pub id: i64,
    /// The tenant.
    pub tenant_id: TenantId,
    /// Who made the change, when known.
    pub actor_user_id: Option<UserId>,
    /// Whom it was about, if anyone (and not purged since).
    pub target_user_id: Option<UserId>,
    /// What happened, e.g. `user.created`.
    pub action: String,
    /// Details (never a secret).
    pub details: serde_json::Value,
    /// When (UTC).
    pub at: DateTime<Utc>,
}

impl From<audit_events::Model> for AuditEventView {
    fn from(m: audit_events::Model) -> Self {
        Self {
            id: m.id,
            tenant_id: m.tenant_id,
            actor_user_id: m.actor_user_id,
            target_user_id: m.target_user_id,
            action: m.action.as_str().to_owned(),
            details: m.details,
            at: m.at,
        }
    }
}

/// One page of a listing, with the total number of matching rows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Page<T> {
    /// The rows of this page.
    pub items: Vec<T>,
    /// How many rows match in all.
    pub total: u64,
}

/// One keyset page of a listing: its rows, where to continue, and the total when asked for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeysetPage<T> {
    /// The rows of this page.
    pub items: Vec<T>,
    /// Pass it as `after` to get the next page; `None` on the last page.
    pub next: Option<Cursor>,
    /// How many rows match in all, when the query asked for it.
    pub total: Option<u64>,
}

/// A successful login: the user, and the security stamp to keep in the session.
///
/// A session is still valid while the user's current stamp equals the one stored at login;
/// the stamp rotates on password, status and role changes.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthenticatedUser {
    /// The user.
    pub user: UserView,
    /// The security stamp at the time of login.
    pub security_stamp: String,
}

impl std::fmt::Debug for AuthenticatedUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthenticatedUser")
            .field("user", &self.user)
            .field("security_stamp", &"[redacted]")
            .finish()
    }
}

/// A one-time token just issued: hand `token` to its user once (a link, an email) and drop it;
/// only its digest is stored.
#[derive(Debug)]
pub struct IssuedToken {
    /// The raw token (its `Debug` prints `[redacted]`; it does not serialize).
    pub token: crate::token_codec::RawToken,
    /// The user it acts on.
    pub user_id: UserId,
    /// What it is for.
    pub purpose: tenantry_entity::TokenPurpose,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// A tenant's policy for one identity provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IdentityProviderView {
    /// The provider's name.
    pub provider: String,
    /// A first sign-in of an unknown identity creates its user.
    pub provisions_users: bool,
    /// An invited user accepts by signing in with the invitation's verified email.
    pub accepts_invitations: bool,
    /// The email domains allowed; empty for any.
    pub email_domains: Vec<String>,
    /// A sign-in through it needs no second step.
    pub satisfies_second_factor: bool,
    /// When it was first set.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<tenantry_entity::identity_providers::Model> for IdentityProviderView {
    fn from(m: tenantry_entity::identity_providers::Model) -> Self {
        Self {
            email_domains: m
                .email_domains
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            provider: m.provider,
            provisions_users: m.provisions_users,
            accepts_invitations: m.accepts_invitations,
            satisfies_second_factor: m.satisfies_second_factor,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// How a sign-in through an identity provider found its user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignInPath {
    /// The identity was linked to the user already.
    Linked,
    /// The user was invited; signing in accepted the invitation and linked the identity.
    AcceptedInvitation,
    /// The user was created now, linked to the identity.
    Provisioned,
}

/// A sign-in's second step: the password was right; completing the challenge is the login.
#[derive(Debug)]
pub struct SecondStep {
    /// The challenge token, to hand to the client once (it is single-use, short-lived, and
    /// bound to the tenant, the user and the login's source and address).
    pub challenge: RawToken,
    /// When it expires.
    pub expires_at: DateTime<Utc>,
    /// The factors the user can complete it with (for an enrolment: what may be enrolled).
    pub factors: Vec<FactorKind>,
}

/// How a password sign-in ended, when the password was right.
// Made once per sign-in and matched by value at once: boxing the user would only add a step.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum SignIn {
    /// Signed in: no second factor is needed.
    Complete(AuthenticatedUser),
    /// The user has a second factor: complete the step with one
    /// (`SecondFactors::complete_sign_in`).
    SecondFactor(SecondStep),
    /// The tenant requires a second factor of this user, who has none: enrol one through the
    /// challenge (`SecondFactors::enrol_totp_at_sign_in`), then complete the step with its code.
    EnrolmentRequired(SecondStep),
}

/// A sign-in through an identity provider: the login (or its second step) and how the user
/// was found.
#[derive(Debug)]
pub struct IdentitySignIn {
    /// Signed in, or — for a user with a second factor (or one the tenant's policy requires)
    /// when the tenant has not declared that the provider satisfies it — a second step to
    /// complete, as after a password.
    pub login: SignIn,
    /// How the identity led to the user.
    pub path: SignInPath,
}

impl IdentitySignIn {
    /// The signed-in user, unless a second step is still to be completed.
    pub fn signed_in(&self) -> Option<&AuthenticatedUser> {
        match &self.login {
            SignIn::Complete(user) => Some(user),
            _ => None,
        }
    }
}

/// A new invitation: the invited user and the token that activates it.
#[derive(Debug)]
pub struct InvitedUser {
    /// The user, in status `invited`.
    pub user: UserView,
    /// The invitation token.
    pub invitation: IssuedToken,
}

/// A user's link to an external identity provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IdentityView {
    /// The user.
    pub user_id: UserId,
    /// Provider name.
    pub provider: String,
    /// The provider's account id.
    pub subject: String,
    /// The provider's email for it.
    pub email: Option<String>,
    /// Last sign-in through it.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was linked.
    pub created_at: DateTime<Utc>,
}

impl From<tenantry_entity::user_identities::Model> for IdentityView {
    fn from(m: tenantry_entity::user_identities::Model) -> Self {
        Self {
            user_id: m.user_id,
            provider: m.provider,
            subject: m.subject,
            email: m.email,
            last_used_at: m.last_used_at,
            created_at: m.created_at,
        }
    }
}

/// One login attempt, for administrators.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LoginEventView {
    /// The user, when the attempt named one that exists.
    pub user_id: Option<UserId>,
    /// Channel.
    pub source: tenantry_entity::LoginSource,
    /// How it ended (the real reason).
    pub outcome: tenantry_entity::LoginOutcome,
    /// Client address, if given.
    pub ip: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

impl From<tenantry_entity::login_events::Model> for LoginEventView {
    fn from(m: tenantry_entity::login_events::Model) -> Self {
        Self {
            user_id: m.user_id,
            source: m.source,
            outcome: m.outcome,
            ip: m.ip,
            at: m.at,
        }
    }
}
