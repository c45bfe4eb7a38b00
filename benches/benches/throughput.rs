//! Sustained password logins per core (issue 17, point 4): `authenticate` with the right
//! password, from many concurrent callers, for a fixed time, at tenantry's default argon2
//! parameters (OWASP: argon2id m=19 456 KiB, t=2, p=1) and at Keycloak's default (argon2id
//! m=7 168 KiB, t=5, p=1). Each login is a real one: the hash is verified on the hasher's
//! threads and the login's two writing transactions commit. Keycloak's sizing guide budgets 15
//! password logins per second per vCPU; the figures here are printed beside it.
//!
//! `cargo bench -p tenantry-benches --bench throughput` (SQLite; `DATABASE_URL` for a server;
//! `TENANTRY_THROUGHPUT_SECONDS`, default 10).

// A bench cannot run without its fixture: failing loudly is the right response.
#![allow(clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tenantry_benches::{Fixture, PASSWORD, username};
use tenantry_service::hashing::HashingConfig;
use tenantry_service::prelude::*;
use tenantry_service::{LoginContext, LoginSource, Password};

/// Keycloak's published budget (its sizing guide): password logins per second per vCPU.
const KEYCLOAK_LOGINS_PER_VCPU: f64 = 15.0;

/// Users logging in in turn, so no row is contended more than a real tenant's would be.
const USERS: usize = 1_000;

fn seconds() -> u64 {
    std::env::var("TENANTRY_THROUGHPUT_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10)
}

/// Logins per second sustained by `callers` concurrent callers for `run`.
async fn sustained(fixture: Arc<Fixture>, callers: usize, run: Duration) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..callers)
        .map(|_| {
            let (fixture, done, next) =
                (Arc::clone(&fixture), Arc::clone(&done), Arc::clone(&next));
            tokio::spawn(async move {
                while started.elapsed() < run {
                    let n = usize::try_from(next.fetch_add(1, Ordering::Relaxed)).unwrap_or(0);
                    fixture
                        .repo
                        .authenticate(
                            fixture.tenant,
                            &username(n % USERS),
                            &Password::new(PASSWORD),
                            LoginContext::from(LoginSource::web()),
                        )
                        .await
                        .expect("the right password logs in");
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("join");
    }
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    if let Some(filter) = std::env::args().skip(1).find(|a| !a.starts_with('-'))
        && !"throughput".contains(filter.as_str())
    {
        return;
    }
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let run = Duration::from_secs(seconds());
    let keycloak = HashingConfig {
        memory_kib: 7_168,
        iterations: 5,
        parallelism: 1,
        ..HashingConfig::owasp()
    };
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    println!(
        "cores: {cores}; each run {run:?}, {} concurrent callers",
        4 * cores
    );
    println!("parameters | logins/s | per core | Keycloak's budget per vCPU");
    for (name, hashing) in [
        (
            "tenantry default: argon2id m=19456 KiB t=2 p=1",
            HashingConfig::owasp(),
        ),
        ("Keycloak default: argon2id m=7168 KiB t=5 p=1", keycloak),
    ] {
        // Normal priority, like the callers: the default nice +10 only matters beside other load.
        let hashing = HashingConfig {
            thread_niceness: 0,
            ..hashing
        };
        let rate = rt.block_on(async {
            let fixture = Arc::new(Fixture::seed(USERS, hashing).await);
            sustained(fixture, 4 * cores, run).await
        });
        println!(
            "{name} | {rate:.1} | {:.1} | {KEYCLOAK_LOGINS_PER_VCPU}",
            rate / cores as f64
        );
    }
}
