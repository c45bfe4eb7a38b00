//! Creates `sessions`, the rows of the database session store (the service's `tower-sessions`
//! feature), and `session_usage`, what pruning keeps of a user's pruned sessions.
//!
//! A session row holds the SHA-256 of its session id (`id_hash`), never the id itself, and a
//! public `pid` a user may see in "my sessions". `tenant_id` and `user_id` are `NULL` until the
//! session gets a user; then the composite foreign key keeps the row in its user's tenant and
//! goes with the user. `security_stamp` is the user's stamp when the session got its user: a
//! session whose stamp no longer matches the user's has ended.
//!
//! `session_usage` holds, per user, the active seconds and the latest start of the sessions
//! pruned so far, so pruning never loses a user's usage. `down` drops both tables.

use crate::columns;
use crate::m20261122_000001_create_tenants::Tenants;
use crate::m20261122_000003_create_users::Users;
use crate::prelude::*;

pub struct Migration;
named_after_file!(Migration);

/// Columns of `sessions`.
#[derive(DeriveIden, Clone, Copy)]
pub enum Sessions {
    #[sea_orm(iden = "tenantry_sessions")]
    Table,
    Id,
    Pid,
    IdHash,
    TenantId,
    UserId,
    Data,
    SecurityStamp,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
    Ip,
    UserAgent,
    RevokedAt,
    ActiveSeconds,
}

/// Columns of `session_usage`.
#[derive(DeriveIden, Clone, Copy)]
pub enum SessionUsage {
    #[sea_orm(iden = "tenantry_session_usage")]
    Table,
    TenantId,
    UserId,
    ActiveSeconds,
    LastSessionStart,
}

/// A `BIGINT NOT NULL DEFAULT 0`.
fn seconds<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name)
        .big_integer()
        .not_null()
        .default(0)
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        columns::create_table(
            manager,
            Table::create()
                .table(Sessions::Table)
                .col(columns::id(Sessions::Id))
                .col(columns::uuid(Sessions::Pid))
                // SHA-256, lowercase hex.
                .col(columns::string(Sessions::IdHash, 64))
                .col(ColumnDef::new(Sessions::TenantId).big_integer().null())
                .col(ColumnDef::new(Sessions::UserId).big_integer().null())
                .col(ColumnDef::new(Sessions::Data).text().not_null())
                // As long as `users.security_stamp`.
                .col(columns::string_null(Sessions::SecurityStamp, 64))
                .col(columns::utc_timestamp(manager, Sessions::CreatedAt))
                .col(columns::utc_timestamp(manager, Sessions::LastSeenAt))
                .col(columns::utc_timestamp(manager, Sessions::ExpiresAt))
                // The longest textual IPv6 address.
                .col(columns::string_null(Sessions::Ip, 45))
                .col(columns::string_null(Sessions::UserAgent, 255))
                .col(columns::utc_timestamp_null(manager, Sessions::RevokedAt))
                .col(seconds(Sessions::ActiveSeconds))
                .foreign_key(
                    ForeignKey::create()
                        .name("tenantry_fk_sessions_tenant")
                        .from(Sessions::Table, Sessions::TenantId)
                        .to(Tenants::Table, Tenants::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("tenantry_fk_sessions_user")
                        .from(Sessions::Table, (Sessions::UserId, Sessions::TenantId))
                        .to(Users::Table, (Users::Id, Users::TenantId))
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        columns::unique_index(
            manager,
            "tenantry_ux_sessions_pid",
            Sessions::Table,
            [Sessions::Pid],
        )
        .await?;
        columns::unique_index(
            manager,
            "tenantry_ux_sessions_id_hash",
            Sessions::Table,
            [Sessions::IdHash],
        )
        .await?;
        // A user's sessions ("my sessions", revoke all); also serves the composite key.
        columns::index(
            manager,
            "tenantry_ix_sessions_user",
            Sessions::Table,
            [Sessions::UserId, Sessions::TenantId],
        )
        .await?;
        // Pruning by expiry.
        columns::index(
            manager,
            "tenantry_ix_sessions_expires",
            Sessions::Table,
            [Sessions::ExpiresAt],
        )
        .await?;
        columns::create_table(
            manager,
            Table::create()
                .table(SessionUsage::Table)
                .col(columns::reference(SessionUsage::TenantId))
                .col(columns::reference(SessionUsage::UserId))
                .col(seconds(SessionUsage::ActiveSeconds))
                .col(columns::utc_timestamp(
                    manager,
                    SessionUsage::LastSessionStart,
                ))
                .primary_key(
                    Index::create()
                        .name("tenantry_pk_session_usage")
                        .col(SessionUsage::UserId)
                        .col(SessionUsage::TenantId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("tenantry_fk_session_usage_user")
                        .from(
                            SessionUsage::Table,
                            (SessionUsage::UserId, SessionUsage::TenantId),
                        )
                        .to(Users::Table, (Users::Id, Users::TenantId))
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        columns::drop_table(manager, SessionUsage::Table).await?;
        columns::drop_table(manager, Sessions::Table).await
    }
}
