//! Bulk import throughput: `import_users` loads 100 000 users (`TENANTRY_BENCH_IMPORT` to
//! change it) with pre-hashed passwords and two plant roles each into an empty tenant, and
//! prints users per second. SQLite by default; the server `DATABASE_URL` names otherwise.

// A bench cannot run without its fixture: failing loudly is the right response.
#![allow(clippy::expect_used)]

use std::time::Instant;
use tenantry_benches::{Fixture, PASSWORD, username};
use tenantry_service::hashing::HashingConfig;
use tenantry_service::prelude::*;
use tenantry_service::{ImportedHash, ImportedUser, Password, PlantRole, UserFilter, UserRole};

fn main() {
    // `cargo bench` passes `--bench`; a filter that does not name this bench skips it.
    if let Some(filter) = std::env::args().skip(1).find(|a| !a.starts_with('-'))
        && !"import".contains(filter.as_str())
    {
        return;
    }
    let users: usize = std::env::var("TENANTRY_BENCH_IMPORT")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        // The fixture's plants, with no users of its own in the tenant imported into.
        let fixture = Fixture::seed(0, HashingConfig::insecure_fast_for_tests()).await;
        let repo = &fixture.repo;
        let hash = repo
            .hasher()
            .hash(&Password::new(PASSWORD))
            .await
            .expect("hash");
        let tenant = fixture.tenant;
        let plants = &fixture.plants;
        let input: Vec<ImportedUser> = (0..users)
            .map(|i| ImportedUser {
                username: username(i),
                email: Some(format!("{}@example.com", username(i))),
                display_name: format!("User {i}"),
                password_hash: ImportedHash::new(hash.expose()),
                tenant_roles: i
                    .is_multiple_of(10)
                    .then_some(UserRole::Operator.into())
                    .into_iter()
                    .collect(),
                plant_roles: vec![
                    PlantRole {
                        plant_id: plants[i % plants.len()],
                        role: UserRole::Engineer.into(),
                    },
                    PlantRole {
                        plant_id: plants[(i + 7) % plants.len()],
                        role: UserRole::Operator.into(),
                    },
                ],
            })
            .collect();
        let started = Instant::now();
        let ids = repo
            .import_users(tenant, input, None)
            .await
            .expect("import");
        let elapsed = started.elapsed();
        let counted = repo
            .count_users(tenant, &UserFilter::default())
            .await
            .expect("count");
        assert_eq!(counted, ids.len() as u64);
        println!(
            "import_users on {:?}: {} users (2 plant roles each, one audit event each) in {:.2?}: {:.0} users/s",
            fixture.db.backend(),
            ids.len(),
            elapsed,
            ids.len() as f64 / elapsed.as_secs_f64()
        );
    });
}
