//! Column and table helpers shared by the migrations, so every table is built the same way.

use crate::prelude::*;
use sea_orm::{DatabaseBackend, Statement};

/// An auto-increment `BIGINT` primary key (`INTEGER PRIMARY KEY AUTOINCREMENT` on SQLite).
pub fn id<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .take()
}

/// A `BIGINT NOT NULL` reference to another table's id.
pub fn reference<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().take()
}

/// A UUID column (the public id).
pub fn uuid<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).uuid().not_null().take()
}

/// A `VARCHAR(len) NOT NULL`.
pub fn string<T: IntoIden>(name: T, len: u32) -> ColumnDef {
    ColumnDef::new(name).string_len(len).not_null().take()
}

/// A nullable `VARCHAR(len)`.
pub fn string_null<T: IntoIden>(name: T, len: u32) -> ColumnDef {
    ColumnDef::new(name).string_len(len).null().take()
}

/// A UTC timestamp, `NOT NULL`: `TIMESTAMPTZ` on PostgreSQL, `DATETIME(6)` on MySQL (whose
/// `TIMESTAMP` ends in 2038), SeaORM's text form on SQLite.
pub fn utc_timestamp<T: IntoIden>(manager: &SchemaManager, name: T) -> ColumnDef {
    let mut column = ColumnDef::new(name);
    match manager.get_database_backend() {
        DatabaseBackend::MySql => column.custom(Alias::new("DATETIME(6)")),
        _ => column.timestamp_with_time_zone(),
    };
    column.not_null().take()
}

/// A nullable UTC timestamp; see [`utc_timestamp`].
pub fn utc_timestamp_null<T: IntoIden>(manager: &SchemaManager, name: T) -> ColumnDef {
    let mut column = utc_timestamp(manager, name);
    column.null();
    column
}

/// Creates a table; on MySQL/MariaDB with `utf8mb4` and an exact binary collation, so the
/// normalized `*_key` columns are compared byte for byte as the service computed them.
pub async fn create_table(
    manager: &SchemaManager<'_>,
    mut table: TableCreateStatement,
) -> Result<(), DbErr> {
    if manager.get_database_backend() == DatabaseBackend::MySql {
        table
            .engine("InnoDB")
            .character_set("utf8mb4")
            .collate(exact_collation(manager).await?);
    }
    manager.create_table(table).await
}

/// The binary `utf8mb4` collation that also compares trailing spaces (`NO PAD`): MariaDB's
/// `utf8mb4_nopad_bin` or MySQL 8's `utf8mb4_0900_bin`. Plain `utf8mb4_bin` is `PAD SPACE`,
/// under which `jose` and `jose ` would collide; it is the fallback on servers with neither.
async fn exact_collation(manager: &SchemaManager<'_>) -> Result<String, DbErr> {
    let db = manager.get_connection();
    let row = db
        .query_one_raw(Statement::from_string(
            DatabaseBackend::MySql,
            "SELECT collation_name FROM information_schema.collations \
             WHERE collation_name IN ('utf8mb4_nopad_bin', 'utf8mb4_0900_bin') \
             ORDER BY collation_name LIMIT 1",
        ))
        .await?;
    match row {
        Some(row) => row.try_get_by_index::<String>(0),
        None => Ok("utf8mb4_bin".to_owned()),
    }
}

/// Creates a unique index named `name` on `table (columns)`.
pub async fn unique_index<T, C>(
    manager: &SchemaManager<'_>,
    name: &str,
    table: T,
    columns: C,
) -> Result<(), DbErr>
where
    T: IntoIden,
    C: IntoIterator,
    C::Item: IntoIden,
{
    let mut index = Index::create();
    index.name(name).table(table).unique();
    for column in columns {
        index.col(column);
    }
    manager.create_index(index).await
}

/// Creates a plain index named `name` on `table (columns)`.
pub async fn index<T, C>(
    manager: &SchemaManager<'_>,
    name: &str,
    table: T,
    columns: C,
) -> Result<(), DbErr>
where
    T: IntoIden,
    C: IntoIterator,
    C::Item: IntoIden,
{
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(column);
    }
    manager.create_index(index).await
}

/// Drops a table (used by every `down`).
pub async fn drop_table<T: IntoIden + 'static>(
    manager: &SchemaManager<'_>,
    table: T,
) -> Result<(), DbErr> {
    manager
        .drop_table(Table::drop().table(table).to_owned())
        .await
}
