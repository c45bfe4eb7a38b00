//! Creates `user_plant_roles`: a user's role at one plant of the same tenant.

use crate::columns;
use crate::m20261122_000002_create_plants::Plants;
use crate::m20261122_000003_create_users::Users;
use crate::prelude::*;

pub struct Migration;
named_after_file!(Migration);

/// Columns of `user_plant_roles`.
#[derive(DeriveIden, Clone, Copy)]
pub enum UserPlantRoles {
    #[sea_orm(iden = "tenantry_user_plant_roles")]
    Table,
    Id,
    TenantId,
    UserId,
    PlantId,
    Role,
    GrantedBy,
    CreatedAt,
    UpdatedAt,
}

/// The table as this migration creates it, under the name `table` and with `role` that long
/// (migration 000018 rebuilds it on SQLite with a longer key and a foreign key more).
pub fn definition<T: IntoIden + Copy + 'static>(
    manager: &SchemaManager<'_>,
    table: T,
    role_length: u32,
) -> TableCreateStatement {
    Table::create()
        .table(table)
        .col(columns::id(UserPlantRoles::Id))
        .col(columns::reference(UserPlantRoles::TenantId))
        .col(columns::reference(UserPlantRoles::UserId))
        .col(columns::reference(UserPlantRoles::PlantId))
        .col(columns::string(UserPlantRoles::Role, role_length))
        .col(
            ColumnDef::new(UserPlantRoles::GrantedBy)
                .big_integer()
                .null(),
        )
        .col(columns::utc_timestamp(manager, UserPlantRoles::CreatedAt))
        .col(columns::utc_timestamp(manager, UserPlantRoles::UpdatedAt))
        .foreign_key(
            ForeignKey::create()
                .name("tenantry_fk_user_plant_roles_user")
                .from(table, (UserPlantRoles::UserId, UserPlantRoles::TenantId))
                .to(Users::Table, (Users::Id, Users::TenantId))
                .on_delete(ForeignKeyAction::Cascade),
        )
        .foreign_key(
            ForeignKey::create()
                .name("tenantry_fk_user_plant_roles_plant")
                .from(table, (UserPlantRoles::PlantId, UserPlantRoles::TenantId))
                .to(Plants::Table, (Plants::Id, Plants::TenantId))
                .on_delete(ForeignKeyAction::Cascade),
        )
        .foreign_key(
            ForeignKey::create()
                .name("tenantry_fk_user_plant_roles_granted_by")
                .from(table, UserPlantRoles::GrantedBy)
                .to(Users::Table, Users::Id)
                .on_delete(ForeignKeyAction::SetNull),
        )
        .to_owned()
}

/// The indexes besides the unique one: by plant (a plant's members) and by granter.
pub async fn create_secondary_indexes(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    columns::index(
        manager,
        "tenantry_ix_user_plant_roles_plant",
        UserPlantRoles::Table,
        [UserPlantRoles::PlantId, UserPlantRoles::TenantId],
    )
    .await?;
    columns::index(
        manager,
        "tenantry_ix_user_plant_roles_granted_by",
        UserPlantRoles::Table,
        [UserPlantRoles::GrantedBy],
    )
    .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        columns::create_table(manager, definition(manager, UserPlantRoles::Table, 16)).await?;
        columns::unique_index(
            manager,
            "tenantry_ux_user_plant_roles_user_plant",
            UserPlantRoles::Table,
            [UserPlantRoles::UserId, UserPlantRoles::PlantId],
        )
        .await?;
        create_secondary_indexes(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        columns::drop_table(manager, UserPlantRoles::Table).await
    }
}
