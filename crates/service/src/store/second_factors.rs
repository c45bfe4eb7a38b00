//! A user's second factors as managed outside a sign-in: TOTP enrolment and confirmation, the
//! list, removal, recovery codes, an administrator's reset and the tenant's policy. The second
//! step of a sign-in is `second_step.rs`.

use super::SeaOrmUserRepository;
use super::audit::{AuditAction, AuditEvent};
use super::change;
use super::stamp;
use super::tx::{begin_change, begin_user_change, lock_tenant};
use super::unique::Unique;
use crate::error::{Error, Result};
use crate::inputs::Actor;
use crate::recovery_code::{self, RecoveryCodes};
use crate::role_catalogue::{CatalogueError, RoleKey};
use crate::sealing;
use crate::second_factor_types::{AuthenticatorView, SecondFactorPolicy, ShownOnce, TotpEnrolment};
use crate::totp::{self, TotpSecret};
use crate::validation::{self, Validator};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder,
};
use serde_json::json;
use tenantry_entity::{
    TenantId, UserId, authenticators, login_challenges, recovery_codes, second_factor_policies,
    sessions, users,
};

/// The policy's stored `required`.
const NOBODY: &str = "nobody";
const EVERYONE: &str = "everyone";
const ROLES: &str = "roles";

/// The user's confirmed authenticators (its factors), oldest first.
pub(super) async fn confirmed(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
) -> Result<Vec<authenticators::Model>> {
    Ok(authenticators::Entity::find()
        .filter(authenticators::Column::TenantId.eq(tenant))
        .filter(authenticators::Column::UserId.eq(user))
        .filter(authenticators::Column::ConfirmedAt.is_not_null())
        .order_by_asc(authenticators::Column::Id)
        .all(db)
        .await?)
}

/// Checks an authenticator's name: 1–100 printable characters.
fn check_name(name: &str) -> Result<()> {
    let mut validator = Validator::new();
    validator.check("name", validation::name(name));
    Ok(validator.finish()?)
}

