//! Adds `users.username_skeleton`, the confusable skeleton of the username key, unique per
//! tenant (`ux_users_tenant_username_skeleton`), so `admin1` and `аdmin1` (Cyrillic `а`)
//! cannot both be users of one tenant. See `tenantry_entity::skeleton`.
//!
//! Existing rows are backfilled with the same function the service uses, tenant by tenant in
//! id order. When two existing users of one tenant already share a skeleton, the older one
//! (lower id) keeps it and the later one's stays `NULL`: the migration neither fails nor
//! changes a username, and `NULL`s never collide in a unique index. Such a user can still sign
//! in; setting its username again (any change through the service) stores its skeleton, and is
//! refused until it no longer looks like the other user's. Like `username_key`, a soft-deleted
//! user keeps its skeleton until it is purged.
//!
//! The backfill reads 1 000 users at a time and writes each page's skeletons in one `UPDATE …
//! CASE`, so memory holds one page plus one tenant's skeletons.

use crate::columns;
use crate::m20261122_000003_create_users::Users;
use crate::prelude::*;
use std::collections::HashSet;
use tenantry_entity::skeleton::{USERNAME_SKELETON_MAX_CHARS, username_skeleton_of_key};

/// The index's name; the service recognizes a collision by `username_skeleton` in it.
const INDEX: &str = "tenantry_ux_users_tenant_username_skeleton";

/// The column's length: what the entity's skeletons fit in (checked at compile time).
const LENGTH: u32 = 255;
const _: () = assert!(USERNAME_SKELETON_MAX_CHARS == LENGTH as usize);

/// Users read (and updated) per statement.
const PAGE: u64 = 1_000;

pub struct Migration;
named_after_file!(Migration);

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(columns::string_null(Users::UsernameSkeleton, LENGTH))
                    .to_owned(),
            )
            .await?;
        backfill(manager).await?;
        // After the backfill: building the index once is cheaper than maintaining it per row.
        columns::unique_index(
            manager,
            INDEX,
            Users::Table,
            [Users::TenantId, Users::UsernameSkeleton],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(Users::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::UsernameSkeleton)
                    .to_owned(),
            )
            .await
    }
}

/// Sets every user's skeleton, leaving `NULL` where an older user of the tenant has it.
async fn backfill(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let backend = manager.get_database_backend();
    // Keyset paging on (tenant_id, id): the tenant's taken skeletons are all that is kept.
    let mut after: Option<(i64, i64)> = None;
    let mut tenant_taken: (i64, HashSet<String>) = (0, HashSet::new());
    loop {
        let mut select = Query::select();
        select
            .columns([Users::TenantId, Users::Id, Users::UsernameKey])
            .from(Users::Table)
            .order_by(Users::TenantId, Order::Asc)
            .order_by(Users::Id, Order::Asc)
            .limit(PAGE);
        if let Some((tenant, id)) = after {
            select.cond_where(
                Cond::any().add(Expr::col(Users::TenantId).gt(tenant)).add(
                    Cond::all()
                        .add(Expr::col(Users::TenantId).eq(tenant))
                        .add(Expr::col(Users::Id).gt(id)),
                ),
            );
        }
        let rows = db.query_all_raw(backend.build(&select)).await?;
        if rows.is_empty() {
            return Ok(());
        }
        let mut updates = Vec::with_capacity(rows.len());
        for row in &rows {
            let tenant: i64 = row.try_get_by_index(0)?;
            let id: i64 = row.try_get_by_index(1)?;
            let key: String = row.try_get_by_index(2)?;
            if tenant_taken.0 != tenant {
                tenant_taken = (tenant, HashSet::new());
            }
            let skeleton = username_skeleton_of_key(&key);
            if tenant_taken.1.insert(skeleton.clone()) {
                updates.push((id, skeleton));
            }
            after = Some((tenant, id));
        }
        write_page(manager, updates).await?;
    }
}

/// `UPDATE users SET username_skeleton = CASE id WHEN … END WHERE id IN (…)`.
async fn write_page(manager: &SchemaManager<'_>, updates: Vec<(i64, String)>) -> Result<(), DbErr> {
    if updates.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = updates.iter().map(|(id, _)| *id).collect();
    let mut case = CaseStatement::new();
    for (id, skeleton) in updates {
        case = case.case(Expr::col(Users::Id).eq(id), Expr::val(skeleton));
    }
    let update = Query::update()
        .table(Users::Table)
        .value(Users::UsernameSkeleton, case)
        .and_where(Expr::col(Users::Id).is_in(ids))
        .to_owned();
    manager.exec_stmt(update).await
}
