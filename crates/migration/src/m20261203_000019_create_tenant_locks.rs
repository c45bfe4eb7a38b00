//! Creates `tenant_locks`: one row per tenant, locked by the changes that must take turns
//! within a tenant (those that could remove its last admin, tenant-wide role changes, the
//! tenant's own status).
//!
//! Why not lock the `tenants` row itself, as before: every insert of a row that references a
//! tenant (an audit event, a login event) checks its foreign key by share-locking that tenant's
//! row (InnoDB: a shared record lock; PostgreSQL: `FOR KEY SHARE`, which `FOR UPDATE`
//! conflicts with). A change holding the tenant's row while it waited for a user's row then
//! deadlocked with any write to that user that went on to record an event. Nothing references
//! `tenant_locks`, so only the changes that mean to take turns ever wait for its rows.
//!
//! Every existing tenant gets its row here; the service makes one with each new tenant (made on
//! first use instead, two first users at once deadlock on MySQL's insert locks). A tenant's row
//! goes with the tenant. `down` drops the table.

use crate::columns;
use crate::m20261122_000001_create_tenants::Tenants;
use crate::prelude::*;

pub struct Migration;
named_after_file!(Migration);

/// Columns of `tenant_locks`.
#[derive(DeriveIden, Clone, Copy)]
pub enum TenantLocks {
    #[sea_orm(iden = "tenantry_tenant_locks")]
    Table,
    TenantId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// All or nothing: a lock table without its rows would leave every tenant unlocked.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        columns::create_table(
            manager,
            Table::create()
                .table(TenantLocks::Table)
                .col(columns::reference(TenantLocks::TenantId).primary_key())
                .foreign_key(
                    ForeignKey::create()
                        .name("tenantry_fk_tenant_locks_tenant")
                        .from(TenantLocks::Table, TenantLocks::TenantId)
                        .to(Tenants::Table, Tenants::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        let backfill = Query::insert()
            .into_table(TenantLocks::Table)
            .columns([TenantLocks::TenantId])
            .select_from(
                Query::select()
                    .column(Tenants::Id)
                    .from(Tenants::Table)
                    .to_owned(),
            )
            .map_err(|e| DbErr::Migration(e.to_string()))?
            .to_owned();
        manager.exec_stmt(backfill).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        columns::drop_table(manager, TenantLocks::Table).await
    }
}
