//! One migration: its name and its two directions.

use sea_orm::DbErr;

use super::SchemaManager;

/// A migration's name: the `version` recorded in the history table once it has run.
pub trait MigrationName {
    /// The name, by convention the migration's file name without `.rs`
    /// (`m20261122_000001_create_tenants`).
    fn name(&self) -> &str;
}

/// A migration: what applying it does, what reverting it does, and whether it runs in a
/// transaction.
#[async_trait::async_trait]
pub trait MigrationTrait: MigrationName + Send + Sync {
    /// Applies the migration.
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr>;

    /// Reverts the migration. By default it cannot be reverted.
    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(format!(
            "migration {} cannot be reverted",
            self.name()
        )))
    }

    /// Whether the migration runs in a transaction: `None` (the default) on PostgreSQL and
    /// SQLite (not MySQL, where DDL commits by itself; sea-orm-migration's default is
    /// PostgreSQL only), `Some(true)` on every backend, `Some(false)` on none.
    fn use_transaction(&self) -> Option<bool> {
        None
    }
}

/// A source file's name without its directories and its extension: `file_stem(file!())` in
/// `src/m20261122_000001_create_tenants.rs` is `m20261122_000001_create_tenants`.
pub fn file_stem(path: &str) -> &str {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    name.strip_suffix(".rs").unwrap_or(name)
}

/// Names a migration after the file that invokes this macro, as SeaORM's
/// `DeriveMigrationName` does (`file!()` in a macro names the file of the invocation).
macro_rules! named_after_file {
    ($migration:ident) => {
        impl $crate::runner::MigrationName for $migration {
            fn name(&self) -> &str {
                $crate::runner::file_stem(file!())
            }
        }
    };
}
pub(crate) use named_after_file;

#[cfg(test)]
mod tests {
    use super::file_stem;

    #[test]
    fn file_stem_is_the_file_name_without_rs() {
        for (path, stem) in [
            (
                "m20220101_000001_create_table.rs",
                "m20220101_000001_create_table",
            ),
            ("crates/migration/src/m1_a.rs", "m1_a"),
            ("C:\\src\\m1_a.rs", "m1_a"),
            ("/src/m1_a.tmp.rs", "m1_a.tmp"),
        ] {
            assert_eq!(file_stem(path), stem);
        }
    }
}
