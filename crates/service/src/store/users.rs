//! Users of a tenant: create, look up, update, and the lifecycle (deactivate, reactivate,
//! soft delete, restore, purge).

use super::SeaOrmUserRepository;
use super::audit::{self, AuditAction, AuditEvent};
use super::listing::load_roles;
use super::lookups::UserKey;
use super::tx::{begin_write, lock_live_user, lock_tenant};
use super::unique::Unique;
use crate::api::Users;
use crate::error::{Error, Result, unique_violation};
use crate::inputs::{Actor, NewUser, PlantRole, UserUpdate};
use crate::inputs::{KeysetQuery, UserFilter, UserQuery};
use crate::normalize::{email_key, username_key, username_skeleton};
use crate::password::PolicyContext;
use crate::validation::{self, Rule, Validator};
use crate::views::UserView;
use crate::views::{KeysetPage, Page};
use async_trait::async_trait;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseTransaction, DbErr, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, Select,
    SqlErr,
};
use serde_json::json;
use std::collections::HashSet;
use tenantry_entity::SecretHash;
use tenantry_entity::{
    TenantId, TokenPurpose, UserId, UserRole, UserStatus, user_plant_roles, users,
};
use uuid::Uuid;

/// The tenant's users that are not soft-deleted: the base of every lookup.
pub(crate) fn live(tenant: TenantId) -> Select<users::Entity> {
    users::Entity::find()
        .filter(users::Column::TenantId.eq(tenant))
        .filter(users::Column::DeletedAt.is_null())
}

/// A user row with its plant roles (one more query).
pub(crate) async fn view_of(db: &impl ConnectionTrait, user: users::Model) -> Result<UserView> {
    let mut roles = load_roles(db, &[user.id]).await?;
    let plant_roles = roles.remove(&user.id).unwrap_or_default();
    Ok(UserView::new(user, plant_roles))
}

/// The view of the live user of `tenant` that `key` names: the two cached lookups.
async fn view_by(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    key: UserKey,
) -> Result<Option<UserView>> {
    let Some(user) = repo.lookups.user(&repo.db, tenant, key).await? else {
        return Ok(None);
    };
    let roles = repo.lookups.roles_of(&repo.db, user.id).await?;
    Ok(Some(UserView::new(user, roles)))
}

pub(crate) async fn get(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    id: UserId,
) -> Result<Option<UserView>> {
    view_by(repo, tenant, UserKey::Id(id)).await
}

pub(crate) async fn get_by_pid(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    pid: Uuid,
) -> Result<Option<UserView>> {
    view_by(repo, tenant, UserKey::Pid(pid)).await
}

pub(crate) async fn get_by_username(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    username: &str,
) -> Result<Option<UserView>> {
    if !crate::validation::could_be_stored(username) {
        return Ok(None);
    }
    view_by(repo, tenant, UserKey::UsernameKey(username_key(username))).await
}

pub(crate) async fn get_by_email(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    email: &str,
) -> Result<Option<UserView>> {
    if !crate::validation::could_be_stored(email) {
        return Ok(None);
    }
    view_by(repo, tenant, UserKey::EmailKey(email_key(email))).await
}

/// A fresh random security stamp.
pub(crate) fn new_security_stamp() -> String {
    Uuid::new_v4().simple().to_string()
}

/// A write that references a plant (or user) the database does not have in this tenant: the
/// composite foreign keys refuse it, and the caller sees `NotFound`.
pub(crate) fn missing_reference(error: DbErr) -> Error {
    match error.sql_err() {
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => Error::NotFound,
        _ => Error::Database(error),
    }
}

/// `InvalidInput` unless every plant appears once.
pub(crate) fn check_distinct_plants(validator: &mut Validator, roles: &[PlantRole]) {
    let mut seen = HashSet::new();
    if !roles.iter().all(|r| seen.insert(r.plant_id)) {
        validator.add("plant_roles", Rule::Duplicate);
    }
}

