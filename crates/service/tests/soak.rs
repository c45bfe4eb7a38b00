#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Concurrency soak, on the backend `DATABASE_URL` names (else a SQLite file). Slow, so it runs
//! only with `TENANTRY_SOAK=1` (`.ci/run` sets it once per backend); otherwise every test
//! returns at once with a note.
//!
//! - 1 000 concurrent creations of one username: one row, 999 `UsernameTaken`;
//! - 1 000 concurrent distinct creations: 1 000 rows, no error;
//! - 200 concurrent redemptions of one token: one success, 199 `InvalidToken`;
//! - 2 writers × 500 `set_plant_roles`: every read and the end state are one writer's exact set;
//! - 100 concurrent failed logins: the failure counter is exactly 100.
//!
//! No deadlock or serialization failure may reach the caller.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;
use tenantry_service::entity::users;
use tenantry_service::migration::sea_orm::{EntityTrait, PaginatorTrait};
use tenantry_service::prelude::*;
use tenantry_service::{
    Config, Error, HostRole, LoginContext, LoginSource, NewPlant, NewTenant, NewUser, Password,
    PlantId, PlantRole, SeaOrmUserRepository, TenantId, UserRole,
};
use tenantry_testkit::TestDb;

fn enabled(test: &str) -> bool {
    let on = std::env::var("TENANTRY_SOAK").is_ok_and(|v| v == "1");
    if !on {
        println!("soak test {test} skipped: set TENANTRY_SOAK=1 to run it");
    }
    on
}

async fn setup(config: Config) -> (TestDb, Arc<SeaOrmUserRepository>, TenantId) {
    let db = TestDb::migrated().await;
    let repo = Arc::new(SeaOrmUserRepository::new(db.conn().clone(), config).unwrap());
    let tenant = repo
        .create_tenant(
            NewTenant {
                slug: "soak".into(),
                name: "Soak".into(),
            },
            None,
        )
        .await
        .unwrap();
    (db, repo, tenant.id)
}

fn new_user(username: &str) -> NewUser {
    NewUser {
        username: username.into(),
        display_name: "Soak".into(),
        ..Default::default()
    }
}

