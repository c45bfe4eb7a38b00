//! Logging in: with a password, or through an external identity. Lockout, login tracking and
//! the login history live here too.
//!
//! Every failure looks the same to the caller ([`Error::InvalidCredentials`]) and costs the same:
//! the password hasher runs exactly once per attempt, against the user's hash or against a dummy
//! one when there is no usable hash. The real reason is kept in `login_events`, for
//! administrators.

use futures_util::future::join;

use super::SeaOrmUserRepository;
use super::audit::AuditAction;
use super::change;
use super::lookups::UserKey;
use super::reads::{live, view_of};
use super::tx::{begin_user_change, begin_write};
use super::unique::Unique;
use crate::api::Logins;
use crate::error::{Error, Result};
use crate::hashing::Verification;
use crate::inputs::{Actor, LoginContext, LoginOf, PageRequest};
use crate::normalize::{email_key, username_key};
use crate::password_policy::Password;
use crate::validation::could_be_stored;
use crate::views::{AuthenticatedUser, LoginEventView, Page, UserGrants, UserView};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use tenantry_entity::{
    LoginOutcome, SecretHash, TenantId, TenantStatus, UserId, UserStatus, login_events, tenants,
    user_identities, users,
};

/// Longest login name looked up: an email's maximum. Longer input still costs a hasher run.
const MAX_LOGIN_CHARS: usize = 320;

/// Why a known user may not log in now, before looking at the password; `None` when it may.
pub(super) fn refusal(
    tenant: &tenants::Model,
    user: &users::Model,
    now: DateTime<Utc>,
) -> Option<LoginOutcome> {
    if tenant.status != TenantStatus::Active {
        Some(LoginOutcome::TenantSuspended)
    } else if user.locked_until.is_some_and(|until| until > now) {
        Some(LoginOutcome::Locked)
    } else if user.status != UserStatus::Active {
        Some(LoginOutcome::Inactive)
    } else if user.expires_at.is_some_and(|expires| expires <= now) {
        Some(LoginOutcome::Expired)
    } else {
        None
    }
}

/// The client address as stored: only a well-formed IP address.
fn stored_ip(context: &LoginContext) -> Option<String> {
    context
        .ip
        .as_deref()
        .and_then(|ip| ip.trim().parse::<std::net::IpAddr>().ok())
        .map(|ip| ip.to_string())
}

/// A login's row in `login_events`: not written yet, or written when the attempt took its
/// check ([`start_attempt`]) and to be finished with the real outcome.
#[derive(Clone, Copy, Debug)]
pub(super) enum EventRow {
    New,
    Started(i64),
}

/// Writes the attempt's event with its outcome: inserts it, or finishes the started one (its
/// outcome, and `at` moved to the moment the outcome was known).
async fn record_login(
    db: &impl ConnectionTrait,
    event: EventRow,
    attempt: &Attempt<'_>,
    outcome: LoginOutcome,
    at: DateTime<Utc>,
) -> Result<()> {
    match event {
        EventRow::New => {
            let row = new_event(attempt, outcome, at);
            // Nothing reads the event back: no `RETURNING`, no second statement.
            login_events::Entity::insert(row)
                .exec_without_returning(db)
                .await?;
        }
        EventRow::Started(id) => {
            login_events::Entity::update_many()
                .col_expr(login_events::Column::Outcome, Expr::value(outcome))
                .col_expr(login_events::Column::At, Expr::value(at))
                .filter(login_events::Column::Id.eq(id))
                .exec(db)
                .await?;
        }
    }
    tracing::info!(
        tenant = attempt.tenant.map(|t| t.0),
        source = attempt.context.source.as_str(),
        outcome = outcome.as_str(),
        "login"
    );
    Ok(())
}

fn new_event(
    attempt: &Attempt<'_>,
    outcome: LoginOutcome,
    at: DateTime<Utc>,
) -> login_events::ActiveModel {
    login_events::ActiveModel {
        tenant_id: Set(attempt.tenant),
        user_id: Set(attempt.user),
        source: Set(attempt.context.source.clone()),
        outcome: Set(outcome),
        ip: Set(stored_ip(attempt.context)),
        at: Set(at),
        ..Default::default()
    }
}

