#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Invitations end to end: an invited user cannot log in until it accepts with a password
//! (and a username, when it was invited without one); the token works once.

mod common;

use common::*;
use tenantry_service::prelude::*;
use tenantry_service::validation::Rule;
use tenantry_service::{
    Error, Invitation, LoginOutcome, NewPlant, PlantRole, TokenPurpose, UserRole, UserStatus,
};

fn invitation(email: &str, username: Option<&str>) -> Invitation {
    Invitation {
        email: email.to_owned(),
        username: username.map(str::to_owned),
        display_name: "Invitee".to_owned(),
        ..Invitation::default()
    }
}

#[tokio::test]
async fn an_invitation_with_a_username_is_accepted_with_a_password() {
    let env = env().await;
    let admin = env.user("admin").await;
    // Only a user whose roles may grant the invitation's roles may send it.
    env.repo
        .set_tenant_role(env.tid(), admin.id, Some(UserRole::Admin), None)
        .await
        .unwrap();
    let plant = env
        .repo
        .create_plant(
            env.tid(),
            NewPlant {
                code: "P1".into(),
                name: "Plant One".into(),
            },
            None,
        )
        .await
        .unwrap();
    let invited = env
        .repo
        .invite_user(
            env.tid(),
            Invitation {
                tenant_roles: vec![UserRole::Supervisor.into()],
                plant_roles: vec![PlantRole {
                    plant_id: plant.id,
                    role: UserRole::Engineer.into(),
                }],
                ..invitation("Yara@Example.com", Some("yara"))
            },
            Some(admin.id),
        )
        .await
        .unwrap();
    let user = &invited.user;
    assert_eq!(user.status, UserStatus::Invited);
    assert_eq!(user.username.as_deref(), Some("yara"));
    assert_eq!(user.email.as_deref(), Some("Yara@Example.com"));
    assert!(!user.has_password);
    assert_eq!(user.email_verified_at, None);
    assert_eq!(invited.invitation.purpose, TokenPurpose::Invitation);
    assert_eq!(invited.invitation.user_id, user.id);
    assert_eq!(
        invited.invitation.expires_at,
        env.now() + chrono::Duration::days(7)
    );
    assert_eq!(env.audit_actions().await.last().unwrap(), "user.invited");
    let token = invited.invitation.token.into_string();

    // Invited: no login, by any name or password.
    env.login_refused("yara", STRONG).await;
    env.login_refused("yara@example.com", "").await;
    assert_eq!(
        env.login_events(Some(user.id)).await[0].outcome,
        LoginOutcome::Inactive
    );

    env.advance(3600);
    let accepted = env
        .repo
        .accept_invitation(Some(env.tid()), &token, None, &pw(STRONG))
        .await
        .unwrap();
    assert_eq!(accepted.id, user.id);
    assert_eq!(accepted.status, UserStatus::Active);
    assert_eq!(accepted.username.as_deref(), Some("yara"));
    assert!(accepted.has_password);
    assert_eq!(accepted.email_verified_at, Some(env.now()));
    assert_eq!(accepted.tenant_roles, [UserRole::Supervisor]);
    assert_eq!(accepted.plant_roles.len(), 1);
    assert_eq!(accepted.plant_roles[0].role, UserRole::Engineer);
    assert_eq!(
        env.audit_actions().await.last().unwrap(),
        "invitation.accepted"
    );

    let auth = env.login_ok("YARA@example.com", STRONG).await;
    assert_eq!(auth.user.id, user.id);

    // The token worked once.
    assert_invalid_token(
        env.repo
            .accept_invitation(None, &token, None, &pw(OTHER))
            .await,
        "accepted twice",
    );
    env.login_ok("yara", STRONG).await;
    env.login_refused("yara", OTHER).await;
}

#[tokio::test]
async fn an_invitation_without_a_username_takes_one_on_acceptance() {
    let env = env().await;
    let invited = env
        .repo
        .invite_user(env.tid(), invitation("zoe@example.com", None), None)
        .await
        .unwrap();
    let placeholder = invited.user.username.clone().unwrap_or_default();
    assert!(placeholder.starts_with("invited-"), "{placeholder}");
    let token = invited.invitation.token.into_string();
    env.login_refused("zoe@example.com", STRONG).await;
    env.login_refused(&placeholder, STRONG).await;

    // A username that breaks the rules is refused, and the token stays good.
    match env
        .repo
        .accept_invitation(None, &token, Some("z".into()), &pw(STRONG))
        .await
    {
        Err(Error::InvalidInput(errors)) => {
            assert!(
                errors.has("username", Rule::TooShort { min: 3 }),
                "{errors:?}"
            );
        }
        other => panic!("expected InvalidInput, got {other:?}"),
    }
    // So is a weak password, checked against the chosen username.
    match env
        .repo
        .accept_invitation(None, &token, Some("ZoeQ".into()), &pw("zoeq zoeq zoeq"))
        .await
    {
        Err(Error::InvalidInput(errors)) => {
            assert!(
                errors.has("password", Rule::ContainsPersonalInfo),
                "{errors:?}"
            );
        }
        other => panic!("expected InvalidInput, got {other:?}"),
    }

    let accepted = env
        .repo
        .accept_invitation(None, &token, Some("ZoeQ".into()), &pw(STRONG))
        .await
        .unwrap();
    assert_eq!(accepted.username.as_deref(), Some("ZoeQ"));
    assert_eq!(accepted.status, UserStatus::Active);
    env.login_ok("zoeq", STRONG).await;
    env.login_ok("zoe@example.com", STRONG).await;
    env.login_refused(&placeholder, STRONG).await;
}

