//! tenantry beside the peer a user would pick instead: Django's `contrib.auth` on SQLite with
//! argon2-cffi. This is tenantry's half; `benches/django/peer.py` is Django's, and
//! `benches/django/compare.sh` runs both on the same machine in one go and prints the ratios.
//!
//! The same data shape on both sides: 10 000 users in one tenant, each with one role at one of
//! 4 plants (Django: one of 4 groups), every tenth one inactive; a SQLite file; argon2id at the
//! OWASP parameters (19 MiB, 2 iterations, 1 lane). Each operation's time is the median of many
//! calls, measured the same way as the Python side (a monotonic clock around each call):
//! - `get_by_id`: a user by id with its roles (Django: `prefetch_related("groups")`);
//! - `get_by_username`: the same by username;
//! - `page`: a page of 50 active users by username with their roles and the total, at offsets
//!   0, 50, …, 4 950 (Django: `Paginator`-style count + slice with the groups prefetched);
//! - `count_active`: the number of active users;
//! - `hash`, `create` (a user with a password), `authenticate` (the right password).
//!
//! `cargo bench -p tenantry-benches --bench peer` prints one JSON object; `PEER_ROUNDS` scales
//! the number of calls (default 1).

// A bench cannot run without its fixture: failing loudly is the right response.
#![allow(clippy::expect_used)]

use std::time::Instant;
use tenantry_service::prelude::*;
use tenantry_service::{
    Config, LoginContext, LoginSource, NewPlant, NewTenant, NewUser, PageRequest, Password,
    PlantRole, SeaOrmUserRepository, TenantId, UserFilter, UserId, UserOrder, UserQuery, UserRole,
};

const USERS: usize = 10_000;
const PLANTS: usize = 4;
const PASSWORD: &str = "vivid ocelot tangles quietly";

fn median_ms(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2] * 1e3
}

async fn time<F, Fut, T>(calls: usize, mut call: F) -> f64
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut samples = Vec::with_capacity(calls);
    for i in 0..calls {
        let started = Instant::now();
        std::hint::black_box(call(i).await);
        samples.push(started.elapsed().as_secs_f64());
    }
    median_ms(samples)
}

fn main() {
    if let Some(filter) = std::env::args().skip(1).find(|a| !a.starts_with('-'))
        && !"peer".contains(filter.as_str())
    {
        return;
    }
    let rounds: usize = std::env::var("PEER_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(Box::pin(run(rounds)));
}

async fn run(rounds: usize) {
    // Always a SQLite file, whatever DATABASE_URL says: the peer runs on SQLite.
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("peer.db").display());
    let db = tenantry_service::connect(&url).await.expect("connect");
    tenantry_service::migrate(&db).await.expect("migrate");
    let repo = SeaOrmUserRepository::new(db, Config::default()).expect("repository");
    let tenant = repo
        .create_tenant(
            NewTenant {
                slug: "peer".into(),
                name: "Peer".into(),
            },
            None,
        )
        .await
        .expect("tenant")
        .id;
    let mut plants = Vec::new();
    for p in 0..PLANTS {
        let plant = repo
            .create_plant(
                tenant,
                NewPlant {
                    code: format!("P{p}"),
                    name: format!("Plant {p}"),
                },
                None,
            )
            .await
            .expect("plant");
        plants.push(plant.id);
    }
    let ids = seed(&repo, tenant, &plants).await;

    let mut results = serde_json::Map::new();
    let mut put = |name: &str, ms: f64| {
        results.insert(name.into(), serde_json::json!(ms));
    };
    let n = |calls: usize| calls * rounds;

    put(
        "get_by_id",
        time(n(2_000), |i| repo.get_user(tenant, ids[(i * 7919) % USERS])).await,
    );
    put(
        "get_by_username",
        time(n(2_000), |i| {
            let name = format!("user{:05}", (i * 7919) % USERS);
            let repo = &repo;
            async move { repo.get_user_by_username(tenant, &name).await }
        })
        .await,
    );
    put(
        "page",
        time(n(300), |i| {
            let query = UserQuery {
                filter: UserFilter {
                    active_only: true,
                    ..UserFilter::default()
                },
                order: UserOrder::UsernameAsc,
                page: PageRequest {
                    offset: ((i % 100) * 50) as u64,
                    limit: 50,
                },
            };
            let repo = &repo;
            async move { repo.list_users(tenant, &query).await.expect("page") }
        })
        .await,
    );
    let active = UserFilter {
        active_only: true,
        ..UserFilter::default()
    };
    put(
        "count_active",
        time(n(300), |_| repo.count_users(tenant, &active)).await,
    );
    let password = Password::new(PASSWORD);
    put("hash", time(n(30), |_| repo.hasher().hash(&password)).await);
    put(
        "create",
        time(n(30), |i| {
            let input = NewUser {
                username: format!("new{i:06}"),
                display_name: format!("New {i}"),
                email: Some(format!("new{i}@example.com")),
                password: Some(password.clone()),
                ..NewUser::default()
            };
            let repo = &repo;
            async move { repo.create_user(tenant, input, None).await.expect("create") }
        })
        .await,
    );
    put(
        "authenticate",
        time(n(30), |i| {
            let name = format!("new{:06}", i % n(30));
            let repo = &repo;
            let password = &password;
            async move {
                repo.authenticate(
                    tenant,
                    &name,
                    password,
                    LoginContext::from(LoginSource::api()),
                )
                .await
                .expect("login")
            }
        })
        .await,
    );
    println!("{}", serde_json::Value::Object(results));
}

/// 10 000 users, user `i` with one role at plant `i % 4`, every tenth deactivated; no password
/// (the passwords under test are the created ones).
async fn seed(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    plants: &[tenantry_service::PlantId],
) -> Vec<UserId> {
    let mut ids = Vec::with_capacity(USERS);
    for i in 0..USERS {
        let user = repo
            .create_user(
                tenant,
                NewUser {
                    username: format!("user{i:05}"),
                    display_name: format!("User {i}"),
                    email: Some(format!("user{i}@example.com")),
                    plant_roles: vec![PlantRole {
                        plant_id: plants[i % PLANTS],
                        role: UserRole::Operator.into(),
                    }],
                    ..NewUser::default()
                },
                None,
            )
            .await
            .expect("user");
        if i % 10 == 9 {
            repo.deactivate_user(tenant, user.id, None)
                .await
                .expect("deactivate");
        }
        ids.push(user.id);
    }
    ids
}
