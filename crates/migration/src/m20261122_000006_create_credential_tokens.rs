//! Creates `credential_tokens`: one-time tokens, stored only as SHA-256 digests.

use crate::columns;
use crate::m20261122_000003_create_users::Users;
use crate::prelude::*;

pub struct Migration;
named_after_file!(Migration);

/// Columns of `credential_tokens`.
#[derive(DeriveIden, Clone, Copy)]
pub enum CredentialTokens {
    #[sea_orm(iden = "tenantry_credential_tokens")]
    Table,
    Id,
    TenantId,
    UserId,
    Purpose,
    TokenHash,
    ExpiresAt,
    UsedAt,
    CreatedBy,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        columns::create_table(
            manager,
            Table::create()
                .table(CredentialTokens::Table)
                .col(columns::id(CredentialTokens::Id))
                .col(columns::reference(CredentialTokens::TenantId))
                .col(columns::reference(CredentialTokens::UserId))
                .col(columns::string(CredentialTokens::Purpose, 32))
                .col(columns::string(CredentialTokens::TokenHash, 64))
                .col(columns::utc_timestamp(manager, CredentialTokens::ExpiresAt))
                .col(columns::utc_timestamp_null(
                    manager,
                    CredentialTokens::UsedAt,
                ))
                .col(
                    ColumnDef::new(CredentialTokens::CreatedBy)
                        .big_integer()
                        .null(),
                )
                .col(columns::utc_timestamp(manager, CredentialTokens::CreatedAt))
                // The token's user must be of the token's tenant.
                .foreign_key(
                    ForeignKey::create()
                        .name("tenantry_fk_credential_tokens_user")
                        .from(
                            CredentialTokens::Table,
                            (CredentialTokens::UserId, CredentialTokens::TenantId),
                        )
                        .to(Users::Table, (Users::Id, Users::TenantId))
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("tenantry_fk_credential_tokens_created_by")
                        .from(CredentialTokens::Table, CredentialTokens::CreatedBy)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        columns::unique_index(
            manager,
            "tenantry_ux_credential_tokens_token_hash",
            CredentialTokens::Table,
            [CredentialTokens::TokenHash],
        )
        .await?;
        columns::index(
            manager,
            "tenantry_ix_credential_tokens_user_purpose",
            CredentialTokens::Table,
            [CredentialTokens::UserId, CredentialTokens::Purpose],
        )
        .await?;
        columns::index(
            manager,
            "tenantry_ix_credential_tokens_created_by",
            CredentialTokens::Table,
            [CredentialTokens::CreatedBy],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        columns::drop_table(manager, CredentialTokens::Table).await
    }
}
