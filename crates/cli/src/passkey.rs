//! `tenantry passkey list|remove`: a user's passkeys. Registering one needs the user's browser
//! or device (a WebAuthn ceremony), so it is the host's sign-in pages' to do, never the CLI's.

use crate::error::{CliError, CliResult};
use crate::lookup::{TenantArg, user};
use crate::output::Report;
use crate::user::Done;
use clap::{Args, Subcommand};
use tenantry_service::{TenantView, UserRepository, UserView};

/// `tenantry passkey …`
#[derive(Subcommand, Debug, Clone)]
pub(crate) enum PasskeyCommand {
    /// List a user's passkeys: id, name, registered, last used.
    List(PasskeyUser),
    /// Remove one of a user's passkeys (`--passkey ID`, as `passkey list` shows it): it signs
    /// in no more.
    Remove(Remove),
}

/// `--tenant T --user U`: whose passkeys.
#[derive(Args, Debug, Clone)]
pub(crate) struct PasskeyUser {
    #[command(flatten)]
    tenant: TenantArg,
    /// The user's username, or its email (for a user without a username), case-insensitive.
    #[arg(long, value_name = "USERNAME")]
    user: String,
}

impl PasskeyUser {
    async fn resolve(&self, repo: &dyn UserRepository) -> CliResult<(TenantView, UserView)> {
        let tenant = self.tenant.resolve(repo).await?;
        let user = user(repo, &tenant, &self.user).await?;
        Ok((tenant, user))
    }
}

/// `passkey remove`: one passkey of the user.
#[derive(Args, Debug, Clone)]
pub(crate) struct Remove {
    #[command(flatten)]
    whose: PasskeyUser,
    /// The passkey's id, as `passkey list` shows it.
    #[arg(long, value_name = "ID")]
    passkey: i64,
}

/// Runs a `passkey` command.
///
/// # Errors
///
/// An unknown tenant, user or passkey of that user; a database failure.
pub(crate) async fn run(repo: &dyn UserRepository, command: PasskeyCommand) -> CliResult<Report> {
    match command {
        PasskeyCommand::List(whose) => {
            let (tenant, user) = whose.resolve(repo).await?;
            Ok(Report::Passkeys(repo.passkeys(tenant.id, user.id).await?))
        }
        PasskeyCommand::Remove(remove) => {
            let (tenant, user) = remove.whose.resolve(repo).await?;
            repo.remove_passkey(tenant.id, user.id, remove.passkey, None)
                .await
                .map_err(|e| match e {
                    // The user was resolved above: what is missing is the passkey.
                    tenantry_service::Error::NotFound => CliError::NotFound {
                        kind: "passkey",
                        name: remove.passkey.to_string(),
                    },
                    other => other.into(),
                })?;
            Ok(Report::Done(Done {
                outcome: "passkey_removed",
                username: user.username,
            }))
        }
    }
}
