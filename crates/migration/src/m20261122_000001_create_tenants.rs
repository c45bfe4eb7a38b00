//! Creates `tenants`.

use crate::columns;
use crate::prelude::*;

pub struct Migration;
named_after_file!(Migration);

/// Columns of `tenants`.
#[derive(DeriveIden, Clone, Copy)]
pub enum Tenants {
    #[sea_orm(iden = "tenantry_tenants")]
    Table,
    Id,
    Pid,
    Slug,
    Name,
    Status,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        columns::create_table(
            manager,
            Table::create()
                .table(Tenants::Table)
                .col(columns::id(Tenants::Id))
                .col(columns::uuid(Tenants::Pid))
                .col(columns::string(Tenants::Slug, 63))
                .col(columns::string(Tenants::Name, 255))
                .col(columns::string(Tenants::Status, 16))
                .col(columns::utc_timestamp(manager, Tenants::CreatedAt))
                .col(columns::utc_timestamp(manager, Tenants::UpdatedAt))
                .to_owned(),
        )
        .await?;
        columns::unique_index(
            manager,
            "tenantry_ux_tenants_pid",
            Tenants::Table,
            [Tenants::Pid],
        )
        .await?;
        columns::unique_index(
            manager,
            "tenantry_ux_tenants_slug",
            Tenants::Table,
            [Tenants::Slug],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        columns::drop_table(manager, Tenants::Table).await
    }
}
