//! Creates `audit_events`: the trail of who changed what in a tenant.

use crate::columns;
use crate::m20261122_000001_create_tenants::Tenants;
use crate::m20261122_000003_create_users::Users;
use crate::prelude::*;

pub struct Migration;
named_after_file!(Migration);

/// Columns of `audit_events`.
#[derive(DeriveIden, Clone, Copy)]
pub enum AuditEvents {
    #[sea_orm(iden = "tenantry_audit_events")]
    Table,
    Id,
    TenantId,
    ActorUserId,
    TargetUserId,
    Action,
    Details,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        columns::create_table(
            manager,
            Table::create()
                .table(AuditEvents::Table)
                .col(columns::id(AuditEvents::Id))
                .col(columns::reference(AuditEvents::TenantId))
                .col(
                    ColumnDef::new(AuditEvents::ActorUserId)
                        .big_integer()
                        .null(),
                )
                .col(
                    ColumnDef::new(AuditEvents::TargetUserId)
                        .big_integer()
                        .null(),
                )
                .col(columns::string(AuditEvents::Action, 64))
                .col(ColumnDef::new(AuditEvents::Details).json().not_null())
                .col(columns::utc_timestamp(manager, AuditEvents::At))
                .foreign_key(
                    ForeignKey::create()
                        .name("tenantry_fk_audit_events_tenant")
                        .from(AuditEvents::Table, AuditEvents::TenantId)
                        .to(Tenants::Table, Tenants::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                // The trail outlives a purged user: its ids become NULL, its details stay.
                .foreign_key(
                    ForeignKey::create()
                        .name("tenantry_fk_audit_events_actor")
                        .from(AuditEvents::Table, AuditEvents::ActorUserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("tenantry_fk_audit_events_target")
                        .from(AuditEvents::Table, AuditEvents::TargetUserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        columns::index(
            manager,
            "tenantry_ix_audit_events_tenant_at",
            AuditEvents::Table,
            [AuditEvents::TenantId, AuditEvents::At],
        )
        .await?;
        columns::index(
            manager,
            "tenantry_ix_audit_events_actor",
            AuditEvents::Table,
            [AuditEvents::ActorUserId],
        )
        .await?;
        columns::index(
            manager,
            "tenantry_ix_audit_events_target",
            AuditEvents::Table,
            [AuditEvents::TargetUserId],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        columns::drop_table(manager, AuditEvents::Table).await
    }
}
