//! Adds `ix_users_tenant_created` on `users (tenant_id, deleted_at, created_at, id)`.
//!
//! Meant for keyset pages in creation order (`created_asc`, `created_desc`): "the tenant's live
//! users created after this one", a short range scan that comes out in order, ties broken by
//! id (PostgreSQL keeps no row id in an index, hence the explicit `id`). With `deleted_at`
//! after `tenant_id` PostgreSQL cannot use it for that order (it does not treat
//! `deleted_at IS NULL` as fixing the column), so migration 000013 replaces it with
//! `ix_users_tenant_created_id` on `(tenant_id, created_at, id)`. Kept as it ran, since databases have applied it.

use crate::columns;
use crate::m20261122_000003_create_users::Users;
use crate::prelude::*;

/// The index's name.
const NAME: &str = "tenantry_ix_users_tenant_created";

pub struct Migration;
named_after_file!(Migration);

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
