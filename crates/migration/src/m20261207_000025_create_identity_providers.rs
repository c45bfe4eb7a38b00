//! Creates `identity_providers`: per tenant, what signing in with an identity provider may do
//! beyond signing in a user already linked to it — create users just in time, let an invited
//! user accept by signing in with the invitation's (verified) email — and from which email
//! domains. A tenant without a row for a provider lets it sign in linked users only. Rows go
//! with their tenant. `down` drops the table.

use crate::columns;
use crate::m20261122_000001_create_tenants::Tenants;
use crate::prelude::*;

pub struct Migration;
named_after_file!(Migration);

/// Columns of `identity_providers`.
#[derive(DeriveIden, Clone, Copy)]
pub enum IdentityProviders {
    #[sea_orm(iden = "tenantry_identity_providers")]
    Table,
    Id,
    TenantId,
    Provider,
    ProvisionsUsers,
    AcceptsInvitations,
    EmailDomains,
    CreatedAt,
    UpdatedAt,
}

fn flag(name: IdentityProviders) -> ColumnDef {
    ColumnDef::new(name)
        .boolean()
        .not_null()
        .default(false)
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        columns::create_table(
            manager,
            Table::create()
                .table(IdentityProviders::Table)
                .col(columns::id(IdentityProviders::Id))
                .col(columns::reference(IdentityProviders::TenantId))
                .col(columns::string(IdentityProviders::Provider, 100))
                .col(flag(IdentityProviders::ProvisionsUsers))
                .col(flag(IdentityProviders::AcceptsInvitations))
                // Lowercase domains separated by single spaces; empty for any domain.
                .col(columns::string(IdentityProviders::EmailDomains, 2000))
                .col(columns::utc_timestamp(
                    manager,
                    IdentityProviders::CreatedAt,
                ))
                .col(columns::utc_timestamp(
                    manager,
                    IdentityProviders::UpdatedAt,
                ))
                .foreign_key(
                    ForeignKey::create()
                        .name("tenantry_fk_identity_providers_tenant")
                        .from(IdentityProviders::Table, IdentityProviders::TenantId)
                        .to(Tenants::Table, Tenants::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        columns::unique_index(
            manager,
            "tenantry_ux_identity_providers_tenant_provider",
            IdentityProviders::Table,
            [IdentityProviders::TenantId, IdentityProviders::Provider],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        columns::drop_table(manager, IdentityProviders::Table).await
    }
}
