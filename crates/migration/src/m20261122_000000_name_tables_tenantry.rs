//! Gives the tables of a database made before tenantry named its tables `tenantry_…` their new
//! names, with their indexes, constraints and (PostgreSQL) sequences.
//!
//! It is the **first** migration in [`Migrator`](crate::Migrator)'s list although it came last:
//! every later migration now creates and alters `tenantry_…` tables, so on a database where
//! some of them ran under the old names, the renaming has to happen before the pending ones
//! run. On a new database there is nothing to rename and it does nothing.
//!
//! A table is renamed only when the migration that created it is in tenantry's history and the
//! table exists under its old name: a host's own `users` table is never mistaken for
//! tenantry's. An index or constraint on a renamed table gets the prefix when its name is one
//! tenantry gives (`fk_…`, `ix_…`, `ux_…`, or the backend's own names that start with the old
//! table's name: `users_pkey`, `users_id_seq`); so the schema ends up exactly as a new database
//! makes it (the upgrade tests compare them line by line).
//!
//! - SQLite: `ALTER TABLE … RENAME TO` (foreign keys of other tables follow), indexes dropped
//!   and created again under their new names (SQLite cannot rename an index); one transaction.
//! - PostgreSQL: tables, indexes (which renames the primary and unique constraints they back),
//!   the remaining constraints and the identity sequences renamed; one transaction.
//! - MySQL/MariaDB: one `RENAME TABLE` for all tables (foreign keys follow), then per table each
//!   foreign key added under its new name before the old one is dropped, and the indexes
//!   renamed. MySQL cannot run DDL in a transaction; every step is written so that running the
//!   migration again after an interruption finishes the job.
//!
//! `down` does nothing: the migrations before it in the list create the tables under the new
//! names, so reverting them removes the tables whatever their history.

use crate::prelude::*;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

use crate::MIGRATION_TABLE;

/// The prefix of every table, index and constraint tenantry makes.
pub const PREFIX: &str = "tenantry_";

/// Each table tenantry made under its old name, and the migration that made it.
const LEGACY_TABLES: &[(&str, &str)] = &[
    ("tenants", "m20261122_000001_create_tenants"),
    ("plants", "m20261122_000002_create_plants"),
    ("users", "m20261122_000003_create_users"),
    (
        "user_plant_roles",
        "m20261122_000004_create_user_plant_roles",
    ),
    ("audit_events", "m20261122_000005_create_audit_events"),
    (
        "credential_tokens",
        "m20261122_000006_create_credential_tokens",
    ),
    ("login_events", "m20261122_000007_create_login_events"),
    ("user_identities", "m20261122_000008_create_user_identities"),
    ("roles", "m20261201_000017_create_roles"),
    ("role_catalogue", "m20261201_000017_create_roles"),
    ("user_tenant_roles", "m20261202_000018_role_grants"),
    ("tenant_locks", "m20261203_000019_create_tenant_locks"),
];

/// This migration's name.
pub const NAME: &str = "m20261122_000000_name_tables_tenantry";

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        NAME
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// All or nothing where the backend allows it (SQLite, PostgreSQL).
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let tables = legacy_tables(manager).await?;
        if tables.is_empty() {
            return Ok(());
        }
        let backend = manager.get_database_backend();
        let renames: Vec<&str> = tables.iter().filter(|t| t.1).map(|t| t.0).collect();
        if !renames.is_empty() {
            let each = if backend == DatabaseBackend::MySql {
                // One statement, all at once.
                let pairs: Vec<String> = renames
                    .iter()
                    .map(|t| format!("`{t}` TO `{}`", new_name(t)))
                    .collect();
                vec![format!("RENAME TABLE {}", pairs.join(", "))]
            } else {
                renames
                    .iter()
                    .map(|t| format!("ALTER TABLE \"{t}\" RENAME TO \"{}\"", new_name(t)))
                    .collect()
            };
            for sql in each {
                exec(manager, &sql).await?;
            }
        }
        let tables: Vec<&str> = tables.iter().map(|t| t.0).collect();
        match backend {
            DatabaseBackend::Sqlite => rename_indexes_on_sqlite(manager, &tables).await,
            DatabaseBackend::Postgres => rename_objects_on_postgres(manager, &tables).await,
            _ => rename_objects_on_mysql(manager, &tables).await,
        }
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}

/// Whether `name` is an index, constraint or sequence name tenantry gave (or its backend gave
/// on tenantry's behalf) on the table once called `old_table`.
fn is_ours(name: &str, old_table: &str) -> bool {
    !name.starts_with(PREFIX)
        && (["fk_", "ix_", "ux_"].iter().any(|p| name.starts_with(p))
            || name
                .strip_prefix(old_table)
                .is_some_and(|rest| rest.starts_with('_')))
}

