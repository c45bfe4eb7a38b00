//! The migrations on a real database: every backend named by `DATABASE_URL` (unset: SQLite).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

use tenantry_entity::keys::display_name_key;
use tenantry_entity::{
    AuditAction, LoginOutcome, LoginSource, PlantId, TenantId, TenantStatus, TokenPurpose, UserId,
    UserRole, UserStatus, audit_events, credential_tokens, group_members, groups, login_events,
    plants, scim_tokens, session_usage, sessions, tenants, user_identities, user_plant_roles,
    users,
};
use tenantry_entity::{
    authenticators, identity_providers, login_challenges, recovery_codes, second_factor_policies,
};
use tenantry_migration::sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseBackend, DatabaseConnection,
    DbErr, EntityTrait, PaginatorTrait, SqlErr, Statement,
};
use tenantry_migration::{MIGRATION_TABLE, Migrator, MigratorTrait};
use tenantry_testkit::{TestDb, schema_of, tables_of};

#[tokio::test]
async fn up_creates_the_four_tables_and_the_tenantry_history_table() {
    let test_db = TestDb::migrated().await;
    let tables = tables_of(test_db.conn()).await;
    for table in [
        "tenantry_tenants",
        "tenantry_plants",
        "tenantry_users",
        "tenantry_user_plant_roles",
        MIGRATION_TABLE,
    ] {
        assert!(
            tables.iter().any(|t| t == table),
            "{table} missing from {tables:?}"
        );
    }
    assert!(
        !tables.iter().any(|t| t == "seaql_migrations"),
        "seaql_migrations must never be created: {tables:?}"
    );
    let applied = Migrator::get_applied_migrations(test_db.conn())
        .await
        .expect("history");
    assert_eq!(applied.len(), Migrator::migrations().len());
}

/// Keyset pages in creation order need `(tenant_id, created_at, id)`: with `deleted_at` after
/// `tenant_id` PostgreSQL cannot take the order from the index (000012's mistake; 000013 replaces its index).
#[tokio::test]
async fn the_created_order_index_is_tenant_then_created_at_then_id() {
    let test_db = TestDb::migrated().await;
    let lines = schema_of(test_db.conn()).await;
    // SQLite and PostgreSQL: one line with the index's definition; MySQL: a line per column,
    // in the index's order.
    let index = lines
        .iter()
        .filter(|l| l.contains("ix_users_tenant_created"))
        .map(|l| l.replace("ix_users_tenant_created_id", ""))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        !index.is_empty(),
        "no ix_users_tenant_created in {lines:#?}"
    );
    assert!(!index.contains("deleted_at"), "{index}");
    let at = |column: &str| {
        index
            .find(column)
            .unwrap_or_else(|| panic!("{column} missing from {index}"))
    };
    assert!(at("tenant_id") < at("created_at"), "{index}");
    assert!(index.contains("id"), "{index}");
}

/// PostgreSQL leaves room in `users` pages, so a login's update stays on its page (000014).
#[tokio::test]
async fn users_pages_keep_room_for_updates_on_postgres() {
    let test_db = TestDb::migrated().await;
    let db = test_db.conn();
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return;
    }
    let options = |db: &DatabaseConnection| {
        let sql = "SELECT COALESCE(array_to_string(reloptions, ','), '') FROM pg_class \
                   WHERE relname = 'tenantry_users' AND relkind = 'r'";
        let db = db.clone();
        async move {
            db.query_one_raw(Statement::from_string(DatabaseBackend::Postgres, sql))
                .await
                .expect("reloptions")
                .expect("the users table")
                .try_get_by_index::<String>(0)
                .expect("text")
        }
    };
    assert_eq!(options(db).await, "fillfactor=90");
    let migrations = Migrator::migrations();
    let position = migrations
        .iter()
        .position(|m| m.name() == "m20261122_000014_set_users_fillfactor")
        .expect("migration 000014");
    let applied = Migrator::get_applied_migrations(db)
        .await
        .expect("applied migrations")
        .len();
    let steps = u32::try_from(applied - position).expect("a few steps");
    Migrator::down(db, Some(steps))
        .await
        .expect("down to before 000014");
    assert_eq!(options(db).await, "");
}

#[tokio::test]
async fn up_down_up_leaves_the_same_schema() {
    let test_db = TestDb::migrated().await;
    let db = test_db.conn();
    let first = schema_of(db).await;

    Migrator::down(db, None).await.expect("down");
    let emptied = tables_of(db).await;
    assert_eq!(
        emptied,
        vec![MIGRATION_TABLE.to_owned()],
        "down must remove what up made"
    );
    assert!(
        Migrator::get_applied_migrations(db)
            .await
            .expect("history")
            .is_empty()
    );

    let db = &reopened(&test_db).await;
    Migrator::up(db, None).await.expect("up again");
    assert_eq!(schema_of(db).await, first);
}

/// A new pool on the test's database. After a `down` drops a table or an index on one pooled
/// SQLite connection, another connection of the same pool can still hold the old schema, and
/// its `CREATE` of that name during the next `up` fails with "already exists" (SQLite re-reads
/// a changed schema for a missing name, not for a name it wrongly believes taken; see migration
/// 000013). A host never runs `down` then `up` on one pool; these tests do, on a fresh one.
async fn reopened(test_db: &TestDb) -> DatabaseConnection {
    tenantry_migration::connect(test_db.url())
        .await
        .expect("a new pool")
}

#[tokio::test]
async fn every_migration_steps_down_and_up_one_at_a_time() {
    let test_db = TestDb::migrated().await;
    let db = test_db.conn();
    let first = schema_of(db).await;
    let count = Migrator::migrations().len();
    for applied in (0..count).rev() {
        Migrator::down(db, Some(1)).await.expect("one step down");
        assert_eq!(
            Migrator::get_applied_migrations(db)
                .await
                .expect("history")
                .len(),
            applied
        );
    }
    for _ in 0..count {
        Migrator::up(db, Some(1)).await.expect("one step up");
    }
    assert_eq!(schema_of(db).await, first);
}

#[tokio::test]
async fn fresh_works_twice_in_a_row_and_spares_the_hosts_tables() {
    let test_db = TestDb::migrated().await;
    let db = test_db.conn();
    let first = schema_of(db).await;
    db.execute_unprepared("CREATE TABLE host_orders (id INTEGER PRIMARY KEY)")
        .await
        .expect("host table");
    let tenant = insert_tenant(db, "acme").await;
    assert!(tenant.0 > 0);

    Migrator::fresh(db).await.expect("first fresh");
    Migrator::fresh(db).await.expect("second fresh");

    assert_eq!(tenants::Entity::find().count(db).await.expect("count"), 0);
    assert!(
        tables_of(db).await.iter().any(|t| t == "host_orders"),
        "fresh dropped a host table"
    );
    let after = schema_of(db).await;
    let without_host: Vec<String> = after
        .into_iter()
        .filter(|line| !line.contains("host_orders"))
        .collect();
    assert_eq!(without_host, first);
}

// ---- fixtures -------------------------------------------------------------------------------

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

