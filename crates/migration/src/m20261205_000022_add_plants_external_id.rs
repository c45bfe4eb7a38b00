//! Adds `tenantry_plants.external_id`: the host's own identifier of the plant (issue 15), for a
//! host whose real plant table is its own and that keeps tenantry's plants in step with it.
//!
//! Nullable (plants made through tenantry alone have none) and unique across the database,
//! which also makes it unique per tenant: a host's identifiers are keys of its own plant table,
//! so one naming another tenant's plant is a mix-up the database refuses, with no window for a
//! race between two tenants. NULLs never collide on any backend. Existing rows get NULL; `down`
//! drops the index and the column.

use crate::m20261122_000002_create_plants::Plants;
use crate::prelude::*;

/// The unique index's name.
const INDEX: &str = "tenantry_ux_plants_external_id";

/// The new column.
#[derive(DeriveIden, Clone, Copy)]
enum Column {
    ExternalId,
}

pub struct Migration;
named_after_file!(Migration);

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// All or nothing where the backend allows it: a column without its index would let two
    /// plants share an identifier.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Plants::Table)
                    .add_column(ColumnDef::new(Column::ExternalId).string_len(255).null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Plants::Table)
                    .col(Column::ExternalId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(Plants::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Plants::Table)
                    .drop_column(Column::ExternalId)
                    .to_owned(),
            )
            .await
    }
}
