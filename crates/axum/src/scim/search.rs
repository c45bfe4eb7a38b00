//! `POST /.search` at the tenant's root (RFC 7644 §3.4.3): Users and Groups in one list —
//! the users first (by username, paged in the database), then the groups. A filter Users
//! cannot answer (one naming none of their indexed attributes with `eq`) matches no user
//! there, rather than failing the whole search.

use super::error::ScimError;
use super::groups::{groups_matching, skips_members};
use super::users::{ListRequest, users_matching};
use super::{ScimBody, ScimState, ScimTenant, list_response};
use axum::extract::State;
use axum::response::Response;

/// `POST /.search`.
pub(crate) async fn search(
    State(state): State<ScimState>,
    scim: ScimTenant,
    ScimBody(body): ScimBody,
) -> Result<Response, ScimError> {
    let request = ListRequest::from_body(&body)?;
    let offset = request.start_index - 1;
    let filter = request.filter.as_ref();
    let (user_total, mut page) = users_matching(&state, &scim, filter, offset, request.count)
        .await?
        .unwrap_or_default();
    let groups = groups_matching(&state, &scim, filter, !skips_members(&body)).await?;
    let total = user_total + groups.len() as u64;
    // The groups follow the users: this page's share of them starts where the users end.
    let room = usize::try_from(request.count)
        .unwrap_or(usize::MAX)
        .saturating_sub(page.len());
    let skip = usize::try_from(offset.saturating_sub(user_total)).unwrap_or(usize::MAX);
    page.extend(groups.into_iter().skip(skip).take(room));
    let resources = page
        .into_iter()
        .map(|resource| request.projection.apply(resource))
        .collect();
    Ok(list_response(total, request.start_index, resources))
}
