//! `tenantry tenant create|list`

use crate::error::CliResult;
use crate::output::Report;
use crate::pages;
use clap::Subcommand;
use tenantry_service::{NewTenant, UserRepository};

/// `tenantry tenant …`
#[derive(Subcommand, Debug, Clone)]
pub(crate) enum TenantCommand {
    /// Create a tenant.
    Create {
        /// Unique slug: 3–63 of a-z, 0-9 and `-`.
        slug: String,
        /// Display name.
        #[arg(long)]
        name: String,
    },
    /// List every tenant, by slug.
    List,
}

/// Runs a `tenant` command.
///
/// # Errors
///
/// The library's: an invalid slug or name, a slug that is taken, a database failure.
pub(crate) async fn run(repo: &dyn UserRepository, command: TenantCommand) -> CliResult<Report> {
    match command {
        TenantCommand::Create { slug, name } => {
            let tenant = repo.create_tenant(NewTenant { slug, name }, None).await?;
            Ok(Report::Tenant(tenant))
        }
        TenantCommand::List => {
            let tenants = pages::all(|page| repo.list_tenants(page)).await?;
            Ok(Report::Tenants(tenants))
        }
    }
}
