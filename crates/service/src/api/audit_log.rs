//! [`AuditLog`]: one event per change, committed with it.

use crate::error::Result;
use crate::inputs::PageRequest;
use crate::views::{AuditEventView, Page};
use async_trait::async_trait;

/// What an event records; stored in `audit_events.action` (defined in the entity crate).
pub use tenantry_entity::AuditAction;
use tenantry_entity::TenantId;

/// The audit trail: one event per change, committed with it.
///
/// Part of [`UserRepository`](super::UserRepository); import it with
/// [`prelude`](crate::prelude).
///
/// ```
/// use tenantry_service::prelude::*;
/// use tenantry_service::{AuditAction, PageRequest};
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
/// let events = repo.list_audit_events(acme.id, PageRequest::default()).await?;
/// assert_eq!(events.items[0].action, AuditAction::TenantCreated.as_str());
/// # Ok(()) }
/// ```
#[async_trait]
pub trait AuditLog: Send + Sync {
    /// The tenant's audit events, newest first, one page.
    ///
    /// # Errors
    /// `InvalidInput` (field `offset`) above [`PageRequest::MAX_OFFSET`]; `Database`.
    async fn list_audit_events(
        &self,
        tenant: TenantId,
        page: PageRequest,
    ) -> Result<Page<AuditEventView>>;
}