#[tokio::test]
async fn a_taken_username_on_acceptance_keeps_the_token_redeemable() {
    let env = env().await;
    env.user("taken").await;
    let invited = env
        .repo
        .invite_user(env.tid(), invitation("abe@example.com", None), None)
        .await
        .unwrap();
    let token = invited.invitation.token.into_string();

    for username in ["taken", "TAKEN"] {
        assert!(matches!(
            env.repo
                .accept_invitation(None, &token, Some(username.into()), &pw(OTHER))
                .await,
            Err(Error::UsernameTaken)
        ));
    }
    let row = env.row(invited.user.id).await;
    assert_eq!(row.status, UserStatus::Invited);
    assert!(row.password_hash.is_none());
    env.login_refused("taken", OTHER).await;

    let accepted = env
        .repo
        .accept_invitation(None, &token, Some("abe".into()), &pw(OTHER))
        .await
        .unwrap();
    assert_eq!(accepted.username.as_deref(), Some("abe"));
    env.login_ok("abe", OTHER).await;
    env.login_ok("taken", STRONG).await;
}

#[tokio::test]
async fn invitations_expire_are_bound_to_their_tenant_and_refuse_duplicates() {
    let env = env().await;
    let beta = env.other_tenant("beta").await;
    let token = env
        .repo
        .invite_user(env.tid(), invitation("bea@example.com", Some("bea")), None)
        .await
        .unwrap()
        .invitation
        .token
        .into_string();

    // The email and username are taken by the invited user.
    assert!(matches!(
        env.repo
            .invite_user(env.tid(), invitation("BEA@example.com", None), None)
            .await,
        Err(Error::EmailTaken)
    ));
    assert!(matches!(
        env.repo
            .invite_user(
                env.tid(),
                invitation("other@example.com", Some("Bea")),
                None
            )
            .await,
        Err(Error::UsernameTaken)
    ));
    // An invitation needs a valid email.
    match env
        .repo
        .invite_user(env.tid(), invitation("not an email", None), None)
        .await
    {
        Err(Error::InvalidInput(errors)) => assert!(errors.has("email", Rule::InvalidFormat)),
        other => panic!("expected InvalidInput, got {other:?}"),
    }

    assert_invalid_token(
        env.repo
            .accept_invitation(Some(beta.id), &token, None, &pw(STRONG))
            .await,
        "another tenant",
    );
    // Seven days less a second: still good; a new invitation expires a second after.
    env.advance(7 * 24 * 3600 - 1);
    env.repo
        .accept_invitation(Some(env.tid()), &token, None, &pw(STRONG))
        .await
        .unwrap();
    env.login_ok("bea", STRONG).await;

    let late = env
        .repo
        .invite_user(env.tid(), invitation("cyd@example.com", Some("cyd")), None)
        .await
        .unwrap();
    env.advance(7 * 24 * 3600 + 1);
    assert_invalid_token(
        env.repo
            .accept_invitation(
                None,
                &late.invitation.token.into_string(),
                None,
                &pw(STRONG),
            )
            .await,
        "expired invitation",
    );
    assert_eq!(env.row(late.user.id).await.status, UserStatus::Invited);
    env.login_refused("cyd", STRONG).await;
}

#[tokio::test]
async fn a_deactivated_invitee_cannot_accept() {
    let env = env().await;
    let invited = env
        .repo
        .invite_user(env.tid(), invitation("dan@example.com", Some("dan")), None)
        .await
        .unwrap();
    let token = invited.invitation.token.into_string();
    env.repo
        .deactivate_user(env.tid(), invited.user.id, None)
        .await
        .unwrap();
    assert_invalid_token(
        env.repo
            .accept_invitation(None, &token, None, &pw(STRONG))
            .await,
        "deactivated invitee",
    );
    env.login_refused("dan", STRONG).await;
}
