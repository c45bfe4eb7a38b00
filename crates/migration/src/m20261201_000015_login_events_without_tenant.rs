//! `login_events.tenant_id` may be NULL: a login attempt that names a tenant which does not
//! exist is recorded too, with no tenant.
//!
//! Why: a failed login must cost the same whatever was wrong, the tenant included; before this,
//! an unknown tenant skipped the event's write (and its commit's `fsync`), which made it 6–8 ms
//! faster on PostgreSQL and MariaDB and told whether a tenant slug exists (issue 12).
//!
//! PostgreSQL and MySQL drop the column's `NOT NULL` in place. SQLite cannot alter a column, so
//! the table is rebuilt: created under a new name, every row copied, the old table dropped and
//! the new one renamed, then its indexes created again. Nothing references `login_events`, so
//! no foreign key needs repointing.
//!
//! `down` deletes the tenant-less events (the old shape has no place for them) and restores
//! `NOT NULL`; every other row is kept.

use crate::columns;
use crate::m20261122_000007_create_login_events::{LoginEvents, create_indexes, definition};
use crate::prelude::*;
use sea_orm::DatabaseBackend;

pub struct Migration;
named_after_file!(Migration);

/// The rebuilt table's name until it replaces the old one (SQLite only).
#[derive(DeriveIden, Clone, Copy)]
enum LoginEventsRebuilt {
    #[sea_orm(iden = "tenantry_login_events_rebuilt")]
    Table,
}

/// Every column, in order, for copying rows between the two tables.
const COLUMNS: [LoginEvents; 7] = [
    LoginEvents::Id,
    LoginEvents::TenantId,
    LoginEvents::UserId,
    LoginEvents::Source,
    LoginEvents::Outcome,
    LoginEvents::Ip,
    LoginEvents::At,
];

/// Gives `tenant_id` the nullability asked for; on SQLite by rebuilding the table.
async fn set_tenant_optional(manager: &SchemaManager<'_>, optional: bool) -> Result<(), DbErr> {
    if manager.get_database_backend() != DatabaseBackend::Sqlite {
        let mut column = columns::reference(LoginEvents::TenantId);
        if optional {
            column.null();
        }
        return manager
            .alter_table(
                Table::alter()
                    .table(LoginEvents::Table)
                    .modify_column(column)
                    .to_owned(),
            )
            .await;
    }
    columns::create_table(
        manager,
        definition(manager, LoginEventsRebuilt::Table, optional),
    )
    .await?;
    let copy = Query::insert()
        .into_table(LoginEventsRebuilt::Table)
        .columns(COLUMNS)
        .select_from(
            Query::select()
                .columns(COLUMNS)
                .from(LoginEvents::Table)
                .to_owned(),
        )
        .map_err(|e| DbErr::Migration(e.to_string()))?
        .to_owned();
    manager.exec_stmt(copy).await?;
    manager
        .drop_table(Table::drop().table(LoginEvents::Table).to_owned())
        .await?;
    manager
        .rename_table(
            Table::rename()
                .table(LoginEventsRebuilt::Table, LoginEvents::Table)
                .to_owned(),
        )
        .await?;
    create_indexes(manager).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// In one transaction on every backend: on SQLite the rebuild's statements must run on one
    /// connection (another pooled connection's cached schema would still see the old table)
    /// and all or nothing.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        set_tenant_optional(manager, true).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let tenantless = Query::delete()
            .from_table(LoginEvents::Table)
            .and_where(Expr::col(LoginEvents::TenantId).is_null())
            .to_owned();
        manager.exec_stmt(tenantless).await?;
        set_tenant_optional(manager, false).await
    }
}
