//! `tenantry session list|revoke|prune`: a user's sessions in the database session store.

use crate::error::{CliError, CliResult};
use crate::lookup::{TenantArg, user};
use crate::output::Report;
use clap::{Args, Subcommand};
use serde::Serialize;
use tenantry_service::{TenantView, UserRepository, UserView};
use uuid::Uuid;

/// `tenantry session …`
#[derive(Subcommand, Debug, Clone)]
pub(crate) enum SessionCommand {
    /// List a user's live sessions (newest first): public id, start, last seen, expiry,
    /// address, user agent.
    List(SessionUser),
    /// Revoke one of a user's sessions (`--session PID`) or all of them (`--all`): each ends
    /// on its next request.
    Revoke(Revoke),
    /// Delete every ended session (expired or revoked), keeping each user's usage.
    Prune,
}

/// `--tenant T --user U`: whose sessions.
#[derive(Args, Debug, Clone)]
pub(crate) struct SessionUser {
    #[command(flatten)]
    tenant: TenantArg,
    /// The user's username, or its email (for a user without a username), case-insensitive.
    #[arg(long, value_name = "USERNAME")]
    user: String,
}

impl SessionUser {
    async fn resolve(&self, repo: &dyn UserRepository) -> CliResult<(TenantView, UserView)> {
        let tenant = self.tenant.resolve(repo).await?;
        let user = user(repo, &tenant, &self.user).await?;
        Ok((tenant, user))
    }
}

/// `session revoke`: one session, or all.
#[derive(Args, Debug, Clone)]
#[group(id = "which", required = true, multiple = false, args = ["session", "all"])]
pub(crate) struct Revoke {
    #[command(flatten)]
    whose: SessionUser,
    /// The session's public id, as `session list` shows it.
    #[arg(long, value_name = "PID")]
    session: Option<Uuid>,
    /// Every live session of the user.
    #[arg(long)]
    all: bool,
}

/// What `session revoke` and `session prune` report.
#[derive(Debug, Serialize)]
pub(crate) struct SessionsEnded {
    /// `revoked` or `pruned`.
    pub(crate) outcome: &'static str,
    /// How many sessions.
    pub(crate) sessions: u64,
    /// Whose (`revoke` only).
    pub(crate) username: Option<String>,
}

/// Runs a `session` command.
///
/// # Errors
///
/// An unknown tenant, user or session of that user; a database failure.
pub(crate) async fn run(repo: &dyn UserRepository, command: SessionCommand) -> CliResult<Report> {
    match command {
        SessionCommand::List(whose) => {
            let (tenant, user) = whose.resolve(repo).await?;
            Ok(Report::Sessions(
                repo.list_sessions(tenant.id, user.id).await?,
            ))
        }
        SessionCommand::Revoke(revoke) => {
            let (tenant, user) = revoke.whose.resolve(repo).await?;
            let sessions = match revoke.session {
                Some(pid) => repo
                    .revoke_session(tenant.id, user.id, pid, None)
                    .await
                    .map(|()| 1)
                    .map_err(|e| match e {
                        // The user was resolved above: what is missing is the session.
                        tenantry_service::Error::NotFound => CliError::NotFound {
                            kind: "live session",
                            name: pid.to_string(),
                        },
                        other => other.into(),
                    })?,
                None => repo.revoke_all_sessions(tenant.id, user.id, None).await?,
            };
            Ok(Report::SessionsEnded(SessionsEnded {
                outcome: "revoked",
                sessions,
                username: user.username,
            }))
        }
        SessionCommand::Prune => Ok(Report::SessionsEnded(SessionsEnded {
            outcome: "pruned",
            sessions: repo.prune_sessions().await?,
            username: None,
        })),
    }
}
