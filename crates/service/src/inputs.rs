//! What callers pass in: one struct per kind of change, never a SeaORM model with a dummy id.
//!
//! Inputs derive `Deserialize` (so a host can take them straight from a JSON body) and `Debug`;
//! a [`Password`] inside prints `[redacted]` and cannot be serialized.

use crate::cursor::Cursor;
use crate::password_policy::Password;
use crate::role_catalogue::RoleKey;
pub use crate::user_filter::{SearchMode, UserFilter, UserOrder};
use crate::validation::{Rule, ValidationErrors};
use serde::Deserialize;
#[cfg(doc)]
use tenantry_entity::UserRole;
use tenantry_entity::{PlantId, UserId, UserStatus};

/// A new tenant.
#[derive(Clone, Debug, Deserialize)]
pub struct NewTenant {
    /// 3–63 of `a-z0-9-`; unique.
    pub slug: String,
    /// Display name, 1–100 characters.
    pub name: String,
}

/// A new plant of a tenant.
#[derive(Clone, Debug, Deserialize)]
pub struct NewPlant {
    /// Code, unique per tenant case-insensitively.
    pub code: String,
    /// Display name, 1–100 characters.
    pub name: String,
}

/// A plant as the host's own plant table has it, for
/// [`Plants::upsert_plant`](crate::Plants::upsert_plant): tenantry's plant with this
/// `external_id` is created or brought in step (code, name, in service).
#[derive(Clone, Debug, Deserialize)]
pub struct HostPlant {
    /// The host's identifier of the plant (its key, as text): 1–255 characters, no control or
    /// invisible characters, no surrounding whitespace; compared exactly. Unique across the
    /// database, so one that another tenant's plant carries is refused.
    pub external_id: String,
    /// Code, unique per tenant case-insensitively.
    pub code: String,
    /// Display name, 1–100 characters.
    pub name: String,
    /// In service (an inactive plant's grants count for nothing).
    #[serde(default = "in_service")]
    pub is_active: bool,
}

fn in_service() -> bool {
    true
}

/// A new code or name for a plant ([`Plants::rename_plant`](crate::Plants::rename_plant));
/// `None` keeps what is there.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct PlantChanges {
    /// A new code, unique per tenant case-insensitively.
    #[serde(default)]
    pub code: Option<String>,
    /// A new display name.
    #[serde(default)]
    pub name: Option<String>,
}

/// A new user of a tenant.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct NewUser {
    /// 3–50 letters, digits, `.`, `_`, `-` (or what [`ProfileRules`](crate::profile_rules::ProfileRules)
    /// allows); unique per tenant, case-insensitively. Empty means none: allowed when the
    /// profile rules make usernames optional, and then the email is the login.
    #[serde(default)]
    pub username: String,
    /// Optional email (unless the profile rules require one); unique per tenant,
    /// case-insensitively. Stored trimmed.
    pub email: Option<String>,
    /// 1–100 characters (the profile rules set the maximum); empty means none, where the
    /// profile rules allow that.
    #[serde(default)]
    pub display_name: String,
    /// The initial password, checked against the policy. `None` creates a user that cannot log
    /// in with a password (SSO-only, or waiting for an invitation or reset).
    pub password: Option<Password>,
    /// `Active` (the default) or `Invited`; an invited user never has a password.
    #[serde(default)]
    pub status: Option<UserStatus>,
    /// Roles at every plant of the tenant (keys of the catalogue). When empty, a new user gets
    /// the catalogue's default roles.
    #[serde(default)]
    pub tenant_roles: Vec<RoleKey>,
    /// Roles at individual plants.
    #[serde(default)]
    pub plant_roles: Vec<PlantRole>,
    /// After this time the account cannot log in.
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Host-defined JSON.
    pub metadata: Option<serde_json::Value>,
}

/// A role at one plant.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct PlantRole {
    /// The plant.
    pub plant_id: PlantId,
    /// The role there (a key of the catalogue).
    pub role: RoleKey,
}

impl PlantRole {
    /// `role` at `plant` (a [`UserRole`], a host's [`HostRole`](crate::HostRole) key or a
    /// [`RoleKey`]).
    pub fn new(plant: PlantId, role: impl Into<RoleKey>) -> Self {
        Self {
            plant_id: plant,
            role: role.into(),
        }
    }
}