async fn try_insert_tenant(db: &DatabaseConnection, slug: &str) -> Result<TenantId, DbErr> {
    let model = tenants::ActiveModel {
        pid: Set(uuid::Uuid::now_v7()),
        slug: Set(slug.to_owned()),
        name: Set(format!("Tenant {slug}")),
        status: Set(TenantStatus::Active),
        created_at: Set(now()),
        updated_at: Set(now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(model.id)
}

async fn insert_tenant(db: &DatabaseConnection, slug: &str) -> TenantId {
    try_insert_tenant(db, slug).await.expect("tenant")
}

async fn try_insert_plant(
    db: &DatabaseConnection,
    tenant: TenantId,
    code_key: &str,
) -> Result<PlantId, DbErr> {
    // `exec`, not `insert`: it returns the id alone, so it also works on the schemas before
    // 000022 (no `external_id` to read back).
    let row = plants::ActiveModel {
        pid: Set(uuid::Uuid::now_v7()),
        tenant_id: Set(tenant),
        code: Set(code_key.to_uppercase()),
        code_key: Set(code_key.to_owned()),
        name: Set(format!("Plant {code_key}")),
        is_active: Set(true),
        created_at: Set(now()),
        updated_at: Set(now()),
        ..Default::default()
    };
    Ok(plants::Entity::insert(row).exec(db).await?.last_insert_id)
}

async fn insert_plant(db: &DatabaseConnection, tenant: TenantId, code_key: &str) -> PlantId {
    try_insert_plant(db, tenant, code_key).await.expect("plant")
}

async fn try_insert_user(
    db: &DatabaseConnection,
    tenant: TenantId,
    username_key: &str,
    email_key: Option<&str>,
) -> Result<UserId, DbErr> {
    let model = users::ActiveModel {
        pid: Set(uuid::Uuid::now_v7()),
        tenant_id: Set(tenant),
        username: Set(Some(username_key.to_owned())),
        username_key: Set(username_key.to_owned()),
        email: Set(email_key.map(str::to_owned)),
        email_key: Set(email_key.map(str::to_owned)),
        display_name: Set(username_key.to_owned()),
        password_hash: Set(None),
        status: Set(UserStatus::Active),
        security_stamp: Set("stamp".to_owned()),
        failed_login_count: Set(0),
        locked_until: Set(None),
        last_login_at: Set(None),
        login_count: Set(0),
        last_active_at: Set(None),
        expires_at: Set(None),
        metadata: Set(None),
        deleted_at: Set(None),
        created_at: Set(now()),
        updated_at: Set(now()),
        ..Default::default()
    };
    // Returning the id only: the schema may be older than the entity's later columns.
    Ok(users::Entity::insert(model).exec(db).await?.last_insert_id)
}

async fn insert_user(
    db: &DatabaseConnection,
    tenant: TenantId,
    username_key: &str,
    email_key: Option<&str>,
) -> UserId {
    try_insert_user(db, tenant, username_key, email_key)
        .await
        .expect("user")
}

async fn try_insert_role(
    db: &DatabaseConnection,
    tenant: TenantId,
    user: UserId,
    plant: PlantId,
    role: UserRole,
) -> Result<(), DbErr> {
    user_plant_roles::ActiveModel {
        tenant_id: Set(tenant),
        user_id: Set(user),
        plant_id: Set(plant),
        role: Set(role.as_str().to_owned()),
        granted_by: Set(None),
        created_at: Set(now()),
        updated_at: Set(now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .map(|_| ())
}

fn assert_unique_violation(result: Result<impl std::fmt::Debug, DbErr>, what: &str) {
    match result {
        Err(e) => assert!(
            matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))),
            "{what}: expected a unique violation, got {e:?}"
        ),
        Ok(v) => panic!("{what}: duplicate accepted ({v:?})"),
    }
}

fn assert_foreign_key_violation(result: Result<impl std::fmt::Debug, DbErr>, what: &str) {
    match result {
        Err(e) => assert!(
            matches!(e.sql_err(), Some(SqlErr::ForeignKeyConstraintViolation(_))),
            "{what}: expected a foreign key violation, got {e:?}"
        ),
        Ok(v) => panic!("{what}: accepted ({v:?})"),
    }
}

// ---- constraints ----------------------------------------------------------------------------

#[tokio::test]
async fn every_unique_key_rejects_a_duplicate() {
    let test_db = TestDb::migrated().await;
    let db = test_db.conn();
    let acme = insert_tenant(db, "acme").await;
    assert_unique_violation(try_insert_tenant(db, "acme").await, "tenant slug");

    let plant = insert_plant(db, acme, "p1").await;
    assert_unique_violation(
        try_insert_plant(db, acme, "p1").await,
        "plant code per tenant",
    );

    let user = insert_user(db, acme, "alice", Some("alice@example.com")).await;
    assert_unique_violation(
        try_insert_user(db, acme, "alice", None).await,
        "username key per tenant",
    );
    assert_unique_violation(
        try_insert_user(db, acme, "alice2", Some("alice@example.com")).await,
        "email key per tenant",
    );

    try_insert_role(db, acme, user, plant, UserRole::Operator)
        .await
        .expect("first role");
    // A second role at the same plant is a grant of its own; the same role twice is not.
    try_insert_role(db, acme, user, plant, UserRole::Admin)
        .await
        .expect("second role at the plant");
    assert_unique_violation(
        try_insert_role(db, acme, user, plant, UserRole::Admin).await,
        "(user_id, plant_id, role)",
    );
    let tenant_role = |role: &str| tenantry_entity::user_tenant_roles::ActiveModel {
        tenant_id: Set(acme),
        user_id: Set(user),
        role: Set(role.to_owned()),
        granted_by: Set(None),
        created_at: Set(now()),
        ..Default::default()
    };
    tenant_role("operator")
        .insert(db)
        .await
        .expect("tenant role");
    tenant_role("admin")
        .insert(db)
        .await
        .expect("second tenant role");
    assert_unique_violation(tenant_role("admin").insert(db).await, "(user_id, role)");
}

/// A grant names a role of the catalogue, tenant-wide or at a plant: the database refuses any
/// other key, and a role still granted cannot leave the catalogue.
#[tokio::test]
async fn a_grant_of_a_role_the_catalogue_lacks_is_refused() {
    let test_db = TestDb::migrated().await;
    let db = test_db.conn();
    let acme = insert_tenant(db, "acme").await;
    let plant = insert_plant(db, acme, "p1").await;
    let user = insert_user(db, acme, "alice", None).await;
    let mut at_plant = user_plant_roles::ActiveModel {
        tenant_id: Set(acme),
        user_id: Set(user),
        plant_id: Set(plant),
        role: Set("boss".to_owned()),
        granted_by: Set(None),
        created_at: Set(now()),
        updated_at: Set(now()),
        ..Default::default()
    };
    assert_foreign_key_violation(at_plant.clone().insert(db).await, "unknown role at a plant");
    // Keys compare exactly: `Admin` is not `admin`.
    at_plant.role = Set("Admin".to_owned());
    assert_foreign_key_violation(at_plant.insert(db).await, "a key in another case");
    let tenant_wide = tenantry_entity::user_tenant_roles::ActiveModel {
        tenant_id: Set(acme),
        user_id: Set(user),
        role: Set("boss".to_owned()),
        granted_by: Set(None),
        created_at: Set(now()),
        ..Default::default()
    };
    assert_foreign_key_violation(tenant_wide.insert(db).await, "unknown role tenant-wide");
    try_insert_role(db, acme, user, plant, UserRole::Admin)
        .await
        .expect("a known role");
    let deleted = tenantry_entity::roles::Entity::delete_by_id("admin".to_owned())
        .exec(db)
        .await;
    // SQLite reports a refused `ON DELETE RESTRICT` as its own kind of constraint failure.
    let refused = deleted.as_ref().is_err_and(|e| {
        matches!(e.sql_err(), Some(SqlErr::ForeignKeyConstraintViolation(_)))
            || e.to_string().contains("FOREIGN KEY constraint failed")
    });
    assert!(refused, "deleting a granted role: {deleted:?}");
}

#[tokio::test]
async fn keys_are_per_tenant_and_absent_emails_do_not_collide() {
    let test_db = TestDb::migrated().await;
    let db = test_db.conn();
    let acme = insert_tenant(db, "acme").await;
    let globex = insert_tenant(db, "globex").await;
    insert_user(db, acme, "alice", Some("alice@example.com")).await;
    insert_user(db, globex, "alice", Some("alice@example.com")).await;
    insert_plant(db, acme, "p1").await;
    insert_plant(db, globex, "p1").await;
    // Many users without an email in one tenant.
    insert_user(db, acme, "bob", None).await;
    insert_user(db, acme, "carol", None).await;
    assert_eq!(users::Entity::find().count(db).await.expect("count"), 4);
}

#[tokio::test]
async fn keys_compare_exactly_on_every_backend() {
    // The service normalizes case and width; the database must not fold anything further
    // (MariaDB's default collation would make these two collide).
    let test_db = TestDb::migrated().await;
    let db = test_db.conn();
    let acme = insert_tenant(db, "acme").await;
    insert_user(db, acme, "josé", None).await;
    insert_user(db, acme, "jose", None).await;
    insert_user(db, acme, "jose ", None).await;
    assert_eq!(users::Entity::find().count(db).await.expect("count"), 3);
}

#[tokio::test]
async fn deleting_a_user_or_a_plant_removes_its_roles() {
    let test_db = TestDb::migrated().await;
    let db = test_db.conn();
    let acme = insert_tenant(db, "acme").await;
    let p1 = insert_plant(db, acme, "p1").await;
    let p2 = insert_plant(db, acme, "p2").await;
    let alice = insert_user(db, acme, "alice", None).await;
    let bob = insert_user(db, acme, "bob", None).await;
    for (user, plant) in [(alice, p1), (alice, p2), (bob, p1), (bob, p2)] {
        try_insert_role(db, acme, user, plant, UserRole::Engineer)
            .await
            .expect("role");
    }

    users::Entity::delete_by_id(alice)
        .exec(db)
        .await
        .expect("delete user");
    let left = user_plant_roles::Entity::find()
        .all(db)
        .await
        .expect("roles");
    assert_eq!(left.len(), 2);
    assert!(left.iter().all(|r| r.user_id == bob));

    plants::Entity::delete_by_id(p1)
        .exec(db)
        .await
        .expect("delete plant");
    let left = user_plant_roles::Entity::find()
        .all(db)
        .await
        .expect("roles");
    assert_eq!(left.len(), 1);
    assert_eq!((left[0].user_id, left[0].plant_id), (bob, p2));
}

#[tokio::test]
async fn deleting_a_tenant_removes_everything_of_it_and_nothing_else() {
    let test_db = TestDb::migrated().await;
    let db = test_db.conn();
    let acme = insert_tenant(db, "acme").await;
    let globex = insert_tenant(db, "globex").await;
    for tenant in [acme, globex] {
        let plant = insert_plant(db, tenant, "p1").await;
        let user = insert_user(db, tenant, "alice", None).await;
        let granter = insert_user(db, tenant, "root", None).await;
        try_insert_role(db, tenant, user, plant, UserRole::Supervisor)
            .await
            .expect("role");
        // A role granted by a user of the tenant: granted_by must not block the cascade.
        user_plant_roles::ActiveModel {
            tenant_id: Set(tenant),
            user_id: Set(granter),
            plant_id: Set(plant),
            role: Set(UserRole::Admin.as_str().to_owned()),
            granted_by: Set(Some(granter)),
            created_at: Set(now()),
            updated_at: Set(now()),
            ..Default::default()
        }
        .insert(db)
        .await
        .expect("self-granted role");
    }

    tenants::Entity::delete_by_id(acme)
        .exec(db)
        .await
        .expect("delete tenant");

    let users_left = users::Entity::find().all(db).await.expect("users");
    assert_eq!(users_left.len(), 2);
    assert!(users_left.iter().all(|u| u.tenant_id == globex));
    let plants_left = plants::Entity::find().all(db).await.expect("plants");
    assert_eq!(plants_left.len(), 1);
    assert_eq!(plants_left[0].tenant_id, globex);
    let roles_left = user_plant_roles::Entity::find()
        .all(db)
        .await
        .expect("roles");
    assert_eq!(roles_left.len(), 2);
    assert!(roles_left.iter().all(|r| r.tenant_id == globex));
}

#[tokio::test]
async fn a_role_across_tenants_is_refused() {
    let test_db = TestDb::migrated().await;
    let db = test_db.conn();
    let acme = insert_tenant(db, "acme").await;
    let globex = insert_tenant(db, "globex").await;
    let acme_plant = insert_plant(db, acme, "p1").await;
    let globex_plant = insert_plant(db, globex, "p1").await;
    let acme_user = insert_user(db, acme, "alice", None).await;

    // The plant of another tenant, labelled with the user's tenant.
    assert_foreign_key_violation(
        try_insert_role(db, acme, acme_user, globex_plant, UserRole::Admin).await,
        "plant of another tenant",
    );
    // The user of another tenant, labelled with the plant's tenant.
    assert_foreign_key_violation(
        try_insert_role(db, globex, acme_user, globex_plant, UserRole::Admin).await,
        "user of another tenant",
    );
    // A missing user.
    assert_foreign_key_violation(
        try_insert_role(db, acme, UserId(i64::MAX), acme_plant, UserRole::Admin).await,
        "missing user",
    );
    assert_eq!(
        user_plant_roles::Entity::find()
            .count(db)
            .await
            .expect("count"),
        0
    );
}

#[tokio::test]
async fn enums_and_unicode_round_trip_through_the_database() {
    let test_db = TestDb::migrated().await;
    let db = test_db.conn();
    let acme = insert_tenant(db, "acme").await;
    let plant = insert_plant(db, acme, "p1").await;
    for (i, role) in [
        UserRole::Operator,
        UserRole::Supervisor,
        UserRole::Engineer,
        UserRole::Admin,
    ]
    .into_iter()
    .enumerate()
    {
        let user = insert_user(db, acme, &format!("ユーザー{i}"), None).await;
        try_insert_role(db, acme, user, plant, role)
            .await
            .expect("role");
        let stored = user_plant_roles::Entity::find()
            .all(db)
            .await
            .expect("roles")
            .into_iter()
            .find(|r| r.user_id == user)
            .expect("stored role");
        assert_eq!(stored.role, role.as_str());
        let back = users::Entity::find_by_id(user)
            .one(db)
            .await
            .expect("get")
            .expect("user");
        assert_eq!(back.username, Some(format!("ユーザー{i}")));
    }
}

// ---- 000015: login events without a tenant ---------------------------------------------------

/// Where the migration `name` stands in the list.
fn position_of(name: &str) -> usize {
    Migrator::migrations()
        .iter()
        .position(|m| m.name() == name)
        .unwrap_or_else(|| panic!("migration {name}"))
}

/// Steps down until `name` is the first migration not applied.
async fn down_to_before(db: &DatabaseConnection, name: &str) {
    let position = position_of(name);
    let applied = Migrator::get_applied_migrations(db)
        .await
        .expect("applied migrations")
        .len();
    let steps = u32::try_from(applied - position).expect("a few steps");
    Migrator::down(db, Some(steps))
        .await
        .unwrap_or_else(|e| panic!("down to before {name}: {e}"));
}

/// Steps down until `name` is the last migration applied (nothing to do when it is the last).
async fn down_to_after(db: &DatabaseConnection, name: &str) {
    if let Some(next) = Migrator::migrations().get(position_of(name) + 1) {
        down_to_before(db, next.name()).await;
    }
}

async fn try_insert_login_event(
    db: &DatabaseConnection,
    tenant: Option<TenantId>,
    user: Option<UserId>,
    outcome: LoginOutcome,
) -> Result<(), DbErr> {
    login_events::Entity::insert(login_events::ActiveModel {
        tenant_id: Set(tenant),
        user_id: Set(user),
        source: Set(LoginSource::web()),
        outcome: Set(outcome),
        ip: Set(Some("203.0.113.7".to_owned())),
        at: Set(chrono::DateTime::from_timestamp_micros(now().timestamp_micros()).expect("now")),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await
    .map(|_| ())
}

async fn login_events_of(db: &DatabaseConnection) -> Vec<login_events::Model> {
    use tenantry_migration::sea_orm::QueryOrder;
    login_events::Entity::find()
        .order_by_asc(login_events::Column::Id)
        .all(db)
        .await
        .expect("login events")
}

/// Upgrading to 000015 keeps every login event, its keys and indexes; the upgraded table takes
/// tenant-less events and still refuses a tenant or user that does not exist; `down` drops only
/// the tenant-less events.
#[tokio::test]
async fn login_events_survive_the_tenant_becoming_optional() {
    let test_db = TestDb::migrated().await;
    let db = test_db.conn();
    let tenant = insert_tenant(db, "acme").await;
    let user = insert_user(db, tenant, "alice", None).await;
    let fresh_schema = schema_of(db).await;
    down_to_before(db, "m20261201_000015_login_events_without_tenant").await;

    // Rows written through the previous schema.
    for (who, outcome) in [
        (Some(user), LoginOutcome::Success),
        (Some(user), LoginOutcome::WrongPassword),
        (None, LoginOutcome::UnknownUser),
    ] {
        try_insert_login_event(db, Some(tenant), who, outcome)
            .await
            .expect("an event in the old schema");
    }
    assert!(
        try_insert_login_event(db, None, None, LoginOutcome::UnknownUser)
            .await
            .is_err(),
        "the old schema requires a tenant"
    );
    let before = login_events_of(db).await;
    assert_eq!(before.len(), 3);

    Migrator::up(db, None).await.expect("up again");
    assert_eq!(login_events_of(db).await, before);
    assert_eq!(schema_of(db).await, fresh_schema);
    try_insert_login_event(db, None, None, LoginOutcome::UnknownTenant)
        .await
        .expect("a tenant-less event");
    assert_foreign_key_violation(
        try_insert_login_event(
            db,
            Some(TenantId(i64::MAX)),
            None,
            LoginOutcome::UnknownUser,
        )
        .await,
        "an event of a tenant that does not exist",
    );
    assert_foreign_key_violation(
        try_insert_login_event(
            db,
            Some(tenant),
            Some(UserId(i64::MAX)),
            LoginOutcome::Success,
        )
        .await,
        "an event of a user that does not exist",
    );

    // Down keeps every event that has a tenant.
    down_to_before(db, "m20261201_000015_login_events_without_tenant").await;
    assert_eq!(login_events_of(db).await, before);
    Migrator::up(db, None).await.expect("up once more");
    assert_eq!(login_events_of(db).await, before);

    // The rebuilt table still cascades from its tenant.
    tenants::Entity::delete_by_id(tenant)
        .exec(db)
        .await
        .expect("delete the tenant");
    assert!(login_events_of(db).await.is_empty());
}

// ---- this session's migrations on a database with rows in every table ----------------------

/// Every tenantry table, for snapshots.
const TABLES: [&str; 8] = [
    "tenantry_tenants",
    "tenantry_plants",
    "tenantry_users",
    "tenantry_user_plant_roles",
    "tenantry_audit_events",
    "tenantry_credential_tokens",
    "tenantry_login_events",
    "tenantry_user_identities",
];

/// Every row of every table, as JSON objects, in id order, read on a new pool: a pooled
/// connection that prepared a `SELECT *` before a migration changed the table can be left with
/// the old columns (PostgreSQL: "cached plan must not change result type"; SQLite re-prepares
/// with the new ones while sqlx keeps the old count). `alias` makes each snapshot's text its own.
async fn snapshot(test_db: &TestDb, alias: &str) -> Vec<(String, Vec<serde_json::Value>)> {
    use tenantry_migration::sea_orm::{FromQueryResult, JsonValue};
    let pool = reopened(test_db).await;
    let db = &pool;
    let backend = db.get_database_backend();
    let mut tables = Vec::new();
    for table in TABLES {
        let quoted = match backend {
            DatabaseBackend::MySql => format!("`{table}`"),
            _ => format!("\"{table}\""),
        };
        let rows = JsonValue::find_by_statement(Statement::from_string(
            backend,
            format!("SELECT {alias}.* FROM {quoted} {alias} ORDER BY {alias}.id"),
        ))
        .all(db)
        .await
        .unwrap_or_else(|e| panic!("reading {table}: {e}"));
        tables.push((table.to_owned(), rows));
    }
    tables
}

/// The state a database had under the schema before 000015 (rows in every table) comes through
/// 000015 and 000016 whole: every row, every value the old schema held, on every backend; the
/// new `username_skeleton` is filled in for the existing users.
#[tokio::test]
async fn upgrading_past_000015_and_000016_keeps_every_row_of_every_table() {
    let test_db = TestDb::migrated().await;
    let db = test_db.conn();
    let tenant = insert_tenant(db, "acme").await;
    let plant = insert_plant(db, tenant, "north").await;
    let alice = insert_user(db, tenant, "alice", Some("alice@example.com")).await;
    let bob = insert_user(db, tenant, "bob", None).await;
    try_insert_role(db, tenant, alice, plant, UserRole::Admin)
        .await
        .expect("role");
    try_insert_role(db, tenant, bob, plant, UserRole::Operator)
        .await
        .expect("role");
    let at = chrono::DateTime::from_timestamp_micros(now().timestamp_micros()).expect("now");
    audit_events::Entity::insert(audit_events::ActiveModel {
        tenant_id: Set(tenant),
        actor_user_id: Set(Some(alice)),
        target_user_id: Set(Some(bob)),
        action: Set(AuditAction::UserCreated),
        details: Set(serde_json::json!({ "username": "bob" })),
        at: Set(at),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await
    .expect("audit event");
    credential_tokens::Entity::insert(credential_tokens::ActiveModel {
        tenant_id: Set(tenant),
        user_id: Set(bob),
        purpose: Set(TokenPurpose::PasswordReset),
        token_hash: Set("0".repeat(64)),
        expires_at: Set(at),
        used_at: Set(None),
        created_by: Set(Some(alice)),
        created_at: Set(at),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await
    .expect("token");
    user_identities::Entity::insert(user_identities::ActiveModel {
        tenant_id: Set(tenant),
        user_id: Set(alice),
        provider: Set("google".to_owned()),
        subject: Set("1234".to_owned()),
        email: Set(Some("alice@example.com".to_owned())),
        last_used_at: Set(Some(at)),
        created_at: Set(at),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await
    .expect("identity");
    try_insert_login_event(db, Some(tenant), Some(alice), LoginOutcome::Success)
        .await
        .expect("login event");

    down_to_before(db, "m20261201_000015_login_events_without_tenant").await;
    let reopened_db = reopened(&test_db).await;
    let db = &reopened_db;
    let before = snapshot(&test_db, "before_up").await;
    for (table, rows) in &before {
        assert!(!rows.is_empty(), "{table} holds no row");
    }
    Migrator::up(db, None).await.expect("up");
    let after = snapshot(&test_db, "after_up").await;
    for ((table, old_rows), (_, new_rows)) in before.iter().zip(&after) {
        assert_eq!(old_rows.len(), new_rows.len(), "rows of {table}");
        for (old, new) in old_rows.iter().zip(new_rows) {
            for (column, value) in old.as_object().expect("a row") {
                if column == "tenant_role" {
                    // Moved to `user_tenant_roles` by 000018, and tested there.
                    continue;
                }
                assert_eq!(new.get(column), Some(value), "{table}.{column}");
            }
        }
    }
    let users = &after
        .iter()
        .find(|(t, _)| t == "tenantry_users")
        .expect("users")
        .1;
    for user in users {
        assert!(
            user.get("username_skeleton")
                .is_some_and(|s| s.as_str().is_some_and(|s| !s.is_empty())),
            "no skeleton backfilled: {user}"
        );
    }
}

// ---- 000017: the role catalogue --------------------------------------------------------------

/// A `roles` row without its timestamps: `(key, name, scope, administers_users, is_default,
/// implies, grants, position)`.
type RoleRow = (String, String, String, bool, bool, String, String, i32);

/// The `roles` rows in declaration order, without their timestamps.
async fn catalogue_rows(db: &DatabaseConnection) -> Vec<RoleRow> {
    use tenantry_migration::sea_orm::QueryOrder;
    tenantry_entity::roles::Entity::find()
        .order_by_asc(tenantry_entity::roles::Column::Position)
        .all(db)
        .await
        .expect("roles")
        .into_iter()
        .map(|r| {
            (
                r.key,
                r.name,
                r.scope.as_str().to_owned(),
                r.administers_users,
                r.is_default,
                r.implies,
                r.grants,
                r.position,
            )
        })
        .collect()
}

/// The default catalogue as 000017 seeds it (the service's tests check it against
/// `RoleCatalogue::default()`).
fn seeded_catalogue() -> Vec<RoleRow> {
    [
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
    ]
    .into_iter()
    .zip(0..)
    .map(|((key, name, admin, implies, grants), position)| {
        (
            key.to_owned(),
            name.to_owned(),
            "both".to_owned(),
            admin,
            false,
            implies.to_owned(),
            grants.to_owned(),
            position,
        )
    })
    .collect()
}

/// Sets `users.tenant_role`, the column the schema before 000018 kept a tenant-wide role in
/// (the entity no longer has it).
async fn set_tenant_role(db: &DatabaseConnection, user: UserId, role: UserRole) {
    let backend = db.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Postgres => "UPDATE tenantry_users SET tenant_role = $1 WHERE id = $2",
        _ => "UPDATE tenantry_users SET tenant_role = ? WHERE id = ?",
    };
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        sql,
        [role.as_str().into(), user.0.into()],
    ))
    .await
    .expect("tenant role");
}

/// Two tenants as the schema before 000017 holds them: users with tenant roles and plant
/// roles of every kind, an audit event, a token, an identity, login events (one without a
/// tenant). The same rows suit every migration since: 000017 and 000018 are tested on them.
async fn populate_before_the_catalogue(db: &DatabaseConnection) {
    for slug in ["acme", "globex"] {
        let tenant = insert_tenant(db, slug).await;
        let north = insert_plant(db, tenant, "north").await;
        let south = insert_plant(db, tenant, "south").await;
        let admin = insert_user(db, tenant, "root", Some(&format!("root@{slug}.example"))).await;
        set_tenant_role(db, admin, UserRole::Admin).await;
        let roles = [
            UserRole::Operator,
            UserRole::Supervisor,
            UserRole::Engineer,
            UserRole::Admin,
        ];
        for (i, role) in roles.into_iter().enumerate() {
            let user = insert_user(db, tenant, &format!("user{i}"), None).await;
            try_insert_role(db, tenant, user, north, role)
                .await
                .expect("plant role");
            try_insert_role(db, tenant, user, south, roles[3 - i])
                .await
                .expect("plant role");
            set_tenant_role(db, user, role).await;
        }
        let at = chrono::DateTime::from_timestamp_micros(now().timestamp_micros()).expect("now");
        audit_events::Entity::insert(audit_events::ActiveModel {
            tenant_id: Set(tenant),
            actor_user_id: Set(Some(admin)),
            target_user_id: Set(Some(admin)),
            action: Set(AuditAction::TenantRoleSet),
            details: Set(serde_json::json!({ "role": "admin" })),
            at: Set(at),
            ..Default::default()
        })
        .exec_without_returning(db)
        .await
        .expect("audit event");
        credential_tokens::Entity::insert(credential_tokens::ActiveModel {
            tenant_id: Set(tenant),
            user_id: Set(admin),
            purpose: Set(TokenPurpose::PasswordReset),
            token_hash: Set(format!("{slug:0>64}")),
            expires_at: Set(at),
            used_at: Set(None),
            created_by: Set(None),
            created_at: Set(at),
            ..Default::default()
        })
        .exec_without_returning(db)
        .await
        .expect("token");
        user_identities::Entity::insert(user_identities::ActiveModel {
            tenant_id: Set(tenant),
            user_id: Set(admin),
            provider: Set("google".to_owned()),
            subject: Set(format!("{slug}-1")),
            email: Set(None),
            last_used_at: Set(None),
            created_at: Set(at),
            ..Default::default()
        })
        .exec_without_returning(db)
        .await
        .expect("identity");
        try_insert_login_event(db, Some(tenant), Some(admin), LoginOutcome::Success)
            .await
            .expect("login event");
    }
    try_insert_login_event(db, None, None, LoginOutcome::UnknownTenant)
        .await
        .expect("a tenant-less login event");
}

/// A database populated through the schema before 000017 — two tenants, users with tenant roles
/// and plant roles of every kind, an audit event, a token, an identity, a login event — comes
/// through 000017 with every row and value, gains exactly the default catalogue, and `down`
/// removes the catalogue and nothing else; up again seeds it again. On every backend.
#[tokio::test]
async fn upgrading_to_000017_keeps_every_grant_and_seeds_the_default_catalogue() {
    let test_db = TestDb::migrated().await;
    let db = test_db.conn();
    assert_eq!(catalogue_rows(db).await, seeded_catalogue());
    down_to_before(db, GRANTS).await;
    let schema_17 = schema_of(db).await;
    Migrator::down(db, Some(1)).await.expect("down 000017");
    let tables = tables_of(db).await;
    assert!(
        !tables
            .iter()
            .any(|t| t == "tenantry_roles" || t == "tenantry_role_catalogue"),
        "{tables:?}"
    );

    populate_before_the_catalogue(db).await;

    let before = snapshot(&test_db, "before_17").await;
    for (table, rows) in &before {
        assert!(!rows.is_empty(), "{table} holds no row");
    }
    Migrator::up(db, Some(1)).await.expect("up through 000017");
    assert_eq!(snapshot(&test_db, "after_17").await, before);
    assert_eq!(schema_of(db).await, schema_17);
    assert_eq!(catalogue_rows(db).await, seeded_catalogue());
    let settings = tenantry_entity::role_catalogue::Entity::find()
        .all(db)
        .await
        .expect("role_catalogue");
    assert_eq!(settings.len(), 1);
    assert_eq!(settings[0].id, tenantry_entity::role_catalogue::ROW_ID);
    assert!(settings[0].exclusive_per_scope);

    // Down removes the catalogue and keeps every grant; up seeds it again.
    Migrator::down(db, Some(1)).await.expect("down 000017");
    assert_eq!(snapshot(&test_db, "down_17").await, before);
    Migrator::up(db, Some(1)).await.expect("up once more");
    assert_eq!(snapshot(&test_db, "again_17").await, before);
    assert_eq!(catalogue_rows(db).await, seeded_catalogue());
    assert_eq!(schema_of(db).await, schema_17);
}

// ---- 000018: grants as rows of their own -----------------------------------------------------

/// The migration that moves grants to rows naming the catalogue's roles.
const GRANTS: &str = "m20261202_000018_role_grants";

/// `(user, tenant, role)` of every tenant-wide grant: from `users.tenant_role` before 000018,
/// from `user_tenant_roles` after, sorted.
async fn tenant_grants(db: &DatabaseConnection, sql: &str) -> Vec<(i64, i64, String)> {
    let backend = db.get_database_backend();
    let mut grants: Vec<(i64, i64, String)> = db
        .query_all_raw(Statement::from_string(backend, sql))
        .await
        .expect("tenant grants")
        .iter()
        .map(|row| {
            (
                row.try_get_by_index(0).expect("user"),
                row.try_get_by_index(1).expect("tenant"),
                row.try_get_by_index(2).expect("role"),
            )
        })
        .collect();
    grants.sort();
    grants
}

const OLD_TENANT_GRANTS: &str =
    "SELECT id, tenant_id, tenant_role FROM tenantry_users WHERE tenant_role IS NOT NULL";
const NEW_TENANT_GRANTS: &str = "SELECT user_id, tenant_id, role FROM tenantry_user_tenant_roles";

/// Runs `sql` (no values) on `db`.
async fn exec(db: &DatabaseConnection, sql: &str) {
    db.execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// A database populated before 000018 comes through it with every grant: each
/// `users.tenant_role` becomes a `user_tenant_roles` row, every plant grant and every other
/// row and value is kept, and the schema is the fresh one. `down` refuses — naming the cause
/// and changing nothing — while a user holds two roles in one scope or a role the old shape
/// cannot store, and otherwise restores every grant where it was. On every backend.
#[tokio::test]
async fn upgrading_to_000018_moves_every_grant_and_down_refuses_to_lose_one() {
    let test_db = TestDb::migrated().await;
    let db = test_db.conn();
    down_to_before(db, TENANT_LOCKS).await;
    // The schema 000018 leaves (later migrations are stepped over here).
    let fresh_schema = schema_of(db).await;
    Migrator::down(db, Some(1)).await.expect("down 000018");
    let schema_17 = schema_of(db).await;
    populate_before_the_catalogue(db).await;
    let before = snapshot(&test_db, "before_18").await;
    let old_grants = tenant_grants(db, OLD_TENANT_GRANTS).await;
    assert_eq!(
        old_grants.len(),
        10,
        "two tenants: root and four users each"
    );

    Migrator::up(db, Some(1)).await.expect("up through 000018");
    assert_eq!(schema_of(db).await, fresh_schema);
    assert_eq!(tenant_grants(db, NEW_TENANT_GRANTS).await, old_grants);
    let after = snapshot(&test_db, "after_18").await;
    for ((table, old_rows), (_, new_rows)) in before.iter().zip(&after) {
        assert_eq!(old_rows.len(), new_rows.len(), "rows of {table}");
        for (old, new) in old_rows.iter().zip(new_rows) {
            let mut old = old.clone();
            if table == "tenantry_users" {
                old.as_object_mut().expect("a row").remove("tenant_role");
            }
            assert_eq!(&old, new, "{table}");
        }
    }

    // Each of these grants has no place in the old shape: down refuses and changes nothing.
    let (user, tenant) = (old_grants[1].0, old_grants[1].1);
    let second = if old_grants[1].2 == "engineer" {
        "operator"
    } else {
        "engineer"
    };
    let plant_grant = user_plant_roles::Entity::find()
        .all(db)
        .await
        .expect("plant roles")
        .into_iter()
        .next()
        .expect("a plant grant");
    let refusals = [
        (
            format!(
                "INSERT INTO tenantry_user_tenant_roles (tenant_id, user_id, role, created_at) \
                 VALUES ({tenant}, {user}, '{second}', '2026-12-01 00:00:00')"
            ),
            "DELETE FROM tenantry_user_tenant_roles WHERE role = '{second}' AND user_id = {user}",
            "more than one tenant-wide role",
        ),
        (
            format!(
                "INSERT INTO tenantry_user_plant_roles (tenant_id, user_id, plant_id, role, created_at, \
                 updated_at) VALUES ({}, {}, {}, '{}', '2026-12-01 00:00:00', \
                 '2026-12-01 00:00:00')",
                plant_grant.tenant_id.0,
                plant_grant.user_id.0,
                plant_grant.plant_id.0,
                if plant_grant.role == "admin" {
                    "operator"
                } else {
                    "admin"
                },
            ),
            "DELETE FROM tenantry_user_plant_roles WHERE id > {max_plant_grant}",
            "more than one role at a plant",
        ),
        (
            "INSERT INTO tenantry_roles (key, name, scope, administers_users, is_default, implies, \
             grants, position, created_at, updated_at) VALUES ('viewer', 'Viewer', 'both', \
             false, false, '[]', '\"nothing\"', 4, '2026-12-01 00:00:00', \
             '2026-12-01 00:00:00')"
                .to_owned(),
            "",
            "",
        ),
    ];
    let max_plant_grant = user_plant_roles::Entity::find()
        .all(db)
        .await
        .expect("plant roles")
        .iter()
        .map(|r| r.id)
        .max()
        .expect("a plant grant");
    let settled = snapshot(&test_db, "settled_18").await;
    for (grant, undo, cause) in &refusals[..2] {
        exec(db, grant).await;
        let error = Migrator::down(db, Some(1))
            .await
            .expect_err("down must refuse")
            .to_string();
        assert!(error.contains(cause), "{error}");
        assert_eq!(schema_of(db).await, fresh_schema, "nothing changed");
        let undo = undo
            .replace("{user}", &user.to_string())
            .replace("{second}", second)
            .replace("{max_plant_grant}", &max_plant_grant.to_string());
        exec(db, &undo).await;
        assert_eq!(snapshot(&test_db, "undone_18").await, settled);
    }
    // A role other than the four: the old `role` column cannot say it.
    exec(db, &quoted_key(db, &refusals[2].0)).await;
    let (holder, _, held) = &old_grants[0];
    let regrant = |role: &str| {
        format!("UPDATE tenantry_user_tenant_roles SET role = '{role}' WHERE user_id = {holder}")
    };
    exec(db, &regrant("viewer")).await;
    let error = Migrator::down(db, Some(1))
        .await
        .expect_err("down must refuse")
        .to_string();
    assert!(error.contains("other than operator"), "{error}");
    exec(db, &regrant(held)).await;
    exec(
        db,
        &quoted_key(db, "DELETE FROM tenantry_roles WHERE key = 'viewer'"),
    )
    .await;
    assert_eq!(snapshot(&test_db, "undone_viewer").await, settled);

    // Down puts every grant back; up moves them again.
    Migrator::down(db, Some(1)).await.expect("down 000018");
    let reopened_db = reopened(&test_db).await;
    let db = &reopened_db;
    assert_eq!(snapshot(&test_db, "down_18").await, before);
    assert_eq!(tenant_grants(db, OLD_TENANT_GRANTS).await, old_grants);
    if db.get_database_backend() != DatabaseBackend::Sqlite {
        // SQLite keeps a table's `CREATE` text, where the restored column now comes last.
        assert_eq!(schema_of(db).await, schema_17);
    }
    Migrator::up(db, Some(1)).await.expect("up once more");
    let db = &reopened(&test_db).await;
    assert_eq!(tenant_grants(db, NEW_TENANT_GRANTS).await, old_grants);
    assert_eq!(schema_of(db).await, fresh_schema);
}

const TENANT_LOCKS: &str = "m20261203_000019_create_tenant_locks";

/// 000019 adds `tenant_locks` to a populated database, with a row for every tenant, and
/// changes no other row or table; `down` removes it and nothing else. On every backend.
#[tokio::test]
async fn upgrading_to_000019_adds_a_lock_for_every_tenant_and_keeps_every_row() {
    let test_db = TestDb::migrated().await;
    let db = test_db.conn();
    down_to_before(db, GRANTS).await;
    populate_before_the_catalogue(db).await;
    Migrator::up(db, Some(1)).await.expect("up through 000018");
    let db = &reopened(&test_db).await;
    let schema_18 = schema_of(db).await;
    assert!(
        !tables_of(db)
            .await
            .iter()
            .any(|t| t == "tenantry_tenant_locks")
    );
    let before = snapshot(&test_db, "before_19").await;

    Migrator::up(db, Some(1)).await.expect("up through 000019");
    let db = &reopened(&test_db).await;
    assert_eq!(snapshot(&test_db, "after_19").await, before);
    let ids = |sql: &'static str| async move {
        let mut ids: Vec<i64> = db
            .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .expect(sql)
            .iter()
            .map(|row| row.try_get_by_index(0).expect("an id"))
            .collect();
        ids.sort_unstable();
        ids
    };
    let tenants = ids("SELECT id FROM tenantry_tenants").await;
    assert_eq!(tenants.len(), 2);
    assert_eq!(
        ids("SELECT tenant_id FROM tenantry_tenant_locks").await,
        tenants
    );
    let orphan = db
        .execute_unprepared(
            "INSERT INTO tenantry_tenant_locks (tenant_id) VALUES (9223372036854775807)",
        )
        .await;
    assert!(orphan.is_err(), "a lock for no tenant");

    Migrator::down(db, Some(1)).await.expect("down 000019");
    let db = &reopened(&test_db).await;
    assert_eq!(schema_of(db).await, schema_18);
    assert_eq!(snapshot(&test_db, "down_19").await, before);
}

/// 000020 adds `ix_users_tenant_live_status` to a populated database and changes no row;
/// `down` removes the index and nothing else. On every backend.
#[tokio::test]
async fn upgrading_to_000020_indexes_the_status_and_keeps_every_row() {
    let test_db = TestDb::migrated().await;
    let db = test_db.conn();
    down_to_before(db, DISPLAY_NAME_KEY).await;
    let fresh_schema = schema_of(db).await;
    down_to_before(db, GRANTS).await;
    populate_before_the_catalogue(db).await;
    Migrator::up(db, Some(2)).await.expect("up through 000019");
    let db = &reopened(&test_db).await;
    let schema_19 = schema_of(db).await;
    assert!(!format!("{schema_19:?}").contains("ix_users_tenant_live_status"));
    let before = snapshot(&test_db, "before_20").await;

    Migrator::up(db, Some(1)).await.expect("up through 000020");
    let db = &reopened(&test_db).await;
    assert_eq!(schema_of(db).await, fresh_schema);
    assert!(format!("{fresh_schema:?}").contains("ix_users_tenant_live_status"));
    assert_eq!(snapshot(&test_db, "after_20").await, before);

    Migrator::down(db, Some(1)).await.expect("down 000020");
    let db = &reopened(&test_db).await;
    assert_eq!(schema_of(db).await, schema_19);
    assert_eq!(snapshot(&test_db, "down_20").await, before);
}

const DISPLAY_NAME_KEY: &str = "m20261204_000021_add_users_display_name_key";
const PLANT_EXTERNAL_ID: &str = "m20261205_000022_add_plants_external_id";
const USERNAME_OPTIONAL: &str = "m20261206_000023_users_username_optional";

/// 000022 adds `tenantry_plants.external_id` (NULL for every existing plant) and its unique
/// index to a populated database and changes no other value; `down` restores the schema
/// exactly and keeps every row. Two plants may both have none; two may not share one, across
/// tenants too. On every backend.
#[tokio::test]
async fn upgrading_to_000022_gives_plants_a_host_identifier_and_keeps_every_row() {
    let test_db = TestDb::migrated().await;
    let db = test_db.conn();
    down_to_before(db, USERNAME_OPTIONAL).await;
    let fresh_schema = schema_of(db).await;
    down_to_before(db, GRANTS).await;
    populate_before_the_catalogue(db).await;
    Migrator::up(db, Some(4)).await.expect("up through 000021");
    let db = &reopened(&test_db).await;
    let schema_21 = schema_of(db).await;
    assert!(!format!("{schema_21:?}").contains("external_id"));
    let before = snapshot(&test_db, "before_22").await;

    Migrator::up(db, Some(1)).await.expect("up through 000022");
    let db = &reopened(&test_db).await;
    assert_eq!(schema_of(db).await, fresh_schema);
    let mut after = snapshot(&test_db, "after_22").await;
    let plants = &mut after
        .iter_mut()
        .find(|(t, _)| t == "tenantry_plants")
        .expect("plants")
        .1;
    assert!(plants.len() >= 2, "the fixture has plants");
    for plant in plants.iter_mut() {
        let row = plant.as_object_mut().expect("a row");
        assert_eq!(row.remove("external_id"), Some(serde_json::Value::Null));
    }
    assert_eq!(after, before);

    // Unique across the database: another tenant's plant cannot take an identifier either.
    exec(
        db,
        "UPDATE tenantry_plants SET external_id = 'host-7' WHERE id = 1",
    )
    .await;
    let taken = db
        .execute_unprepared("UPDATE tenantry_plants SET external_id = 'host-7' WHERE id = 2")
        .await;
    assert_unique_violation(taken, "a second plant with one host identifier");
    exec(
        db,
        "UPDATE tenantry_plants SET external_id = NULL WHERE id = 1",
    )
    .await;

    Migrator::down(db, Some(1)).await.expect("down 000022");
    let db = &reopened(&test_db).await;
    assert_eq!(schema_of(db).await, schema_21);
    assert_eq!(snapshot(&test_db, "down_22").await, before);
}

const USER_COUNTS: &str = "m20261206_000024_count_live_users";

/// The live users per tenant and status, counted from `tenantry_users`.
const COUNTED_LIVE_USERS: &str = "SELECT tenant_id, status, COUNT(*) FROM tenantry_users \
     WHERE deleted_at IS NULL GROUP BY tenant_id, status ORDER BY tenant_id, status";

/// The same as SQLite's kept counts say (a count that fell to zero keeps its row).
const KEPT_LIVE_USERS: &str = "SELECT tenant_id, status, live FROM tenantry_user_counts \
     WHERE live <> 0 ORDER BY tenant_id, status";

async fn live_users(db: &DatabaseConnection, sql: &str) -> Vec<(i64, String, i64)> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|row| {
            (
                row.try_get_by_index(0).expect("tenant"),
                row.try_get_by_index(1).expect("status"),
                row.try_get_by_index(2).expect("count"),
            )
        })
        .collect()
}

/// 000024 counts every tenant's live users per status on SQLite, from a populated database,
/// and its triggers keep the counts exact through inserts, status changes, soft and hard
/// deletes and restores; elsewhere it changes nothing. No row of any other table changes, and
/// `down` restores the schema exactly. On every backend.
#[tokio::test]
async fn upgrading_to_000024_counts_the_live_users_and_keeps_every_row() {
    let test_db = TestDb::migrated().await;
    let db = test_db.conn();
    down_to_after(db, USER_COUNTS).await;
    let fresh_schema = schema_of(db).await;
    down_to_before(db, GRANTS).await;
    populate_before_the_catalogue(db).await;
    // A suspended user and a soft-deleted one, so the counts have more than one shape.
    exec(
        db,
        "UPDATE tenantry_users SET status = 'suspended' WHERE username_key = 'user1'",
    )
    .await;
    exec(
        db,
        "UPDATE tenantry_users SET deleted_at = created_at WHERE username_key = 'user2'",
    )
    .await;
    Migrator::up(db, Some(6)).await.expect("up through 000023");
    let db = &reopened(&test_db).await;
    let schema_23 = schema_of(db).await;
    assert!(!format!("{schema_23:?}").contains("user_counts"));
    let before = snapshot(&test_db, "before_24").await;

    Migrator::up(db, Some(1)).await.expect("up through 000024");
    let db = &reopened(&test_db).await;
    assert_eq!(schema_of(db).await, fresh_schema);
    assert_eq!(snapshot(&test_db, "after_24").await, before);
    let sqlite = db.get_database_backend() == DatabaseBackend::Sqlite;
    if sqlite {
        let counted = live_users(db, COUNTED_LIVE_USERS).await;
        assert_eq!(
            counted.len(),
            4,
            "two tenants, active and suspended users: {counted:?}"
        );
        assert_eq!(live_users(db, KEPT_LIVE_USERS).await, counted);
        // Every kind of write, each followed by the counts.
        let tenant = TenantId(counted[0].0);
        insert_user(db, tenant, "newcomer", None).await;
        for sql in [
            "UPDATE tenantry_users SET status = 'invited' WHERE username_key = 'user3'",
            "UPDATE tenantry_users SET deleted_at = created_at WHERE username_key = 'user0'",
            "UPDATE tenantry_users SET deleted_at = NULL WHERE username_key = 'user2'",
            "UPDATE tenantry_users SET status = 'active', deleted_at = NULL \
             WHERE username_key = 'user1'",
            "UPDATE tenantry_users SET login_count = login_count + 1",
            "DELETE FROM tenantry_users WHERE username_key = 'newcomer'",
        ] {
            exec(db, sql).await;
            assert_eq!(
                live_users(db, KEPT_LIVE_USERS).await,
                live_users(db, COUNTED_LIVE_USERS).await,
                "after {sql}"
            );
        }
    } else {
        assert_eq!(fresh_schema, schema_23, "nothing to do off SQLite");
    }
    let written = snapshot(&test_db, "written_24").await;

    Migrator::down(db, Some(1)).await.expect("down 000024");
    let db = &reopened(&test_db).await;
    assert_eq!(schema_of(db).await, schema_23);
    assert_eq!(snapshot(&test_db, "down_24").await, written);
}

const IDENTITY_PROVIDERS: &str = "m20261207_000025_create_identity_providers";

/// 000025 adds the tenants' identity provider policies to a populated database: every other
/// row is kept, a policy is one per tenant and provider and goes with its tenant, and `down`
/// restores the schema exactly. On every backend.
#[tokio::test]
async fn upgrading_to_000025_adds_identity_provider_policies_and_keeps_every_row() {
    let test_db = TestDb::migrated().await;
    let db = test_db.conn();
    down_to_after(db, IDENTITY_PROVIDERS).await;
    let fresh_schema = schema_of(db).await;
    down_to_before(db, GRANTS).await;
    populate_before_the_catalogue(db).await;
    Migrator::up(db, Some(steps_between(GRANTS, IDENTITY_PROVIDERS)))
        .await
        .expect("up through 000024");
    let db = &reopened(&test_db).await;
    let schema_24 = schema_of(db).await;
    assert!(!format!("{schema_24:?}").contains("identity_providers"));
    let before = snapshot(&test_db, "before_25").await;

    Migrator::up(db, Some(1)).await.expect("up through 000025");
    let db = &reopened(&test_db).await;
    assert_eq!(schema_of(db).await, fresh_schema);
    assert_eq!(snapshot(&test_db, "after_25").await, before);
    let policy = "INSERT INTO tenantry_identity_providers (tenant_id, provider, \
                  provisions_users, accepts_invitations, email_domains, created_at, updated_at) \
                  SELECT id, 'entra', TRUE, FALSE, 'acme.example', created_at, created_at \
                  FROM tenantry_tenants";
    exec(db, policy).await;
    assert!(
        db.execute_unprepared(policy).await.is_err(),
        "a second policy for the same tenant and provider"
    );
    let count = |db: &DatabaseConnection| {
        let db = db.clone();
        async move {
            db.query_one_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT COUNT(*) FROM tenantry_identity_providers",
            ))
            .await
            .expect("counting policies")
            .expect("a row")
            .try_get_by_index::<i64>(0)
            .expect("a count")
        }
    };
    let tenants = count(db).await;
    assert!(tenants >= 2, "one policy per tenant: {tenants}");

    Migrator::down(db, Some(1)).await.expect("down 000025");
    let db = &reopened(&test_db).await;
    assert_eq!(schema_of(db).await, schema_24);
    assert_eq!(snapshot(&test_db, "down_25").await, before);
}

/// 000021 gives every user of a populated database its display name key (the entity's own
/// function, so a folded name keys as a new one would), indexes it, on PostgreSQL sets the key
/// columns to `COLLATE "C"`, and changes no other value; `down` restores the schema exactly and
/// keeps every row. On every backend.
#[tokio::test]
async fn upgrading_to_000021_keys_every_display_name_and_keeps_every_row() {
    let test_db = TestDb::migrated().await;
    let db = test_db.conn();
    down_to_before(db, PLANT_EXTERNAL_ID).await;
    let fresh_schema = schema_of(db).await;
    down_to_before(db, GRANTS).await;
    populate_before_the_catalogue(db).await;
    // One name the key folds (width, case).
    exec(
        db,
        "UPDATE tenantry_users SET display_name = 'ＡＤＡ Lovelace' WHERE username_key = 'user0'",
    )
    .await;
    Migrator::up(db, Some(3)).await.expect("up through 000020");
    let db = &reopened(&test_db).await;
    let schema_20 = schema_of(db).await;
    assert!(!format!("{schema_20:?}").contains("display_name_key"));
    let before = snapshot(&test_db, "before_21").await;

    Migrator::up(db, Some(1)).await.expect("up through 000021");
    let db = &reopened(&test_db).await;
    assert_eq!(schema_of(db).await, fresh_schema);
    let mut after = snapshot(&test_db, "after_21").await;
    let users = &mut after
        .iter_mut()
        .find(|(t, _)| t == "tenantry_users")
        .expect("users")
        .1;
    assert!(users.len() >= 10);
    for row in users.iter_mut() {
        let object = row.as_object_mut().expect("a row");
        let key = object.remove("display_name_key").expect("the new column");
        let name = object["display_name"].as_str().expect("a display name");
        assert_eq!(key, serde_json::json!(display_name_key(name)), "{name}");
    }
    assert!(format!("{users:?}").contains("ＡＤＡ Lovelace"));
    assert_eq!(after, before, "every other value as it was");
    if db.get_database_backend() == DatabaseBackend::Postgres {
        let collations = db
            .query_all_raw(Statement::from_string(
                DatabaseBackend::Postgres,
                "SELECT column_name, collation_name FROM information_schema.columns \
                 WHERE table_name = 'tenantry_users' AND column_name LIKE '%_key' ORDER BY column_name",
            ))
            .await
            .expect("collations");
        let collations: Vec<(String, String)> = collations
            .iter()
            .map(|r| {
                (
                    r.try_get_by_index(0).unwrap(),
                    r.try_get_by_index(1).unwrap(),
                )
            })
            .collect();
        let c = |column: &str| (column.to_owned(), "C".to_owned());
        assert_eq!(
            collations,
            [c("display_name_key"), c("email_key"), c("username_key")]
        );
    }

    Migrator::down(db, Some(1)).await.expect("down 000021");
    let db = &reopened(&test_db).await;
    assert_eq!(schema_of(db).await, schema_20);
    assert_eq!(snapshot(&test_db, "down_21").await, before);
}

/// `sql` with the column `key` quoted for the backend (`KEY` is a reserved word on MySQL).
fn quoted_key(db: &DatabaseConnection, sql: &str) -> String {
    match db.get_database_backend() {
        DatabaseBackend::MySql => sql
            .replace("(key,", "(`key`,")
            .replace("WHERE key", "WHERE `key`"),
        _ => sql
            .replace("(key,", "(\"key\",")
            .replace("WHERE key", "WHERE \"key\""),
    }
}

/// A role's key is its primary key: compared exactly, like the other keys (MariaDB's default
/// collation would make `admin` and `Admin` or `admin ` collide).
#[tokio::test]
async fn role_keys_are_unique_and_compared_exactly() {
    let test_db = TestDb::migrated().await;
    let db = test_db.conn();
    let role = |key: &str| tenantry_entity::roles::ActiveModel {
        key: Set(key.to_owned()),
        name: Set("A role".to_owned()),
        scope: Set(tenantry_entity::RoleScopeValue::Both),
        administers_users: Set(false),
        is_default: Set(false),
        implies: Set("[]".to_owned()),
        grants: Set("\"nothing\"".to_owned()),
        position: Set(9),
        created_at: Set(now()),
        updated_at: Set(now()),
    };
    let insert = |key: &'static str| {
        tenantry_entity::roles::Entity::insert(role(key)).exec_without_returning(db)
    };
    assert_unique_violation(insert("admin").await, "a second admin row");
    insert("Admin").await.expect("another key");
    insert("admin ").await.expect("another key");
}

/// 000023 lets `tenantry_users.username` be NULL on a populated database and changes no value;
/// a user without a username can then be stored (its login key is its email key), and `down`
/// refuses, changing nothing, while one exists, then restores the schema exactly and keeps
/// every row. On every backend (SQLite edits the stored table definition).
#[tokio::test]
async fn upgrading_to_000023_makes_usernames_optional_and_keeps_every_row() {
    let test_db = TestDb::migrated().await;
    let db = test_db.conn();
    down_to_before(db, USER_COUNTS).await;
    let fresh_schema = schema_of(db).await;
    down_to_before(db, GRANTS).await;
    populate_before_the_catalogue(db).await;
    Migrator::up(db, Some(5)).await.expect("up through 000022");
    let db = &reopened(&test_db).await;
    let schema_22 = schema_of(db).await;
    let before = snapshot(&test_db, "before_23").await;
    // Before: the database refuses a user without a username.
    let tenant: i64 = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT id FROM tenantry_tenants ORDER BY id LIMIT 1",
        ))
        .await
        .expect("tenant")
        .expect("a tenant")
        .try_get_by_index(0)
        .expect("id");
    let unnamed = |db: &DatabaseConnection| {
        let model = users::ActiveModel {
            pid: Set(uuid::Uuid::now_v7()),
            tenant_id: Set(TenantId(tenant)),
            username: Set(None),
            username_key: Set("nameless@example.com".into()),
            email: Set(Some("nameless@example.com".into())),
            email_key: Set(Some("nameless@example.com".into())),
            display_name: Set(String::new()),
            password_hash: Set(None),
            status: Set(UserStatus::Active),
            security_stamp: Set("stamp".into()),
            created_at: Set(chrono::Utc::now()),
            updated_at: Set(chrono::Utc::now()),
            ..Default::default()
        };
        let db = db.clone();
        async move {
            users::Entity::insert(model)
                .exec(&db)
                .await
                .map(|r| r.last_insert_id)
        }
    };
    assert!(unnamed(db).await.is_err(), "NOT NULL before 000023");
    assert_eq!(snapshot(&test_db, "refused_23").await, before);

    Migrator::up(db, Some(1)).await.expect("up through 000023");
    let db = &reopened(&test_db).await;
    assert_eq!(schema_of(db).await, fresh_schema);
    assert_eq!(snapshot(&test_db, "after_23").await, before);
    let id = unnamed(db).await.expect("a user without a username");
    let back = users::Entity::find_by_id(id)
        .one(db)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(back.username, None);

    let refused = Migrator::down(db, Some(1)).await;
    assert!(refused.is_err(), "down with a nameless user: {refused:?}");
    let db = &reopened(&test_db).await;
    assert_eq!(
        schema_of(db).await,
        fresh_schema,
        "the refused down changed nothing"
    );
    users::Entity::delete_by_id(id)
        .exec(db)
        .await
        .expect("delete the nameless user");
    Migrator::down(db, Some(1)).await.expect("down 000023");
    let db = &reopened(&test_db).await;
    assert_eq!(schema_of(db).await, schema_22);
    assert_eq!(snapshot(&test_db, "down_23").await, before);
}

