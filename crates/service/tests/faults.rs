#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Fault injection: a connection lost in the middle of a transaction leaves no partial state (a
//! user without its audit event, a half-replaced role set), and the next call on the same
//! repository succeeds.
//!
//! - PostgreSQL and MariaDB: a second session holds a row lock the repository's transaction
//!   needs after its first writes; once the repository's session waits on it, that session is
//!   killed (`pg_terminate_backend` / `KILL`).
//! - Every backend: calls are cancelled at random points; each runs on to its end in its own
//!   task (tests/cancellation.rs has the storm of 1 000).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tenantry_service::entity::{audit_events, users};
use tenantry_service::migration::sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, EntityTrait, PaginatorTrait, Statement,
    TransactionTrait,
};
use tenantry_service::prelude::*;
use tenantry_service::{
    Config, Error, HostRole, NewPlant, NewTenant, NewUser, PlantId, PlantRole,
    SeaOrmUserRepository, TenantId, UserId, UserRole,
};
use tenantry_testkit::TestDb;

struct Fixture {
    db: TestDb,
    repo: SeaOrmUserRepository,
    tenant: TenantId,
    admin: UserId,
    plants: Vec<PlantId>,
}

async fn fixture() -> Fixture {
    let db = TestDb::migrated().await;
    // The repository gets a pool of its own, so killing its sessions leaves the test's alone.
    let pool = tenantry_service::connect(db.url()).await.unwrap();
    let repo = SeaOrmUserRepository::new(pool, Config::insecure_fast_for_tests()).unwrap();
    let tenant = repo
        .create_tenant(
            NewTenant {
                slug: "faults".into(),
                name: "Faults".into(),
            },
            None,
        )
        .await
        .unwrap()
        .id;
    let admin = repo
        .create_user(tenant, new_user("admin"), None)
        .await
        .unwrap()
        .id;
    let mut plants = Vec::new();
    for code in ["P-1", "P-2", "P-3"] {
        let plant = repo
            .create_plant(
                tenant,
                NewPlant {
                    code: code.into(),
                    name: code.into(),
                },
                None,
            )
            .await
            .unwrap();
        plants.push(plant.id);
    }
    Fixture {
        db,
        repo,
        tenant,
        admin,
        plants,
    }
}

fn new_user(name: &str) -> NewUser {
    NewUser {
        username: name.into(),
        display_name: "Fault".into(),
        ..Default::default()
    }
}

async fn roles_of(repo: &SeaOrmUserRepository, tenant: TenantId, user: UserId) -> Vec<PlantRole> {
    let view = repo.get_user(tenant, user).await.unwrap().unwrap();
    view.plant_roles
        .iter()
        .map(|r| PlantRole {
            plant_id: r.plant_id,
            role: r.role.clone(),
        })
        .collect()
}

fn sorted(mut roles: Vec<PlantRole>) -> Vec<(PlantId, UserRole)> {
    roles.sort_by_key(|r| r.plant_id);
    roles
        .iter()
        .map(|r| (r.plant_id, UserRole::from_key(&r.role).expect("a UserRole")))
        .collect()
}

/// Every user of the tenant has its creation audit event, and no event names a missing user.
async fn users_match_audit(conn: &DatabaseConnection) {
    let users: Vec<UserId> = users::Entity::find()
        .all(conn)
        .await
        .unwrap()
        .iter()
        .map(|u| u.id)
        .collect();
    let events = audit_events::Entity::find().all(conn).await.unwrap();
    let created: BTreeMap<Option<UserId>, usize> = events
        .iter()
        .filter(|e| e.action == tenantry_service::AuditAction::UserCreated)
        .fold(BTreeMap::new(), |mut m, e| {
            *m.entry(e.target_user_id).or_default() += 1;
            m
        });
    for user in &users {
        assert_eq!(
            created.get(&Some(*user)),
            Some(&1),
            "user {user:?} without exactly one creation event"
        );
    }
    assert_eq!(
        created.values().sum::<usize>(),
        users.len(),
        "creation events without their user"
    );
}