/// A user's whole set of roles, or one part of it, as [`Roles::replace_roles`](crate::Roles::replace_roles)
/// saves it. A part that is `None` is kept as it is.
///
/// ```
/// use tenantry_service::{PlantRole, RoleKey, RoleSet, PlantId};
///
/// // The fibre planner: two tenant-wide roles at once, the plant roles untouched.
/// let set = RoleSet::tenant([RoleKey::new("admin")?, RoleKey::new("project_manager")?]);
/// assert!(set.plants.is_none());
/// // Everything: one tenant-wide role and one at a plant.
/// let all = RoleSet::all([RoleKey::new("viewer")?], [PlantRole::new(PlantId(7), RoleKey::new("editor")?)]);
/// # Ok::<(), tenantry_service::CatalogueError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct RoleSet {
    /// The tenant-wide roles, exactly; `None` keeps them.
    pub tenant: Option<Vec<RoleKey>>,
    /// The plant roles, exactly; `None` keeps them.
    pub plants: Option<Vec<PlantRole>>,
}

impl RoleSet {
    /// Exactly these tenant-wide roles; the plant roles kept.
    pub fn tenant(roles: impl IntoIterator<Item = RoleKey>) -> Self {
        Self {
            tenant: Some(roles.into_iter().collect()),
            plants: None,
        }
    }

    /// Exactly these plant roles; the tenant-wide roles kept.
    pub fn plants(roles: impl IntoIterator<Item = PlantRole>) -> Self {
        Self {
            tenant: None,
            plants: Some(roles.into_iter().collect()),
        }
    }

    /// Exactly these tenant-wide and plant roles.
    pub fn all(
        tenant: impl IntoIterator<Item = RoleKey>,
        plants: impl IntoIterator<Item = PlantRole>,
    ) -> Self {
        Self {
            tenant: Some(tenant.into_iter().collect()),
            plants: Some(plants.into_iter().collect()),
        }
    }
}

/// A change to a user's profile. `None` leaves a field as it is.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct UserUpdate {
    /// New username (re-validated and re-keyed). `Some("")` removes it where the profile
    /// rules make usernames optional and the user has an email (its login from then on).
    pub username: Option<String>,
    /// New email: `Some(None)` removes it.
    pub email: Option<Option<String>>,
    /// New display name.
    pub display_name: Option<String>,
    /// New metadata: `Some(None)` removes it.
    pub metadata: Option<Option<serde_json::Value>>,
    /// New expiry: `Some(None)` removes it.
    pub expires_at: Option<Option<chrono::DateTime<chrono::Utc>>>,
}

/// A page of a listing.
///
/// Bounds, for every listing that takes one: `limit` is clamped to 1..=[`MAX_LIMIT`](Self::MAX_LIMIT)
/// (any value is safe); `offset` must be at most [`MAX_OFFSET`](Self::MAX_OFFSET), else the
/// listing is `InvalidInput` on field `offset` with rule `out_of_range`, before any query runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub struct PageRequest {
    /// Rows to skip, at most [`PageRequest::MAX_OFFSET`].
    pub offset: u64,
    /// Rows to return, 1 to [`PageRequest::MAX_LIMIT`]; larger values are clamped.
    pub limit: u64,
}

impl PageRequest {
    /// The largest page served.
    pub const MAX_LIMIT: u64 = 500;

    /// The largest offset taken: `i64::MAX`. PostgreSQL and SQLite bind `OFFSET` as a signed
    /// 64-bit number, so anything above it cannot be sent (and used to panic in the SQL
    /// binder). Below it any value is merely an empty page past the end, which costs the same
    /// as counting the matching rows; no smaller cap is imposed.
    pub const MAX_OFFSET: u64 = i64::MAX.unsigned_abs();

    /// The first `limit` rows.
    pub fn first(limit: u64) -> Self {
        Self { offset: 0, limit }
    }

    /// The limit actually used: between 1 and [`PageRequest::MAX_LIMIT`].
    pub fn effective_limit(&self) -> u64 {
        self.limit.clamp(1, Self::MAX_LIMIT)
    }

