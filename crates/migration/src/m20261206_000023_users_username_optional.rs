//! `tenantry_users.username` may be NULL: a user whose login is its email has no username
//! (issue 15, profile rules; the SaaS of seed 003 has no usernames at all). Its
//! `username_key` stays `NOT NULL`: for such a user the service stores its email's key there
//! (an email key holds `@`, a username key never does), so username lookups, username order
//! and the unique index work unchanged. The skeleton column was nullable already. No row
//! changes.
//!
//! PostgreSQL and MySQL drop the columns' `NOT NULL` in place (MySQL's `MODIFY` keeps the
//! table's exact binary collation, its default since the table was created with it).
//! SQLite cannot alter a column, and rebuilding `tenantry_users` would mean dropping a table
//! six others reference with `ON DELETE CASCADE` (a `DROP TABLE` with foreign keys on deletes
//! their rows, and foreign keys cannot be turned off inside the migration's transaction). So
//! this uses the procedure SQLite documents for changes that leave the stored rows as they are,
//! removing a `NOT NULL` among them (<https://www.sqlite.org/lang_altertable.html>, "making
//! other kinds of table schema changes"): in one transaction, the table's `CREATE TABLE` text
//! in `sqlite_schema` is edited with `writable_schema` on, and `schema_version` is incremented
//! so every connection reloads the schema.
//!
//! `down` puts `NOT NULL` back, and refuses (changing nothing) while any user has no username:
//! the old shape has no place for one, and inventing usernames would change how users log in.

use crate::m20261122_000003_create_users::Users;
use crate::prelude::*;
use sea_orm::{DatabaseBackend, Statement};

pub struct Migration;
named_after_file!(Migration);

/// The column, with its `VARCHAR` length.
const COLUMNS: [(Users, &str, u32); 1] = [(Users::Username, "username", 255)];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One transaction: on SQLite the schema edit and the version bump must commit together.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        set_optional(manager, true).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let unnamed = manager
            .get_connection()
            .query_one(
                &Query::select()
                    .expr(Expr::col(Users::Id).count())
                    .from(Users::Table)
                    .and_where(Expr::col(Users::Username).is_null())
                    .to_owned(),
            )
            .await?
            .map(|row| row.try_get_by_index::<i64>(0))
            .transpose()?
            .unwrap_or(0);
        if unnamed > 0 {
            return Err(DbErr::Migration(format!(
                "{unnamed} users have no username; the schema before \
                 m20261206_000023 requires one, so give them usernames (or delete them) first"
            )));
        }
        set_optional(manager, false).await
    }
}

/// Gives the column the nullability asked for.
async fn set_optional(manager: &SchemaManager<'_>, optional: bool) -> Result<(), DbErr> {
    match manager.get_database_backend() {
        DatabaseBackend::Sqlite => edit_sqlite_schema(manager, optional).await,
        _ => {
            let mut alter = Table::alter();
            alter.table(Users::Table);
            for (column, _, len) in COLUMNS {
                let mut def = ColumnDef::new(column);
                def.string_len(len);
                if optional {
                    def.null();
                } else {
                    def.not_null();
                }
                alter.modify_column(def);
            }
            manager.alter_table(alter.to_owned()).await
        }
    }
}

/// SQLite: rewrites the column definitions in the table's stored `CREATE TABLE` text.
async fn edit_sqlite_schema(manager: &SchemaManager<'_>, optional: bool) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let sqlite = |sql: &str| Statement::from_string(DatabaseBackend::Sqlite, sql.to_owned());
    let row = db
        .query_one_raw(sqlite(
            "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'tenantry_users'",
        ))
        .await?
        .ok_or_else(|| DbErr::Migration("tenantry_users does not exist".into()))?;
    let mut sql: String = row.try_get_by_index(0)?;
    for (_, name, len) in COLUMNS {
        let required = format!("\"{name}\" varchar({len}) NOT NULL");
        let nullable = format!("\"{name}\" varchar({len}) NULL");
        let (from, to) = if optional {
            (required.as_str(), nullable.as_str())
        } else {
            (nullable.as_str(), required.as_str())
        };
        // Exactly one definition must match, or the table is not the one this expects; the
        // `,` after it keeps `"username"` from matching a prefix of another column.
        let from = format!("{from},");
        if sql.matches(&from).count() != 1 {
            return Err(DbErr::Migration(format!(
                "tenantry_users: the definition of {name} is not `{from}` as expected"
            )));
        }
        sql = sql.replacen(&from, &format!("{to},"), 1);
    }
    let version: i64 = db
        .query_one_raw(sqlite("PRAGMA schema_version"))
        .await?
        .ok_or_else(|| DbErr::Migration("no schema_version".into()))?
        .try_get_by_index(0)?;
    db.execute_raw(sqlite("PRAGMA writable_schema = ON"))
        .await?;
    let edited = db
        .execute_raw(Statement::from_sql_and_values(
            DatabaseBackend::Sqlite,
            "UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = 'tenantry_users'",
            [sql.into()],
        ))
        .await;
    // `writable_schema` goes off again whatever happened, before anything else runs.
    db.execute_raw(sqlite(&format!("PRAGMA schema_version = {}", version + 1)))
        .await?;
    db.execute_raw(sqlite("PRAGMA writable_schema = OFF"))
        .await?;
    edited?;
    Ok(())
}