// ---- 000026: the session store's tables ---------------------------------------------------------

const SESSIONS: &str = "m20261207_000026_create_sessions";

/// How many migrations run from `from` (included) up to `to` (excluded).
fn steps_between(from: &str, to: &str) -> u32 {
    u32::try_from(position_of(to) - position_of(from)).expect("a few steps")
}

fn session_row(
    tenant: Option<TenantId>,
    user: Option<UserId>,
    hash: &str,
) -> sessions::ActiveModel {
    let at = now();
    sessions::ActiveModel {
        pid: Set(uuid::Uuid::now_v7()),
        id_hash: Set(hash.to_owned()),
        tenant_id: Set(tenant),
        user_id: Set(user),
        data: Set("{}".to_owned()),
        security_stamp: Set(Some("stamp".to_owned())),
        created_at: Set(at),
        last_seen_at: Set(at),
        expires_at: Set(at + chrono::Duration::hours(1)),
        ip: Set(Some("2001:db8::1".to_owned())),
        user_agent: Set(Some("curl/8".to_owned())),
        revoked_at: Set(None),
        active_seconds: Set(0),
        ..Default::default()
    }
}

/// 000026 adds `sessions` and `session_usage` to a populated database and changes no row;
/// a session belongs to a user of its own tenant (composite key), its id hash is unique, and
/// it goes with its user; `down` drops both tables and nothing else. On every backend.
#[tokio::test]
async fn upgrading_to_000026_adds_the_session_tables_and_keeps_every_row() {
    let test_db = TestDb::migrated().await;
    let db = test_db.conn();
    down_to_after(db, SESSIONS).await;
    let fresh_schema = schema_of(db).await;
    down_to_before(db, GRANTS).await;
    populate_before_the_catalogue(db).await;
    Migrator::up(db, Some(steps_between(GRANTS, SESSIONS)))
        .await
        .expect("up to before 000026");
    let db = &reopened(&test_db).await;
    let schema_before = schema_of(db).await;
    assert!(!format!("{schema_before:?}").contains("tenantry_sessions"));
    let before = snapshot(&test_db, "before_26").await;

    Migrator::up(db, Some(1)).await.expect("up through 000026");
    let db = &reopened(&test_db).await;
    assert_eq!(schema_of(db).await, fresh_schema);
    assert_eq!(snapshot(&test_db, "after_26").await, before);

    let all_users = users::Entity::find().all(db).await.expect("users");
    let user = &all_users[0];
    let stranger = all_users
        .iter()
        .find(|u| u.tenant_id != user.tenant_id)
        .expect("a user of the other tenant");
    let hash = "a".repeat(64);
    let made = session_row(Some(user.tenant_id), Some(user.id), &hash)
        .insert(db)
        .await
        .expect("a session of a user");
    let read = sessions::Entity::find_by_id(made.id)
        .one(db)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(read, made);
    session_row(None, None, &"b".repeat(64))
        .insert(db)
        .await
        .expect("an anonymous session");
    assert_unique_violation(
        session_row(None, None, &hash).insert(db).await,
        "a second session with the same id hash",
    );
    assert_foreign_key_violation(
        session_row(Some(user.tenant_id), Some(stranger.id), &"c".repeat(64))
            .insert(db)
            .await,
        "a session of another tenant's user",
    );
    session_usage::ActiveModel {
        tenant_id: Set(user.tenant_id),
        user_id: Set(user.id),
        active_seconds: Set(60),
        last_session_start: Set(now()),
    }
    .insert(db)
    .await
    .expect("a user's pruned usage");
    users::Entity::delete_by_id(user.id)
        .exec(db)
        .await
        .expect("delete the user");
    assert_eq!(sessions::Entity::find().count(db).await.expect("count"), 1);
    assert_eq!(
        session_usage::Entity::find()
            .count(db)
            .await
            .expect("count"),
        0
    );
    let written = snapshot(&test_db, "written_26").await;

    Migrator::down(db, Some(1)).await.expect("down 000026");
    let db = &reopened(&test_db).await;
    assert_eq!(schema_of(db).await, schema_before);
    assert_eq!(snapshot(&test_db, "down_26").await, written);
}

