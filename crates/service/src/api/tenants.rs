//! [`Tenants`]: create, look up, list, suspend and reactivate.

use crate::error::Result;
use crate::inputs::{Actor, NewTenant, PageRequest};
use crate::views::{Page, TenantView};
use async_trait::async_trait;
use tenantry_entity::TenantId;
use uuid::Uuid;

/// Tenants: create, look up, list, suspend and reactivate.
///
/// Part of [`UserRepository`](super::UserRepository); import it with
/// [`prelude`](crate::prelude).
///
/// Code that needs only tenants takes only this trait, so a test can hand it a mock:
///
/// ```
/// use tenantry_service::prelude::*;
/// use tenantry_service::TenantView;
///
/// async fn tenant_named(
///     tenants: &dyn Tenants,
///     slug: &str,
/// ) -> tenantry_service::Result<Option<TenantView>> {
///     tenants.get_tenant_by_slug(slug).await
/// }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let db = tenantry_service::connect("sqlite::memory:").await?;
/// # tenantry_service::migrate(&db).await?;
/// # let repo = tenantry_service::SeaOrmUserRepository::new(
/// #     db,
/// #     tenantry_service::Config::insecure_fast_for_tests(),
/// # )?;
/// # let acme = repo
/// #     .create_tenant(
/// #         tenantry_service::NewTenant { slug: "acme".into(), name: "Acme".into() },
/// #         None,
/// #     )
/// #     .await?;
/// assert_eq!(tenant_named(&repo, "acme").await?.map(|t| t.id), Some(acme.id));
/// assert!(tenant_named(&repo, "globex").await?.is_none());
/// # Ok(()) }
/// ```
#[async_trait]
pub trait Tenants: Send + Sync {
    /// Creates an active tenant.
    ///
    /// # Errors
    /// `InvalidInput` (slug, name), `SlugTaken`, `Database`.
    async fn create_tenant(&self, input: NewTenant, actor: Actor) -> Result<TenantView>;

    /// A tenant by id.
    ///
    /// # Errors
    /// `Database`.
    async fn get_tenant(&self, id: TenantId) -> Result<Option<TenantView>>;

    /// A tenant by public id.
    ///
    /// # Errors
    /// `Database`.
    async fn get_tenant_by_pid(&self, pid: Uuid) -> Result<Option<TenantView>>;

    /// A tenant by slug (exact: slugs are lowercase ASCII).
    ///
    /// # Errors
    /// `Database`.
    async fn get_tenant_by_slug(&self, slug: &str) -> Result<Option<TenantView>>;

    /// Tenants ordered by slug, one page.
    ///
    /// # Errors
    /// `InvalidInput` (field `offset`) above [`PageRequest::MAX_OFFSET`]; `Database`.
    async fn list_tenants(&self, page: PageRequest) -> Result<Page<TenantView>>;

    /// Suspends a tenant: none of its users can log in. Idempotent.
    ///
    /// # Errors
    /// `NotFound`, `Database`.
    async fn suspend_tenant(&self, id: TenantId, actor: Actor) -> Result<TenantView>;

    /// Reactivates a suspended tenant. Idempotent.
    ///
    /// # Errors
    /// `NotFound`, `Database`.
    async fn reactivate_tenant(&self, id: TenantId, actor: Actor) -> Result<TenantView>;
}
