//! Users of a tenant: create, look up, update, and the lifecycle (deactivate, reactivate,
//! soft delete, restore, purge).

use super::SeaOrmUserRepository;
use super::admin_guard::{ensure_not_last_admin, is_expired};
use super::audit::{self, AuditAction, AuditEvent};
use super::change::{self, commit_user_change};
use super::lookups::UserKey;
use super::new_user;
use super::reads::view_of;
use super::stamp::{self, new_security_stamp};
use super::tx::{begin_change, begin_user_change, begin_write, lock_live_user, lock_tenant};
use super::unique::Unique;
use crate::api::Users;
use crate::error::{Error, Result, user_unique_violation};
use crate::inputs::{Actor, NewUser, UserUpdate};
use crate::inputs::{KeysetQuery, UserFilter, UserQuery};
use crate::normalize::{email_key, login_key, username_skeleton};
use crate::password_policy::PolicyContext;
use crate::profile_rules::ProfileRules;
use crate::validation::{Rule, Validator};
use crate::views::UserView;
use crate::views::{KeysetPage, Page};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter,
};
use serde_json::json;
use tenantry_entity::keys::display_name_key;
use tenantry_entity::{TenantId, TokenPurpose, UserId, UserStatus, users};
use uuid::Uuid;

/// The view of the live user of `tenant` that `key` names: the two cached lookups. No key (a
/// text no user could have, see [`UserKey::username`]) is a miss without a query.
async fn view_by(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    key: Option<UserKey>,
) -> Result<Option<UserView>> {
    let Some(key) = key else {
        return Ok(None);
    };
    let Some(user) = repo.lookups.user(&repo.db, tenant, key).await? else {
        return Ok(None);
    };
    let roles = repo.lookups.roles_of(&repo.db, user.id).await?;
    Ok(Some(UserView::new(user, roles)))
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

pub(crate) async fn create(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    input: NewUser,
    actor: Actor,
) -> Result<UserView> {
    let status = input.status.unwrap_or(UserStatus::Active);
    let profile = new_user::profile_of!(&repo.config.roles, input);
    new_user::check(repo, tenant, actor, &profile, |validator, tenant| {
        if status == UserStatus::Suspended {
            validator.add("status", Rule::NotAllowed);
        }
        if let Some(password) = &input.password {
            if status == UserStatus::Invited {
                validator.add("password", Rule::NotAllowed);
            } else {
                let context = PolicyContext {
                    username: profile.username.as_deref(),
                    email: profile.email.as_deref(),
                    tenant: Some(&tenant.slug),
                };
                validator.check(
                    "password",
                    repo.config.password_policy.check(password, &context),
                );
            }
        }
        check_storable(validator, repo, "expires_at", input.expires_at);
    })
    .await?;

    // Hashing is slow: it happens before the transaction, never inside it.
    let password_hash = match &input.password {
        Some(password) => Some(repo.hasher.hash(password).await?),
        None => None,
    };

    let mut draft = profile.draft(status, password_hash);
    draft.expires_at = input.expires_at;
    draft.metadata = input.metadata;
    new_user::insert(repo, tenant, draft, actor, AuditAction::UserCreated)
        .await?
        .finish()
        .await
}

/// The checks of an update that need no database (the profile rules, storable times), and
/// the update as it is applied: its email trimmed.
pub(crate) fn checked_update(
    repo: &SeaOrmUserRepository,
    update: UserUpdate,
) -> Result<UserUpdate> {
    let email = update
        .email
        .as_ref()
        .map(|e| e.as_deref().map(|e| e.trim().to_owned()));
    let mut validator = Validator::new();
    repo.config.profile.check(
        &mut validator,
        update.username.as_deref(),
        email.as_ref().map(Option::as_deref),
        update.display_name.as_deref(),
    );
    if let Some(expires_at) = update.expires_at {
        check_storable(&mut validator, repo, "expires_at", expires_at);
    }
    validator.finish()?;
    Ok(UserUpdate { email, ..update })
}

/// Applies a [`checked_update`] to `user`, locked in `txn`: the row as saved and the names of
/// the fields that changed (none: nothing was written). Not audited here: the caller records
/// `user.updated` with the names.
pub(crate) async fn apply_update(
    txn: &DatabaseTransaction,
    user: users::Model,
    update: UserUpdate,
    now: DateTime<Utc>,
) -> Result<(users::Model, Vec<&'static str>)> {
    let id = user.id;
    // Entering or leaving the expired state rotates the stamp: a session made before an
    // expiry must not come back when the expiry is lifted, even one that passed by itself.
    let rotate_stamp = update
        .expires_at
        .is_some_and(|at| is_expired(at, now) || is_expired(user.expires_at, now));
    // An empty username removes it (where the rules allow that): the email is then the login,
    // and a user must keep one of the two.
    let username = update
        .username
        .map(|given| Some(given).filter(|u| !u.is_empty()));
    let email = update.email;
    let final_username = username.clone().unwrap_or_else(|| user.username.clone());
    let final_email = email.clone().unwrap_or_else(|| user.email.clone());
    let mut login = Validator::new();
    ProfileRules::check_login(&mut login, final_username.is_some(), final_email.is_some());
    login.finish()?;
    let named = final_username.is_some();
    let mut changed = Vec::new();
    let unchanged = user.clone();
    let mut active = user.into_active_model();
    if username.is_some() {
        changed.push("username");
    }
    // The login key follows the username, or the email of a user without one.
    if username.is_some() || (email.is_some() && final_username.is_none()) {
        active.username_key = Set(login_key(final_username.as_deref(), final_email.as_deref()));
        active.username_skeleton = Set(final_username.as_deref().map(username_skeleton));
        active.username = Set(final_username);
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
        active.display_name_key = Set(Some(display_name_key(&display_name)));
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
        return Ok((unchanged, changed));
    }
    active.updated_at = Set(now);
    let user = active
        .update(txn)
        .await
        .map_err(user_unique_violation(named))?;
    if email_changed {
        super::one_time_tokens::void(txn, id, Some(TokenPurpose::EmailVerification)).await?;
    }
    Ok((user, changed))
}

pub(crate) async fn update(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    id: UserId,
    update: UserUpdate,
    actor: Actor,
) -> Result<UserView> {
    let update = checked_update(repo, update)?;
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
        ensure_not_last_admin(&txn, &repo.config.roles, &user, now).await?;
    }
    let (user, changed) = apply_update(&txn, user, update, now).await?;
    if changed.is_empty() {
        return view_of(&txn, user).await;
    }
    let event = AuditEvent::about(tenant, actor, AuditAction::UserUpdated, id, now)
        .with(json!({ "changed": changed }));
    change::finish(txn, user, event).await
}

