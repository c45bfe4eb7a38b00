//! Multi-row `INSERT`s for bulk import, written as SQL with bound values.
//!
//! SeaORM's `insert_many` copies every value of every row into its query, again when it builds
//! the SQL, and once more into the driver's arguments. Here each row's values are moved out of
//! its `ActiveModel` into the statement, so the rows are still built in the one place that says
//! what a new row holds, and only the driver's copy is left.
//!
//! **Statement size on a server.** sqlx 0.9.0 no longer sets `TCP_NODELAY` on its sockets
//! (sqlx issue 4335; fixed upstream, not released). A statement whose message does not fit the
//! socket's send buffer in one write (16 KiB until Linux grows it) leaves a short tail that
//! Nagle's algorithm holds until the server acknowledges the rest, and the server delays that
//! acknowledgement by 40 ms: PostgreSQL imported 3 100 users/s in statements of 500–1 000
//! rows, 7 800/s in statements of 30 (BENCHMARKS.md, issue 17 point 5). So on PostgreSQL and
//! MySQL a statement carries about [`SERVER_STATEMENT_BYTES`] of values; SQLite has no socket
//! and takes [`SQLITE_ROWS_PER_STATEMENT`] rows.

use sea_orm::{
    ActiveModelTrait, ActiveValue, ConnectionTrait, DatabaseBackend, DbErr, EntityName,
    EntityTrait, IdenStatic, Iterable, Statement, Value,
};

/// Rows per statement on SQLite: a large statement is cheaper per row, and 1 000 rows of up
/// to 30 columns stay under its limit of 32 766 bound values.
const SQLITE_ROWS_PER_STATEMENT: usize = 1_000;

/// Bytes of bound values per statement on PostgreSQL and MySQL: with the SQL's framing, a
/// statement fits a fresh socket's 16 KiB send buffer (see the module docs).
const SERVER_STATEMENT_BYTES: usize = 8 * 1024;

/// Inserts `rows` in multi-row statements, without reading anything back. Every row must set
/// the same columns (the first row's are inserted); a column the first row leaves unset (an
/// auto-increment id) is left to the database.
///
/// # Errors
/// The database's, as SeaORM reports it (so `sql_err()` classifies it as for `insert_many`).
pub(crate) async fn insert_rows<A>(db: &impl ConnectionTrait, rows: Vec<A>) -> Result<(), DbErr>
where
    A: ActiveModelTrait + Send,
{
    let backend = db.get_database_backend();
    let Some(first) = rows.first() else {
        return Ok(());
    };
    let columns: Vec<<A::Entity as EntityTrait>::Column> =
        <A::Entity as EntityTrait>::Column::iter()
            .filter(|column| !first.is_not_set(*column))
            .collect();
    // Every row's values, row after row.
    let mut values = Vec::with_capacity(rows.len() * columns.len());
    for mut row in rows {
        for column in &columns {
            values.push(taken(&mut row, *column)?);
        }
    }
    let per_statement = rows_per_statement(backend, &values[..columns.len()]);
    let head = format!(
        "INSERT INTO {} ({}) VALUES ",
        quoted(backend, A::Entity::default().table_name()),
        columns
            .iter()
            .map(|column| quoted(backend, column.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut values = values.into_iter();
    loop {
        let statement: Vec<Value> = values
            .by_ref()
            .take(per_statement * columns.len())
            .collect();
        if statement.is_empty() {
            return Ok(());
        }
        let sql = insert_sql(
            backend,
            &head,
            statement.len() / columns.len(),
            columns.len(),
        );
        db.execute_raw(Statement::from_sql_and_values(backend, sql, statement))
            .await?;
    }
}

/// How many rows a statement carries on `backend`, judged by the size of the `first` row.
fn rows_per_statement(backend: DatabaseBackend, first: &[Value]) -> usize {
    match backend {
        DatabaseBackend::Sqlite => SQLITE_ROWS_PER_STATEMENT,
        _ => {
            let row_bytes: usize = first.iter().map(encoded_len).sum();
            (SERVER_STATEMENT_BYTES / row_bytes.max(1)).clamp(1, SQLITE_ROWS_PER_STATEMENT)
        }
    }
}

/// About how many bytes `value` takes in a statement's message: its length word and its data.
fn encoded_len(value: &Value) -> usize {
    4 + match value {
        Value::String(Some(text)) => text.len(),
        Value::Bytes(Some(bytes)) => bytes.len(),
        Value::Json(Some(json)) => json.to_string().len(),
        _ => 8,
    }
}

/// `head` followed by `rows` groups of `columns` placeholders.
fn insert_sql(backend: DatabaseBackend, head: &str, rows: usize, columns: usize) -> String {
    use std::fmt::Write;
    let mut sql = String::with_capacity(head.len() + rows * columns * 6);
    sql.push_str(head);
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..columns {
            if column > 0 {
                sql.push_str(", ");
            }
            match backend {
                // Writing to a String cannot fail.
                DatabaseBackend::Postgres => {
                    let _ = write!(sql, "${}", row * columns + column + 1);
                }
                _ => sql.push('?'),
            }
        }
        sql.push(')');
    }
    sql
}

/// The value `row` sets for `column`, moved out of it.
fn taken<A: ActiveModelTrait>(
    row: &mut A,
    column: <A::Entity as EntityTrait>::Column,
) -> Result<Value, DbErr> {
    match row.take(column) {
        ActiveValue::Set(value) | ActiveValue::Unchanged(value) => Ok(value),
        ActiveValue::NotSet => Err(DbErr::Custom(format!(
            "bulk insert: a row leaves {} unset where the first sets it",
            column.as_str()
        ))),
    }
}

/// `name` as an identifier of `backend`.
fn quoted(backend: DatabaseBackend, name: &str) -> String {
    match backend {
        DatabaseBackend::MySql => format!("`{name}`"),
        _ => format!("\"{name}\""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_on_postgres_only() {
        let head = "INSERT INTO t (a, b) VALUES ";
        assert_eq!(
            insert_sql(DatabaseBackend::Postgres, head, 2, 2),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"
        );
        assert_eq!(
            insert_sql(DatabaseBackend::MySql, head, 2, 2),
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)"
        );
    }

    #[test]
    fn a_server_statement_holds_about_eight_kib_of_values() {
        let row = [Value::String(Some("x".repeat(96))), Value::BigInt(Some(1))];
        // 100 + 12 bytes a row.
        assert_eq!(rows_per_statement(DatabaseBackend::Postgres, &row), 73);
        assert_eq!(rows_per_statement(DatabaseBackend::Sqlite, &row), 1_000);
        let huge = [Value::String(Some("x".repeat(20_000)))];
        assert_eq!(rows_per_statement(DatabaseBackend::MySql, &huge), 1);
    }
}
