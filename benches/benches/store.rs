//! tenantry's operations beside a hand-written sqlx baseline and a bare argon2 verify, over a
//! seeded tenant of 10 000 users (`TENANTRY_BENCH_USERS` to change it) with plant roles.
//!
//! SQLite (a temporary file) by default; the server `DATABASE_URL` names otherwise. At the end
//! it prints each tenantry median as a ratio to its baseline's.

// A bench cannot run without its fixture: failing loudly is the right response.
#![allow(clippy::expect_used)]

use argon2::password_hash::PasswordVerifier;
use argon2::password_hash::phc::PasswordHash;
use criterion::{BenchmarkId, Criterion};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tenantry_benches::baseline::Baseline;
use tenantry_benches::{Fixture, PASSWORD, username};
use tenantry_service::hashing::HashingConfig;
use tenantry_service::normalize::username_key;
use tenantry_service::prelude::*;
use tenantry_service::{
    Config, LoginContext, LoginSource, NewUser, PageRequest, Password, PlantRole,
    SeaOrmUserRepository, UserQuery, UserRole,
};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn backend_label(fixture: &Fixture) -> &'static str {
    match fixture.db.backend() {
        sea_orm::DatabaseBackend::Sqlite => "sqlite",
        sea_orm::DatabaseBackend::Postgres => "postgres",
        _ => "mysql",
    }
}

