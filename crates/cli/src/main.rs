//! `tenantry`: the operator CLI of tenantry's user store.
//!
//! Migrations, tenants, plants, users and roles from the shell, against SQLite, PostgreSQL or
//! MySQL/MariaDB. Output is an aligned table, or JSON with `--json`. Every failure is one line
//! on stderr (`error: …`) and exit status 1, and a failing command changes nothing and prints
//! nothing on stdout: names are resolved before any change, and each change is one
//! transaction in the library.
//!
//! One file per command group: `migrate.rs`, `tenant.rs`, `plant.rs`, `user.rs`, `role.rs`,
//! `token.rs`, `session.rs`, `scim.rs`;
//! `lookup.rs` resolves names, `password.rs` reads passwords, `output.rs` prints, `import.rs`
//! reads the files of `user import`.

mod error;
mod factor;
mod import;
mod lookup;
mod migrate;
mod output;
mod pages;
mod passkey;
mod password;
mod plant;
mod role;
mod scim;
mod session;
mod tenant;
mod token;
mod user;

use clap::error::ErrorKind;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use error::{CliError, CliResult, one_line};
use std::io::Write;
use std::process::ExitCode;
use tenantry_service::migration::sea_orm::DatabaseConnection;
use tenantry_service::{Config, SeaOrmUserRepository, SealingKeys, load_role_catalogue};

/// The database used when neither `--database-url` nor `DATABASE_URL` is given.
const DEFAULT_DATABASE_URL: &str = "sqlite://tenantry.db?mode=rwc";

/// The variable that switches to cheap password hashing, for test suites only.
const INSECURE_FAST_HASHING: &str = "TENANTRY_INSECURE_FAST_HASHING";

/// The variable holding the host's profile rules (`username=optional,email=required`).
const PROFILE_RULES: &str = "TENANTRY_PROFILE_RULES";

/// The variable holding the keys that seal second-factor secrets (`id:base64,...`).
const SECOND_FACTOR_KEYS: &str = "TENANTRY_SECOND_FACTOR_KEYS";

const AFTER_HELP: &str = "\
Environment:
  DATABASE_URL                      the database when --database-url is not given
  TENANTRY_INSECURE_FAST_HASHING=1  TESTS ONLY: hash passwords with cheap argon2 parameters so
                                    test suites run fast. Never set it in production: such
                                    hashes are cheap to crack.
  TENANTRY_PROFILE_RULES            the host's profile rules, as its service has them, e.g.
                                    `username=optional,email=required,display_name=optional,
                                    username_chars=printable,display_name_max=255`
                                    (default: username and display name required, strict
                                    usernames, email optional, display names up to 100)
  TENANTRY_SECOND_FACTOR_KEYS       the keys sealing TOTP secrets, as the service has them:
                                    `id:base64` entries, comma-separated, current first
                                    (`openssl rand -base64 32` makes one)

Every failure is one line on stderr and exit status 1 (`user import` lists every bad row
first); a failing command changes nothing.";

#[derive(Parser, Debug)]
#[command(
    name = "tenantry",
    version,
    about = "Operate tenantry's user store: migrations, tenants, plants, users, roles and sessions",
    after_help = AFTER_HELP
)]
struct Cli {
    /// Database URL: sqlite://…, postgres://… or mysql://… [default: $DATABASE_URL, else
    /// sqlite://tenantry.db?mode=rwc in the current directory]
    #[arg(
        long,
        env = "DATABASE_URL",
        hide_env_values = true,
        global = true,
        value_name = "URL"
    )]
    database_url: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Apply, revert or list tenantry's migrations.
    #[command(subcommand)]
    Migrate(migrate::MigrateCommand),
    #[command(flatten)]
    Store(StoreCommand),
}

