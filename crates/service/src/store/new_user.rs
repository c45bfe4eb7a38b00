//! The one path every new user takes — create, invite, provision from an identity, import one
//! and bulk import:
//!
//! check tenant → trim → validate profile → draft → insert → audit → view → commit.
//!
//! A path adds only what is its own: more checks (a password policy, a hash to parse), and work
//! between the insert and the audit event (an identity, an invitation token). Bulk import
//! shares the trim and validation and the row ([`draft_row`]), and writes in batches of its own.

use super::SeaOrmUserRepository;
use super::audit::{AuditAction, AuditEvent};
use super::change;
use super::delegation::{ensure_may_change, ensure_may_change_locked};
use super::reads::require_tenant;
use super::role_rows::{
    check_distinct, check_grantable, insert_plant_roles, insert_tenant_roles, roles_json,
};
use super::stamp::new_security_stamp;
use super::tx::begin_change;
use crate::error::{Result, user_unique_violation};
use crate::inputs::{Actor, PlantRole};
use crate::normalize::{email_key, login_key, username_skeleton};
use crate::profile_rules::ProfileRules;
use crate::role_catalogue::{Grant, GrantScope, RoleCatalogue, RoleKey};
use crate::validation::{ValidationErrors, Validator};
use crate::views::UserView;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, DatabaseTransaction};
use serde_json::json;
use tenantry_entity::users::NewUserRow;
use tenantry_entity::{SecretHash, TenantId, UserStatus, tenants, users};
use uuid::Uuid;

/// The [`NewProfile`] of an input that has the fields every new user has (`username`,
/// `email`, `display_name`, `tenant_roles`, and `plant_roles` unless given), with the
/// catalogue `$roles`'s defaults.
macro_rules! profile_of {
    ($roles:expr, $input:ident) => {
        $crate::store::new_user::profile_of!($roles, $input, $input.plant_roles)
    };
    // Moves only these fields out of the input: the path keeps its others (a password, …).
    ($roles:expr, $input:ident, $plant_roles:expr) => {
        $crate::store::new_user::NewProfile::new(
            $roles,
            $input.username,
            $input.email.as_deref(),
            $input.display_name,
            $input.tenant_roles,
            $plant_roles,
        )
    };
}

pub(crate) use profile_of;

/// The fields every new user has, with its email trimmed as it is stored.
#[derive(Clone)]
pub(crate) struct NewProfile {
    /// `None` when not given (empty).
    pub username: Option<String>,
    /// Trimmed.
    pub email: Option<String>,
    pub display_name: String,
    pub tenant_roles: Vec<RoleKey>,
    pub plant_roles: Vec<PlantRole>,
    /// Whether `tenant_roles` are the catalogue's defaults rather than asked for: defaults
    /// need no actor's permission.
    pub defaulted: bool,
}

impl NewProfile {
    /// The profile as the caller gave it, its email trimmed. With no tenant-wide role given,
    /// the user gets the catalogue's default roles that may be granted tenant-wide (a default
    /// role that is plant-only needs a plant, so it is not given).
    pub(crate) fn new(
        catalogue: &RoleCatalogue,
        username: String,
        email: Option<&str>,
        display_name: String,
        tenant_roles: Vec<RoleKey>,
        plant_roles: Vec<PlantRole>,
    ) -> Self {
        let defaulted = tenant_roles.is_empty();
        let tenant_roles = if defaulted {
            catalogue
                .defaults()
                .iter()
                .filter(|key| catalogue.check_grant(key, GrantScope::Tenant).is_ok())
                .cloned()
                .collect()
        } else {
            tenant_roles
        };
        Self {
            username: Some(username).filter(|u| !u.is_empty()),
            email: email.map(|e| e.trim().to_owned()),
            display_name,
            tenant_roles,
            plant_roles,
            defaulted,
        }
    }

    /// The grants asked for (the defaults are not): what the actor must be allowed to make.
    pub(crate) fn requested_grants(&self) -> Vec<Grant> {
        let tenant = self.tenant_roles.iter().filter(|_| !self.defaulted);
        let plants = self.plant_roles.iter().map(|r| (r.plant_id, &r.role));
        Grant::all(tenant, plants)
    }

    /// `RoleRefused` unless the catalogue may grant every role of the profile where it asks.
    pub(crate) fn check_roles(&self, catalogue: &RoleCatalogue) -> Result<()> {
        check_grantable(catalogue, &self.tenant_roles, &self.plant_roles)
    }

    /// Checks the profile against the host's `rules` (username, email, display name, a way to
    /// log in), each grant once, then the path's own fields with `more`; every broken rule is
    /// reported together.
    pub(crate) fn validate(
        &self,
        rules: &ProfileRules,
        catalogue: &RoleCatalogue,
        more: impl FnOnce(&mut Validator),
    ) -> std::result::Result<(), ValidationErrors> {
        let mut validator = Validator::new();
        rules.check(
            &mut validator,
            Some(self.username.as_deref().unwrap_or("")),
            Some(self.email.as_deref()),
            Some(&self.display_name),
        );
        ProfileRules::check_login(
            &mut validator,
            self.username.is_some(),
            self.email.is_some(),
        );
        check_distinct(
            &mut validator,
            catalogue,
            &self.tenant_roles,
            &self.plant_roles,
        );
        more(&mut validator);
        validator.finish()
    }

