//! Changing passwords: by the user (knowing the current one) or by an administrator.

use super::SeaOrmUserRepository;
use super::audit::{AuditAction, AuditEvent};
use super::change;
use super::credentials::{check_policy, store_password};
use super::reads::live;
use super::tx::{begin_change, lock_live_user};
use crate::error::{Error, Result};
use crate::hashing::Verification;
use crate::inputs::Actor;
use crate::password_policy::Password;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use tenantry_entity::{TenantId, UserId, tenants, users};

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
    check_policy(
        repo,
        new_password,
        &user.username,
        user.email.as_deref(),
        &slug,
    )?;
    let hash = repo.hasher.hash(new_password).await?;

    let (txn, now) = begin_change(repo).await?;
    let user = lock_live_user(&txn, tenant, user_id).await?;
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
