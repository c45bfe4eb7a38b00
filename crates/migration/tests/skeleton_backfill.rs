//! Migration 000016 (`users.username_skeleton`) on a database populated by the schema before
//! it, on every backend named by `DATABASE_URL` (unset: SQLite): every row gets its skeleton,
//! two existing users of one tenant that already look alike do not fail the migration (the
//! later one keeps `NULL`), and afterwards the database refuses a new look-alike.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

use tenantry_entity::skeleton::username_skeleton_of_key;
use tenantry_entity::{TenantId, TenantStatus, UserStatus, tenants, users};
use tenantry_migration::sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, SqlErr,
};
use tenantry_migration::{Migrator, MigratorTrait};
use tenantry_testkit::TestDb;

const MIGRATION: &str = "m20261201_000016_add_users_username_skeleton";

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

/// Steps the schema down to just before 000016.
async fn down_to_before_skeleton(db: &DatabaseConnection) {
    let migrations = Migrator::migrations();
    let position = migrations
        .iter()
        .position(|m| m.name() == MIGRATION)
        .expect("migration 000016");
    let steps = u32::try_from(migrations.len() - position).expect("a few steps");
    Migrator::down(db, Some(steps))
        .await
        .expect("down to before 000016");
}

async fn tenant(db: &DatabaseConnection, slug: &str) -> TenantId {
    tenants::Entity::insert(tenants::ActiveModel {
        pid: Set(uuid::Uuid::now_v7()),
        slug: Set(slug.to_owned()),
        name: Set(slug.to_owned()),
        status: Set(TenantStatus::Active),
        created_at: Set(now()),
        updated_at: Set(now()),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await
    .expect("tenant");
    tenants::Entity::find()
        .filter(tenants::Column::Slug.eq(slug))
        .one(db)
        .await
        .expect("read tenant")
        .expect("the tenant")
        .id
}

/// A user row as the schema before 000016 has it (no skeleton column is written: the old
/// schema has none). `username` must already be a key (lowercase NFKC).
fn old_row(tenant: TenantId, username: &str, deleted: bool) -> users::ActiveModel {
    users::ActiveModel {
        pid: Set(uuid::Uuid::now_v7()),
        tenant_id: Set(tenant),
        username: Set(Some(username.to_owned())),
        username_key: Set(username.to_owned()),
        email: Set(None),
        email_key: Set(None),
        display_name: Set(username.to_owned()),
        password_hash: Set(None),
        status: Set(UserStatus::Active),
        security_stamp: Set("stamp".to_owned()),
        failed_login_count: Set(0),
        lock_count: Set(0),
        locked_until: Set(None),
        last_login_at: Set(None),
        login_count: Set(0),
        last_active_at: Set(None),
        expires_at: Set(None),
        metadata: Set(None),
        deleted_at: Set(deleted.then(now)),
        created_at: Set(now()),
        updated_at: Set(now()),
        ..Default::default()
    }
}

async fn insert_old(db: &DatabaseConnection, rows: Vec<users::ActiveModel>) {
    for chunk in rows.chunks(500) {
        users::Entity::insert_many(chunk.iter().cloned())
            .exec_without_returning(db)
            .await
            .expect("insert old users");
    }
}

/// `(username, username_skeleton)` of a tenant's users, in id order.
async fn skeletons(db: &DatabaseConnection, tenant: TenantId) -> Vec<(String, Option<String>)> {
    users::Entity::find()
        .filter(users::Column::TenantId.eq(tenant))
        .order_by_asc(users::Column::Id)
        .all(db)
        .await
        .expect("read users")
        .into_iter()
        .map(|u| (u.username.unwrap_or_default(), u.username_skeleton))
        .collect()
}

#[tokio::test]
async fn existing_users_get_their_skeleton_and_existing_look_alikes_do_not_fail_it() {
    let test_db = TestDb::migrated().await;
    let db = test_db.conn();
    down_to_before_skeleton(db).await;

    let acme = tenant(db, "acme").await;
    let globex = tenant(db, "globex").await;
    // More than one backfill page (1 000 rows) in acme, so look-alikes span pages.
    let mut rows: Vec<users::ActiveModel> = (0..1_500)
        .map(|i| old_row(acme, &format!("n{i}"), false))
        .collect();
    rows.push(old_row(acme, "admin1", false));
    rows.push(old_row(acme, "paypal", true)); // soft-deleted: still holds its skeleton
    insert_old(db, rows).await;
    insert_old(
        db,
        vec![
            // Look like older acme users: `n0` (page one), `admin1`, the deleted `paypal`.
            old_row(acme, "no", false),
            old_row(acme, "\u{430}dmin1", false),
            old_row(acme, "\u{440}aypal", false),
            old_row(acme, "bob", false),
            // Another tenant may hold a look-alike of acme's.
            old_row(globex, "\u{430}dmin1", false),
        ],
    )
    .await;
    // Only `id`: the old schema has no skeleton column for a full select to name.
    let before = users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .count(db)
        .await
        .expect("count");

    Migrator::up(db, None).await.expect("up through 000016");

    assert_eq!(
        users::Entity::find().count(db).await.expect("count"),
        before
    );
    let acme_rows = skeletons(db, acme).await;
    assert_eq!(acme_rows.len(), 1_506);
    for (username, skeleton) in &acme_rows {
        let expected = match username.as_str() {
            "no" | "\u{430}dmin1" | "\u{440}aypal" => None,
            _ => Some(username_skeleton_of_key(username)),
        };
        assert_eq!(skeleton, &expected, "{username:?}");
    }
    assert_eq!(
        skeletons(db, globex).await,
        vec![(
            "\u{430}dmin1".to_owned(),
            Some(username_skeleton_of_key("admin1"))
        )]
    );

    // From now on the database refuses a new look-alike in acme, and not in a third tenant.
    let result = insert_skeleton_row(db, acme, "adm\u{456}n1").await;
    match result {
        Err(e) => assert!(
            matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(ref m)) if m.contains("username_skeleton")),
            "{e:?}"
        ),
        Ok(()) => panic!("a look-alike of admin1 was inserted"),
    }
    let initech = tenant(db, "initech").await;
    insert_skeleton_row(db, initech, "adm\u{456}n1")
        .await
        .expect("another tenant");
}

async fn insert_skeleton_row(
    db: &DatabaseConnection,
    tenant: TenantId,
    username: &str,
) -> Result<(), DbErr> {
    let mut row = old_row(tenant, username, false);
    row.username_skeleton = Set(Some(username_skeleton_of_key(username)));
    users::Entity::insert(row)
        .exec_without_returning(db)
        .await
        .map(drop)
}

#[tokio::test]
async fn the_migration_steps_down_and_up_with_users_in_place() {
    let test_db = TestDb::migrated().await;
    let db = test_db.conn();
    down_to_before_skeleton(db).await;
    let acme = tenant(db, "acme").await;
    insert_old(
        db,
        vec![
            old_row(acme, "ada", false),
            old_row(acme, "\u{430}da", false),
        ],
    )
    .await;
    Migrator::up(db, None).await.expect("up");
    Migrator::down(db, Some(1)).await.expect("down one");
    Migrator::up(db, None).await.expect("up again");
    assert_eq!(
        skeletons(db, acme).await,
        vec![
            ("ada".to_owned(), Some(username_skeleton_of_key("ada"))),
            ("\u{430}da".to_owned(), None),
        ]
    );
}