// ---- 000027: second factors -------------------------------------------------------------------

const SECOND_FACTORS: &str = "m20261208_000027_create_second_factors";

fn totp_row(tenant: TenantId, user: UserId) -> authenticators::ActiveModel {
    authenticators::ActiveModel {
        tenant_id: Set(tenant),
        user_id: Set(user),
        kind: Set(authenticators::TOTP.to_owned()),
        name: Set("phone".to_owned()),
        secret: Set(Some(tenantry_entity::SealedSecret::new("k1:c2VhbGVk"))),
        last_used_step: Set(Some(59_000_000)),
        credential_id_hash: Set(None),
        passkey: Set(None),
        confirmed_at: Set(Some(now())),
        created_at: Set(now()),
        last_used_at: Set(None),
        ..Default::default()
    }
}

fn recovery_row(tenant: TenantId, user: UserId, hash: &str) -> recovery_codes::ActiveModel {
    recovery_codes::ActiveModel {
        tenant_id: Set(tenant),
        user_id: Set(user),
        code_hash: Set(hash.to_owned()),
        used_at: Set(None),
        created_at: Set(now()),
        ..Default::default()
    }
}

fn challenge_row(
    tenant: TenantId,
    user: Option<UserId>,
    hash: &str,
) -> login_challenges::ActiveModel {
    login_challenges::ActiveModel {
        tenant_id: Set(tenant),
        user_id: Set(user),
        token_hash: Set(hash.to_owned()),
        purpose: Set(login_challenges::SECOND_FACTOR.to_owned()),
        source: Set("web".to_owned()),
        ip: Set(Some("2001:db8::1".to_owned())),
        ceremony: Set(None),
        expires_at: Set(now() + chrono::Duration::minutes(5)),
        used_at: Set(None),
        created_at: Set(now()),
        ..Default::default()
    }
}

