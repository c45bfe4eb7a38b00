//! Transactions and row locks, the same way on every backend.

use super::SeaOrmUserRepository;
use super::unique::Unique;
use crate::error::{Error, Result};
use crate::inputs::Actor;
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QuerySelect, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};
use tenantry_entity::{TenantId, UserId, tenant_locks, tenants, users};

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

/// Takes the tenant's lock, then reads the tenant: changes that could remove the last tenant
/// admin (and tenant-wide role changes, and the tenant's status) take it first, so two of them
/// cannot each see the other admin and both go ahead.
///
/// The lock is the tenant's row of `tenant_locks` (migration 000019 says why it is not the
/// `tenants` row), locked until the transaction ends; SQLite's write lock already serializes
/// writers. A tenant inserted by other means than tenantry has no such row: its `tenants` row
/// is locked instead, as before 000019. The tenant is read after the lock is held, so on MySQL
/// (whose snapshot starts at the first plain read) the rest of the transaction sees what the
/// previous holder committed.
///
/// # Errors
/// `NotFound` when the tenant does not exist.
pub(crate) async fn lock_tenant(
    txn: &DatabaseTransaction,
    tenant: TenantId,
) -> Result<tenants::Model> {
    let mut read = tenants::Entity::find_by_id(tenant);
    if txn.get_database_backend() != DatabaseBackend::Sqlite {
        let locked = tenant_locks::Entity::find_by_id(tenant)
            .lock_exclusive()
            .unique(txn)
            .await?;
        if locked.is_none() {
            read = read.lock_exclusive();
        }
    }
    read.unique(txn).await?.ok_or(Error::NotFound)
}

/// Share-locks the row of the user acting, when it is a live user of the tenant (an actor that
/// is not is refused later, by the delegation check), until the transaction ends.
///
/// A change made on an actor's authority takes it before reading that authority: a concurrent
/// change to the actor's own roles (which locks the actor's row exclusively) then either
/// commits before the authority is read, or waits until this change has committed. Without
/// it, a grant checked just before its actor lost the right to make it could commit after.
pub(crate) async fn lock_actor(
    txn: &DatabaseTransaction,
    tenant: TenantId,
    actor: UserId,
) -> Result<()> {
    if txn.get_database_backend() == DatabaseBackend::Sqlite {
        return Ok(());
    }
    users::Entity::find_by_id(actor)
        .select_only()
        .column(users::Column::Id)
        .filter(users::Column::TenantId.eq(tenant))
        .filter(users::Column::DeletedAt.is_null())
        .lock_shared()
        .into_tuple::<UserId>()
        .one(txn)
        .await?;
    Ok(())
}

/// [`lock_live_user`] for a change `actor` makes, with [`lock_actor`] too when the actor is
/// another user. The two rows are locked in id order, so two admins changing each other's
/// roles at once take turns instead of deadlocking.
pub(crate) async fn lock_live_user_for(
    txn: &DatabaseTransaction,
    tenant: TenantId,
    user: UserId,
    actor: Actor,
) -> Result<users::Model> {
    match actor {
        Some(actor) if actor.0 < user.0 => {
            lock_actor(txn, tenant, actor).await?;
            lock_live_user(txn, tenant, user).await
        }
        Some(actor) if actor != user => {
            let locked = lock_live_user(txn, tenant, user).await?;
            lock_actor(txn, tenant, actor).await?;
            Ok(locked)
        }
        _ => lock_live_user(txn, tenant, user).await,
    }
}

/// `NotFound` unless the tenant exists: the first read of a change that makes a row of it.
pub(crate) async fn ensure_tenant(txn: &DatabaseTransaction, tenant: TenantId) -> Result<()> {
    tenants::Entity::find_by_id(tenant)
        .select_only()
        .column(tenants::Column::Id)
        .into_tuple::<TenantId>()
        .unique(txn)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(())
}
