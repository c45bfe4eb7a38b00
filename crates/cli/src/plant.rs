//! `tenantry plant create|list`

use crate::error::CliResult;
use crate::lookup::TenantArg;
use crate::output::Report;
use clap::Subcommand;
use tenantry_service::{NewPlant, UserRepository};

/// `tenantry plant …`
#[derive(Subcommand, Debug, Clone)]
pub(crate) enum PlantCommand {
    /// Create a plant (site) of a tenant.
    Create {
        #[command(flatten)]
        tenant: TenantArg,
        /// Code, unique in the tenant (case-insensitively).
        code: String,
        /// Display name.
        #[arg(long)]
        name: String,
    },
    /// List a tenant's plants, by code.
    List {
        #[command(flatten)]
        tenant: TenantArg,
    },
}

/// Runs a `plant` command.
///
/// # Errors
///
/// An unknown tenant; the library's: an invalid code or name, a code that is taken, a
/// database failure.
pub(crate) async fn run(repo: &dyn UserRepository, command: PlantCommand) -> CliResult<Report> {
    match command {
        PlantCommand::Create { tenant, code, name } => {
            let tenant = tenant.resolve(repo).await?;
            let plant = repo
                .create_plant(tenant.id, NewPlant { code, name }, None)
                .await?;
            Ok(Report::Plant(plant))
        }
        PlantCommand::List { tenant } => {
            let tenant = tenant.resolve(repo).await?;
            Ok(Report::Plants(repo.list_plants(tenant.id).await?))
        }
    }
}
