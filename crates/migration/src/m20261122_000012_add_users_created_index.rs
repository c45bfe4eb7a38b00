//! Adds `ix_users_tenant_created` on `users (tenant_id, created_at, id)`.
//!
//! Keyset pages in creation order (`created_asc`, `created_desc`) seek to "the tenant's live
//! users created after this one" and stop after a page. Without this index every such page
//! reads and sorts the whole tenant; with it a page is a short range scan that already comes
//! out in order, ties broken by id, on every backend (PostgreSQL keeps no row id in an index,
//! hence the explicit `id`). `deleted_at` is left out on purpose: PostgreSQL does not treat
//! `deleted_at IS NULL` as fixing that column, so with it in the middle the index would not
//! give the order (measured: a full sort of a million rows); soft-deleted rows are few and are
//! skipped as they come.

use crate::columns;
use crate::m20261122_000003_create_users::Users;
use sea_orm_migration::prelude::*;

/// The index's name.
const NAME: &str = "ix_users_tenant_created";

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        columns::index(
            manager,
            NAME,
            Users::Table,
            [
                Users::TenantId,
                Users::DeletedAt,
                Users::CreatedAt,
                Users::Id,
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(NAME).table(Users::Table).to_owned())
            .await
    }
}
