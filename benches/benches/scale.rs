//! Scale: the read paths at 10 000 users and at a million (`TENANTRY_SCALE_USERS` to change
//! the big one) in one tenant. Each operation's median at both sizes, their ratio and the
//! issue's target: `get_by_username`, `authenticate` (cheap hashing), a list page with a
//! search and with a filter (offset paging with its total, and keyset paging), a deep page by
//! offset and by cursor, and on PostgreSQL `count_users` against a plain `SELECT count(*)` with
//! the same filter.
//!
//! `TENANTRY_SCALE_KEEP=1` leaves the big tenant's database in place at the end and prints its
//! URL, for looking at query plans by hand (drop it yourself).

// A bench cannot run without its fixture: failing loudly is the right response.
#![allow(clippy::expect_used)]
// `measure` awaits many futures in one body; the default limit is too low for its layout.
#![recursion_limit = "256"]

use sea_orm::DatabaseBackend;
use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};
use tenantry_benches::{Fixture, PASSWORD, username};
use tenantry_service::hashing::HashingConfig;
use tenantry_service::prelude::*;
use tenantry_service::{
    Cursor, KeysetQuery, LoginContext, LoginSource, PageRequest, Password, SearchMode, UserFilter,
    UserQuery, UserStatus,
};

/// The small tenant, the reference for every ratio.
const SMALL: usize = 10_000;

/// Rows of a list page.
const PAGE: u64 = 50;

/// Timing budget and bounds per operation.
const BUDGET: Duration = Duration::from_secs(2);
const MIN_RUNS: usize = 5;
const MAX_RUNS: usize = 200;
const MIN_SLOW_RUNS: usize = 3;

