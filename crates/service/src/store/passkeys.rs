//! Passkeys (feature `passkeys`): [`Passkeys`] for [`SeaOrmUserRepository`], and a passkey as
//! the second step of a login ([`start_second_factor`]; [`verify_second_factor`], which
//! `second_step.rs` calls for a `SecondFactorProof::Passkey`).
//!
//! A passkey is a row of `authenticators` (kind `passkey`): its webauthn-rs `Passkey` as JSON
//! (public data: the credential id, public key and counter) and the SHA-256 of its credential
//! id, unique across the database, so one credential is never registered twice. A ceremony's
//! server state (webauthn-rs's registration or authentication state, which holds the challenge)
//! waits between its two steps in a `login_challenges` row, named by the SHA-256 of a random
//! token handed to the caller: five minutes, single-use — the row is claimed by one conditional
//! `UPDATE … WHERE used_at IS NULL` before the answer is checked, so of two concurrent
//! answers exactly one goes on, and a bad answer spends the token too.
//!
//! A sign-in with a passkey alone is a login: every failure is `InvalidCredentials`, recorded
//! in `login_events` as `wrong_passkey` (or the account's refusal) through
//! `login_outcome.rs`, and a success is recorded as a password's is. It never counts toward
//! the lockout (a signature cannot be guessed, so counting failures would only let anyone lock
//! an account), but a locked account cannot sign in with a passkey either.

use super::SeaOrmUserRepository;
use super::audit::{AuditAction, AuditEvent};
use super::change;
use super::login_outcome::{Attempt, EventRow, record_failure, record_success, refusal, stored_ip};
use super::open_challenge::{open_challenge, owner_of};
use super::reads::live;
use super::tx::{begin_change, begin_write, lock_live_user_for};
use super::unique::Unique;
use crate::api::{PasskeyChallenge, PasskeyView, Passkeys};
use crate::error::{Error, Result};
use crate::inputs::{Actor, LoginContext};
use crate::passkey_config::PasskeyConfig;
use crate::token_codec::{self, TokenDigest};
use crate::validation::{self, Rule, ValidationErrors};
use crate::views::AuthenticatedUser;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend,
    DatabaseTransaction, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
    SqlErr,
};
use std::sync::Arc;
use tenantry_entity::{
    LoginOutcome, TenantId, UserId, authenticators, login_challenges, tenants, users,
};
use webauthn_rs::Webauthn;
use webauthn_rs::prelude::{
    CreationChallengeResponse, DiscoverableAuthentication, Passkey, PasskeyAuthentication,
    PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential,
    RequestChallengeResponse,
};

/// How long a ceremony's token is good for.
const CEREMONY_MINUTES: i64 = 5;

/// The `source` stored with a registration's challenge: a registration is bound to its user
/// (the caller's signed-in session), not to a login's channel.
const REGISTRATION_SOURCE: &str = "registration";

impl SeaOrmUserRepository {
    /// The same repository with passkeys ([`Passkeys`]) for the relying party `config`
    /// names. Without it, every passkey call returns `Conflict("passkeys are not configured")`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] when the origin is not a URL, or the relying party id is not
    /// the origin's host or a parent domain of it.
    pub fn with_passkeys(mut self, config: PasskeyConfig) -> Result<Self> {
        self.passkeys = Some(config.relying_party()?);
        Ok(self)
    }

    /// The relying party, or the typed refusal when the host configured none.
    pub(super) fn relying_party(&self) -> Result<Arc<Webauthn>> {
        self.passkeys
            .clone()
            .ok_or(Error::Conflict("passkeys are not configured"))
    }
}

/// The SHA-256 (hex) of a credential id: `authenticators.credential_id_hash`.
fn credential_hash(credential_id: &[u8]) -> String {
    token_codec::digest_bytes(credential_id).into_string()
}

/// The view of a passkey row.
fn view_of(row: authenticators::Model) -> PasskeyView {
    PasskeyView {
        id: row.id,
        kind: authenticators::PASSKEY,
        name: row.name,
        created_at: row.created_at,
        confirmed_at: row.confirmed_at,
        last_used_at: row.last_used_at,
    }
}

/// A passkey's name, checked: 1–100 printable characters.
fn checked_name(name: &str) -> Result<()> {
    validation::name(name)
        .map_err(|rule| Error::InvalidInput(ValidationErrors::single("name", rule)))
}

