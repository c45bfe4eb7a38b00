//! The second step of a sign-in: the challenge a right password yields when the user has a
//! second factor (or must enrol one), and its completion — only that is the login.
//!
//! A challenge is a single-use token (its SHA-256 stored) bound to the tenant, the user and
//! the login's source and address, valid for `Config::second_factors.challenge_ttl`. The step
//! takes one of the account's checks before it looks at the proof, as a password attempt does
//! (`login::start_attempt`), so wrong codes lock the account like wrong passwords, however
//! many run at once; the password step's check stays counted until a proof succeeds, so a
//! known password does not buy unlimited code guesses.

use super::SeaOrmUserRepository;
use super::audit::{self, AuditAction, AuditEvent};
use super::login_outcome::{
    Attempt, EventRow, record_failure, record_login, record_success, refusal, start_attempt,
    stored_ip,
};
use super::open_challenge::{open_challenge, owner_of};
#[cfg(feature = "passkeys")]
use super::passkeys;
use super::reads::live;
use super::second_factors::{begin_totp, confirm_pending, confirmed, policy_of};
use super::tx::begin_write;
use super::unique::Unique;
use crate::error::{Error, Result};
use crate::inputs::LoginContext;
use crate::recovery_code;
use crate::sealing;
use crate::second_factor_types::{
    FactorKind, SecondFactorPolicy, SecondFactorProof, TotpEnrolment,
};
use crate::token_codec;
use crate::totp;
use crate::views::{AuthenticatedUser, SecondStep, SignIn, UserGrants};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use tenantry_entity::{
    LoginOutcome, SecretHash, TenantId, UserId, authenticators, login_challenges, recovery_codes,
    tenants, users,
};

/// What a right password leads to for `user`: `None` (signed in), or the purpose of the
/// challenge to issue — a second factor the user has, or an enrolment the tenant's policy
/// requires of it (`roles` are the user's grants, read beside the hash).
pub(super) async fn needed(
    repo: &SeaOrmUserRepository,
    user: &users::Model,
    roles: Option<&UserGrants>,
) -> Result<Option<&'static str>> {
    if !confirmed(&repo.db, user.tenant_id, user.id)
        .await?
        .is_empty()
    {
        return Ok(Some(login_challenges::SECOND_FACTOR));
    }
    let covered = match policy_of(&repo.db, user.tenant_id).await? {
        SecondFactorPolicy::Nobody => false,
        SecondFactorPolicy::Everyone => true,
        SecondFactorPolicy::Roles(keys) => {
            let grants = match roles {
                Some(grants) => grants.clone(),
                None => repo.lookups.roles_of(&repo.db, user.id).await?,
            };
            keys.iter().any(|key| {
                grants.tenant.contains(key) || grants.plants.iter().any(|plant| plant.role == *key)
            })
        }
    };
    Ok(covered.then_some(login_challenges::ENROLMENT))
}

/// The second step a sign-in through an identity provider needs, when the tenant has not
/// declared that the provider satisfies second factors: `None` when the user needs none (or
/// may not sign in at all, which the login's recording refuses and records).
pub(super) async fn for_identity(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user: UserId,
    context: &LoginContext,
) -> Result<Option<SignIn>> {
    let now = repo.now();
    let Some(tenant_row) = tenants::Entity::find_by_id(tenant).unique(&repo.db).await? else {
        return Ok(None);
    };
    let Some(user) = live(tenant)
        .filter(users::Column::Id.eq(user))
        .unique(&repo.db)
        .await?
    else {
        return Ok(None);
    };
    if refusal(&tenant_row, &user, now).is_some() {
        return Ok(None);
    }
    let Some(purpose) = needed(repo, &user, None).await? else {
        return Ok(None);
    };
    Ok(Some(
        begin(repo, EventRow::New, user, purpose, context, None, now).await?,
    ))
}