const PASSWORD: &str = "violet kettle under a marble bridge";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_username_created_1000_times_concurrently() {
    if !enabled("one_username_created_1000_times_concurrently") {
        return;
    }
    let (db, repo, tenant) = setup(Config::insecure_fast_for_tests()).await;
    let started = Instant::now();
    let tasks: Vec<_> = (0..1000)
        .map(|i| {
            let repo = Arc::clone(&repo);
            // Case variants of one name: they all share one key.
            let name = if i % 2 == 0 { "Contended" } else { "CONTENDED" };
            tokio::spawn(async move { repo.create_user(tenant, new_user(name), None).await })
        })
        .collect();
    let (mut ok, mut taken) = (0, 0);
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => ok += 1,
            Err(Error::UsernameTaken) => taken += 1,
            Err(e) => panic!("unexpected error: {e:?}"),
        }
    }
    let rows = users::Entity::find().count(db.conn()).await.unwrap();
    println!(
        "1000 same-name creations: {ok} ok, {taken} UsernameTaken, {rows} rows, {:?}",
        started.elapsed()
    );
    assert_eq!((ok, taken, rows), (1, 999, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn distinct_usernames_created_1000_times_concurrently() {
    if !enabled("distinct_usernames_created_1000_times_concurrently") {
        return;
    }
    let (db, repo, tenant) = setup(Config::insecure_fast_for_tests()).await;
    let started = Instant::now();
    let tasks: Vec<_> = (0..1000)
        .map(|i| {
            let repo = Arc::clone(&repo);
            tokio::spawn(async move {
                repo.create_user(tenant, new_user(&format!("user-{i}")), None)
                    .await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let rows = users::Entity::find().count(db.conn()).await.unwrap();
    println!(
        "1000 distinct creations: {rows} rows, {:?}",
        started.elapsed()
    );
    assert_eq!(rows, 1000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_token_redeemed_200_times_concurrently() {
    if !enabled("one_token_redeemed_200_times_concurrently") {
        return;
    }
    let (db, repo, tenant) = setup(Config::insecure_fast_for_tests()).await;
    let user = repo
        .create_user(tenant, new_user("redeemer"), None)
        .await
        .unwrap();
    let issued = repo
        .issue_password_reset(tenant, user.id, None, None)
        .await
        .unwrap();
    let token = issued.token.expose().to_owned();
    let started = Instant::now();
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let repo = Arc::clone(&repo);
            let token = token.clone();
            tokio::spawn(async move {
                let password = Password::new(format!("{PASSWORD} #{i}"));
                repo.redeem_password_reset(Some(tenant), &token, &password)
                    .await
            })
        })
        .collect();
    let (mut ok, mut invalid) = (0, 0);
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => ok += 1,
            Err(Error::InvalidToken) => invalid += 1,
            Err(e) => panic!("unexpected error: {e:?}"),
        }
    }
    println!(
        "200 redemptions of one token: {ok} ok, {invalid} InvalidToken, {:?}",
        started.elapsed()
    );
    assert_eq!((ok, invalid), (1, 199));
    drop(db);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_writers_replace_roles_500_times() {
    if !enabled("two_writers_replace_roles_500_times") {
        return;
    }
    let (db, repo, tenant) = setup(Config::insecure_fast_for_tests()).await;
    let mut plants = Vec::new();
    for code in ["P-1", "P-2", "P-3", "P-4"] {
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
    let user = repo
        .create_user(tenant, new_user("contested"), None)
        .await
        .unwrap();
    let set = |pairs: &[(PlantId, UserRole)]| -> Vec<PlantRole> {
        pairs
            .iter()
            .map(|&(plant_id, role)| PlantRole::new(plant_id, role))
            .collect()
    };
    // Overlapping sets, so a mix of the two would be visible.
    let a = set(&[
        (plants[0], UserRole::Operator),
        (plants[1], UserRole::Supervisor),
        (plants[2], UserRole::Engineer),
    ]);
    let b = set(&[
        (plants[1], UserRole::Admin),
        (plants[3], UserRole::Operator),
    ]);
    let as_map = |roles: &[PlantRole]| -> BTreeMap<PlantId, UserRole> {
        roles
            .iter()
            .map(|r| (r.plant_id, UserRole::from_key(&r.role).expect("a UserRole")))
            .collect()
    };
    let (map_a, map_b) = (as_map(&a), as_map(&b));
    let started = Instant::now();
    let writers: Vec<_> = [a, b]
        .into_iter()
        .map(|roles| {
            let repo = Arc::clone(&repo);
            let (map_a, map_b) = (map_a.clone(), map_b.clone());
            tokio::spawn(async move {
                for _ in 0..500 {
                    let view = repo
                        .set_plant_roles(tenant, user.id, &roles, None)
                        .await
                        .unwrap();
                    let seen: BTreeMap<_, _> = view
                        .plant_roles
                        .iter()
                        .map(|r| (r.plant_id, UserRole::from_key(&r.role).expect("a UserRole")))
                        .collect();
                    assert!(seen == map_a || seen == map_b, "mixed set {seen:?}");
                }
            })
        })
        .collect();
    let reader = {
        let repo = Arc::clone(&repo);
        let (map_a, map_b) = (map_a.clone(), map_b.clone());
        tokio::spawn(async move {
            let mut reads = 0;
            for _ in 0..200 {
                let view = repo.get_user(tenant, user.id).await.unwrap().unwrap();
                let seen: BTreeMap<_, _> = view
                    .plant_roles
                    .iter()
                    .map(|r| (r.plant_id, UserRole::from_key(&r.role).expect("a UserRole")))
                    .collect();
                // Empty only before the first write commits.
                assert!(
                    seen.is_empty() || seen == map_a || seen == map_b,
                    "reader saw a mixed set {seen:?}"
                );
                reads += 1;
            }
            reads
        })
    };
    for writer in writers {
        writer.await.unwrap();
    }
    let reads = reader.await.unwrap();
    let end = repo.get_user(tenant, user.id).await.unwrap().unwrap();
    let end: BTreeMap<_, _> = end
        .plant_roles
        .iter()
        .map(|r| (r.plant_id, UserRole::from_key(&r.role).expect("a UserRole")))
        .collect();
    println!(
        "2 writers x 500 set_plant_roles, {reads} concurrent reads: {:?}",
        started.elapsed()
    );
    assert!(end == map_a || end == map_b, "end state is a mix: {end:?}");
    drop(db);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_counted_exactly_100_times() {
    if !enabled("failed_logins_counted_exactly_100_times") {
        return;
    }
    let mut config = Config::insecure_fast_for_tests();
    // Counting is the point here, not locking: a locked account stops counting.
    config.lockout.max_failed_attempts = 1_000;
    let (db, repo, tenant) = setup(config).await;
    let user = repo
        .create_user(
            tenant,
            NewUser {
                password: Some(Password::new(PASSWORD)),
                ..new_user("target")
            },
            None,
        )
        .await
        .unwrap();
    let started = Instant::now();
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let repo = Arc::clone(&repo);
            tokio::spawn(async move {
                repo.authenticate(
                    tenant,
                    "target",
                    &Password::new("not the password at all"),
                    LoginContext::from(LoginSource::web()),
                )
                .await
            })
        })
        .collect();
    for task in tasks {
        assert!(matches!(
            task.await.unwrap(),
            Err(Error::InvalidCredentials)
        ));
    }
    let row = users::Entity::find_by_id(user.id)
        .one(db.conn())
        .await
        .unwrap()
        .unwrap();
    println!(
        "100 concurrent failed logins: counter {}, {:?}",
        row.failed_login_count,
        started.elapsed()
    );
    assert_eq!(row.failed_login_count, 100);
}