/// Inserts the user's plant roles on `txn`.
pub(crate) async fn insert_roles(
    txn: &DatabaseTransaction,
    tenant: TenantId,
    user: UserId,
    roles: &[PlantRole],
    granted_by: Actor,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    if roles.is_empty() {
        return Ok(());
    }
    let rows = roles.iter().map(|r| user_plant_roles::ActiveModel {
        tenant_id: Set(tenant),
        user_id: Set(user),
        plant_id: Set(r.plant_id),
        role: Set(r.role),
        granted_by: Set(granted_by),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    });
    user_plant_roles::Entity::insert_many(rows)
        .exec(txn)
        .await
        .map_err(missing_reference)?;
    Ok(())
}

fn roles_json(roles: &[PlantRole]) -> serde_json::Value {
    json!(
        roles
            .iter()
            .map(|r| json!({ "plant_id": r.plant_id, "role": r.role }))
            .collect::<Vec<_>>()
    )
}

/// A user about to be inserted, already validated (and its password already hashed).
pub(crate) struct UserDraft {
    pub username: String,
    /// Trimmed.
    pub email: Option<String>,
    pub display_name: String,
    pub password_hash: Option<SecretHash>,
    pub status: UserStatus,
    pub tenant_role: Option<UserRole>,
    pub plant_roles: Vec<PlantRole>,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    pub metadata: Option<serde_json::Value>,
}

/// Checks the fields every new user has; `email` is the trimmed email.
pub(crate) fn validate_profile(
    validator: &mut Validator,
    username: &str,
    email: Option<&str>,
    display_name: &str,
) {
    validator.check("username", validation::username(username));
    if let Some(email) = email {
        validator.check("email", validation::email(email));
    }
    validator.check("display_name", validation::display_name(display_name));
}

/// The last instant MySQL and MariaDB keep: sqlx binds times there as `TIMESTAMP`, and the
/// server silently turns a later one into `NULL` (which, for `expires_at`, would mean "never").
pub(crate) fn latest_storable(
    backend: sea_orm::DatabaseBackend,
) -> Option<chrono::DateTime<chrono::Utc>> {
    match backend {
        sea_orm::DatabaseBackend::MySql => chrono::DateTime::from_timestamp(i64::from(i32::MAX), 0),
        _ => None,
    }
}

/// `OutOfRange` for a caller's time the backend cannot store.
pub(crate) fn check_storable(
    validator: &mut Validator,
    repo: &SeaOrmUserRepository,
    field: &'static str,
    at: Option<chrono::DateTime<chrono::Utc>>,
) {
    let latest = latest_storable(repo.db.get_database_backend());
    if let (Some(at), Some(latest)) = (at, latest)
        && at > latest
    {
        validator.add(field, Rule::OutOfRange);
    }
}

/// An email as stored: trimmed.
pub(crate) fn trimmed(email: Option<&str>) -> Option<String> {
    email.map(|e| e.trim().to_owned())
}

