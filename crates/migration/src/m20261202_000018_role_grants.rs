//! Grants become rows of their own, each naming a role of the catalogue (issue 14): several
//! roles per user per scope, and a database that refuses a role it does not know.
//!
//! - `user_tenant_roles` is created (one row per tenant-wide role, unique per user and role,
//!   with the composite foreign key to `users (id, tenant_id)` that keeps a grant in its user's
//!   tenant) and every `users.tenant_role` is moved into it; the column is then dropped.
//! - `user_plant_roles` may hold several roles per user and plant: unique on
//!   `(user_id, plant_id, role)` instead of `(user_id, plant_id)`, its `role` as long as a
//!   role key, and a foreign key to `roles (key)`.
//!
//! PostgreSQL and MySQL change `user_plant_roles` in place; SQLite cannot add a foreign key to
//! a table, so it rebuilds it (created under another name, every row copied, the old one
//! dropped and the new one renamed, its indexes created again), as migration 000015 does.
//!
//! `down` puts each grant back where the old shape keeps it, and refuses — naming what is in
//! the way and changing nothing — when that would lose a grant: a user with two tenant-wide
//! roles or two roles at one plant, or a role the old shape cannot store (any but the four
//! default ones).

use crate::columns;
use crate::m20261122_000003_create_users::Users;
use crate::m20261122_000004_create_user_plant_roles::{
    UserPlantRoles, create_secondary_indexes, definition,
};
use crate::m20261201_000017_create_roles::Roles;
use crate::prelude::*;
use sea_orm::{DatabaseBackend, Statement};

pub struct Migration;
named_after_file!(Migration);

/// Columns of `user_tenant_roles`.
#[derive(DeriveIden, Clone, Copy)]
pub enum UserTenantRoles {
    #[sea_orm(iden = "tenantry_user_tenant_roles")]
    Table,
    Id,
    TenantId,
    UserId,
    Role,
    GrantedBy,
    CreatedAt,
}

/// The rebuilt `user_plant_roles` until it replaces the old one (SQLite only).
#[derive(DeriveIden, Clone, Copy)]
enum UserPlantRolesRebuilt {
    #[sea_orm(iden = "tenantry_user_plant_roles_rebuilt")]
    Table,
}

/// The longest role key (`roles.key`).
const KEY_LENGTH: u32 = 64;

/// The longest role the old shape stored.
const OLD_ROLE_LENGTH: u32 = 16;

/// The roles the old shape can hold.
const OLD_ROLES: [&str; 4] = ["operator", "supervisor", "engineer", "admin"];

/// Every column of `user_plant_roles`, in order, for copying rows between two tables.
const PLANT_ROLE_COLUMNS: [UserPlantRoles; 8] = [
    UserPlantRoles::Id,
    UserPlantRoles::TenantId,
    UserPlantRoles::UserId,
    UserPlantRoles::PlantId,
    UserPlantRoles::Role,
    UserPlantRoles::GrantedBy,
    UserPlantRoles::CreatedAt,
    UserPlantRoles::UpdatedAt,
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// All or nothing (a grant half moved is a grant lost), and on SQLite the rebuild's
    /// statements must run on one connection.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_tenant_roles(manager).await?;
        exec(
            manager,
            "INSERT INTO tenantry_user_tenant_roles (tenant_id, user_id, role, granted_by, created_at) \
             SELECT tenant_id, id, tenant_role, NULL, updated_at FROM tenantry_users \
             WHERE tenant_role IS NOT NULL ORDER BY id",
        )
        .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::TenantRole)
                    .to_owned(),
            )
            .await?;
        reshape_plant_roles(manager, true).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        refuse_lossy_down(manager).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(columns::string_null(Users::TenantRole, OLD_ROLE_LENGTH))
                    .to_owned(),
            )
            .await?;
        exec(
            manager,
            "UPDATE tenantry_users SET tenant_role = (SELECT t.role FROM tenantry_user_tenant_roles t \
             WHERE t.user_id = tenantry_users.id) \
             WHERE id IN (SELECT user_id FROM tenantry_user_tenant_roles)",
        )
        .await?;
        columns::drop_table(manager, UserTenantRoles::Table).await?;
        reshape_plant_roles(manager, false).await
    }
}

