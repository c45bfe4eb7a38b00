//! Adds `ix_users_tenant_live_status` on `users (tenant_id, deleted_at, status, username_key)`
//! (issue 17).
//!
//! "The tenant's active users" — the count an admin screen shows and the page of them by
//! username — is the commonest question after a single user. `ix_users_tenant_live` (000010)
//! finds the live users but not their status, so both read every live row of the tenant to
//! look at it. With the status in the index the count is answered from the index alone, and a
//! page of active users comes out in username order from it (BENCHMARKS.md has the plans and
//! the figures beside Django). The older index stays: pages of every live user, whatever its
//! status, are ordered by it.

use crate::columns;
use crate::m20261122_000003_create_users::Users;
use crate::prelude::*;

/// The index's name.
const NAME: &str = "tenantry_ix_users_tenant_live_status";

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
                Users::Status,
                Users::UsernameKey,
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
