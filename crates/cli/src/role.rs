//! `tenantry role assign|remove|tenant|catalogue`

use crate::error::CliResult;
use crate::lookup::{self, UserArg, parse_role, parse_role_or_none};
use crate::output::Report;
use clap::Subcommand;
use tenantry_service::migration::sea_orm::DatabaseConnection;
use tenantry_service::{UserRepository, UserRole, load_role_catalogue};

/// `tenantry role …`
#[derive(Subcommand, Debug, Clone)]
pub(crate) enum RoleCommand {
    /// List the role catalogue stored in the database (what the service declared at its last
    /// start): keys, names, where each may be granted, what it implies, delegation.
    Catalogue,
    /// Give a user a role at one plant (or change the role it has there).
    Assign {
        #[command(flatten)]
        user: UserArg,
        /// The plant's code.
        #[arg(long, value_name = "CODE")]
        plant: String,
        /// operator, supervisor, engineer or admin.
        #[arg(value_parser = parse_role)]
        role: UserRole,
    },
    /// Remove a user's role at one plant (no role there is not an error).
    Remove {
        #[command(flatten)]
        user: UserArg,
        /// The plant's code.
        #[arg(long, value_name = "CODE")]
        plant: String,
    },
    /// Set a user's tenant-wide role, which applies at every plant, or clear it with `none`.
    Tenant {
        #[command(flatten)]
        user: UserArg,
        /// operator, supervisor, engineer, admin or none.
        // Spelt out so clap takes the whole `Option` as the parsed value (`none` is `None`)
        // instead of making the argument optional.
        #[arg(value_name = "ROLE", value_parser = parse_role_or_none)]
        role: std::option::Option<UserRole>,
    },
}

/// Runs a `role` command; reports the user with its roles after the change.
///
/// # Errors
///
/// An unknown tenant, user or plant; the library's: the last tenant admin, a database failure.
pub(crate) async fn run(
    db: &DatabaseConnection,
    repo: &dyn UserRepository,
    command: RoleCommand,
) -> CliResult<Report> {
    let user = match command {
        RoleCommand::Catalogue => {
            // Read from the database: the CLI does not have the host's role types.
            return Ok(Report::Roles(load_role_catalogue(db).await?));
        }
        RoleCommand::Assign { user, plant, role } => {
            let (tenant, user) = user.resolve(repo).await?;
            let plant = lookup::plant(repo, &tenant, &plant).await?;
            repo.assign_plant_role(tenant.id, user.id, plant.id, role, None)
                .await?
        }
        RoleCommand::Remove { user, plant } => {
            let (tenant, user) = user.resolve(repo).await?;
            let plant = lookup::plant(repo, &tenant, &plant).await?;
            repo.remove_plant_role(tenant.id, user.id, plant.id, None)
                .await?
        }
        RoleCommand::Tenant { user, role } => {
            let (tenant, user) = user.resolve(repo).await?;
            repo.set_tenant_role(tenant.id, user.id, role, None).await?
        }
    };
    Ok(Report::User(Box::new(user)))
}