fn new_name(name: &str) -> String {
    format!("{PREFIX}{name}")
}

/// The old names of tenantry's tables in this database, each with whether it still has its old
/// name: made by a migration in tenantry's history, and there under either name (the new one
/// only when an interrupted run of this migration on MySQL got that far).
async fn legacy_tables(manager: &SchemaManager<'_>) -> Result<Vec<(&'static str, bool)>, DbErr> {
    let db = manager.get_connection();
    let backend = manager.get_database_backend();
    let history = db
        .query_all_raw(Statement::from_string(
            backend,
            format!("SELECT version FROM {}", quote(backend, MIGRATION_TABLE)),
        ))
        .await?
        .into_iter()
        .map(|row| row.try_get_by_index::<String>(0))
        .collect::<Result<Vec<_>, _>>()?;
    let mut tables = Vec::new();
    for (table, made_by) in LEGACY_TABLES {
        if !history.iter().any(|v| v == made_by) {
            continue;
        }
        let old = manager.has_table(*table).await?;
        let new = manager.has_table(new_name(table)).await?;
        if old && new {
            return Err(DbErr::Migration(format!(
                "both {table} and {} exist; tenantry cannot tell which is its own",
                new_name(table)
            )));
        }
        if old || new {
            tables.push((*table, old));
        }
    }
    Ok(tables)
}

fn quote(backend: DatabaseBackend, name: &str) -> String {
    match backend {
        DatabaseBackend::MySql => format!("`{name}`"),
        _ => format!("\"{name}\""),
    }
}

async fn exec(manager: &SchemaManager<'_>, sql: &str) -> Result<(), DbErr> {
    manager
        .get_connection()
        .execute_unprepared(sql)
        .await
        .map(|_| ())
}

/// Rows of a catalogue query, each as its text columns.
async fn rows(manager: &SchemaManager<'_>, sql: String) -> Result<Vec<Vec<String>>, DbErr> {
    let backend = manager.get_database_backend();
    let rows = manager
        .get_connection()
        .query_all_raw(Statement::from_string(backend, sql))
        .await?;
    rows.into_iter()
        .map(|row| {
            (0..)
                .map_while(|i| row.try_get_by_index::<String>(i).ok())
                .collect::<Vec<_>>()
        })
        .map(Ok)
        .collect()
}

/// Indexes, dropped and made again under the new name (SQLite cannot rename one).
async fn rename_indexes_on_sqlite(
    manager: &SchemaManager<'_>,
    tables: &[&str],
) -> Result<(), DbErr> {
    // Read after the renames, so each index's SQL already names its table's new name.
    for table in tables {
        let indexes = rows(
            manager,
            format!(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
                 AND tbl_name = '{}' ORDER BY name",
                new_name(table)
            ),
        )
        .await?;
        for index in indexes {
            let [name, sql] = index.as_slice() else {
                return Err(DbErr::Migration(format!("unreadable index on {table}")));
            };
            if !is_ours(name, table) {
                continue;
            }
            let quoted = format!("\"{name}\"");
            let renamed = sql.replacen(&quoted, &format!("\"{}\"", new_name(name)), 1);
            exec(manager, &format!("DROP INDEX {quoted}")).await?;
            exec(manager, &renamed).await?;
        }
    }
    Ok(())
}

/// Indexes, constraints and sequences of the renamed tables.
async fn rename_objects_on_postgres(
    manager: &SchemaManager<'_>,
    tables: &[&str],
) -> Result<(), DbErr> {
    for table in tables {
        let new_table = new_name(table);
        // Renaming an index renames the primary key or unique constraint it backs.
        let indexes = rows(
            manager,
            format!(
                "SELECT CAST(indexname AS TEXT) FROM pg_indexes \
                 WHERE schemaname = current_schema() AND tablename = '{new_table}'"
            ),
        )
        .await?;
        for name in indexes.into_iter().flatten().filter(|n| is_ours(n, table)) {
            exec(
                manager,
                &format!("ALTER INDEX \"{name}\" RENAME TO \"{}\"", new_name(&name)),
            )
            .await?;
        }
        let constraints = rows(
            manager,
            format!(
                "SELECT CAST(conname AS TEXT) FROM pg_constraint \
                 WHERE conrelid = to_regclass('\"{new_table}\"')"
            ),
        )
        .await?;
        for name in constraints
            .into_iter()
            .flatten()
            .filter(|n| is_ours(n, table))
        {
            exec(
                manager,
                &format!(
                    "ALTER TABLE \"{new_table}\" RENAME CONSTRAINT \"{name}\" TO \"{}\"",
                    new_name(&name)
                ),
            )
            .await?;
        }
        let sequences = rows(
            manager,
            format!(
                "SELECT CAST(s.relname AS TEXT) FROM pg_class s \
                 JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass \
                 WHERE s.relkind = 'S' AND d.refobjid = to_regclass('\"{new_table}\"')"
            ),
        )
        .await?;
        for name in sequences
            .into_iter()
            .flatten()
            .filter(|n| is_ours(n, table))
        {
            exec(
                manager,
                &format!(
                    "ALTER SEQUENCE \"{name}\" RENAME TO \"{}\"",
                    new_name(&name)
                ),
            )
            .await?;
        }
    }
    Ok(())
}

