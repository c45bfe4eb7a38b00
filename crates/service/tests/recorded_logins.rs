#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Logins authenticated elsewhere (`Logins::record_login`): the tracking they write, the
//! refusals they record, host-chosen sources, and exact counts under concurrent calls.

mod common;

use common::*;
use tenantry_service::prelude::*;
use tenantry_service::{
    Error, LoginContext, LoginOf, LoginOutcome, LoginSource, NewIdentity, UserUpdate,
};

fn from(source: &str) -> LoginContext {
    LoginContext {
        source: LoginSource::new(source).unwrap(),
        ip: Some(IP.to_owned()),
    }
}

fn by_identity(provider: &str, subject: &str) -> LoginOf {
    LoginOf::Identity {
        provider: provider.to_owned(),
        subject: subject.to_owned(),
    }
}

#[tokio::test]
async fn a_login_from_elsewhere_is_tracked_with_its_source() {
    let env = env().await;
    let amy = env.passwordless("amy").await;
    env.advance(60);
    let runs = env.runs();

    let signed_in = env
        .repo
        .record_login(env.tid(), LoginOf::User(amy.id), from("qgis"))
        .await
        .unwrap();
    assert_eq!(signed_in.user.id, amy.id);
    assert_eq!(
        signed_in.security_stamp,
        env.row(amy.id).await.security_stamp
    );
    // No password was checked: the host vouches for the sign-in.
    assert_eq!(env.runs(), runs);
    let row = env.row(amy.id).await;
    assert_eq!(
        (row.last_login_at, row.last_active_at, row.login_count),
        (Some(env.now()), Some(env.now()), 1)
    );
    let events = env.login_events(Some(amy.id)).await;
    assert_eq!(events.len(), 1);
    assert_eq!(
        (
            events[0].source.as_str(),
            events[0].outcome,
            events[0].ip.as_deref()
        ),
        ("qgis", LoginOutcome::Success, Some(IP))
    );

    // By identity, too: the identity's last use moves with it.
    env.repo
        .link_identity(
            env.tid(),
            amy.id,
            NewIdentity {
                provider: "kanidm".into(),
                subject: "amy-sub".into(),
                email: None,
            },
            None,
        )
        .await
        .unwrap();
    env.advance(60);
    let again = env
        .repo
        .record_login(env.tid(), by_identity("kanidm", "amy-sub"), from("web"))
        .await
        .unwrap();
    assert_eq!(again.user.login_count, 2);
    assert_eq!(again.user.last_login_at, Some(env.now()));
    let identities = env.repo.list_identities(env.tid(), amy.id).await.unwrap();
    assert_eq!(identities[0].last_used_at, Some(env.now()));
}

#[tokio::test]
async fn a_password_login_sets_last_active_too() {
    let env = env().await;
    let amy = env.user("amy").await;
    env.advance(30);
    env.login_ok("amy", STRONG).await;
    assert_eq!(env.row(amy.id).await.last_active_at, Some(env.now()));
}