async fn exec(manager: &SchemaManager<'_>, sql: &str) -> Result<(), DbErr> {
    manager.get_connection().execute_unprepared(sql).await?;
    Ok(())
}

async fn create_tenant_roles(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    columns::create_table(
        manager,
        Table::create()
            .table(UserTenantRoles::Table)
            .col(columns::id(UserTenantRoles::Id))
            .col(columns::reference(UserTenantRoles::TenantId))
            .col(columns::reference(UserTenantRoles::UserId))
            .col(columns::string(UserTenantRoles::Role, KEY_LENGTH))
            .col(
                ColumnDef::new(UserTenantRoles::GrantedBy)
                    .big_integer()
                    .null(),
            )
            .col(columns::utc_timestamp(manager, UserTenantRoles::CreatedAt))
            .foreign_key(
                ForeignKey::create()
                    .name("tenantry_fk_user_tenant_roles_user")
                    .from(
                        UserTenantRoles::Table,
                        (UserTenantRoles::UserId, UserTenantRoles::TenantId),
                    )
                    .to(Users::Table, (Users::Id, Users::TenantId))
                    .on_delete(ForeignKeyAction::Cascade),
            )
            .foreign_key(
                ForeignKey::create()
                    .name("tenantry_fk_user_tenant_roles_granted_by")
                    .from(UserTenantRoles::Table, UserTenantRoles::GrantedBy)
                    .to(Users::Table, Users::Id)
                    .on_delete(ForeignKeyAction::SetNull),
            )
            .foreign_key(&mut role_reference(
                "tenantry_fk_user_tenant_roles_role",
                UserTenantRoles::Table,
                UserTenantRoles::Role,
            ))
            .to_owned(),
    )
    .await?;
    columns::unique_index(
        manager,
        "tenantry_ux_user_tenant_roles_user_role",
        UserTenantRoles::Table,
        [UserTenantRoles::UserId, UserTenantRoles::Role],
    )
    .await?;
    // Who holds a role in a tenant (the last-admin guard, "users with role R").
    columns::index(
        manager,
        "tenantry_ix_user_tenant_roles_tenant_role",
        UserTenantRoles::Table,
        [UserTenantRoles::TenantId, UserTenantRoles::Role],
    )
    .await?;
    columns::index(
        manager,
        "tenantry_ix_user_tenant_roles_granted_by",
        UserTenantRoles::Table,
        [UserTenantRoles::GrantedBy],
    )
    .await
}