/// A foreign key as `information_schema` describes it.
struct ForeignKey {
    name: String,
    columns: Vec<String>,
    parent: String,
    parent_columns: Vec<String>,
    on_delete: String,
    on_update: String,
}

async fn foreign_keys_on_mysql(
    manager: &SchemaManager<'_>,
    table: &str,
) -> Result<Vec<ForeignKey>, DbErr> {
    let parts = rows(
        manager,
        format!(
            "SELECT CAST(k.constraint_name AS CHAR), CAST(k.column_name AS CHAR), \
             CAST(k.referenced_table_name AS CHAR), CAST(k.referenced_column_name AS CHAR), \
             CAST(r.delete_rule AS CHAR), CAST(r.update_rule AS CHAR) \
             FROM information_schema.key_column_usage k \
             JOIN information_schema.referential_constraints r \
             ON r.constraint_schema = k.constraint_schema AND r.constraint_name = k.constraint_name \
             AND r.table_name = k.table_name \
             WHERE k.table_schema = DATABASE() AND k.table_name = '{table}' \
             ORDER BY k.constraint_name, k.ordinal_position"
        ),
    )
    .await?;
    let mut keys: Vec<ForeignKey> = Vec::new();
    for part in parts {
        let [name, column, parent, parent_column, on_delete, on_update] = part.as_slice() else {
            return Err(DbErr::Migration(format!(
                "unreadable foreign key on {table}"
            )));
        };
        match keys.last_mut() {
            Some(key) if &key.name == name => {
                key.columns.push(column.clone());
                key.parent_columns.push(parent_column.clone());
            }
            _ => keys.push(ForeignKey {
                name: name.clone(),
                columns: vec![column.clone()],
                parent: parent.clone(),
                parent_columns: vec![parent_column.clone()],
                on_delete: on_delete.clone(),
                on_update: on_update.clone(),
            }),
        }
    }
    Ok(keys)
}

fn backquoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Foreign keys (added anew, the old one dropped) and indexes of the renamed tables.
async fn rename_objects_on_mysql(
    manager: &SchemaManager<'_>,
    tables: &[&str],
) -> Result<(), DbErr> {
    for table in tables {
        let new_table = new_name(table);
        // The new key first, then the old one goes: an interruption never leaves a table
        // without its key (InnoDB accepts two keys with one definition).
        for key in foreign_keys_on_mysql(manager, &new_table).await? {
            if !is_ours(&key.name, table) {
                continue;
            }
            exec(
                manager,
                &format!(
                    "ALTER TABLE `{new_table}` ADD CONSTRAINT `{}` FOREIGN KEY ({}) \
                     REFERENCES `{}` ({}) ON DELETE {} ON UPDATE {}",
                    new_name(&key.name),
                    backquoted(&key.columns),
                    key.parent,
                    backquoted(&key.parent_columns),
                    key.on_delete,
                    key.on_update,
                ),
            )
            .await?;
            exec(
                manager,
                &format!("ALTER TABLE `{new_table}` DROP FOREIGN KEY `{}`", key.name),
            )
            .await?;
        }
        let indexes = rows(
            manager,
            format!(
                "SELECT DISTINCT CAST(index_name AS CHAR) FROM information_schema.statistics \
                 WHERE table_schema = DATABASE() AND table_name = '{new_table}' \
                 AND index_name <> 'PRIMARY'"
            ),
        )
        .await?;
        let renames: Vec<String> = indexes
            .into_iter()
            .flatten()
            .filter(|n| is_ours(n, table))
            .map(|n| format!("RENAME INDEX `{n}` TO `{}`", new_name(&n)))
            .collect();
        if !renames.is_empty() {
            exec(
                manager,
                &format!("ALTER TABLE `{new_table}` {}", renames.join(", ")),
            )
            .await?;
        }
    }
    Ok(())
}
