//! [`SchemaManager`]: what a migration runs its statements through.

use sea_orm::sea_query::{
    ForeignKeyCreateStatement, ForeignKeyDropStatement, IndexCreateStatement, IndexDropStatement,
    TableAlterStatement, TableCreateStatement, TableDropStatement, TableRenameStatement,
};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, StatementBuilder};

/// The connection or transaction a migration runs on.
pub use sea_orm::DatabaseExecutor as SchemaManagerConnection;
/// What a [`SchemaManager`] can be made from: `&DatabaseConnection`, `&DatabaseTransaction`.
pub use sea_orm::IntoDatabaseExecutor as IntoSchemaManagerConnection;

/// Runs a migration's statements on one connection or transaction.
pub struct SchemaManager<'c> {
    conn: SchemaManagerConnection<'c>,
}

impl<'c> SchemaManager<'c> {
    /// A manager on `conn`.
    pub fn new<T>(conn: T) -> Self
    where
        T: IntoSchemaManagerConnection<'c>,
    {
        Self {
            conn: conn.into_database_executor(),
        }
    }

    /// Runs one statement.
    ///
    /// # Errors
    ///
    /// The database refused the statement.
    pub async fn exec_stmt<S: StatementBuilder>(&self, stmt: S) -> Result<(), DbErr> {
        self.conn.execute(&stmt).await.map(|_| ())
    }

    /// The backend the connection talks to.
    pub fn get_database_backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    /// The connection, for statements the helpers below do not cover.
    pub fn get_connection(&self) -> &SchemaManagerConnection<'c> {
        &self.conn
    }

    /// `CREATE TABLE`.
    ///
    /// # Errors
    ///
    /// The database refused the statement.
    pub async fn create_table(&self, stmt: TableCreateStatement) -> Result<(), DbErr> {
        self.exec_stmt(stmt).await
    }

    /// `ALTER TABLE`.
    ///
    /// # Errors
    ///
    /// The database refused the statement.
    pub async fn alter_table(&self, stmt: TableAlterStatement) -> Result<(), DbErr> {
        self.exec_stmt(stmt).await
    }

    /// `DROP TABLE`.
    ///
    /// # Errors
    ///
    /// The database refused the statement.
    pub async fn drop_table(&self, stmt: TableDropStatement) -> Result<(), DbErr> {
        self.exec_stmt(stmt).await
    }

    /// Renames a table.
    ///
    /// # Errors
    ///
    /// The database refused the statement.
    pub async fn rename_table(&self, stmt: TableRenameStatement) -> Result<(), DbErr> {
        self.exec_stmt(stmt).await
    }

    /// `CREATE INDEX`.
    ///
    /// # Errors
    ///
    /// The database refused the statement.
    pub async fn create_index(&self, stmt: IndexCreateStatement) -> Result<(), DbErr> {
        self.exec_stmt(stmt).await
    }

    /// `DROP INDEX`.
    ///
    /// # Errors
    ///
    /// The database refused the statement.
    pub async fn drop_index(&self, stmt: IndexDropStatement) -> Result<(), DbErr> {
        self.exec_stmt(stmt).await
    }

    /// Adds a foreign key to an existing table.
    ///
    /// # Errors
    ///
    /// The database refused the statement.
    pub async fn create_foreign_key(&self, stmt: ForeignKeyCreateStatement) -> Result<(), DbErr> {
        self.exec_stmt(stmt).await
    }

    /// Drops a foreign key.
    ///
    /// # Errors
    ///
    /// The database refused the statement.
    pub async fn drop_foreign_key(&self, stmt: ForeignKeyDropStatement) -> Result<(), DbErr> {
        self.exec_stmt(stmt).await
    }

    /// Whether `table` exists: in the current schema on PostgreSQL (a base table, not a view),
    /// in the current database on MySQL, in the main database on SQLite.
    ///
    /// # Errors
    ///
    /// The catalogue could not be read.
    pub async fn has_table(&self, table: impl AsRef<str>) -> Result<bool, DbErr> {
        has_table(&self.conn, table.as_ref()).await
    }
}

/// Whether `table` exists, asked as `sea-schema`'s probe asks it (`COUNT(*) > 0`).
pub(super) async fn has_table<C: ConnectionTrait>(conn: &C, table: &str) -> Result<bool, DbErr> {
    let backend = conn.get_database_backend();
    let sql = match backend {
        DbBackend::Sqlite => {
            "SELECT COUNT(*) > 0 AS has_table FROM sqlite_master \
             WHERE type = 'table' AND name = ?"
        }
        DbBackend::Postgres => {
            "SELECT COUNT(*) > 0 AS has_table FROM information_schema.tables \
             WHERE table_schema = CURRENT_SCHEMA() AND table_type = 'BASE TABLE' \
             AND table_name = $1"
        }
        DbBackend::MySql => {
            "SELECT COUNT(*) > 0 AS has_table FROM information_schema.tables \
             WHERE table_schema = DATABASE() AND table_name = ?"
        }
        other => {
            return Err(DbErr::BackendNotSupported {
                db: other.as_str(),
                ctx: "has_table",
            });
        }
    };
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(backend, sql, [table.into()]))
        .await?
        .ok_or_else(|| DbErr::Custom(format!("no answer to whether {table} exists")))?;
    row.try_get("", "has_table")
}
