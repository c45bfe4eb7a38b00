//! Creates `user_identities`: a user's accounts at external identity providers.

use crate::columns;
use crate::m20261122_000003_create_users::Users;
use crate::prelude::*;

pub struct Migration;
named_after_file!(Migration);

/// Columns of `user_identities`.
#[derive(DeriveIden, Clone, Copy)]
pub enum UserIdentities {
    #[sea_orm(iden = "tenantry_user_identities")]
    Table,
    Id,
    TenantId,
    UserId,
    Provider,
    Subject,
    Email,
    LastUsedAt,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        columns::create_table(
            manager,
            Table::create()
                .table(UserIdentities::Table)
                .col(columns::id(UserIdentities::Id))
                .col(columns::reference(UserIdentities::TenantId))
                .col(columns::reference(UserIdentities::UserId))
                .col(columns::string(UserIdentities::Provider, 100))
                .col(columns::string(UserIdentities::Subject, 255))
                .col(columns::string_null(UserIdentities::Email, 320))
                .col(columns::utc_timestamp_null(
                    manager,
                    UserIdentities::LastUsedAt,
                ))
                .col(columns::utc_timestamp(manager, UserIdentities::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("tenantry_fk_user_identities_user")
                        .from(
                            UserIdentities::Table,
                            (UserIdentities::UserId, UserIdentities::TenantId),
                        )
                        .to(Users::Table, (Users::Id, Users::TenantId))
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        columns::unique_index(
            manager,
            "tenantry_ux_user_identities_provider_subject",
            UserIdentities::Table,
            [UserIdentities::Provider, UserIdentities::Subject],
        )
        .await?;
        columns::index(
            manager,
            "tenantry_ix_user_identities_user",
            UserIdentities::Table,
            [UserIdentities::UserId],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        columns::drop_table(manager, UserIdentities::Table).await
    }
}
