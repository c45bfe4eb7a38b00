//! [`MigratorTrait`]: applying and reverting a list of migrations, with their history.

use std::collections::HashSet;
use std::fmt;

use sea_orm::{ConnectionTrait, DbBackend, DbErr, TransactionTrait};
use tracing::info;

use super::{IntoSchemaManagerConnection, MigrationTrait, SchemaManager, history};

/// Whether a migration has run.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum MigrationStatus {
    /// Not applied yet.
    Pending,
    /// Applied: it is in the history table.
    Applied,
}

impl fmt::Display for MigrationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MigrationStatus::Pending => "Pending",
            MigrationStatus::Applied => "Applied",
        })
    }
}

/// A migration of the list, with its status.
pub struct Migration {
    migration: Box<dyn MigrationTrait>,
    status: MigrationStatus,
}

impl Migration {
    /// The migration's name.
    pub fn name(&self) -> &str {
        self.migration.name()
    }

    /// Whether it has run.
    pub fn status(&self) -> MigrationStatus {
        self.status
    }
}

/// Applies and reverts a list of migrations, recording each in the history table
/// ([`MIGRATION_TABLE`](crate::MIGRATION_TABLE)).
///
/// Everything but [`migrations`](Self::migrations) is provided; each method takes a
/// `&DatabaseConnection` or a `&DatabaseTransaction`.
#[async_trait::async_trait]
pub trait MigratorTrait: Send {
    /// The migrations, in the order they apply.
    fn migrations() -> Vec<Box<dyn MigrationTrait>>;