/// A user id no row has (row ids start at 1). Failures that count nothing run the counting
/// statements against it, matching no row.
const NO_USER: UserId = UserId(0);

/// The lockout threshold as configured (at least 1).
fn threshold(repo: &SeaOrmUserRepository) -> i32 {
    i32::try_from(Ord::max(repo.config.lockout.max_failed_attempts, 1)).unwrap_or(i32::MAX)
}

/// Starts a password login before its hash is tried: takes one of the account's password
/// checks with one atomic `UPDATE` that counts the attempt as a failure now (a success resets
/// the count later) and only matches while the account is unlocked with checks left. `false`
/// means the attempt may not try the real hash: the account is locked, or
/// `max_failed_attempts` checks are already spent or running.
///
/// Counting before the hash is what holds the lockout under parallel guessing: a check judged
/// on a row read before the hash (as this code once did) let 147 of 150 simultaneous guesses
/// through. A lock that has expired gives a fresh allowance here: the count restarts at one and
/// `locked_until` is cleared, while `lock_count` keeps the next lock's doubling.
///
/// The same transaction writes the attempt's event, with the outcome it has if nothing else
/// happens (`WrongPassword` for a check, else the refusal), to be finished after the hash. So
/// every attempt commits two writing transactions, this one and the outcome's, whatever the
/// outcome: an unknown user or tenant (whose counting `UPDATE` aims at [`NO_USER`] and matches
/// nothing) costs what a wrong password costs, `fsync`s included. With the count in a
/// transaction of its own and the event in the outcome's, a wrong password paid one more
/// commit than an unknown user (1.5 ms of 27 on PostgreSQL, timing bench).
async fn start_attempt(
    repo: &SeaOrmUserRepository,
    attempt: &Attempt<'_>,
    refused: Option<LoginOutcome>,
    now: DateTime<Utc>,
) -> Result<(bool, EventRow)> {
    let candidate = attempt.user.filter(|_| refused.is_none());
    let txn = begin_write(&repo.db).await?;
    let lock_passed = users::Column::LockedUntil.lte(now);
    let result = users::Entity::update_many()
        .col_expr(
            users::Column::FailedLoginCount,
            Expr::case(lock_passed.clone(), 1)
                .finally(Expr::col(users::Column::FailedLoginCount).add(1))
                .into(),
        )
        .col_expr(
            users::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(users::Column::LockedUntil.is_null())
                        .add(users::Column::FailedLoginCount.lt(threshold(repo))),
                )
                .add(lock_passed),
        )
        .filter(users::Column::Id.eq(candidate.unwrap_or(NO_USER)))
        .exec(&txn)
        .await?;
    let checked = candidate.is_some() && result.rows_affected == 1;
    let provisional = match refused {
        Some(outcome) => outcome,
        None if checked => LoginOutcome::WrongPassword,
        None => LoginOutcome::Locked,
    };
    let row = new_event(attempt, provisional, now);
    let id = login_events::Entity::insert(row)
        .exec(&txn)
        .await?
        .last_insert_id;
    txn.commit().await?;
    Ok((checked, EventRow::Started(id)))
}

/// Who a login attempt is recorded against — the tenant and user it named, those that exist —
/// and where it came from.
pub(super) struct Attempt<'a> {
    pub(super) tenant: Option<TenantId>,
    pub(super) user: Option<UserId>,
    pub(super) context: &'a LoginContext,
}

impl<'a> Attempt<'a> {
    /// An attempt that named `user`.
    pub(super) fn of(user: &users::Model, context: &'a LoginContext) -> Self {
        Self {
            tenant: Some(user.tenant_id),
            user: Some(user.id),
            context,
        }
    }
}