/// The user's confirmed passkeys (a query to read or narrow).
fn passkeys_of(tenant: TenantId, user: UserId) -> sea_orm::Select<authenticators::Entity> {
    authenticators::Entity::find()
        .filter(authenticators::Column::TenantId.eq(tenant))
        .filter(authenticators::Column::UserId.eq(user))
        .filter(authenticators::Column::Kind.eq(authenticators::PASSKEY))
        .filter(authenticators::Column::ConfirmedAt.is_not_null())
}

/// The stored credential of a passkey row; `None` when the row holds none that parses (a row
/// edited by hand), which then matches nothing.
fn credential_of(row: &authenticators::Model) -> Option<Passkey> {
    serde_json::from_str(row.passkey.as_deref()?).ok()
}

/// The signature counter a stored passkey holds (webauthn-rs keeps it private; its JSON has
/// it as `cred.counter`).
#[cfg_attr(
    not(test),
    allow(
        dead_code,
        reason = "verify_second_factor's, which the two-step login calls"
    )
)]
fn stored_counter(passkey: &Passkey) -> Option<u64> {
    serde_json::to_value(passkey).ok()?["cred"]["counter"].as_u64()
}

/// The live user `user` of `tenant`; `NotFound` otherwise.
async fn ensure_user(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
) -> Result<users::Model> {
    live(tenant)
        .filter(users::Column::Id.eq(user))
        .unique(db)
        .await?
        .ok_or(Error::NotFound)
}

/// Stores a new ceremony's state and returns its token. Expired passkey ceremonies are
/// deleted first, so rows of abandoned ceremonies do not pile up.
async fn insert_ceremony(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user: Option<UserId>,
    purpose: &str,
    context: Option<&LoginContext>,
    state: String,
) -> Result<token_codec::RawToken> {
    let now = repo.now();
    login_challenges::Entity::delete_many()
        .filter(login_challenges::Column::ExpiresAt.lte(now))
        .filter(login_challenges::Column::Purpose.is_in([
            login_challenges::PASSKEY_REGISTRATION,
            login_challenges::PASSKEY_SIGN_IN,
        ]))
        .exec(&repo.db)
        .await?;
    let (raw, digest) = token_codec::generate();
    let row = login_challenges::ActiveModel {
        tenant_id: Set(tenant),
        user_id: Set(user),
        token_hash: Set(digest.into_string()),
        purpose: Set(purpose.to_owned()),
        source: Set(context.map_or(REGISTRATION_SOURCE.to_owned(), |c| {
            c.source.as_str().to_owned()
        })),
        ip: Set(context.and_then(stored_ip)),
        ceremony: Set(Some(state)),
        expires_at: Set(now + chrono::Duration::minutes(CEREMONY_MINUTES)),
        used_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    };
    login_challenges::Entity::insert(row)
        .exec_without_returning(&repo.db)
        .await
        .map_err(crate::error::missing_reference)?;
    Ok(raw)
}

/// What a ceremony's token must be bound to, besides its tenant and purpose.
struct Binding<'a> {
    user: Option<UserId>,
    context: Option<&'a LoginContext>,
}

/// Claims the ceremony `digest` names, when it is of `tenant`, `purpose` and `binding`, unused
/// and unexpired: sets `used_at` with one conditional `UPDATE` (exactly one of concurrent
/// claims wins) and returns its state. `None`: no such live ceremony, or another claim won.
async fn claim_ceremony(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    purpose: &str,
    digest: &TokenDigest,
    binding: Binding<'_>,
    now: DateTime<Utc>,
) -> Result<Option<String>> {
    let Some(row) = login_challenges::Entity::find()
        .filter(login_challenges::Column::TokenHash.eq(digest.as_str()))
        .unique(&repo.db)
        .await?
    else {
        return Ok(None);
    };
    let bound = row.tenant_id == tenant
        && row.purpose == purpose
        && row.user_id == binding.user
        && row.used_at.is_none()
        && row.expires_at > now
        && binding.context.is_none_or(|context| {
            row.source == context.source.as_str() && row.ip == stored_ip(context)
        });
    if !bound {
        return Ok(None);
    }
    let claimed = login_challenges::Entity::update_many()
        .col_expr(login_challenges::Column::UsedAt, Expr::value(Some(now)))
        .filter(login_challenges::Column::Id.eq(row.id))
        .filter(login_challenges::Column::UsedAt.is_null())
        .exec(&repo.db)
        .await?;
    Ok((claimed.rows_affected == 1)
        .then_some(row.ceremony)
        .flatten())
}