/// The big tenant's size.
fn big() -> usize {
    std::env::var("TENANTRY_SCALE_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

/// The median of `op`'s runs: a warm-up run, then runs until the budget is spent (at least
/// [`MIN_RUNS`], or [`MIN_SLOW_RUNS`] for an operation slower than the budget itself, so a
/// linear deep page at a million users does not take minutes).
async fn median<F, Fut>(mut op: F) -> Duration
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = ()>,
{
    let warm = Instant::now();
    op(0).await;
    let min_runs = if warm.elapsed() > BUDGET {
        MIN_SLOW_RUNS
    } else {
        MIN_RUNS
    };
    let started = Instant::now();
    let mut times = Vec::new();
    while times.len() < min_runs || (times.len() < MAX_RUNS && started.elapsed() < BUDGET) {
        let t = Instant::now();
        op(times.len() + 1).await;
        times.push(t.elapsed());
    }
    times.sort();
    times[times.len() / 2]
}

/// A filter of users with a role at a plant.
fn at_plant(f: &Fixture) -> UserFilter {
    UserFilter {
        plant: Some(f.plants[3]),
        ..UserFilter::default()
    }
}

/// A prefix search (the default mode).
fn searching(text: &str) -> UserFilter {
    UserFilter {
        search: Some(text.into()),
        ..UserFilter::default()
    }
}

/// A substring search.
fn containing(text: &str) -> UserFilter {
    UserFilter {
        search_mode: SearchMode::Contains,
        ..searching(text)
    }
}

fn active() -> UserFilter {
    UserFilter {
        status: Some(UserStatus::Active),
        ..UserFilter::default()
    }
}

/// The cursor after the first `depth` users in username order, walked page by page.
async fn cursor_at(f: &Fixture, depth: usize) -> Cursor {
    let mut query = KeysetQuery {
        limit: PageRequest::MAX_LIMIT,
        ..KeysetQuery::default()
    };
    let mut served = 0;
    loop {
        if served + PageRequest::MAX_LIMIT as usize > depth {
            query.limit = (depth - served) as u64;
        }
        let page = f
            .repo
            .list_users_keyset(f.tenant, &query)
            .await
            .expect("walk");
        served += page.items.len();
        let next = page.next.expect("a next page");
        if served >= depth {
            return next;
        }
        query.after = Some(next);
    }
}

/// The plans of the listing and count queries, as tenantry's query builder writes them
/// (`EXPLAIN ANALYZE` on PostgreSQL, `EXPLAIN QUERY PLAN` on SQLite), printed when
/// `TENANTRY_SCALE_EXPLAIN` is set.
async fn explain(f: &Fixture, deep_key: &str) {
    use sea_orm::sqlx::{AssertSqlSafe, Row};
    let t = f.tenant.0;
    let plant = f.plants[3].0;
    let live = format!("FROM tenantry_users WHERE tenant_id = {t} AND deleted_at IS NULL");
    let search = "AND (username_key LIKE '%99%' ESCAPE '\\' OR email_key LIKE '%99%' ESCAPE '\\' \
                  OR LOWER(display_name) LIKE '%99%' ESCAPE '\\' OR display_name LIKE '%99%' ESCAPE '\\')";
    // A keyset page's role check carries `OFFSET 0` on PostgreSQL (`RoleCheck::PerUser`).
    let fence = match f.repo.connection().get_database_backend() {
        DatabaseBackend::Postgres => " OFFSET 0",
        _ => "",
    };
    let at_plant = format!(
        "AND (EXISTS (SELECT 1 FROM tenantry_user_plant_roles WHERE tenantry_user_plant_roles.user_id = tenantry_users.id \
         AND plant_id = {plant}{fence}) OR EXISTS (SELECT 1 FROM tenantry_user_tenant_roles \
         WHERE tenantry_user_tenant_roles.user_id = tenantry_users.id))"
    );
    let by_name = "ORDER BY username_key ASC, id ASC";
    let one = username(4242);
    let one_end = tenantry_service::entity::keys::prefix_end(&one).expect("an end");
    let prefix = format!(
        "AND ((username_key >= '{one}' AND username_key < '{one_end}') \
         OR (email_key >= '{one}' AND email_key < '{one_end}') \
         OR (display_name_key >= '{one}' AND display_name_key < '{one_end}'))"
    );
    let queries = [
        (
            "keyset page, substring",
            format!("SELECT tenantry_users.* {live} {search} {by_name} LIMIT 51"),
        ),
        (
            "keyset page, prefix matching 1 user",
            format!("SELECT tenantry_users.* {live} {prefix} {by_name} LIMIT 51"),
        ),
        (
            "keyset page, status",
            format!("SELECT tenantry_users.* {live} AND status = 'active' {by_name} LIMIT 51"),
        ),
        (
            "keyset page, plant",
            format!("SELECT tenantry_users.* {live} {at_plant} {by_name} LIMIT 51"),
        ),
        (
            "keyset deep page",
            format!(
                "SELECT tenantry_users.* {live} AND username_key >= '{deep_key}' \
                 AND (username_key > '{deep_key}' OR id > 0) {by_name} LIMIT 51"
            ),
        ),
        (
            "keyset page, created desc",
            format!("SELECT tenantry_users.* {live} ORDER BY created_at DESC, id DESC LIMIT 51"),
        ),
        (
            "offset page + total, status",
            format!(
                "SELECT tenantry_users.*, page.total_count FROM tenantry_users JOIN (SELECT id, \
                 COUNT(*) OVER () AS total_count {live} AND status = 'active' {by_name} \
                 LIMIT 50 OFFSET 0) AS page ON tenantry_users.id = page.id \
                 ORDER BY tenantry_users.username_key ASC, tenantry_users.id ASC"
            ),
        ),
        (
            "count",
            format!("SELECT COUNT(*) FROM (SELECT tenantry_users.* {live}) AS sub"),
        ),
        (
            "count, status",
            format!(
                "SELECT COUNT(*) FROM (SELECT tenantry_users.* {live} AND status = 'active') AS sub"
            ),
        ),
    ];
    let db = f.repo.connection();
    for (label, sql) in queries {
        println!("\n-- plan: {label}\n{sql}");
        let lines: Vec<String> = match db.get_database_backend() {
            DatabaseBackend::Postgres => {
                sea_orm::sqlx::query(AssertSqlSafe(format!("EXPLAIN ANALYZE {sql}")))
                    .fetch_all(db.get_postgres_connection_pool())
                    .await
                    .expect("explain")
                    .iter()
                    .map(|r| r.get::<String, _>(0))
                    .collect()
            }
            DatabaseBackend::Sqlite => {
                sea_orm::sqlx::query(AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")))
                    .fetch_all(db.get_sqlite_connection_pool())
                    .await
                    .expect("explain")
                    .iter()
                    .map(|r| r.get::<String, _>("detail"))
                    .collect()
            }
            _ => Vec::new(),
        };
        for line in lines {
            println!("   {line}");
        }
    }
}

/// One operation's median per tenant size.
type Results = BTreeMap<&'static str, Vec<Duration>>;

async fn measure(n: usize, results: &mut Results, order: &mut Vec<&'static str>) {
    let f = Fixture::seed_generated(n, HashingConfig::insecure_fast_for_tests()).await;
    if std::env::var_os("TENANTRY_SCALE_EXPLAIN").is_some() {
        explain(&f, &username(n - 100)).await;
    }
    let repo = &f.repo;
    let t = f.tenant;
    let mut record = |name: &'static str, d: Duration| {
        eprintln!("{n:>9} users  {name:<40} {d:>10.2?}");
        if !order.contains(&name) {
            order.push(name);
        }
        results.entry(name).or_default().push(d);
    };
    // Spread over the whole tenant, so no lookup is always the same cached row.
    let sample = |i: usize| username((i * 7919 + 13) % n);

    let d = median(|i| async move {
        repo.get_user_by_username(t, &sample(i))
            .await
            .expect("get")
            .expect("user");
    })
    .await;
    record("get_by_username", d);

    let d = median(|i| async move {
        repo.authenticate(
            t,
            &sample(i),
            &Password::new(PASSWORD),
            LoginContext::from(LoginSource::api()),
        )
        .await
        .expect("login");
    })
    .await;
    record("authenticate (cheap hashing)", d);

    let offset_page = |filter: UserFilter, offset: u64| UserQuery {
        filter,
        page: PageRequest {
            offset,
            limit: PAGE,
        },
        ..UserQuery::default()
    };
    let keyset_page = |filter: UserFilter| KeysetQuery {
        filter,
        limit: PAGE,
        ..KeysetQuery::default()
    };
    let cases: [(&'static str, &'static str, UserFilter); 6] = [
        (
            "list page, substring \"99\" (offset+total)",
            "list page, substring \"99\" (keyset)",
            containing("99"),
        ),
        (
            "list page, prefix \"user00\" (offset+total)",
            "list page, prefix \"user00\" (keyset)",
            searching("user00"),
        ),
        (
            "list page, status filter (offset+total)",
            "list page, status filter (keyset)",
            active(),
        ),
        (
            "list page, plant filter (offset+total)",
            "list page, plant filter (keyset)",
            at_plant(&f),
        ),
        (
            "list page, prefix 1 user (offset+total)",
            "list page, prefix 1 user (keyset)",
            searching(&username(4242)),
        ),
        (
            "list page, substring 1 user (offset+total)",
            "list page, substring 1 user (keyset)",
            containing(&username(4242)),
        ),
    ];
    for (offset_name, keyset_name, filter) in cases {
        let q = offset_page(filter.clone(), 0);
        let d = median(|_| async {
            repo.list_users(t, &q).await.expect("list");
        })
        .await;
        record(offset_name, d);
        let q = keyset_page(filter);
        let d = median(|_| async {
            repo.list_users_keyset(t, &q).await.expect("list");
        })
        .await;
        record(keyset_name, d);
    }

    // The page that ends 100 users before the end of the tenant.
    let depth = n - 100;
    let q = offset_page(UserFilter::default(), depth as u64);
    let d = median(|_| async {
        repo.list_users(t, &q).await.expect("deep page");
    })
    .await;
    record("deep page by offset (+total)", d);
    let q = KeysetQuery {
        after: Some(cursor_at(&f, depth).await),
        ..keyset_page(UserFilter::default())
    };
    let d = median(|_| async {
        let page = repo.list_users_keyset(t, &q).await.expect("deep page");
        assert_eq!(page.items.len() as u64, PAGE);
    })
    .await;
    record("deep page by cursor", d);

    if repo.connection().get_database_backend() == DatabaseBackend::Postgres {
        let pool = repo.connection().get_postgres_connection_pool();
        for (name, plain_name, filter, sql) in [
            (
                "count (PG)",
                "plain SELECT count(*) (PG)",
                UserFilter::default(),
                "SELECT count(*) FROM tenantry_users WHERE tenant_id = $1 AND deleted_at IS NULL",
            ),
            (
                "count, status filter (PG)",
                "plain SELECT count(*), status (PG)",
                active(),
                "SELECT count(*) FROM tenantry_users WHERE tenant_id = $1 AND deleted_at IS NULL \
                 AND status = 'active'",
            ),
        ] {
            let d = median(|_| async {
                repo.count_users(t, &filter).await.expect("count");
            })
            .await;
            record(name, d);
            let d = median(|_| async {
                let (_,): (i64,) = sea_orm::sqlx::query_as(sql)
                    .bind(t.0)
                    .fetch_one(pool)
                    .await
                    .expect("plain count");
            })
            .await;
            record(plain_name, d);
        }
    }
    if n != SMALL && std::env::var_os("TENANTRY_SCALE_KEEP").is_some() {
        // For query-plan work by hand: keep the big database instead of dropping it.
        println!(
            "kept the {n}-user database: {} (tenant {})",
            f.db.url(),
            f.tenant.0
        );
        std::mem::forget(f.db);
    }
}

/// The target for an operation: its 1M/10k ratio at most this, or `None`.
fn target(name: &str) -> Option<f64> {
    if name.starts_with("plain") {
        None
    } else if name.starts_with("count") {
        // Its target is against the plain count at the big size, printed below the table.
        None
    } else {
        Some(1.5)
    }
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    if let Some(filter) = std::env::args().skip(1).find(|a| !a.starts_with('-'))
        && !"scale".contains(filter.as_str())
    {
        return;
    }
    let big = big();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let mut results = Results::new();
    let mut order = Vec::new();
    rt.block_on(async {
        measure(SMALL, &mut results, &mut order).await;
        measure(big, &mut results, &mut order).await;
    });
    println!("\nscale: operation | median at {SMALL} | median at {big} | ratio | target | met");
    for name in &order {
        let [small, large] = results[name][..] else {
            continue;
        };
        let ratio = large.as_secs_f64() / small.as_secs_f64();
        let (target, met) = match target(name) {
            Some(t) => (format!("≤ {t}×"), if ratio <= t { "met" } else { "missed" }),
            None => ("—".to_owned(), "—"),
        };
        println!(
            "{name} | {} | {} | {ratio:.2}× | {target} | {met}",
            ms(small),
            ms(large)
        );
    }
    // count against the plain count with the same filter, at the big size.
    for (ours, plain) in [
        ("count (PG)", "plain SELECT count(*) (PG)"),
        (
            "count, status filter (PG)",
            "plain SELECT count(*), status (PG)",
        ),
    ] {
        if let (Some(a), Some(b)) = (results.get(ours), results.get(plain)) {
            let ratio = a[1].as_secs_f64() / b[1].as_secs_f64();
            let met = if ratio <= 1.2 { "met" } else { "missed" };
            println!(
                "{ours} vs plain at {big} | {} | {} | {ratio:.2}× | ≤ 1.2× | {met}",
                ms(a[1]),
                ms(b[1])
            );
        }
    }
}