/// 000027 adds the second-factor tables and `identity_providers.satisfies_second_factor` (false
/// for existing providers) to a populated database and changes no other row; each row belongs
/// to a user of its own tenant and goes with the user; hashes are unique; `down` drops the
/// tables and the column and nothing else. On every backend.
#[tokio::test]
async fn upgrading_to_000027_adds_the_second_factor_tables_and_keeps_every_row() {
    let test_db = TestDb::migrated().await;
    let db = test_db.conn();
    down_to_after(db, SECOND_FACTORS).await;
    let fresh_schema = schema_of(db).await;
    down_to_before(db, GRANTS).await;
    populate_before_the_catalogue(db).await;
    Migrator::up(db, Some(steps_between(GRANTS, SECOND_FACTORS)))
        .await
        .expect("up to before 000027");
    let db = &reopened(&test_db).await;
    exec(
        db,
        "INSERT INTO tenantry_identity_providers (tenant_id, provider, provisions_users, \
         accepts_invitations, email_domains, created_at, updated_at) \
         SELECT id, 'entra', TRUE, FALSE, '', created_at, created_at FROM tenantry_tenants",
    )
    .await;
    let schema_before = schema_of(db).await;
    assert!(!format!("{schema_before:?}").contains("tenantry_authenticators"));
    let before = snapshot(&test_db, "before_27").await;

    Migrator::up(db, Some(1)).await.expect("up through 000027");
    let db = &reopened(&test_db).await;
    assert_eq!(schema_of(db).await, fresh_schema);
    assert_eq!(snapshot(&test_db, "after_27").await, before);
    let provider = identity_providers::Entity::find()
        .one(db)
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(provider.provider, "entra");
    assert!(provider.provisions_users && !provider.satisfies_second_factor);

    let all_users = users::Entity::find().all(db).await.expect("users");
    let user = &all_users[0];
    let stranger = all_users
        .iter()
        .find(|u| u.tenant_id != user.tenant_id)
        .expect("a user of the other tenant");
    let made = totp_row(user.tenant_id, user.id)
        .insert(db)
        .await
        .expect("a TOTP authenticator");
    let read = authenticators::Entity::find_by_id(made.id)
        .one(db)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(read, made);
    assert!(
        !format!("{read:?}").contains("c2VhbGVk"),
        "the sealed secret is redacted"
    );
    assert_foreign_key_violation(
        totp_row(user.tenant_id, stranger.id).insert(db).await,
        "an authenticator of another tenant's user",
    );
    let hash = "a".repeat(64);
    recovery_row(user.tenant_id, user.id, &hash)
        .insert(db)
        .await
        .expect("a recovery code");
    assert_unique_violation(
        recovery_row(user.tenant_id, user.id, &hash)
            .insert(db)
            .await,
        "a second recovery code with the same hash",
    );
    assert_foreign_key_violation(
        recovery_row(user.tenant_id, stranger.id, &"b".repeat(64))
            .insert(db)
            .await,
        "a recovery code of another tenant's user",
    );
    challenge_row(user.tenant_id, Some(user.id), &hash)
        .insert(db)
        .await
        .expect("a challenge");
    challenge_row(user.tenant_id, None, &"c".repeat(64))
        .insert(db)
        .await
        .expect("a challenge without a user (a passkey sign-in)");
    assert_unique_violation(
        challenge_row(user.tenant_id, None, &hash).insert(db).await,
        "a second challenge with the same token hash",
    );
    assert_foreign_key_violation(
        challenge_row(user.tenant_id, Some(stranger.id), &"d".repeat(64))
            .insert(db)
            .await,
        "a challenge of another tenant's user",
    );
    second_factor_policies::ActiveModel {
        tenant_id: Set(user.tenant_id),
        required: Set("everyone".to_owned()),
        roles: Set(String::new()),
        updated_at: Set(now()),
    }
    .insert(db)
    .await
    .expect("a tenant's policy");
    users::Entity::delete_by_id(user.id)
        .exec(db)
        .await
        .expect("delete the user");
    assert_eq!(
        authenticators::Entity::find()
            .count(db)
            .await
            .expect("count"),
        0
    );
    assert_eq!(
        recovery_codes::Entity::find()
            .count(db)
            .await
            .expect("count"),
        0
    );
    assert_eq!(
        login_challenges::Entity::find()
            .count(db)
            .await
            .expect("count"),
        1
    );
    let written = snapshot(&test_db, "written_27").await;

    Migrator::down(db, Some(1)).await.expect("down 000027");
    let db = &reopened(&test_db).await;
    assert_eq!(schema_of(db).await, schema_before);
    assert_eq!(snapshot(&test_db, "down_27").await, written);
    let providers = "SELECT COUNT(*) FROM tenantry_identity_providers";
    assert!(
        db.execute_unprepared(providers).await.is_ok(),
        "the providers' table stays"
    );
}