pub(crate) async fn deactivate(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    id: UserId,
    actor: Actor,
) -> Result<UserView> {
    // A suspended user is no admin who can sign in, so the guard passes it without a query.
    let (txn, now, user) = begin_guarded(repo, tenant, id, Reach::Live).await?;
    if user.status == UserStatus::Suspended {
        return view_of(&txn, user).await;
    }
    let (active, event) = suspend(&txn, user, actor, now).await?;
    commit_user_change(txn, active, event).await
}

/// Suspends `user` (not suspended yet, locked in `txn`, past the last-admin guard): its
/// outstanding tokens void, so none works if it comes back, and its stamp rotated, so its
/// sessions end. The change to save, and its event.
pub(crate) async fn suspend(
    txn: &DatabaseTransaction,
    user: users::Model,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<(users::ActiveModel, AuditEvent)> {
    let (tenant, id, previous) = (user.tenant_id, user.id, user.status);
    super::one_time_tokens::void(txn, id, None).await?;
    let mut active = user.into_active_model();
    active.status = Set(UserStatus::Suspended);
    stamp::rotate(&mut active, now);
    let event = AuditEvent::about(tenant, actor, AuditAction::UserDeactivated, id, now)
        .with(json!({ "previous_status": previous }));
    Ok((active, event))
}

pub(crate) async fn reactivate(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    id: UserId,
    actor: Actor,
) -> Result<UserView> {
    let (txn, now, user) = begin_user_change(repo, tenant, id).await?;
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
    stamp::rotate(&mut active, now);
    change::commit_about(txn, active, actor, AuditAction::UserReactivated, now).await
}

pub(crate) async fn delete(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    id: UserId,
    actor: Actor,
) -> Result<()> {
    let (txn, now, user) = begin_guarded(repo, tenant, id, Reach::Live).await?;
    // A reset, verification or invitation token issued before the delete must not redeem
    // after a restore.
    super::one_time_tokens::void(&txn, id, None).await?;
    let mut active = user.into_active_model();
    active.deleted_at = Set(Some(now));
    stamp::rotate(&mut active, now);
    active.update(&txn).await?;
    change::commit_event(
        txn,
        AuditEvent::about(tenant, actor, AuditAction::UserDeleted, id, now),
    )
    .await?;
    Ok(())
}

/// Which users a change reaches: live ones (deactivate, delete), or deleted ones too (purge).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reach {
    Live,
    AlsoDeleted,
}

