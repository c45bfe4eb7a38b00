//! [`IdentityProviders`]: per tenant, what signing in through an identity provider may do, and
//! the sign-in itself.

use crate::error::Result;
use crate::inputs::{Actor, IdentityProviderPolicy, LoginContext, ProviderClaims};
use crate::views::{IdentityProviderView, IdentitySignIn};
use async_trait::async_trait;
use tenantry_entity::TenantId;

/// Per tenant, what signing in through an identity provider may do — create users just in
/// time, accept invitations, from which email domains — and the sign-in that applies it.
///
/// Part of [`UserRepository`](super::UserRepository); every method is exercised in
/// `crates/service/tests/identity_sign_in.rs`.
///
/// ```
/// use tenantry_service::prelude::*;
/// use tenantry_service::{
///     Config, IdentityProviderPolicy, LoginContext, LoginSource, ProviderClaims, SignInPath,
/// };
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let db = tenantry_service::connect("sqlite::memory:").await?;
/// # tenantry_service::migrate(&db).await?;
/// // A SaaS whose users come from Entra ID have no username: the email is the login.
/// let mut config = Config::insecure_fast_for_tests();
/// config.profile = "username=optional,email=required".parse()?;
/// let repo = tenantry_service::SeaOrmUserRepository::new(db, config)?;
/// # let acme = repo
/// #     .create_tenant(tenantry_service::NewTenant { slug: "acme".into(), name: "Acme".into() }, None)
/// #     .await?;
/// let entra = IdentityProviderPolicy {
///     provider: "entra".into(),
///     provisions_users: true,
///     accepts_invitations: true,
///     email_domains: vec!["acme.example".into()],
///     // Entra enforces its own MFA: its sign-ins skip tenantry's second step.
///     satisfies_second_factor: true,
/// };
/// repo.set_identity_provider(acme.id, entra, None).await?;
/// let claims = ProviderClaims {
///     provider: "entra".into(),
///     subject: "00000000-0000-0000-0000-000000000001".into(),
///     email: Some("Dana@acme.example".into()),
///     email_verified: true,
///     display_name: "Dana".into(),
///     ..Default::default()
/// };
/// let context = LoginContext::from(LoginSource::sso());
/// let first = repo.sign_in_with_identity(acme.id, claims.clone(), context.clone()).await?;
/// assert_eq!(first.path, SignInPath::Provisioned);
/// let again = repo.sign_in_with_identity(acme.id, claims, context).await?;
/// assert_eq!((again.path, again.signed_in().map(|l| l.user.id)), (SignInPath::Linked, first.signed_in().map(|l| l.user.id)));
/// # Ok(()) }
/// ```
#[async_trait]
pub trait IdentityProviders: Send + Sync {
    /// Sets the tenant's policy for a provider (creates or replaces it; audited). Domains are
    /// stored lowercase, without duplicates.
    ///
    /// # Errors
    /// `NotFound` (tenant), `InvalidInput` (`provider`, `email_domains`), `Database`.
    async fn set_identity_provider(
        &self,
        tenant: TenantId,
        policy: IdentityProviderPolicy,
        actor: Actor,
    ) -> Result<IdentityProviderView>;

    /// The tenant's policies, by provider name.
    ///
    /// # Errors
    /// `Database`.
    async fn identity_providers(&self, tenant: TenantId) -> Result<Vec<IdentityProviderView>>;

    /// Removes the tenant's policy for a provider (audited): its linked users still sign in.
    ///
    /// # Errors
    /// `NotFound`, `Database`.
    async fn remove_identity_provider(
        &self,
        tenant: TenantId,
        provider: &str,
        actor: Actor,
    ) -> Result<()>;

    /// Signs in someone the provider authenticated, into `tenant`:
    /// 1. a user of the tenant linked to the identity signs in (status checks and tracking as
    ///    [`Logins::record_login`](super::Logins::record_login));
    /// 2. else an invited user with the same email accepts the invitation — activated, linked,
    ///    signed in — where the policy accepts invitations and the provider verified the email;
    /// 3. else a new user is created for the identity, where the policy provisions users
    ///    (username, display name and email from the claims; the catalogue's default roles).
    ///
    /// Where the policy lists email domains, steps 2 and 3 need a verified email at one of
    /// them. Another live user with the email is never linked on the spot
    /// (`IdentityRefused(AccountExists)`): that would hand the account to whoever controls
    /// the address at the provider. Concurrent first sign-ins of one identity create one user.
    ///
    /// # Errors
    /// `IdentityRefused` (nothing written), `LoginRefused` (a linked user who may not sign in
    /// now; recorded), `InvalidInput` (claims a new user cannot be made from), `Database`.
    async fn sign_in_with_identity(
        &self,
        tenant: TenantId,
        claims: ProviderClaims,
        context: LoginContext,
    ) -> Result<IdentitySignIn>;
}