/// The factors `user` can complete a challenge with.
async fn factors_of(db: &impl ConnectionTrait, user: &users::Model) -> Result<Vec<FactorKind>> {
    let mut kinds: Vec<FactorKind> = Vec::new();
    for row in confirmed(db, user.tenant_id, user.id).await? {
        let kind = crate::second_factor_types::AuthenticatorView::from(row).kind;
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    let codes = recovery_codes::Entity::find()
        .filter(recovery_codes::Column::TenantId.eq(user.tenant_id))
        .filter(recovery_codes::Column::UserId.eq(user.id))
        .filter(recovery_codes::Column::UsedAt.is_null())
        .count(db)
        .await?;
    if codes > 0 {
        kinds.push(FactorKind::RecoveryCode);
    }
    Ok(kinds)
}

/// Ends a right password's attempt with a challenge instead of a login: the attempt's event
/// finished as `SecondFactorRequired` or `EnrolmentRequired`, an upgraded hash stored (the
/// password was right), the challenge issued — one transaction. The failure count is left as
/// the attempt set it: only the completed step resets it. A lock set meanwhile by parallel
/// failures refuses it, as it refuses a login.
pub(super) async fn begin(
    repo: &SeaOrmUserRepository,
    event: EventRow,
    user: users::Model,
    purpose: &'static str,
    context: &LoginContext,
    rehashed: Option<SecretHash>,
    now: DateTime<Utc>,
) -> Result<SignIn> {
    let txn = begin_write(&repo.db).await?;
    let current = users::Entity::find_by_id(user.id).unique(&txn).await?;
    let locked = current
        .as_ref()
        .is_none_or(|row| row.locked_until.is_some_and(|until| until > now));
    let attempt = Attempt::of(&user, context);
    if locked {
        txn.rollback().await?;
        record_failure(repo, event, &attempt, LoginOutcome::Locked, false, now).await?;
        return Err(Error::InvalidCredentials);
    }
    if let Some(hash) = rehashed {
        users::Entity::update_many()
            .col_expr(users::Column::PasswordHash, Expr::value(hash))
            .filter(users::Column::Id.eq(user.id))
            .exec(&txn)
            .await?;
    }
    let enrolment = purpose == login_challenges::ENROLMENT;
    let outcome = if enrolment {
        LoginOutcome::EnrolmentRequired
    } else {
        LoginOutcome::SecondFactorRequired
    };
    record_login(&txn, event, &attempt, outcome, repo.now()).await?;
    let (challenge, digest) = token_codec::generate();
    let ttl = chrono::Duration::from_std(repo.config.second_factors.challenge_ttl)
        .unwrap_or(chrono::Duration::minutes(5));
    let expires_at = now.checked_add_signed(ttl).unwrap_or(now);
    login_challenges::Entity::insert(login_challenges::ActiveModel {
        tenant_id: sea_orm::ActiveValue::Set(user.tenant_id),
        user_id: sea_orm::ActiveValue::Set(Some(user.id)),
        token_hash: sea_orm::ActiveValue::Set(digest.into_string()),
        purpose: sea_orm::ActiveValue::Set(purpose.to_owned()),
        source: sea_orm::ActiveValue::Set(context.source.as_str().to_owned()),
        ip: sea_orm::ActiveValue::Set(stored_ip(context)),
        ceremony: sea_orm::ActiveValue::Set(None),
        expires_at: sea_orm::ActiveValue::Set(expires_at),
        used_at: sea_orm::ActiveValue::Set(None),
        created_at: sea_orm::ActiveValue::Set(now),
        ..Default::default()
    })
    .exec_without_returning(&txn)
    .await?;
    let factors = if enrolment {
        vec![FactorKind::Totp]
    } else {
        factors_of(&txn, &user).await?
    };
    txn.commit().await?;
    let step = SecondStep {
        challenge,
        expires_at,
        factors,
    };
    Ok(if enrolment {
        SignIn::EnrolmentRequired(step)
    } else {
        SignIn::SecondFactor(step)
    })
}

/// Checks a TOTP code against the user's confirmed TOTP authenticators and takes the step it
/// matched: one conditional `UPDATE` that only matches while the step is later than the last
/// one used, so of two submissions of one code exactly one wins. A secret sealed with a
/// rotated-out key is sealed again with the current one on the way.
async fn take_totp(
    repo: &SeaOrmUserRepository,
    user: &users::Model,
    code: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let settings = &repo.config.second_factors;
    if !totp::well_formed(code, settings.digits) {
        return Ok(false);
    }
    let now_step = totp::step_of(now.timestamp());
    for row in confirmed(&repo.db, user.tenant_id, user.id).await? {
        if row.kind != authenticators::TOTP {
            continue;
        }
        let Some(opened) = row
            .secret
            .as_ref()
            .and_then(|sealed| sealing::open(&settings.keys, row.tenant_id, row.user_id, sealed))
        else {
            continue;
        };
        let Some(step) = totp::matching_step(
            &opened.secret,
            settings.digits,
            code,
            now_step,
            row.last_used_step,
        ) else {
            continue;
        };
        let step = i64::try_from(step).unwrap_or(i64::MAX);
        let mut update = authenticators::Entity::update_many()
            .col_expr(
                authenticators::Column::LastUsedStep,
                Expr::value(Some(step)),
            )
            .col_expr(authenticators::Column::LastUsedAt, Expr::value(Some(now)))
            .filter(authenticators::Column::Id.eq(row.id))
            .filter(
                Condition::any()
                    .add(authenticators::Column::LastUsedStep.is_null())
                    .add(authenticators::Column::LastUsedStep.lt(step)),
            );
        if opened.stale {
            let resealed =
                sealing::seal(&settings.keys, row.tenant_id, row.user_id, &opened.secret)?;
            update = update.col_expr(authenticators::Column::Secret, Expr::value(Some(resealed)));
        }
        if update.exec(&repo.db).await?.rows_affected == 1 {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Uses one of the user's unused recovery codes: one conditional `UPDATE`, so a code passes
/// once however many submit it at once. A code of another user hashes differently and
/// matches nothing.
async fn take_recovery_code(
    repo: &SeaOrmUserRepository,
    user: &users::Model,
    code: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let Some(normalized) = recovery_code::normalize(code) else {
        return Ok(false);
    };
    let used = recovery_codes::Entity::update_many()
        .col_expr(recovery_codes::Column::UsedAt, Expr::value(Some(now)))
        .filter(recovery_codes::Column::CodeHash.eq(recovery_code::hash(user.id, &normalized)))
        .filter(recovery_codes::Column::TenantId.eq(user.tenant_id))
        .filter(recovery_codes::Column::UserId.eq(user.id))
        .filter(recovery_codes::Column::UsedAt.is_null())
        .exec(&repo.db)
        .await?;
    Ok(used.rows_affected == 1)
}

/// Confirms, with `code`, the TOTP authenticator the user began enrolling through an
/// enrolment challenge (audited as enrolled by the user). `false` for a wrong code or no
/// pending enrolment.
async fn take_enrolment(
    repo: &SeaOrmUserRepository,
    user: &users::Model,
    code: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let txn = begin_write(&repo.db).await?;
    let pending = authenticators::Entity::find()
        .filter(authenticators::Column::TenantId.eq(user.tenant_id))
        .filter(authenticators::Column::UserId.eq(user.id))
        .filter(authenticators::Column::Kind.eq(authenticators::TOTP))
        .filter(authenticators::Column::ConfirmedAt.is_null())
        .unique(&txn)
        .await?;
    let Some(row) = pending else {
        return Ok(false);
    };
    let id = row.id;
    match confirm_pending(repo, &txn, row, code, false, now).await {
        Ok(_) => {}
        Err(Error::InvalidCredentials | Error::NotFound) => return Ok(false),
        Err(other) => return Err(other),
    }
    let event = AuditEvent::about(
        user.tenant_id,
        Some(user.id),
        AuditAction::SecondFactorEnrolled,
        user.id,
        now,
    )
    .with(json!({ "authenticator": id, "kind": "totp", "at_sign_in": true }));
    audit::record(&txn, event).await?;
    txn.commit().await?;
    Ok(true)
}

pub(super) async fn complete(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    raw: &str,
    proof: SecondFactorProof,
    context: LoginContext,
) -> Result<AuthenticatedUser> {
    let now = repo.now();
    let purposes = [login_challenges::SECOND_FACTOR, login_challenges::ENROLMENT];
    #[cfg(feature = "passkeys")]
    if matches!(proof, SecondFactorProof::Passkey(_)) {
        // Not configured is the host's mistake, not a failed attempt of the user's.
        repo.relying_party()?;
    }
    let challenge = open_challenge(repo, tenant, raw, &context, &purposes, now).await?;
    let (tenant_row, user) = owner_of(repo, &challenge).await?;
    let attempt = Attempt::of(&user, &context);
    if let Some(outcome) = refusal(&tenant_row, &user, now) {
        record_failure(repo, EventRow::New, &attempt, outcome, false, now).await?;
        return Err(Error::InvalidCredentials);
    }
    let (checked, event) = start_attempt(repo, &attempt, None, now).await?;
    if !checked {
        record_failure(repo, event, &attempt, LoginOutcome::Locked, true, now).await?;
        return Err(Error::InvalidCredentials);
    }
    let passed = match (&proof, challenge.purpose.as_str()) {
        (SecondFactorProof::Totp(code), login_challenges::ENROLMENT) => {
            take_enrolment(repo, &user, code, now).await?
        }
        (SecondFactorProof::Totp(code), _) => take_totp(repo, &user, code, now).await?,
        (SecondFactorProof::RecoveryCode(code), login_challenges::SECOND_FACTOR) => {
            take_recovery_code(repo, &user, code, now).await?
        }
        (SecondFactorProof::RecoveryCode(_), _) => false,
        #[cfg(feature = "passkeys")]
        (SecondFactorProof::Passkey(credential), login_challenges::SECOND_FACTOR) => {
            passkeys::verify_second_factor(repo, &challenge, user.id, credential).await?
        }
        #[cfg(feature = "passkeys")]
        (SecondFactorProof::Passkey(_), _) => false,
    };
    // The challenge is used up by the first right proof; a second one racing it loses here.
    let used = passed
        && login_challenges::Entity::update_many()
            .col_expr(login_challenges::Column::UsedAt, Expr::value(Some(now)))
            .filter(login_challenges::Column::Id.eq(challenge.id))
            .filter(login_challenges::Column::UsedAt.is_null())
            .exec(&repo.db)
            .await?
            .rows_affected
            == 1;
    if !used {
        record_failure(
            repo,
            event,
            &attempt,
            LoginOutcome::WrongSecondFactor,
            true,
            now,
        )
        .await?;
        return Err(Error::InvalidCredentials);
    }
    record_success(repo, event, user, None, &context, None, now).await
}

pub(super) async fn enrol_at_sign_in(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    raw: &str,
    name: &str,
    context: LoginContext,
) -> Result<TotpEnrolment> {
    let now = repo.now();
    let purposes = [login_challenges::ENROLMENT];
    let challenge = open_challenge(repo, tenant, raw, &context, &purposes, now).await?;
    let (_, user) = owner_of(repo, &challenge).await?;
    let txn = begin_write(&repo.db).await?;
    let enrolment = begin_totp(repo, &txn, &user, name, now).await?;
    txn.commit().await?;
    Ok(enrolment)
}