// ---- 000028: SCIM bearer tokens ----------------------------------------------------------------

const SCIM_TOKENS: &str = "m20261208_000028_create_scim_tokens";

fn scim_token_row(tenant: TenantId, hash: &str) -> scim_tokens::ActiveModel {
    scim_tokens::ActiveModel {
        pid: Set(uuid::Uuid::now_v7()),
        tenant_id: Set(tenant),
        name: Set("entra".to_owned()),
        token_hash: Set(hash.to_owned()),
        created_at: Set(now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
}

/// 000028 adds `scim_tokens` to a populated database and changes no row; a token's hash is
/// unique, it needs its tenant and goes with it; `down` drops the table and nothing else. On
/// every backend.
#[tokio::test]
async fn upgrading_to_000028_adds_the_scim_token_table_and_keeps_every_row() {
    let test_db = TestDb::migrated().await;
    let db = test_db.conn();
    down_to_after(db, SCIM_TOKENS).await;
    let fresh_schema = schema_of(db).await;
    down_to_before(db, GRANTS).await;
    populate_before_the_catalogue(db).await;
    Migrator::up(db, Some(steps_between(GRANTS, SCIM_TOKENS)))
        .await
        .expect("up to before 000028");
    let db = &reopened(&test_db).await;
    let schema_before = schema_of(db).await;
    assert!(!format!("{schema_before:?}").contains("tenantry_scim_tokens"));
    let before = snapshot(&test_db, "before_28").await;

    Migrator::up(db, Some(1)).await.expect("up through 000028");
    let db = &reopened(&test_db).await;
    assert_eq!(schema_of(db).await, fresh_schema);
    assert_eq!(snapshot(&test_db, "after_28").await, before);

    let tenant = tenants::Entity::find()
        .one(db)
        .await
        .expect("tenants")
        .expect("a tenant");
    let hash = "a".repeat(64);
    let made = scim_token_row(tenant.id, &hash)
        .insert(db)
        .await
        .expect("a token");
    let read = scim_tokens::Entity::find_by_id(made.id)
        .one(db)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(read, made);
    assert_unique_violation(
        scim_token_row(tenant.id, &hash).insert(db).await,
        "a second token with the same hash",
    );
    assert_foreign_key_violation(
        scim_token_row(TenantId(i64::MAX), &"b".repeat(64))
            .insert(db)
            .await,
        "a token of no tenant",
    );
    let written = snapshot(&test_db, "written_28").await;

    Migrator::down(db, Some(1)).await.expect("down 000028");
    let db = &reopened(&test_db).await;
    assert_eq!(schema_of(db).await, schema_before);
    assert_eq!(snapshot(&test_db, "down_28").await, written);

    Migrator::up(db, Some(1)).await.expect("up again");
    tenants::Entity::delete_by_id(tenant.id)
        .exec(db)
        .await
        .expect("delete the tenant");
    assert_eq!(
        scim_tokens::Entity::find().count(db).await.expect("count"),
        0
    );
}

// ---- 000029: directory groups ---------------------------------------------------------------

const GROUPS: &str = "m20261209_000029_create_groups";

fn group_row(tenant: TenantId, name: &str) -> groups::ActiveModel {
    groups::ActiveModel {
        pid: Set(uuid::Uuid::now_v7()),
        tenant_id: Set(tenant),
        display_name: Set(name.to_owned()),
        name_key: Set(name.to_lowercase()),
        external_id: Set(None),
        created_at: Set(now()),
        updated_at: Set(now()),
        ..Default::default()
    }
}

fn member_row(tenant: TenantId, group: i64, user: UserId) -> group_members::ActiveModel {
    group_members::ActiveModel {
        tenant_id: Set(tenant),
        group_id: Set(group),
        user_id: Set(user),
        created_at: Set(now()),
        ..Default::default()
    }
}

/// 000029 adds `groups` and `group_members` to a populated database and changes no row; a
/// name is unique per tenant, a membership cannot cross tenants and goes with its group or its
/// user; `down` drops both tables and nothing else. On every backend.
#[tokio::test]
async fn upgrading_to_000029_adds_the_group_tables_and_keeps_every_row() {
    let test_db = TestDb::migrated().await;
    let db = test_db.conn();
    down_to_after(db, GROUPS).await;
    let fresh_schema = schema_of(db).await;
    down_to_before(db, GRANTS).await;
    populate_before_the_catalogue(db).await;
    Migrator::up(db, Some(steps_between(GRANTS, GROUPS)))
        .await
        .expect("up to before 000029");
    let db = &reopened(&test_db).await;
    let schema_before = schema_of(db).await;
    assert!(!format!("{schema_before:?}").contains("tenantry_groups"));
    let before = snapshot(&test_db, "before_29").await;

    Migrator::up(db, Some(1)).await.expect("up through 000029");
    let db = &reopened(&test_db).await;
    assert_eq!(schema_of(db).await, fresh_schema);
    assert_eq!(snapshot(&test_db, "after_29").await, before);

    let tenant = tenants::Entity::find()
        .one(db)
        .await
        .expect("tenants")
        .expect("a tenant");
    let user = users::Entity::find()
        .one(db)
        .await
        .expect("users")
        .expect("a user");
    assert_eq!(user.tenant_id, tenant.id);
    let other = insert_tenant(db, "other-tenant").await;
    let group = group_row(tenant.id, "Night Shift")
        .insert(db)
        .await
        .expect("a group");
    member_row(tenant.id, group.id, user.id)
        .insert(db)
        .await
        .expect("a member");
    assert_unique_violation(
        group_row(tenant.id, "Night Shift").insert(db).await,
        "a second group of one name",
    );
    assert_unique_violation(
        member_row(tenant.id, group.id, user.id).insert(db).await,
        "a user in a group twice",
    );
    let theirs = group_row(other, "Night Shift")
        .insert(db)
        .await
        .expect("the same name in another tenant");
    assert_foreign_key_violation(
        member_row(other, theirs.id, user.id).insert(db).await,
        "another tenant's group with this tenant's user",
    );
    assert_foreign_key_violation(
        member_row(tenant.id, theirs.id, user.id).insert(db).await,
        "this tenant's user in another tenant's group",
    );
    let written = snapshot(&test_db, "written_29").await;

    Migrator::down(db, Some(1)).await.expect("down 000029");
    let db = &reopened(&test_db).await;
    assert_eq!(schema_of(db).await, schema_before);
    assert_eq!(snapshot(&test_db, "down_29").await, written);

    Migrator::up(db, Some(1)).await.expect("up again");
    let group = group_row(tenant.id, "Day Shift")
        .insert(db)
        .await
        .expect("a group");
    member_row(tenant.id, group.id, user.id)
        .insert(db)
        .await
        .expect("a member");
    users::Entity::delete_by_id(user.id)
        .exec(db)
        .await
        .expect("delete the user");
    assert_eq!(
        group_members::Entity::find()
            .count(db)
            .await
            .expect("count"),
        0
    );
    tenants::Entity::delete_by_id(tenant.id)
        .exec(db)
        .await
        .expect("delete the tenant");
    // `down` took the other tenant's group; this tenant's went with the tenant.
    assert_eq!(groups::Entity::find().count(db).await.expect("count"), 0);
}
