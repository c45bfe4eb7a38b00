//! Listings print every row: the library serves pages (at most
//! [`PageRequest::MAX_LIMIT`] rows each), so the CLI asks for page after page.

use crate::error::CliResult;
use std::future::Future;
use tenantry_service::{Page, PageRequest};

/// Every row, fetched with `fetch` one page after another until the total is reached (or a
/// page comes back empty, should rows vanish meanwhile).
///
/// # Errors
///
/// The first error of `fetch`.
pub(crate) async fn all<T, F, Fut>(mut fetch: F) -> CliResult<Vec<T>>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = tenantry_service::Result<Page<T>>>,
{
    let mut rows = Vec::new();
    loop {
        let page = fetch(PageRequest {
            offset: rows.len() as u64,
            limit: PageRequest::MAX_LIMIT,
        })
        .await?;
        let empty = page.items.is_empty();
        rows.extend(page.items);
        if empty || rows.len() as u64 >= page.total {
            return Ok(rows);
        }
    }
}