/// Locks a passkey row for the rest of `txn` (SQLite's write lock already holds).
fn locked(
    txn: &DatabaseTransaction,
    query: sea_orm::Select<authenticators::Entity>,
) -> sea_orm::Select<authenticators::Entity> {
    if txn.get_database_backend() == DatabaseBackend::Sqlite {
        query
    } else {
        query.lock_exclusive()
    }
}

/// The refusal of a duplicate credential: the unique index on `credential_id_hash`.
fn duplicate_credential(error: DbErr) -> Error {
    match error.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            Error::Conflict("this passkey is registered already")
        }
        _ => Error::Database(error),
    }
}

async fn start_registration(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user_id: UserId,
) -> Result<PasskeyChallenge<CreationChallengeResponse>> {
    let webauthn = repo.relying_party()?;
    let user = ensure_user(&repo.db, tenant, user_id).await?;
    let existing = passkeys_of(tenant, user_id).all(&repo.db).await?;
    let exclude = existing
        .iter()
        .filter_map(credential_of)
        .map(|passkey| passkey.cred_id().clone())
        .collect::<Vec<_>>();
    // What the authenticator shows beside the passkey: the login name, and the display name.
    let login_name = user
        .username
        .clone()
        .or_else(|| user.email.clone())
        .unwrap_or_else(|| user.display_name.clone());
    let (options, state) = webauthn
        .start_passkey_registration(user.pid, &login_name, &user.display_name, Some(exclude))
        .map_err(|_| Error::Internal)?;
    let state = serde_json::to_string(&state).map_err(|_| Error::Internal)?;
    let token = insert_ceremony(
        repo,
        tenant,
        Some(user_id),
        login_challenges::PASSKEY_REGISTRATION,
        None,
        state,
    )
    .await?;
    Ok(PasskeyChallenge { token, options })
}

