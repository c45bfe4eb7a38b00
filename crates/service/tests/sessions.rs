#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Issue 16, points 3 and 4: the database session store (`SeaOrmSessionStore`) and a user's
//! sessions (`Sessions`), on every backend. A session is a row found by its id's hash; `load`
//! refuses what has ended (revoked, expired, its user or tenant unable to sign in, its user's
//! stamp rotated), `save` writes at most once a minute while nothing changes, and usage adds
//! up the gaps between writes up to the idle limit.

#[macro_use]
mod common;

use common::*;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;
use tenantry_service::entity::sessions;
use tenantry_service::prelude::*;
use tenantry_service::session_meta::SessionMeta;
use tenantry_service::session_store::SeaOrmSessionStore;
use tenantry_service::{Error, PageRequest, TenantId, UserId, UserRole, UserUpdate};
use time::OffsetDateTime;
use tower_sessions_core::session::{Id, Record};
use tower_sessions_core::{Expiry, Session, SessionStore};

const MINUTE: i64 = 60;

fn store(env: &Env) -> SeaOrmSessionStore {
    SeaOrmSessionStore::new(env.repo.clone())
}

/// What tenantry's axum-login backend keeps in a signed-in session.
fn signed_in(tenant: TenantId, user: UserId) -> HashMap<String, Value> {
    HashMap::from([(
        "axum-login.data".to_owned(),
        json!({ "user_id": { "tenant": tenant, "user": user }, "auth_hash": [1, 2, 3] }),
    )])
}

/// A record of `data` expiring in an hour of the env's clock.
fn record(env: &Env, data: HashMap<String, Value>) -> Record {
    Record {
        id: Id::default(),
        data,
        expiry_date: in_seconds(env, 3600),
    }
}

fn in_seconds(env: &Env, seconds: i64) -> OffsetDateTime {
    let at = env.now() + chrono::Duration::seconds(seconds);
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(at.timestamp_micros()) * 1000).unwrap()
}

/// The documented hash a row is found by.
fn hash_of(id: Id) -> String {
    format!("{:x}", Sha256::digest(id.0.to_le_bytes()))
}

async fn row(env: &Env, id: Id) -> sessions::Model {
    sessions::Entity::find()
        .filter(sessions::Column::IdHash.eq(hash_of(id)))
        .one(env.conn())
        .await
        .unwrap()
        .expect("the session's row")
}

async fn all_rows(env: &Env) -> Vec<sessions::Model> {
    let mut rows = sessions::Entity::find().all(env.conn()).await.unwrap();
    rows.sort_by_key(|r| r.id);
    rows
}

/// A signed-in session of `user` (in `acme`), created through the store.
async fn session_of(env: &Env, store: &SeaOrmSessionStore, user: UserId) -> Record {
    let mut record = record(env, signed_in(env.tid(), user));
    store.create(&mut record).await.unwrap();
    record
}

async fn loads(store: &SeaOrmSessionStore, record: &Record) -> bool {
    store.load(&record.id).await.unwrap().is_some()
}

#[tokio::test]
async fn a_session_round_trips_and_its_id_is_stored_only_as_a_hash() {
    let env = env().await;
    let store = store(&env);
    let ada = env.user("ada").await;
    let mut data = signed_in(env.tid(), ada.id);
    data.insert("theme".into(), json!("dark"));
    let mut record = record(&env, data);
    store.create(&mut record).await.unwrap();

    let loaded = store.load(&record.id).await.unwrap().expect("loads");
    assert_eq!(loaded, record, "data, id and expiry come back as saved");
    let row = row(&env, record.id).await;
    assert_eq!(
        (row.tenant_id, row.user_id),
        (Some(env.tid()), Some(ada.id))
    );
    assert_eq!(
        row.security_stamp,
        Some(env.row(ada.id).await.security_stamp)
    );
    let everything = format!("{row:?} {store:?}");
    for raw in [record.id.to_string(), record.id.0.to_string()] {
        assert!(
            !everything.contains(&raw),
            "the raw id is stored or printed"
        );
    }

    // An anonymous session has no user.
    let mut anonymous = self::record(&env, HashMap::from([("k".into(), json!(1))]));
    store.create(&mut anonymous).await.unwrap();
    let anonymous_row = self::row(&env, anonymous.id).await;
    assert_eq!(
        (anonymous_row.tenant_id, anonymous_row.user_id),
        (None, None)
    );
    assert!(loads(&store, &anonymous).await);
}

