//! Creates `users`, each belonging to one tenant.

use crate::columns;
use crate::m20261122_000001_create_tenants::Tenants;
use crate::prelude::*;

pub struct Migration;
named_after_file!(Migration);

/// Columns of `users`.
#[derive(DeriveIden, Clone, Copy)]
pub enum Users {
    #[sea_orm(iden = "tenantry_users")]
    Table,
    Id,
    Pid,
    TenantId,
    Username,
    UsernameKey,
    Email,
    EmailKey,
    DisplayName,
    PasswordHash,
    Status,
    TenantRole,
    SecurityStamp,
    FailedLoginCount,
    LockedUntil,
    LastLoginAt,
    LoginCount,
    LastActiveAt,
    ExpiresAt,
    Metadata,
    DeletedAt,
    CreatedAt,
    /// Added by a later migration.
    LockCount,
    /// Added by a later migration.
    EmailVerifiedAt,
    /// Added by a later migration.
    UsernameSkeleton,
    /// Added by a later migration.
    DisplayNameKey,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        columns::create_table(
            manager,
            Table::create()
                .table(Users::Table)
                .col(columns::id(Users::Id))
                .col(columns::uuid(Users::Pid))
                .col(columns::reference(Users::TenantId))
                .col(columns::string(Users::Username, 255))
                .col(columns::string(Users::UsernameKey, 255))
                .col(columns::string_null(Users::Email, 320))
                .col(columns::string_null(Users::EmailKey, 320))
                .col(columns::string(Users::DisplayName, 255))
                .col(ColumnDef::new(Users::PasswordHash).text().null())
                .col(columns::string(Users::Status, 16))
                .col(columns::string_null(Users::TenantRole, 16))
                .col(columns::string(Users::SecurityStamp, 64))
                .col(
                    ColumnDef::new(Users::FailedLoginCount)
                        .integer()
                        .not_null()
                        .default(0),
                )
                .col(columns::utc_timestamp_null(manager, Users::LockedUntil))
                .col(columns::utc_timestamp_null(manager, Users::LastLoginAt))
                .col(
                    ColumnDef::new(Users::LoginCount)
                        .big_integer()
                        .not_null()
                        .default(0),
                )
                .col(columns::utc_timestamp_null(manager, Users::LastActiveAt))
                .col(columns::utc_timestamp_null(manager, Users::ExpiresAt))
                .col(ColumnDef::new(Users::Metadata).json().null())
                .col(columns::utc_timestamp_null(manager, Users::DeletedAt))
                .col(columns::utc_timestamp(manager, Users::CreatedAt))
                .col(columns::utc_timestamp(manager, Users::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("tenantry_fk_users_tenant")
                        .from(Users::Table, Users::TenantId)
                        .to(Tenants::Table, Tenants::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        columns::unique_index(manager, "tenantry_ux_users_pid", Users::Table, [Users::Pid]).await?;
        // The service detects which key collided from these names: keep `username_key` and
        // `email_key` in them.
        columns::unique_index(
            manager,
            "tenantry_ux_users_tenant_username_key",
            Users::Table,
            [Users::TenantId, Users::UsernameKey],
        )
        .await?;
        columns::unique_index(
            manager,
            "tenantry_ux_users_tenant_email_key",
            Users::Table,
            [Users::TenantId, Users::EmailKey],
        )
        .await?;
        // The target of the roles table's composite foreign key (user_id, tenant_id).
        columns::unique_index(
            manager,
            "tenantry_ux_users_id_tenant",
            Users::Table,
            [Users::Id, Users::TenantId],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        columns::drop_table(manager, Users::Table).await
    }
}