    /// The offset, when it is at most [`PageRequest::MAX_OFFSET`].
    ///
    /// # Errors
    /// `offset` / [`Rule::OutOfRange`] above it.
    pub fn checked_offset(&self) -> Result<u64, ValidationErrors> {
        if self.offset <= Self::MAX_OFFSET {
            Ok(self.offset)
        } else {
            Err(ValidationErrors::single("offset", Rule::OutOfRange))
        }
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self::first(50)
    }
}

/// A listing of users: filter, order and page.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct UserQuery {
    /// Which users.
    #[serde(default)]
    pub filter: UserFilter,
    /// In which order.
    #[serde(default)]
    pub order: UserOrder,
    /// Which page.
    #[serde(default)]
    pub page: PageRequest,
}

/// A keyset-paged listing of users: filter, order, and where the previous page ended.
///
/// Unlike [`UserQuery`]'s offset, a cursor page costs the same however deep it is: it starts
/// with an index range condition right after the previous page's last row, and rows inserted
/// or deleted meanwhile never make a page repeat or skip a row that existed before. Ties in the
/// order are broken by id. The total is not computed unless asked for, since counting reads
/// every matching row.
///
/// ```
/// use tenantry_service::{KeysetQuery, UserOrder};
/// let first = KeysetQuery { order: UserOrder::CreatedDesc, limit: 100, ..KeysetQuery::default() };
/// assert!(first.after.is_none());
/// ```
#[derive(Clone, Debug, Deserialize)]
pub struct KeysetQuery {
    /// Which users.
    #[serde(default)]
    pub filter: UserFilter,
    /// In which order.
    #[serde(default)]
    pub order: UserOrder,
    /// Where the previous page ended ([`KeysetPage::next`](crate::KeysetPage::next)); `None`
    /// for the first page. It must come from the same tenant, filter and order.
    #[serde(default)]
    pub after: Option<Cursor>,
    /// Rows to return, 1 to [`PageRequest::MAX_LIMIT`]; larger values are clamped.
    #[serde(default = "default_limit")]
    pub limit: u64,
    /// Also count every matching user (one more query, which reads all of them).
    #[serde(default)]
    pub with_total: bool,
}

fn default_limit() -> u64 {
    PageRequest::default().limit
}

impl Default for KeysetQuery {
    fn default() -> Self {
        Self {
            filter: UserFilter::default(),
            order: UserOrder::default(),
            after: None,
            limit: default_limit(),
            with_total: false,
        }
    }
}

impl KeysetQuery {
    /// The limit actually used: between 1 and [`PageRequest::MAX_LIMIT`].
    pub fn effective_limit(&self) -> u64 {
        self.limit.clamp(1, PageRequest::MAX_LIMIT)
    }
}

/// Who is making a change: recorded as the actor of its audit event. Must be a user of the
/// same tenant; `None` for the system or an operator outside the user table.
pub type Actor = Option<UserId>;

/// Where a login attempt comes from, recorded in its login event.
#[derive(Clone, Debug, Deserialize)]
pub struct LoginContext {
    /// The channel.
    pub source: tenantry_entity::LoginSource,
    /// The client's address, when known (at most 45 characters: an IPv6 address).
    pub ip: Option<String>,
}

impl LoginContext {
    /// A login through `source` from an unknown address.
    pub fn from(source: tenantry_entity::LoginSource) -> Self {
        Self { source, ip: None }
    }
}

/// Whose login `Logins::record_login` records: a user the
/// host's identity server authenticated, named by tenantry's id or by its linked identity.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoginOf {
    /// The user with this id.
    User(UserId),
    /// The user of the tenant linked to this identity.
    Identity {
        /// The provider's name.
        provider: String,
        /// The provider's account id.
        subject: String,
    },
}

/// An invitation: the user is created `invited`, without a password, and activates itself with
/// the invitation token.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Invitation {
    /// Where the invitation goes.
    pub email: String,
    /// A username chosen now; when `None`, the invitee must choose one on acceptance (where
    /// the profile rules require usernames) or may (where they are optional: its email is
    /// then its login).
    pub username: Option<String>,
    /// 1–100 characters.
    pub display_name: String,
    /// Roles at every plant of the tenant (keys of the catalogue). When empty, a new user gets
    /// the catalogue's default roles.
    #[serde(default)]
    pub tenant_roles: Vec<RoleKey>,
    /// Roles at individual plants.
    #[serde(default)]
    pub plant_roles: Vec<PlantRole>,
}

