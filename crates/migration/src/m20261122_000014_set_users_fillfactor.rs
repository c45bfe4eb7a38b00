//! PostgreSQL only: `users` pages are filled to 90 %, not 100 %.
//!
//! Every successful login updates its user's row (`last_login_at`, `login_count`, the lockout
//! counters), none of them indexed. PostgreSQL can then write the new row version on the same
//! page without touching any of the table's seven indexes (a "HOT" update) — but only if the
//! page has room. Rows inserted in bulk (an import, or any table that only grew) fill their
//! pages completely, so the first login of each user moved its row to another page and added an
//! entry to every index. Measured on a million generated users (BENCHMARKS.md, "1 000 000
//! users"): 16 % of login updates were HOT at fillfactor 100, 100 % at 90. The time of a login's
//! write transaction did not measurably change on this machine (the commit's `fsync` dominates
//! it); what the setting saves is index growth and WAL. It applies to pages written from now
//! on; `VACUUM FULL users` rewrites existing ones. SQLite and MySQL update rows in place and have
//! no such setting; there this migration does nothing.

use crate::m20261122_000003_create_users::Users;
use crate::prelude::*;
use sea_orm::DatabaseBackend;

/// Percent of each page new rows may fill.
const FILLFACTOR: u8 = 90;

pub struct Migration;
named_after_file!(Migration);

async fn alter_on_postgres(manager: &SchemaManager<'_>, options: &str) -> Result<(), DbErr> {
    if manager.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(());
    }
    let table = Users::Table.to_string();
    manager
        .get_connection()
        .execute_unprepared(&format!("ALTER TABLE \"{table}\" {options}"))
        .await
        .map(|_| ())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        alter_on_postgres(manager, &format!("SET (fillfactor = {FILLFACTOR})")).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        alter_on_postgres(manager, "RESET (fillfactor)").await
    }
}
