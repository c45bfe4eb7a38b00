//! Migrations of tenantry's user store.
//!
//! [`Migrator`] creates tenantry's tables, one migration per table, on SQLite, PostgreSQL and
//! MySQL/MariaDB. Its history lives in its own table, [`MIGRATION_TABLE`]
//! (`tenantry_migrations`), so a host's own `seaql_migrations` is never created or touched:
//!
//! ```no_run
//! # async fn run(db: &tenantry_migration::sea_orm::DatabaseConnection) -> Result<(), tenantry_migration::DbErr> {
//! use tenantry_migration::{Migrator, MigratorTrait};
//! Migrator::up(db, None).await?;
//! # Ok(()) }
//! ```
//!
//! Decisions worth knowing:
//! - The runner is tenantry's own ([`runner`]'s docs say why): the same trait names and
//!   behaviour as `sea-orm-migration`, which earlier releases used, and the same history table,
//!   without the crates `sea-orm-migration` brings for schema discovery and its command line.
//! - Every table, index and constraint tenantry makes is named `tenantry_…` (`tenantry_users`,
//!   `tenantry_ix_users_tenant_live`), as Django names its tables `auth_…`: a host already has
//!   its `users`, `tenants` and `plant` tables, and they are never created, altered or dropped
//!   here. A database made before the prefix (up to `m20261204_000021`) is renamed in place by
//!   the first migration in the list, keeping every row, key, index and foreign key.
//! - `fresh` drops **only tenantry's tables** and its history table, then migrates up; the
//!   stock SeaORM `fresh` drops every table in the database, which would take a host's own
//!   tables with it. `down` and `reset` revert tenantry's migrations, which touch only its
//!   own tables.
//! - On SQLite only, `tenantry_user_counts` holds every tenant's live users per status, kept
//!   exact by triggers on `tenantry_users` (`m20261206_000024`, which says why not elsewhere):
//!   [`SQLITE_ONLY_TABLES`].
//! - A role's user and plant must belong to the role's tenant. Every backend enforces this with
//!   composite foreign keys `(user_id, tenant_id) → users (id, tenant_id)` and
//!   `(plant_id, tenant_id) → plants (id, tenant_id)`.
//! - On MySQL/MariaDB every table is created with `utf8mb4` and a binary `NO PAD` collation
//!   (`utf8mb4_nopad_bin` on MariaDB, `utf8mb4_0900_bin` on MySQL 8), so the unique `*_key`
//!   columns compare exactly as the service normalized them (the default collations fold case
//!   and accents, which would make `josé` collide with `jose`, and `utf8mb4_bin` ignores
//!   trailing spaces). Timestamps are `DATETIME(6)` there (UTC), since `TIMESTAMP` ends in 2038.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use prelude::*;
pub use runner::{Migration, MigrationStatus};
use sea_orm::DatabaseExecutor;

mod columns;
pub mod command;
mod connect;
mod m20261122_000000_name_tables_tenantry;
mod m20261122_000001_create_tenants;
mod m20261122_000002_create_plants;
mod m20261122_000003_create_users;
mod m20261122_000004_create_user_plant_roles;
mod m20261122_000005_create_audit_events;
mod m20261122_000006_create_credential_tokens;
mod m20261122_000007_create_login_events;
mod m20261122_000008_create_user_identities;
mod m20261122_000009_add_users_lockout_and_verification;
mod m20261122_000010_add_users_live_index;
mod m20261122_000012_add_users_created_index;
mod m20261122_000013_rebuild_users_created_index;
mod m20261122_000014_set_users_fillfactor;
mod m20261201_000015_login_events_without_tenant;
mod m20261201_000016_add_users_username_skeleton;
mod m20261201_000017_create_roles;
mod m20261202_000018_role_grants;
mod m20261203_000019_create_tenant_locks;
mod m20261203_000020_add_users_live_status_index;
mod m20261204_000021_add_users_display_name_key;
mod m20261205_000022_add_plants_external_id;
mod m20261206_000023_users_username_optional;
mod m20261206_000024_count_live_users;
mod m20261207_000025_create_identity_providers;
mod m20261207_000026_create_sessions;
mod m20261208_000027_create_second_factors;
mod m20261208_000028_create_scim_tokens;
mod m20261209_000029_create_groups;
pub mod prelude;
pub mod runner;

pub use connect::{connect, connect_with_pool_size};

/// The table that records which of tenantry's migrations have run.
pub const MIGRATION_TABLE: &str = "tenantry_migrations";

