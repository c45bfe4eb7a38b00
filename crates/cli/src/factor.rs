//! `tenantry factor list|enrol|confirm|remove|reset|policy`: users' second factors, for an
//! operator (enrolling a kiosk account, a helpdesk reset) and the tenant's policy.

use crate::error::{CliError, CliResult};
use crate::lookup::{TenantArg, user};
use crate::output::Report;
use clap::{Args, Subcommand};
use serde::Serialize;
use tenantry_service::{
    AuthenticatorView, RoleKey, SecondFactorPolicy, TenantView, UserRepository, UserView,
};

/// `tenantry factor …`
#[derive(Subcommand, Debug, Clone)]
pub(crate) enum FactorCommand {
    /// List a user's second factors and how many recovery codes are left.
    List(FactorUser),
    /// Begin enrolling a TOTP authenticator for a user: prints its id, the secret and the
    /// otpauth:// URI (shown once; needs TENANTRY_SECOND_FACTOR_KEYS).
    Enrol(Enrol),
    /// Confirm a pending TOTP authenticator with a current code; prints the first recovery
    /// codes (shown once) when the user had none.
    Confirm(Confirm),
    /// Remove (disable) one of a user's authenticators.
    Remove(Remove),
    /// Reset a user's second factors: every authenticator and recovery code removed, its
    /// sessions ended.
    Reset(FactorUser),
    /// Show or set who of the tenant must have a second factor.
    Policy(Policy),
}

/// `--tenant T --user U`: whose factors.
#[derive(Args, Debug, Clone)]
pub(crate) struct FactorUser {
    #[command(flatten)]
    tenant: TenantArg,
    /// The user's username, or its email (for a user without a username), case-insensitive.
    #[arg(long, value_name = "USERNAME")]
    user: String,
}

impl FactorUser {
    async fn resolve(&self, repo: &dyn UserRepository) -> CliResult<(TenantView, UserView)> {
        let tenant = self.tenant.resolve(repo).await?;
        let user = user(repo, &tenant, &self.user).await?;
        Ok((tenant, user))
    }
}

/// `factor enrol`.
#[derive(Args, Debug, Clone)]
pub(crate) struct Enrol {
    #[command(flatten)]
    whose: FactorUser,
    /// The authenticator's name.
    #[arg(long, default_value = "authenticator app")]
    name: String,
}

/// `factor confirm`.
#[derive(Args, Debug, Clone)]
pub(crate) struct Confirm {
    #[command(flatten)]
    whose: FactorUser,
    /// The pending authenticator's id, as `factor enrol` printed it.
    #[arg(long)]
    id: i64,
    /// A current code of the app.
    #[arg(long)]
    code: String,
}

/// `factor remove`.
#[derive(Args, Debug, Clone)]
pub(crate) struct Remove {
    #[command(flatten)]
    whose: FactorUser,
    /// The authenticator's id, as `factor list` shows it.
    #[arg(long)]
    id: i64,
}

/// `factor policy`: shows it, or sets it with one of the flags.
#[derive(Args, Debug, Clone)]
#[group(id = "required", multiple = false, args = ["nobody", "everyone", "roles"])]
pub(crate) struct Policy {
    #[command(flatten)]
    tenant: TenantArg,
    /// Nobody must (the default).
    #[arg(long)]
    nobody: bool,
    /// Every user must.
    #[arg(long)]
    everyone: bool,
    /// Holders of these roles must (comma-separated keys of the catalogue).
    #[arg(long, value_delimiter = ',', value_name = "ROLE,...")]
    roles: Option<Vec<String>>,
}

/// What `factor list` reports.
#[derive(Debug, Serialize)]
pub(crate) struct FactorList {
    pub(crate) authenticators: Vec<AuthenticatorView>,
    pub(crate) recovery_codes_left: u64,
}

/// What `factor enrol` and `factor confirm` print: shown once.
#[derive(Debug, Serialize)]
pub(crate) struct Shown {
    /// `enrolment_begun` or `confirmed`.
    pub(crate) outcome: &'static str,
    pub(crate) authenticator: i64,
    /// The secret and URI (`enrol`), or the recovery codes (`confirm`).
    pub(crate) secrets: Vec<(String, String)>,
}

/// Runs a `factor` command.
///
/// # Errors
///
/// An unknown tenant, user or authenticator; a wrong code; no sealing key; a database failure.
pub(crate) async fn run(repo: &dyn UserRepository, command: FactorCommand) -> CliResult<Report> {
    match command {
        FactorCommand::List(whose) => {
            let (tenant, user) = whose.resolve(repo).await?;
            Ok(Report::Factors(FactorList {
                authenticators: repo.authenticators(tenant.id, user.id).await?,
                recovery_codes_left: repo.recovery_codes_left(tenant.id, user.id).await?,
            }))
        }
        FactorCommand::Enrol(enrol) => {
            let (tenant, user) = enrol.whose.resolve(repo).await?;
            let begun = repo.enrol_totp(tenant.id, user.id, &enrol.name).await?;
            Ok(Report::Shown(Shown {
                outcome: "enrolment_begun",
                authenticator: begun.authenticator,
                secrets: vec![
                    ("secret".to_owned(), begun.secret.expose().to_owned()),
                    ("uri".to_owned(), begun.uri.expose().to_owned()),
                ],
            }))
        }
        FactorCommand::Confirm(confirm) => {
            let (tenant, user) = confirm.whose.resolve(repo).await?;
            let codes = repo
                .confirm_totp(tenant.id, user.id, confirm.id, &confirm.code, None)
                .await
                .map_err(|e| match e {
                    tenantry_service::Error::InvalidCredentials => {
                        CliError::msg("the code is wrong (or of another step); nothing changed")
                    }
                    other => other.into(),
                })?;
            let secrets = codes
                .iter()
                .flat_map(|codes| codes.expose().iter())
                .map(|code| ("recovery_code".to_owned(), code.clone()))
                .collect();
            Ok(Report::Shown(Shown {
                outcome: "confirmed",
                authenticator: confirm.id,
                secrets,
            }))
        }
        FactorCommand::Remove(remove) => {
            let (tenant, user) = remove.whose.resolve(repo).await?;
            repo.remove_authenticator(tenant.id, user.id, remove.id, None)
                .await?;
            Ok(Report::Done(crate::user::Done {
                outcome: "authenticator_removed",
                username: user.username,
            }))
        }
        FactorCommand::Reset(whose) => {
            let (tenant, user) = whose.resolve(repo).await?;
            repo.reset_second_factors(tenant.id, user.id, None).await?;
            Ok(Report::Done(crate::user::Done {
                outcome: "second_factors_reset",
                username: user.username,
            }))
        }
        FactorCommand::Policy(policy) => {
            let tenant = policy.tenant.resolve(repo).await?;
            let wanted = if policy.nobody {
                Some(SecondFactorPolicy::Nobody)
            } else if policy.everyone {
                Some(SecondFactorPolicy::Everyone)
            } else if let Some(keys) = policy.roles {
                let keys = keys
                    .iter()
                    .map(|key| RoleKey::new(key))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| CliError::msg(e.to_string()))?;
                Some(SecondFactorPolicy::Roles(keys))
            } else {
                None
            };
            let current = match wanted {
                Some(policy) => {
                    repo.set_second_factor_policy(tenant.id, policy, None)
                        .await?
                }
                None => repo.second_factor_policy(tenant.id).await?,
            };
            Ok(Report::FactorPolicy(current))
        }
    }
}
