//! tenantry's own migration runner: the small part of `sea-orm-migration` tenantry uses, on
//! `sea_orm::ConnectionTrait` and `sea_query` alone.
//!
//! `sea-orm-migration` brings about twenty crates a host does not otherwise link (sea-schema,
//! tracing-subscriber, ouroboros, `time`, rust_decimal, …) for schema discovery and its command
//! line, neither of which tenantry needs (issue 17, point 3). The names and behaviour here are
//! the ones `sea-orm-migration` 2.0 has, so the migration files read as before and a database
//! migrated by an earlier release (which used `sea-orm-migration`) upgrades:
//!
//! - the history table has the same two columns, `version` (the migration's name, the primary
//!   key) and `applied_at` (Unix seconds), made by the same DDL (`runner/history.rs`);
//! - a migration runs in a transaction when its [`MigrationTrait::use_transaction`] says so,
//!   and by default on PostgreSQL and SQLite (MySQL cannot roll DDL back), with its history
//!   row written in the same transaction. Here tenantry differs: sea-orm-migration's default
//!   leaves SQLite out, and on a pool of SQLite connections a migration's statements could then
//!   run on connections with stale copies of the schema;
//! - an applied migration that is no longer in the list is an error, not ignored.

mod history;
mod migration;
mod migrator;
mod schema_manager;

pub(crate) use migration::named_after_file;
pub use migration::{MigrationName, MigrationTrait, file_stem};
pub use migrator::{Migration, MigrationStatus, MigratorTrait};
pub use schema_manager::{IntoSchemaManagerConnection, SchemaManager, SchemaManagerConnection};
