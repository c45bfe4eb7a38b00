//! Creates `scim_tokens`: the bearer tokens a tenant's SCIM client (Entra ID, Okta) presents.
//!
//! A token row holds the SHA-256 of the raw token (`token_hash`, lowercase hex, unique: one
//! indexed lookup finds it), never the token itself, with the operator's name for it, when it
//! was made, last used and revoked. A token belongs to one tenant and goes with it. `down`
//! drops the table.

use crate::columns;
use crate::m20261122_000001_create_tenants::Tenants;
use crate::prelude::*;

pub struct Migration;
named_after_file!(Migration);

/// Columns of `scim_tokens`.
#[derive(DeriveIden, Clone, Copy)]
pub enum ScimTokens {
    #[sea_orm(iden = "tenantry_scim_tokens")]
    Table,
    Id,
    Pid,
    TenantId,
    Name,
    TokenHash,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        columns::create_table(
            manager,
            Table::create()
                .table(ScimTokens::Table)
                .col(columns::id(ScimTokens::Id))
                .col(columns::uuid(ScimTokens::Pid))
                .col(columns::reference(ScimTokens::TenantId))
                .col(columns::string(ScimTokens::Name, 100))
                // SHA-256, lowercase hex.
                .col(columns::string(ScimTokens::TokenHash, 64))
                .col(columns::utc_timestamp(manager, ScimTokens::CreatedAt))
                .col(columns::utc_timestamp_null(manager, ScimTokens::LastUsedAt))
                .col(columns::utc_timestamp_null(manager, ScimTokens::RevokedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("tenantry_fk_scim_tokens_tenant")
                        .from(ScimTokens::Table, ScimTokens::TenantId)
                        .to(Tenants::Table, Tenants::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        columns::unique_index(
            manager,
            "tenantry_ux_scim_tokens_pid",
            ScimTokens::Table,
            [ScimTokens::Pid],
        )
        .await?;
        columns::unique_index(
            manager,
            "tenantry_ux_scim_tokens_token_hash",
            ScimTokens::Table,
            [ScimTokens::TokenHash],
        )
        .await?;
        // A tenant's tokens by name (list, revoke by name); also serves the foreign key.
        columns::index(
            manager,
            "tenantry_ix_scim_tokens_tenant",
            ScimTokens::Table,
            [ScimTokens::TenantId, ScimTokens::Name],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        columns::drop_table(manager, ScimTokens::Table).await
    }
}