    /// The user to insert with this profile.
    pub(crate) fn draft(self, status: UserStatus, password_hash: Option<SecretHash>) -> UserDraft {
        UserDraft {
            profile: self,
            password_hash,
            status,
            expires_at: None,
            metadata: None,
        }
    }
}

/// The tenant exists, then [`NewProfile::validate`], the catalogue's checks and the actor's
/// permission to grant the roles asked for: the checks before any slow work (hashing) and
/// before the transaction. Returns the tenant (its slug feeds the password policy).
pub(crate) async fn check(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    actor: Actor,
    profile: &NewProfile,
    more: impl FnOnce(&mut Validator, &tenants::Model),
) -> Result<tenants::Model> {
    let tenant = require_tenant(&repo.db, tenant).await?;
    let catalogue = &repo.config.roles;
    profile.validate(&repo.config.profile, catalogue, |validator| {
        more(validator, &tenant)
    })?;
    profile.check_roles(catalogue)?;
    let requested = profile.requested_grants();
    ensure_may_change(&repo.db, catalogue, tenant.id, actor, &requested).await?;
    Ok(tenant)
}

/// A user about to be inserted, already validated (and its password already hashed).
pub(crate) struct UserDraft {
    pub profile: NewProfile,
    pub password_hash: Option<SecretHash>,
    pub status: UserStatus,
    pub expires_at: Option<DateTime<Utc>>,
    pub metadata: Option<serde_json::Value>,
}

/// The `users` row of a draft, its keys derived from its username and email.
pub(crate) fn draft_row(
    tenant: TenantId,
    pid: Uuid,
    draft: UserDraft,
    now: DateTime<Utc>,
) -> NewUserRow {
    let profile = draft.profile;
    NewUserRow {
        pid,
        tenant_id: tenant,
        username_key: login_key(profile.username.as_deref(), profile.email.as_deref()),
        username_skeleton: profile.username.as_deref().map(username_skeleton),
        username: profile.username,
        email_key: profile.email.as_deref().map(email_key),
        email: profile.email,
        display_name: profile.display_name,
        password_hash: draft.password_hash,
        status: draft.status,
        security_stamp: new_security_stamp(),
        expires_at: draft.expires_at,
        metadata: draft.metadata,
        now,
    }
}

/// Inserts the user and its grants on `txn` (no audit event: the caller records its own).
pub(crate) async fn insert_user(
    txn: &DatabaseTransaction,
    tenant: TenantId,
    mut draft: UserDraft,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<users::Model> {
    let plant_roles = std::mem::take(&mut draft.profile.plant_roles);
    let tenant_roles = std::mem::take(&mut draft.profile.tenant_roles);
    let named = draft.profile.username.is_some();
    let user = draft_row(tenant, Uuid::now_v7(), draft, now)
        .into_active_model()
        .insert(txn)
        .await
        .map_err(user_unique_violation(named))?;
    insert_tenant_roles(txn, tenant, user.id, &tenant_roles, actor, now).await?;
    insert_plant_roles(txn, tenant, user.id, &plant_roles, actor, now).await?;
    Ok(user)
}

/// What an audit event says about a new user, from its parts (bulk import has no model).
pub(crate) fn new_user_details(
    pid: Uuid,
    username: Option<&str>,
    status: UserStatus,
    tenant_roles: &[RoleKey],
    plant_roles: &[PlantRole],
    has_password: bool,
) -> serde_json::Value {
    let mut details = json!({
        "pid": pid,
        "username": username,
        "status": status,
        "has_password": has_password,
    });
    if let (Some(details), serde_json::Value::Object(roles)) = (
        details.as_object_mut(),
        roles_json(tenant_roles, plant_roles),
    ) {
        details.extend(roles);
    }
    details
}

/// A new user inserted in an open transaction, with the audit event that will record it.
pub(crate) struct Inserted {
    pub txn: DatabaseTransaction,
    pub user: users::Model,
    pub event: AuditEvent,
    pub now: DateTime<Utc>,
}

/// Begins the transaction and inserts the draft (with its plant roles); the event recording
/// it as `action` is ready for [`Inserted::finish`].
pub(crate) async fn insert(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    draft: UserDraft,
    actor: Actor,
    action: AuditAction,
) -> Result<Inserted> {
    let (txn, now) = begin_change(repo).await?;
    // Checked in `check` already; again here, the actor locked, in case it lost the right
    // while the password was hashed.
    let requested = draft.profile.requested_grants();
    ensure_may_change_locked(&txn, &repo.config.roles, tenant, actor, &requested).await?;
    let plant_roles = draft.profile.plant_roles.clone();
    let tenant_roles = draft.profile.tenant_roles.clone();
    let user = insert_user(&txn, tenant, draft, actor, now).await?;
    let details = new_user_details(
        user.pid,
        user.username.as_deref(),
        user.status,
        &tenant_roles,
        &plant_roles,
        user.password_hash.is_some(),
    );
    let event = AuditEvent::about(tenant, actor, action, user.id, now).with(details);
    Ok(Inserted {
        txn,
        user,
        event,
        now,
    })
}

impl Inserted {
    /// Audit → view → commit.
    pub(crate) async fn finish(self) -> Result<UserView> {
        change::finish(self.txn, self.user, self.event).await
    }
}
