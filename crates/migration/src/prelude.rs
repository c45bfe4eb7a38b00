//! What a migration file needs, in one `use crate::prelude::*;` (the names
//! `sea_orm_migration::prelude` gave them before tenantry had its own runner).

pub use async_trait;
pub use sea_orm::sea_query::{self, *};
pub use sea_orm::{self, ConnectionTrait, DbErr, DeriveIden};

pub(crate) use crate::runner::named_after_file;
pub use crate::runner::{
    IntoSchemaManagerConnection, MigrationName, MigrationTrait, MigratorTrait, SchemaManager,
    SchemaManagerConnection,
};
