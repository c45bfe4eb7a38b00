//! SCIM `GET /Users?filter=userName eq "x"` through the router (in-process, `oneshot`: token
//! lookup, tenant, user, external id, JSON) against the library's `get_user_by_username` on the
//! same database, a tenant of 100 000 users (`TENANTRY_BENCH_USERS` to change it). Issue 19
//! asks for the SCIM request within 2× of the library call.
//!
//! `cargo bench -p tenantry-benches --bench scim` (SQLite; `DATABASE_URL` for a server).

#![allow(missing_docs, clippy::expect_used)] // A bench fails loudly.

use axum::body::Body;
use axum::http::Request;
use criterion::Criterion;
use std::sync::Arc;
use std::time::Duration;
use tenantry_benches::{Fixture, username};
use tenantry_service::hashing::HashingConfig;
use tenantry_service::{ScimTokens, UserRepository, Users};
use tower::ServiceExt as _;

fn main() {
    let users: usize = std::env::var("TENANTRY_BENCH_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let fixture = rt.block_on(Fixture::seed_generated(users, HashingConfig::owasp()));
    let label = match fixture.db.backend() {
        sea_orm::DatabaseBackend::Sqlite => "sqlite",
        sea_orm::DatabaseBackend::Postgres => "postgres",
        _ => "mysql",
    };
    let repo: Arc<dyn UserRepository> = Arc::new(fixture.repo.clone());
    let token = rt
        .block_on(
            fixture
                .repo
                .create_scim_token(fixture.tenant, "bench", None),
        )
        .expect("token")
        .1
        .into_string();
    let app = tenantry_axum::scim::router(repo);
    let name = username(users / 2);
    let uri = format!("/bench/Users?filter=userName%20eq%20%22{name}%22");

    let mut group = c.benchmark_group(format!("scim/{label}/{users}"));
    group.bench_function("library get_user_by_username", |b| {
        b.to_async(&rt).iter(|| async {
            fixture
                .repo
                .get_user_by_username(fixture.tenant, &name)
                .await
                .expect("lookup")
                .expect("the user")
        });
    });
    group.bench_function("SCIM GET /Users?filter=userName eq", |b| {
        b.to_async(&rt).iter(|| async {
            let request = Request::builder()
                .uri(&uri)
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty())
                .expect("request");
            let response = app.clone().oneshot(request).await.expect("response");
            assert!(response.status().is_success());
            axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("body")
        });
    });
    group.finish();
    c.final_summary();
}
