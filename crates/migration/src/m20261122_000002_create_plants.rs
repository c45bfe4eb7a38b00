//! Creates `plants`, each belonging to one tenant.

use crate::columns;
use crate::m20261122_000001_create_tenants::Tenants;
use crate::prelude::*;

pub struct Migration;
named_after_file!(Migration);

/// Columns of `plants`.
#[derive(DeriveIden, Clone, Copy)]
pub enum Plants {
    #[sea_orm(iden = "tenantry_plants")]
    Table,
    Id,
    Pid,
    TenantId,
    Code,
    CodeKey,
    Name,
    IsActive,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        columns::create_table(
            manager,
            Table::create()
                .table(Plants::Table)
                .col(columns::id(Plants::Id))
                .col(columns::uuid(Plants::Pid))
                .col(columns::reference(Plants::TenantId))
                .col(columns::string(Plants::Code, 64))
                .col(columns::string(Plants::CodeKey, 255))
                .col(columns::string(Plants::Name, 255))
                .col(ColumnDef::new(Plants::IsActive).boolean().not_null())
                .col(columns::utc_timestamp(manager, Plants::CreatedAt))
                .col(columns::utc_timestamp(manager, Plants::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("tenantry_fk_plants_tenant")
                        .from(Plants::Table, Plants::TenantId)
                        .to(Tenants::Table, Tenants::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        columns::unique_index(
            manager,
            "tenantry_ux_plants_pid",
            Plants::Table,
            [Plants::Pid],
        )
        .await?;
        columns::unique_index(
            manager,
            "tenantry_ux_plants_tenant_code_key",
            Plants::Table,
            [Plants::TenantId, Plants::CodeKey],
        )
        .await?;
        // The target of the roles table's composite foreign key (plant_id, tenant_id).
        columns::unique_index(
            manager,
            "tenantry_ux_plants_id_tenant",
            Plants::Table,
            [Plants::Id, Plants::TenantId],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        columns::drop_table(manager, Plants::Table).await
    }
}
