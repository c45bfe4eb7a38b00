#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Issue 12, finding 7: the last-admin guard counts only admins who could sign in (active, not
//! deleted, not expired; a locked admin still counts, a lock ends by itself). Every path that
//! can take away the last such admin refuses: demote, set roles, deactivate, delete, purge,
//! an expiry set in the past, and the dormant sweep.

mod common;

use common::*;
use tenantry_service::prelude::*;
use tenantry_service::{Error, NewUser, UserId, UserRole, UserStatus, UserUpdate, UserView};

fn admin_input(username: &str) -> NewUser {
    NewUser {
        tenant_roles: vec![UserRole::Admin.into()],
        ..user_input(username, Some(STRONG))
    }
}

fn expiring(at: chrono::DateTime<chrono::Utc>) -> UserUpdate {
    UserUpdate {
        expires_at: Some(Some(at)),
        ..UserUpdate::default()
    }
}

#[track_caller]
fn assert_last_admin<T: std::fmt::Debug>(result: tenantry_service::Result<T>, case: &str) {
    match result {
        Err(Error::LastAdmin) => {}
        other => panic!("{case}: expected Err(LastAdmin), got {other:?}"),
    }
}

/// Every way to take away the tenant's last admin who can sign in, each refused.
async fn assert_every_path_refused(env: &Env, root: &UserView) {
    let t = env.tid();
    let id = root.id;
    assert_last_admin(env.repo.set_tenant_role(t, id, None, None).await, "demote");
    assert_last_admin(
        env.repo
            .set_tenant_role(t, id, Some(UserRole::Operator), None)
            .await,
        "demote to operator",
    );
    assert_last_admin(
        env.repo.set_roles(t, id, None, &[], None).await,
        "set roles",
    );
    assert_last_admin(env.repo.deactivate_user(t, id, None).await, "deactivate");
    assert_last_admin(env.repo.delete_user(t, id, None).await, "delete");
    assert_last_admin(env.repo.purge_user(t, id, None).await, "purge");
    assert_last_admin(
        env.repo.update_user(t, id, expiring(env.now()), None).await,
        "expire now",
    );
    assert_last_admin(
        env.repo
            .update_user(t, id, expiring(env.now() - chrono::Duration::days(1)), None)
            .await,
        "expire yesterday",
    );
    let row = env.row(id).await;
    assert_eq!(row.status, UserStatus::Active);
    assert_eq!(stored_tenant_roles(env.conn(), id).await, ["admin"]);
    assert_eq!(row.deleted_at, None);
    assert_eq!(row.expires_at, None);
    env.login_ok(root.username.as_deref().unwrap_or_default(), STRONG)
        .await;
}

#[tokio::test]
async fn an_expired_admin_does_not_count_as_another_admin() {
    let env = env().await;
    let root = env.create(admin_input("root")).await;
    let old = env.create(admin_input("old")).await;
    // `old` expires by itself (a date in the future that passes), ...
    env.repo
        .update_user(
            env.tid(),
            old.id,
            expiring(env.now() + chrono::Duration::hours(1)),
            None,
        )
        .await
        .unwrap();
    env.advance(3600);
    env.login_refused("old", STRONG).await;
    assert_every_path_refused(&env, &root).await;
}

#[tokio::test]
async fn admins_who_cannot_sign_in_do_not_count() {
    let env = env().await;
    let root = env.create(admin_input("root")).await;
    // Deactivated, deleted and invited admins cannot sign in.
    let suspended = env.create(admin_input("sus")).await;
    env.repo
        .deactivate_user(env.tid(), suspended.id, None)
        .await
        .unwrap();
    let deleted = env.create(admin_input("del")).await;
    env.repo
        .delete_user(env.tid(), deleted.id, None)
        .await
        .unwrap();
    env.repo
        .invite_user(
            env.tid(),
            tenantry_service::Invitation {
                email: "inv@example.com".into(),
                username: Some("inv".into()),
                display_name: "Inv".into(),
                tenant_roles: vec![UserRole::Admin.into()],
                ..tenantry_service::Invitation::default()
            },
            None,
        )
        .await
        .unwrap();
    assert_every_path_refused(&env, &root).await;
}

