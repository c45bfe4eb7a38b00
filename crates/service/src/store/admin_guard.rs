//! The last-admin guard: a change may not leave a tenant without an admin who can sign in.

use super::reads::live;
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, DatabaseTransaction, PaginatorTrait, QueryFilter, Select};
use tenantry_entity::{TenantId, UserRole, UserStatus, users};

/// Whether `at` is past an expiry: an account expires at its `expires_at`, not after it (the
/// same comparison login makes).
pub(crate) fn is_expired(expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    expires_at.is_some_and(|at| at <= now)
}

/// The tenant's admins who could sign in at `now`: active, not deleted, not expired. A locked
/// admin still counts: a lock ends by itself (or by an unlock or a password reset), whereas
/// an expired or suspended account needs another admin to come back.
pub(crate) fn signing_in_admins(tenant: TenantId, now: DateTime<Utc>) -> Select<users::Entity> {
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
pub(crate) fn is_signing_in_admin(user: &users::Model, now: DateTime<Utc>) -> bool {
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
    now: DateTime<Utc>,
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
