#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Lockout: the threshold, locks that double up to a cap (with a manual clock), reset on
//! success, admin unlock, and exact counting under concurrency.

mod auth_common;

use std::sync::Arc;
use std::time::Duration;

use auth_common::*;
use tenantry_service::{Config, Error, LoginOutcome, UserRepository};

const MINUTE: i64 = 60;

/// Three failures lock; the first lock lasts 15 minutes, the longest one hour.
fn three_strikes() -> Config {
    let mut config = Config::insecure_fast_for_tests();
    config.lockout.max_failed_attempts = 3;
    config.lockout.base_lock = Duration::from_secs(15 * 60);
    config.lockout.max_lock = Duration::from_secs(60 * 60);
    config
}

/// How long the user stays locked from now, in seconds (`None`: not locked).
async fn lock_left(env: &Env, id: tenantry_service::UserId) -> Option<i64> {
    env.row(id)
        .await
        .locked_until
        .filter(|until| *until > env.now())
        .map(|until| (until - env.now()).num_seconds())
}

#[tokio::test]
async fn the_threshold_locks_until_the_lock_expires() {
    let env = env_with(three_strikes()).await;
    let user = env.user("dave").await;

    // Below the threshold nothing is locked, and a success resets the count.
    env.login_refused("dave", WRONG).await;
    env.login_refused("dave", WRONG).await;
    assert_eq!(env.row(user.id).await.failed_login_count, 2);
    assert_eq!(lock_left(&env, user.id).await, None);
    env.login_ok("dave", STRONG).await;
    assert_eq!(env.row(user.id).await.failed_login_count, 0);

    // The third failure in a row locks for the base time.
    for n in 1..=3 {
        env.login_refused("dave", WRONG).await;
        assert_eq!(env.row(user.id).await.failed_login_count, n);
    }
    assert_eq!(lock_left(&env, user.id).await, Some(15 * MINUTE));
    let view = env
        .repo
        .get_user(env.tid(), user.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        view.locked_until,
        Some(env.now() + chrono::Duration::minutes(15))
    );

    // Locked, the right password looks exactly like a wrong one, by username or email.
    env.login_refused("dave", STRONG).await;
    env.login_refused("dave@example.com", STRONG).await;
    assert_eq!(
        env.login_events(Some(user.id)).await[0].outcome,
        LoginOutcome::Locked
    );
    env.advance(15 * MINUTE - 1);
    env.login_refused("dave", STRONG).await;

    // Once the lock has passed, the right password works and resets everything.
    env.advance(2);
    let auth = env.login_ok("dave", STRONG).await;
    assert_eq!(auth.user.locked_until, None);
    let row = env.row(user.id).await;
    assert_eq!(row.failed_login_count, 0);
    assert_eq!(row.lock_count, 0);
    assert_eq!(row.locked_until, None);
}

#[tokio::test]
async fn each_further_lock_doubles_up_to_the_cap() {
    let env = env_with(three_strikes()).await;
    let user = env.user("erin").await;

    for _ in 0..3 {
        env.login_refused("erin", WRONG).await;
    }
    assert_eq!(lock_left(&env, user.id).await, Some(15 * MINUTE));
    // Failures during a lock are counted but do not extend it.
    let first_until = env.row(user.id).await.locked_until;
    env.advance(MINUTE);
    env.login_refused("erin", WRONG).await;
    assert_eq!(env.row(user.id).await.locked_until, first_until);

    // After each lock, one further failure locks again, twice as long, up to one hour.
    let expected_minutes = [30, 60, 60, 60];
    let mut left = 14 * MINUTE;
    for minutes in expected_minutes {
        env.advance(left + 1);
        assert_eq!(lock_left(&env, user.id).await, None);
        env.login_refused("erin", WRONG).await;
        assert_eq!(
            lock_left(&env, user.id).await,
            Some(minutes * MINUTE),
            "the next lock should last {minutes} minutes"
        );
        left = minutes * MINUTE;
    }

    // A success after the lock resets the doubling: the next lock is the base one again.
    env.advance(left + 1);
    env.login_ok("erin", STRONG).await;
    for _ in 0..2 {
        env.login_refused("erin", WRONG).await;
    }
    assert_eq!(lock_left(&env, user.id).await, None);
    env.login_refused("erin", WRONG).await;
    assert_eq!(lock_left(&env, user.id).await, Some(15 * MINUTE));
}

#[tokio::test]
async fn an_admin_can_unlock() {
    let env = env_with(three_strikes()).await;
    let admin = env.user("admin").await;
    let user = env.user("frank").await;
    for _ in 0..3 {
        env.login_refused("frank", WRONG).await;
    }
    env.login_refused("frank", STRONG).await;
    assert!(lock_left(&env, user.id).await.is_some());

    let view = env
        .repo
        .unlock_user(env.tid(), user.id, Some(admin.id))
        .await
        .unwrap();
    assert_eq!(view.locked_until, None);
    let row = env.row(user.id).await;
    assert_eq!((row.failed_login_count, row.lock_count), (0, 0));
    assert_eq!(row.locked_until, None);
    assert_eq!(env.audit_actions().await.last().unwrap(), "user.unlocked");
    env.login_ok("frank", STRONG).await;

    // Only in its own tenant.
    let beta = env
        .repo
        .create_tenant(
            tenantry_service::NewTenant {
                slug: "beta".into(),
                name: "Beta".into(),
            },
            None,
        )
        .await
        .unwrap();
    assert!(matches!(
        env.repo.unlock_user(beta.id, user.id, None).await,
        Err(Error::NotFound)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_wrong_passwords_count_exactly_fifty() {
    let env = env().await;
    let user = env.user("grace").await;
    let repo: Arc<dyn UserRepository> = env.dyn_repo();
    let tenant = env.tid();
    let before = env.runs();

    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let repo = Arc::clone(&repo);
            tokio::spawn(async move { repo.authenticate(tenant, "grace", &pw(WRONG), web()).await })
        })
        .collect();
    for task in tasks {
        assert_invalid_credentials(task.await.unwrap(), "concurrent wrong password");
    }

    assert_eq!(env.runs() - before, 50);
    let row = env.row(user.id).await;
    assert_eq!(row.failed_login_count, 50);
    // The default threshold (10) was crossed once: one lock, not one per late failure.
    assert_eq!(row.lock_count, 1);
    assert!(row.locked_until.is_some_and(|until| until > env.now()));
    let events = env.login_events(Some(user.id)).await;
    assert_eq!(events.len(), 50);
    assert!(events.iter().all(|e| matches!(
        e.outcome,
        LoginOutcome::WrongPassword | LoginOutcome::Locked
    )));
}