#[tokio::test]
async fn expiring_one_of_two_admins_in_the_past_is_allowed_and_then_the_other_is_the_last() {
    let env = env().await;
    let root = env.create(admin_input("root")).await;
    let second = env.create(admin_input("second")).await;
    env.repo
        .update_user(env.tid(), second.id, expiring(env.now()), None)
        .await
        .unwrap();
    env.login_refused("second", STRONG).await;
    assert_every_path_refused(&env, &root).await;
    // The expired admin itself may be removed: it could not sign in anyway.
    env.repo
        .set_tenant_role(env.tid(), second.id, None, None)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_locked_admin_still_counts() {
    let env = env().await;
    let root = env.create(admin_input("root")).await;
    let locked = env.create(admin_input("locked")).await;
    for _ in 0..20 {
        let _ = env.login("locked", WRONG).await;
    }
    assert!(
        env.row(locked.id).await.locked_until.is_some(),
        "the admin is locked"
    );
    // A lock is temporary: the locked admin counts, so root may step down.
    env.repo
        .set_tenant_role(env.tid(), root.id, None, None)
        .await
        .unwrap();
    assert_every_path_refused_for_locked(&env, locked.id).await;
}

/// The locked admin is now the last: the guard holds for it too.
async fn assert_every_path_refused_for_locked(env: &Env, id: UserId) {
    let t = env.tid();
    assert_last_admin(env.repo.set_tenant_role(t, id, None, None).await, "demote");
    assert_last_admin(env.repo.deactivate_user(t, id, None).await, "deactivate");
    assert_last_admin(env.repo.delete_user(t, id, None).await, "delete");
    assert_last_admin(
        env.repo.update_user(t, id, expiring(env.now()), None).await,
        "expire",
    );
}

#[tokio::test]
async fn the_dormant_sweep_keeps_the_last_admin_who_can_sign_in() {
    let env = env().await;
    let root = env.create(admin_input("root")).await;
    let old = env.create(admin_input("old")).await;
    env.repo
        .update_user(
            env.tid(),
            old.id,
            expiring(env.now() + chrono::Duration::hours(1)),
            None,
        )
        .await
        .unwrap();
    env.advance(90 * 24 * 3600);
    // Both are dormant; `old` has expired, so `root` is the last admin who can sign in.
    let deactivated = env
        .repo
        .deactivate_dormant(env.tid(), env.now(), None)
        .await
        .unwrap();
    assert_eq!(deactivated, 1);
    assert_eq!(env.row(root.id).await.status, UserStatus::Active);
    assert_eq!(env.row(old.id).await.status, UserStatus::Suspended);
}

/// Two admins demote or expire each other at once, many rounds: at most one succeeds, and the
/// tenant always keeps an admin who can sign in.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_admins_removing_each_other_at_once_leave_one_who_can_sign_in() {
    let env = env().await;
    let repo = env.dyn_repo();
    let t = env.tid();
    for round in 0..12 {
        let one = env.create(admin_input(&format!("one{round}"))).await;
        let two = env.create(admin_input(&format!("two{round}"))).await;
        // Only these two may be admins who can sign in this round.
        if round > 0 {
            for name in [format!("one{}", round - 1), format!("two{}", round - 1)] {
                if let Some(u) = repo.get_user_by_username(t, &name).await.unwrap()
                    && u.tenant_roles == [UserRole::Admin]
                {
                    let _ = repo.set_tenant_role(t, u.id, None, None).await;
                }
            }
        }
        let now = env.now();
        let act = |id: UserId, how: usize| {
            let repo = repo.clone();
            tokio::spawn(async move {
                match how {
                    0 => repo.set_tenant_role(t, id, None, None).await.map(drop),
                    1 => repo.update_user(t, id, expiring(now), None).await.map(drop),
                    2 => repo.deactivate_user(t, id, None).await.map(drop),
                    _ => repo.delete_user(t, id, None).await.map(drop),
                }
            })
        };
        // Mix the paths: demote vs expire, expire vs expire, expire vs delete, ...
        let (a, b) = (act(one.id, round % 4), act(two.id, (round / 4 + 1) % 4));
        let results = [a.await.unwrap(), b.await.unwrap()];
        let ok = results.iter().filter(|r| r.is_ok()).count();
        let refused = results
            .iter()
            .filter(|r| matches!(r, Err(Error::LastAdmin)))
            .count();
        assert_eq!((ok, refused), (1, 1), "round {round}: {results:?}");
        let left = [one.id, two.id];
        let mut can_sign_in = 0;
        for id in left {
            let row = env.row(id).await;
            if row.status == UserStatus::Active
                && row.deleted_at.is_none()
                && stored_tenant_roles(env.conn(), id).await == ["admin"]
                && row.expires_at.is_none_or(|at| at > env.now())
            {
                can_sign_in += 1;
            }
        }
        assert_eq!(can_sign_in, 1, "round {round}");
    }
}