fn seeded_users() -> usize {
    std::env::var("TENANTRY_BENCH_USERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000)
}

/// A user near the middle of the seeded range, so lookups do not hit the first rows only.
fn probe(fixture: &Fixture, i: usize) -> usize {
    (i * 7919 + fixture.users.len() / 2) % fixture.users.len()
}

fn reads(c: &mut Criterion, rt: &tokio::runtime::Runtime, fixture: &Fixture, label: &str) {
    let repo = &fixture.repo;
    let tenant = fixture.tenant;
    let baseline = Baseline::new(repo.connection());
    let counter = AtomicUsize::new(0);
    let next = || probe(fixture, counter.fetch_add(1, Ordering::Relaxed));

    let mut group = c.benchmark_group(format!("{label}.get_by_id"));
    group.bench_function("tenantry", |b| {
        b.to_async(rt).iter(|| async {
            let id = fixture.users[next()];
            repo.get_user(tenant, id).await.expect("get").expect("user")
        });
    });
    group.bench_function("baseline", |b| {
        b.to_async(rt).iter(|| async {
            let id = fixture.users[next()];
            baseline
                .get_by_id(tenant.0, id.0)
                .await
                .expect("get")
                .expect("user")
        });
    });
    group.finish();

    // The effective-role check at a plant (one statement; no baseline).
    let mut group = c.benchmark_group(format!("{label}.effective_role"));
    group.bench_function("tenantry", |b| {
        b.to_async(rt).iter(|| async {
            let i = next();
            let plant = fixture.plants[i % fixture.plants.len()];
            repo.effective_role(tenant, fixture.users[i], plant)
                .await
                .expect("effective role")
        });
    });
    group.finish();

    let mut group = c.benchmark_group(format!("{label}.get_by_username"));
    group.bench_function("tenantry", |b| {
        b.to_async(rt).iter(|| async {
            let name = username(next());
            repo.get_user_by_username(tenant, &name)
                .await
                .expect("get")
                .expect("user")
        });
    });
    group.bench_function("baseline", |b| {
        b.to_async(rt).iter(|| async {
            let name = username(next());
            // The hand-written path normalizes too: the key is what the index holds.
            baseline
                .get_by_username(tenant.0, &username_key(&name))
                .await
                .expect("get")
                .expect("user")
        });
    });
    group.finish();

    let pages = u64::try_from(fixture.users.len() / 50)
        .expect("pages")
        .max(1);
    let mut group = c.benchmark_group(format!("{label}.list"));
    group.bench_function("tenantry", |b| {
        b.to_async(rt).iter(|| async {
            let page = u64::try_from(next()).expect("page") % pages;
            let query = UserQuery {
                page: PageRequest {
                    offset: page * 50,
                    limit: 50,
                },
                ..UserQuery::default()
            };
            let page = repo.list_users(tenant, &query).await.expect("list");
            assert_eq!(page.items.len(), 50);
            page
        });
    });
    group.bench_function("baseline", |b| {
        b.to_async(rt).iter(|| async {
            let page = i64::try_from(next()).expect("page") % i64::try_from(pages).expect("pages");
            let (users, total) = baseline.list(tenant.0, page * 50, 50).await.expect("list");
            assert_eq!(users.len(), 50);
            (users, total)
        });
    });
    group.finish();

    let mut group = c.benchmark_group(format!("{label}.count"));
    group.bench_function("tenantry", |b| {
        b.to_async(rt).iter(|| async {
            repo.count_users(tenant, &Default::default())
                .await
                .expect("count")
        });
    });
    group.bench_function("baseline", |b| {
        b.to_async(rt)
            .iter(|| async { baseline.count(tenant.0).await.expect("count") });
    });
    group.finish();

    let mut group = c.benchmark_group(format!("{label}.users_for_plant"));
    group.sample_size(20);
    let plant_counter = AtomicUsize::new(0);
    let next_plant =
        || fixture.plants[plant_counter.fetch_add(1, Ordering::Relaxed) % fixture.plants.len()];
    group.bench_function("tenantry", |b| {
        b.to_async(rt).iter(|| async {
            repo.users_for_plant(tenant, next_plant(), None)
                .await
                .expect("members")
        });
    });
    group.bench_function("baseline", |b| {
        b.to_async(rt).iter(|| async {
            baseline
                .users_for_plant(tenant.0, next_plant().0)
                .await
                .expect("members")
        });
    });
    group.finish();
}

/// Runs `work` in a task of its own and waits for it, as a server runs a request's handler.
async fn in_handler(work: impl std::future::Future<Output = ()> + Send + 'static) {
    tokio::spawn(work).await.expect("handler task");
}

/// `count` and `users_for_plant` again with both sides called from a task on a runtime
/// worker, as an axum handler calls them. Every tenantry call runs on a worker (its own task,
/// `store/detach.rs`), while the groups above run the baseline in `block_on` on the bench's
/// own thread: there, each row sqlx's SQLite thread hands over wakes a parked thread more
/// cheaply than a worker is woken, which favours the baseline by ~1–2 µs a row and is not what a
/// server sees.
fn reads_in_handler(
    c: &mut Criterion,
    rt: &tokio::runtime::Runtime,
    fixture: &Fixture,
    label: &str,
) {
    let repo = fixture.repo.clone();
    let tenant = fixture.tenant;
    let baseline = std::sync::Arc::new(Baseline::new(repo.connection()));

    let mut group = c.benchmark_group(format!("{label}.count_in_handler"));
    group.bench_function("tenantry", |b| {
        b.to_async(rt).iter(|| {
            let repo = repo.clone();
            in_handler(async move {
                repo.count_users(tenant, &Default::default())
                    .await
                    .expect("count");
            })
        });
    });
    group.bench_function("baseline", |b| {
        b.to_async(rt).iter(|| {
            let baseline = std::sync::Arc::clone(&baseline);
            in_handler(async move {
                baseline.count(tenant.0).await.expect("count");
            })
        });
    });
    group.finish();

    let mut group = c.benchmark_group(format!("{label}.users_for_plant_in_handler"));
    group.sample_size(20);
    let plant_counter = AtomicUsize::new(0);
    let next_plant =
        || fixture.plants[plant_counter.fetch_add(1, Ordering::Relaxed) % fixture.plants.len()];
    group.bench_function("tenantry", |b| {
        b.to_async(rt).iter(|| {
            let (repo, plant) = (repo.clone(), next_plant());
            in_handler(async move {
                repo.users_for_plant(tenant, plant, None)
                    .await
                    .expect("members");
            })
        });
    });
    group.bench_function("baseline", |b| {
        b.to_async(rt).iter(|| {
            let (baseline, plant) = (std::sync::Arc::clone(&baseline), next_plant());
            in_handler(async move {
                baseline
                    .users_for_plant(tenant.0, plant.0)
                    .await
                    .expect("members");
            })
        });
    });
    group.finish();
}

fn writes(c: &mut Criterion, rt: &tokio::runtime::Runtime, fixture: &Fixture, label: &str) {
    let tenant = fixture.tenant;
    let counter = AtomicUsize::new(0);
    let mut group = c.benchmark_group(format!("{label}.set_plant_roles"));
    group.bench_function("tenantry", |b| {
        b.to_async(rt).iter(|| async {
            let n = counter.fetch_add(1, Ordering::Relaxed);
            let user = fixture.users[probe(fixture, n)];
            let roles = [
                PlantRole {
                    plant_id: fixture.plants[n % fixture.plants.len()],
                    role: UserRole::Supervisor.into(),
                },
                PlantRole {
                    plant_id: fixture.plants[(n + 3) % fixture.plants.len()],
                    role: UserRole::Operator.into(),
                },
            ];
            fixture
                .repo
                .set_plant_roles(tenant, user, &roles, None)
                .await
                .expect("set roles")
        });
    });
    group.finish();

    let created = AtomicUsize::new(0);
    let mut group = c.benchmark_group(format!("{label}.create_user"));
    group.sample_size(10);
    for (name, hashing) in [
        ("cheap_hashing", HashingConfig::insecure_fast_for_tests()),
        ("owasp_hashing", same_priority(HashingConfig::owasp())),
    ] {
        let repo = SeaOrmUserRepository::new(
            fixture.repo.connection().clone(),
            Config {
                hashing,
                ..Config::insecure_fast_for_tests()
            },
        )
        .expect("repository");
        group.bench_function(BenchmarkId::new("tenantry", name), |b| {
            b.to_async(rt).iter(|| async {
                let n = created.fetch_add(1, Ordering::Relaxed);
                repo.create_user(
                    tenant,
                    NewUser {
                        username: format!("new{n:07}"),
                        email: Some(format!("new{n:07}@example.com")),
                        display_name: format!("New {n}"),
                        password: Some(Password::new(PASSWORD)),
                        plant_roles: vec![PlantRole {
                            plant_id: fixture.plants[n % fixture.plants.len()],
                            role: UserRole::Operator.into(),
                        }],
                        ..NewUser::default()
                    },
                    None,
                )
                .await
                .expect("create")
            });
        });
    }
    group.finish();
}

/// Hashing, verifying and logging in at production (OWASP) parameters, beside a bare argon2
/// verify of the same hash.
fn credentials(c: &mut Criterion, rt: &tokio::runtime::Runtime, fixture: &Fixture, label: &str) {
    let repo = &fixture.repo;
    let password = Password::new(PASSWORD);
    let stored = rt.block_on(repo.hasher().hash(&password)).expect("hash");
    let phc = stored.expose().to_owned();

    let mut group = c.benchmark_group("hash");
    group.sample_size(10);
    group.bench_function("tenantry", |b| {
        b.to_async(rt)
            .iter(|| async { repo.hasher().hash(&password).await.expect("hash") });
    });
    group.finish();

    let mut group = c.benchmark_group("verify");
    group.sample_size(10);
    group.bench_function("tenantry", |b| {
        b.to_async(rt).iter(|| async {
            repo.hasher()
                .verify(&password, Some(&stored))
                .await
                .expect("verify")
        });
    });
    group.bench_function("baseline", |b| {
        b.iter(|| bare_verify(&phc));
    });
    group.finish();

    let counter = AtomicUsize::new(0);
    let mut group = c.benchmark_group(format!("{label}.authenticate"));
    group.sample_size(10);
    group.bench_function("tenantry", |b| {
        b.to_async(rt).iter(|| async {
            let name = username(probe(fixture, counter.fetch_add(1, Ordering::Relaxed)));
            repo.authenticate(
                fixture.tenant,
                &name,
                &password,
                LoginContext::from(LoginSource::api()),
            )
            .await
            .expect("login")
        });
    });
    group.bench_function("baseline", |b| {
        b.iter(|| bare_verify(&phc));
    });
    group.finish();
}

/// argon2's own verify of a PHC string, as a host without tenantry would call it.
fn bare_verify(phc: &str) {
    let hash = PasswordHash::new(phc).expect("phc");
    argon2::Argon2::default()
        .verify_password(PASSWORD.as_bytes(), &hash)
        .expect("match");
}

/// Where criterion keeps its results.
fn criterion_dir() -> PathBuf {
    if let Ok(home) = std::env::var("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| {
        // Benches run from the package directory; the workspace target is one level up.
        "../target".to_owned()
    });
    PathBuf::from(target).join("criterion")
}

