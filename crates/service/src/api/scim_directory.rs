//! [`ScimDirectory`]: the reads a SCIM server needs beyond [`Users`](super::Users) — the
//! external ids of a page of users in one statement, and the exact holders of a tenant-wide
//! role.

use crate::error::Result;
use crate::role_catalogue::RoleKey;
use async_trait::async_trait;
use serde::Serialize;
use std::collections::HashMap;
use tenantry_entity::{TenantId, UserId};
use uuid::Uuid;

/// A user holding a role tenant-wide, as a SCIM group lists its members.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RoleMember {
    /// The user's row id.
    pub id: UserId,
    /// The user's public id (its SCIM `id`).
    pub pid: Uuid,
    /// The user's display name (as [`UserView::display_name`](crate::UserView) falls back).
    pub display_name: String,
}

/// Reads for a SCIM server (`tenantry_axum::scim`). Part of
/// [`UserRepository`](super::UserRepository); exercised by the SCIM tests of `tenantry-axum`.
#[async_trait]
pub trait ScimDirectory: Send + Sync {
    /// The subject each of `users` is linked to at `provider` (its SCIM `externalId` when
    /// `provider` is the tenant's SCIM provider), in one statement. Users without such a link
    /// are absent from the map.
    ///
    /// # Errors
    /// `Database`.
    async fn external_ids(
        &self,
        tenant: TenantId,
        provider: &str,
        users: &[UserId],
    ) -> Result<HashMap<UserId, String>>;

    /// The live users holding `role` tenant-wide themselves (not through a role implying it),
    /// by id, in one statement: a SCIM group's members.
    ///
    /// # Errors
    /// `Database`.
    async fn tenant_role_members(
        &self,
        tenant: TenantId,
        role: &RoleKey,
    ) -> Result<Vec<RoleMember>>;
}