/// Opens a change that may take one of the tenant's admins away (deactivate, delete, purge):
/// the tenant locked (so two such changes take turns and the second sees the first), the user
/// found, and refused if it is the tenant's last admin who can sign in.
async fn begin_guarded(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    id: UserId,
    reach: Reach,
) -> Result<(DatabaseTransaction, DateTime<Utc>, users::Model)> {
    let (txn, now) = begin_change(repo).await?;
    lock_tenant(&txn, tenant).await?;
    let user = match reach {
        Reach::Live => lock_live_user(&txn, tenant, id).await?,
        Reach::AlsoDeleted => any_user(&txn, tenant, id).await?,
    };
    ensure_not_last_admin(&txn, &repo.config.roles, &user, now).await?;
    Ok((txn, now, user))
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
    let (txn, now) = begin_change(repo).await?;
    let user = any_user(&txn, tenant, id).await?;
    if user.deleted_at.is_none() {
        return Err(Error::NotFound);
    }
    let mut active = user.into_active_model();
    active.deleted_at = Set(None);
    active.updated_at = Set(now);
    change::commit_about(txn, active, actor, AuditAction::UserRestored, now).await
}

pub(crate) async fn purge(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    id: UserId,
    actor: Actor,
) -> Result<()> {
    let (txn, now, user) = begin_guarded(repo, tenant, id, Reach::AlsoDeleted).await?;
    // Recorded first: deleting the user then sets the event's target to NULL, and the details
    // keep whom it was about.
    audit::record(
        &txn,
        AuditEvent::about(
            tenant,
            actor.filter(|a| *a != id),
            AuditAction::UserPurged,
            id,
            now,
        )
        .with(json!({ "pid": user.pid, "username": user.username })),
    )
    .await?;
    users::Entity::delete_by_id(id).exec(&txn).await?;
    txn.commit().await?;
    Ok(())
}

impl SeaOrmUserRepository {
    /// [`view_by`] in a task of its own: the four user getters.
    async fn user_view(&self, tenant: TenantId, key: Option<UserKey>) -> Result<Option<UserView>> {
        self.detached(move |repo| async move { view_by(&repo, tenant, key).await })
            .await
    }
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
        self.user_view(tenant, Some(UserKey::Id(id))).await
    }

    async fn get_user_by_pid(&self, tenant: TenantId, pid: Uuid) -> Result<Option<UserView>> {
        self.user_view(tenant, Some(UserKey::Pid(pid))).await
    }

    async fn get_user_by_username(
        &self,
        tenant: TenantId,
        username: &str,
    ) -> Result<Option<UserView>> {
        self.user_view(tenant, UserKey::username(username)).await
    }

    async fn get_user_by_email(&self, tenant: TenantId, email: &str) -> Result<Option<UserView>> {
        self.user_view(tenant, UserKey::email(email)).await
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
