//! Creates `roles`, the role catalogue a host declares at startup (one row per role), and
//! `role_catalogue`, its one row of catalogue-wide settings; seeds both with tenantry's default
//! catalogue (issue 14).
//!
//! The seed is the default catalogue written out (this crate cannot depend on the service's
//! `RoleCatalogue::default()`); a service test checks the two agree. Every grant that exists
//! before this migration holds one of these four keys, so the seeded catalogue already covers
//! them, and a host that declares the default catalogue finds nothing to change.
//!
//! `role_catalogue` holds what belongs to the whole catalogue rather than to a role (whether a
//! user holds one role per scope), and its row is what a startup reconciliation locks, so two
//! processes starting at once take turns. The grants themselves do not reference `roles` yet:
//! a later migration moves them to tables with foreign keys to it.
//!
//! `down` drops both tables; no grant is touched either way.

use crate::columns;
use crate::prelude::*;

pub struct Migration;
named_after_file!(Migration);

/// Columns of `roles`.
#[derive(DeriveIden, Clone, Copy)]
pub enum Roles {
    #[sea_orm(iden = "tenantry_roles")]
    Table,
    Key,
    Name,
    Scope,
    AdministersUsers,
    IsDefault,
    Implies,
    Grants,
    Position,
    CreatedAt,
    UpdatedAt,
}

/// Columns of `role_catalogue`.
#[derive(DeriveIden, Clone, Copy)]
pub enum RoleCatalogue {
    #[sea_orm(iden = "tenantry_role_catalogue")]
    Table,
    Id,
    ExclusivePerScope,
    UpdatedAt,
}

/// The longest role key (the service's `ROLE_KEY_MAX_CHARS`; keys are ASCII).
const KEY_LENGTH: u32 = 64;

/// The default catalogue, in declaration order: `(key, name, administers_users, implies,
/// grants)`, each grantable tenant-wide and at a plant, none a default role. `implies` and
/// `grants` are the JSON the service writes for them.
const DEFAULT_ROLES: [(&str, &str, bool, &str, &str); 4] = [
    ("operator", "Operator", false, "[]", "\"nothing\""),
    (
        "supervisor",
        "Supervisor",
        false,
        "[\"operator\"]",
        "\"nothing\"",
    ),
    (
        "engineer",
        "Engineer",
        false,
        "[\"supervisor\"]",
        "\"nothing\"",
    ),
    (
        "admin",
        "Administrator",
        true,
        "[\"engineer\"]",
        "\"everything\"",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// All or nothing: a catalogue table without its seed would refuse every grant later.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        columns::create_table(
            manager,
            Table::create()
                .table(Roles::Table)
                .col(columns::string(Roles::Key, KEY_LENGTH).primary_key())
                .col(columns::string(Roles::Name, 200))
                .col(columns::string(Roles::Scope, 16))
                .col(ColumnDef::new(Roles::AdministersUsers).boolean().not_null())
                .col(ColumnDef::new(Roles::IsDefault).boolean().not_null())
                .col(ColumnDef::new(Roles::Implies).text().not_null())
                .col(ColumnDef::new(Roles::Grants).text().not_null())
                .col(ColumnDef::new(Roles::Position).integer().not_null())
                .col(columns::utc_timestamp(manager, Roles::CreatedAt))
                .col(columns::utc_timestamp(manager, Roles::UpdatedAt))
                .to_owned(),
        )
        .await?;
        columns::create_table(
            manager,
            Table::create()
                .table(RoleCatalogue::Table)
                .col(
                    ColumnDef::new(RoleCatalogue::Id)
                        .integer()
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(RoleCatalogue::ExclusivePerScope)
                        .boolean()
                        .not_null(),
                )
                .col(columns::utc_timestamp(manager, RoleCatalogue::UpdatedAt))
                .to_owned(),
        )
        .await?;
        seed(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        columns::drop_table(manager, RoleCatalogue::Table).await?;
        columns::drop_table(manager, Roles::Table).await
    }
}

/// Writes the default catalogue: its four roles and its settings row (one role per scope).
async fn seed(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    // Microseconds: what every backend keeps, as the service writes its timestamps.
    let now = chrono::Utc::now();
    let now = chrono::DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now);
    let mut roles = Query::insert();
    roles.into_table(Roles::Table).columns([
        Roles::Key,
        Roles::Name,
        Roles::Scope,
        Roles::AdministersUsers,
        Roles::IsDefault,
        Roles::Implies,
        Roles::Grants,
        Roles::Position,
        Roles::CreatedAt,
        Roles::UpdatedAt,
    ]);
    for (position, (key, name, administers, implies, grants)) in (0i32..).zip(DEFAULT_ROLES) {
        roles
            .values([
                key.into(),
                name.into(),
                "both".into(),
                administers.into(),
                false.into(),
                implies.into(),
                grants.into(),
                position.into(),
                now.into(),
                now.into(),
            ])
            .map_err(built)?;
    }
    manager.exec_stmt(roles).await?;
    let settings = Query::insert()
        .into_table(RoleCatalogue::Table)
        .columns([
            RoleCatalogue::Id,
            RoleCatalogue::ExclusivePerScope,
            RoleCatalogue::UpdatedAt,
        ])
        .values([1i32.into(), true.into(), now.into()])
        .map_err(built)?
        .to_owned();
    manager.exec_stmt(settings).await
}

/// A statement sea-query could not build (a column count that does not match its values).
fn built(error: sea_query::error::Error) -> DbErr {
    DbErr::Migration(error.to_string())
}
