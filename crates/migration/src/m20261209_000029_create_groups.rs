//! Creates `groups` and `group_members`: a tenant's directory groups — the groups its identity
//! provider pushes over SCIM (Entra ID, Okta) that are not roles of the host's catalogue — and
//! who is in them.
//!
//! A group has a public id (`pid`, its SCIM `id`), a display name unique per tenant through its
//! key (`name_key`: NFKC, lowercase, as every tenantry key), and an optional `external_id` (the
//! provider's id for it), unique per tenant. A membership row ties a group to a user of the
//! same tenant: composite foreign keys (`(group_id, tenant_id)`, `(user_id, tenant_id)`) make a
//! cross-tenant membership impossible in the database itself, and it goes with either side.
//! `down` drops both tables.

use crate::columns;
use crate::m20261122_000001_create_tenants::Tenants;
use crate::m20261122_000003_create_users::Users;
use crate::prelude::*;

pub struct Migration;
named_after_file!(Migration);

/// Columns of `groups`.
#[derive(DeriveIden, Clone, Copy)]
pub enum Groups {
    #[sea_orm(iden = "tenantry_groups")]
    Table,
    Id,
    Pid,
    TenantId,
    DisplayName,
    NameKey,
    ExternalId,
    CreatedAt,
    UpdatedAt,
}

/// Columns of `group_members`.
#[derive(DeriveIden, Clone, Copy)]
pub enum GroupMembers {
    #[sea_orm(iden = "tenantry_group_members")]
    Table,
    Id,
    TenantId,
    GroupId,
    UserId,
    CreatedAt,
}

/// The longest display name, in characters.
const DISPLAY_NAME_LENGTH: u32 = 200;
/// Room for the key of the longest display name (lowercasing may lengthen it); the service
/// refuses a name whose key does not fit. 600 characters of `utf8mb4` keep the unique index
/// under MySQL's 3072 bytes.
const NAME_KEY_LENGTH: u32 = 600;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        columns::create_table(
            manager,
            Table::create()
                .table(Groups::Table)
                .col(columns::id(Groups::Id))
                .col(columns::uuid(Groups::Pid))
                .col(columns::reference(Groups::TenantId))
                .col(columns::string(Groups::DisplayName, DISPLAY_NAME_LENGTH))
                .col(columns::string(Groups::NameKey, NAME_KEY_LENGTH))
                .col(columns::string_null(Groups::ExternalId, 255))
                .col(columns::utc_timestamp(manager, Groups::CreatedAt))
                .col(columns::utc_timestamp(manager, Groups::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("tenantry_fk_groups_tenant")
                        .from(Groups::Table, Groups::TenantId)
                        .to(Tenants::Table, Tenants::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        columns::unique_index(
            manager,
            "tenantry_ux_groups_pid",
            Groups::Table,
            [Groups::Pid],
        )
        .await?;
        // The target of the members' composite foreign key.
        columns::unique_index(
            manager,
            "tenantry_ux_groups_id_tenant",
            Groups::Table,
            [Groups::Id, Groups::TenantId],
        )
        .await?;
        // Also serves the tenant's foreign key and the listing by name.
        columns::unique_index(
            manager,
            "tenantry_ux_groups_tenant_name",
            Groups::Table,
            [Groups::TenantId, Groups::NameKey],
        )
        .await?;
        // NULLs are distinct on every backend: groups without an external id do not collide.
        columns::unique_index(
            manager,
            "tenantry_ux_groups_tenant_external_id",
            Groups::Table,
            [Groups::TenantId, Groups::ExternalId],
        )
        .await?;

        columns::create_table(
            manager,
            Table::create()
                .table(GroupMembers::Table)
                .col(columns::id(GroupMembers::Id))
                .col(columns::reference(GroupMembers::TenantId))
                .col(columns::reference(GroupMembers::GroupId))
                .col(columns::reference(GroupMembers::UserId))
                .col(columns::utc_timestamp(manager, GroupMembers::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("tenantry_fk_group_members_group")
                        .from(
                            GroupMembers::Table,
                            (GroupMembers::GroupId, GroupMembers::TenantId),
                        )
                        .to(Groups::Table, (Groups::Id, Groups::TenantId))
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("tenantry_fk_group_members_user")
                        .from(
                            GroupMembers::Table,
                            (GroupMembers::UserId, GroupMembers::TenantId),
                        )
                        .to(Users::Table, (Users::Id, Users::TenantId))
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        // A user is in a group once; also serves the group's foreign key and its member list.
        columns::unique_index(
            manager,
            "tenantry_ux_group_members_group_user",
            GroupMembers::Table,
            [GroupMembers::GroupId, GroupMembers::UserId],
        )
        .await?;
        // A user's groups; serves the user's foreign key.
        columns::index(
            manager,
            "tenantry_ix_group_members_user",
            GroupMembers::Table,
            [GroupMembers::UserId, GroupMembers::TenantId],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        columns::drop_table(manager, GroupMembers::Table).await?;
        columns::drop_table(manager, Groups::Table).await
    }
}
