//! tenantry's tables are named `tenantry_…`: a database made under the old names upgrades in
//! place, and a host's own `users`, `tenants` and `plant` tables are never touched. On every
//! backend named by `DATABASE_URL` (unset: SQLite).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

use tenantry_migration::sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, FromQueryResult, JsonValue, Statement,
};
use tenantry_migration::{MIGRATION_TABLE, Migrator, MigratorTrait, SQLITE_ONLY_TABLES, TABLES};
use tenantry_testkit::{TestDb, schema_of, tables_of};

/// The old name of every table tenantry made before the prefix.
const OLD_NAMES: [&str; 12] = [
    "tenants",
    "plants",
    "users",
    "user_plant_roles",
    "audit_events",
    "credential_tokens",
    "login_events",
    "user_identities",
    "roles",
    "role_catalogue",
    "user_tenant_roles",
    "tenant_locks",
];

/// What a database made by an earlier release held after its first `applied` migrations
/// (schema, history, seeded catalogue), as `tests/legacy/make.sh` dumped it.
fn legacy_dump(backend: DatabaseBackend, applied: u32) -> &'static str {
    match (backend, applied) {
        (DatabaseBackend::Sqlite, 8) => include_str!("legacy/sqlite_8.sql"),
        (DatabaseBackend::Sqlite, 16) => include_str!("legacy/sqlite_16.sql"),
        (DatabaseBackend::Sqlite, 20) => include_str!("legacy/sqlite_20.sql"),
        (DatabaseBackend::Postgres, 8) => include_str!("legacy/postgres_8.sql"),
        (DatabaseBackend::Postgres, 16) => include_str!("legacy/postgres_16.sql"),
        (DatabaseBackend::Postgres, 20) => include_str!("legacy/postgres_20.sql"),
        (DatabaseBackend::MySql, 8) => include_str!("legacy/mysql_8.sql"),
        (DatabaseBackend::MySql, 16) => include_str!("legacy/mysql_16.sql"),
        (DatabaseBackend::MySql, 20) => include_str!("legacy/mysql_20.sql"),
        other => panic!("no dump for {other:?}"),
    }
}