/// A grant's foreign key to the catalogue: a role still granted cannot be deleted.
fn role_reference<T: IntoIden + Copy + 'static, C: IntoIden + 'static>(
    name: &str,
    table: T,
    column: C,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(table, column)
        .to(Roles::Table, Roles::Key)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

/// Gives `user_plant_roles` the new shape (`catalogue`) or the old one.
async fn reshape_plant_roles(manager: &SchemaManager<'_>, catalogue: bool) -> Result<(), DbErr> {
    let old_unique = if catalogue {
        "tenantry_ux_user_plant_roles_user_plant"
    } else {
        "tenantry_ux_user_plant_roles_user_plant_role"
    };
    if manager.get_database_backend() == DatabaseBackend::Sqlite {
        return rebuild_plant_roles(manager, catalogue).await;
    }
    let length = if catalogue {
        KEY_LENGTH
    } else {
        OLD_ROLE_LENGTH
    };
    if !catalogue {
        manager
            .drop_foreign_key(
                ForeignKey::drop()
                    .name("tenantry_fk_user_plant_roles_role")
                    .table(UserPlantRoles::Table)
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == DatabaseBackend::MySql {
            // The index MySQL made to serve the foreign key outlives it.
            manager
                .drop_index(
                    Index::drop()
                        .name("tenantry_fk_user_plant_roles_role")
                        .table(UserPlantRoles::Table)
                        .to_owned(),
                )
                .await?;
        }
    }
    manager
        .alter_table(
            Table::alter()
                .table(UserPlantRoles::Table)
                .modify_column(columns::string(UserPlantRoles::Role, length))
                .to_owned(),
        )
        .await?;
    // The new unique index first: MySQL keeps an index under every foreign key.
    plant_unique_index(manager, catalogue).await?;
    manager
        .drop_index(
            Index::drop()
                .name(old_unique)
                .table(UserPlantRoles::Table)
                .to_owned(),
        )
        .await?;
    if catalogue {
        manager
            .create_foreign_key(
                role_reference(
                    "tenantry_fk_user_plant_roles_role",
                    UserPlantRoles::Table,
                    UserPlantRoles::Role,
                )
                .from_tbl(UserPlantRoles::Table)
                .to_owned(),
            )
            .await?;
    }
    Ok(())
}

/// The unique index of the shape asked for.
async fn plant_unique_index(manager: &SchemaManager<'_>, catalogue: bool) -> Result<(), DbErr> {
    if catalogue {
        columns::unique_index(
            manager,
            "tenantry_ux_user_plant_roles_user_plant_role",
            UserPlantRoles::Table,
            [
                UserPlantRoles::UserId,
                UserPlantRoles::PlantId,
                UserPlantRoles::Role,
            ],
        )
        .await
    } else {
        columns::unique_index(
            manager,
            "tenantry_ux_user_plant_roles_user_plant",
            UserPlantRoles::Table,
            [UserPlantRoles::UserId, UserPlantRoles::PlantId],
        )
        .await
    }
}

/// SQLite: `user_plant_roles` rebuilt in the shape asked for, every row kept.
async fn rebuild_plant_roles(manager: &SchemaManager<'_>, catalogue: bool) -> Result<(), DbErr> {
    let length = if catalogue {
        KEY_LENGTH
    } else {
        OLD_ROLE_LENGTH
    };
    let mut table = definition(manager, UserPlantRolesRebuilt::Table, length);
    if catalogue {
        table.foreign_key(&mut role_reference(
            "tenantry_fk_user_plant_roles_role",
            UserPlantRolesRebuilt::Table,
            UserPlantRoles::Role,
        ));
    }
    columns::create_table(manager, table.to_owned()).await?;
    let copy = Query::insert()
        .into_table(UserPlantRolesRebuilt::Table)
        .columns(PLANT_ROLE_COLUMNS)
        .select_from(
            Query::select()
                .columns(PLANT_ROLE_COLUMNS)
                .from(UserPlantRoles::Table)
                .to_owned(),
        )
        .map_err(|e| DbErr::Migration(e.to_string()))?
        .to_owned();
    manager.exec_stmt(copy).await?;
    columns::drop_table(manager, UserPlantRoles::Table).await?;
    manager
        .rename_table(
            Table::rename()
                .table(UserPlantRolesRebuilt::Table, UserPlantRoles::Table)
                .to_owned(),
        )
        .await?;
    plant_unique_index(manager, catalogue).await?;
    create_secondary_indexes(manager).await
}

/// `DbErr::Migration` naming what the old shape cannot hold, before anything is changed.
async fn refuse_lossy_down(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let old = OLD_ROLES
        .iter()
        .map(|r| format!("'{r}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let checks = [
        (
            "SELECT COUNT(*) FROM (SELECT user_id FROM tenantry_user_tenant_roles \
             GROUP BY user_id HAVING COUNT(*) > 1) t"
                .to_owned(),
            "users hold more than one tenant-wide role",
        ),
        (
            "SELECT COUNT(*) FROM (SELECT user_id FROM tenantry_user_plant_roles \
             GROUP BY user_id, plant_id HAVING COUNT(*) > 1) t"
                .to_owned(),
            "users hold more than one role at a plant",
        ),
        (
            format!("SELECT COUNT(*) FROM tenantry_user_tenant_roles WHERE role NOT IN ({old})"),
            "tenant-wide grants are of a role other than operator, supervisor, engineer and admin",
        ),
        (
            format!("SELECT COUNT(*) FROM tenantry_user_plant_roles WHERE role NOT IN ({old})"),
            "plant grants are of a role other than operator, supervisor, engineer and admin",
        ),
    ];
    let backend = manager.get_database_backend();
    let db = manager.get_connection();
    for (sql, what) in checks {
        let count: i64 = db
            .query_one_raw(Statement::from_string(backend, sql))
            .await?
            .map(|row| row.try_get_by_index::<i64>(0))
            .transpose()?
            .unwrap_or(0);
        if count > 0 {
            return Err(DbErr::Migration(format!(
                "cannot undo the role grants migration: {count} {what}, which the previous \
                 schema cannot store; revoke them first"
            )));
        }
    }
    Ok(())
}
