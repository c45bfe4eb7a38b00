//! One-time credential tokens: password resets, email verification (and the invitation token,
//! used by `invitations.rs`). Issued raw exactly once, stored only as SHA-256, expiring,
//! redeemed at most once by one atomic update, bound to user, tenant and purpose.

use super::SeaOrmUserRepository;
use super::audit::{self, AuditAction, AuditEvent};
use super::change::commit_user_change;
use super::reads::{live, view_of};
use super::tx::{begin_change, begin_user_change, lock_live_user};
use super::unique::Unique;
use crate::api::{TokenDelivery, TokenSender};
use crate::error::{Error, Result};
use crate::inputs::Actor;
use crate::token_codec::{self, TokenDigest};
use crate::views::{IssuedToken, UserView};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, IntoActiveModel, QueryFilter,
};
use serde_json::json;
use std::time::Duration;
use tenantry_entity::{
    TenantId, TenantStatus, TokenPurpose, UserId, UserStatus, credential_tokens, tenants, users,
};

/// Deletes the user's unredeemed tokens (of one purpose, or all): a newer token, a password
/// change or a deactivation voids them.
pub(crate) async fn void(
    txn: &impl ConnectionTrait,
    user: UserId,
    purpose: Option<TokenPurpose>,
) -> Result<()> {
    let mut delete = credential_tokens::Entity::delete_many()
        .filter(credential_tokens::Column::UserId.eq(user))
        .filter(credential_tokens::Column::UsedAt.is_null());
    if let Some(purpose) = purpose {
        delete = delete.filter(credential_tokens::Column::Purpose.eq(purpose));
    }
    delete.exec(txn).await?;
    Ok(())
}

/// Issues a token of `purpose` for `user` on `txn`, voiding the user's older ones of the same
/// purpose. The raw token exists only in the returned value.
pub(crate) async fn issue(
    txn: &DatabaseTransaction,
    user: &users::Model,
    purpose: TokenPurpose,
    ttl: Duration,
    created_by: Actor,
    now: DateTime<Utc>,
) -> Result<IssuedToken> {
    void(txn, user.id, Some(purpose)).await?;
    let (token, digest) = token_codec::generate();
    let ttl = chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::MAX);
    let expires_at = now
        .checked_add_signed(ttl)
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    credential_tokens::ActiveModel {
        tenant_id: Set(user.tenant_id),
        user_id: Set(user.id),
        purpose: Set(purpose),
        token_hash: Set(digest.into_string()),
        expires_at: Set(expires_at),
        used_at: Set(None),
        created_by: Set(created_by),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(IssuedToken {
        token,
        user_id: user.id,
        purpose,
        expires_at,
    })
}

/// The digest of a raw token, or `InvalidToken` for anything not shaped like one (checked
/// before any hashing or database work).
pub(crate) fn digest(raw: &str) -> Result<TokenDigest> {
    token_codec::digest_of(raw).map_err(|_| Error::InvalidToken)
}

/// A token that can still be redeemed: right purpose, unused, unexpired, of `tenant` when
/// given. Read-only: callers do slow work (hashing) before [`consume`].
pub(crate) async fn find_redeemable(
    db: &impl ConnectionTrait,
    digest: &TokenDigest,
    purpose: TokenPurpose,
    tenant: Option<TenantId>,
    now: DateTime<Utc>,
) -> Result<credential_tokens::Model> {
    let mut query = credential_tokens::Entity::find()
        .filter(credential_tokens::Column::TokenHash.eq(digest.as_str()))
        .filter(credential_tokens::Column::Purpose.eq(purpose))
        .filter(credential_tokens::Column::UsedAt.is_null())
        .filter(credential_tokens::Column::ExpiresAt.gt(now));
    if let Some(tenant) = tenant {
        query = query.filter(credential_tokens::Column::TenantId.eq(tenant));
    }
    query.one(db).await?.ok_or(Error::InvalidToken)
}

/// Redeems the token: one atomic `UPDATE … WHERE used_at IS NULL AND expires_at > now`. Of
/// any number of concurrent redemptions exactly one affects the row; the others get
/// `InvalidToken`.
pub(crate) async fn consume(
    txn: &DatabaseTransaction,
    token: &credential_tokens::Model,
    now: DateTime<Utc>,
) -> Result<()> {
    let result = credential_tokens::Entity::update_many()
        .col_expr(credential_tokens::Column::UsedAt, Expr::value(now))
        .filter(credential_tokens::Column::Id.eq(token.id))
        .filter(credential_tokens::Column::UsedAt.is_null())
        .filter(credential_tokens::Column::ExpiresAt.gt(now))
        .exec(txn)
        .await?;
    if result.rows_affected == 1 {
        Ok(())
    } else {
        Err(Error::InvalidToken)
    }
}

