//! The harness every tenantry integration test uses.
//!
//! [`TestDb::migrated`] gives a test its own fresh database with tenantry's real migrations
//! applied:
//! - `DATABASE_URL` unset: a new SQLite file in a temporary directory, opened with
//!   [`tenantry_migration::connect`] (foreign keys on for every pooled connection, WAL).
//! - `DATABASE_URL` naming PostgreSQL or MySQL/MariaDB: a new, uniquely named database on that
//!   server, created for the test and dropped when the [`TestDb`] is dropped (also when the
//!   test panics), so tests run in parallel and never see each other's rows.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::time::Duration;
use tenantry_migration::sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, Statement,
};
use tenantry_migration::{Migrator, MigratorTrait, connect};

/// A database of one test's own.
pub struct TestDb {
    db: DatabaseConnection,
    url: String,
    server: Option<ServerDatabase>,
    // Keeps the SQLite file's directory alive for the test's lifetime.
    _dir: Option<tempfile::TempDir>,
}

/// A database created on a server for one test, dropped with the [`TestDb`].
struct ServerDatabase {
    admin_url: String,
    name: String,
    backend: DatabaseBackend,
}

impl TestDb {
    /// A fresh database with every tenantry migration applied.
    ///
    /// # Panics
    ///
    /// When the database cannot be created or migrated: a test cannot run without it.
    pub async fn migrated() -> Self {
        let test_db = Self::empty().await;
        if let Err(e) = Migrator::up(test_db.conn(), None).await {
            panic!("migrating the test database failed: {e}");
        }
        test_db
    }

    /// A fresh database with nothing in it.
    ///
    /// # Panics
    ///
    /// When the database cannot be created.
    pub async fn empty() -> Self {
        match Self::create().await {
            Ok(test_db) => test_db,
            Err(e) => panic!("creating the test database failed: {e}"),
        }
    }

    async fn create() -> Result<Self, DbErr> {
        let Some(base_url) = std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()) else {
            let dir = tempfile::tempdir().map_err(|e| DbErr::Custom(e.to_string()))?;
            let path = dir.path().join("tenantry-test.db");
            let url = format!("sqlite://{}?mode=rwc", path.display());
            let db = connect(&url).await?;
            return Ok(Self {
                db,
                url,
                server: None,
                _dir: Some(dir),
            });
        };
        let name = format!("tenantry_t_{}", uuid::Uuid::new_v4().simple());
        let admin = connect(&base_url).await?;
        let backend = admin.get_database_backend();
        admin
            .execute_unprepared(&create_database_sql(backend, &name))
            .await?;
        admin.close().await?;
        let url = with_database(&base_url, &name);
        let db = connect(&url).await?;
        Ok(Self {
            db,
            url,
            server: Some(ServerDatabase {
                admin_url: base_url,
                name,
                backend,
            }),
            _dir: None,
        })
    }

    /// The connection pool on the test's database.
    pub fn conn(&self) -> &DatabaseConnection {
        &self.db
    }

    /// The URL of the test's database, for tests that open a second pool on it.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Which backend the test runs on.
    pub fn backend(&self) -> DatabaseBackend {
        self.db.get_database_backend()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(server) = self.server.take() else {
            return;
        };
        // Drop is synchronous and may run inside the test's runtime: drop the database from a
        // thread with a runtime of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let admin = connect(&server.admin_url)
                    .await
                    .map_err(|e| e.to_string())?;
                if server.backend == DatabaseBackend::MySql {
                    end_sessions_on(&admin, &server.name).await;
                }
                let sql = drop_database_sql(server.backend, &server.name);
                let result = admin.execute_unprepared(&sql).await;
                let _ = tokio::time::timeout(Duration::from_secs(5), admin.close()).await;
                result.map(|_| ()).map_err(|e| e.to_string())
            })
        })
        .join();
        if let Ok(Err(e)) = dropped {
            eprintln!("warning: could not drop test database: {e}");
        }
    }
}

