//! `tenantry user create|import|list|show|deactivate|reactivate|delete|set-password|verify-password|unlock`

use crate::error::CliResult;
use crate::lookup::{self, TenantArg, UserArg, parse_role, parse_status};
use crate::output::Report;
use crate::pages;
use crate::password;
use clap::Subcommand;
use serde::Serialize;
use tenantry_service::{
    LoginContext, LoginSource, NewUser, RoleKey, SearchMode, UserFilter, UserQuery, UserRepository,
    UserStatus,
};

/// `tenantry user …`
#[derive(Subcommand, Debug, Clone)]
pub(crate) enum UserCommand {
    /// Create an active user.
    ///
    /// The password: with --password-stdin, read from stdin (one trailing newline is
    /// dropped); otherwise, at a terminal, typed twice without echo (empty for none); otherwise
    /// none, and the user cannot log in with a password until one is set.
    Create {
        #[command(flatten)]
        tenant: TenantArg,
        /// Username: 3–50 letters, digits, `.`, `_`, `-`; unique in the tenant
        /// (case-insensitively). May be left out where the profile rules make usernames
        /// optional (TENANTRY_PROFILE_RULES): the email is then the login.
        username: Option<String>,
        /// Email address; unique in the tenant (case-insensitively).
        #[arg(long)]
        email: Option<String>,
        /// Display name (default: the username, else none).
        #[arg(long)]
        display_name: Option<String>,
        /// A role at every plant of the tenant (repeat for several; none: the catalogue's
        /// default roles).
        #[arg(long = "tenant-role", value_name = "ROLE", value_parser = parse_role)]
        tenant_roles: Vec<RoleKey>,
        /// Read the password from stdin instead of prompting.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Import users with the password hashes they have (argon2, Django's PBKDF2, bcrypt and
    /// scrypt, bcrypt `$2a$/$2b$/$2y$`, passlib's scrypt), all or nothing.
    ///
    /// FILE is CSV with a header, JSON lines, or a JSON array; Django's `manage.py dumpdata
    /// auth.user` output (either format) imports as it is. Fields: username, password_hash,
    /// email, display_name, roles (`KEY` tenant-wide or `KEY@PLANT`; `;`-separated in CSV, an
    /// array in JSON). Every row is checked first; any bad row is reported by line and field,
    /// and nothing is written. The hashes are upgraded to argon2id at each user's first login.
    Import {
        #[command(flatten)]
        tenant: TenantArg,
        /// The file to import.
        file: std::path::PathBuf,
        /// The tenant-wide role of Django superusers (`is_superuser`); default: the
        /// catalogue's default roles, as everyone else.
        #[arg(long, value_name = "ROLE", value_parser = parse_role)]
        superuser_role: Option<RoleKey>,
        /// Check every row and report, but write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// List a tenant's users, by username.
    List {
        #[command(flatten)]
        tenant: TenantArg,
        /// Only users of this status: invited, active or suspended.
        #[arg(long, value_name = "STATUS", value_parser = parse_status)]
        status: Option<UserStatus>,
        /// Only users with a role at this plant (code); a tenant role counts at every plant.
        #[arg(long, value_name = "CODE")]
        plant: Option<String>,
        /// Only users whose username, email or display name starts with this (case-insensitive).
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
        /// Match `--search` anywhere in the name, not only at its start (reads the whole tenant).
        #[arg(long, requires = "search")]
        contains: bool,
    },
    /// Show one user with its roles.
    Show(UserArg),
    /// Suspend a user: it can no longer log in, and its sessions are invalidated.
    Deactivate(UserArg),
    /// Make a suspended user active again.
    Reactivate(UserArg),
    /// Delete a user (soft: it disappears everywhere, its username and email stay reserved).
    Delete(UserArg),
    /// Set a user's password (read from stdin), through the password policy. The user's
    /// sessions and outstanding reset tokens stop working.
    SetPassword {
        #[command(flatten)]
        user: UserArg,
        /// Read the new password from stdin (required: passwords never go on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Check a password (read from stdin): exit 0 when it matches, 1 when not. It is a real
    /// login (source `cli`): it is counted, can lock the account, is recorded, and upgrades an
    /// old hash.
    VerifyPassword {
        #[command(flatten)]
        user: UserArg,
        /// Read the password from stdin (required).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Clear a user's lockout after repeated failed logins.
    Unlock(UserArg),
}

/// What `user set-password`, `user verify-password` and `user unlock` report.
#[derive(Debug, Serialize)]
pub(crate) struct Done {
    /// What happened: `password_set`, `password_matches` or `unlocked`.
    pub(crate) outcome: &'static str,
    /// The user's username.
    pub(crate) username: Option<String>,
}

/// What `user delete` reports.
#[derive(Debug, Serialize)]
pub(crate) struct DeletedUser {
    /// Always `true`.
    pub(crate) deleted: bool,
    /// The username the user had.
    pub(crate) username: Option<String>,
    /// The user's public id.
    pub(crate) pid: String,
}

/// Runs a `user` command.
///
/// # Errors
///
/// An unknown tenant, plant or user; a password that cannot be read; the library's: invalid
/// fields or a weak password, a username or email that is taken, the last tenant admin,
/// a database failure.
pub(crate) async fn run(repo: &dyn UserRepository, command: UserCommand) -> CliResult<Report> {
    match command {
        UserCommand::Create {
            tenant,
            username,
            email,
            display_name,
            tenant_roles,
            password_stdin,
        } => {
            let tenant = tenant.resolve(repo).await?;
            // Asked for only once the tenant is known to exist.
            let password = password::new_password(password_stdin)?;
            let username = username.unwrap_or_default();
            let input = NewUser {
                display_name: display_name.unwrap_or_else(|| username.clone()),
                username,
                email,
                password,
                tenant_roles,
                ..NewUser::default()
            };
            let user = repo.create_user(tenant.id, input, None).await?;
            Ok(Report::User(Box::new(user)))
        }
        UserCommand::Import {
            tenant,
            file,
            superuser_role,
            dry_run,
        } => {
            let tenant = tenant.resolve(repo).await?;
            let options = crate::import::Options {
                file: &file,
                superuser_role,
                dry_run,
            };
            let report = crate::import::run(repo, &tenant, options).await?;
            Ok(Report::Imported(report))
        }
        UserCommand::List {
            tenant,
            status,
            plant,
            search,
            contains,
        } => {
            let tenant = tenant.resolve(repo).await?;
            let plant = match plant {
                Some(code) => Some(lookup::plant(repo, &tenant, &code).await?.id),
                None => None,
            };
            let filter = UserFilter {
                status,
                plant,
                search,
                search_mode: if contains {
                    SearchMode::Contains
                } else {
                    SearchMode::Prefix
                },
                ..UserFilter::default()
            };
            let users = pages::all(|page| {
                let query = UserQuery {
                    filter: filter.clone(),
                    page,
                    ..UserQuery::default()
                };
                async move { repo.list_users(tenant.id, &query).await }
            })
            .await?;
            Ok(Report::Users(users))
        }
        UserCommand::Show(target) => {
            let (_, user) = target.resolve(repo).await?;
            Ok(Report::User(Box::new(user)))
        }
        UserCommand::Deactivate(target) => {
            let (tenant, user) = target.resolve(repo).await?;
            let user = repo.deactivate_user(tenant.id, user.id, None).await?;
            Ok(Report::User(Box::new(user)))
        }
        UserCommand::Reactivate(target) => {
            let (tenant, user) = target.resolve(repo).await?;
            let user = repo.reactivate_user(tenant.id, user.id, None).await?;
            Ok(Report::User(Box::new(user)))
        }
        UserCommand::Delete(target) => {
            let (tenant, user) = target.resolve(repo).await?;
            repo.delete_user(tenant.id, user.id, None).await?;
            Ok(Report::Deleted(DeletedUser {
                deleted: true,
                username: user.username,
                pid: user.pid.to_string(),
            }))
        }
        UserCommand::SetPassword { user: target, .. } => {
            let (tenant, user) = target.resolve(repo).await?;
            let password = password::password_from_stdin()?;
            repo.set_password(tenant.id, user.id, &password, None)
                .await?;
            Ok(Report::Done(Done {
                outcome: "password_set",
                username: user.username,
            }))
        }
        UserCommand::VerifyPassword { user: target, .. } => {
            // Resolved by the tenant only: an unknown user must fail exactly like a wrong
            // password (and cost the same), not as "user not found".
            let tenant = target.tenant.resolve(repo).await?;
            let password = password::password_from_stdin()?;
            let context = LoginContext::from(LoginSource::cli());
            let authenticated = repo
                .authenticate(tenant.id, &target.username, &password, context)
                .await?;
            Ok(Report::Done(Done {
                outcome: "password_matches",
                username: authenticated.user.username,
            }))
        }
        UserCommand::Unlock(target) => {
            let (tenant, user) = target.resolve(repo).await?;
            let user = repo.unlock_user(tenant.id, user.id, None).await?;
            Ok(Report::Done(Done {
                outcome: "unlocked",
                username: user.username,
            }))
        }
    }
}