/// The live user a token acts on, or `InvalidToken`.
pub(crate) async fn token_user(
    db: &impl ConnectionTrait,
    token: &credential_tokens::Model,
) -> Result<users::Model> {
    live(token.tenant_id)
        .filter(users::Column::Id.eq(token.user_id))
        .unique(db)
        .await?
        .ok_or(Error::InvalidToken)
}

/// The tenant's slug, or `InvalidToken` when the tenant is suspended or gone.
pub(crate) async fn active_tenant_slug(
    db: &impl ConnectionTrait,
    tenant: TenantId,
) -> Result<String> {
    match tenants::Entity::find_by_id(tenant).unique(db).await? {
        Some(t) if t.status == TenantStatus::Active => Ok(t.slug),
        _ => Err(Error::InvalidToken),
    }
}

/// Records an issued token (its purpose and expiry, never the token).
async fn record_issued(
    txn: &DatabaseTransaction,
    issued: &IssuedToken,
    tenant: TenantId,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<()> {
    audit::record(
        txn,
        AuditEvent::about(tenant, actor, AuditAction::TokenIssued, issued.user_id, now)
            .with(json!({ "purpose": issued.purpose, "expires_at": issued.expires_at })),
    )
    .await
}

pub(crate) async fn issue_password_reset(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user_id: UserId,
    ttl: Option<Duration>,
    actor: Actor,
) -> Result<IssuedToken> {
    let (txn, now, user) = begin_user_change(repo, tenant, user_id).await?;
    if user.status != UserStatus::Active {
        return Err(Error::Conflict(
            "only an active user can reset its password",
        ));
    }
    let ttl = ttl.unwrap_or(repo.config.tokens.password_reset_ttl);
    let issued = issue(&txn, &user, TokenPurpose::PasswordReset, ttl, actor, now).await?;
    record_issued(&txn, &issued, tenant, actor, now).await?;
    txn.commit().await?;
    Ok(issued)
}

pub(crate) async fn request_password_reset(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    email: &str,
    sender: &dyn TokenSender,
) -> Result<()> {
    if !crate::validation::could_be_stored(email) {
        return Ok(());
    }
    let key = crate::normalize::email_key(email);
    let user = live(tenant)
        .filter(users::Column::EmailKey.eq(key))
        .filter(users::Column::Status.eq(UserStatus::Active))
        .one(&repo.db)
        .await?;
    let Some(user) = user else {
        return Ok(());
    };
    let Some(address) = user.email.clone() else {
        return Ok(());
    };
    if active_tenant_slug(&repo.db, tenant).await.is_err() {
        return Ok(());
    }
    let (txn, now) = begin_change(repo).await?;
    let ttl = repo.config.tokens.password_reset_ttl;
    let issued = issue(&txn, &user, TokenPurpose::PasswordReset, ttl, None, now).await?;
    record_issued(&txn, &issued, tenant, None, now).await?;
    let view = view_of(&txn, user).await?;
    txn.commit().await?;
    sender
        .send(TokenDelivery {
            user: view,
            email: address,
            token: issued,
        })
        .await;
    Ok(())
}

pub(crate) async fn issue_email_verification(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user_id: UserId,
    actor: Actor,
) -> Result<IssuedToken> {
    let (txn, now, user) = begin_user_change(repo, tenant, user_id).await?;
    if user.email.is_none() {
        return Err(Error::Conflict("the user has no email address to verify"));
    }
    let ttl = repo.config.tokens.email_verification_ttl;
    let issued = issue(
        &txn,
        &user,
        TokenPurpose::EmailVerification,
        ttl,
        actor,
        now,
    )
    .await?;
    record_issued(&txn, &issued, tenant, actor, now).await?;
    txn.commit().await?;
    Ok(issued)
}

pub(crate) async fn verify_email(
    repo: &SeaOrmUserRepository,
    tenant: Option<TenantId>,
    raw: &str,
) -> Result<UserView> {
    let digest = digest(raw)?;
    let (txn, now) = begin_change(repo).await?;
    let token =
        find_redeemable(&txn, &digest, TokenPurpose::EmailVerification, tenant, now).await?;
    consume(&txn, &token, now).await?;
    let user = lock_live_user(&txn, token.tenant_id, token.user_id)
        .await
        .map_err(|_| Error::InvalidToken)?;
    let user_id = user.id;
    let mut active = user.into_active_model();
    active.email_verified_at = Set(Some(now));
    active.updated_at = Set(now);
    commit_user_change(
        txn,
        active,
        AuditEvent::about(
            token.tenant_id,
            Some(user_id),
            AuditAction::EmailVerified,
            user_id,
            now,
        ),
    )
    .await
}
