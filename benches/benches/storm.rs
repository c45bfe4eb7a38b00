//! A login storm: 64 concurrent `authenticate` calls at production (OWASP) parameters, with
//! `get_by_id` calls running beside them. Prints the lookups' latency percentiles (target: p99
//! under 10 ms, since hashing never runs on the async threads) and the process's peak memory
//! before and after the storm (target: growth within one argon2 buffer per hashing thread plus
//! [`SLACK_MIB`], not one buffer per login), each with whether it was met.

// A bench cannot run without its fixture: failing loudly is the right response.
#![allow(clippy::expect_used)]

use std::num::NonZeroUsize;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tenantry_benches::{Fixture, PASSWORD, username};
use tenantry_service::hashing::HashingConfig;
use tenantry_service::prelude::*;
use tenantry_service::{LoginContext, LoginSource, Password};

const LOGINS: usize = 64;

/// Peak-memory growth allowed beyond the argon2 buffers: the 64 login tasks, SQLite's page
/// cache and the latency samples.
const SLACK_MIB: u64 = 32;

fn env_number<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok()?.parse().ok()
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "missed" }
}

/// The process's peak resident set (`VmHWM`), in KiB, where /proc has it.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    if let Some(filter) = std::env::args().skip(1).find(|a| !a.starts_with('-'))
        && !"storm".contains(filter.as_str())
    {
        return;
    }
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let mut hashing = HashingConfig::owasp();
        // Knobs for comparing the hashing threads' settings; unset, the defaults are measured.
        if let Some(threads) = env_number("TENANTRY_STORM_THREADS") {
            hashing.threads = NonZeroUsize::new(threads);
        }
        if let Some(niceness) = env_number("TENANTRY_STORM_NICENESS") {
            hashing.thread_niceness = niceness;
        }
        let memory_kib = u64::from(hashing.memory_kib);
        let threads = hashing
            .threads
            .or_else(|| std::thread::available_parallelism().ok())
            .map_or(1, NonZeroUsize::get);
        println!(
            "hashing threads: {threads}, niceness +{}",
            hashing.thread_niceness
        );
        let fixture = Arc::new(Fixture::seed(10_000, hashing).await);
        let before = peak_rss_kib();
        let done = Arc::new(AtomicBool::new(false));
        let reader = {
            let fixture = Arc::clone(&fixture);
            let done = Arc::clone(&done);
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut i = 0usize;
                while !done.load(Ordering::Relaxed) {
                    let id = fixture.users[(i * 7919) % fixture.users.len()];
                    let started = Instant::now();
                    fixture
                        .repo
                        .get_user(fixture.tenant, id)
                        .await
                        .expect("get")
                        .expect("user");
                    latencies.push(started.elapsed());
                    i += 1;
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                latencies
            })
        };
        let started = Instant::now();
        let logins: Vec<_> = (0..LOGINS)
            .map(|i| {
                let fixture = Arc::clone(&fixture);
                tokio::spawn(async move {
                    fixture
                        .repo
                        .authenticate(
                            fixture.tenant,
                            &username(i * 13),
                            &Password::new(PASSWORD),
                            LoginContext::from(LoginSource::web()),
                        )
                        .await
                        .expect("login")
                })
            })
            .collect();
        for login in logins {
            login.await.expect("join");
        }
        let storm = started.elapsed();
        done.store(true, Ordering::Relaxed);
        let mut latencies = reader.await.expect("reader");
        latencies.sort();
        let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
        println!(
            "storm of {LOGINS} OWASP logins on {:?}: {storm:.2?}; {} get_by_id beside it: \
             p50 {:.2?}, p99 {:.2?}, max {:.2?} (target p99 < 10 ms: {})",
            fixture.db.backend(),
            latencies.len(),
            at(0.5),
            at(0.99),
            at(1.0),
            verdict(at(0.99) < Duration::from_millis(10)),
        );
        let after = peak_rss_kib();
        let bound_kib = threads as u64 * memory_kib + SLACK_MIB * 1024;
        match (before, after) {
            (Some(before), Some(after)) => {
                let growth = after.saturating_sub(before);
                println!(
                    "peak RSS before the storm {} MiB, after {} MiB: growth {} MiB \
                     (target <= {threads} hashing threads x {} MiB + {SLACK_MIB} MiB = {} MiB: {})",
                    before / 1024,
                    after / 1024,
                    growth / 1024,
                    memory_kib / 1024,
                    bound_kib / 1024,
                    verdict(growth <= bound_kib),
                );
            }
            _ => println!("peak RSS: not available on this platform (no /proc/self/status)"),
        }
    });
}
