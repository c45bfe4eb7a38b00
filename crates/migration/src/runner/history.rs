//! The history table: which migrations have run, one row each.
//!
//! Byte-compatible with the table `sea-orm-migration` 2.0 made for earlier releases (its
//! `seaql_migrations` entity under tenantry's name): `version` a string primary key,
//! `applied_at` a `BIGINT` of Unix seconds, both `NOT NULL`; `CREATE TABLE IF NOT EXISTS`, so an
//! existing table is kept as it is.

use std::time::{SystemTime, UNIX_EPOCH};

use sea_orm::sea_query::{
    Alias, ColumnDef, Expr, ExprTrait, Order, Query, Table, TableCreateStatement,
};
use sea_orm::{ConnectionTrait, DbErr};

use super::schema_manager::has_table;
use crate::MIGRATION_TABLE;

fn table() -> Alias {
    Alias::new(MIGRATION_TABLE)
}

fn version() -> Alias {
    Alias::new("version")
}

fn applied_at() -> Alias {
    Alias::new("applied_at")
}

/// `CREATE TABLE IF NOT EXISTS tenantry_migrations (…)`.
fn create_statement() -> TableCreateStatement {
    Table::create()
        .table(table())
        .if_not_exists()
        .col(ColumnDef::new(version()).string().not_null().primary_key())
        .col(ColumnDef::new(applied_at()).big_integer().not_null())
        .take()
}

/// Creates the history table if it does not exist.
pub(super) async fn install<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    db.execute(&create_statement()).await.map(|_| ())
}

/// Drops the history table if it exists.
pub(super) async fn uninstall<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    let stmt = Table::drop().table(table()).if_exists().cascade().take();
    db.execute(&stmt).await.map(|_| ())
}

/// The names of the applied migrations, in name order. The table must exist.
pub(super) async fn applied<C: ConnectionTrait>(db: &C) -> Result<Vec<String>, DbErr> {
    let stmt = Query::select()
        .column(version())
        .from(table())
        .order_by(version(), Order::Asc)
        .take();
    db.query_all(&stmt)
        .await?
        .iter()
        .map(|row| row.try_get("", "version"))
        .collect()
}

/// As [`applied`], without creating anything: no table means nothing applied yet, so a user
/// without DDL rights can read the status.
pub(super) async fn applied_read_only<C: ConnectionTrait>(db: &C) -> Result<Vec<String>, DbErr> {
    if has_table(db, MIGRATION_TABLE).await? {
        applied(db).await
    } else {
        Ok(Vec::new())
    }
}

/// Records that `name` has been applied, now.
pub(super) async fn record<C: ConnectionTrait>(db: &C, name: &str) -> Result<(), DbErr> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| DbErr::Custom(format!("the clock is before 1970: {e}")))?;
    let seconds = i64::try_from(now.as_secs())
        .map_err(|e| DbErr::Custom(format!("the clock is out of range: {e}")))?;
    let stmt = Query::insert()
        .into_table(table())
        .columns([version(), applied_at()])
        .values([name.into(), seconds.into()])
        .map_err(|e| DbErr::Custom(e.to_string()))?
        .to_owned();
    db.execute(&stmt).await.map(|_| ())
}

/// Forgets that `name` was applied.
pub(super) async fn forget<C: ConnectionTrait>(db: &C, name: &str) -> Result<(), DbErr> {
    let stmt = Query::delete()
        .from_table(table())
        .and_where(Expr::col(version()).eq(name))
        .take();
    db.execute(&stmt).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use sea_orm::sea_query::{MysqlQueryBuilder, PostgresQueryBuilder, SqliteQueryBuilder};

    use super::create_statement as create;

    /// The DDL `sea-orm-migration` 2.0.4's `create_table_from_entity` made for the history
    /// table of earlier releases (SQLite's is also in `tests/legacy/sqlite_*.sql`).
    #[test]
    fn the_history_table_is_made_as_earlier_releases_made_it() {
        assert_eq!(
            create().to_string(SqliteQueryBuilder),
            r#"CREATE TABLE IF NOT EXISTS "tenantry_migrations" ( "version" varchar NOT NULL PRIMARY KEY, "applied_at" integer NOT NULL )"#
        );
        assert_eq!(
            create().to_string(PostgresQueryBuilder),
            r#"CREATE TABLE IF NOT EXISTS "tenantry_migrations" ( "version" varchar NOT NULL PRIMARY KEY, "applied_at" bigint NOT NULL )"#
        );
        assert_eq!(
            create().to_string(MysqlQueryBuilder),
            "CREATE TABLE IF NOT EXISTS `tenantry_migrations` ( `version` varchar(255) NOT NULL PRIMARY KEY, `applied_at` bigint NOT NULL )"
        );
    }
}
