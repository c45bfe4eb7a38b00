//! Turning what an operator types (a tenant slug, a plant code, a username, a role name) into
//! the library's ids and values. Every command resolves its names here, before it changes
//! anything, so a misspelt name fails without a write.

use crate::error::{CliError, CliResult};
use clap::Args;
use tenantry_service::{PlantView, RoleKey, TenantView, UserRepository, UserStatus, UserView};

/// `--tenant T`: the tenant a command works in.
#[derive(Args, Debug, Clone)]
pub(crate) struct TenantArg {
    /// The tenant's slug.
    #[arg(long, value_name = "SLUG")]
    pub(crate) tenant: String,
}

impl TenantArg {
    /// The tenant named by `--tenant`.
    ///
    /// # Errors
    ///
    /// [`CliError::NotFound`] when no tenant has the slug; a database failure.
    pub(crate) async fn resolve(&self, repo: &dyn UserRepository) -> CliResult<TenantView> {
        tenant(repo, &self.tenant).await
    }
}

/// `--tenant T <username>`: one user of a tenant.
#[derive(Args, Debug, Clone)]
pub(crate) struct UserArg {
    #[command(flatten)]
    pub(crate) tenant: TenantArg,
    /// The user's username, or its email (for a user without a username), case-insensitive.
    pub(crate) username: String,
}

impl UserArg {
    /// The tenant and the user named on the command line.
    ///
    /// # Errors
    ///
    /// [`CliError::NotFound`] when the tenant or the user does not exist (a soft-deleted user
    /// does not); a database failure.
    pub(crate) async fn resolve(
        &self,
        repo: &dyn UserRepository,
    ) -> CliResult<(TenantView, UserView)> {
        let tenant = self.tenant.resolve(repo).await?;
        let user = user(repo, &tenant, &self.username).await?;
        Ok((tenant, user))
    }
}

/// The tenant with this slug.
///
/// # Errors
///
/// [`CliError::NotFound`] when there is none; a database failure.
pub(crate) async fn tenant(repo: &dyn UserRepository, slug: &str) -> CliResult<TenantView> {
    repo.get_tenant_by_slug(slug)
        .await?
        .ok_or_else(|| not_found("tenant", slug))
}

/// The tenant's plant with this code (case-insensitive).
///
/// # Errors
///
/// [`CliError::NotFound`] when there is none; a database failure.
pub(crate) async fn plant(
    repo: &dyn UserRepository,
    tenant: &TenantView,
    code: &str,
) -> CliResult<PlantView> {
    repo.get_plant_by_code(tenant.id, code)
        .await?
        .ok_or_else(|| not_found("plant", code))
}

/// The tenant's user with this username, or this email when it holds an `@` (as a login
/// does; users without a username have only their email), case-insensitively.
///
/// # Errors
///
/// [`CliError::NotFound`] when there is none; a database failure.
pub(crate) async fn user(
    repo: &dyn UserRepository,
    tenant: &TenantView,
    username: &str,
) -> CliResult<UserView> {
    let found = if username.contains('@') {
        repo.get_user_by_email(tenant.id, username).await?
    } else {
        repo.get_user_by_username(tenant.id, username).await?
    };
    found.ok_or_else(|| not_found("user", username))
}

fn not_found(kind: &'static str, name: &str) -> CliError {
    CliError::NotFound {
        kind,
        name: name.to_owned(),
    }
}

/// Parses a role key for clap (its form only: the catalogue decides whether it exists).
///
/// # Errors
///
/// What is wrong with the key.
pub(crate) fn parse_role(name: &str) -> Result<RoleKey, String> {
    RoleKey::new(name).map_err(|error| error.to_string())
}

/// Parses a role key or `none` (no role) for clap.
///
/// # Errors
///
/// What is wrong with the key.
pub(crate) fn parse_role_or_none(name: &str) -> Result<Option<RoleKey>, String> {
    if name == "none" {
        return Ok(None);
    }
    parse_role(name).map(Some)
}

/// Parses a user status for clap: `invited`, `active` or `suspended`.
///
/// # Errors
///
/// A message listing the valid names.
pub(crate) fn parse_status(name: &str) -> Result<UserStatus, String> {
    name.parse()
        .map_err(|_| "expected one of invited, active, suspended".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_and_status_names() {
        let key = |k: &str| RoleKey::new(k).expect("key");
        assert_eq!(parse_role("engineer"), Ok(key("engineer")));
        // Any well-formed key: the stored catalogue decides whether it exists.
        assert_eq!(parse_role("project_manager"), Ok(key("project_manager")));
        assert!(parse_role("Admin").is_err());
        assert!(parse_role("").is_err());
        assert_eq!(parse_role_or_none("none"), Ok(None));
        assert_eq!(parse_role_or_none("admin"), Ok(Some(key("admin"))));
        assert!(parse_role_or_none("\u{430}dmin").is_err());
        assert_eq!(parse_status("suspended"), Ok(UserStatus::Suspended));
        assert!(parse_status("deleted").is_err());
    }
}
