//! Logging in: with a password, or through an external identity; lockout, activity and the
//! login history. What an attempt writes is `login_outcome.rs`.
//!
//! Every failure looks the same to the caller ([`Error::InvalidCredentials`]) and costs the same:
//! the password hasher runs exactly once per attempt, against the user's hash or against a dummy
//! one when there is no usable hash. The real reason is kept in `login_events`, for
//! administrators.

use futures_util::future::join;

use super::SeaOrmUserRepository;
use super::audit::AuditAction;
use super::change;
use super::identity_policies;
use super::login_outcome::{
    Attempt, EventRow, record_failure, record_success, refusal, start_attempt,
};
use super::lookups::UserKey;
use super::reads::live;
use super::second_step;
use super::tx::begin_user_change;
use super::unique::Unique;
use crate::api::Logins;
use crate::error::{Error, Result};
use crate::hashing::Verification;
use crate::inputs::{Actor, LoginContext, LoginOf, PageRequest};
use crate::normalize::{email_key, username_key};
use crate::password_policy::Password;
use crate::validation::could_be_stored;
use crate::views::SignIn;
use crate::views::{AuthenticatedUser, LoginEventView, Page, UserGrants, UserView};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use tenantry_entity::{
    LoginOutcome, TenantId, TenantStatus, UserId, UserStatus, login_events, tenants,
    user_identities, users,
};

/// Longest login name looked up: an email's maximum. Longer input still costs a hasher run.
const MAX_LOGIN_CHARS: usize = 320;

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

pub(crate) async fn sign_in(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    login: &str,
    password: &Password,
    context: LoginContext,
) -> Result<SignIn> {
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
                // A user with a second factor (or one the tenant requires) gets a challenge:
                // only completing it is a login.
                if let Some(purpose) = second_step::needed(repo, &user, roles.as_ref()).await? {
                    return second_step::begin(repo, event, user, purpose, &context, rehashed, now)
                        .await;
                }
                let signed_in =
                    record_success(repo, event, user, roles, &context, rehashed, now).await?;
                return Ok(SignIn::Complete(signed_in));
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
    // This call has no second step to hand out: a user who needs one signs in through
    // `IdentityProviders::sign_in_with_identity`, unless the tenant declared that the provider
    // satisfies second factors.
    let satisfied = identity_policies::policy_of(&repo.db, identity.tenant_id, provider)
        .await?
        .is_some_and(|policy| policy.satisfies_second_factor);
    if !satisfied && second_step::needed(repo, &user, None).await?.is_some() {
        return Err(Error::SecondFactorRequired);
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
        match self.sign_in(tenant, login, password, context).await? {
            SignIn::Complete(signed_in) => Ok(signed_in),
            SignIn::SecondFactor(_) | SignIn::EnrolmentRequired(_) => {
                Err(Error::SecondFactorRequired)
            }
        }
    }

    async fn sign_in(
        &self,
        tenant: TenantId,
        login: &str,
        password: &Password,
        context: LoginContext,
    ) -> Result<SignIn> {
        let login = login.to_owned();
        let password = password.clone();
        self.detached(move |repo| async move {
            sign_in(&repo, tenant, &login, &password, context).await
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
