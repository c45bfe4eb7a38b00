//! Changing passwords: by the user (knowing the current one) or by an administrator.

use super::SeaOrmUserRepository;
use super::audit::{AuditAction, AuditEvent};
use super::change;
use super::one_time_tokens::{
    active_tenant_slug, consume, digest, find_redeemable, token_user, void,
};
use super::reads::live;
use super::stamp::new_security_stamp;
use super::tx::{begin_user_change, begin_write, lock_live_user};
use crate::api::{Credentials, TokenSender};
use crate::error::{Error, Result};
use crate::hashing::Verification;
use crate::inputs::Actor;
use crate::password_policy::{Password, PolicyContext};
use crate::validation::Validator;
use crate::views::{IssuedToken, UserView};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::DatabaseTransaction;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
};
use std::sync::Arc;
use std::time::Duration;
use tenantry_entity::SecretHash;
use tenantry_entity::{TenantId, TokenPurpose, UserId, UserStatus, tenants, users};

/// Who is changing the password, and how it proved it may.
enum Authority<'a> {
    /// The user itself, with its current password.
    Owner { current: &'a Password },
    /// An administrator.
    Admin { actor: Actor },
}

async fn change(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user_id: UserId,
    new_password: &Password,
    authority: Authority<'_>,
) -> Result<()> {
    let user = live(tenant)
        .filter(users::Column::Id.eq(user_id))
        .one(&repo.db)
        .await?
        .ok_or(Error::NotFound)?;
    let (actor, action) = match authority {
        Authority::Owner { current } => {
            let verified = repo
                .hasher
                .verify(current, user.password_hash.as_ref())
                .await?;
            if verified == Verification::Mismatch {
                return Err(Error::InvalidCredentials);
            }
            (Some(user_id), AuditAction::PasswordChanged)
        }
        Authority::Admin { actor } => (actor, AuditAction::PasswordSet),
    };
    let slug = tenants::Entity::find_by_id(tenant)
        .one(&repo.db)
        .await?
        .ok_or(Error::NotFound)?
        .slug;
    let hash = checked_hash(repo, new_password, &user, &slug).await?;

    let (txn, now, user) = begin_user_change(repo, tenant, user_id).await?;
    store_password(&txn, user, hash, now).await?;
    change::commit_event(txn, AuditEvent::about(tenant, actor, action, user_id, now)).await?;
    Ok(())
}

pub(crate) async fn change_password(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user: UserId,
    current: &Password,
    new_password: &Password,
) -> Result<()> {
    change(
        repo,
        tenant,
        user,
        new_password,
        Authority::Owner { current },
    )
    .await
}

pub(crate) async fn set_password(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user: UserId,
    new_password: &Password,
    actor: Actor,
) -> Result<()> {
    change(repo, tenant, user, new_password, Authority::Admin { actor }).await
}

#[async_trait]
impl Credentials for SeaOrmUserRepository {
    async fn change_password(
        &self,
        tenant: TenantId,
        user: UserId,
        current: &Password,
        new_password: &Password,
    ) -> Result<()> {
        let current = current.clone();
        let new_password = new_password.clone();
        self.detached(move |repo| async move {
            change_password(&repo, tenant, user, &current, &new_password).await
        })
        .await
    }

    async fn set_password(
        &self,
        tenant: TenantId,
        user: UserId,
        new_password: &Password,
        actor: Actor,
    ) -> Result<()> {
        let new_password = new_password.clone();
        self.detached(move |repo| async move {
            set_password(&repo, tenant, user, &new_password, actor).await
        })
        .await
    }

    async fn issue_password_reset(
        &self,
        tenant: TenantId,
        user: UserId,
        ttl: Option<Duration>,
        actor: Actor,
    ) -> Result<IssuedToken> {
        self.detached(move |repo| async move {
            super::one_time_tokens::issue_password_reset(&repo, tenant, user, ttl, actor).await
        })
        .await
    }