/// Records a failed login and locks the account when its count has reached the threshold and
/// it is not locked already; each further lock lasts twice as long as the one before, up to the
/// cap. The count itself was taken before the hash ([`start_attempt`]).
///
/// Every failure — unknown tenant or user, refused account, wrong password — runs the same
/// statements in one transaction: the read, the locking update, the event (finished, when
/// [`start_attempt`] wrote it). Those that may not lock (`may_lock` false) aim the first two
/// at [`NO_USER`]. Otherwise a wrong password (five round trips)
/// took measurably longer than an unknown user (one) and told who has an account: on MariaDB,
/// 1 000 samples each, the medians differed by 1 ms (2.5 %) with Welch's t = −7.3. The locking
/// update re-checks the count and the lock in its `WHERE`, so concurrent failures lock once.
pub(super) async fn record_failure(
    repo: &SeaOrmUserRepository,
    event: EventRow,
    attempt: &Attempt<'_>,
    outcome: LoginOutcome,
    may_lock: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    let target = attempt.user.filter(|_| may_lock).unwrap_or(NO_USER);
    let txn = begin_write(&repo.db).await?;
    let current = users::Entity::find_by_id(target).unique(&txn).await?;
    let lock_count = current.as_ref().map_or(0, |row| row.lock_count);
    let lock_number = u32::try_from(lock_count).unwrap_or(0).saturating_add(1);
    let duration = repo.config.lockout.lock_duration(lock_number);
    let duration = chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX);
    let until = now
        .checked_add_signed(duration)
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    users::Entity::update_many()
        .col_expr(users::Column::LockedUntil, Expr::value(Some(until)))
        .col_expr(
            users::Column::LockCount,
            Expr::col(users::Column::LockCount).add(1),
        )
        .filter(users::Column::Id.eq(target))
        .filter(users::Column::FailedLoginCount.gte(threshold(repo)))
        .filter(
            Condition::any()
                .add(users::Column::LockedUntil.is_null())
                .add(users::Column::LockedUntil.lte(now)),
        )
        .exec(&txn)
        .await?;
    let at = repo.now();
    record_login(&txn, event, attempt, outcome, at).await?;
    txn.commit().await?;
    Ok(())
}

