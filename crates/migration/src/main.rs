//! `tenantry-migration`: applies or reverts tenantry's migrations.
//!
//! Reads `DATABASE_URL`; when it is unset, uses the SQLite file `tenantry.db` in the current
//! directory, creating it. Every failure is one line on stderr and exit status 1.

use clap::{Parser, Subcommand};
use std::process::ExitCode;
use tenantry_migration::command::{self as migrations, one_line};
use tenantry_migration::connect_with_pool_size;

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
    let shared = match cli.command.unwrap_or(Command::Up { num: None }) {
        Command::Up { num } => migrations::Command::Up { num },
        Command::Down { num } => migrations::Command::Down { num },
        Command::Fresh => migrations::Command::Fresh,
        Command::Refresh => migrations::Command::Refresh,
        Command::Reset => migrations::Command::Reset,
        Command::Status => {
            for (name, status) in migrations::status(&db).await.map_err(|e| e.to_string())? {
                println!("{:<8} {name}", status.to_string());
            }
            return Ok(());
        }
    };
    let changes = migrations::run(&db, shared)
        .await
        .map_err(|e| e.to_string())?;
    for name in &changes.reverted {
        println!("reverted {name}");
    }
    for name in &changes.applied {
        println!("applied  {name}");
    }
    if changes.reverted.is_empty() && changes.applied.is_empty() {
        println!("nothing to do");
    }
    Ok(())
}
