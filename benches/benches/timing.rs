//! Does a failed login reveal whether the account or the tenant exists? Times `authenticate`
//! for an unknown user, for an unknown tenant and for a known user with a wrong password,
//! interleaved, at production (OWASP) parameters, and prints each unknown kind's median
//! difference from the wrong password and Welch's t (targets: under 5 %, |t| < 5).
//!
//! `cargo bench -p tenantry-benches --bench timing` (SQLite; `DATABASE_URL` for a server);
//! `TENANTRY_TIMING_SAMPLES` sets the samples per kind (default 2 000). Lockout is switched off
//! for the run, so every wrong-password attempt takes the wrong-password path.

// A bench cannot run without its fixture: failing loudly is the right response.
#![allow(clippy::expect_used)]

use std::time::Instant;
use tenantry_service::prelude::*;
use tenantry_service::{
    Config, Error, LoginContext, LoginSource, NewTenant, NewUser, Password, SeaOrmUserRepository,
    TenantId,
};
use tenantry_testkit::TestDb;

/// Median of `samples` (sorted in place), in seconds.
fn median(samples: &mut [f64]) -> f64 {
    samples.sort_by(f64::total_cmp);
    let mid = samples.len() / 2;
    if samples.len().is_multiple_of(2) {
        (samples[mid - 1] + samples[mid]) / 2.0
    } else {
        samples[mid]
    }
}

/// Mean and unbiased variance.
fn mean_and_variance(samples: &[f64]) -> (f64, f64) {
    let n = samples.len() as f64;
    let mean = samples.iter().sum::<f64>() / n;
    let variance = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, variance)
}

/// Welch's t statistic of two independent samples.
fn welch_t(a: &[f64], b: &[f64]) -> f64 {
    let (mean_a, var_a) = mean_and_variance(a);
    let (mean_b, var_b) = mean_and_variance(b);
    (mean_a - mean_b) / (var_a / a.len() as f64 + var_b / b.len() as f64).sqrt()
}

async fn failed_login(repo: &SeaOrmUserRepository, tenant: TenantId, login: &str) -> f64 {
    let password = Password::new("definitely not the password");
    let started = Instant::now();
    let result = repo
        .authenticate(
            tenant,
            login,
            &password,
            LoginContext::from(LoginSource::api()),
        )
        .await;
    let elapsed = started.elapsed().as_secs_f64();
    assert!(
        matches!(result, Err(Error::InvalidCredentials)),
        "{result:?}"
    );
    elapsed
}

fn main() {
    if let Some(filter) = std::env::args().skip(1).find(|a| !a.starts_with('-'))
        && !"timing".contains(filter.as_str())
    {
        return;
    }
    let samples: usize = std::env::var("TENANTRY_TIMING_SAMPLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2_000);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let test_db = TestDb::migrated().await;
        let mut config = Config::default();
        config.lockout.max_failed_attempts = u32::MAX;
        let repo = SeaOrmUserRepository::new(test_db.conn().clone(), config).expect("repository");
        let tenant = repo
            .create_tenant(
                NewTenant {
                    slug: "timing".into(),
                    name: "Timing".into(),
                },
                None,
            )
            .await
            .expect("tenant");
        repo.create_user(
            tenant.id,
            NewUser {
                username: "known".into(),
                display_name: "Known".into(),
                password: Some(Password::new("vivid ocelot tangles quietly")),
                ..NewUser::default()
            },
            None,
        )
        .await
        .expect("user");
        // Warm-up: the dummy hash, the pool, the statement caches.
        for _ in 0..5 {
            failed_login(&repo, tenant.id, "nobody").await;
            failed_login(&repo, TenantId(i64::MAX), "known").await;
            failed_login(&repo, tenant.id, "known").await;
        }
        // No tenant has this id: the attempt an unknown slug turns into.
        let nowhere = TenantId(i64::MAX);
        let (mut unknown, mut wrong, mut tenantless) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..samples {
            // Rotate which kind goes first, so none always follows another.
            for k in 0..3 {
                match (i + k) % 3 {
                    0 => unknown.push(failed_login(&repo, tenant.id, "nobody").await),
                    1 => wrong.push(failed_login(&repo, tenant.id, "known").await),
                    _ => tenantless.push(failed_login(&repo, nowhere, "known").await),
                }
            }
        }
        println!("backend: {:?}", test_db.backend());
        println!("samples per kind: {samples}");
        let t_user = welch_t(&unknown, &wrong);
        let t_tenant = welch_t(&tenantless, &wrong);
        let median_wrong = median(&mut wrong);
        println!("median wrong password: {:.3} ms", median_wrong * 1e3);
        for (kind, samples, t) in [
            ("unknown user", &mut unknown, t_user),
            ("unknown tenant", &mut tenantless, t_tenant),
        ] {
            let median_kind = median(samples);
            let difference = (median_kind - median_wrong).abs() / median_wrong * 100.0;
            println!("median {kind}: {:.3} ms", median_kind * 1e3);
            println!(
                "  difference: {difference:.2} % (target < 5 %: {})",
                if difference < 5.0 { "met" } else { "missed" }
            );
            println!(
                "  Welch's t: {t:.2} (target |t| < 5: {})",
                if t.abs() < 5.0 { "met" } else { "missed" }
            );
        }
    });
}
