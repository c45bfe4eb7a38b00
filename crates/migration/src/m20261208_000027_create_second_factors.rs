//! Creates the tables of second factors (issue 18):
//!
//! - `authenticators`: a user's second factors, one row each — a TOTP secret (encrypted by the
//!   service with a host key: `secret` holds `key-id:base64(nonce‖ciphertext)`, never the
//!   secret) with the last time step it accepted, or a passkey (`passkey` holds the public
//!   credential as JSON, `credential_id_hash` the SHA-256 of its id, unique). A row is pending
//!   until `confirmed_at` is set.
//! - `recovery_codes`: single-use codes, stored only as SHA-256 hashes.
//! - `login_challenges`: short-lived, single-use challenges between the steps of a login (and
//!   of a passkey ceremony), stored only as the SHA-256 of the token handed out, bound to the
//!   tenant, the user (when known) and the login's source and address.
//! - `second_factor_policies`: per tenant, who must have a second factor.
//! - `identity_providers.satisfies_second_factor`: a sign-in through this provider needs no
//!   second step (the provider enforced its own).
//!
//! Rows of the first three belong to a user of their own tenant (composite foreign keys) and go
//! with the user. `down` drops the tables and the column.

use crate::columns;
use crate::m20261122_000001_create_tenants::Tenants;
use crate::m20261122_000003_create_users::Users;
use crate::m20261207_000025_create_identity_providers::IdentityProviders;
use crate::prelude::*;

pub struct Migration;
named_after_file!(Migration);

/// Columns of `authenticators`.
#[derive(DeriveIden, Clone, Copy)]
pub enum Authenticators {
    #[sea_orm(iden = "tenantry_authenticators")]
    Table,
    Id,
    TenantId,
    UserId,
    Kind,
    Name,
    Secret,
    LastUsedStep,
    CredentialIdHash,
    Passkey,
    ConfirmedAt,
    CreatedAt,
    LastUsedAt,
}

/// Columns of `recovery_codes`.
#[derive(DeriveIden, Clone, Copy)]
pub enum RecoveryCodes {
    #[sea_orm(iden = "tenantry_recovery_codes")]
    Table,
    Id,
    TenantId,
    UserId,
    CodeHash,
    UsedAt,
    CreatedAt,
}

