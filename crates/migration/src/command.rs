//! The `migrate` command, once, for both binaries that offer it: `tenantry-migration` and the
//! CLI's `tenantry migrate`. Each binary keeps its own arguments and output; what a command
//! does to the database, and what it reports as changed, is decided here.

use crate::{DbErr, MigrationStatus};
use crate::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;

/// A migration command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// Apply pending migrations: all, or the next `num`.
    Up {
        /// How many to apply (`None`: all).
        num: Option<u32>,
    },
    /// Revert the last `num` applied migrations.
    Down {
        /// How many to revert.
        num: u32,
    },
    /// Drop tenantry's tables (only tenantry's) and apply every migration.
    Fresh,
    /// Revert every migration, then apply them all.
    Refresh,
    /// Revert every migration.
    Reset,
}

/// What a command changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// Names of the migrations reverted (or dropped by `fresh`), last applied first.
    pub reverted: Vec<String>,
    /// Names of the migrations applied, in order.
    pub applied: Vec<String>,
}

/// Why a command failed. Its `Display` is one line, whatever the driver's message holds.
#[derive(Debug)]
pub enum CommandError {
    /// The migration history could not be read.
    History(DbErr),
    /// A migration failed.
    Migration(DbErr),
}

impl std::fmt::Display for CommandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (what, error) = match self {
            Self::History(e) => ("cannot read the migration history", e),
            Self::Migration(e) => ("migration failed", e),
        };
        write!(f, "{what}: {}", one_line(&error.to_string()))
    }
}

impl std::error::Error for CommandError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::History(e) | Self::Migration(e) => Some(e),
        }
    }
}

/// Runs `command` on `db` and returns what it reverted and applied.
///
/// # Errors
///
/// The history cannot be read, or a migration fails.
pub async fn run(db: &DatabaseConnection, command: Command) -> Result<Changes, CommandError> {
    let before = applied(db).await?;
    let result = match command {
        Command::Up { num } => Migrator::up(db, num).await,
        Command::Down { num } => Migrator::down(db, Some(num)).await,
        Command::Fresh => Migrator::fresh(db).await,
        Command::Refresh => Migrator::refresh(db).await,
        Command::Reset => Migrator::reset(db).await,
    };
    result.map_err(CommandError::Migration)?;
    let after = applied(db).await?;
    Ok(if matches!(command, Command::Fresh | Command::Refresh) {
        // Everything was reverted (or dropped) and applied again, whatever the history said.
        Changes {
            reverted: before.into_iter().rev().collect(),
            applied: after,
        }
    } else {
        Changes {
            reverted: before
                .iter()
                .rev()
                .filter(|m| !after.contains(m))
                .cloned()
                .collect(),
            applied: after
                .iter()
                .filter(|m| !before.contains(m))
                .cloned()
                .collect(),
        }
    })
}

/// Every migration, in order, and whether it is applied. Only reads: it never creates the
/// history table.
///
/// # Errors
///
/// The history cannot be read.
pub async fn status(
    db: &DatabaseConnection,
) -> Result<Vec<(String, MigrationStatus)>, CommandError> {
    Ok(Migrator::get_migration_with_status_read_only(db)
        .await
        .map_err(CommandError::History)?
        .iter()
        .map(|m| (m.name().to_owned(), m.status()))
        .collect())
}

/// Names of the applied migrations, in order.
async fn applied(db: &DatabaseConnection) -> Result<Vec<String>, CommandError> {
    Ok(Migrator::get_applied_migrations(db)
        .await
        .map_err(CommandError::History)?
        .iter()
        .map(|m| m.name().to_owned())
        .collect())
}

/// Keeps an error on one line, whatever the driver put in it.
pub fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}
