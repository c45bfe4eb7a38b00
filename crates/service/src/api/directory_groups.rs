//! [`DirectoryGroups`]: a tenant's directory groups — the groups its identity provider pushes
//! over SCIM that are not roles of the host's catalogue — and who is in them.
//!
//! Being in a directory group grants nothing: roles come from grants (a SCIM group that *is* a
//! catalogue role grants it, `tenantry_axum::scim`). The membership is kept so the provider's
//! view round-trips and a host can read it (to map a group to its own permissions, say).

use super::scim_directory::RoleMember;
use crate::error::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;
use tenantry_entity::TenantId;
use uuid::Uuid;

/// A directory group with its members.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DirectoryGroupView {
    /// Its public id (the SCIM `id`).
    pub pid: Uuid,
    /// Its name as given.
    pub display_name: String,
    /// The provider's id for it (the SCIM `externalId`).
    pub external_id: Option<String>,
    /// Its live members, by user id.
    pub members: Vec<RoleMember>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// Its last change (name, external id or members).
    pub updated_at: DateTime<Utc>,
}

/// A directory group as a SCIM client creates it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewDirectoryGroup {
    /// Its name: 1–200 characters of printable text, unique in the tenant (compared as
    /// usernames are, case-insensitively) and no tenant-wide role's name.
    pub display_name: String,
    /// The provider's id for it: 1–255 printable characters, unique in the tenant.
    pub external_id: Option<String>,
    /// Its members' public ids: live users of the tenant.
    pub members: Vec<Uuid>,
}

/// What names a directory group in a lookup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DirectoryGroupKey {
    /// Its public id (the SCIM `id`).
    Pid(Uuid),
    /// Its name (compared through its key, as it is kept unique: case- and width-insensitively).
    DisplayName(String),
    /// The provider's id for it (compared exactly).
    ExternalId(String),
}

/// Who a change leaves in the group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MemberChange {
    /// Exactly these users (a SCIM `PUT`).
    Exactly(Vec<Uuid>),
    /// These users added and those removed, the rest kept (a SCIM `PATCH`: two concurrent
    /// patches adding different users keep both).
    Apply {
        /// Users to add (already members: kept).
        add: Vec<Uuid>,
        /// Users to remove (not members: nothing).
        remove: Vec<Uuid>,
    },
}

/// What a SCIM `PUT` or `PATCH` makes of a directory group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectoryGroupChange {
    /// Its name afterwards (rules of [`NewDirectoryGroup::display_name`]).
    pub display_name: String,
    /// Its external id afterwards (`None`: none).
    pub external_id: Option<String>,
    /// Its members afterwards.
    pub members: MemberChange,
}

/// A tenant's directory groups. Part of [`UserRepository`](super::UserRepository); exercised in
/// `crates/service/tests/directory_groups.rs` and by the SCIM tests of `tenantry-axum`.
///
/// Every write is one transaction, audited (`group.created`, `group.changed`,
/// `group.deleted`, and `group.member_added` / `group.member_removed` per user, the user as
/// target); a write refused on any point writes nothing.
#[async_trait::async_trait]
pub trait DirectoryGroups: Send + Sync {
    /// Creates a directory group with its members.
    ///
    /// # Errors
    /// `InvalidInput` (fields `display_name`, `external_id`, `members[i]`: `not_found` for an
    /// id that is no live user of the tenant, `duplicate` for one given twice); `Conflict`
    /// (the name or the external id is taken in the tenant, or the name is a tenant-wide
    /// role's); `NotFound` (the tenant); `Database`.
    async fn create_directory_group(
        &self,
        tenant: TenantId,
        group: NewDirectoryGroup,
    ) -> Result<DirectoryGroupView>;

    /// The tenant's directory group `key` names, with its members (two indexed statements):
    /// a SCIM client's lookup of one group by id, name or external id.
    ///
    /// # Errors
    /// `Database`.
    async fn directory_group(
        &self,
        tenant: TenantId,
        key: DirectoryGroupKey,
    ) -> Result<Option<DirectoryGroupView>>;

    /// The tenant's directory groups by name key, each with its members (two statements).
    ///
    /// # Errors
    /// `Database`.
    async fn directory_groups(&self, tenant: TenantId) -> Result<Vec<DirectoryGroupView>>;

    /// Brings the group `pid` to `change`; what does not change writes nothing. Concurrent
    /// changes of one group are serialized (its row is locked).
    ///
    /// # Errors
    /// As [`create_directory_group`](Self::create_directory_group) (a member to remove need
    /// not be a user); `NotFound` (the group).
    async fn change_directory_group(
        &self,
        tenant: TenantId,
        pid: Uuid,
        change: DirectoryGroupChange,
    ) -> Result<DirectoryGroupView>;

    /// Deletes the group `pid` and its memberships.
    ///
    /// # Errors
    /// `NotFound` (the group); `Database`.
    async fn delete_directory_group(&self, tenant: TenantId, pid: Uuid) -> Result<()>;
}
