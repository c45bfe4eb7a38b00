#![allow(clippy::unwrap_used, clippy::expect_used)]
//! External identities end to end: linking, the global lookup, provisioning password-less
//! users on first sign-in, and signing in through an identity with the usual status checks.

mod common;

use common::*;
use tenantry_service::prelude::*;
use tenantry_service::validation::Rule;
use tenantry_service::{
    Error, IdentityUser, LoginContext, LoginOutcome, LoginSource, NewIdentity, UserRole, UserStatus,
};

fn identity(provider: &str, subject: &str) -> NewIdentity {
    NewIdentity {
        provider: provider.to_owned(),
        subject: subject.to_owned(),
        email: Some(format!("{subject}@idp.example.com")),
    }
}

fn sso() -> LoginContext {
    LoginContext {
        source: LoginSource::sso(),
        ip: Some(IP.to_owned()),
    }
}

#[tokio::test]
async fn link_find_and_unlink() {
    let env = env().await;
    let admin = env.user("admin").await;
    let user = env.user("amy").await;
    let other = env.user("ben").await;

    let linked = env
        .repo
        .link_identity(
            env.tid(),
            user.id,
            identity("google", "sub-1"),
            Some(admin.id),
        )
        .await
        .unwrap();
    assert_eq!(linked.user_id, user.id);
    assert_eq!(linked.provider, "google");
    assert_eq!(linked.subject, "sub-1");
    assert_eq!(linked.last_used_at, None);
    assert_eq!(env.audit_actions().await.last().unwrap(), "identity.linked");
    env.repo
        .link_identity(
            env.tid(),
            user.id,
            identity("https://login.example.com", "sub-1"),
            None,
        )
        .await
        .unwrap();
    let listed = env.repo.list_identities(env.tid(), user.id).await.unwrap();
    assert_eq!(listed.len(), 2);

    // The lookup is global and exact.
    let found = env.repo.find_by_identity("google", "sub-1").await.unwrap();
    assert_eq!(found.map(|u| u.id), Some(user.id));
    assert!(
        env.repo
            .find_by_identity("google", "SUB-1")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        env.repo
            .find_by_identity("github", "sub-1")
            .await
            .unwrap()
            .is_none()
    );

    // A pair belongs to one user, in any tenant.
    assert!(matches!(
        env.repo
            .link_identity(env.tid(), other.id, identity("google", "sub-1"), None)
            .await,
        Err(Error::Conflict(_))
    ));
    assert!(matches!(
        env.repo
            .link_identity(env.tid(), user.id, identity("google", "sub-1"), None)
            .await,
        Err(Error::Conflict(_))
    ));
    let beta = env.other_tenant("beta").await;
    let beta_user = env
        .repo
        .create_user(beta.id, user_input("carl", Some(STRONG)), None)
        .await
        .unwrap();
    assert!(matches!(
        env.repo
            .link_identity(beta.id, beta_user.id, identity("google", "sub-1"), None)
            .await,
        Err(Error::Conflict(_))
    ));
    // Nor can a user be linked through another tenant.
    assert!(matches!(
        env.repo
            .link_identity(beta.id, user.id, identity("google", "sub-9"), None)
            .await,
        Err(Error::NotFound)
    ));

    // Bad identifiers are refused.
    for (provider, subject, field, rule) in [
        ("", "x", "provider", Rule::Required),
        ("google", "", "subject", Rule::Required),
        ("google", " padded", "subject", Rule::InvalidCharacter),
        ("goo\0gle", "x", "provider", Rule::ControlCharacter),
    ] {
        match env
            .repo
            .link_identity(env.tid(), other.id, identity(provider, subject), None)
            .await
        {
            Err(Error::InvalidInput(errors)) => {
                assert!(
                    errors.has(field, rule),
                    "{provider:?}/{subject:?}: {errors:?}"
                );
            }
            other => panic!("{provider:?}/{subject:?}: expected InvalidInput, got {other:?}"),
        }
    }

    // Unlinking only through the owner, and only once.
    assert!(matches!(
        env.repo
            .unlink_identity(env.tid(), other.id, "google", "sub-1", None)
            .await,
        Err(Error::NotFound)
    ));
    env.repo
        .unlink_identity(env.tid(), user.id, "google", "sub-1", None)
        .await
        .unwrap();
    assert_eq!(
        env.audit_actions().await.last().unwrap(),
        "identity.unlinked"
    );
    assert!(
        env.repo
            .find_by_identity("google", "sub-1")
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        env.repo
            .unlink_identity(env.tid(), user.id, "google", "sub-1", None)
            .await,
        Err(Error::NotFound)
    ));
    assert_eq!(
        env.repo
            .list_identities(env.tid(), user.id)
            .await
            .unwrap()
            .len(),
        1
    );
    // Once free, the pair can go to someone else.
    env.repo
        .link_identity(env.tid(), other.id, identity("google", "sub-1"), None)
        .await
        .unwrap();
    let found = env.repo.find_by_identity("google", "sub-1").await.unwrap();
    assert_eq!(found.map(|u| u.id), Some(other.id));
}

