#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Lockout: the threshold, locks that double up to a cap (with a manual clock), reset on
//! success, admin unlock, a redeemed reset, and the invariant under parallel guessing: between
//! two successes or lock expiries at most `max_failed_attempts` password checks run against an
//! account's hash, and once it is locked no login succeeds until the lock ends.

mod common;

use std::sync::Arc;
use std::time::Duration;
use tenantry_service::prelude::*;

use common::*;
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
    // Failures during a lock neither count nor extend it: no check runs.
    let first_until = env.row(user.id).await.locked_until;
    env.advance(MINUTE);
    env.login_refused("erin", WRONG).await;
    let row = env.row(user.id).await;
    assert_eq!((row.locked_until, row.failed_login_count), (first_until, 3));

    // After each lock, a fresh allowance: the full threshold of failures locks again, twice as
    // long, up to one hour.
    let expected_minutes = [30, 60, 60, 60];
    let mut left = 14 * MINUTE;
    for minutes in expected_minutes {
        env.advance(left + 1);
        assert_eq!(lock_left(&env, user.id).await, None);
        for _ in 0..2 {
            env.login_refused("erin", WRONG).await;
        }
        assert_eq!(
            lock_left(&env, user.id).await,
            None,
            "two failures after a lock"
        );
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

/// The denial-of-service bound: a guesser holds a lock only by spending the whole threshold
/// after each one, and the account's owner gets in at once with a reset link.
#[tokio::test]
async fn a_redeemed_password_reset_unlocks() {
    let env = env_with(three_strikes()).await;
    let user = env.user("ivan").await;
    for _ in 0..3 {
        env.login_refused("ivan", WRONG).await;
    }
    assert!(lock_left(&env, user.id).await.is_some());
    let token = env
        .repo
        .issue_password_reset(env.tid(), user.id, None, None)
        .await
        .unwrap()
        .token
        .into_string();
    env.repo
        .redeem_password_reset(Some(env.tid()), &token, &pw(OTHER))
        .await
        .unwrap();
    let row = env.row(user.id).await;
    assert_eq!(
        (row.locked_until, row.failed_login_count, row.lock_count),
        (None, 0, 0)
    );
    env.login_ok("ivan", OTHER).await;
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
    let beta = env.other_tenant("beta").await;
    assert!(matches!(
        env.repo.unlock_user(beta.id, user.id, None).await,
        Err(Error::NotFound)
    ));
}

/// `n` logins at once, each with its own password, through one shared repository.
async fn burst(env: &Env, login: &'static str, passwords: Vec<&'static str>) -> usize {
    let repo: Arc<dyn UserRepository> = env.dyn_repo();
    let tenant = env.tid();
    let tasks: Vec<_> = passwords
        .into_iter()
        .map(|password| {
            let repo = Arc::clone(&repo);
            tokio::spawn(
                async move { repo.authenticate(tenant, login, &pw(password), web()).await },
            )
        })
        .collect();
    let mut successes = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => successes += 1,
            other => assert_invalid_credentials(other, "burst"),
        }
    }
    successes
}

/// How many of the user's logins ran against its real hash, by outcome.
async fn checks(env: &Env, user: tenantry_service::UserId) -> (usize, usize) {
    let events = env.login_events(Some(user)).await;
    let count = |outcome| events.iter().filter(|e| e.outcome == outcome).count();
    (
        count(LoginOutcome::WrongPassword),
        count(LoginOutcome::Success),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_150_wrong_passwords_checks_only_the_threshold() {
    let env = env().await;
    let user = env.user("grace").await;
    let before = env.runs();

    let successes = burst(&env, "grace", vec![WRONG; 150]).await;

    assert_eq!(successes, 0);
    // Every attempt still ran the hasher once (against a dummy when refused)...
    assert_eq!(env.runs() - before, 150);
    // ...but only the default threshold (10) of them against the account's hash.
    assert_eq!(checks(&env, user.id).await, (10, 0));
    let row = env.row(user.id).await;
    assert_eq!((row.failed_login_count, row.lock_count), (10, 1));
    assert!(row.locked_until.is_some_and(|until| until > env.now()));
    let events = env.login_events(Some(user.id)).await;
    assert_eq!(events.len(), 150);
    let refused = events
        .iter()
        .filter(|e| e.outcome == LoginOutcome::Locked)
        .count();
    assert_eq!(refused, 140);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_with_the_right_password_never_outruns_the_lockout() {
    let env = env().await;
    let user = env.user("heidi").await;
    let mut passwords = vec![WRONG; 150];
    // The right one somewhere in the first half, where it races the guesses.
    passwords.insert(37, STRONG);

    let successes = burst(&env, "heidi", passwords).await;

    // The right password may win its check (then the count starts over once), never more.
    assert!(successes <= 1);
    let (wrong, right) = checks(&env, user.id).await;
    assert_eq!(right, successes);
    assert!(
        wrong <= 10 * (1 + successes),
        "{wrong} wrong passwords checked with {successes} success(es)"
    );
    // 150 guesses against at most 21 checks: the account ends locked, and stays so.
    assert!(lock_left(&env, user.id).await.is_some());
    env.login_refused("heidi", STRONG).await;
    env.advance(15 * MINUTE + 1);
    env.login_ok("heidi", STRONG).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn once_locked_not_even_a_burst_of_right_passwords_gets_in() {
    let env = env_with(three_strikes()).await;
    let user = env.user("judy").await;
    for _ in 0..3 {
        env.login_refused("judy", WRONG).await;
    }
    let locked = env.row(user.id).await.locked_until;
    assert!(locked.is_some());

    let successes = burst(&env, "judy", vec![STRONG; 100]).await;

    assert_eq!(successes, 0);
    assert_eq!(checks(&env, user.id).await, (3, 0));
    let row = env.row(user.id).await;
    assert_eq!((row.locked_until, row.failed_login_count), (locked, 3));
}

/// An account whose count already stands at the threshold with no lock (the threshold was
/// lowered since) is locked by its next attempt, which ends in time like any lock.
#[tokio::test]
async fn a_lowered_threshold_locks_at_the_next_attempt() {
    let env = env().await;
    let user = env.user("kim").await;
    for _ in 0..5 {
        env.login_refused("kim", WRONG).await;
    }
    let env = env.with_config(three_strikes());
    env.login_refused("kim", STRONG).await;
    assert_eq!(lock_left(&env, user.id).await, Some(15 * MINUTE));
    env.advance(15 * MINUTE + 1);
    env.login_ok("kim", STRONG).await;
}
