#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Issue 12, finding 6: a session must not outlive an expiry or a suspension. A session holds
//! the security stamp it was made with; after an expiry, a user or tenant suspension, and the
//! lifting of either, that stamp never matches again, and while the account cannot sign in no
//! stamp is given out at all.

mod common;

use common::*;
use tenantry_service::prelude::*;
use tenantry_service::{UserId, UserUpdate};

const HOUR: i64 = 3600;

/// The stamp a session check sees (`None`: the session ends).
async fn stamp(env: &Env, user: UserId) -> Option<String> {
    env.repo.security_stamp(env.tid(), user).await.unwrap()
}

fn expiring(at: Option<chrono::DateTime<chrono::Utc>>) -> UserUpdate {
    UserUpdate {
        expires_at: Some(at),
        ..UserUpdate::default()
    }
}

#[tokio::test]
async fn an_expiry_set_in_the_past_ends_the_session_for_good() {
    let env = env().await;
    let user = env.user("erin").await;
    let session = env.login_ok("erin", STRONG).await.security_stamp;
    assert_eq!(
        stamp(&env, user.id).await.as_deref(),
        Some(session.as_str())
    );

    env.repo
        .update_user(env.tid(), user.id, expiring(Some(env.now())), None)
        .await
        .unwrap();
    assert_eq!(stamp(&env, user.id).await, None, "expired: no stamp");

    // The admin lifts the expiry: the account signs in again, the old session does not.
    env.repo
        .update_user(env.tid(), user.id, expiring(None), None)
        .await
        .unwrap();
    let now = stamp(&env, user.id).await.expect("a stamp again");
    assert_ne!(
        now, session,
        "the old session came back after the expiry was lifted"
    );
    let fresh = env.login_ok("erin", STRONG).await.security_stamp;
    assert_eq!(fresh, now, "a new login holds");
}

#[tokio::test]
async fn an_expiry_that_passes_by_itself_ends_the_session_and_lifting_it_does_not_revive_it() {
    let env = env().await;
    let user = env.user("fred").await;
    env.repo
        .update_user(
            env.tid(),
            user.id,
            expiring(Some(env.now() + chrono::Duration::seconds(HOUR))),
            None,
        )
        .await
        .unwrap();
    let session = env.login_ok("fred", STRONG).await.security_stamp;
    assert_eq!(
        stamp(&env, user.id).await.as_deref(),
        Some(session.as_str())
    );

    // Nothing is written when the hour passes; the stamp lookup alone refuses it.
    env.advance(HOUR);
    assert_eq!(stamp(&env, user.id).await, None, "expired at expires_at");
    env.advance(HOUR);
    assert_eq!(stamp(&env, user.id).await, None);

    // Extending an expiry that already passed rotates the stamp.
    env.repo
        .update_user(
            env.tid(),
            user.id,
            expiring(Some(env.now() + chrono::Duration::seconds(HOUR))),
            None,
        )
        .await
        .unwrap();
    let now = stamp(&env, user.id).await.expect("signs in again");
    assert_ne!(now, session, "the paused session came back");
}

#[tokio::test]
async fn moving_a_future_expiry_keeps_the_session() {
    let env = env().await;
    let user = env.user("gina").await;
    let session = env.login_ok("gina", STRONG).await.security_stamp;
    for hours in [5, 1, 48] {
        env.repo
            .update_user(
                env.tid(),
                user.id,
                expiring(Some(env.now() + chrono::Duration::seconds(hours * HOUR))),
                None,
            )
            .await
            .unwrap();
        assert_eq!(
            stamp(&env, user.id).await.as_deref(),
            Some(session.as_str())
        );
    }
    env.repo
        .update_user(env.tid(), user.id, expiring(None), None)
        .await
        .unwrap();
    assert_eq!(
        stamp(&env, user.id).await.as_deref(),
        Some(session.as_str())
    );
}

#[tokio::test]
async fn a_tenant_suspension_ends_every_session_of_the_tenant_and_only_that_tenant() {
    let env = env().await;
    let other = env.other_tenant("globex").await;
    let ada = env.user("ada").await;
    let bob = env.user("bob").await;
    let outsider = env
        .repo
        .create_user(other.id, user_input("ada", Some(STRONG)), None)
        .await
        .unwrap();
    let ada_session = env.login_ok("ada", STRONG).await.security_stamp;
    let bob_session = env.login_ok("bob", STRONG).await.security_stamp;
    let outsider_session = env
        .repo
        .security_stamp(other.id, outsider.id)
        .await
        .unwrap()
        .expect("a stamp");

    env.repo.suspend_tenant(env.tid(), None).await.unwrap();
    assert_eq!(
        stamp(&env, ada.id).await,
        None,
        "suspended tenant: no stamp"
    );
    assert_eq!(stamp(&env, bob.id).await, None);

    env.repo.reactivate_tenant(env.tid(), None).await.unwrap();
    let ada_now = stamp(&env, ada.id).await.expect("active again");
    let bob_now = stamp(&env, bob.id).await.expect("active again");
    assert_ne!(ada_now, ada_session, "ada's old session came back");
    assert_ne!(bob_now, bob_session, "bob's old session came back");
    assert_ne!(ada_now, bob_now, "stamps stay distinct per user");
    assert_eq!(env.login_ok("ada", STRONG).await.security_stamp, ada_now);

    // The other tenant's user was not touched.
    assert_eq!(
        env.repo
            .security_stamp(other.id, outsider.id)
            .await
            .unwrap()
            .as_deref(),
        Some(outsider_session.as_str())
    );
}

#[tokio::test]
async fn every_suspension_and_reactivation_gives_a_stamp_never_seen_before() {
    let env = env().await;
    let user = env.user("hugo").await;
    let mut seen = vec![env.login_ok("hugo", STRONG).await.security_stamp];
    for round in 0..3 {
        env.repo.suspend_tenant(env.tid(), None).await.unwrap();
        seen.push(env.row(user.id).await.security_stamp);
        env.repo.reactivate_tenant(env.tid(), None).await.unwrap();
        seen.push(stamp(&env, user.id).await.expect("active"));
        env.repo
            .deactivate_user(env.tid(), user.id, None)
            .await
            .unwrap();
        assert_eq!(stamp(&env, user.id).await, None, "round {round}: suspended");
        seen.push(env.row(user.id).await.security_stamp);
        env.repo
            .reactivate_user(env.tid(), user.id, None)
            .await
            .unwrap();
        seen.push(stamp(&env, user.id).await.expect("active"));
    }
    let distinct: std::collections::HashSet<&String> = seen.iter().collect();
    assert_eq!(distinct.len(), seen.len(), "a stamp repeated: {seen:?}");
}

#[tokio::test]
async fn deleted_and_restored_users_do_not_get_their_session_back() {
    let env = env().await;
    let user = env.user("iris").await;
    let session = env.login_ok("iris", STRONG).await.security_stamp;
    env.repo
        .delete_user(env.tid(), user.id, None)
        .await
        .unwrap();
    assert_eq!(stamp(&env, user.id).await, None);
    env.repo
        .restore_user(env.tid(), user.id, None)
        .await
        .unwrap();
    let now = stamp(&env, user.id).await.expect("restored");
    assert_ne!(now, session);
}
