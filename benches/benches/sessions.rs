//! A request's session work through the database session store (issue 16, "Speed and load"):
//! `load` (one read joining the user and tenant), and `load` + `save` as tower-sessions runs
//! them on every request with `Expiry::OnInactivity` — the expiry pushed, the data unchanged,
//! so the save is a conditional `UPDATE` that matches no row until a minute has passed — and,
//! for the worst case, `load` + `save` of changed data (a write every time).
//!
//! `cargo bench -p tenantry-benches --bench sessions` (SQLite; `DATABASE_URL` for a server).

// A bench cannot run without its fixture: failing loudly is the right response.
#![allow(clippy::expect_used)]

use criterion::Criterion;
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;
use tenantry_benches::Fixture;
use tenantry_service::hashing::HashingConfig;
use tenantry_service::session_store::SeaOrmSessionStore;
use tower_sessions_core::SessionStore;
use tower_sessions_core::session::{Id, Record};

/// Sessions in the table besides the one measured, so the lookups are not on a tiny index.
const OTHER_SESSIONS: usize = 2_000;

fn expiry() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc() + time::Duration::hours(8)
}

/// A signed-in session of seeded user `i`, created through the store.
async fn session(store: &SeaOrmSessionStore, fixture: &Fixture, i: usize) -> Record {
    let data = HashMap::from([(
        "axum-login.data".to_owned(),
        json!({ "user_id": { "tenant": fixture.tenant, "user": fixture.users[i] } }),
    )]);
    let mut record = Record {
        id: Id::default(),
        data,
        expiry_date: expiry(),
    };
    store.create(&mut record).await.expect("create");
    record
}

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let fixture = rt.block_on(Fixture::seed(1_000, HashingConfig::owasp()));
    let label = match fixture.db.backend() {
        sea_orm::DatabaseBackend::Sqlite => "sqlite",
        sea_orm::DatabaseBackend::Postgres => "postgres",
        _ => "mysql",
    };
    let store = SeaOrmSessionStore::new(fixture.repo.clone());
    let measured = rt.block_on(async {
        for i in 0..OTHER_SESSIONS {
            session(&store, &fixture, i % fixture.users.len()).await;
        }
        session(&store, &fixture, 0).await
    });
    let id = measured.id;

    let mut group = c.benchmark_group(format!("session/{label}"));
    group.bench_function("load", |b| {
        b.to_async(&rt).iter(|| async {
            store
                .load(&id)
                .await
                .expect("load")
                .expect("a live session")
        });
    });
    group.bench_function("request (load + throttled save)", |b| {
        b.to_async(&rt).iter(|| async {
            let mut record = store.load(&id).await.expect("load").expect("live");
            record.expiry_date = expiry();
            store.save(&record).await.expect("save");
        });
    });
    let mut n = 0_u64;
    group.bench_function("request that changes the data (load + write)", |b| {
        b.to_async(&rt).iter(|| {
            n += 1;
            let counter = n;
            let store = &store;
            async move {
                let mut record = store.load(&id).await.expect("load").expect("live");
                record.data.insert("n".into(), json!(counter));
                record.expiry_date = expiry();
                store.save(&record).await.expect("save");
            }
        });
    });
    group.finish();
    c.final_summary();
    drop(fixture);
}
