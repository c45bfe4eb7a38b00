//! The last-admin guard: a change may not leave a tenant without a user who administers users
//! and can sign in.
//!
//! "Administers users" is the catalogue's word for it: a role that administers users, or one
//! that implies such a role, granted tenant-wide (a plant's administrator does not count: it
//! cannot reach the rest of the tenant).

use super::listing::{RoleCheck, RoleWhere, role_condition};
use super::reads::live;
use crate::error::{Error, Result};
use crate::role_catalogue::RoleCatalogue;
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait,
    QueryFilter, QuerySelect, Select,
};
use tenantry_entity::{TenantId, UserId, UserStatus, user_tenant_roles, users};

/// Whether `at` is past an expiry: an account expires at its `expires_at`, not after it (the
/// same comparison login makes).
pub(crate) fn is_expired(expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    expires_at.is_some_and(|at| at <= now)
}

/// The keys of the roles that administer users, directly or through what they imply.
pub(crate) fn administering(catalogue: &RoleCatalogue) -> Vec<String> {
    catalogue
        .roles()
        .iter()
        .filter(|role| catalogue.administers_users(role.key()))
        .map(|role| role.key().to_string())
        .collect()
}

/// The tenant's users who administer users and could sign in at `now`: active, not deleted,
/// not expired, holding an administering role tenant-wide. A locked admin still counts: a
/// lock ends by itself (or by an unlock or a password reset), whereas an expired or suspended
/// account needs another admin to come back.
pub(crate) fn signing_in_admins(
    tenant: TenantId,
    catalogue: &RoleCatalogue,
    now: DateTime<Utc>,
) -> Select<users::Entity> {
    let administering = role_condition(
        RoleWhere::TenantWide,
        Some(administering(catalogue)),
        RoleCheck::Planned,
    );
    could_sign_in(live(tenant), now).filter(administering)
}

fn could_sign_in(query: Select<users::Entity>, now: DateTime<Utc>) -> Select<users::Entity> {
    query
        .filter(users::Column::Status.eq(UserStatus::Active))
        .filter(
            Condition::any()
                .add(users::Column::ExpiresAt.is_null())
                .add(users::Column::ExpiresAt.gt(now)),
        )
}

/// Whether the user could sign in at `now` (what `LastAdmin` protects, with an administering
/// role).
pub(crate) fn could_sign_in_now(user: &users::Model, now: DateTime<Utc>) -> bool {
    user.status == UserStatus::Active
        && user.deleted_at.is_none()
        && !is_expired(user.expires_at, now)
}

/// Whether any of `tenant_roles` administers users.
pub(crate) fn administers<'a>(
    catalogue: &RoleCatalogue,
    tenant_roles: impl IntoIterator<Item = &'a str>,
) -> bool {
    tenant_roles
        .into_iter()
        .any(|role| catalogue.administers_users(role))
}

/// The user's tenant-wide roles, read on `db`.
pub(crate) async fn tenant_roles_of(
    db: &impl ConnectionTrait,
    user: UserId,
) -> Result<Vec<String>> {
    Ok(user_tenant_roles::Entity::find()
        .select_only()
        .column(user_tenant_roles::Column::Role)
        .filter(user_tenant_roles::Column::UserId.eq(user))
        .into_tuple()
        .all(db)
        .await?)
}

/// `LastAdmin` when `user`, who could sign in and administers users, is the tenant's only
/// such user: for a change that takes its sign-in away (deactivation, deletion, expiry). The
/// caller holds the tenant lock, so two such changes take turns and the second sees the first.
pub(crate) async fn ensure_not_last_admin(
    txn: &DatabaseTransaction,
    catalogue: &RoleCatalogue,
    user: &users::Model,
    now: DateTime<Utc>,
) -> Result<()> {
    if !could_sign_in_now(user, now) {
        return Ok(());
    }
    let roles = tenant_roles_of(txn, user.id).await?;
    if !administers(catalogue, roles.iter().map(String::as_str)) {
        return Ok(());
    }
    ensure_another_admin(txn, catalogue, user, now).await
}

/// `LastAdmin` unless another user of the tenant administers users and could sign in.
pub(crate) async fn ensure_another_admin(
    txn: &DatabaseTransaction,
    catalogue: &RoleCatalogue,
    user: &users::Model,
    now: DateTime<Utc>,
) -> Result<()> {
    let others = signing_in_admins(user.tenant_id, catalogue, now)
        .filter(users::Column::Id.ne(user.id))
        .count(txn)
        .await?;
    if others == 0 {
        return Err(Error::LastAdmin);
    }
    Ok(())
}
