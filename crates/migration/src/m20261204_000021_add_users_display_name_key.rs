//! Search by prefix (issue 17): adds `users.display_name_key` with the index
//! `ix_users_tenant_display_name_key (tenant_id, display_name_key)`, and on PostgreSQL gives the
//! key columns the byte-order collation `"C"`.
//!
//! A search is a prefix of the username, email or display name key, answered as one index
//! range per key (`key >= prefix AND key < prefix_end(prefix)`), so it costs the same at ten
//! thousand users as at a million. A range over a key is exact only in code-point order: SQLite
//! compares text bytewise, MySQL/MariaDB tables use a binary collation (`columns.rs`), and this
//! migration sets `COLLATE "C"` on `username_key`, `email_key` and `display_name_key` on
//! PostgreSQL, whose database default may be a language's collation (`en_US.UTF-8` ignores
//! punctuation at first). Listings by username then sort the same way on every backend.
//!
//! Existing rows are backfilled with `tenantry_entity::keys::display_name_key`, the function the
//! entity fills new rows with, 1 000 users per `UPDATE … CASE`, before the index is built.

use crate::columns;
use crate::m20261122_000003_create_users::Users;
use crate::prelude::*;
use sea_orm::DatabaseBackend;
use tenantry_entity::keys::{DISPLAY_NAME_KEY_MAX_CHARS, display_name_key};

/// The index's name.
const INDEX: &str = "tenantry_ix_users_tenant_display_name_key";

/// The column's length: what the entity's keys fit in (checked at compile time).
const LENGTH: u32 = 255;
const _: () = assert!(DISPLAY_NAME_KEY_MAX_CHARS == LENGTH as usize);

/// Users read (and updated) per statement.
const PAGE: u64 = 1_000;

/// The key columns whose PostgreSQL collation becomes `"C"`, with their `VARCHAR` lengths.
const PG_KEYS: [(&str, u32); 3] = [
    ("username_key", 255),
    ("email_key", 320),
    ("display_name_key", LENGTH),
];

pub struct Migration;
named_after_file!(Migration);

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(columns::string_null(Users::DisplayNameKey, LENGTH))
                    .to_owned(),
            )
            .await?;
        backfill(manager).await?;
        set_pg_collation(manager, "\"C\"").await?;
        columns::index(
            manager,
            INDEX,
            Users::Table,
            [Users::TenantId, Users::DisplayNameKey],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(Users::Table).to_owned())
            .await?;
        set_pg_collation(manager, "\"default\"").await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::DisplayNameKey)
                    .to_owned(),
            )
            .await
    }
}

/// On PostgreSQL, gives the key columns `collation` (their indexes are rebuilt; the rows are
/// not rewritten, since only the collation changes). Nothing elsewhere.
async fn set_pg_collation(manager: &SchemaManager<'_>, collation: &str) -> Result<(), DbErr> {
    if manager.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(());
    }
    let alters: Vec<String> = PG_KEYS
        .iter()
        .map(|(column, len)| {
            format!("ALTER COLUMN {column} TYPE VARCHAR({len}) COLLATE {collation}")
        })
        .collect();
    manager
        .get_connection()
        .execute_unprepared(&format!("ALTER TABLE tenantry_users {}", alters.join(", ")))
        .await
        .map(drop)
}

/// Sets every user's display name key, in id order, a page at a time.
async fn backfill(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let backend = manager.get_database_backend();
    let mut after: i64 = 0;
    loop {
        let select = Query::select()
            .columns([Users::Id, Users::DisplayName])
            .from(Users::Table)
            .and_where(Expr::col(Users::Id).gt(after))
            .order_by(Users::Id, Order::Asc)
            .limit(PAGE)
            .to_owned();
        let rows = db.query_all_raw(backend.build(&select)).await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.try_get_by_index(0)?;
        let mut ids = Vec::with_capacity(rows.len());
        let mut case = CaseStatement::new();
        for row in &rows {
            let id: i64 = row.try_get_by_index(0)?;
            let name: String = row.try_get_by_index(1)?;
            ids.push(id);
            case = case.case(
                Expr::col(Users::Id).eq(id),
                Expr::val(display_name_key(&name)),
            );
        }
        let update = Query::update()
            .table(Users::Table)
            .value(Users::DisplayNameKey, case)
            .and_where(Expr::col(Users::Id).is_in(ids))
            .to_owned();
        manager.exec_stmt(update).await?;
    }
}