/// Inserts the user and its plant roles on `txn` (no audit event: the caller records its own).
pub(crate) async fn insert_user(
    txn: &DatabaseTransaction,
    tenant: TenantId,
    draft: UserDraft,
    actor: Actor,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<users::Model> {
    let user = users::ActiveModel {
        pid: Set(Uuid::now_v7()),
        tenant_id: Set(tenant),
        username_key: Set(username_key(&draft.username)),
        username_skeleton: Set(Some(username_skeleton(&draft.username))),
        username: Set(draft.username),
        email_key: Set(draft.email.as_deref().map(email_key)),
        email: Set(draft.email),
        display_name: Set(draft.display_name),
        password_hash: Set(draft.password_hash),
        status: Set(draft.status),
        tenant_role: Set(draft.tenant_role),
        security_stamp: Set(new_security_stamp()),
        failed_login_count: Set(0),
        lock_count: Set(0),
        email_verified_at: Set(None),
        locked_until: Set(None),
        last_login_at: Set(None),
        login_count: Set(0),
        last_active_at: Set(None),
        expires_at: Set(draft.expires_at),
        metadata: Set(draft.metadata),
        deleted_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(unique_violation)?;
    insert_roles(txn, tenant, user.id, &draft.plant_roles, actor, now).await?;
    Ok(user)
}

/// What an audit event says about a new user.
pub(crate) fn created_details(user: &users::Model, plant_roles: &[PlantRole]) -> serde_json::Value {
    new_user_details(
        user.pid,
        &user.username,
        user.status,
        user.tenant_role,
        plant_roles,
        user.password_hash.is_some(),
    )
}

/// What an audit event says about a new user, from its parts (bulk import has no model).
pub(crate) fn new_user_details(
    pid: Uuid,
    username: &str,
    status: UserStatus,
    tenant_role: Option<UserRole>,
    plant_roles: &[PlantRole],
    has_password: bool,
) -> serde_json::Value {
    json!({
        "pid": pid,
        "username": username,
        "status": status,
        "tenant_role": tenant_role,
        "plant_roles": roles_json(plant_roles),
        "has_password": has_password,
    })
}

pub(crate) async fn create(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    input: NewUser,
    actor: Actor,
) -> Result<UserView> {
    let tenant_model = super::tenants::require_in(&repo.db, tenant).await?;
    let status = input.status.unwrap_or(UserStatus::Active);
    let email = trimmed(input.email.as_deref());

    let mut validator = Validator::new();
    validate_profile(
        &mut validator,
        &input.username,
        email.as_deref(),
        &input.display_name,
    );
    if status == UserStatus::Suspended {
        validator.add("status", Rule::NotAllowed);
    }
    if let Some(password) = &input.password {
        if status == UserStatus::Invited {
            validator.add("password", Rule::NotAllowed);
        } else {
            let context = PolicyContext {
                username: Some(&input.username),
                email: email.as_deref(),
                tenant: Some(&tenant_model.slug),
            };
            validator.check(
                "password",
                repo.config.password_policy.check(password, &context),
            );
        }
    }
    check_distinct_plants(&mut validator, &input.plant_roles);
    check_storable(&mut validator, repo, "expires_at", input.expires_at);
    validator.finish()?;

    // Hashing is slow: it happens before the transaction, never inside it.
    let password_hash = match &input.password {
        Some(password) => Some(repo.hasher.hash(password).await?),
        None => None,
    };

    let now = repo.now();
    let txn = begin_write(&repo.db).await?;
    let plant_roles = input.plant_roles;
    let draft = UserDraft {
        username: input.username,
        email,
        display_name: input.display_name,
        password_hash,
        status,
        tenant_role: input.tenant_role,
        plant_roles: plant_roles.clone(),
        expires_at: input.expires_at,
        metadata: input.metadata,
    };
    let user = insert_user(&txn, tenant, draft, actor, now).await?;
    audit::record(
        &txn,
        AuditEvent {
            tenant,
            actor,
            action: AuditAction::UserCreated,
            target: Some(user.id),
            details: created_details(&user, &plant_roles),
            at: now,
        },
    )
    .await?;
    let view = view_of(&txn, user).await?;
    txn.commit().await?;
    Ok(view)
}

pub(crate) async fn update(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    id: UserId,
    update: UserUpdate,
    actor: Actor,
) -> Result<UserView> {
    let email = update
        .email
        .as_ref()
        .map(|e| e.as_deref().map(|e| e.trim().to_owned()));
    let mut validator = Validator::new();
    if let Some(username) = &update.username {
        validator.check("username", validation::username(username));
    }
    if let Some(Some(email)) = &email {
        validator.check("email", validation::email(email));
    }
    if let Some(display_name) = &update.display_name {
        validator.check("display_name", validation::display_name(display_name));
    }
    if let Some(expires_at) = update.expires_at {
        check_storable(&mut validator, repo, "expires_at", expires_at);
    }
    validator.finish()?;

    let now = repo.now();
    // An expiry at or before now ends the account at once: like a deactivation it may not
    // take the tenant's last admin who can sign in, so it takes the tenant lock first.
    let expiring_now = matches!(update.expires_at, Some(Some(at)) if at <= now);
    let txn = begin_write(&repo.db).await?;
    if expiring_now {
        lock_tenant(&txn, tenant).await?;
    }
    let user = lock_live_user(&txn, tenant, id).await?;
    if expiring_now {
        ensure_not_last_admin(&txn, &user, now).await?;
    }
    // Entering or leaving the expired state rotates the stamp: a session made before an
    // expiry must not come back when the expiry is lifted, even one that passed by itself.
    let rotate_stamp = update
        .expires_at
        .is_some_and(|at| is_expired(at, now) || is_expired(user.expires_at, now));
    let mut changed = Vec::new();
    let mut active = user.into_active_model();
    if let Some(username) = update.username {
        active.username_key = Set(username_key(&username));
        active.username_skeleton = Set(Some(username_skeleton(&username)));
        active.username = Set(username);
        changed.push("username");
    }
    let email_changed = email.is_some();
    if let Some(email) = email {
        active.email_key = Set(email.as_deref().map(email_key));
        active.email = Set(email);
        // A new address is unverified until proven again.
        active.email_verified_at = Set(None);
        changed.push("email");
    }
    if let Some(display_name) = update.display_name {
        active.display_name = Set(display_name);
        changed.push("display_name");
    }
    if let Some(metadata) = update.metadata {
        active.metadata = Set(metadata);
        changed.push("metadata");
    }
    if let Some(expires_at) = update.expires_at {
        active.expires_at = Set(expires_at);
        changed.push("expires_at");
    }
    if rotate_stamp {
        active.security_stamp = Set(new_security_stamp());
    }
    if changed.is_empty() {
        let user = users::Entity::find_by_id(id)
            .unique(&txn)
            .await?
            .ok_or(Error::NotFound)?;
        return view_of(&txn, user).await;
    }
    active.updated_at = Set(now);
    let user = active.update(&txn).await.map_err(unique_violation)?;
    if email_changed {
        super::one_time_tokens::void(&txn, id, Some(TokenPurpose::EmailVerification)).await?;
    }
    audit::record(
        &txn,
        AuditEvent {
            tenant,
            actor,
            action: AuditAction::UserUpdated,
            target: Some(id),
            details: json!({ "changed": changed }),
            at: now,
        },
    )
    .await?;
    let view = view_of(&txn, user).await?;
    txn.commit().await?;
    Ok(view)
}

/// Saves a change to one user together with its audit event, commits, and returns the user's
/// view: the last step every single-user change shares.
pub(crate) async fn commit_user_change(
    txn: DatabaseTransaction,
    change: users::ActiveModel,
    event: AuditEvent,
) -> Result<UserView> {
    let user = change.update(&txn).await?;
    audit::record(&txn, event).await?;
    let view = view_of(&txn, user).await?;
    txn.commit().await?;
    Ok(view)
}

/// Whether `at` is past an expiry: an account expires at its `expires_at`, not after it (the
/// same comparison login makes).
pub(crate) fn is_expired(
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    expires_at.is_some_and(|at| at <= now)
}

/// The tenant's admins who could sign in at `now`: active, not deleted, not expired. A locked
/// admin still counts: a lock ends by itself (or by an unlock or a password reset), whereas
/// an expired or suspended account needs another admin to come back.
pub(crate) fn signing_in_admins(
    tenant: TenantId,
    now: chrono::DateTime<chrono::Utc>,
) -> Select<users::Entity> {
    live(tenant)
        .filter(users::Column::Status.eq(UserStatus::Active))
        .filter(users::Column::TenantRole.eq(UserRole::Admin))
        .filter(
            Condition::any()
                .add(users::Column::ExpiresAt.is_null())
                .add(users::Column::ExpiresAt.gt(now)),
        )
}

/// Whether the user is one of the tenant's admins who could sign in at `now` (the ones
/// `LastAdmin` protects; see [`signing_in_admins`]).
pub(crate) fn is_signing_in_admin(user: &users::Model, now: chrono::DateTime<chrono::Utc>) -> bool {
    user.status == UserStatus::Active
        && user.deleted_at.is_none()
        && user.tenant_role == Some(UserRole::Admin)
        && !is_expired(user.expires_at, now)
}

/// `LastAdmin` when `user` is the tenant's only admin who could sign in at `now`. The caller
/// holds the tenant lock, so two such changes take turns and the second sees the first.
pub(crate) async fn ensure_not_last_admin(
    txn: &DatabaseTransaction,
    user: &users::Model,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    if !is_signing_in_admin(user, now) {
        return Ok(());
    }
    let others = signing_in_admins(user.tenant_id, now)
        .filter(users::Column::Id.ne(user.id))
        .count(txn)
        .await?;
    if others == 0 {
        return Err(Error::LastAdmin);
    }
    Ok(())
}

pub(crate) async fn deactivate(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    id: UserId,
    actor: Actor,
) -> Result<UserView> {
    let now = repo.now();
    let txn = begin_write(&repo.db).await?;
    lock_tenant(&txn, tenant).await?;
    let user = lock_live_user(&txn, tenant, id).await?;
    if user.status == UserStatus::Suspended {
        return view_of(&txn, user).await;
    }
    ensure_not_last_admin(&txn, &user, now).await?;
    let previous = user.status;
    // A deactivated user's outstanding tokens must not work if it comes back.
    super::one_time_tokens::void(&txn, id, None).await?;
    let mut active = user.into_active_model();
    active.status = Set(UserStatus::Suspended);
    active.security_stamp = Set(new_security_stamp());
    active.updated_at = Set(now);
    let event = AuditEvent {
        tenant,
        actor,
        action: AuditAction::UserDeactivated,
        target: Some(id),
        details: json!({ "previous_status": previous }),
        at: now,
    };
    commit_user_change(txn, active, event).await
}

pub(crate) async fn reactivate(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    id: UserId,
    actor: Actor,
) -> Result<UserView> {
    let now = repo.now();
    let txn = begin_write(&repo.db).await?;
    let user = lock_live_user(&txn, tenant, id).await?;
    match user.status {
        UserStatus::Active => return view_of(&txn, user).await,
        UserStatus::Invited => {
            return Err(Error::Conflict(
                "an invited user becomes active by accepting its invitation",
            ));
        }
        UserStatus::Suspended => {}
    }
    let mut active = user.into_active_model();
    active.status = Set(UserStatus::Active);
    active.security_stamp = Set(new_security_stamp());
    active.updated_at = Set(now);
    commit_user_change(
        txn,
        active,
        AuditEvent {
            tenant,
            actor,
            action: AuditAction::UserReactivated,
            target: Some(id),
            details: json!({}),
            at: now,
        },
    )
    .await
}

pub(crate) async fn delete(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    id: UserId,
    actor: Actor,
) -> Result<()> {
    let now = repo.now();
    let txn = begin_write(&repo.db).await?;
    lock_tenant(&txn, tenant).await?;
    let user = lock_live_user(&txn, tenant, id).await?;
    ensure_not_last_admin(&txn, &user, now).await?;
    // A reset, verification or invitation token issued before the delete must not redeem
    // after a restore.
    super::one_time_tokens::void(&txn, id, None).await?;
    let mut active = user.into_active_model();
    active.deleted_at = Set(Some(now));
    active.security_stamp = Set(new_security_stamp());
    active.updated_at = Set(now);
    active.update(&txn).await?;
    audit::record(
        &txn,
        AuditEvent {
            tenant,
            actor,
            action: AuditAction::UserDeleted,
            target: Some(id),
            details: json!({}),
            at: now,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A user of the tenant, deleted or not.
async fn any_user(txn: &DatabaseTransaction, tenant: TenantId, id: UserId) -> Result<users::Model> {
    users::Entity::find_by_id(id)
        .filter(users::Column::TenantId.eq(tenant))
        .unique(txn)
        .await?
        .ok_or(Error::NotFound)
}

pub(crate) async fn restore(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    id: UserId,
    actor: Actor,
) -> Result<UserView> {
    let now = repo.now();
    let txn = begin_write(&repo.db).await?;
    let user = any_user(&txn, tenant, id).await?;
    if user.deleted_at.is_none() {
        return Err(Error::NotFound);
    }
    let mut active = user.into_active_model();
    active.deleted_at = Set(None);
    active.updated_at = Set(now);
    commit_user_change(
        txn,
        active,
        AuditEvent {
            tenant,
            actor,
            action: AuditAction::UserRestored,
            target: Some(id),
            details: json!({}),
            at: now,
        },
    )
    .await
}

pub(crate) async fn purge(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    id: UserId,
    actor: Actor,
) -> Result<()> {
    let now = repo.now();
    let txn = begin_write(&repo.db).await?;
    lock_tenant(&txn, tenant).await?;
    let user = any_user(&txn, tenant, id).await?;
    ensure_not_last_admin(&txn, &user, now).await?;
    // Recorded first: deleting the user then sets the event's target to NULL, and the details
    // keep whom it was about.
    audit::record(
        &txn,
        AuditEvent {
            tenant,
            actor: actor.filter(|a| *a != id),
            action: AuditAction::UserPurged,
            target: Some(id),
            details: json!({ "pid": user.pid, "username": user.username }),
            at: now,
        },
    )
    .await?;
    users::Entity::delete_by_id(id).exec(&txn).await?;
    txn.commit().await?;
    Ok(())
}

#[async_trait]
impl Users for SeaOrmUserRepository {
    async fn create_user(
        &self,
        tenant: TenantId,
        input: NewUser,
        actor: Actor,
    ) -> Result<UserView> {
        self.detached(move |repo| async move { create(&repo, tenant, input, actor).await })
            .await
    }

    async fn get_user(&self, tenant: TenantId, id: UserId) -> Result<Option<UserView>> {
        self.detached(move |repo| async move { get(&repo, tenant, id).await })
            .await
    }

    async fn get_user_by_pid(&self, tenant: TenantId, pid: Uuid) -> Result<Option<UserView>> {
        self.detached(move |repo| async move { get_by_pid(&repo, tenant, pid).await })
            .await
    }

    async fn get_user_by_username(
        &self,
        tenant: TenantId,
        username: &str,
    ) -> Result<Option<UserView>> {
        let username = username.to_owned();
        self.detached(move |repo| async move { get_by_username(&repo, tenant, &username).await })
            .await
    }

    async fn get_user_by_email(&self, tenant: TenantId, email: &str) -> Result<Option<UserView>> {
        let email = email.to_owned();
        self.detached(move |repo| async move { get_by_email(&repo, tenant, &email).await })
            .await
    }

    async fn list_users(&self, tenant: TenantId, query: &UserQuery) -> Result<Page<UserView>> {
        let query = query.clone();
        self.detached(move |repo| async move {
            super::listing::list_users_page(&repo, tenant, &query).await
        })
        .await
    }

    async fn list_users_keyset(
        &self,
        tenant: TenantId,
        query: &KeysetQuery,
    ) -> Result<KeysetPage<UserView>> {
        let query = query.clone();
        self.detached(move |repo| async move {
            super::keyset::list_users_after(&repo, tenant, &query).await
        })
        .await
    }

    async fn count_users(&self, tenant: TenantId, filter: &UserFilter) -> Result<u64> {
        let filter = filter.clone();
        self.detached(
            move |repo| async move { super::listing::count(&repo, tenant, &filter).await },
        )
        .await
    }

    async fn update_user(
        &self,
        tenant: TenantId,
        id: UserId,
        update: UserUpdate,
        actor: Actor,
    ) -> Result<UserView> {
        self.detached(
            move |repo| async move { self::update(&repo, tenant, id, update, actor).await },
        )
        .await
    }

    async fn deactivate_user(
        &self,
        tenant: TenantId,
        id: UserId,
        actor: Actor,
    ) -> Result<UserView> {
        self.detached(move |repo| async move { deactivate(&repo, tenant, id, actor).await })
            .await
    }

    async fn reactivate_user(
        &self,
        tenant: TenantId,
        id: UserId,
        actor: Actor,
    ) -> Result<UserView> {
        self.detached(move |repo| async move { reactivate(&repo, tenant, id, actor).await })
            .await
    }

    async fn delete_user(&self, tenant: TenantId, id: UserId, actor: Actor) -> Result<()> {
        self.detached(move |repo| async move { delete(&repo, tenant, id, actor).await })
            .await
    }

    async fn restore_user(&self, tenant: TenantId, id: UserId, actor: Actor) -> Result<UserView> {
        self.detached(move |repo| async move { restore(&repo, tenant, id, actor).await })
            .await
    }

    async fn purge_user(&self, tenant: TenantId, id: UserId, actor: Actor) -> Result<()> {
        self.detached(move |repo| async move { purge(&repo, tenant, id, actor).await })
            .await
    }
}
