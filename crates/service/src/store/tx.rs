//! Transactions and row locks, the same way on every backend.

use super::SeaOrmUserRepository;
use super::unique::Unique;
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QuerySelect, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};
use tenantry_entity::{TenantId, UserId, tenants, users};

/// Begins a transaction that will write.
///
/// On SQLite it starts `IMMEDIATE`: it takes the write lock up front, so a transaction that
/// reads and then writes waits its turn (busy timeout) instead of failing with `SQLITE_BUSY`
/// when another writer got in between. It also serializes writers, which is what makes the
/// row locks below unnecessary there.
pub(crate) async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction> {
    let options = TransactionOptions {
        isolation_level: None,
        access_mode: None,
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
    };
    Ok(db.begin_with_options(options).await?)
}

/// Begins a write ([`begin_write`]) and reads the instant the change is made at, first: the
/// opening of every command that writes.
pub(crate) async fn begin_change(
    repo: &SeaOrmUserRepository,
) -> Result<(DatabaseTransaction, DateTime<Utc>)> {
    let now = repo.now();
    Ok((begin_write(&repo.db).await?, now))
}

/// [`begin_change`], then [`lock_live_user`]: the opening of every change to one live user.
pub(crate) async fn begin_user_change(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user: UserId,
) -> Result<(DatabaseTransaction, DateTime<Utc>, users::Model)> {
    let (txn, now) = begin_change(repo).await?;
    let user = lock_live_user(&txn, tenant, user).await?;
    Ok((txn, now, user))
}

/// Reads a live (not soft-deleted) user of the tenant and locks its row until the transaction
/// ends (`SELECT … FOR UPDATE` on PostgreSQL and MySQL; SQLite's write lock already holds).
///
/// # Errors
/// `NotFound` when the user is absent, deleted or of another tenant.
pub(crate) async fn lock_live_user(
    txn: &DatabaseTransaction,
    tenant: TenantId,
    user: UserId,
) -> Result<users::Model> {
    let mut query = users::Entity::find_by_id(user)
        .filter(users::Column::TenantId.eq(tenant))
        .filter(users::Column::DeletedAt.is_null());
    if txn.get_database_backend() != DatabaseBackend::Sqlite {
        query = query.lock_exclusive();
    }
    query.unique(txn).await?.ok_or(Error::NotFound)
}

/// Locks the tenant's row: changes that could remove the last tenant admin take it first, so
/// two of them cannot each see the other admin and both go ahead.
///
/// # Errors
/// `NotFound` when the tenant does not exist.
pub(crate) async fn lock_tenant(
    txn: &DatabaseTransaction,
    tenant: TenantId,
) -> Result<tenants::Model> {
    let mut query = tenants::Entity::find_by_id(tenant);
    if txn.get_database_backend() != DatabaseBackend::Sqlite {
        query = query.lock_exclusive();
    }
    query.unique(txn).await?.ok_or(Error::NotFound)
}