    /// Creates the history table if it does not exist.
    ///
    /// # Errors
    ///
    /// The database refused the statement.
    async fn install<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
        history::install(db).await
    }

    /// Every migration with its status; creates the history table if it does not exist.
    ///
    /// # Errors
    ///
    /// The history cannot be read, or names a migration that is not in the list.
    async fn get_migration_with_status<C: ConnectionTrait>(
        db: &C,
    ) -> Result<Vec<Migration>, DbErr> {
        history::install(db).await?;
        with_status(Self::migrations(), history::applied(db).await?)
    }

    /// Every migration with its status, without creating anything: a missing history table
    /// means every migration is pending.
    ///
    /// # Errors
    ///
    /// The history cannot be read, or names a migration that is not in the list.
    async fn get_migration_with_status_read_only<C: ConnectionTrait>(
        db: &C,
    ) -> Result<Vec<Migration>, DbErr> {
        with_status(Self::migrations(), history::applied_read_only(db).await?)
    }

    /// The migrations not applied yet, in order; creates the history table if needed.
    ///
    /// # Errors
    ///
    /// As [`get_migration_with_status`](Self::get_migration_with_status).
    async fn get_pending_migrations<C: ConnectionTrait>(db: &C) -> Result<Vec<Migration>, DbErr> {
        Ok(only(
            Self::get_migration_with_status(db).await?,
            MigrationStatus::Pending,
        ))
    }

    /// The applied migrations, in order; creates the history table if needed.
    ///
    /// # Errors
    ///
    /// As [`get_migration_with_status`](Self::get_migration_with_status).
    async fn get_applied_migrations<C: ConnectionTrait>(db: &C) -> Result<Vec<Migration>, DbErr> {
        Ok(only(
            Self::get_migration_with_status(db).await?,
            MigrationStatus::Applied,
        ))
    }

    /// The migrations not applied yet, without creating anything.
    ///
    /// # Errors
    ///
    /// As [`get_migration_with_status_read_only`](Self::get_migration_with_status_read_only).
    async fn get_pending_migrations_read_only<C: ConnectionTrait>(
        db: &C,
    ) -> Result<Vec<Migration>, DbErr> {
        Ok(only(
            Self::get_migration_with_status_read_only(db).await?,
            MigrationStatus::Pending,
        ))
    }

    /// The applied migrations, without creating anything.
    ///
    /// # Errors
    ///
    /// As [`get_migration_with_status_read_only`](Self::get_migration_with_status_read_only).
    async fn get_applied_migrations_read_only<C: ConnectionTrait>(
        db: &C,
    ) -> Result<Vec<Migration>, DbErr> {
        Ok(only(
            Self::get_migration_with_status_read_only(db).await?,
            MigrationStatus::Applied,
        ))
    }

    /// Logs every migration's status (`tracing`, level info).
    ///
    /// # Errors
    ///
    /// As [`get_migration_with_status`](Self::get_migration_with_status).
    async fn status<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
        for migration in Self::get_migration_with_status(db).await? {
            info!("Migration '{}'... {}", migration.name(), migration.status());
        }
        Ok(())
    }

    /// Applies the pending migrations: all of them, or the next `steps`.
    ///
    /// # Errors
    ///
    /// A migration failed (the ones before it stay applied), or the history cannot be read.
    async fn up<'c, C>(db: C, steps: Option<u32>) -> Result<(), DbErr>
    where
        C: IntoSchemaManagerConnection<'c>,
    {
        let manager = SchemaManager::new(db);
        let pending = Self::get_pending_migrations(manager.get_connection()).await?;
        apply(&manager, pending, steps).await
    }

    /// Reverts the applied migrations, last first: all of them, or the last `steps`.
    ///
    /// # Errors
    ///
    /// A migration failed (the ones after it stay reverted), or the history cannot be read.
    async fn down<'c, C>(db: C, steps: Option<u32>) -> Result<(), DbErr>
    where
        C: IntoSchemaManagerConnection<'c>,
    {
        let manager = SchemaManager::new(db);
        let applied = Self::get_applied_migrations(manager.get_connection()).await?;
        revert(&manager, applied, steps).await
    }

    /// Reverts every applied migration, then applies every migration.
    ///
    /// # Errors
    ///
    /// As [`down`](Self::down) and [`up`](Self::up).
    async fn refresh<'c, C>(db: C) -> Result<(), DbErr>
    where
        C: IntoSchemaManagerConnection<'c>,
    {
        let manager = SchemaManager::new(db);
        let applied = Self::get_applied_migrations(manager.get_connection()).await?;
        revert(&manager, applied, None).await?;
        let pending = Self::get_pending_migrations(manager.get_connection()).await?;
        apply(&manager, pending, None).await
    }

    /// Reverts every applied migration, then drops the history table.
    ///
    /// # Errors
    ///
    /// As [`down`](Self::down).
    async fn reset<'c, C>(db: C) -> Result<(), DbErr>
    where
        C: IntoSchemaManagerConnection<'c>,
    {
        let manager = SchemaManager::new(db);
        let applied = Self::get_applied_migrations(manager.get_connection()).await?;
        revert(&manager, applied, None).await?;
        history::uninstall(manager.get_connection()).await
    }

    /// Drops the history table only; the schema stays as it is.
    ///
    /// # Errors
    ///
    /// The database refused the statement.
    async fn uninstall<'c, C>(db: C) -> Result<(), DbErr>
    where
        C: IntoSchemaManagerConnection<'c>,
    {
        history::uninstall(SchemaManager::new(db).get_connection()).await
    }

    /// Drops the migrations' tables and history, then applies every migration. Each migrator
    /// says which tables are its own: there is no default that drops a host's tables.
    ///
    /// # Errors
    ///
    /// A statement failed.
    async fn fresh<'c, C>(db: C) -> Result<(), DbErr>
    where
        C: IntoSchemaManagerConnection<'c>;
}