/// The commands that work on the store's rows, through the library.
#[derive(Subcommand, Debug)]
enum StoreCommand {
    /// Create and list tenants.
    #[command(subcommand)]
    Tenant(tenant::TenantCommand),
    /// Create and list a tenant's plants (sites).
    #[command(subcommand)]
    Plant(plant::PlantCommand),
    /// Create, list, show, deactivate, reactivate and delete users; set and verify passwords;
    /// unlock.
    #[command(subcommand)]
    User(user::UserCommand),
    /// Assign and remove plant roles; set a user's tenant-wide role.
    #[command(subcommand)]
    Role(role::RoleCommand),
    /// Issue one-time tokens (password reset).
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// List and revoke a user's sessions; prune ended sessions.
    #[command(subcommand)]
    Session(session::SessionCommand),
    /// Users' second factors (list, enrol, confirm, remove, reset) and the tenant's policy.
    #[command(subcommand)]
    Factor(factor::FactorCommand),
    /// Make, list and revoke the bearer tokens of a tenant's SCIM endpoints.
    #[command(subcommand)]
    Scim(scim::ScimCommand),
    /// List and remove a user's passkeys. Registering one takes the user's browser or device
    /// (a WebAuthn ceremony through the host's pages): an operator cannot do it from here.
    #[command(subcommand)]
    Passkey(passkey::PasskeyCommand),
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = match command()
        .try_get_matches()
        .and_then(|matches| Cli::from_arg_matches(&matches))
    {
        Ok(cli) => cli,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            // Help and version go to stdout; nothing useful is left to do if that fails.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => return fail(&CliError::msg(clap_message(&e))),
    };
    let json = cli.json;
    let printed = match run(cli).await {
        Ok(report) => output::render(&report, json).and_then(|text| print(&text)),
        Err(e) => Err(e),
    };
    match printed {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// The command line, with every missing subcommand an error (`tenantry user` alone): clap
/// would print the whole help instead, and a failure is one line.
fn command() -> clap::Command {
    fn one_line_when_incomplete(command: clap::Command) -> clap::Command {
        command
            .arg_required_else_help(false)
            .mut_subcommands(one_line_when_incomplete)
    }
    one_line_when_incomplete(Cli::command())
}

/// Connects, runs the command and returns its report (printing nothing).
///
/// # Errors
///
/// The database cannot be reached; then whatever the command fails with.
async fn run(cli: Cli) -> CliResult<output::Report> {
    let url = cli
        .database_url
        .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
    // The driver's message names the cause (refused, bad password, no such database); it
    // holds no user data. The URL itself is not repeated: it may hold a password.
    let db = tenantry_service::migration::connect_with_pool_size(&url, Some(1))
        .await
        .map_err(|e| {
            CliError::msg(format!(
                "cannot connect to the database: {}",
                one_line(&e.to_string())
            ))
        })?;
    let report = match cli.command {
        Command::Migrate(command) => migrate::run(&db, command).await,
        Command::Store(command) => run_store(&db, command).await,
    };
    let _ = db.close().await;
    report
}

/// Runs a command on the store, once the schema is known to be current.
///
/// # Errors
///
/// Pending migrations; the repository cannot be built; whatever the command fails with.
async fn run_store(db: &DatabaseConnection, command: StoreCommand) -> CliResult<output::Report> {
    migrate::ensure_current(db).await?;
    // The catalogue the service stored: the CLI checks and resolves roles by it.
    let config = Config {
        roles: load_role_catalogue(db).await?,
        ..config()?
    };
    let repo = SeaOrmUserRepository::new(db.clone(), config)?;
    match command {
        StoreCommand::Tenant(command) => tenant::run(&repo, command).await,
        StoreCommand::Plant(command) => plant::run(&repo, command).await,
        StoreCommand::User(command) => user::run(&repo, command).await,
        StoreCommand::Role(command) => role::run(db, &repo, command).await,
        StoreCommand::Token(command) => token::run(&repo, command).await,
        StoreCommand::Session(command) => session::run(&repo, command).await,
        StoreCommand::Factor(command) => factor::run(&repo, command).await,
        StoreCommand::Scim(command) => scim::run(&repo, command).await,
        StoreCommand::Passkey(command) => passkey::run(&repo, command).await,
    }
}

/// Production hashing, unless `TENANTRY_INSECURE_FAST_HASHING=1` (test suites only), and the
/// host's profile rules from `TENANTRY_PROFILE_RULES`.
///
/// # Errors
///
/// `TENANTRY_PROFILE_RULES` does not parse.
fn config() -> CliResult<Config> {
    let mut config = if std::env::var(INSECURE_FAST_HASHING).is_ok_and(|v| v == "1") {
        Config::insecure_fast_for_tests()
    } else {
        Config::default()
    };
    if let Ok(keys) = std::env::var(SECOND_FACTOR_KEYS) {
        config.second_factors.keys = SealingKeys::parse(&keys)
            .map_err(|e| CliError::msg(format!("{SECOND_FACTOR_KEYS}: {e}")))?;
    }
    if let Ok(rules) = std::env::var(PROFILE_RULES) {
        config.profile = rules.parse().map_err(
            |e: tenantry_service::profile_rules::ProfileRulesParseError| {
                CliError::msg(format!("{PROFILE_RULES}: {e}"))
            },
        )?;
    }
    Ok(config)
}

/// Writes the rendered report to stdout. A closed pipe (`tenantry user list | head`) is not
/// an error.
///
/// # Errors
///
/// Stdout cannot be written for another reason.
fn print(text: &str) -> CliResult<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(CliError::msg(format!("cannot write the output: {e}")))
        }
        _ => Ok(()),
    }
}

/// Prints the error as one line on stderr (after the problems of an input file's rows, one
/// line each); exit status 1.
fn fail(error: &CliError) -> ExitCode {
    if let CliError::Rows { lines, .. } = error {
        for line in lines {
            eprintln!("{}", one_line(line));
        }
    }
    eprintln!("error: {}", one_line(&error.to_string()));
    ExitCode::FAILURE
}

/// clap's message without its usage block, on one line: `unexpected argument '--x' found`,
/// `invalid value 'root' for '--tenant-role <ROLE>': expected one of …`.
fn clap_message(error: &clap::Error) -> String {
    let rendered = error.render().to_string();
    let message: Vec<&str> = rendered
        .lines()
        .take_while(|line| !line.starts_with("Usage:"))
        .filter(|line| !line.starts_with("For more information"))
        .collect();
    let message = one_line(&message.join("\n"));
    message
        .strip_prefix("error: ")
        .map_or_else(|| message.clone(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        command().debug_assert();
    }

    #[test]
    fn clap_errors_become_one_line() {
        let parse = |args: &[&str]| match command().try_get_matches_from(args) {
            Ok(_) => String::new(),
            Err(e) => clap_message(&e),
        };
        let message = parse(&["tenantry", "role", "tenant", "--tenant", "t", "u", "Root"]);
        assert!(message.starts_with("invalid value 'Root'"), "{message}");
        assert!(message.contains("lowercase"), "{message}");
        assert!(!message.contains('\n'));
        let message = parse(&["tenantry", "tenant", "list", "--bogus"]);
        assert!(
            message.starts_with("unexpected argument '--bogus'"),
            "{message}"
        );
        assert!(!message.contains("Usage"), "{message}");
        let message = parse(&["tenantry", "user"]);
        assert!(
            message.starts_with("'tenantry user' requires a subcommand"),
            "{message}"
        );
        assert!(message.contains("deactivate"), "{message}");
    }
}
