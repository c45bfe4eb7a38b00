#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Account lifecycle end to end: dormant accounts (listed, deactivated, the last tenant admin
//! kept, audited) and accounts that expire.

mod common;

use common::*;
use tenantry_service::prelude::*;
use tenantry_service::{
    Invitation, LoginOutcome, NewUser, PageRequest, UserRole, UserStatus, UserUpdate,
};

const DAY: i64 = 24 * 3600;

fn admin_input(username: &str) -> NewUser {
    NewUser {
        tenant_roles: vec![UserRole::Admin.into()],
        ..user_input(username, Some(STRONG))
    }
}

fn names(users: &[tenantry_service::UserView]) -> Vec<&str> {
    users
        .iter()
        .map(|u| u.username.as_deref().unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn dormant_users_are_listed_and_deactivated_keeping_the_last_admin() {
    let env = env().await;
    let boss = env.create(admin_input("boss")).await;
    let active = env.user("anna").await;
    let dormant_b = env.user("bert").await;
    let dormant_c = env.passwordless("cleo").await;
    env.repo
        .invite_user(
            env.tid(),
            Invitation {
                email: "ivy@example.com".into(),
                username: Some("ivy".into()),
                display_name: "Ivy".into(),
                ..Invitation::default()
            },
            None,
        )
        .await
        .unwrap();
    let suspended = env.user("sven").await;
    env.repo
        .deactivate_user(env.tid(), suspended.id, None)
        .await
        .unwrap();
    let deleted = env.user("dirk").await;
    env.repo
        .delete_user(env.tid(), deleted.id, None)
        .await
        .unwrap();
    // bert logged in once, long ago.
    env.login_ok("bert", STRONG).await;
    let reset = env
        .repo
        .issue_password_reset(env.tid(), dormant_b.id, None, None)
        .await
        .unwrap()
        .token
        .into_string();

    env.advance(10 * DAY);
    env.login_ok("anna", STRONG).await;
    env.advance(DAY);
    let since = env.now() - chrono::Duration::days(5);
    env.user("newbie").await;

    let dormant = env.repo.list_dormant(env.tid(), since).await.unwrap();
    assert_eq!(names(&dormant), ["bert", "boss", "cleo"]);
    // Only this tenant's users.
    let beta = env.other_tenant("beta").await;
    assert!(
        env.repo
            .list_dormant(beta.id, since)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        env.repo
            .deactivate_dormant(beta.id, since, None)
            .await
            .unwrap(),
        0
    );

    let audit_before = env.audit_actions().await.len();
    let stamp = env.row(dormant_b.id).await.security_stamp;
    let count = env
        .repo
        .deactivate_dormant(env.tid(), since, Some(boss.id))
        .await
        .unwrap();
    assert_eq!(count, 2, "bert and cleo; boss is the last active admin");

    for id in [dormant_b.id, dormant_c.id] {
        assert_eq!(env.row(id).await.status, UserStatus::Suspended);
    }
    assert_ne!(env.row(dormant_b.id).await.security_stamp, stamp);
    for id in [boss.id, active.id] {
        assert_eq!(env.row(id).await.status, UserStatus::Active);
    }
    env.login_refused("bert", STRONG).await;
    assert_eq!(
        env.login_events(Some(dormant_b.id)).await[0].outcome,
        LoginOutcome::Inactive
    );
    env.login_ok("boss", STRONG).await;
    // Deactivation voids outstanding tokens.
    env.repo
        .reactivate_user(env.tid(), dormant_b.id, None)
        .await
        .unwrap();
    assert_invalid_token(
        env.repo
            .redeem_password_reset(None, &reset, &pw(OTHER))
            .await,
        "reset token of a dormant user",
    );

    // Audited: one event per user, with the reason.
    let events = env
        .repo
        .list_audit_events(env.tid(), PageRequest::first(100))
        .await
        .unwrap()
        .items;
    let dormant_events: Vec<_> = events
        .iter()
        .filter(|e| e.action == "user.deactivated" && e.details["reason"] == "dormant")
        .collect();
    assert_eq!(dormant_events.len(), 2);
    for event in &dormant_events {
        assert_eq!(event.actor_user_id, Some(boss.id));
        assert!(
            matches!(event.target_user_id, Some(id) if id == dormant_b.id || id == dormant_c.id)
        );
    }
    assert_eq!(env.audit_actions().await.len(), audit_before + 2 + 1);

    // Nothing left to do: boss logged in just now.
    assert_eq!(
        env.repo
            .deactivate_dormant(env.tid(), since, None)
            .await
            .unwrap(),
        1,
        "bert was reactivated and is still dormant"
    );
    assert!(
        env.repo
            .list_dormant(env.tid(), since)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_dormant_admin_goes_when_another_admin_stays_and_one_of_two_is_kept() {
    let env = env().await;
    let old_admin = env.create(admin_input("oldadmin")).await;
    env.advance(30 * DAY);
    let since = env.now() - chrono::Duration::days(7);
    let fresh_admin = env.create(admin_input("freshadmin")).await;
    assert_eq!(
        env.repo
            .deactivate_dormant(env.tid(), since, None)
            .await
            .unwrap(),
        1
    );
    assert_eq!(env.row(old_admin.id).await.status, UserStatus::Suspended);
    assert_eq!(env.row(fresh_admin.id).await.status, UserStatus::Active);

    // Two dormant admins and no other: exactly one is kept.
    let other = env.create(admin_input("otheradmin")).await;
    env.advance(30 * DAY);
    let since = env.now() - chrono::Duration::days(7);
    let dormant = env.repo.list_dormant(env.tid(), since).await.unwrap();
    assert_eq!(names(&dormant), ["freshadmin", "otheradmin"]);
    assert_eq!(
        env.repo
            .deactivate_dormant(env.tid(), since, None)
            .await
            .unwrap(),
        1
    );
    let statuses = [
        env.row(fresh_admin.id).await.status,
        env.row(other.id).await.status,
    ];
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == UserStatus::Active)
            .count(),
        1
    );
    assert_eq!(
        env.repo
            .deactivate_dormant(env.tid(), since, None)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn an_account_past_its_expiry_cannot_log_in() {
    let env = env().await;
    let expires = env.now() + chrono::Duration::hours(1);
    let user = env
        .create(NewUser {
            expires_at: Some(expires),
            ..user_input("temp", Some(STRONG))
        })
        .await;
    assert_eq!(user.expires_at, Some(expires));
    env.login_ok("temp", STRONG).await;
    env.advance(3600 - 1);
    env.login_ok("temp", STRONG).await;
    env.advance(1);
    env.login_refused("temp", STRONG).await;
    assert_eq!(
        env.login_events(Some(user.id)).await[0].outcome,
        LoginOutcome::Expired
    );
    // Expired failures do not count towards a lock.
    assert_eq!(env.row(user.id).await.failed_login_count, 0);

    // Extending or removing the expiry lets it in again.
    let updated = env
        .repo
        .update_user(
            env.tid(),
            user.id,
            UserUpdate {
                expires_at: Some(Some(env.now() + chrono::Duration::days(1))),
                ..UserUpdate::default()
            },
            None,
        )
        .await
        .unwrap();
    assert!(updated.expires_at > Some(env.now()));
    env.login_ok("temp", STRONG).await;
    env.advance(DAY);
    env.login_refused("temp", STRONG).await;
    env.repo
        .update_user(
            env.tid(),
            user.id,
            UserUpdate {
                expires_at: Some(None),
                ..UserUpdate::default()
            },
            None,
        )
        .await
        .unwrap();
    env.login_ok("temp", STRONG).await;
}
