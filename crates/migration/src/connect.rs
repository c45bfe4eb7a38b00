//! Opening a database the way tenantry needs it, on every backend.

use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};
use std::time::Duration;

/// How long a SQLite writer waits for another writer before giving up.
#[cfg(feature = "sqlite")]
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Pooled connections to a SQLite file; WAL lets readers run beside the one writer.
#[cfg(feature = "sqlite")]
const SQLITE_FILE_POOL_SIZE: u32 = 8;

/// Connects to `url` (`sqlite:`, `postgres:` or `mysql:`) with the settings tenantry relies on.
///
/// - SQLite: foreign keys on for every pooled connection (cascades and the tenant-matching
///   composite keys depend on it); for a file, WAL journaling, `synchronous = NORMAL` and a
///   busy timeout, with a pool of several connections; an in-memory database keeps one
///   connection, since each connection would otherwise see its own empty database.
/// - Every backend: statement logging off (it would put users' values in logs) and a
///   connect timeout of a few seconds, so an unreachable server fails fast (within about 10 s).
///
/// # Errors
///
/// [`DbErr::Conn`] when the URL names no compiled-in driver or the server does not answer.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    connect_with_pool_size(url, None).await
}

/// [`connect`], with at most `max_connections` pooled connections (`None`: the defaults
/// above). Command-line tools use one: schema changes then run on a single SQLite connection,
/// so no other pooled connection can read an older snapshot of the schema between them.
///
/// # Errors
///
/// As [`connect`].
pub async fn connect_with_pool_size(
    url: &str,
    max_connections: Option<u32>,
) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    if url.starts_with("sqlite:") {
        configure_sqlite(&mut options, url);
    }
    if let Some(max) = max_connections {
        options.max_connections(max.max(1));
    }
    Database::connect(options).await
}

#[cfg(feature = "sqlite")]
fn configure_sqlite(options: &mut ConnectOptions, url: &str) {
    use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
    let in_memory = url.contains(":memory:") || url.contains("mode=memory");
    if in_memory {
        options.max_connections(1);
        options.map_sqlx_sqlite_opts(|opts| opts.foreign_keys(true));
    } else {
        options.max_connections(SQLITE_FILE_POOL_SIZE);
        options.map_sqlx_sqlite_opts(|opts| {
            opts.foreign_keys(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
        });
    }
}

#[cfg(not(feature = "sqlite"))]
fn configure_sqlite(_options: &mut ConnectOptions, _url: &str) {}