async fn exec(db: &DatabaseConnection, sql: &str) {
    db.execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Loads the dump statement by statement, on one connection: MySQL's dump creates tables in
/// name order, before the tables their foreign keys name, so its checks are off meanwhile.
async fn load_legacy(db: &DatabaseConnection, applied: u32) {
    use tenantry_migration::sea_orm::TransactionTrait;
    let backend = db.get_database_backend();
    let one = db.begin().await.expect("a connection");
    if backend == DatabaseBackend::MySql {
        one.execute_unprepared("SET FOREIGN_KEY_CHECKS = 0")
            .await
            .expect("checks off");
    }
    for statement in legacy_dump(backend, applied).split(";\n") {
        if !statement.trim().is_empty() {
            one.execute_unprepared(statement)
                .await
                .unwrap_or_else(|e| panic!("{statement}: {e}"));
        }
    }
    if backend == DatabaseBackend::MySql {
        one.execute_unprepared("SET FOREIGN_KEY_CHECKS = 1")
            .await
            .expect("checks on");
    }
    one.commit().await.expect("loaded");
}

/// Literals as each backend stores them.
struct Lit(DatabaseBackend);

impl Lit {
    fn uuid(&self, n: u32) -> String {
        let hex = format!("0190{n:028x}");
        match self.0 {
            DatabaseBackend::MySql => format!("UNHEX('{hex}')"),
            DatabaseBackend::Sqlite => format!("X'{hex}'"),
            _ => format!("'{hex}'"),
        }
    }

    fn at(&self, second: u32) -> String {
        match self.0 {
            DatabaseBackend::MySql => format!("'2026-01-02 03:04:{second:02}.123456'"),
            _ => format!("'2026-01-02T03:04:{second:02}.123456+00:00'"),
        }
    }
}

/// Rows in every table the release had: two tenants, each with a plant, two users (one with an
/// email, one without), plant and tenant-wide grants, audit and login events, a token, an
/// identity. Ids are left to the database, as the release's service did.
async fn populate_legacy(db: &DatabaseConnection, applied: u32) {
    let l = Lit(db.get_database_backend());
    for (t, slug) in [(1, "acme"), (2, "globex")] {
        exec(
            db,
            &format!(
                "INSERT INTO tenants (pid, slug, name, status, created_at, updated_at) VALUES \
                 ({}, '{slug}', 'Tenant {slug} ✓', 'active', {}, {})",
                l.uuid(t),
                l.at(1),
                l.at(2)
            ),
        )
        .await;
        exec(
            db,
            &format!(
                "INSERT INTO plants (pid, tenant_id, code, code_key, name, is_active, created_at, \
                 updated_at) VALUES ({}, {t}, 'North', 'north', 'Nørth plant', TRUE, {}, {})",
                l.uuid(10 + t),
                l.at(3),
                l.at(4)
            ),
        )
        .await;
        for (u, name, email, role) in [
            (1, "alice", "'alice@example.com'", "'admin'"),
            (2, "bob", "NULL", "NULL"),
        ] {
            let id = (t - 1) * 2 + u;
            // 000018 moved the tenant-wide role out of `users`.
            let (role_column, role_value) = if applied < 17 {
                (", tenant_role", format!(", {role}"))
            } else {
                ("", String::new())
            };
            exec(
                db,
                &format!(
                    "INSERT INTO users (pid, tenant_id, username, username_key, email, \
                     email_key, display_name, password_hash, status, security_stamp, \
                     failed_login_count, login_count, metadata, created_at, updated_at\
                     {role_column}) VALUES ({}, {t}, '{name}', '{name}', {email}, {email}, \
                     'Ádá {name}', '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA', \
                     'active', 'stamp{id}', 1, 3, '{{\"k\": \"v\"}}', {}, {}{role_value})",
                    l.uuid(100 + id),
                    l.at(5),
                    l.at(6)
                ),
            )
            .await;
        }
        let (alice, bob) = ((t - 1) * 2 + 1, (t - 1) * 2 + 2);
        exec(
            db,
            &format!(
                "INSERT INTO user_plant_roles (tenant_id, user_id, plant_id, role, granted_by, \
                 created_at, updated_at) VALUES ({t}, {bob}, {t}, 'operator', {alice}, {}, {})",
                l.at(7),
                l.at(8)
            ),
        )
        .await;
        if applied >= 17 {
            exec(
                db,
                &format!(
                    "INSERT INTO user_tenant_roles (tenant_id, user_id, role, granted_by, \
                     created_at) VALUES ({t}, {alice}, 'admin', NULL, {})",
                    l.at(9)
                ),
            )
            .await;
        }
        exec(
            db,
            &format!(
                "INSERT INTO audit_events (tenant_id, actor_user_id, target_user_id, action, \
                 details, at) VALUES ({t}, {alice}, {bob}, 'user.created', '{{\"a\": [1, 2]}}', {})",
                l.at(10)
            ),
        )
        .await;
        exec(
            db,
            &format!(
                "INSERT INTO credential_tokens (tenant_id, user_id, purpose, token_hash, \
                 expires_at, used_at, created_by, created_at) VALUES ({t}, {bob}, \
                 'password_reset', '{:064x}', {}, NULL, {alice}, {})",
                t,
                l.at(11),
                l.at(12)
            ),
        )
        .await;
        exec(
            db,
            &format!(
                "INSERT INTO login_events (tenant_id, user_id, source, outcome, ip, at) VALUES \
                 ({t}, {alice}, 'password', 'success', '192.0.2.1', {})",
                l.at(13)
            ),
        )
        .await;
        exec(
            db,
            &format!(
                "INSERT INTO user_identities (tenant_id, user_id, provider, subject, email, \
                 created_at) VALUES ({t}, {bob}, 'entra', 'sub-{t}', NULL, {})",
                l.at(14)
            ),
        )
        .await;
        if applied >= 19 {
            // 000019 made a lock row for each tenant that existed; new tenants get theirs from
            // the service.
            exec(
                db,
                &format!("INSERT INTO tenant_locks (tenant_id) VALUES ({t})"),
            )
            .await;
        }
    }
}

/// Every row of `table`, as JSON objects in primary-key order, read on a new pool (a pooled
/// connection can keep a plan prepared before the schema changed).
async fn rows_of(url: &str, table: &str) -> Vec<JsonValue> {
    let db = tenantry_migration::connect(url).await.expect("reopen");
    let backend = db.get_database_backend();
    let quoted = match backend {
        DatabaseBackend::MySql => format!("`{table}`"),
        _ => format!("\"{table}\""),
    };
    let rows = JsonValue::find_by_statement(Statement::from_string(
        backend,
        format!("SELECT * FROM {quoted} ORDER BY 1"),
    ))
    .all(&db)
    .await
    .unwrap_or_else(|e| panic!("reading {table}: {e}"));
    db.close().await.expect("close");
    rows
}

/// A database made by an earlier release — after 8, 16 or all 20 of its migrations — with rows
/// in every table upgrades in place: every table renamed, every row and value kept (bar the
/// column 000018 moves), and the schema exactly what a new database gets, indexes, constraints
/// and sequences included.
async fn upgrade_from(applied: u32) {
    let test_db = TestDb::empty().await;
    let db = test_db.conn();
    load_legacy(db, applied).await;
    populate_legacy(db, applied).await;
    let before_tables = tables_of(db).await;
    let mut before = Vec::new();
    for table in OLD_NAMES {
        if before_tables.iter().any(|t| t == table) {
            before.push((table, rows_of(test_db.url(), table).await));
        }
    }
    assert!(before.len() >= 8, "the dump made too few tables");

    Migrator::up(db, None).await.expect("upgrade");

    let after_tables = tables_of(db).await;
    for table in OLD_NAMES {
        assert!(
            !after_tables.iter().any(|t| t == table),
            "{table} kept its old name after {applied}: {after_tables:?}"
        );
    }
    for (table, old_rows) in &before {
        let new_rows = rows_of(test_db.url(), &format!("tenantry_{table}")).await;
        assert_eq!(old_rows.len(), new_rows.len(), "rows of {table}");
        for (old, new) in old_rows.iter().zip(&new_rows) {
            for (column, value) in old.as_object().expect("a row") {
                if *table == "users" && column == "tenant_role" {
                    continue; // Moved to user_tenant_roles by 000018, tested there.
                }
                assert_eq!(
                    new.get(column),
                    Some(value),
                    "{table}.{column} after upgrading from {applied}"
                );
            }
        }
    }
    if applied < 17 {
        let grants = rows_of(test_db.url(), "tenantry_user_tenant_roles").await;
        assert_eq!(grants.len(), 2, "the admins' tenant-wide grants moved");
    }

    let fresh = TestDb::migrated().await;
    assert_eq!(
        schema_of(db).await,
        schema_of(fresh.conn()).await,
        "the upgraded schema differs from a new one (from {applied})"
    );

    // The keys still hold: ids go on from where they were, foreign keys refuse a stranger and
    // cascade as before.
    let l = Lit(db.get_database_backend());
    exec(
        db,
        &format!(
            "INSERT INTO tenantry_tenants (pid, slug, name, status, created_at, updated_at) \
             VALUES ({}, 'initech', 'Initech', 'active', {}, {})",
            l.uuid(9),
            l.at(1),
            l.at(1)
        ),
    )
    .await;
    let tenants = rows_of(test_db.url(), "tenantry_tenants").await;
    assert_eq!(tenants.last().and_then(|t| t["id"].as_i64()), Some(3));
    let stranger = db
        .execute_unprepared(&format!(
            "INSERT INTO tenantry_user_plant_roles (tenant_id, user_id, plant_id, role, \
             created_at, updated_at) VALUES (1, 3, 1, 'operator', {}, {})",
            l.at(1),
            l.at(1)
        ))
        .await;
    assert!(
        stranger.is_err(),
        "a grant to another tenant's user was stored"
    );
    exec(db, "DELETE FROM tenantry_tenants WHERE id = 1").await;
    let users = rows_of(test_db.url(), "tenantry_users").await;
    assert!(users.iter().all(|u| u["tenant_id"].as_i64() == Some(2)));
    let grants = rows_of(test_db.url(), "tenantry_user_plant_roles").await;
    assert_eq!(grants.len(), 1, "the deleted tenant's grants went with it");

    // Running `up` again has nothing left to do; down and up again land on the same schema.
    Migrator::up(db, None).await.expect("up again");
    Migrator::down(db, None).await.expect("down");
    assert!(
        tables_of(db).await.iter().all(|t| t == MIGRATION_TABLE),
        "down left tables behind"
    );
    Migrator::up(db, None).await.expect("up after down");
    assert_eq!(schema_of(db).await, schema_of(fresh.conn()).await);
}

#[tokio::test]
async fn a_database_of_the_previous_release_upgrades_in_place() {
    upgrade_from(20).await;
}

#[tokio::test]
async fn a_database_before_the_role_catalogue_upgrades_in_place() {
    upgrade_from(16).await;
}

#[tokio::test]
async fn a_database_of_the_first_tables_upgrades_in_place() {
    upgrade_from(8).await;
}

/// `fresh` on a database of the previous release names its tables first, then drops and
/// remakes them: no table under an old name is left behind, and a host's table of an old
/// name made after the fact is never touched.
#[tokio::test]
async fn fresh_on_a_database_of_the_previous_release_leaves_no_old_table() {
    let test_db = TestDb::empty().await;
    let db = test_db.conn();
    load_legacy(db, 20).await;
    populate_legacy(db, 20).await;
    Migrator::fresh(db).await.expect("fresh");
    let tables = tables_of(db).await;
    for table in OLD_NAMES {
        assert!(
            !tables.iter().any(|t| t == table),
            "{table} left: {tables:?}"
        );
    }
    assert!(rows_of(test_db.url(), "tenantry_users").await.is_empty());
    let fresh = TestDb::migrated().await;
    assert_eq!(schema_of(db).await, schema_of(fresh.conn()).await);
}

#[tokio::test]
async fn every_table_index_and_constraint_is_prefixed() {
    let test_db = TestDb::migrated().await;
    let db = test_db.conn();
    let mut tables = tables_of(db).await;
    tables.sort();
    let sqlite_only: &[&str] = match db.get_database_backend() {
        DatabaseBackend::Sqlite => SQLITE_ONLY_TABLES,
        _ => &[],
    };
    let mut expected: Vec<String> = TABLES
        .iter()
        .chain(sqlite_only)
        .map(|t| (*t).to_owned())
        .chain([MIGRATION_TABLE.to_owned()])
        .collect();
    expected.sort();
    assert_eq!(tables, expected);
    let backend = db.get_database_backend();
    let names_sql = match backend {
        DatabaseBackend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'".to_owned()
        }
        DatabaseBackend::Postgres => "SELECT CAST(relname AS TEXT) FROM pg_class \
             WHERE relnamespace = 'public'::regnamespace \
             UNION ALL SELECT CAST(conname AS TEXT) FROM pg_constraint \
             WHERE connamespace = 'public'::regnamespace"
            .to_owned(),
        _ => "SELECT CAST(index_name AS CHAR) FROM information_schema.statistics \
             WHERE table_schema = DATABASE() AND index_name <> 'PRIMARY' \
             UNION ALL SELECT CAST(constraint_name AS CHAR) \
             FROM information_schema.table_constraints \
             WHERE table_schema = DATABASE() AND constraint_name <> 'PRIMARY' \
             AND constraint_type <> 'CHECK'"
            .to_owned(),
    };
    let names: Vec<String> = db
        .query_all_raw(Statement::from_string(backend, names_sql))
        .await
        .expect("names")
        .into_iter()
        .map(|r| r.try_get_by_index::<String>(0).expect("name"))
        .collect();
    assert!(names.len() > 30, "too few names: {names:?}");
    for name in names {
        assert!(name.starts_with("tenantry_"), "{name} is not prefixed");
    }
}

