//! `tenantry role catalogue|grant|revoke|replace|assign|remove|tenant`
//!
//! Roles are keys of the catalogue stored in the database (what the service declared at its
//! last start), so the CLI works with any host's roles without its Rust types: the store is
//! opened with that catalogue, and an unknown key is refused by it.

use crate::error::CliResult;
use crate::lookup::{self, UserArg, parse_role, parse_role_or_none};
use crate::output::Report;
use clap::{Args, Subcommand};
use tenantry_service::migration::sea_orm::DatabaseConnection;
use tenantry_service::{
    GrantScope, PlantRole, RoleKey, RoleSet, TenantView, UserRepository, load_role_catalogue,
};

/// `tenantry role …`
#[derive(Subcommand, Debug, Clone)]
pub(crate) enum RoleCommand {
    /// List the role catalogue stored in the database (what the service declared at its last
    /// start): keys, names, where each may be granted, what it implies, delegation.
    Catalogue,
    /// Grant a user a role: tenant-wide, or at one plant with `--plant`. In a catalogue with one
    /// role per scope it replaces the role held there.
    Grant(GrantArgs),
    /// Revoke a role from a user: tenant-wide, or at one plant with `--plant` (not holding it is
    /// not an error).
    Revoke(GrantArgs),
    /// Replace all of a user's roles, in one transaction: exactly the `--role`s tenant-wide and
    /// the `--plant-role`s at plants (none of either: no roles).
    Replace {
        #[command(flatten)]
        user: UserArg,
        /// A tenant-wide role (repeat for several).
        #[arg(long = "role", value_name = "ROLE", value_parser = parse_role)]
        roles: Vec<RoleKey>,
        /// A role at a plant, as `CODE=ROLE` (repeat for several).
        #[arg(long = "plant-role", value_name = "CODE=ROLE")]
        plant_roles: Vec<String>,
    },
    /// Give a user a role at one plant (`grant --plant`).
    Assign {
        #[command(flatten)]
        user: UserArg,
        /// The plant's code.
        #[arg(long, value_name = "CODE")]
        plant: String,
        /// The role's key.
        #[arg(value_parser = parse_role)]
        role: RoleKey,
    },
    /// Remove every role a user holds at one plant (none there is not an error).
    Remove {
        #[command(flatten)]
        user: UserArg,
        /// The plant's code.
        #[arg(long, value_name = "CODE")]
        plant: String,
    },
    /// Set a user's tenant-wide roles to exactly one role, or to none with `none`.
    Tenant {
        #[command(flatten)]
        user: UserArg,
        /// A role's key, or none.
        // Spelt out so clap takes the whole `Option` as the parsed value (`none` is `None`)
        // instead of making the argument optional.
        #[arg(value_name = "ROLE", value_parser = parse_role_or_none)]
        role: std::option::Option<RoleKey>,
    },
}

/// Who, which role, and where: the arguments of `grant` and `revoke`.
#[derive(Args, Debug, Clone)]
pub(crate) struct GrantArgs {
    #[command(flatten)]
    user: UserArg,
    /// The role's key.
    #[arg(value_parser = parse_role)]
    role: RoleKey,
    /// At this plant (code) only; without it, tenant-wide.
    #[arg(long, value_name = "CODE")]
    plant: Option<String>,
}

/// Runs a `role` command; reports the user with its roles after the change.
///
/// # Errors
///
/// An unknown tenant, user or plant; a malformed `--plant-role`; the library's: a role the
/// catalogue refuses, the last tenant admin, a database failure.
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
        RoleCommand::Grant(GrantArgs { user, role, plant }) => {
            let (tenant, user) = user.resolve(repo).await?;
            let scope = scope(repo, &tenant, plant.as_deref()).await?;
            repo.grant_role(tenant.id, user.id, scope, role, None)
                .await?
        }
        RoleCommand::Revoke(GrantArgs { user, role, plant }) => {
            let (tenant, user) = user.resolve(repo).await?;
            let scope = scope(repo, &tenant, plant.as_deref()).await?;
            repo.revoke_role(tenant.id, user.id, scope, role, None)
                .await?
        }
        RoleCommand::Replace {
            user,
            roles,
            plant_roles,
        } => {
            let (tenant, user) = user.resolve(repo).await?;
            let mut at_plants = Vec::with_capacity(plant_roles.len());
            for pair in &plant_roles {
                let (code, role) = split_plant_role(pair)?;
                let plant = lookup::plant(repo, &tenant, code).await?;
                at_plants.push(PlantRole::new(plant.id, role));
            }
            let set = RoleSet::all(roles, at_plants);
            repo.replace_roles(tenant.id, user.id, set, None).await?
        }
        RoleCommand::Assign { user, plant, role } => {
            let (tenant, user) = user.resolve(repo).await?;
            let scope = scope(repo, &tenant, Some(&plant)).await?;
            repo.grant_role(tenant.id, user.id, scope, role, None)
                .await?
        }
        RoleCommand::Remove { user, plant } => {
            let (tenant, user) = user.resolve(repo).await?;
            let scope = scope(repo, &tenant, Some(&plant)).await?;
            repo.revoke_roles_at(tenant.id, user.id, scope, None)
                .await?
        }
        RoleCommand::Tenant { user, role } => {
            let (tenant, user) = user.resolve(repo).await?;
            repo.replace_roles(tenant.id, user.id, RoleSet::tenant(role), None)
                .await?
        }
    };
    Ok(Report::User(Box::new(user)))
}

/// Tenant-wide, or at the tenant's plant with this code.
async fn scope(
    repo: &dyn UserRepository,
    tenant: &TenantView,
    plant: Option<&str>,
) -> CliResult<GrantScope> {
    Ok(match plant {
        None => GrantScope::Tenant,
        Some(code) => GrantScope::Plant(lookup::plant(repo, tenant, code).await?.id),
    })
}

/// `CODE=ROLE` as its two parts.
fn split_plant_role(pair: &str) -> CliResult<(&str, RoleKey)> {
    let invalid =
        || crate::error::CliError::msg(format!("--plant-role {pair:?}: expected CODE=ROLE"));
    let (code, role) = pair.split_once('=').ok_or_else(invalid)?;
    let role = parse_role(role).map_err(|_| invalid())?;
    Ok((code, role))
}