async fn finish_registration(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user: UserId,
    token: &str,
    credential: &RegisterPublicKeyCredential,
    name: &str,
) -> Result<PasskeyView> {
    checked_name(name)?;
    let webauthn = repo.relying_party()?;
    let digest = token_codec::digest_of(token).map_err(|_| Error::InvalidToken)?;
    let now = repo.now();
    ensure_user(&repo.db, tenant, user).await?;
    let binding = Binding {
        user: Some(user),
        context: None,
    };
    let state = claim_ceremony(
        repo,
        tenant,
        login_challenges::PASSKEY_REGISTRATION,
        &digest,
        binding,
        now,
    )
    .await?
    .ok_or(Error::InvalidToken)?;
    let state: PasskeyRegistration =
        serde_json::from_str(&state).map_err(|_| Error::InvalidToken)?;
    let passkey = webauthn
        .finish_passkey_registration(credential, &state)
        .map_err(|_| {
            Error::InvalidInput(ValidationErrors::single("credential", Rule::InvalidFormat))
        })?;
    let stored = serde_json::to_string(&passkey).map_err(|_| Error::Internal)?;
    let (txn, now) = begin_change(repo).await?;
    lock_live_user_for(&txn, tenant, user, Some(user)).await?;
    let row = authenticators::ActiveModel {
        tenant_id: Set(tenant),
        user_id: Set(user),
        kind: Set(authenticators::PASSKEY.to_owned()),
        name: Set(name.to_owned()),
        secret: Set(None),
        last_used_step: Set(None),
        credential_id_hash: Set(Some(credential_hash(passkey.cred_id()))),
        passkey: Set(Some(stored)),
        confirmed_at: Set(Some(now)),
        created_at: Set(now),
        last_used_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(duplicate_credential)?;
    let details = serde_json::json!({ "passkey": row.id, "name": row.name });
    let event = AuditEvent::about(
        tenant,
        Some(user),
        AuditAction::PasskeyRegistered,
        user,
        now,
    )
    .with(details);
    change::commit_event(txn, event).await?;
    Ok(view_of(row))
}

async fn list(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user: UserId,
) -> Result<Vec<PasskeyView>> {
    ensure_user(&repo.db, tenant, user).await?;
    let rows = passkeys_of(tenant, user)
        .order_by_asc(authenticators::Column::Id)
        .all(&repo.db)
        .await?;
    Ok(rows.into_iter().map(view_of).collect())
}

/// Opens a change to the user's passkey `id`: the user (and the actor) locked, the passkey
/// read. `NotFound` when either is missing.
async fn begin_passkey_change(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user: UserId,
    id: i64,
    actor: Actor,
) -> Result<(DatabaseTransaction, DateTime<Utc>, authenticators::Model)> {
    let (txn, now) = begin_change(repo).await?;
    lock_live_user_for(&txn, tenant, user, actor).await?;
    let row = locked(
        &txn,
        passkeys_of(tenant, user).filter(authenticators::Column::Id.eq(id)),
    )
    .unique(&txn)
    .await?
    .ok_or(Error::NotFound)?;
    Ok((txn, now, row))
}

async fn rename(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user: UserId,
    id: i64,
    name: &str,
    actor: Actor,
) -> Result<PasskeyView> {
    checked_name(name)?;
    let (txn, now, row) = begin_passkey_change(repo, tenant, user, id, actor).await?;
    if row.name == name {
        txn.rollback().await?;
        return Ok(view_of(row));
    }
    let details = serde_json::json!({ "passkey": row.id, "from": row.name, "to": name });
    let mut change = row.into_active_model();
    change.name = Set(name.to_owned());
    let row = change.update(&txn).await?;
    let event =
        AuditEvent::about(tenant, actor, AuditAction::PasskeyRenamed, user, now).with(details);
    change::commit_event(txn, event).await?;
    Ok(view_of(row))
}

async fn remove(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user: UserId,
    id: i64,
    actor: Actor,
) -> Result<()> {
    let (txn, now, row) = begin_passkey_change(repo, tenant, user, id, actor).await?;
    authenticators::Entity::delete_by_id(row.id)
        .exec(&txn)
        .await?;
    let details = serde_json::json!({ "passkey": row.id, "name": row.name });
    let event =
        AuditEvent::about(tenant, actor, AuditAction::PasskeyRemoved, user, now).with(details);
    change::commit_event(txn, event).await
}

async fn start_sign_in(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    context: LoginContext,
) -> Result<PasskeyChallenge<RequestChallengeResponse>> {
    let webauthn = repo.relying_party()?;
    let (options, state) = webauthn
        .start_discoverable_authentication()
        .map_err(|_| Error::Internal)?;
    let state = serde_json::to_string(&state).map_err(|_| Error::Internal)?;
    let token = insert_ceremony(
        repo,
        tenant,
        None,
        login_challenges::PASSKEY_SIGN_IN,
        Some(&context),
        state,
    )
    .await?;
    Ok(PasskeyChallenge { token, options })
}

/// Why a passkey sign-in failed, with the user it named when it named one.
struct Failure {
    user: Option<users::Model>,
    outcome: LoginOutcome,
}

impl Failure {
    fn wrong(user: Option<users::Model>) -> Self {
        Self {
            user,
            outcome: LoginOutcome::WrongPasskey,
        }
    }
}

/// Checks a passkey sign-in up to its signature, and on success updates the passkey (counter,
/// `last_used_at`): the user it signs in, or why not.
async fn check_sign_in(
    repo: &SeaOrmUserRepository,
    webauthn: &Webauthn,
    tenant: &tenants::Model,
    token: &str,
    credential: &PublicKeyCredential,
    context: &LoginContext,
    now: DateTime<Utc>,
) -> Result<std::result::Result<users::Model, Failure>> {
    let Ok(digest) = token_codec::digest_of(token) else {
        return Ok(Err(Failure::wrong(None)));
    };
    let binding = Binding {
        user: None,
        context: Some(context),
    };
    let purpose = login_challenges::PASSKEY_SIGN_IN;
    let Some(state) = claim_ceremony(repo, tenant.id, purpose, &digest, binding, now).await? else {
        return Ok(Err(Failure::wrong(None)));
    };
    let Ok(state) = serde_json::from_str::<DiscoverableAuthentication>(&state) else {
        return Ok(Err(Failure::wrong(None)));
    };
    let Ok((handle, credential_id)) = webauthn.identify_discoverable_authentication(credential)
    else {
        return Ok(Err(Failure::wrong(None)));
    };
    let txn = begin_write(&repo.db).await?;
    // By credential, within the tenant: a passkey of another tenant's user is unknown here.
    let query = authenticators::Entity::find()
        .filter(authenticators::Column::TenantId.eq(tenant.id))
        .filter(authenticators::Column::Kind.eq(authenticators::PASSKEY))
        .filter(authenticators::Column::ConfirmedAt.is_not_null())
        .filter(authenticators::Column::CredentialIdHash.eq(credential_hash(credential_id)));
    let Some(row) = locked(&txn, query).unique(&txn).await? else {
        return Ok(Err(Failure::wrong(None)));
    };
    let user = live(tenant.id)
        .filter(users::Column::Id.eq(row.user_id))
        .unique(&txn)
        .await?;
    let Some(user) = user.filter(|user| user.pid == handle) else {
        return Ok(Err(Failure::wrong(None)));
    };
    if let Some(outcome) = refusal(tenant, &user, now) {
        return Ok(Err(Failure {
            user: Some(user),
            outcome,
        }));
    }
    let Some(mut passkey) = credential_of(&row) else {
        return Ok(Err(Failure::wrong(Some(user))));
    };
    let Ok(result) = webauthn.finish_discoverable_authentication_v2(credential, state, &passkey)
    else {
        return Ok(Err(Failure::wrong(Some(user))));
    };
    passkey.update_credential(&result);
    save_use(&txn, row, &passkey, now).await?;
    txn.commit().await?;
    Ok(Ok(user))
}

/// Stores a passkey's counter (and backup flags) after a verified use, and `last_used_at`.
async fn save_use(
    txn: &DatabaseTransaction,
    row: authenticators::Model,
    passkey: &Passkey,
    now: DateTime<Utc>,
) -> Result<()> {
    let stored = serde_json::to_string(passkey).map_err(|_| Error::Internal)?;
    let mut change = row.into_active_model();
    change.passkey = Set(Some(stored));
    change.last_used_at = Set(Some(now));
    change.update(txn).await?;
    Ok(())
}

async fn finish_sign_in(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    token: &str,
    credential: &PublicKeyCredential,
    context: LoginContext,
) -> Result<AuthenticatedUser> {
    let webauthn = repo.relying_party()?;
    let now = repo.now();
    let tenant_row = tenants::Entity::find_by_id(tenant).unique(&repo.db).await?;
    let Some(tenant_row) = tenant_row else {
        let attempt = Attempt {
            tenant: None,
            user: None,
            context: &context,
        };
        let outcome = LoginOutcome::UnknownTenant;
        record_failure(repo, EventRow::New, &attempt, outcome, false, now).await?;
        return Err(Error::InvalidCredentials);
    };
    let checked = check_sign_in(
        repo,
        &webauthn,
        &tenant_row,
        token,
        credential,
        &context,
        now,
    )
    .await?;
    match checked {
        Ok(user) => record_success(repo, EventRow::New, user, None, &context, None, now).await,
        Err(failure) => {
            let attempt = Attempt {
                tenant: Some(tenant),
                user: failure.user.as_ref().map(|u| u.id),
                context: &context,
            };
            record_failure(repo, EventRow::New, &attempt, failure.outcome, false, now).await?;
            Err(Error::InvalidCredentials)
        }
    }
}

/// A passkey as the second step of a login: starts an authentication with the user's
/// confirmed passkeys and stores its state in the login's challenge row `challenge`
/// (`ceremony`), returning the browser's `get` options.
///
/// The caller issued `challenge` for `user` (its `user_id`) and keeps it single-use and
/// bound; this only fills in its ceremony (while it is unused).
///
/// # Errors
/// `NotFound` when the user has no confirmed passkey; `InvalidToken` when the challenge is not
/// the user's or was used meanwhile; `Conflict` (not configured); `Database`.
/// [`Passkeys::start_passkey_second_factor`]: the open second-factor challenge `raw` names
/// (of this tenant, presented from the login's client) gets an authentication ceremony over
/// the user's passkeys. Nothing is counted: only the answer, in `complete_sign_in`, is an
/// attempt.
async fn start_second_step(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    raw: &str,
    context: &LoginContext,
) -> Result<RequestChallengeResponse> {
    repo.relying_party()?;
    let now = repo.now();
    let purposes = [login_challenges::SECOND_FACTOR];
    let challenge = open_challenge(repo, tenant, raw, context, &purposes, now).await?;
    let (_, user) = owner_of(repo, &challenge).await?;
    start_second_factor(repo, &challenge, user.id).await
}

pub(crate) async fn start_second_factor(
    repo: &SeaOrmUserRepository,
    challenge: &login_challenges::Model,
    user: UserId,
) -> Result<RequestChallengeResponse> {
    let webauthn = repo.relying_party()?;
    if challenge.user_id != Some(user) {
        return Err(Error::InvalidToken);
    }
    let passkeys = passkeys_of(challenge.tenant_id, user)
        .order_by_asc(authenticators::Column::Id)
        .all(&repo.db)
        .await?
        .iter()
        .filter_map(credential_of)
        .collect::<Vec<_>>();
    if passkeys.is_empty() {
        return Err(Error::NotFound);
    }
    let (options, state) = webauthn
        .start_passkey_authentication(&passkeys)
        .map_err(|_| Error::Internal)?;
    let state = serde_json::to_string(&state).map_err(|_| Error::Internal)?;
    let stored = login_challenges::Entity::update_many()
        .col_expr(login_challenges::Column::Ceremony, Expr::value(Some(state)))
        .filter(login_challenges::Column::Id.eq(challenge.id))
        .filter(login_challenges::Column::UserId.eq(user))
        .filter(login_challenges::Column::UsedAt.is_null())
        .exec(&repo.db)
        .await?;
    if stored.rows_affected != 1 {
        return Err(Error::InvalidToken);
    }
    Ok(options)
}

/// A passkey as the second step of a login: whether `credential` answers the authentication
/// [`start_second_factor`] stored in `challenge` (read it again after starting: pass the row as
/// stored now), with a confirmed passkey the user still has, and a counter that moved on. On
/// `true` the passkey's counter and `last_used_at` are updated.
///
/// It does not spend `challenge`: the caller claims it (its `used_at`) and records the login.
///
/// # Errors
/// `Conflict` (not configured); `Database`.
pub(crate) async fn verify_second_factor(
    repo: &SeaOrmUserRepository,
    challenge: &login_challenges::Model,
    user: UserId,
    credential: &PublicKeyCredential,
) -> Result<bool> {
    let webauthn = repo.relying_party()?;
    if challenge.user_id != Some(user) {
        return Ok(false);
    }
    let Some(state) = challenge
        .ceremony
        .as_deref()
        .and_then(|state| serde_json::from_str::<PasskeyAuthentication>(state).ok())
    else {
        return Ok(false);
    };
    let now = repo.now();
    let txn = begin_write(&repo.db).await?;
    let query = passkeys_of(challenge.tenant_id, user).filter(
        authenticators::Column::CredentialIdHash
            .eq(credential_hash(credential.get_credential_id())),
    );
    let Some(row) = locked(&txn, query).unique(&txn).await? else {
        return Ok(false);
    };
    let Some(mut passkey) = credential_of(&row) else {
        return Ok(false);
    };
    let Ok(result) = webauthn.finish_passkey_authentication(credential, &state) else {
        return Ok(false);
    };
    if result.cred_id() != passkey.cred_id() {
        return Ok(false);
    }
    // The state holds the passkeys as they were when the step began; the counter must also
    // have moved past the one stored now (a use in between, or a cloned authenticator).
    let stored = stored_counter(&passkey).unwrap_or(0);
    if (u64::from(result.counter()) > 0 || stored > 0) && u64::from(result.counter()) <= stored {
        return Ok(false);
    }
    passkey.update_credential(&result);
    save_use(&txn, row, &passkey, now).await?;
    txn.commit().await?;
    Ok(true)
}

#[async_trait]
impl Passkeys for SeaOrmUserRepository {
    async fn start_passkey_registration(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> Result<PasskeyChallenge<CreationChallengeResponse>> {
        self.detached(move |repo| async move { start_registration(&repo, tenant, user).await })
            .await
    }

    async fn finish_passkey_registration(
        &self,
        tenant: TenantId,
        user: UserId,
        token: &str,
        credential: &RegisterPublicKeyCredential,
        name: &str,
    ) -> Result<PasskeyView> {
        let (token, credential, name) = (token.to_owned(), credential.clone(), name.to_owned());
        self.detached(move |repo| async move {
            finish_registration(&repo, tenant, user, &token, &credential, &name).await
        })
        .await
    }

    async fn passkeys(&self, tenant: TenantId, user: UserId) -> Result<Vec<PasskeyView>> {
        self.detached(move |repo| async move { list(&repo, tenant, user).await })
            .await
    }

    async fn rename_passkey(
        &self,
        tenant: TenantId,
        user: UserId,
        id: i64,
        name: &str,
        actor: Actor,
    ) -> Result<PasskeyView> {
        let name = name.to_owned();
        self.detached(
            move |repo| async move { rename(&repo, tenant, user, id, &name, actor).await },
        )
        .await
    }

    async fn remove_passkey(
        &self,
        tenant: TenantId,
        user: UserId,
        id: i64,
        actor: Actor,
    ) -> Result<()> {
        self.detached(move |repo| async move { remove(&repo, tenant, user, id, actor).await })
            .await
    }

    async fn start_passkey_sign_in(
        &self,
        tenant: TenantId,
        context: LoginContext,
    ) -> Result<PasskeyChallenge<RequestChallengeResponse>> {
        self.detached(move |repo| async move { start_sign_in(&repo, tenant, context).await })
            .await
    }

    async fn start_passkey_second_factor(
        &self,
        tenant: TenantId,
        challenge: &str,
        context: LoginContext,
    ) -> Result<RequestChallengeResponse> {
        let challenge = challenge.to_owned();
        self.detached(move |repo| async move {
            start_second_step(&repo, tenant, &challenge, &context).await
        })
        .await
    }

    async fn finish_passkey_sign_in(
        &self,
        tenant: TenantId,
        token: &str,
        credential: &PublicKeyCredential,
        context: LoginContext,
    ) -> Result<AuthenticatedUser> {
        let (token, credential) = (token.to_owned(), credential.clone());
        self.detached(move |repo| async move {
            finish_sign_in(&repo, tenant, &token, &credential, context).await
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    //! The second step of a login with a passkey, on every backend: the challenge row is made
    //! here by hand, as the two-step login makes it.
    use super::*;
    use crate::api::{Tenants, Users};
    use crate::config::Config;
    use crate::inputs::{NewTenant, NewUser};
    use tenantry_testkit::TestDb;
    use webauthn_authenticator_rs::WebauthnAuthenticator;
    use webauthn_authenticator_rs::softpasskey::SoftPasskey;
    use webauthn_rs::prelude::Url;

    const ORIGIN: &str = "https://login.example.com";

    struct Setup {
        _db: TestDb,
        repo: SeaOrmUserRepository,
        tenant: TenantId,
        alice: UserId,
        bob: UserId,
        device: SoftPasskey,
    }

    async fn setup() -> Setup {
        let db = TestDb::migrated().await;
        let repo = SeaOrmUserRepository::new(db.conn().clone(), Config::insecure_fast_for_tests())
            .unwrap()
            .with_passkeys(PasskeyConfig {
                rp_id: "example.com".into(),
                rp_name: "Example".into(),
                origin: ORIGIN.into(),
            })
            .unwrap();
        let tenant = repo
            .create_tenant(
                NewTenant {
                    slug: "acme".into(),
                    name: "Acme".into(),
                },
                None,
            )
            .await
            .unwrap()
            .id;
        let user = |name: &str| NewUser {
            username: name.into(),
            display_name: name.into(),
            ..Default::default()
        };
        let alice = repo
            .create_user(tenant, user("alice"), None)
            .await
            .unwrap()
            .id;
        let bob = repo
            .create_user(tenant, user("bob"), None)
            .await
            .unwrap()
            .id;
        let mut device = SoftPasskey::new(true);
        let challenge = repo
            .start_passkey_registration(tenant, alice)
            .await
            .unwrap();
        let origin = Url::parse(ORIGIN).unwrap();
        let credential = device.do_registration(origin, challenge.options).unwrap();
        repo.finish_passkey_registration(
            tenant,
            alice,
            challenge.token.expose(),
            &credential,
            "Key",
        )
        .await
        .unwrap();
        Setup {
            _db: db,
            repo,
            tenant,
            alice,
            bob,
            device,
        }
    }

    /// A second-step challenge row for `user`, as the two-step login issues it.
    async fn challenge_row(setup: &Setup, user: UserId) -> login_challenges::Model {
        let now = setup.repo.now();
        let (_, digest) = token_codec::generate();
        login_challenges::ActiveModel {
            tenant_id: Set(setup.tenant),
            user_id: Set(Some(user)),
            token_hash: Set(digest.into_string()),
            purpose: Set(login_challenges::SECOND_FACTOR.into()),
            source: Set("web".into()),
            ip: Set(None),
            ceremony: Set(None),
            expires_at: Set(now + chrono::Duration::minutes(5)),
            used_at: Set(None),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(setup.repo.connection())
        .await
        .unwrap()
    }

    async fn reread(setup: &Setup, row: &login_challenges::Model) -> login_challenges::Model {
        login_challenges::Entity::find_by_id(row.id)
            .one(setup.repo.connection())
            .await
            .unwrap()
            .unwrap()
    }

    /// Starts the step on `row` and answers it with the device.
    async fn answered(setup: &mut Setup, row: &login_challenges::Model) -> PublicKeyCredential {
        let options = start_second_factor(&setup.repo, row, setup.alice)
            .await
            .unwrap();
        assert_eq!(options.public_key.allow_credentials.len(), 1);
        let origin = Url::parse(ORIGIN).unwrap();
        setup.device.do_authentication(origin, options).unwrap()
    }

    async fn alices_passkey(setup: &Setup) -> authenticators::Model {
        passkeys_of(setup.tenant, setup.alice)
            .one(setup.repo.connection())
            .await
            .unwrap()
            .unwrap()
    }

    #[tokio::test]
    async fn a_passkey_passes_the_second_step_once() {
        let mut setup = setup().await;
        let row = challenge_row(&setup, setup.alice).await;
        let credential = answered(&mut setup, &row).await;
        let row = reread(&setup, &row).await;
        assert!(row.ceremony.is_some());
        let before = alices_passkey(&setup).await;
        assert!(
            verify_second_factor(&setup.repo, &row, setup.alice, &credential)
                .await
                .unwrap()
        );
        let after = alices_passkey(&setup).await;
        assert!(after.last_used_at.is_some());
        assert_ne!(after.passkey, before.passkey, "the counter is stored");
        // The same answer again: its counter did not move past the stored one.
        assert!(
            !verify_second_factor(&setup.repo, &row, setup.alice, &credential)
                .await
                .unwrap()
        );
        // Nor is it bob's, nor an answer to a challenge without a ceremony.
        assert!(
            !verify_second_factor(&setup.repo, &row, setup.bob, &credential)
                .await
                .unwrap()
        );
        let bare = challenge_row(&setup, setup.alice).await;
        assert!(
            !verify_second_factor(&setup.repo, &bare, setup.alice, &credential)
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn an_answer_to_another_challenge_or_with_a_removed_passkey_fails() {
        let mut setup = setup().await;
        let first = challenge_row(&setup, setup.alice).await;
        let second = challenge_row(&setup, setup.alice).await;
        let credential = answered(&mut setup, &first).await;
        let _ = answered(&mut setup, &second).await;
        let second = reread(&setup, &second).await;
        assert!(
            !verify_second_factor(&setup.repo, &second, setup.alice, &credential)
                .await
                .unwrap()
        );

        let third = challenge_row(&setup, setup.alice).await;
        let credential = answered(&mut setup, &third).await;
        let third = reread(&setup, &third).await;
        let passkey = alices_passkey(&setup).await;
        setup
            .repo
            .remove_passkey(setup.tenant, setup.alice, passkey.id, None)
            .await
            .unwrap();
        assert!(
            !verify_second_factor(&setup.repo, &third, setup.alice, &credential)
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn the_step_needs_a_passkey_and_a_challenge_of_the_user() {
        let setup = setup().await;
        let bobs = challenge_row(&setup, setup.bob).await;
        assert!(matches!(
            start_second_factor(&setup.repo, &bobs, setup.bob).await,
            Err(Error::NotFound)
        ));
        assert!(matches!(
            start_second_factor(&setup.repo, &bobs, setup.alice).await,
            Err(Error::InvalidToken)
        ));
        // A challenge used meanwhile gets no ceremony.
        let used = challenge_row(&setup, setup.alice).await;
        login_challenges::Entity::update_many()
            .col_expr(
                login_challenges::Column::UsedAt,
                Expr::value(Some(setup.repo.now())),
            )
            .filter(login_challenges::Column::Id.eq(used.id))
            .exec(setup.repo.connection())
            .await
            .unwrap();
        assert!(matches!(
            start_second_factor(&setup.repo, &used, setup.alice).await,
            Err(Error::InvalidToken)
        ));
    }
}