/// A link from a user to an account at an external identity provider.
#[derive(Clone, Debug, Deserialize)]
pub struct NewIdentity {
    /// The provider's name (e.g. `google`, an OIDC issuer URL), 1–100 characters.
    pub provider: String,
    /// The provider's stable account id (OIDC `sub`), 1–255 characters.
    pub subject: String,
    /// The email the provider reported.
    pub email: Option<String>,
}

/// A tenant's policy for one identity provider: what a sign-in through it may do beyond signing
/// in a user already linked to it (`IdentityProviders::sign_in_with_identity`).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct IdentityProviderPolicy {
    /// The provider's name, as in [`NewIdentity::provider`].
    pub provider: String,
    /// A first sign-in of an identity no user has creates an active user for it ("just in
    /// time"), when its email's domain is allowed.
    #[serde(default)]
    pub provisions_users: bool,
    /// An invited user accepts the invitation by signing in with an identity whose email the
    /// provider verified and which matches the invitation's, instead of choosing a password.
    #[serde(default)]
    pub accepts_invitations: bool,
    /// Email domains (`example.com`; exact, subdomains are not included) whose addresses may
    /// be provisioned or accept invitations; empty for any. With domains given, only an email
    /// the provider verified counts.
    #[serde(default)]
    pub email_domains: Vec<String>,
    /// A sign-in through this provider completes without tenantry's second step even for a
    /// user who has a second factor or whom the tenant's policy requires one of: the provider
    /// enforced its own (Entra ID conditional access, Okta MFA). Off by default.
    #[serde(default)]
    pub satisfies_second_factor: bool,
}

/// What an identity provider says of the person signing in (from its ID token or userinfo).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ProviderClaims {
    /// The provider's name.
    pub provider: String,
    /// The provider's stable account id (OIDC `sub`).
    pub subject: String,
    /// The email it reported.
    pub email: Option<String>,
    /// Whether it verified that email (OIDC `email_verified`).
    #[serde(default)]
    pub email_verified: bool,
    /// The name to show; used for a user created now.
    #[serde(default)]
    pub display_name: String,
    /// A username for a user created now; empty for none (where the profile rules make
    /// usernames optional, the email is then the login).
    #[serde(default)]
    pub username: String,
}

/// A user created on first sign-in through an identity provider: active and password-less.
#[derive(Clone, Debug, Deserialize)]
pub struct IdentityUser {
    /// The identity to link.
    pub identity: NewIdentity,
    /// Username for the new user; empty for none, where the profile rules make usernames
    /// optional (the provider's email is then the login).
    #[serde(default)]
    pub username: String,
    /// Email for the new user (often the provider's).
    pub email: Option<String>,
    /// Display name.
    pub display_name: String,
    /// Roles at every plant of the tenant (keys of the catalogue). When empty, a new user gets
    /// the catalogue's default roles.
    #[serde(default)]
    pub tenant_roles: Vec<RoleKey>,
}

/// A user moved from another system with its existing password hash.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ImportedUser {
    /// Username; empty for none, where the profile rules make usernames optional.
    #[serde(default)]
    pub username: String,
    /// Email.
    pub email: Option<String>,
    /// Display name; empty for none, where the profile rules allow that.
    #[serde(default)]
    pub display_name: String,
    /// The hash the other system stored, in a format
    /// [`parse_imported_hash`](crate::hashing::parse_imported_hash) accepts (argon2, Django's
    /// PBKDF2, bcrypt and scrypt forms, bcrypt, passlib's scrypt; any other is refused). It is
    /// upgraded to argon2id at the user's next successful login.
    pub password_hash: crate::password_policy::ImportedHash,
    /// Roles at every plant of the tenant (keys of the catalogue). When empty, a new user gets
    /// the catalogue's default roles.
    #[serde(default)]
    pub tenant_roles: Vec<RoleKey>,
    /// Roles at individual plants.
    #[serde(default)]
    pub plant_roles: Vec<PlantRole>,
}