/// Marks each migration applied or pending from the history's names.
fn with_status(
    migrations: Vec<Box<dyn MigrationTrait>>,
    applied: Vec<String>,
) -> Result<Vec<Migration>, DbErr> {
    let applied: HashSet<String> = applied.into_iter().collect();
    let known: HashSet<&str> = migrations.iter().map(|m| m.name()).collect();
    let mut missing: Vec<&String> = applied
        .iter()
        .filter(|name| !known.contains(name.as_str()))
        .collect();
    if !missing.is_empty() {
        missing.sort();
        return Err(DbErr::Custom(
            missing
                .iter()
                .map(|name| {
                    format!(
                        "Migration file of version '{name}' is missing, this migration has been \
                         applied but its file is missing"
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
        ));
    }
    Ok(migrations
        .into_iter()
        .map(|migration| Migration {
            status: if applied.contains(migration.name()) {
                MigrationStatus::Applied
            } else {
                MigrationStatus::Pending
            },
            migration,
        })
        .collect())
}

fn only(migrations: Vec<Migration>, status: MigrationStatus) -> Vec<Migration> {
    migrations
        .into_iter()
        .filter(|m| m.status == status)
        .collect()
}

/// Whether `migration` runs in a transaction on `backend`: as it says, else on PostgreSQL and
/// SQLite, whose DDL is transactional (MySQL commits each DDL statement by itself).
///
/// On SQLite the transaction is also what keeps a migration's statements on one pooled
/// connection, whose schema [`refresh_schema`] reloads first: outside one, a `CREATE INDEX`
/// could run on a connection idle since before a revert dropped that index's table, and be
/// refused as a duplicate (`crates/migration/tests/skeleton_backfill.rs` met it).
fn in_transaction(migration: &dyn MigrationTrait, backend: DbBackend) -> bool {
    migration
        .use_transaction()
        .unwrap_or(matches!(backend, DbBackend::Postgres | DbBackend::Sqlite))
}

/// A direction: applying (and recording) or reverting (and forgetting).
#[derive(Clone, Copy)]
enum Direction {
    Up,
    Down,
}

/// Runs one migration in `direction` and updates the history, in one transaction when the
/// migration runs in one.
async fn run(
    manager: &SchemaManager<'_>,
    migration: &dyn MigrationTrait,
    direction: Direction,
) -> Result<(), DbErr> {
    if in_transaction(migration, manager.get_database_backend()) {
        let txn = manager.get_connection().begin().await?;
        if manager.get_database_backend() == DbBackend::Sqlite {
            refresh_schema(&txn).await?;
        }
        step(&SchemaManager::new(&txn), migration, direction).await?;
        txn.commit().await?;
    } else {
        step(manager, migration, direction).await?;
    }
    let name = migration.name();
    match direction {
        Direction::Up => info!("Migration '{name}' has been applied"),
        Direction::Down => info!("Migration '{name}' has been rolled back"),
    }
    Ok(())
}

/// Makes a SQLite connection reload its copy of the schema before a migration's DDL.
///
/// A pooled SQLite connection keeps the schema as it was when it last read the database, and
/// SQLite checks a DDL statement (`ADD COLUMN`, `CREATE INDEX`) against that copy when it
/// compiles it: a connection idle since before another one reverted a migration would refuse
/// to redo it ("duplicate column name"). Reading the database makes SQLite notice the change
/// and reload; in the migration's transaction, so the reload and the DDL share a connection.
async fn refresh_schema<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    db.execute_unprepared("SELECT COUNT(*) FROM sqlite_master")
        .await
        .map(|_| ())
}

async fn step(
    manager: &SchemaManager<'_>,
    migration: &dyn MigrationTrait,
    direction: Direction,
) -> Result<(), DbErr> {
    let db = manager.get_connection();
    match direction {
        Direction::Up => {
            migration.up(manager).await?;
            history::record(db, migration.name()).await
        }
        Direction::Down => {
            migration.down(manager).await?;
            history::forget(db, migration.name()).await
        }
    }
}

/// Applies `pending` in order, the first `steps` of them when given.
async fn apply(
    manager: &SchemaManager<'_>,
    pending: Vec<Migration>,
    steps: Option<u32>,
) -> Result<(), DbErr> {
    for migration in pending.iter().take(limit(steps)) {
        info!("Applying migration '{}'", migration.name());
        run(manager, migration.migration.as_ref(), Direction::Up).await?;
    }
    Ok(())
}

/// Reverts `applied` last first, the last `steps` of them when given.
async fn revert(
    manager: &SchemaManager<'_>,
    applied: Vec<Migration>,
    steps: Option<u32>,
) -> Result<(), DbErr> {
    for migration in applied.iter().rev().take(limit(steps)) {
        info!("Rolling back migration '{}'", migration.name());
        run(manager, migration.migration.as_ref(), Direction::Down).await?;
    }
    Ok(())
}

fn limit(steps: Option<u32>) -> usize {
    steps.map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX))
}