fn median_ns(group: &str, function: &str) -> Option<f64> {
    let path = criterion_dir()
        .join(group)
        .join(function)
        .join("new")
        .join("estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["median"]["point_estimate"].as_f64()
}

fn show(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.1} µs", ns / 1e3)
    }
}

/// Prints each tenantry median beside its baseline's, with the target.
fn print_ratios(label: &str) {
    let targets: BTreeMap<&str, (String, f64)> = [
        ("get_by_id", 1.25),
        ("get_by_username", 1.25),
        ("list", 1.25),
        ("count", 1.25),
        ("users_for_plant", 1.25),
        ("count_in_handler", 1.25),
        ("users_for_plant_in_handler", 1.25),
        ("authenticate", 1.10),
    ]
    .into_iter()
    .map(|(op, target)| (op, (format!("{label}.{op}"), target)))
    .collect();
    println!("\n{label}: operation | tenantry median | baseline median | ratio | target | met");
    let mut rows: Vec<(&str, String, f64)> = targets
        .iter()
        .map(|(op, (group, target))| (*op, group.clone(), *target))
        .collect();
    rows.push(("verify", "verify".to_owned(), 1.10));
    for (op, group, target) in rows {
        match (median_ns(&group, "tenantry"), median_ns(&group, "baseline")) {
            (Some(t), Some(b)) => {
                let ratio = t / b;
                let met = if ratio <= target { "met" } else { "MISSED" };
                println!(
                    "{op} | {} | {} | {ratio:.2}x | <= {target:.2}x | {met}",
                    show(t),
                    show(b)
                );
            }
            _ => println!("{op} | not measured in this run"),
        }
    }
    for (op, function) in [
        ("hash", "tenantry"),
        ("effective_role", "tenantry"),
        ("set_plant_roles", "tenantry"),
        ("create_user (cheap hashing)", "tenantry/cheap_hashing"),
        ("create_user (OWASP hashing)", "tenantry/owasp_hashing"),
    ] {
        let group = match op {
            "hash" => "hash".to_owned(),
            "effective_role" => format!("{label}.effective_role"),
            "set_plant_roles" => format!("{label}.set_plant_roles"),
            _ => format!("{label}.create_user"),
        };
        if let Some(t) = median_ns(&group, function) {
            println!("{op} | {} | - | - | - | -", show(t));
        }
    }
}

/// `config` with the hashing threads at normal priority. The baselines hash on the calling
/// thread at normal priority; with the default nice +10, any other CPU load on the machine
/// (such as a build) would take the CPU from tenantry's hashing only, and the ratio would
/// measure the scheduler's priority policy instead of tenantry's cost. The `storm` bench
/// measures the default.
fn same_priority(config: HashingConfig) -> HashingConfig {
    HashingConfig {
        thread_niceness: 0,
        ..config
    }
}

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let rt = runtime();
    let fixture = rt.block_on(Fixture::seed(
        seeded_users(),
        same_priority(HashingConfig::owasp()),
    ));
    let label = backend_label(&fixture);
    reads(&mut c, &rt, &fixture, label);
    reads_in_handler(&mut c, &rt, &fixture, label);
    credentials(&mut c, &rt, &fixture, label);
    writes(&mut c, &rt, &fixture, label);
    c.final_summary();
    print_ratios(label);
    drop(fixture);
}
