//! Replaces `ix_users_tenant_created` with `ix_users_tenant_created_id` on
//! `users (tenant_id, created_at, id)`.
//!
//! Migration 000012 meant to create exactly that, but its column list still held `deleted_at`
//! after `tenant_id` (its comment was corrected, its code was not). PostgreSQL does not treat
//! `deleted_at IS NULL` as fixing that column, so such an index cannot hand out a tenant's live
//! users in creation order, and a keyset page in `created_asc` / `created_desc` order sorted
//! the whole tenant. 000012 is left as it ran on existing databases.
//!
//! The new index gets a new name, created before the old one is dropped: on SQLite another
//! pooled connection may still hold the schema from before the drop, and its `CREATE INDEX`
//! of the same name would fail with "already exists" (SQLite re-reads a changed schema for a
//! missing name, not for a name it wrongly believes taken).

use crate::columns;
use crate::m20261122_000003_create_users::Users;
use crate::prelude::*;

/// 000012's index.
const OLD: &str = "tenantry_ix_users_tenant_created";

/// Its replacement.
const NEW: &str = "tenantry_ix_users_tenant_created_id";

pub struct Migration;
named_after_file!(Migration);

async fn drop_index(manager: &SchemaManager<'_>, name: &str) -> Result<(), DbErr> {
    manager
        .drop_index(Index::drop().name(name).table(Users::Table).to_owned())
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [Users::TenantId, Users::CreatedAt, Users::Id];
        columns::index(manager, NEW, Users::Table, columns).await?;
        drop_index(manager, OLD).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            Users::TenantId,
            Users::DeletedAt,
            Users::CreatedAt,
            Users::Id,
        ];
        columns::index(manager, OLD, Users::Table, columns).await?;
        drop_index(manager, NEW).await
    }
}
