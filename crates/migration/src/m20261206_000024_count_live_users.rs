//! On SQLite, keeps every tenant's number of live users per status in
//! `tenantry_user_counts (tenant_id, status, live)`, maintained by triggers on `tenantry_users`
//! (issue 17, point 1).
//!
//! "How many active users does the tenant have" is what an admin screen asks on every visit.
//! Answered from `ix_users_tenant_live_status` (000020) it walks one index entry per live user:
//! 0.28 ms at 10 000 users on SQLite, where Django answers in 0.49 ms and the target was half
//! of that. A narrower index does not help (the walk's cost is per entry, not per page:
//! BENCHMARKS.md); one row per tenant and status does.
//!
//! The triggers make the counts exact whoever writes the users (the service, the CLI, a host's
//! own SQL): they run in the writing transaction, so a rollback takes its changes to the counts
//! with it. Only an insert, a delete, or an update of `tenant_id`, `status` or `deleted_at`
//! touches a count; a login does not.
//!
//! **SQLite only.** SQLite runs one writing transaction at a time anyway, so the count rows make
//! nobody wait. On PostgreSQL and MySQL/MariaDB a tenant's count row would be locked by every
//! transaction that creates, deletes, suspends or restores one of its users until it commits:
//! concurrent writers of a tenant would take turns, and would have to take their row locks in
//! an order that cannot deadlock with `tenant_locks`. There the count stays the index walk, and
//! this migration changes nothing.
//!
//! A later migration that rebuilds `tenantry_users` on SQLite (create, copy, drop, rename) drops
//! these triggers with the old table and must create them again.
//!
//! `down` drops the triggers and the table.

use crate::prelude::*;
use sea_orm::DatabaseBackend;

pub struct Migration;
named_after_file!(Migration);

/// The table, its backfill and its triggers, in order.
const UP: [&str; 5] = [
    "CREATE TABLE tenantry_user_counts (
        tenant_id integer NOT NULL,
        status varchar(16) NOT NULL,
        live bigint NOT NULL,
        CONSTRAINT tenantry_pk_user_counts PRIMARY KEY (tenant_id, status),
        CONSTRAINT tenantry_fk_user_counts_tenant FOREIGN KEY (tenant_id)
            REFERENCES tenantry_tenants (id) ON DELETE CASCADE
    )",
    "INSERT INTO tenantry_user_counts (tenant_id, status, live)
        SELECT tenant_id, status, COUNT(*) FROM tenantry_users
        WHERE deleted_at IS NULL GROUP BY tenant_id, status",
    "CREATE TRIGGER tenantry_tr_users_count_insert AFTER INSERT ON tenantry_users
        WHEN NEW.deleted_at IS NULL
        BEGIN
            INSERT INTO tenantry_user_counts (tenant_id, status, live)
                VALUES (NEW.tenant_id, NEW.status, 1)
                ON CONFLICT (tenant_id, status) DO UPDATE SET live = live + 1;
        END",
    "CREATE TRIGGER tenantry_tr_users_count_delete AFTER DELETE ON tenantry_users
        WHEN OLD.deleted_at IS NULL
        BEGIN
            UPDATE tenantry_user_counts SET live = live - 1
                WHERE tenant_id = OLD.tenant_id AND status = OLD.status;
        END",
    // The old row leaves its count and the new one joins its own; `WHERE NEW.deleted_at IS
    // NULL` also keeps SQLite's parser from reading `ON CONFLICT` as a join constraint.
    "CREATE TRIGGER tenantry_tr_users_count_update
        AFTER UPDATE OF tenant_id, status, deleted_at ON tenantry_users
        WHEN OLD.tenant_id IS NOT NEW.tenant_id OR OLD.status IS NOT NEW.status
            OR (OLD.deleted_at IS NULL) IS NOT (NEW.deleted_at IS NULL)
        BEGIN
            UPDATE tenantry_user_counts SET live = live - 1
                WHERE OLD.deleted_at IS NULL
                AND tenant_id = OLD.tenant_id AND status = OLD.status;
            INSERT INTO tenantry_user_counts (tenant_id, status, live)
                SELECT NEW.tenant_id, NEW.status, 1 WHERE NEW.deleted_at IS NULL
                ON CONFLICT (tenant_id, status) DO UPDATE SET live = live + 1;
        END",
];

/// `up` undone, triggers first.
const DOWN: [&str; 4] = [
    "DROP TRIGGER tenantry_tr_users_count_update",
    "DROP TRIGGER tenantry_tr_users_count_delete",
    "DROP TRIGGER tenantry_tr_users_count_insert",
    "DROP TABLE tenantry_user_counts",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// All or nothing: counts without their triggers would drift from the first write.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, &UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, &DOWN).await
    }
}

/// Runs `statements` in order on SQLite; nothing elsewhere (see the module docs).
async fn run(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    if manager.get_database_backend() != DatabaseBackend::Sqlite {
        return Ok(());
    }
    let db = manager.get_connection();
    for statement in statements {
        db.execute_unprepared(statement).await?;
    }
    Ok(())
}
