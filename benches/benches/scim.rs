//! SCIM `GET /Users?filter=userName eq "x"` through the router (in-process, `oneshot`: token
//! lookup, tenant, user, external id, JSON) against the library's `get_user_by_username` on the
//! same database, a tenant of 100 000 users (`TENANTRY_BENCH_USERS` to change it). Issue 19
//! asks for the SCIM request within 2× of the library call.
//!
//! Also `GET /Groups?filter=displayName eq "x"` — what Entra ID asks before each group it
//! provisions — among 1 000 directory groups of 10 members each (`TENANTRY_BENCH_GROUPS`),
//! against the library's `directory_group` by name: one indexed lookup, not a read of every
//! group.
//!
//! `cargo bench -p tenantry-benches --bench scim` (SQLite; `DATABASE_URL` for a server).

#![allow(missing_docs, clippy::expect_used)] // A bench fails loudly.

use axum::body::Body;
use axum::http::Request;
use criterion::Criterion;
use std::sync::Arc;
use std::time::Duration;
use tenantry_benches::{Fixture, username};
use tenantry_service::api::{DirectoryGroupKey, NewDirectoryGroup};
use tenantry_service::hashing::HashingConfig;
use tenantry_service::prelude::DirectoryGroups;
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

    let groups: usize = std::env::var("TENANTRY_BENCH_GROUPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000);
    rt.block_on(async {
        for g in 0..groups {
            let mut members = Vec::new();
            for m in 0..10 {
                let member = fixture
                    .repo
                    .get_user_by_username(fixture.tenant, &username((g * 10 + m) % users))
                    .await
                    .expect("lookup")
                    .expect("a user");
                members.push(member.pid);
            }
            fixture
                .repo
                .create_directory_group(
                    fixture.tenant,
                    NewDirectoryGroup {
                        display_name: format!("group {g:05}"),
                        external_id: Some(format!("ext-{g}")),
                        members,
                    },
                )
                .await
                .expect("a group");
        }
    });
    let group_name = format!("group {:05}", groups / 2);
    let group_uri = format!(
        "/bench/Groups?excludedAttributes=members&filter=displayName%20eq%20%22{}%22",
        group_name.replace(' ', "%20")
    );

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
    group.bench_function("library directory_group by name", |b| {
        b.to_async(&rt).iter(|| async {
            fixture
                .repo
                .directory_group(
                    fixture.tenant,
                    DirectoryGroupKey::DisplayName(group_name.clone()),
                )
                .await
                .expect("lookup")
                .expect("the group")
        });
    });
    group.bench_function("SCIM GET /Groups?filter=displayName eq", |b| {
        b.to_async(&rt).iter(|| async {
            let request = Request::builder()
                .uri(&group_uri)
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty())
                .expect("request");
            let response = app.clone().oneshot(request).await.expect("response");
            assert!(response.status().is_success());
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("body");
            assert!(
                body.windows(group_name.len())
                    .any(|w| w == group_name.as_bytes())
            );
            body
        });
    });
    group.finish();
    c.final_summary();
}
