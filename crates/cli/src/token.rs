//! `tenantry token reset`: a one-time password-reset token, printed once.

use crate::error::CliResult;
use crate::lookup::UserArg;
use crate::output::Report;
use chrono::{DateTime, Utc};
use clap::Subcommand;
use serde::Serialize;
use tenantry_service::UserRepository;

/// `tenantry token …`
#[derive(Subcommand, Debug, Clone)]
pub(crate) enum TokenCommand {
    /// Issue a password-reset token for an active user and print it (once: only its digest is
    /// stored). A newer token voids the older ones; it expires after the configured reset TTL.
    Reset(UserArg),
}

/// A token just issued.
#[derive(Serialize)]
pub(crate) struct IssuedTokenReport {
    /// The raw token.
    pub(crate) token: String,
    /// `password_reset`.
    pub(crate) purpose: &'static str,
    /// The user it acts on.
    pub(crate) username: Option<String>,
    /// When it stops working.
    pub(crate) expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for IssuedTokenReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedTokenReport")
            .field("token", &"[redacted]")
            .field("username", &self.username)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Runs a `token` command.
///
/// # Errors
///
/// An unknown tenant or user; the library's: the user is not active, a database failure.
pub(crate) async fn run(repo: &dyn UserRepository, command: TokenCommand) -> CliResult<Report> {
    match command {
        TokenCommand::Reset(target) => {
            let (tenant, user) = target.resolve(repo).await?;
            let issued = repo
                .issue_password_reset(tenant.id, user.id, None, None)
                .await?;
            Ok(Report::Token(IssuedTokenReport {
                token: issued.token.into_string(),
                purpose: issued.purpose.as_str(),
                username: user.username,
                expires_at: issued.expires_at,
            }))
        }
    }
}
