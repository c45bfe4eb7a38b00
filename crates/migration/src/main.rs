//! `tenantry-migration`: applies or reverts tenantry's migrations.
//!
//! Reads `DATABASE_URL`; when it is unset, uses the SQLite file `tenantry.db` in the current
//! directory, creating it. Every failure is one line on stderr and exit status 1.

use clap::{Parser, Subcommand};
use sea_orm_migration::sea_orm::DatabaseConnection;
use std::process::ExitCode;
use tenantry_migration::{Migrator, MigratorTrait, connect_with_pool_size};

/// The database used when `DATABASE_URL` is unset.
const DEFAULT_DATABASE_URL: &str = "sqlite://tenantry.db?mode=rwc";

#[derive(Parser)]
#[command(version, about = "Apply or revert tenantry's migrations")]
struct Cli {
    /// Database URL (default: SQLite file tenantry.db in the current directory).
    #[arg(long, short = 'u', env = "DATABASE_URL", global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Clone, Copy)]
enum Command {
    /// Apply pending migrations (all, or the next N).
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
    /// Drop tenantry's tables (only tenantry's) and apply every migration.
    Fresh,
    /// Revert every migration, then apply them all.
    Refresh,
    /// Revert every migration.
    Reset,
    /// List the migrations and whether each is applied.
    Status,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {}", one_line(&message));
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let url = cli
        .database_url
        .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
    // One connection: every schema change runs on it, in order.
    let db = connect_with_pool_size(&url, Some(1))
        .await
        .map_err(|e| format!("cannot connect to the database: {e}"))?;
    let before = applied(&db).await?;
    let command = cli.command.unwrap_or(Command::Up { num: None });
    let result = match command {
        Command::Up { num } => Migrator::up(&db, num).await,
        Command::Down { num } => Migrator::down(&db, Some(num)).await,
        Command::Fresh => Migrator::fresh(&db).await,
        Command::Refresh => Migrator::refresh(&db).await,
        Command::Reset => Migrator::reset(&db).await,
        Command::Status => return print_status(&db).await,
    };
    result.map_err(|e| format!("migration failed: {e}"))?;
    let after = applied(&db).await?;
    report(
        &before,
        &after,
        matches!(command, Command::Fresh | Command::Refresh),
    );
    Ok(())
}

/// Names of the applied migrations, in order.
async fn applied(db: &DatabaseConnection) -> Result<Vec<String>, String> {
    Migrator::get_applied_migrations(db)
        .await
        .map(|migrations| migrations.iter().map(|m| m.name().to_owned()).collect())
        .map_err(|e| format!("cannot read the migration history: {e}"))
}

/// Prints what was reverted and what was applied.
fn report(before: &[String], after: &[String], reapplied_all: bool) {
    let (reverted, applied): (Vec<&String>, Vec<&String>) = if reapplied_all {
        (before.iter().rev().collect(), after.iter().collect())
    } else {
        (
            before.iter().rev().filter(|m| !after.contains(m)).collect(),
            after.iter().filter(|m| !before.contains(m)).collect(),
        )
    };
    for name in &reverted {
        println!("reverted {name}");
    }
    for name in &applied {
        println!("applied  {name}");
    }
    if reverted.is_empty() && applied.is_empty() {
        println!("nothing to do");
    }
}

async fn print_status(db: &DatabaseConnection) -> Result<(), String> {
    let migrations = Migrator::get_migration_with_status(db)
        .await
        .map_err(|e| format!("cannot read the migration history: {e}"))?;
    for migration in migrations {
        println!("{:<8} {}", migration.status().to_string(), migration.name());
    }
    Ok(())
}

/// Keeps an error on one line, whatever the driver put in it.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}