/// Columns of `login_challenges`.
#[derive(DeriveIden, Clone, Copy)]
pub enum LoginChallenges {
    #[sea_orm(iden = "tenantry_login_challenges")]
    Table,
    Id,
    TenantId,
    UserId,
    TokenHash,
    Purpose,
    Source,
    Ip,
    Ceremony,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

/// Columns of `second_factor_policies`.
#[derive(DeriveIden, Clone, Copy)]
pub enum SecondFactorPolicies {
    #[sea_orm(iden = "tenantry_second_factor_policies")]
    Table,
    TenantId,
    Required,
    Roles,
    UpdatedAt,
}

/// The new column of `identity_providers`.
#[derive(DeriveIden, Clone, Copy)]
enum ProviderColumn {
    SatisfiesSecondFactor,
}

/// The tenant's foreign key, named for `table`.
fn tenant_key<T: IntoIden + Copy + 'static>(
    name: &str,
    table: T,
    column: T,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(table, column)
        .to(Tenants::Table, Tenants::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

/// The composite `(user_id, tenant_id) → users (id, tenant_id)` key, named `name`.
fn user_key<T: IntoIden + Copy + 'static>(
    name: &str,
    table: T,
    user: T,
    tenant: T,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(table, (user, tenant))
        .to(Users::Table, (Users::Id, Users::TenantId))
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

async fn create_authenticators(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use Authenticators as A;
    columns::create_table(
        manager,
        Table::create()
            .table(A::Table)
            .col(columns::id(A::Id))
            .col(columns::reference(A::TenantId))
            .col(columns::reference(A::UserId))
            // `totp` or `passkey`.
            .col(columns::string(A::Kind, 16))
            .col(columns::string(A::Name, 100))
            .col(columns::string_null(A::Secret, 500))
            .col(ColumnDef::new(A::LastUsedStep).big_integer().null())
            // SHA-256, lowercase hex.
            .col(columns::string_null(A::CredentialIdHash, 64))
            .col(ColumnDef::new(A::Passkey).text().null())
            .col(columns::utc_timestamp_null(manager, A::ConfirmedAt))
            .col(columns::utc_timestamp(manager, A::CreatedAt))
            .col(columns::utc_timestamp_null(manager, A::LastUsedAt))
            .foreign_key(&mut tenant_key(
                "tenantry_fk_authenticators_tenant",
                A::Table,
                A::TenantId,
            ))
            .foreign_key(&mut user_key(
                "tenantry_fk_authenticators_user",
                A::Table,
                A::UserId,
                A::TenantId,
            ))
            .to_owned(),
    )
    .await?;
    columns::index(
        manager,
        "tenantry_ix_authenticators_user",
        A::Table,
        [A::UserId, A::TenantId],
    )
    .await?;
    columns::unique_index(
        manager,
        "tenantry_ux_authenticators_credential",
        A::Table,
        [A::CredentialIdHash],
    )
    .await
}

async fn create_recovery_codes(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use RecoveryCodes as R;
    columns::create_table(
        manager,
        Table::create()
            .table(R::Table)
            .col(columns::id(R::Id))
            .col(columns::reference(R::TenantId))
            .col(columns::reference(R::UserId))
            .col(columns::string(R::CodeHash, 64))
            .col(columns::utc_timestamp_null(manager, R::UsedAt))
            .col(columns::utc_timestamp(manager, R::CreatedAt))
            .foreign_key(&mut tenant_key(
                "tenantry_fk_recovery_codes_tenant",
                R::Table,
                R::TenantId,
            ))
            .foreign_key(&mut user_key(
                "tenantry_fk_recovery_codes_user",
                R::Table,
                R::UserId,
                R::TenantId,
            ))
            .to_owned(),
    )
    .await?;
    columns::index(
        manager,
        "tenantry_ix_recovery_codes_user",
        R::Table,
        [R::UserId, R::TenantId],
    )
    .await?;
    columns::unique_index(
        manager,
        "tenantry_ux_recovery_codes_hash",
        R::Table,
        [R::CodeHash],
    )
    .await
}

async fn create_login_challenges(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use LoginChallenges as C;
    columns::create_table(
        manager,
        Table::create()
            .table(C::Table)
            .col(columns::id(C::Id))
            .col(columns::reference(C::TenantId))
            .col(ColumnDef::new(C::UserId).big_integer().null())
            .col(columns::string(C::TokenHash, 64))
            .col(columns::string(C::Purpose, 32))
            .col(columns::string(C::Source, 16))
            .col(columns::string_null(C::Ip, 45))
            // A passkey ceremony's server state, as JSON.
            .col(ColumnDef::new(C::Ceremony).text().null())
            .col(columns::utc_timestamp(manager, C::ExpiresAt))
            .col(columns::utc_timestamp_null(manager, C::UsedAt))
            .col(columns::utc_timestamp(manager, C::CreatedAt))
            .foreign_key(&mut tenant_key(
                "tenantry_fk_login_challenges_tenant",
                C::Table,
                C::TenantId,
            ))
            .foreign_key(&mut user_key(
                "tenantry_fk_login_challenges_user",
                C::Table,
                C::UserId,
                C::TenantId,
            ))
            .to_owned(),
    )
    .await?;
    columns::unique_index(
        manager,
        "tenantry_ux_login_challenges_token",
        C::Table,
        [C::TokenHash],
    )
    .await?;
    columns::index(
        manager,
        "tenantry_ix_login_challenges_user",
        C::Table,
        [C::UserId, C::TenantId],
    )
    .await?;
    columns::index(
        manager,
        "tenantry_ix_login_challenges_expires",
        C::Table,
        [C::ExpiresAt],
    )
    .await
}

async fn create_policies(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use SecondFactorPolicies as P;
    columns::create_table(
        manager,
        Table::create()
            .table(P::Table)
            .col(columns::reference(P::TenantId).primary_key())
            // `nobody`, `everyone` or `roles`.
            .col(columns::string(P::Required, 16))
            // Role keys separated by single spaces (for `roles`).
            .col(columns::string(P::Roles, 2000))
            .col(columns::utc_timestamp(manager, P::UpdatedAt))
            .foreign_key(&mut tenant_key(
                "tenantry_fk_second_factor_policies_tenant",
                P::Table,
                P::TenantId,
            ))
            .to_owned(),
    )
    .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_authenticators(manager).await?;
        create_recovery_codes(manager).await?;
        create_login_challenges(manager).await?;
        create_policies(manager).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(IdentityProviders::Table)
                    .add_column(
                        ColumnDef::new(ProviderColumn::SatisfiesSecondFactor)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(IdentityProviders::Table)
                    .drop_column(ProviderColumn::SatisfiesSecondFactor)
                    .to_owned(),
            )
            .await?;
        columns::drop_table(manager, SecondFactorPolicies::Table).await?;
        columns::drop_table(manager, LoginChallenges::Table).await?;
        columns::drop_table(manager, RecoveryCodes::Table).await?;
        columns::drop_table(manager, Authenticators::Table).await
    }
}
