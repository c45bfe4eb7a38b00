//! `tenantry scim token create|list|revoke`: the bearer tokens of a tenant's SCIM endpoints.

use crate::error::{CliError, CliResult};
use crate::lookup::TenantArg;
use crate::output::Report;
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use serde::Serialize;
use tenantry_service::{ScimTokenView, UserRepository};
use uuid::Uuid;

/// `tenantry scim …`
#[derive(Subcommand, Debug, Clone)]
pub(crate) enum ScimCommand {
    /// The tenant's SCIM bearer tokens.
    #[command(subcommand)]
    Token(ScimTokenCommand),
}

/// `tenantry scim token …`
#[derive(Subcommand, Debug, Clone)]
pub(crate) enum ScimTokenCommand {
    /// Make a bearer token for the tenant's SCIM endpoints and print it, alone on the last
    /// line (once: only its digest is stored).
    Create(Create),
    /// List the tenant's tokens (never their values): public id, name, made, last used,
    /// revoked.
    List(TenantArg),
    /// Revoke one of the tenant's tokens, named by its public id or its name: its next request
    /// is refused.
    Revoke(Revoke),
}

/// `scim token create`
#[derive(Args, Debug, Clone)]
pub(crate) struct Create {
    #[command(flatten)]
    tenant: TenantArg,
    /// A name for the token (e.g. the client's: `entra`, `okta`).
    #[arg(long, default_value = "scim")]
    name: String,
}

/// `scim token revoke`
#[derive(Args, Debug, Clone)]
pub(crate) struct Revoke {
    #[command(flatten)]
    tenant: TenantArg,
    /// The token's public id, or its name (which must then name one live token).
    #[arg(value_name = "ID|NAME")]
    token: String,
}

/// A token just made.
#[derive(Serialize)]
pub(crate) struct ScimTokenReport {
    /// The tenant's slug.
    pub(crate) tenant: String,
    /// The token's public id.
    pub(crate) pid: Uuid,
    /// Its name.
    pub(crate) name: String,
    /// When it was made.
    pub(crate) created_at: DateTime<Utc>,
    /// The raw token.
    pub(crate) token: String,
}

impl std::fmt::Debug for ScimTokenReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScimTokenReport")
            .field("tenant", &self.tenant)
            .field("pid", &self.pid)
            .field("name", &self.name)
            .field("token", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// Runs a `scim` command.
///
/// # Errors
///
/// An unknown tenant or token, a name that names several live tokens, a bad name; a database
/// failure.
pub(crate) async fn run(repo: &dyn UserRepository, command: ScimCommand) -> CliResult<Report> {
    let ScimCommand::Token(command) = command;
    match command {
        ScimTokenCommand::Create(create) => {
            let tenant = create.tenant.resolve(repo).await?;
            let (view, raw) = repo
                .create_scim_token(tenant.id, &create.name, None)
                .await?;
            Ok(Report::ScimToken(ScimTokenReport {
                tenant: tenant.slug,
                pid: view.pid,
                name: view.name,
                created_at: view.created_at,
                token: raw.into_string(),
            }))
        }
        ScimTokenCommand::List(tenant) => {
            let tenant = tenant.resolve(repo).await?;
            Ok(Report::ScimTokens(repo.list_scim_tokens(tenant.id).await?))
        }
        ScimTokenCommand::Revoke(revoke) => {
            let tenant = revoke.tenant.resolve(repo).await?;
            let pid = match Uuid::parse_str(&revoke.token) {
                Ok(pid) => pid,
                Err(_) => by_name(repo, tenant.id, &revoke.token).await?,
            };
            let view = repo
                .revoke_scim_token(tenant.id, pid, None)
                .await
                .map_err(|e| match e {
                    tenantry_service::Error::NotFound => CliError::NotFound {
                        kind: "SCIM token",
                        name: revoke.token.clone(),
                    },
                    other => other.into(),
                })?;
            Ok(Report::ScimTokens(vec![view]))
        }
    }
}

/// The public id of the tenant's one live token named `name`.
async fn by_name(
    repo: &dyn UserRepository,
    tenant: tenantry_service::TenantId,
    name: &str,
) -> CliResult<Uuid> {
    let live: Vec<ScimTokenView> = repo
        .list_scim_tokens(tenant)
        .await?
        .into_iter()
        .filter(|t| t.name == name && t.revoked_at.is_none())
        .collect();
    match live.as_slice() {
        [one] => Ok(one.pid),
        [] => Err(CliError::NotFound {
            kind: "live SCIM token",
            name: name.to_owned(),
        }),
        _ => Err(CliError::msg(format!(
            "{} live SCIM tokens are named {name:?}: revoke one by its id (`scim token list`)",
            live.len()
        ))),
    }
}