    async fn request_password_reset(
        &self,
        tenant: TenantId,
        email: &str,
        sender: &dyn TokenSender,
    ) -> Result<()> {
        // The sender is borrowed, so it cannot go into the call's task: the task holds the token
        // (issued and committed) and the sender gets it here. A caller dropped in between
        // leaves an unsent token, voided by the next request.
        let email = email.to_owned();
        let held = Arc::new(super::detach::HeldDelivery::default());
        let holder = Arc::clone(&held);
        let result = self
            .detached(move |repo| async move {
                super::one_time_tokens::request_password_reset(&repo, tenant, &email, &*holder)
                    .await
            })
            .await;
        held.deliver(sender).await;
        result
    }

    async fn redeem_password_reset(
        &self,
        tenant: Option<TenantId>,
        token: &str,
        new_password: &Password,
    ) -> Result<UserView> {
        let token = token.to_owned();
        let new_password = new_password.clone();
        self.detached(move |repo| async move {
            redeem_password_reset(&repo, tenant, &token, &new_password).await
        })
        .await
    }

    async fn issue_email_verification(
        &self,
        tenant: TenantId,
        user: UserId,
        actor: Actor,
    ) -> Result<IssuedToken> {
        self.detached(move |repo| async move {
            super::one_time_tokens::issue_email_verification(&repo, tenant, user, actor).await
        })
        .await
    }

    async fn verify_email(&self, tenant: Option<TenantId>, token: &str) -> Result<UserView> {
        let token = token.to_owned();
        self.detached(move |repo| async move {
            super::one_time_tokens::verify_email(&repo, tenant, &token).await
        })
        .await
    }
}

/// Checks `password` against the policy for `user` (it may not be built from its names), then hashes it on the hasher's threads:
/// every path that sets a password (change, admin set, reset, invitation) goes through here.
pub(crate) async fn checked_hash(
    repo: &SeaOrmUserRepository,
    password: &Password,
    user: &users::Model,
    tenant_slug: &str,
) -> Result<SecretHash> {
    let mut validator = Validator::new();
    let context = PolicyContext {
        username: user.username.as_deref(),
        email: user.email.as_deref(),
        tenant: Some(tenant_slug),
    };
    validator.check(
        "password",
        repo.config.password_policy.check(password, &context),
    );
    validator.finish()?;
    Ok(repo.hasher.hash(password).await?)
}

/// Stores a new password hash on `txn`: rotates the security stamp, clears the lockout and
/// voids outstanding reset tokens.
pub(crate) async fn store_password(
    txn: &DatabaseTransaction,
    user: users::Model,
    hash: tenantry_entity::SecretHash,
    now: DateTime<Utc>,
) -> Result<users::Model> {
    let id = user.id;
    let mut active = user.into_active_model();
    active.password_hash = Set(Some(hash));
    active.security_stamp = Set(new_security_stamp());
    active.failed_login_count = Set(0);
    active.lock_count = Set(0);
    active.locked_until = Set(None);
    active.updated_at = Set(now);
    let user = active.update(txn).await?;
    void(txn, id, Some(TokenPurpose::PasswordReset)).await?;
    Ok(user)
}

pub(crate) async fn redeem_password_reset(
    repo: &SeaOrmUserRepository,
    tenant: Option<TenantId>,
    raw: &str,
    new_password: &Password,
) -> Result<UserView> {
    let digest = digest(raw)?;
    let now = repo.now();
    let token =
        find_redeemable(&repo.db, &digest, TokenPurpose::PasswordReset, tenant, now).await?;
    let user = token_user(&repo.db, &token).await?;
    if user.status != UserStatus::Active {
        return Err(Error::InvalidToken);
    }
    let slug = active_tenant_slug(&repo.db, token.tenant_id).await?;
    let hash = checked_hash(repo, new_password, &user, &slug).await?;

    let txn = begin_write(&repo.db).await?;
    consume(&txn, &token, now).await?;
    let user = lock_live_user(&txn, token.tenant_id, token.user_id).await?;
    let user = store_password(&txn, user, hash, now).await?;
    let event = AuditEvent::about(
        token.tenant_id,
        Some(user.id),
        AuditAction::PasswordReset,
        user.id,
        now,
    );
    change::finish(txn, user, event).await
}