// ---- a host's own tables ---------------------------------------------------------------------

/// The host's tables: seed 002's `users` (its DDL verbatim on PostgreSQL, the same columns
/// elsewhere), a `tenants` table as seed 003 has, the SPC tool's `plant` and its role table
/// referencing both, a `seaql_migrations` of the host's own, each with rows.
async fn create_host_tables(db: &DatabaseConnection) {
    let statements: &[&str] = match db.get_database_backend() {
        DatabaseBackend::Postgres => &[
            "CREATE TABLE IF NOT EXISTS users (
    id SERIAL PRIMARY KEY,
    username VARCHAR(50) UNIQUE NOT NULL,
    email VARCHAR(100) UNIQUE NOT NULL,
    full_name VARCHAR(100),
    role VARCHAR(20) NOT NULL DEFAULT 'viewer',
    hashed_password VARCHAR(255) NOT NULL,
    disabled BOOLEAN DEFAULT FALSE,
    created_at TIMESTAMP WITHOUT TIME ZONE DEFAULT NOW()
)",
            "CREATE TABLE tenants (id SERIAL PRIMARY KEY, name VARCHAR(255) NOT NULL, \
             slug VARCHAR(100) UNIQUE NOT NULL)",
            "CREATE TABLE plant (id SERIAL PRIMARY KEY, name VARCHAR(100) NOT NULL, \
             code VARCHAR(10) UNIQUE NOT NULL, tenant_id INTEGER REFERENCES tenants(id))",
            "CREATE TABLE user_plant_role (id SERIAL PRIMARY KEY, \
             user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, \
             plant_id INTEGER NOT NULL REFERENCES plant(id) ON DELETE CASCADE, \
             role VARCHAR(20) NOT NULL, UNIQUE (user_id, plant_id))",
            "CREATE INDEX ix_users_role ON users (role)",
            "CREATE TABLE seaql_migrations (version VARCHAR PRIMARY KEY, applied_at BIGINT NOT NULL)",
        ],
        DatabaseBackend::MySql => &[
            "CREATE TABLE users (id INT AUTO_INCREMENT PRIMARY KEY, \
             username VARCHAR(50) UNIQUE NOT NULL, email VARCHAR(100) UNIQUE NOT NULL, \
             full_name VARCHAR(100), role VARCHAR(20) NOT NULL DEFAULT 'viewer', \
             hashed_password VARCHAR(255) NOT NULL, disabled BOOLEAN DEFAULT FALSE, \
             created_at DATETIME DEFAULT CURRENT_TIMESTAMP)",
            "CREATE TABLE tenants (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(255) NOT NULL, \
             slug VARCHAR(100) UNIQUE NOT NULL)",
            "CREATE TABLE plant (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(100) NOT NULL, \
             code VARCHAR(10) UNIQUE NOT NULL, tenant_id INT, \
             CONSTRAINT fk_plant_tenant FOREIGN KEY (tenant_id) REFERENCES tenants(id))",
            "CREATE TABLE user_plant_role (id INT AUTO_INCREMENT PRIMARY KEY, \
             user_id INT NOT NULL, plant_id INT NOT NULL, role VARCHAR(20) NOT NULL, \
             UNIQUE KEY ux_user_plant (user_id, plant_id), \
             CONSTRAINT fk_upr_user FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE, \
             CONSTRAINT fk_upr_plant FOREIGN KEY (plant_id) REFERENCES plant(id) ON DELETE CASCADE)",
            "CREATE INDEX ix_users_role ON users (role)",
            "CREATE TABLE seaql_migrations (version VARCHAR(255) PRIMARY KEY, applied_at BIGINT NOT NULL)",
        ],
        _ => &[
            "CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, \
             username VARCHAR(50) UNIQUE NOT NULL, email VARCHAR(100) UNIQUE NOT NULL, \
             full_name VARCHAR(100), role VARCHAR(20) NOT NULL DEFAULT 'viewer', \
             hashed_password VARCHAR(255) NOT NULL, disabled BOOLEAN DEFAULT FALSE, \
             created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)",
            "CREATE TABLE tenants (id INTEGER PRIMARY KEY AUTOINCREMENT, name VARCHAR(255) NOT NULL, \
             slug VARCHAR(100) UNIQUE NOT NULL)",
            "CREATE TABLE plant (id INTEGER PRIMARY KEY AUTOINCREMENT, name VARCHAR(100) NOT NULL, \
             code VARCHAR(10) UNIQUE NOT NULL, tenant_id INTEGER REFERENCES tenants(id))",
            "CREATE TABLE user_plant_role (id INTEGER PRIMARY KEY AUTOINCREMENT, \
             user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, \
             plant_id INTEGER NOT NULL REFERENCES plant(id) ON DELETE CASCADE, \
             role VARCHAR(20) NOT NULL, UNIQUE (user_id, plant_id))",
            "CREATE INDEX ix_users_role ON users (role)",
            "CREATE TABLE seaql_migrations (version VARCHAR PRIMARY KEY, applied_at BIGINT NOT NULL)",
        ],
    };
    for sql in statements {
        exec(db, sql).await;
    }
    for sql in [
        "INSERT INTO users (username, email, full_name, role, hashed_password) VALUES \
         ('admin', 'admin@example.com', 'Ada Admin', 'admin', 'x'), \
         ('viewer', 'viewer@example.com', NULL, 'viewer', 'y')",
        "INSERT INTO tenants (name, slug) VALUES ('Acme', 'acme')",
        "INSERT INTO plant (name, code, tenant_id) VALUES ('North', 'N1', 1), ('South', 'S1', 1)",
        "INSERT INTO user_plant_role (user_id, plant_id, role) VALUES (1, 1, 'admin'), (2, 2, 'operator')",
        "INSERT INTO seaql_migrations (version, applied_at) VALUES ('m0001_host', 1)",
    ] {
        exec(db, sql).await;
    }
}

