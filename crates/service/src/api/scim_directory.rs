//! [`ScimDirectory`]: what a SCIM server needs beyond [`Users`](super::Users) — a user created
//! or changed with its external id and status in one transaction, one user with its external
//! id, the external ids of a page of users in one statement, and the exact holders of a
//! tenant-wide role.

use crate::error::Result;
use crate::inputs::UserUpdate;
use crate::role_catalogue::RoleKey;
use crate::views::UserView;
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

/// What names the user a SCIM request is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScimUserKey {
    /// Its public id (the SCIM `id`).
    Pid(Uuid),
    /// Its username (compared as usernames are: case-insensitively).
    Username(String),
    /// Its email address (compared as addresses are).
    Email(String),
    /// The subject it is linked to at the provider (the SCIM `externalId`).
    ExternalId(String),
}

/// A user as a SCIM client creates it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScimUser {
    /// Its username (`userName`).
    pub username: String,
    /// Its email address (the primary or work one of `emails`).
    pub email: Option<String>,
    /// Its display name.
    pub display_name: String,
    /// The subject it is linked to at the tenant's SCIM provider (`externalId`).
    pub external_id: Option<String>,
    /// `active`: `false` creates it suspended.
    pub active: bool,
}

/// What a SCIM `PUT` or `PATCH` makes of a user: the profile fields that change, the
/// `externalId` it must have afterwards, and whether it is active.
#[derive(Clone, Debug, Default)]
pub struct ScimChange {
    /// The profile fields that change (as [`Users::update_user`](super::Users::update_user)
    /// takes them).
    pub profile: UserUpdate,
    /// The subject the user must be linked to at the provider afterwards (`None`: no link).
    pub external_id: Option<String>,
    /// Active (reactivated if suspended) or suspended (its sessions end).
    pub active: bool,
}

/// What a SCIM server needs (`tenantry_axum::scim`). Part of
/// [`UserRepository`](super::UserRepository); exercised by the SCIM tests of `tenantry-axum`.
#[async_trait]
pub trait ScimDirectory: Send + Sync {
    /// Creates a user with its link to `provider` (when `user.external_id` is given) and its
    /// status, in one transaction: audited as `user.provisioned` (with a link) or
    /// `user.created`.
    ///
    /// # Errors
    /// As [`Users::create_user`](super::Users::create_user) and
    /// [`Identities::provision_from_identity`](super::Identities::provision_from_identity):
    /// `InvalidInput` (fields `username`, `email`, `display_name`, `subject`), `UsernameTaken`,
    /// `EmailTaken`, `Conflict` (the external id is linked to another user), `NotFound` (the
    /// tenant), `Database`. Nothing is written on any error.
    async fn create_scim_user(
        &self,
        tenant: TenantId,
        provider: &str,
        user: ScimUser,
    ) -> Result<UserView>;

    /// Brings the live user `user` to `change` in one transaction: its profile, its link to
    /// `provider` (the old one removed, the new one made), its status (a suspension ends its
    /// sessions and voids its tokens, and may not take the tenant's last admin). Each part is
    /// audited as its own call would be (`user.updated`, `identity.unlinked`,
    /// `identity.linked`, `user.deactivated`, `user.reactivated`); what does not change writes
    /// nothing.
    ///
    /// # Errors
    /// `InvalidInput` (fields `username`, `email`, `display_name`, `subject`), `UsernameTaken`,
    /// `EmailTaken`, `Conflict` (the external id is linked to another user, or suspending the
    /// last admin), `NotFound`, `Database`. Nothing is written on any error.
    async fn change_scim_user(
        &self,
        tenant: TenantId,
        provider: &str,
        user: UserId,
        change: ScimChange,
    ) -> Result<UserView>;

    /// The live user of `tenant` that `key` names, with the subject it is linked to at
    /// `provider` (its SCIM `externalId`), in one call: the user's row with its link (one
    /// statement), then its grants. A key no stored value can match (control characters,
    /// over-long) is a miss without a query.
    ///
    /// # Errors
    /// `Database`.
    async fn scim_user(
        &self,
        tenant: TenantId,
        provider: &str,
        key: ScimUserKey,
    ) -> Result<Option<(UserView, Option<String>)>>;

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