#[tokio::test]
async fn forged_truncated_foreign_and_revoked_ids_load_nothing_and_write_nothing() {
    let env = env().await;
    let store = store(&env);
    let ada = env.user("ada").await;
    let session = session_of(&env, &store, ada.id).await;
    let other = env.other_tenant("globex").await;
    let outsider = env
        .repo
        .create_user(other.id, user_input("olga", Some(STRONG)), None)
        .await
        .unwrap();

    // A truncated cookie is no id at all; a forged one (any other 128 bits) finds no row.
    let cookie = session.id.to_string();
    assert!(cookie[..21].parse::<Id>().is_err());
    assert!(format!("{cookie}AA").parse::<Id>().is_err());
    assert_eq!(store.load(&Id::default()).await.unwrap(), None);
    let flipped = Id(session.id.0 ^ 1);
    assert_eq!(store.load(&flipped).await.unwrap(), None);

    // Data naming a user of another tenant under this tenant (or a user that is not there)
    // gets no user, and loads as nothing.
    let mut foreign = record(&env, signed_in(env.tid(), outsider.id));
    store.create(&mut foreign).await.unwrap();
    assert_eq!(row(&env, foreign.id).await.user_id, None);
    assert_eq!(store.load(&foreign.id).await.unwrap(), None);

    // Another tenant cannot see or revoke acme's session.
    let pid = row(&env, session.id).await.pid;
    assert_err!(
        env.repo.revoke_session(other.id, ada.id, pid, None).await,
        Error::NotFound
    );
    assert_err!(
        env.repo
            .revoke_session(other.id, outsider.id, pid, None)
            .await,
        Error::NotFound
    );
    assert!(
        env.repo
            .list_sessions(other.id, ada.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(loads(&store, &session).await);

    let before = all_rows(&env).await;
    env.advance(2 * MINUTE);
    for id in [Id::default(), flipped, foreign.id] {
        assert_eq!(store.load(&id).await.unwrap(), None);
    }
    // A save of a forged id writes nothing either (no row is made by a save).
    let mut forged = session.clone();
    forged.id = flipped;
    store.save(&forged).await.unwrap();
    assert_eq!(all_rows(&env).await, before, "a refused id wrote something");

    // A revoked session loads as nothing and a save does not bring it back.
    env.repo
        .revoke_session(env.tid(), ada.id, pid, None)
        .await
        .unwrap();
    assert!(!loads(&store, &session).await);
    let revoked = all_rows(&env).await;
    env.advance(2 * MINUTE);
    store.save(&session).await.unwrap();
    assert!(!loads(&store, &session).await);
    assert_eq!(all_rows(&env).await, revoked);
}

#[tokio::test]
async fn an_oversized_or_hostile_user_agent_or_address_is_trimmed_or_refused() {
    let env = env().await;
    let store = store(&env);
    let ada = env.user("ada").await;
    let long = format!("Mozilla/5.0 {}", "é".repeat(400));
    let cases: [(Value, Option<&str>, Option<String>); 4] = [
        (
            serde_json::to_value(SessionMeta::new(
                Some("2001:db8::1".parse().unwrap()),
                Some(&long),
            ))
            .unwrap(),
            Some("2001:db8::1"),
            Some(long.chars().take(255).collect()),
        ),
        // Written by hand, past SessionMeta::new: the store checks again.
        (
            json!({ "ip": "203.0.113.9", "user_agent": format!("  {}", "a".repeat(5000)) }),
            Some("203.0.113.9"),
            Some("a".repeat(255)),
        ),
        (
            json!({ "ip": "203.0.113.9", "user_agent": "evil\r\nX-Injected: 1" }),
            Some("203.0.113.9"),
            None,
        ),
        // Not an address: the whole metadata is refused.
        (
            json!({ "ip": "9".repeat(100), "user_agent": "curl" }),
            None,
            None,
        ),
    ];
    for (meta, ip, agent) in cases {
        let mut data = signed_in(env.tid(), ada.id);
        data.insert(SessionMeta::KEY.into(), meta.clone());
        let mut session = record(&env, data);
        store.create(&mut session).await.unwrap();
        let row = row(&env, session.id).await;
        assert_eq!(row.ip.as_deref(), ip, "{meta}");
        assert_eq!(row.user_agent, agent, "{meta}");
        assert!(loads(&store, &session).await);
    }
    let listed = env.repo.list_sessions(env.tid(), ada.id).await.unwrap();
    assert_eq!(listed.len(), 4);
    assert!(listed.iter().all(|s| {
        s.user_agent
            .as_ref()
            .is_none_or(|a| a.chars().count() <= 255)
    }));
}

#[tokio::test]
async fn sixty_four_concurrent_requests_on_one_session_keep_exactly_one_row() {
    let env = env().await;
    let store = store(&env);
    let ada = env.user("ada").await;
    let session = session_of(&env, &store, ada.id).await;
    let requests = (0..64).map(|i| {
        let store = store.clone();
        let id = session.id;
        tokio::spawn(async move {
            let mut loaded = store.load(&id).await.unwrap().expect("loads");
            if i % 4 == 0 {
                loaded.data.insert("last".into(), json!(i));
            }
            store.save(&loaded).await.unwrap();
        })
    });
    for request in futures::future::join_all(requests).await {
        request.unwrap();
    }
    let rows = all_rows(&env).await;
    assert_eq!(rows.len(), 1, "lost or duplicated: {}", rows.len());
    let loaded = store.load(&session.id).await.unwrap().expect("still loads");
    // The last write wins, as with any session store: whichever request wrote it, the data is
    // one a request saved, with its user.
    assert_eq!(
        loaded.data["axum-login.data"],
        session.data["axum-login.data"]
    );
    assert!(
        loaded
            .data
            .get("last")
            .is_none_or(|i| i.as_i64().is_some_and(|i| i % 4 == 0))
    );
    assert_eq!(row(&env, session.id).await.user_id, Some(ada.id));
}

#[tokio::test]
async fn saves_of_an_unchanged_session_write_at_most_once_a_minute() {
    let env = env().await;
    let store = store(&env);
    let ada = env.user("ada").await;
    let mut session = session_of(&env, &store, ada.id).await;
    let created = row(&env, session.id).await;

    // Every request of a minute pushes the expiry (Expiry::OnInactivity): none writes.
    for step in 1..=11 {
        env.advance(5);
        session.expiry_date = in_seconds(&env, 3600);
        store.save(&session).await.unwrap();
        assert_eq!(row(&env, session.id).await, created, "step {step} wrote");
    }
    env.advance(5);
    session.expiry_date = in_seconds(&env, 3600);
    store.save(&session).await.unwrap();
    let written = row(&env, session.id).await;
    assert_eq!(written.last_seen_at, env.now(), "a minute on: one write");
    assert_eq!(written.expires_at.timestamp(), env.now().timestamp() + 3600);

    // A change of data writes at once; a shorter expiry too.
    env.advance(1);
    session.data.insert("cart".into(), json!([1]));
    store.save(&session).await.unwrap();
    assert_eq!(row(&env, session.id).await.last_seen_at, env.now());
    env.advance(1);
    session.expiry_date = in_seconds(&env, 60);
    store.save(&session).await.unwrap();
    let shortened = row(&env, session.id).await;
    assert_eq!(shortened.expires_at.timestamp(), env.now().timestamp() + 60);
    assert_eq!(all_rows(&env).await.len(), 1);
}

/// Issue 16's budget, counted statement by statement: a request is one read, and an unchanged
/// session costs one write a minute — the other saves send nothing at all.
#[tokio::test]
async fn a_request_is_one_read_and_an_unchanged_session_one_write_a_minute() {
    let env = env().await;
    let ada = env.user("ada").await;
    let log = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut conn = env.conn().clone();
    let sink = Arc::clone(&log);
    conn.set_metric_callback(move |info| {
        sink.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(info.statement.sql.clone());
    });
    let repo = tenantry_service::SeaOrmUserRepository::new(
        conn,
        tenantry_service::Config::insecure_fast_for_tests(),
    )
    .unwrap()
    .with_clock(Arc::new(env.clock.clone()));
    let store = SeaOrmSessionStore::new(repo);
    let session = session_of(&env, &store, ada.id).await;
    log.lock().unwrap().clear();

    // Three minutes of a request every five seconds, each pushing the expiry.
    for _ in 0..36 {
        env.advance(5);
        let mut loaded = store.load(&session.id).await.unwrap().expect("live");
        loaded.expiry_date = in_seconds(&env, 3600);
        store.save(&loaded).await.unwrap();
    }
    let statements = std::mem::take(&mut *log.lock().unwrap());
    let starts = |verb: &str| {
        statements
            .iter()
            .filter(|sql| sql.trim_start().to_uppercase().starts_with(verb))
            .count()
    };
    assert_eq!(starts("SELECT"), 36, "{statements:#?}");
    assert_eq!(starts("UPDATE"), 3, "{statements:#?}");
    assert_eq!(statements.len(), 39, "{statements:#?}");
    assert_eq!(row(&env, session.id).await.last_seen_at, env.now());
}

#[tokio::test]
async fn usage_adds_the_gaps_up_to_the_idle_limit_and_survives_pruning() {
    let env = env().await;
    let store = store(&env).with_idle_limit(std::time::Duration::from_secs(15 * 60));
    let ada = env.user("ada").await;
    let started = env.now();
    let mut session = session_of(&env, &store, ada.id).await;
    // 5 minutes counted, 20 not (over the limit), 2 counted; each save pushes the expiry.
    for minutes in [5, 20, 2] {
        env.advance(minutes * MINUTE);
        session.expiry_date = in_seconds(&env, 3600);
        store.save(&session).await.unwrap();
    }
    assert_eq!(row(&env, session.id).await.active_seconds, 7 * MINUTE);
    let usage = env.repo.session_usage(env.tid(), ada.id).await.unwrap();
    assert_eq!(usage.total_active_minutes, 7);
    assert_eq!(usage.last_session_start, Some(started));

    // A second session later; then both end and are pruned: usage stays.
    env.advance(MINUTE);
    let second_start = env.now();
    let mut second = session_of(&env, &store, ada.id).await;
    env.advance(10 * MINUTE);
    second.expiry_date = in_seconds(&env, 3600);
    store.save(&second).await.unwrap();
    let before = env.repo.session_usage(env.tid(), ada.id).await.unwrap();
    assert_eq!(before.total_active_minutes, 17);
    assert_eq!(before.last_session_start, Some(second_start));

    store.delete(&session.id).await.unwrap();
    env.repo
        .revoke_all_sessions(env.tid(), ada.id, None)
        .await
        .unwrap();
    assert_eq!(env.repo.prune_sessions().await.unwrap(), 2);
    assert!(all_rows(&env).await.is_empty());
    assert_eq!(
        env.repo.session_usage(env.tid(), ada.id).await.unwrap(),
        before
    );

    // A third session adds to the pruned tally, and pruning again folds it in.
    let mut third = session_of(&env, &store, ada.id).await;
    env.advance(3 * MINUTE);
    third.expiry_date = in_seconds(&env, 30);
    store.save(&third).await.unwrap();
    env.advance(MINUTE);
    assert_eq!(env.repo.prune_sessions().await.unwrap(), 1, "expired");
    let after = env.repo.session_usage(env.tid(), ada.id).await.unwrap();
    assert_eq!(after.total_active_minutes, 20);
    assert!(after.last_session_start > before.last_session_start);

    // A user without sessions has no usage.
    let bob = env.user("bob").await;
    let none = env.repo.session_usage(env.tid(), bob.id).await.unwrap();
    assert_eq!(
        (none.last_session_start, none.total_active_minutes),
        (None, 0)
    );
}

#[tokio::test]
async fn pruning_deletes_only_ended_sessions() {
    let env = env().await;
    let store = store(&env);
    let ada = env.user("ada").await;
    let live = session_of(&env, &store, ada.id).await;
    let revoked = session_of(&env, &store, ada.id).await;
    let mut expiring = record(&env, signed_in(env.tid(), ada.id));
    expiring.expiry_date = in_seconds(&env, 30);
    store.create(&mut expiring).await.unwrap();
    let mut anonymous = record(&env, HashMap::new());
    anonymous.expiry_date = in_seconds(&env, 30);
    store.create(&mut anonymous).await.unwrap();
    store.delete(&revoked.id).await.unwrap();
    assert_eq!(
        env.repo.prune_sessions().await.unwrap(),
        1,
        "only the revoked one yet"
    );
    env.advance(MINUTE);
    assert!(!loads(&store, &expiring).await);
    assert_eq!(env.repo.prune_sessions().await.unwrap(), 2);
    assert_eq!(env.repo.prune_sessions().await.unwrap(), 0);
    let rows = all_rows(&env).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].id_hash, hash_of(live.id));
    assert!(loads(&store, &live).await);
}