#[tokio::test]
async fn refused_accounts_are_refused_with_the_reason_and_recorded() {
    let env = env().await;
    let admin = env.user("admin").await;
    let suspended = env.passwordless("sus").await;
    env.repo
        .deactivate_user(env.tid(), suspended.id, Some(admin.id))
        .await
        .unwrap();
    let expired = env.passwordless("exp").await;
    env.repo
        .update_user(
            env.tid(),
            expired.id,
            UserUpdate {
                expires_at: Some(Some(env.now())),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
    let deleted = env.passwordless("del").await;
    env.repo
        .delete_user(env.tid(), deleted.id, None)
        .await
        .unwrap();
    env.advance(1);

    for (user, outcome) in [
        (suspended.id, LoginOutcome::Inactive),
        (expired.id, LoginOutcome::Expired),
        (deleted.id, LoginOutcome::Deleted),
    ] {
        let before = env.row(user).await;
        let result = env
            .repo
            .record_login(env.tid(), LoginOf::User(user), from("web"))
            .await;
        assert!(
            matches!(result, Err(Error::LoginRefused(o)) if o == outcome),
            "{outcome:?}: {result:?}"
        );
        let after = env.row(user).await;
        assert_eq!(
            (after.login_count, after.last_login_at, after.last_active_at),
            (
                before.login_count,
                before.last_login_at,
                before.last_active_at
            ),
        );
        let events = env.login_events(Some(user)).await;
        assert_eq!(
            events.iter().map(|e| e.outcome).collect::<Vec<_>>(),
            vec![outcome]
        );
    }

    // A suspended tenant refuses its users.
    let amy = env.passwordless("amy").await;
    env.repo.suspend_tenant(env.tid(), None).await.unwrap();
    let result = env
        .repo
        .record_login(env.tid(), LoginOf::User(amy.id), from("web"))
        .await;
    assert!(matches!(
        result,
        Err(Error::LoginRefused(LoginOutcome::TenantSuspended))
    ));
    assert_eq!(env.row(amy.id).await.login_count, 0);
}

#[tokio::test]
async fn unknown_users_and_other_tenants_users_are_not_found() {
    let env = env().await;
    let other = env.other_tenant("globex").await;
    let theirs = env
        .repo
        .create_user(other.id, new_user("zed"), None)
        .await
        .unwrap();
    env.repo
        .link_identity(
            other.id,
            theirs.id,
            NewIdentity {
                provider: "kanidm".into(),
                subject: "zed-sub".into(),
                email: None,
            },
            None,
        )
        .await
        .unwrap();

    for who in [
        LoginOf::User(theirs.id),
        LoginOf::User(tenantry_service::UserId(i64::MAX)),
        by_identity("kanidm", "zed-sub"),
        by_identity("kanidm", "nobody"),
        by_identity("kan\0idm", "zed\0sub"),
        by_identity(&"p".repeat(10_000), "x"),
    ] {
        let result = env
            .repo
            .record_login(env.tid(), who.clone(), from("web"))
            .await;
        assert!(
            matches!(result, Err(Error::NotFound)),
            "{who:?}: {result:?}"
        );
    }
    // The other tenant's user was not touched; the attempts are on acme's record.
    let row = env
        .repo
        .get_user(other.id, theirs.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((row.login_count, row.last_login_at), (0, None));
    assert!(
        env.repo
            .list_login_events(other.id, None, Default::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let acme = env
        .repo
        .list_login_events(env.tid(), None, Default::default())
        .await
        .unwrap();
    assert_eq!(acme.items.len(), 6);
    assert!(
        acme.items
            .iter()
            .all(|e| e.outcome == LoginOutcome::UnknownUser && e.user_id.is_none())
    );
}

#[tokio::test]
async fn sources_are_short_names_checked_at_the_edge() {
    for bad in [
        "",
        "WEB",
        "qgis plugin",
        "web\u{0}",
        "ｗｅｂ",
        "a-name-far-too-long",
    ] {
        assert!(LoginSource::new(bad).is_err(), "{bad:?}");
        let body = serde_json::json!({ "source": bad, "ip": null });
        assert!(
            serde_json::from_value::<LoginContext>(body).is_err(),
            "{bad:?}"
        );
    }
    let body = serde_json::json!({ "source": "desktop-plugin", "ip": null });
    let context: LoginContext = serde_json::from_value(body).unwrap();
    assert_eq!(context.source.as_str(), "desktop-plugin");
}

#[tokio::test]
async fn concurrent_recorded_logins_count_exactly() {
    let env = env().await;
    let amy = env.passwordless("amy").await;
    let repo = env.dyn_repo();
    let calls = 200;
    let results = futures::future::join_all((0..calls).map(|i| {
        let repo = repo.clone();
        let tenant = env.tid();
        let source = if i % 2 == 0 { "web" } else { "qgis" };
        async move {
            tokio::spawn(async move {
                repo.record_login(tenant, LoginOf::User(amy.id), from(source))
                    .await
            })
            .await
            .unwrap()
        }
    }))
    .await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(env.row(amy.id).await.login_count, calls);
    let events = env.login_events(Some(amy.id)).await;
    assert_eq!(events.len(), usize::try_from(calls).unwrap());
    assert_eq!(
        events
            .iter()
            .filter(|e| e.source.as_str() == "qgis")
            .count(),
        100
    );
}