/// Every table, column, index, constraint and (PostgreSQL) sequence, one line each, in a stable
/// order: two databases with equal lines have the same schema.
///
/// # Panics
///
/// When the catalogue cannot be read.
pub async fn schema_of(db: &DatabaseConnection) -> Vec<String> {
    let backend = db.get_database_backend();
    let queries: &[&str] = match backend {
        DatabaseBackend::Sqlite => &[
            "SELECT type || '|' || name || '|' || COALESCE(sql, '') FROM sqlite_master \
             WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
        ],
        DatabaseBackend::Postgres => &[
            "SELECT concat_ws('|', table_name, column_name, data_type, is_nullable, \
             column_default, collation_name) FROM information_schema.columns \
             WHERE table_schema = 'public' \
             ORDER BY table_name, column_name",
            "SELECT concat_ws('|', tablename, indexname, indexdef) FROM pg_indexes \
             WHERE schemaname = 'public' ORDER BY indexname",
            "SELECT concat_ws('|', conname, pg_get_constraintdef(oid)) FROM pg_constraint \
             WHERE connamespace = 'public'::regnamespace ORDER BY conname",
            "SELECT concat_ws('|', sequencename, data_type, start_value, increment_by) \
             FROM pg_sequences WHERE schemaname = 'public' ORDER BY sequencename",
        ],
        _ => &[
            "SELECT CONCAT_WS('|', table_name, column_name, column_type, is_nullable, \
             COALESCE(column_default, ''), collation_name) FROM information_schema.columns \
             WHERE table_schema = DATABASE() ORDER BY table_name, column_name",
            "SELECT CONCAT_WS('|', table_name, index_name, CAST(seq_in_index AS CHAR), \
             column_name, CAST(non_unique AS CHAR)) FROM information_schema.statistics \
             WHERE table_schema = DATABASE() ORDER BY table_name, index_name, seq_in_index",
            "SELECT CONCAT_WS('|', k.constraint_name, k.table_name, k.column_name, \
             k.referenced_table_name, k.referenced_column_name, r.delete_rule) \
             FROM information_schema.key_column_usage k JOIN \
             information_schema.referential_constraints r ON r.constraint_schema = \
             k.constraint_schema AND r.constraint_name = k.constraint_name \
             WHERE k.table_schema = DATABASE() ORDER BY k.constraint_name, k.ordinal_position",
        ],
    };
    let mut lines = Vec::new();
    for sql in queries {
        let rows = db
            .query_all_raw(Statement::from_string(backend, *sql))
            .await
            .unwrap_or_else(|e| panic!("schema query: {e}"));
        for row in rows {
            lines.push(
                row.try_get_by_index::<String>(0)
                    .unwrap_or_else(|e| panic!("schema line: {e}")),
            );
        }
    }
    lines
}

/// The names of the tables in the database, sorted.
///
/// # Panics
///
/// When the catalogue cannot be read.
pub async fn tables_of(db: &DatabaseConnection) -> Vec<String> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             ORDER BY name"
        }
        DatabaseBackend::Postgres => {
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
             WHERE table_schema = 'public' ORDER BY table_name"
        }
        _ => {
            "SELECT CAST(table_name AS CHAR) FROM information_schema.tables \
             WHERE table_schema = DATABASE() ORDER BY table_name"
        }
    };
    let rows = db
        .query_all_raw(Statement::from_string(backend, sql))
        .await
        .unwrap_or_else(|e| panic!("table list: {e}"));
    rows.iter()
        .map(|row| {
            row.try_get_by_index::<String>(0)
                .unwrap_or_else(|e| panic!("table name: {e}"))
        })
        .collect()
}

/// Ends every MySQL session still using database `name`: MySQL has no `DROP DATABASE … FORCE`,
/// and a test's idle pooled connection can still hold a metadata lock (its rollback is queued
/// on the test's runtime, which is blocked in this drop), so the drop would wait forever.
async fn end_sessions_on(admin: &DatabaseConnection, name: &str) {
    let query = Statement::from_sql_and_values(
        DatabaseBackend::MySql,
        "SELECT CAST(id AS SIGNED) FROM information_schema.processlist WHERE db = ?",
        [name.into()],
    );
    let Ok(rows) = admin.query_all_raw(query).await else {
        return;
    };
    for row in rows {
        if let Ok(id) = row.try_get_by_index::<i64>(0) {
            // Already gone is fine.
            let _ = admin.execute_unprepared(&format!("KILL {id}")).await;
        }
    }
}

fn create_database_sql(backend: DatabaseBackend, name: &str) -> String {
    match backend {
        DatabaseBackend::MySql => {
            format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
        }
        _ => format!("CREATE DATABASE \"{name}\""),
    }
}

fn drop_database_sql(backend: DatabaseBackend, name: &str) -> String {
    match backend {
        DatabaseBackend::MySql => format!("DROP DATABASE IF EXISTS `{name}`"),
        // FORCE ends the test's own pooled connections, which may still be open.
        _ => format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
    }
}

/// `url` with its database name replaced by `name`, keeping any query string.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let server = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn replaces_the_database_name() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("mysql://root@127.0.0.1:3306/test?ssl-mode=disabled", "x"),
            "mysql://root@127.0.0.1:3306/x?ssl-mode=disabled"
        );
        assert_eq!(
            with_database("mysql://root@h:3306", "x"),
            "mysql://root@h:3306/x"
        );
    }
}