#[tokio::test]
async fn revoking_others_keeps_the_current_session_and_the_list_shows_no_secret() {
    let env = env().await;
    let store = store(&env);
    let ada = env.user("ada").await;
    let bob = env.user("bob").await;
    let current = session_of(&env, &store, ada.id).await;
    env.advance(1);
    let laptop = session_of(&env, &store, ada.id).await;
    env.advance(1);
    let phone = session_of(&env, &store, ada.id).await;
    let bobs = session_of(&env, &store, bob.id).await;

    let listed = env.repo.list_sessions(env.tid(), ada.id).await.unwrap();
    assert_eq!(listed.len(), 3);
    assert_eq!(listed[0].pid, row(&env, phone.id).await.pid, "newest first");
    let shown = serde_json::to_string(&listed).unwrap();
    for session in [&current, &laptop, &phone] {
        assert!(!shown.contains(&hash_of(session.id)), "a hash is listed");
        assert!(!shown.contains(&session.id.to_string()), "an id is listed");
    }

    assert_err!(
        env.repo
            .revoke_other_sessions(env.tid(), ada.id, "not-an-id", None)
            .await,
        Error::InvalidInput(_)
    );
    let revoked = env
        .repo
        .revoke_other_sessions(env.tid(), ada.id, &current.id.to_string(), Some(ada.id))
        .await
        .unwrap();
    assert_eq!(revoked, 2);
    assert!(loads(&store, &current).await);
    assert!(!loads(&store, &laptop).await);
    assert!(!loads(&store, &phone).await);
    assert!(loads(&store, &bobs).await, "another user's session stays");
    let left = env.repo.list_sessions(env.tid(), ada.id).await.unwrap();
    assert_eq!(
        left.iter().map(|s| s.pid).collect::<Vec<_>>(),
        [row(&env, current.id).await.pid]
    );

    assert_eq!(
        env.repo
            .revoke_all_sessions(env.tid(), ada.id, None)
            .await
            .unwrap(),
        1
    );
    assert!(!loads(&store, &current).await);
    assert!(
        env.repo
            .list_sessions(env.tid(), ada.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(loads(&store, &bobs).await);
    let audited = env.audit_actions().await;
    assert_eq!(
        audited.iter().filter(|a| *a == "sessions.revoked").count(),
        2,
        "{audited:?}"
    );
    let events = env
        .repo
        .list_audit_events(env.tid(), PageRequest::first(10))
        .await
        .unwrap()
        .items;
    let details = format!("{events:?}");
    assert!(!details.contains(&hash_of(current.id)));
}

/// Each way a user stops being able to sign in ends a session the store saved before it.
#[tokio::test]
async fn every_change_that_ends_a_users_sessions_ends_the_stored_session() {
    let env = env().await;
    let store = store(&env);
    let admin = env.user("root").await;
    env.repo
        .set_tenant_role(env.tid(), admin.id, Some(UserRole::Admin), None)
        .await
        .unwrap();
    let mut cases: Vec<(&str, Record)> = Vec::new();
    let mut users: Vec<UserId> = Vec::new();
    for name in ["password", "status", "role", "expiry", "deletion"] {
        let user = env.user(name).await;
        users.push(user.id);
        cases.push((name, session_of(&env, &store, user.id).await));
    }
    for (_, session) in &cases {
        assert!(loads(&store, session).await);
    }
    let (tid, repo) = (env.tid(), &env.repo);
    repo.change_password(tid, users[0], &pw(STRONG), &pw(OTHER))
        .await
        .unwrap();
    repo.deactivate_user(tid, users[1], None).await.unwrap();
    repo.set_tenant_role(tid, users[2], Some(UserRole::Supervisor), None)
        .await
        .unwrap();
    let expired = UserUpdate {
        expires_at: Some(Some(env.now() - chrono::Duration::seconds(1))),
        ..UserUpdate::default()
    };
    repo.update_user(tid, users[3], expired, None)
        .await
        .unwrap();
    repo.delete_user(tid, users[4], None).await.unwrap();
    for (name, session) in &cases {
        assert!(!loads(&store, session).await, "{name}: the session held");
    }

    // Undoing a change does not bring the session back: the stamp rotated.
    repo.reactivate_user(tid, users[1], None).await.unwrap();
    assert!(!loads(&store, &cases[1].1).await);

    // An expiry that passes by itself, with nothing written, ends it too.
    let later = env.user("later").await;
    let in_an_hour = UserUpdate {
        expires_at: Some(Some(env.now() + chrono::Duration::seconds(3600))),
        ..UserUpdate::default()
    };
    repo.update_user(tid, later.id, in_an_hour, None)
        .await
        .unwrap();
    let mut session = record(&env, signed_in(tid, later.id));
    session.expiry_date = in_seconds(&env, 4 * 3600);
    store.create(&mut session).await.unwrap();
    assert!(loads(&store, &session).await);
    env.advance(3601);
    assert!(
        !loads(&store, &session).await,
        "past the account's expires_at"
    );

    // A tenant's suspension ends every session of the tenant, and only of that tenant.
    let other = env.other_tenant("globex").await;
    let outsider = repo
        .create_user(other.id, user_input("olga", Some(STRONG)), None)
        .await
        .unwrap();
    let mut foreign = record(&env, signed_in(other.id, outsider.id));
    store.create(&mut foreign).await.unwrap();
    let admins = session_of(&env, &store, admin.id).await;
    assert!(loads(&store, &admins).await);
    repo.suspend_tenant(tid, None).await.unwrap();
    assert!(!loads(&store, &admins).await, "tenant suspended");
    assert!(
        loads(&store, &foreign).await,
        "the other tenant's session stays"
    );
    repo.reactivate_tenant(tid, None).await.unwrap();
    assert!(
        !loads(&store, &admins).await,
        "reactivating does not bring it back"
    );
}

#[tokio::test]
async fn purging_a_user_deletes_its_sessions() {
    let env = env().await;
    let store = store(&env);
    let ada = env.user("ada").await;
    let session = session_of(&env, &store, ada.id).await;
    env.repo.delete_user(env.tid(), ada.id, None).await.unwrap();
    env.repo.purge_user(env.tid(), ada.id, None).await.unwrap();
    assert!(all_rows(&env).await.is_empty());
    assert!(!loads(&store, &session).await);
    // A save of the purged user's session makes no row and names no user.
    store.save(&session).await.unwrap();
    assert!(all_rows(&env).await.is_empty());
}

#[tokio::test]
async fn create_never_overwrites_a_session_with_the_same_id() {
    let env = env().await;
    let store = store(&env);
    let ada = env.user("ada").await;
    let bob = env.user("bob").await;
    let first = session_of(&env, &store, ada.id).await;
    let mut colliding = record(&env, signed_in(env.tid(), bob.id));
    colliding.id = first.id;
    store.create(&mut colliding).await.unwrap();
    assert_ne!(colliding.id, first.id, "a new id on collision");
    assert_eq!(store.load(&first.id).await.unwrap(), Some(first));
    assert_eq!(store.load(&colliding.id).await.unwrap(), Some(colliding));
    assert_eq!(all_rows(&env).await.len(), 2);
}

/// Through tower-sessions' own `Session`, as a request uses it: signing in, a request that
/// pushes the expiry, a logout.
#[tokio::test]
async fn the_store_serves_tower_sessions() {
    let env = env().await;
    let store = Arc::new(store(&env));
    let ada = env.user("ada").await;
    let expiry = Some(Expiry::OnInactivity(time::Duration::hours(1)));

    let session = Session::new(None, store.clone(), expiry);
    session
        .insert(
            "axum-login.data",
            json!({ "user_id": { "tenant": env.tid(), "user": ada.id } }),
        )
        .await
        .unwrap();
    SessionMeta::new(Some("198.51.100.4".parse().unwrap()), Some("Firefox"))
        .attach(&session)
        .await
        .unwrap();
    session.save().await.unwrap();
    let id = session.id().expect("an id once saved");
    let row = row(&env, id).await;
    assert_eq!(row.user_id, Some(ada.id));
    assert_eq!(row.ip.as_deref(), Some("198.51.100.4"));

    // The next request finds it; attaching the same metadata again changes nothing.
    let next = Session::new(Some(id), store.clone(), expiry);
    SessionMeta::new(Some("198.51.100.4".parse().unwrap()), Some("Firefox"))
        .attach(&next)
        .await
        .unwrap();
    assert!(!next.is_modified());
    assert_eq!(
        next.get::<Value>("axum-login.data").await.unwrap().unwrap()["user_id"]["user"],
        json!(ada.id)
    );

    // Logout: the row is revoked, and the cookie's id loads nothing.
    next.flush().await.unwrap();
    let after = Session::new(Some(id), store.clone(), expiry);
    assert!(
        after
            .get::<Value>("axum-login.data")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        sessions::Entity::find()
            .filter(sessions::Column::RevokedAt.is_not_null())
            .count(env.conn())
            .await
            .unwrap(),
        1
    );
}