const HOST_TABLES: [&str; 5] = [
    "users",
    "tenants",
    "plant",
    "user_plant_role",
    "seaql_migrations",
];

/// The host's part of the database: every schema line not of tenantry's, every host row.
async fn host_state(test_db: &TestDb) -> (Vec<String>, Vec<Vec<JsonValue>>) {
    let schema = schema_of(test_db.conn())
        .await
        .into_iter()
        .filter(|line| !line.contains("tenantry_"))
        .collect();
    let mut rows = Vec::new();
    for table in HOST_TABLES {
        rows.push(rows_of(test_db.url(), table).await);
    }
    (schema, rows)
}

/// A host that already has `users`, `tenants`, `plant` (and its own SeaORM history) adopts
/// tenantry: `up`, `down`, `reset`, `refresh` and `fresh` leave the host's tables, indexes,
/// constraints and rows exactly as they were.
#[tokio::test]
async fn the_hosts_own_tables_are_never_touched() {
    let test_db = TestDb::empty().await;
    let db = test_db.conn();
    create_host_tables(db).await;
    let host = host_state(&test_db).await;
    assert!(host.0.len() >= 5, "host schema lines: {:?}", host.0);

    Migrator::up(db, None)
        .await
        .expect("up beside the host's tables");
    assert_eq!(host_state(&test_db).await, host, "after up");
    let tables = tables_of(db).await;
    for table in TABLES {
        assert!(tables.iter().any(|t| t == table), "{table} missing");
    }
    // tenantry's rows live beside the host's, under the same slug.
    let l = Lit(db.get_database_backend());
    exec(
        db,
        &format!(
            "INSERT INTO tenantry_tenants (pid, slug, name, status, created_at, updated_at) \
             VALUES ({}, 'acme', 'Acme', 'active', {}, {})",
            l.uuid(1),
            l.at(1),
            l.at(1)
        ),
    )
    .await;
    assert_eq!(rows_of(test_db.url(), "tenantry_tenants").await.len(), 1);
    assert_eq!(host_state(&test_db).await, host, "after a tenantry insert");

    Migrator::down(db, Some(3)).await.expect("down three");
    assert_eq!(host_state(&test_db).await, host, "after down three");
    Migrator::up(db, None).await.expect("up again");
    Migrator::refresh(db).await.expect("refresh");
    assert_eq!(host_state(&test_db).await, host, "after refresh");
    Migrator::fresh(db).await.expect("fresh");
    assert_eq!(host_state(&test_db).await, host, "after fresh");
    Migrator::reset(db).await.expect("reset");
    assert_eq!(host_state(&test_db).await, host, "after reset");
    let left: Vec<String> = tables_of(db)
        .await
        .into_iter()
        .filter(|t| t.starts_with("tenantry_"))
        .collect();
    assert!(left.is_empty(), "reset left tenantry tables: {left:?}");
    Migrator::fresh(db).await.expect("fresh after reset");
    assert_eq!(host_state(&test_db).await, host, "after the last fresh");
}