/// The session id of `txn`'s connection.
async fn session_id(txn: &impl ConnectionTrait) -> i64 {
    let backend = txn.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Postgres => "SELECT pg_backend_pid()::bigint AS id",
        _ => "SELECT CAST(CONNECTION_ID() AS SIGNED) AS id",
    };
    let row = txn
        .query_one_raw(Statement::from_string(backend, sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get("", "id").unwrap()
}

/// Ends the repository's session that waits on a lock, as soon as it waits; never the lock
/// holder's session `holder`. On MySQL, where the process list does not say what a session
/// waits for, only a session running an insert into `table` (the statement that waits): a
/// pooled connection being set up also shows as `Query`, and killing it instead left the real
/// call waiting out `innodb_lock_wait_timeout` (50 s).
async fn kill_waiting_session(
    conn: &DatabaseConnection,
    done: &AtomicBool,
    holder: i64,
    table: &str,
) {
    let backend = conn.get_database_backend();
    let find = match backend {
        DatabaseBackend::Postgres => format!(
            "SELECT pid::bigint AS id FROM pg_stat_activity WHERE datname = current_database() \
             AND wait_event_type = 'Lock' AND pid <> pg_backend_pid() AND pid <> {holder}"
        ),
        _ => format!(
            "SELECT CAST(id AS SIGNED) AS id, command, state, info \
             FROM information_schema.processlist WHERE db = DATABASE() \
             AND command IN ('Query', 'Execute') AND id <> CONNECTION_ID() AND id <> {holder} \
             AND info LIKE 'INSERT INTO `{table}`%'"
        ),
    };
    for _ in 0..400 {
        if done.load(Ordering::SeqCst) {
            // The call's result tells the caller why it did not wait.
            return;
        }
        let rows = conn
            .query_all_raw(Statement::from_string(backend, find.clone()))
            .await
            .unwrap();
        if let Some(row) = rows.first() {
            let id: i64 = row.try_get("", "id").unwrap();
            // Shown when the test fails.
            eprintln!("killing session {id} (holder {holder}): {row:?}");
            let kill = match backend {
                DatabaseBackend::Postgres => format!("SELECT pg_terminate_backend({id})"),
                _ => format!("KILL {id}"),
            };
            conn.execute_unprepared(&kill).await.unwrap();
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    if backend == DatabaseBackend::MySql {
        let all = "SELECT id, command, state, info FROM information_schema.processlist";
        for row in conn
            .query_all_raw(Statement::from_string(backend, all))
            .await
            .unwrap()
        {
            eprintln!("{row:?}");
        }
    }
    panic!("the repository's session never waited on the lock");
}

/// Locks a row of `table` for the rest of `txn`. On MariaDB through the `(id, tenant_id)` index
/// as well: InnoDB checks the roles' composite foreign key on that index, and a lock taken
/// through the primary key alone does not hold it.
async fn lock_row(txn: &impl ConnectionTrait, table: &str, id: i64) {
    let backend = txn.get_database_backend();
    let index = if backend == DatabaseBackend::MySql {
        let short = table.trim_start_matches("tenantry_");
        format!("FORCE INDEX (tenantry_ux_{short}_id_tenant)")
    } else {
        String::new()
    };
    let sql =
        format!("SELECT id FROM {table} {index} WHERE id = {id} AND tenant_id > 0 FOR UPDATE");
    txn.query_all_raw(Statement::from_string(backend, sql))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_session_mid_transaction_leaves_no_partial_state() {
    let f = fixture().await;
    if f.db.backend() == DatabaseBackend::Sqlite {
        println!("SQLite has no sessions to kill; see calls_cancelled_mid_transaction");
        return;
    }
    let conn = f.db.conn();
    let tenant = f.tenant;

    // 1. Replacing a role set: the old roles are deleted, then the insert of a role at a plant
    //    another session has locked waits (its foreign-key check) and the session is killed.
    let user = f
        .repo
        .create_user(tenant, new_user("worker"), None)
        .await
        .unwrap()
        .id;
    let before = vec![
        PlantRole {
            plant_id: f.plants[0],
            role: UserRole::Operator.into(),
        },
        PlantRole {
            plant_id: f.plants[1],
            role: UserRole::Engineer.into(),
        },
    ];
    f.repo
        .set_plant_roles(tenant, user, &before, None)
        .await
        .unwrap();
    let holder = conn.begin().await.unwrap();
    lock_row(&holder, "tenantry_plants", f.plants[2].0).await;
    let holder_id = session_id(&holder).await;
    let after = [PlantRole {
        plant_id: f.plants[2],
        role: UserRole::Admin.into(),
    }];
    let done = AtomicBool::new(false);
    let (result, ()) = tokio::join!(
        async {
            let r = f.repo.set_plant_roles(tenant, user, &after, None).await;
            done.store(true, Ordering::SeqCst);
            r
        },
        kill_waiting_session(conn, &done, holder_id, "tenantry_user_plant_roles")
    );
    holder.rollback().await.unwrap();
    assert!(matches!(result, Err(Error::Database(_))), "{result:?}");
    assert_eq!(
        sorted(roles_of(&f.repo, tenant, user).await),
        sorted(before.clone())
    );
    // The pool recovers: the next call on the same repository succeeds.
    f.repo
        .set_plant_roles(tenant, user, &after, None)
        .await
        .unwrap();
    assert_eq!(
        sorted(roles_of(&f.repo, tenant, user).await),
        sorted(after.to_vec())
    );

    // 2. Creating a user: the user row is inserted, then its audit event waits on the actor's
    //    row (foreign key) and the session is killed.
    let events_before = audit_events::Entity::find().count(conn).await.unwrap();
    let holder = conn.begin().await.unwrap();
    lock_row(&holder, "tenantry_users", f.admin.0).await;
    let holder_id = session_id(&holder).await;
    let done = AtomicBool::new(false);
    let (result, ()) = tokio::join!(
        async {
            let r = f
                .repo
                .create_user(tenant, new_user("half-made"), Some(f.admin))
                .await;
            done.store(true, Ordering::SeqCst);
            r
        },
        kill_waiting_session(conn, &done, holder_id, "tenantry_audit_events")
    );
    holder.rollback().await.unwrap();
    assert!(matches!(result, Err(Error::Database(_))), "{result:?}");
    assert!(
        f.repo
            .get_user_by_username(tenant, "half-made")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        audit_events::Entity::find().count(conn).await.unwrap(),
        events_before
    );
    users_match_audit(conn).await;
    f.repo
        .create_user(tenant, new_user("half-made"), Some(f.admin))
        .await
        .unwrap();
    users_match_audit(conn).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_cancelled_mid_transaction_leave_no_partial_state() {
    let f = fixture().await;
    let tenant = f.tenant;
    let user = f
        .repo
        .create_user(tenant, new_user("worker"), None)
        .await
        .unwrap()
        .id;
    let sets = [
        vec![
            PlantRole {
                plant_id: f.plants[0],
                role: UserRole::Operator.into(),
            },
            PlantRole {
                plant_id: f.plants[1],
                role: UserRole::Supervisor.into(),
            },
        ],
        vec![
            PlantRole {
                plant_id: f.plants[1],
                role: UserRole::Admin.into(),
            },
            PlantRole {
                plant_id: f.plants[2],
                role: UserRole::Engineer.into(),
            },
        ],
    ];
    let allowed: Vec<_> = sets.iter().cloned().map(sorted).collect();
    f.repo
        .set_plant_roles(tenant, user, &sets[0], None)
        .await
        .unwrap();
    let mut cancelled = 0;
    for i in 0..60u64 {
        // Cancel after 0–20 ms: somewhere between the first statement and the commit.
        let delay = Duration::from_micros((i * 337) % 20_000);
        let roles = &sets[usize::try_from(i % 2).unwrap()];
        if tokio::time::timeout(delay, f.repo.set_plant_roles(tenant, user, roles, None))
            .await
            .is_err()
        {
            cancelled += 1;
        }
        let name = format!("user-{i}");
        if tokio::time::timeout(delay, f.repo.create_user(tenant, new_user(&name), None))
            .await
            .is_err()
        {
            cancelled += 1;
        }
        // Read on the same repository: a cancelled call never costs its pool a connection.
        let now = sorted(roles_of(&f.repo, tenant, user).await);
        assert!(allowed.contains(&now), "half-replaced role set {now:?}");
    }
    // A cancelled call runs on to its end in its own task: every create lands, with its audit
    // event, shortly after the last caller gave up.
    let expected = 2 + 60;
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while users::Entity::find().count(f.db.conn()).await.unwrap() < expected {
        assert!(
            std::time::Instant::now() < deadline,
            "cancelled creates did not finish"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    users_match_audit(f.db.conn()).await;
    // The pool recovers: the next calls on the same repository succeed.
    f.repo
        .set_plant_roles(tenant, user, &sets[1], None)
        .await
        .unwrap();
    f.repo
        .create_user(tenant, new_user("after"), None)
        .await
        .unwrap();
    println!("cancelled {cancelled} of 120 calls mid-way");
    assert!(cancelled > 0, "no call was cancelled");
}