#[tokio::test]
async fn a_provisioned_user_signs_in_through_its_identity_only() {
    let env = env().await;
    let provisioned = env
        .repo
        .provision_from_identity(
            env.tid(),
            IdentityUser {
                identity: identity("google", "sub-42"),
                username: "dora".into(),
                email: Some("dora@example.com".into()),
                display_name: "Dora".into(),
                tenant_roles: vec![UserRole::Operator.into()],
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(provisioned.status, UserStatus::Active);
    assert!(!provisioned.has_password);
    assert_eq!(provisioned.tenant_roles, [UserRole::Operator]);
    assert_eq!(env.row(provisioned.id).await.password_hash, None);
    assert_eq!(
        env.audit_actions().await.last().unwrap(),
        "user.provisioned"
    );
    let found = env.repo.find_by_identity("google", "sub-42").await.unwrap();
    assert_eq!(found.map(|u| u.id), Some(provisioned.id));

    env.advance(60);
    let before = env.runs();
    let auth = env
        .repo
        .authenticate_identity("google", "sub-42", sso())
        .await
        .unwrap();
    assert_eq!(env.runs(), before, "no password involved");
    assert_eq!(auth.user.id, provisioned.id);
    assert_eq!(
        auth.security_stamp,
        env.row(provisioned.id).await.security_stamp
    );
    assert_eq!(auth.user.last_login_at, Some(env.now()));
    assert_eq!(auth.user.login_count, 1);
    let identities = env
        .repo
        .list_identities(env.tid(), provisioned.id)
        .await
        .unwrap();
    assert_eq!(identities[0].last_used_at, Some(env.now()));
    let event = &env.login_events(Some(provisioned.id)).await[0];
    assert_eq!(
        (event.source.clone(), event.outcome, event.ip.as_deref()),
        (LoginSource::sso(), LoginOutcome::Success, Some(IP))
    );

    // It has no password: a password login fails like any other, after one hasher run.
    env.login_refused("dora", STRONG).await;
    env.login_refused("dora@example.com", "").await;
    assert_eq!(
        env.login_events(Some(provisioned.id)).await[0].outcome,
        LoginOutcome::NoPassword
    );

    // An unknown identity is refused.
    assert_invalid_credentials(
        env.repo
            .authenticate_identity("google", "sub-43", sso())
            .await,
        "unknown identity",
    );
    assert_invalid_credentials(
        env.repo
            .authenticate_identity("github", "sub-42", sso())
            .await,
        "other provider",
    );
}

#[tokio::test]
async fn identity_sign_in_applies_the_status_checks() {
    let env = env().await;
    let user = env.user("eve").await;
    env.repo
        .link_identity(env.tid(), user.id, identity("okta", "eve-1"), None)
        .await
        .unwrap();
    env.repo
        .authenticate_identity("okta", "eve-1", sso())
        .await
        .unwrap();

    // Suspended user.
    env.repo
        .deactivate_user(env.tid(), user.id, None)
        .await
        .unwrap();
    assert_invalid_credentials(
        env.repo.authenticate_identity("okta", "eve-1", sso()).await,
        "suspended user",
    );
    assert_eq!(
        env.login_events(Some(user.id)).await[0].outcome,
        LoginOutcome::Inactive
    );
    env.repo
        .reactivate_user(env.tid(), user.id, None)
        .await
        .unwrap();

    // Expired account.
    env.repo
        .update_user(
            env.tid(),
            user.id,
            tenantry_service::UserUpdate {
                expires_at: Some(Some(env.now() + chrono::Duration::minutes(5))),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
    env.repo
        .authenticate_identity("okta", "eve-1", sso())
        .await
        .unwrap();
    env.advance(5 * 60);
    assert_invalid_credentials(
        env.repo.authenticate_identity("okta", "eve-1", sso()).await,
        "expired user",
    );
    assert_eq!(
        env.login_events(Some(user.id)).await[0].outcome,
        LoginOutcome::Expired
    );
    env.repo
        .update_user(
            env.tid(),
            user.id,
            tenantry_service::UserUpdate {
                expires_at: Some(None),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();

    // Suspended tenant.
    env.repo.suspend_tenant(env.tid(), None).await.unwrap();
    assert_invalid_credentials(
        env.repo.authenticate_identity("okta", "eve-1", sso()).await,
        "suspended tenant",
    );
    env.repo.reactivate_tenant(env.tid(), None).await.unwrap();
    let last_used = env.repo.list_identities(env.tid(), user.id).await.unwrap()[0].last_used_at;
    env.advance(1);
    env.repo
        .authenticate_identity("okta", "eve-1", sso())
        .await
        .unwrap();
    let now_used = env.repo.list_identities(env.tid(), user.id).await.unwrap()[0].last_used_at;
    assert!(now_used > last_used);

    // Deleted user: the identity leads nowhere.
    env.repo
        .delete_user(env.tid(), user.id, None)
        .await
        .unwrap();
    assert!(
        env.repo
            .find_by_identity("okta", "eve-1")
            .await
            .unwrap()
            .is_none()
    );
    assert_invalid_credentials(
        env.repo.authenticate_identity("okta", "eve-1", sso()).await,
        "deleted user",
    );
}

#[tokio::test]
async fn provisioning_with_a_linked_identity_creates_nobody() {
    let env = env().await;
    let user = env.user("fay").await;
    env.repo
        .link_identity(env.tid(), user.id, identity("google", "fay"), None)
        .await
        .unwrap();
    let input = IdentityUser {
        identity: identity("google", "fay"),
        username: "fay2".into(),
        email: None,
        display_name: "Fay Two".into(),
        tenant_roles: vec![],
    };
    assert!(matches!(
        env.repo
            .provision_from_identity(env.tid(), input.clone(), None)
            .await,
        Err(Error::Conflict(_))
    ));
    assert!(
        env.repo
            .get_user_by_username(env.tid(), "fay2")
            .await
            .unwrap()
            .is_none()
    );
    // A taken username is refused too, and links nothing.
    let taken = IdentityUser {
        identity: identity("google", "new-subject"),
        username: "FAY".into(),
        ..input
    };
    assert!(matches!(
        env.repo
            .provision_from_identity(env.tid(), taken, None)
            .await,
        Err(Error::UsernameTaken)
    ));
    assert!(
        env.repo
            .find_by_identity("google", "new-subject")
            .await
            .unwrap()
            .is_none()
    );
}
