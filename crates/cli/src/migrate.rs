//! `tenantry migrate up|down|status|fresh`, and the check every other command makes first:
//! that the database's schema is the one this binary was built for.

use crate::error::{CliError, CliResult, one_line};
use crate::output::Report;
use clap::Subcommand;
use serde::Serialize;
use tenantry_service::migration::MigrationStatus;
use tenantry_service::migration::command::{self as migrations, Command};
use tenantry_service::migration::sea_orm::DatabaseConnection;
use tenantry_service::migration::{DbErr, Migrator, MigratorTrait};

/// `tenantry migrate …`
#[derive(Subcommand, Debug, Clone, Copy)]
pub(crate) enum MigrateCommand {
    /// Apply pending migrations (all of them, or the next N).
    Up {
        /// How many to apply.
        #[arg(short = 'n', long)]
        num: Option<u32>,
    },
    /// Revert applied migrations (the last one, or the last N).
    Down {
        /// How many to revert.
        #[arg(short = 'n', long, default_value_t = 1)]
        num: u32,
    },
    /// List tenantry's migrations and whether each is applied (changes nothing).
    Status,
    /// DESTRUCTIVE: drop tenantry's tables, with all their rows, and apply every migration.
    /// Only tenantry's own tables are dropped, never a host's.
    Fresh,
}

/// What `up`, `down` or `fresh` did, oldest change first.
#[derive(Debug, Serialize)]
pub(crate) struct MigrationChanges {
    /// Names of the migrations reverted (or dropped by `fresh`), last applied first.
    pub(crate) reverted: Vec<String>,
    /// Names of the migrations applied, in order.
    pub(crate) applied: Vec<String>,
}

/// One migration and whether it is applied.
#[derive(Debug, Serialize)]
pub(crate) struct MigrationState {
    /// The migration's name, e.g. `m20261122_000001_create_tenants`.
    pub(crate) name: String,
    /// `applied` or `pending`.
    pub(crate) status: &'static str,
}

/// Runs a `migrate` command.
///
/// Migration failures are shown with the driver's message (one line): unlike the library's
/// errors they involve no user data, and an operator needs the cause.
///
/// # Errors
///
/// The history cannot be read, or a migration fails.
pub(crate) async fn run(db: &DatabaseConnection, command: MigrateCommand) -> CliResult<Report> {
    let shared = match command {
        MigrateCommand::Up { num } => Command::Up { num },
        MigrateCommand::Down { num } => Command::Down { num },
        MigrateCommand::Fresh => Command::Fresh,
        MigrateCommand::Status => {
            let states = migrations::status(db)
                .await
                .map_err(|e| CliError::msg(e.to_string()))?
                .into_iter()
                .map(|(name, status)| MigrationState {
                    name,
                    status: match status {
                        MigrationStatus::Applied => "applied",
                        MigrationStatus::Pending => "pending",
                    },
                })
                .collect();
            return Ok(Report::MigrationStatus(states));
        }
    };
    let changes = migrations::run(db, shared)
        .await
        .map_err(|e| CliError::msg(e.to_string()))?;
    Ok(Report::Migrations(MigrationChanges {
        reverted: changes.reverted,
        applied: changes.applied,
    }))
}

/// Refuses to work on a database whose schema is behind this binary's migrations (or that
/// was never migrated), with the command that fixes it. Only reads: it never creates the
/// history table.
///
/// # Errors
///
/// Pending migrations, or the history cannot be read (for example a database migrated by a
/// newer tenantry, whose migrations this binary does not know).
pub(crate) async fn ensure_current(db: &DatabaseConnection) -> CliResult<()> {
    let pending = Migrator::get_pending_migrations_read_only(db)
        .await
        .map_err(history_error)?
        .len();
    match pending {
        0 => Ok(()),
        n if n == Migrator::migrations().len() => Err(CliError::msg(
            "the database has no tenantry schema yet: run `tenantry migrate up` first",
        )),
        n => Err(CliError::msg(format!(
            "the database schema is {n} migration(s) behind: run `tenantry migrate up` first"
        ))),
    }
}

fn history_error(e: DbErr) -> CliError {
    CliError::msg(format!(
        "cannot read the migration history: {}",
        one_line(&e.to_string())
    ))
}