/// tenantry's tables, children before parents: the order `fresh` drops them in.
pub const TABLES: &[&str] = &[
    "tenantry_group_members",
    "tenantry_groups",
    "tenantry_second_factor_policies",
    "tenantry_login_challenges",
    "tenantry_recovery_codes",
    "tenantry_authenticators",
    "tenantry_scim_tokens",
    "tenantry_session_usage",
    "tenantry_sessions",
    "tenantry_identity_providers",
    "tenantry_tenant_locks",
    "tenantry_user_identities",
    "tenantry_login_events",
    "tenantry_credential_tokens",
    "tenantry_audit_events",
    "tenantry_user_plant_roles",
    "tenantry_user_tenant_roles",
    "tenantry_users",
    "tenantry_plants",
    "tenantry_tenants",
    "tenantry_role_catalogue",
    "tenantry_roles",
];

/// The tables tenantry makes on SQLite only: the kept counts of live users (migration
/// `m20261206_000024`). `fresh` drops them after [`TABLES`]: dropping `tenantry_users` deletes
/// its rows first, and their triggers write to the counts.
pub const SQLITE_ONLY_TABLES: &[&str] = &["tenantry_user_counts"];

/// Runs tenantry's migrations.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            // First although it came last: it renames the tables of a database made under the
            // old names before any pending migration touches them (see its docs).
            Box::new(m20261122_000000_name_tables_tenantry::Migration),
            Box::new(m20261122_000001_create_tenants::Migration),
            Box::new(m20261122_000002_create_plants::Migration),
            Box::new(m20261122_000003_create_users::Migration),
            Box::new(m20261122_000004_create_user_plant_roles::Migration),
            Box::new(m20261122_000005_create_audit_events::Migration),
            Box::new(m20261122_000006_create_credential_tokens::Migration),
            Box::new(m20261122_000007_create_login_events::Migration),
            Box::new(m20261122_000008_create_user_identities::Migration),
            Box::new(m20261122_000009_add_users_lockout_and_verification::Migration),
            Box::new(m20261122_000010_add_users_live_index::Migration),
            Box::new(m20261122_000012_add_users_created_index::Migration),
            Box::new(m20261122_000013_rebuild_users_created_index::Migration),
            Box::new(m20261122_000014_set_users_fillfactor::Migration),
            Box::new(m20261201_000015_login_events_without_tenant::Migration),
            Box::new(m20261201_000016_add_users_username_skeleton::Migration),
            Box::new(m20261201_000017_create_roles::Migration),
            Box::new(m20261202_000018_role_grants::Migration),
            Box::new(m20261203_000019_create_tenant_locks::Migration),
            Box::new(m20261203_000020_add_users_live_status_index::Migration),
            Box::new(m20261204_000021_add_users_display_name_key::Migration),
            Box::new(m20261205_000022_add_plants_external_id::Migration),
            Box::new(m20261206_000023_users_username_optional::Migration),
            Box::new(m20261206_000024_count_live_users::Migration),
            Box::new(m20261207_000025_create_identity_providers::Migration),
            Box::new(m20261207_000026_create_sessions::Migration),
            Box::new(m20261208_000027_create_second_factors::Migration),
            Box::new(m20261208_000028_create_scim_tokens::Migration),
            Box::new(m20261209_000029_create_groups::Migration),
        ]
    }

    /// Drops tenantry's own tables ([`TABLES`]) and history, then applies every migration.
    ///
    /// Unlike `sea-orm-migration`'s `fresh`, which drops every table in the database, this
    /// leaves the host's tables alone.
    async fn fresh<'c, C>(db: C) -> Result<(), DbErr>
    where
        C: IntoSchemaManagerConnection<'c>,
    {
        let db = db.into_database_executor();
        // A database made under the old table names gets its names first, so the drops below
        // find its tables (and never a host's own `users`).
        let first_pending = Self::get_pending_migrations(&reborrow(&db)).await?;
        if first_pending
            .first()
            .is_some_and(|m| m.name() == m20261122_000000_name_tables_tenantry::NAME)
        {
            Self::up(reborrow(&db), Some(1)).await?;
        }
        let manager = SchemaManager::new(reborrow(&db));
        let tables = TABLES.iter().chain(SQLITE_ONLY_TABLES);
        for table in tables.chain(std::iter::once(&MIGRATION_TABLE)) {
            manager
                .drop_table(
                    Table::drop()
                        .table(Alias::new(*table))
                        .if_exists()
                        .to_owned(),
                )
                .await?;
        }
        Self::up(db, None).await
    }
}

/// A second handle on the same connection or transaction.
fn reborrow<'a>(db: &'a DatabaseExecutor<'_>) -> DatabaseExecutor<'a> {
    match db {
        DatabaseExecutor::Connection(conn) => DatabaseExecutor::Connection(conn),
        DatabaseExecutor::Transaction(txn) => DatabaseExecutor::Transaction(txn),
        DatabaseExecutor::OwnedTransaction(txn) => DatabaseExecutor::Transaction(txn),
    }
}
