//! Adds `ix_users_tenant_live` on `users (tenant_id, deleted_at, username_key)`.
//!
//! Every listing, count and plant-membership query reads "the tenant's users that are not
//! soft-deleted, by username". The unique `(tenant_id, username_key)` index finds the tenant's
//! rows but leaves `deleted_at` to be read from each row; with this index a count is answered
//! from the index alone and a page comes out already in username order (the query plans are
//! in BENCHMARKS.md).

use crate::columns;
use crate::m20261122_000003_create_users::Users;
use crate::prelude::*;

/// The index's name.
const NAME: &str = "tenantry_ix_users_tenant_live";

pub struct Migration;
named_after_file!(Migration);

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        columns::index(
            manager,
            NAME,
            Users::Table,
            [Users::TenantId, Users::DeletedAt, Users::UsernameKey],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(NAME).table(Users::Table).to_owned())
            .await
    }
}
