//! Creates `login_events`: every login attempt and how it ended.

use crate::columns;
use crate::m20261122_000001_create_tenants::Tenants;
use crate::m20261122_000003_create_users::Users;
use crate::prelude::*;

pub struct Migration;
named_after_file!(Migration);

/// Columns of `login_events`.
#[derive(DeriveIden, Clone, Copy)]
pub enum LoginEvents {
    #[sea_orm(iden = "tenantry_login_events")]
    Table,
    Id,
    TenantId,
    UserId,
    Source,
    Outcome,
    Ip,
    At,
}

/// The table as created here, under `name`; with `tenant_optional` its `tenant_id` may be NULL
/// (migration 000015 rebuilds the table that way on SQLite, which cannot alter a column).
pub(crate) fn definition(
    manager: &SchemaManager<'_>,
    name: impl IntoIden,
    tenant_optional: bool,
) -> TableCreateStatement {
    let name = name.into_iden();
    let mut tenant = columns::reference(LoginEvents::TenantId);
    if tenant_optional {
        tenant.null();
    }
    Table::create()
        .table(name.clone())
        .col(columns::id(LoginEvents::Id))
        .col(tenant)
        .col(ColumnDef::new(LoginEvents::UserId).big_integer().null())
        .col(columns::string(LoginEvents::Source, 16))
        .col(columns::string(LoginEvents::Outcome, 32))
        .col(columns::string_null(LoginEvents::Ip, 45))
        .col(columns::utc_timestamp(manager, LoginEvents::At))
        .foreign_key(
            ForeignKey::create()
                .name("tenantry_fk_login_events_tenant")
                .from(name.clone(), LoginEvents::TenantId)
                .to(Tenants::Table, Tenants::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .foreign_key(
            ForeignKey::create()
                .name("tenantry_fk_login_events_user")
                .from(name, LoginEvents::UserId)
                .to(Users::Table, Users::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

/// The two indexes of `login_events`.
pub(crate) async fn create_indexes(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    columns::index(
        manager,
        "tenantry_ix_login_events_tenant_at",
        LoginEvents::Table,
        [LoginEvents::TenantId, LoginEvents::At],
    )
    .await?;
    columns::index(
        manager,
        "tenantry_ix_login_events_user_at",
        LoginEvents::Table,
        [LoginEvents::UserId, LoginEvents::At],
    )
    .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        columns::create_table(manager, definition(manager, LoginEvents::Table, false)).await?;
        create_indexes(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        columns::drop_table(manager, LoginEvents::Table).await
    }
}