/// A new pending TOTP authenticator of `user` (the user's other pending ones dropped), and
/// what its user is shown. Shared by [`enrol_totp`] and the enrolment of a sign-in.
pub(super) async fn begin_totp(
    repo: &SeaOrmUserRepository,
    db: &impl ConnectionTrait,
    user: &users::Model,
    name: &str,
    now: DateTime<Utc>,
) -> Result<TotpEnrolment> {
    check_name(name)?;
    let settings = &repo.config.second_factors;
    let secret = TotpSecret::generate();
    if !secret.is_usable() {
        return Err(Error::SecondFactorsNotConfigured);
    }
    let sealed = sealing::seal(&settings.keys, user.tenant_id, user.id, secret.bytes())?;
    authenticators::Entity::delete_many()
        .filter(authenticators::Column::TenantId.eq(user.tenant_id))
        .filter(authenticators::Column::UserId.eq(user.id))
        .filter(authenticators::Column::Kind.eq(authenticators::TOTP))
        .filter(authenticators::Column::ConfirmedAt.is_null())
        .exec(db)
        .await?;
    let row = authenticators::ActiveModel {
        tenant_id: Set(user.tenant_id),
        user_id: Set(user.id),
        kind: Set(authenticators::TOTP.to_owned()),
        name: Set(name.to_owned()),
        secret: Set(Some(sealed)),
        last_used_step: Set(None),
        credential_id_hash: Set(None),
        passkey: Set(None),
        confirmed_at: Set(None),
        created_at: Set(now),
        last_used_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    // What the app lists the account as: the login the user types.
    let account = user
        .username
        .clone()
        .or_else(|| user.email.clone())
        .unwrap_or_default();
    Ok(TotpEnrolment {
        authenticator: row.id,
        secret: ShownOnce::new(totp::base32(secret.bytes())),
        uri: ShownOnce::new(totp::uri(
            secret.bytes(),
            settings.digits,
            &settings.issuer,
            &account,
        )),
    })
}

/// Confirms the pending TOTP `row` with `code` (the step it matched becomes its last used
/// one), and gives the user a first set of recovery codes when it has none unused. Shared by
/// [`confirm_totp`] and the enrolment of a sign-in. `InvalidCredentials` for a wrong code.
pub(super) async fn confirm_pending(
    repo: &SeaOrmUserRepository,
    db: &impl ConnectionTrait,
    row: authenticators::Model,
    code: &str,
    give_codes: bool,
    now: DateTime<Utc>,
) -> Result<Option<RecoveryCodes>> {
    let settings = &repo.config.second_factors;
    let step = row
        .secret
        .as_ref()
        .and_then(|sealed| sealing::open(&settings.keys, row.tenant_id, row.user_id, sealed))
        .and_then(|opened| {
            totp::matching_step(
                &opened.secret,
                settings.digits,
                code,
                totp::step_of(now.timestamp()),
                None,
            )
        })
        .ok_or(Error::InvalidCredentials)?;
    let confirmed = authenticators::Entity::update_many()
        .col_expr(authenticators::Column::ConfirmedAt, Expr::value(Some(now)))
        .col_expr(
            authenticators::Column::LastUsedStep,
            Expr::value(i64::try_from(step).ok()),
        )
        .filter(authenticators::Column::Id.eq(row.id))
        .filter(authenticators::Column::ConfirmedAt.is_null())
        .exec(db)
        .await?;
    if confirmed.rows_affected != 1 {
        return Err(Error::NotFound);
    }
    if !give_codes || unused_codes(db, row.tenant_id, row.user_id).await? > 0 {
        return Ok(None);
    }
    Ok(Some(
        replace_codes(repo, db, row.tenant_id, row.user_id, now).await?,
    ))
}

async fn unused_codes(db: &impl ConnectionTrait, tenant: TenantId, user: UserId) -> Result<u64> {
    Ok(recovery_codes::Entity::find()
        .filter(recovery_codes::Column::TenantId.eq(tenant))
        .filter(recovery_codes::Column::UserId.eq(user))
        .filter(recovery_codes::Column::UsedAt.is_null())
        .count(db)
        .await?)
}

/// Voids the user's recovery codes and stores a new set's hashes; returns the codes.
async fn replace_codes(
    repo: &SeaOrmUserRepository,
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<RecoveryCodes> {
    recovery_codes::Entity::delete_many()
        .filter(recovery_codes::Column::TenantId.eq(tenant))
        .filter(recovery_codes::Column::UserId.eq(user))
        .exec(db)
        .await?;
    let codes = recovery_code::generate(repo.config.second_factors.recovery_codes);
    let rows: Vec<recovery_codes::ActiveModel> = codes
        .expose()
        .iter()
        .filter_map(|code| recovery_code::normalize(code))
        .map(|normalized| recovery_codes::ActiveModel {
            tenant_id: Set(tenant),
            user_id: Set(user),
            code_hash: Set(recovery_code::hash(user, &normalized)),
            used_at: Set(None),
            created_at: Set(now),
            ..Default::default()
        })
        .collect();
    if !rows.is_empty() {
        recovery_codes::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    Ok(codes)
}

pub(super) async fn enrol_totp(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user: UserId,
    name: &str,
) -> Result<TotpEnrolment> {
    let (txn, now, user) = begin_user_change(repo, tenant, user).await?;
    let enrolment = begin_totp(repo, &txn, &user, name, now).await?;
    txn.commit().await?;
    Ok(enrolment)
}

pub(super) async fn confirm_totp(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user: UserId,
    authenticator: i64,
    code: &str,
    actor: Actor,
) -> Result<Option<RecoveryCodes>> {
    let (txn, now, user) = begin_user_change(repo, tenant, user).await?;
    let row = authenticators::Entity::find_by_id(authenticator)
        .filter(authenticators::Column::TenantId.eq(tenant))
        .filter(authenticators::Column::UserId.eq(user.id))
        .filter(authenticators::Column::Kind.eq(authenticators::TOTP))
        .filter(authenticators::Column::ConfirmedAt.is_null())
        .unique(&txn)
        .await?
        .ok_or(Error::NotFound)?;
    let name = row.name.clone();
    let codes = confirm_pending(repo, &txn, row, code, true, now).await?;
    let event = AuditEvent::about(
        tenant,
        actor,
        AuditAction::SecondFactorEnrolled,
        user.id,
        now,
    )
    .with(json!({ "authenticator": authenticator, "kind": "totp", "name": name }));
    change::commit_event(txn, event).await?;
    Ok(codes)
}

pub(super) async fn list(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user: UserId,
) -> Result<Vec<AuthenticatorView>> {
    Ok(authenticators::Entity::find()
        .filter(authenticators::Column::TenantId.eq(tenant))
        .filter(authenticators::Column::UserId.eq(user))
        .order_by_asc(authenticators::Column::Id)
        .all(&repo.db)
        .await?
        .into_iter()
        .map(AuthenticatorView::from)
        .collect())
}

pub(super) async fn remove(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user: UserId,
    authenticator: i64,
    actor: Actor,
) -> Result<()> {
    let (txn, now, user) = begin_user_change(repo, tenant, user).await?;
    let removed = authenticators::Entity::delete_many()
        .filter(authenticators::Column::Id.eq(authenticator))
        .filter(authenticators::Column::TenantId.eq(tenant))
        .filter(authenticators::Column::UserId.eq(user.id))
        .exec(&txn)
        .await?;
    if removed.rows_affected != 1 {
        return Err(Error::NotFound);
    }
    // Recovery codes recover a second factor: without one they would be a password of their own.
    if confirmed(&txn, tenant, user.id).await?.is_empty() {
        recovery_codes::Entity::delete_many()
            .filter(recovery_codes::Column::TenantId.eq(tenant))
            .filter(recovery_codes::Column::UserId.eq(user.id))
            .exec(&txn)
            .await?;
    }
    let event = AuditEvent::about(
        tenant,
        actor,
        AuditAction::SecondFactorRemoved,
        user.id,
        now,
    )
    .with(json!({ "authenticator": authenticator }));
    change::commit_event(txn, event).await
}

pub(super) async fn regenerate_codes(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user: UserId,
    actor: Actor,
) -> Result<RecoveryCodes> {
    let (txn, now, user) = begin_user_change(repo, tenant, user).await?;
    if confirmed(&txn, tenant, user.id).await?.is_empty() {
        return Err(Error::Conflict("the user has no second factor"));
    }
    let codes = replace_codes(repo, &txn, tenant, user.id, now).await?;
    let event = AuditEvent::about(
        tenant,
        actor,
        AuditAction::RecoveryCodesGenerated,
        user.id,
        now,
    )
    .with(json!({ "count": codes.expose().len() }));
    change::commit_event(txn, event).await?;
    Ok(codes)
}

pub(super) async fn codes_left(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user: UserId,
) -> Result<u64> {
    unused_codes(&repo.db, tenant, user).await
}

pub(super) async fn reset(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user: UserId,
    actor: Actor,
) -> Result<()> {
    let (txn, now, user) = begin_user_change(repo, tenant, user).await?;
    let factors = authenticators::Entity::delete_many()
        .filter(authenticators::Column::TenantId.eq(tenant))
        .filter(authenticators::Column::UserId.eq(user.id))
        .exec(&txn)
        .await?
        .rows_affected;
    recovery_codes::Entity::delete_many()
        .filter(recovery_codes::Column::TenantId.eq(tenant))
        .filter(recovery_codes::Column::UserId.eq(user.id))
        .exec(&txn)
        .await?;
    login_challenges::Entity::delete_many()
        .filter(login_challenges::Column::TenantId.eq(tenant))
        .filter(login_challenges::Column::UserId.eq(user.id))
        .exec(&txn)
        .await?;
    // Every session ends: the stamp they were made with no longer matches, and the store's rows
    // are marked revoked so "my sessions" shows none.
    let sessions_ended = sessions::Entity::update_many()
        .col_expr(sessions::Column::RevokedAt, Expr::value(Some(now)))
        .filter(sessions::Column::TenantId.eq(tenant))
        .filter(sessions::Column::UserId.eq(user.id))
        .filter(super::sessions::live(now))
        .exec(&txn)
        .await?
        .rows_affected;
    let user_id = user.id;
    let mut change = user.into_active_model();
    stamp::rotate(&mut change, now);
    change.update(&txn).await?;
    let event = AuditEvent::about(tenant, actor, AuditAction::SecondFactorsReset, user_id, now)
        .with(json!({ "authenticators": factors, "sessions": sessions_ended }));
    change::commit_event(txn, event).await
}

/// The tenant's stored policy.
pub(super) async fn policy_of(
    db: &impl ConnectionTrait,
    tenant: TenantId,
) -> Result<SecondFactorPolicy> {
    let row = second_factor_policies::Entity::find_by_id(tenant)
        .unique(db)
        .await?;
    Ok(match row {
        None => SecondFactorPolicy::Nobody,
        Some(row) => match row.required.as_str() {
            EVERYONE => SecondFactorPolicy::Everyone,
            ROLES => SecondFactorPolicy::Roles(
                row.roles
                    .split_whitespace()
                    .filter_map(|key| RoleKey::new(key).ok())
                    .collect(),
            ),
            _ => SecondFactorPolicy::Nobody,
        },
    })
}

pub(super) async fn set_policy(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    policy: SecondFactorPolicy,
    actor: Actor,
) -> Result<SecondFactorPolicy> {
    let (required, roles) = match &policy {
        SecondFactorPolicy::Nobody => (NOBODY, String::new()),
        SecondFactorPolicy::Everyone => (EVERYONE, String::new()),
        SecondFactorPolicy::Roles(keys) => {
            for key in keys {
                if repo.config.roles.get(key.as_str()).is_none() {
                    return Err(Error::RoleRefused(CatalogueError::UnknownRole {
                        key: key.as_str().to_owned(),
                    }));
                }
            }
            let joined: Vec<&str> = keys.iter().map(RoleKey::as_str).collect();
            (ROLES, joined.join(" "))
        }
    };
    let (txn, now) = begin_change(repo).await?;
    lock_tenant(&txn, tenant).await?;
    let existing = second_factor_policies::Entity::find_by_id(tenant)
        .unique(&txn)
        .await?;
    let row = second_factor_policies::ActiveModel {
        tenant_id: Set(tenant),
        required: Set(required.to_owned()),
        roles: Set(roles.clone()),
        updated_at: Set(now),
    };
    if existing.is_some() {
        row.update(&txn).await?;
    } else {
        row.insert(&txn).await?;
    }
    let event = AuditEvent {
        tenant,
        actor,
        action: AuditAction::SecondFactorPolicySet,
        target: None,
        details: json!({ "required": required, "roles": roles }),
        at: now,
    };
    change::commit_event(txn, event).await?;
    policy_of(&repo.db, tenant).await
}