/// Records a successful login: tracking columns (`last_login_at`, `login_count`,
/// `last_active_at`), lockout cleared, an upgraded hash if any.
///
/// `roles` are the user's plant roles, read beside the password check: a login does not change
/// them, so the transaction only writes (and reads the user back, with `RETURNING` where the
/// backend has it).
///
/// The update only matches an unlocked account: when a parallel failure locked it while this
/// attempt's hash ran, the login is refused (`Locked`) and the lock stays.
pub(super) async fn record_success(
    repo: &SeaOrmUserRepository,
    event: EventRow,
    user: users::Model,
    roles: Option<UserGrants>,
    context: &LoginContext,
    rehashed: Option<SecretHash>,
    now: DateTime<Utc>,
) -> Result<AuthenticatedUser> {
    let txn = begin_write(&repo.db).await?;
    let mut update = users::Entity::update_many()
        .col_expr(users::Column::LastLoginAt, Expr::value(Some(now)))
        .col_expr(users::Column::LastActiveAt, Expr::value(Some(now)))
        .col_expr(
            users::Column::LoginCount,
            Expr::col(users::Column::LoginCount).add(1),
        )
        .col_expr(users::Column::FailedLoginCount, Expr::value(0))
        .col_expr(users::Column::LockCount, Expr::value(0))
        .col_expr(
            users::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(users::Column::Id.eq(user.id))
        .filter(
            Condition::any()
                .add(users::Column::LockedUntil.is_null())
                .add(users::Column::LockedUntil.lte(now)),
        );
    if let Some(hash) = rehashed {
        update = update.col_expr(users::Column::PasswordHash, Expr::value(hash));
    }
    let updated = if txn.support_returning() {
        update.exec_with_returning(&txn).await?.into_iter().next()
    } else if update.exec(&txn).await?.rows_affected == 1 {
        users::Entity::find_by_id(user.id).unique(&txn).await?
    } else {
        None
    };
    let Some(updated) = updated else {
        // Locked (or deleted) meanwhile: nothing was written; record the refusal instead.
        txn.rollback().await?;
        let attempt = Attempt::of(&user, context);
        record_failure(repo, event, &attempt, LoginOutcome::Locked, false, now).await?;
        return Err(Error::InvalidCredentials);
    };
    let attempt = Attempt::of(&user, context);
    record_login(&txn, event, &attempt, LoginOutcome::Success, repo.now()).await?;
    let view = match roles {
        Some(roles) => UserView::new(updated.clone(), roles),
        None => view_of(&txn, updated.clone()).await?,
    };
    txn.commit().await?;
    Ok(AuthenticatedUser {
        user: view,
        security_stamp: updated.security_stamp,
    })
}

/// The live user a login names, by email when it holds `@` (usernames cannot), else by
/// username; `None` for an empty or over-long login, or one with control characters (a NUL
/// would be a database error on PostgreSQL). Those still run the lookup, with a key no user
/// has, so they cost what any unknown login costs.
async fn find_login_user(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    login: &str,
) -> Result<Option<users::Model>> {
    let nameable =
        !login.is_empty() && login.chars().count() <= MAX_LOGIN_CHARS && could_be_stored(login);
    let key = if !nameable {
        UserKey::UsernameKey(String::new())
    } else if login.contains('@') {
        UserKey::EmailKey(email_key(login))
    } else {
        UserKey::UsernameKey(username_key(login))
    };
    repo.lookups.user(&repo.db, tenant, key).await
}

/// The grants of `user`, or `None` when there is no user.
async fn roles_of(repo: &SeaOrmUserRepository, user: Option<UserId>) -> Result<Option<UserGrants>> {
    let Some(user) = user else {
        return Ok(None);
    };
    Ok(Some(repo.lookups.roles_of(&repo.db, user).await?))
}

pub(crate) async fn authenticate(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    login: &str,
    password: &Password,
    context: LoginContext,
) -> Result<AuthenticatedUser> {
    let now = repo.now();
    // The tenant and the user are read side by side, on two pooled connections. `join`, not
    // `try_join`: when one read fails the other still runs to its end, since a query dropped
    // mid-packet can cost MySQL its connection (store/detach.rs).
    let (tenant_row, user) = join(
        tenants::Entity::find_by_id(tenant).unique(&repo.db),
        find_login_user(repo, tenant, login),
    )
    .await;
    let (tenant_row, user) = (tenant_row?, user?);
    // Why this attempt fails before any password check, if it does.
    let refused = match (&tenant_row, &user) {
        (None, _) => Some(LoginOutcome::UnknownTenant),
        (Some(_), None) => Some(LoginOutcome::UnknownUser),
        (Some(tenant_row), Some(user)) => refusal(tenant_row, user, now).or_else(|| {
            user.password_hash
                .is_none()
                .then_some(LoginOutcome::NoPassword)
        }),
    };
    let candidate = user.as_ref().filter(|_| refused.is_none());
    let attempt = Attempt {
        tenant: tenant_row.as_ref().map(|t| t.id),
        user: user.as_ref().map(|u| u.id),
        context: &context,
    };
    let (checked, event) = start_attempt(repo, &attempt, refused, now).await?;
    // Exactly one hasher run, whatever happens next: against the user's hash only when this
    // attempt holds one of its checks, else against a dummy. The user's roles are read while
    // it runs (on another thread), so a successful login's view costs no time after the hash.
    let stored = candidate
        .filter(|_| checked)
        .and_then(|u| u.password_hash.as_ref());
    let (verification, roles) = join(
        repo.hasher.verify(password, stored),
        roles_of(repo, user.as_ref().map(|u| u.id)),
    )
    .await;
    let verification = verification?;

    let outcome = match (user, refused) {
        (_, Some(outcome)) => outcome,
        (Some(_), None) if !checked => LoginOutcome::Locked,
        (Some(user), None) => match verification {
            Verification::Mismatch => LoginOutcome::WrongPassword,
            Verification::Match { needs_rehash } => {
                // Only now, knowing the password is right, upgrade an old or imported hash.
                let rehashed = if needs_rehash {
                    Some(repo.hasher.hash(password).await?)
                } else {
                    None
                };
                // A failed roles read is not fatal here: the view reads them again in the
                // transaction.
                let roles = roles.ok().flatten();
                return record_success(repo, event, user, roles, &context, rehashed, now).await;
            }
        },
        (None, None) => LoginOutcome::UnknownUser,
    };
    // A refused check may lock too: when the checks are spent but no lock is set yet (the
    // threshold was lowered, or the spent checks are still running), the lock starts now.
    let may_lock = matches!(outcome, LoginOutcome::WrongPassword | LoginOutcome::Locked);
    record_failure(repo, event, &attempt, outcome, may_lock, now).await?;
    Err(Error::InvalidCredentials)
}

pub(crate) async fn authenticate_identity(
    repo: &SeaOrmUserRepository,
    provider: &str,
    subject: &str,
    context: LoginContext,
) -> Result<AuthenticatedUser> {
    let now = repo.now();
    if !could_be_stored(provider) || !could_be_stored(subject) {
        return Err(Error::InvalidCredentials);
    }
    let Some(identity) = user_identities::Entity::find()
        .filter(user_identities::Column::Provider.eq(provider))
        .filter(user_identities::Column::Subject.eq(subject))
        .unique(&repo.db)
        .await?
    else {
        return Err(Error::InvalidCredentials);
    };
    let tenant_row = tenants::Entity::find_by_id(identity.tenant_id)
        .unique(&repo.db)
        .await?
        .ok_or(Error::InvalidCredentials)?;
    let Some(user) = live(identity.tenant_id)
        .filter(users::Column::Id.eq(identity.user_id))
        .unique(&repo.db)
        .await?
    else {
        let outcome = LoginOutcome::UnknownUser;
        let attempt = Attempt {
            tenant: Some(identity.tenant_id),
            user: None,
            context: &context,
        };
        record_failure(repo, EventRow::New, &attempt, outcome, false, now).await?;
        return Err(Error::InvalidCredentials);
    };
    if let Some(outcome) = refusal(&tenant_row, &user, now) {
        let attempt = Attempt::of(&user, &context);
        record_failure(repo, EventRow::New, &attempt, outcome, false, now).await?;
        return Err(Error::InvalidCredentials);
    }
    user_identities::Entity::update_many()
        .col_expr(user_identities::Column::LastUsedAt, Expr::value(Some(now)))
        .filter(user_identities::Column::Id.eq(identity.id))
        .exec(&repo.db)
        .await?;
    record_success(repo, EventRow::New, user, None, &context, None, now).await
}

pub(crate) async fn record_activity(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user: UserId,
) -> Result<bool> {
    let now = repo.now();
    let interval = chrono::Duration::from_std(repo.config.activity_interval)
        .unwrap_or(chrono::Duration::zero());
    let stale_before = now
        .checked_sub_signed(interval)
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    // One conditional write: a busy user costs at most one write per interval.
    let result = users::Entity::update_many()
        .col_expr(users::Column::LastActiveAt, Expr::value(Some(now)))
        .filter(users::Column::Id.eq(user))
        .filter(users::Column::TenantId.eq(tenant))
        .filter(users::Column::DeletedAt.is_null())
        .filter(
            Condition::any()
                .add(users::Column::LastActiveAt.is_null())
                .add(users::Column::LastActiveAt.lte(stale_before)),
        )
        .exec(&repo.db)
        .await?;
    Ok(result.rows_affected == 1)
}

pub(crate) async fn prune_login_events(
    repo: &SeaOrmUserRepository,
    older_than: DateTime<Utc>,
) -> Result<u64> {
    let result = login_events::Entity::delete_many()
        .filter(login_events::Column::At.lt(older_than))
        .exec(&repo.db)
        .await?;
    Ok(result.rows_affected)
}

pub(crate) async fn list_login_events(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user: Option<UserId>,
    page: PageRequest,
) -> Result<Page<LoginEventView>> {
    let offset = page.checked_offset()?;
    let mut query = login_events::Entity::find().filter(login_events::Column::TenantId.eq(tenant));
    if let Some(user) = user {
        query = query.filter(login_events::Column::UserId.eq(user));
    }
    let total = query.clone().count(&repo.db).await?;
    let items = query
        .order_by_desc(login_events::Column::Id)
        .offset(offset)
        .limit(page.effective_limit())
        .all(&repo.db)
        .await?
        .into_iter()
        .map(LoginEventView::from)
        .collect();
    Ok(Page { items, total })
}

pub(crate) async fn unlock(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user_id: UserId,
    actor: Actor,
) -> Result<UserView> {
    let (txn, now, user) = begin_user_change(repo, tenant, user_id).await?;
    let mut active = user.into_active_model();
    active.failed_login_count = Set(0);
    active.lock_count = Set(0);
    active.locked_until = Set(None);
    active.updated_at = Set(now);
    change::commit_about(txn, active, actor, AuditAction::UserUnlocked, now).await
}

/// The user's current security stamp, for checking a session: only while the user could
/// sign in. `None` for a user who is absent, deleted, not active, past its `expires_at`, or of
/// a tenant that is not active, so a session ends the first time it is checked after any of
/// these, including an expiry that passed by itself with nothing written. (Lifting one of
/// them also rotates the stamp, so a session that was not checked in between does not come
/// back either.)
pub(crate) async fn security_stamp(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user: UserId,
) -> Result<Option<String>> {
    let now = repo.now();
    let tenant_active = sea_orm::QueryTrait::into_query(
        tenants::Entity::find()
            .select_only()
            .column(tenants::Column::Id)
            .filter(tenants::Column::Id.eq(tenant))
            .filter(tenants::Column::Status.eq(TenantStatus::Active)),
    );
    Ok(live(tenant)
        .filter(users::Column::Id.eq(user))
        .filter(users::Column::Status.eq(UserStatus::Active))
        .filter(
            Condition::any()
                .add(users::Column::ExpiresAt.is_null())
                .add(users::Column::ExpiresAt.gt(now)),
        )
        .filter(users::Column::TenantId.in_subquery(tenant_active))
        .select_only()
        .column(users::Column::SecurityStamp)
        .into_tuple::<String>()
        .unique(&repo.db)
        .await?)
}

#[async_trait]
impl Logins for SeaOrmUserRepository {
    async fn authenticate(
        &self,
        tenant: TenantId,
        login: &str,
        password: &Password,
        context: LoginContext,
    ) -> Result<AuthenticatedUser> {
        let login = login.to_owned();
        let password = password.clone();
        self.detached(move |repo| async move {
            authenticate(&repo, tenant, &login, &password, context).await
        })
        .await
    }

    async fn authenticate_identity(
        &self,
        provider: &str,
        subject: &str,
        context: LoginContext,
    ) -> Result<AuthenticatedUser> {
        let provider = provider.to_owned();
        let subject = subject.to_owned();
        self.detached(move |repo| async move {
            authenticate_identity(&repo, &provider, &subject, context).await
        })
        .await
    }

    async fn record_login(
        &self,
        tenant: TenantId,
        who: LoginOf,
        context: LoginContext,
    ) -> Result<AuthenticatedUser> {
        self.detached(move |repo| async move {
            super::recorded_login::record(&repo, tenant, who, context).await
        })
        .await
    }

    async fn security_stamp(&self, tenant: TenantId, user: UserId) -> Result<Option<String>> {
        self.detached(move |repo| async move { security_stamp(&repo, tenant, user).await })
            .await
    }

    async fn record_activity(&self, tenant: TenantId, user: UserId) -> Result<bool> {
        self.detached(move |repo| async move { record_activity(&repo, tenant, user).await })
            .await
    }

    async fn unlock_user(&self, tenant: TenantId, user: UserId, actor: Actor) -> Result<UserView> {
        self.detached(move |repo| async move { unlock(&repo, tenant, user, actor).await })
            .await
    }

    async fn list_login_events(
        &self,
        tenant: TenantId,
        user: Option<UserId>,
        page: PageRequest,
    ) -> Result<Page<LoginEventView>> {
        self.detached(move |repo| async move { list_login_events(&repo, tenant, user, page).await })
            .await
    }

    async fn prune_login_events(&self, older_than: DateTime<Utc>) -> Result<u64> {
        self.detached(move |repo| async move { prune_login_events(&repo, older_than).await })
            .await
    }
}
