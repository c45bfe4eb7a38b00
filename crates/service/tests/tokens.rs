#![allow(clippy::unwrap_used, clippy::expect_used)]
//! One-time tokens (password reset, email verification) and password changes: expiry to the
//! second, single redemption under concurrency, every voiding rule, binding to purpose and
//! tenant, malformed input, and the user-facing reset request.

mod common;

use std::sync::Arc;
use std::time::Duration;
use tenantry_service::prelude::*;

use common::*;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use tenantry_service::entity::credential_tokens;
use tenantry_service::validation::Rule;
use tenantry_service::{Error, Invitation, TokenPurpose, UserId, UserRepository, UserUpdate};

const HOUR: i64 = 3600;

async fn issue_reset(env: &Env, user: UserId) -> String {
    env.repo
        .issue_password_reset(env.tid(), user, None, None)
        .await
        .unwrap()
        .token
        .into_string()
}

async fn redeem(env: &Env, token: &str, password: &str) -> tenantry_service::Result<()> {
    env.repo
        .redeem_password_reset(Some(env.tid()), token, &pw(password))
        .await
        .map(|_| ())
}

async fn issue_verification(env: &Env, user: UserId) -> String {
    env.repo
        .issue_email_verification(env.tid(), user, None)
        .await
        .unwrap()
        .token
        .into_string()
}

/// The three ways a one-time token is redeemed.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Redemption {
    PasswordReset,
    EmailVerification,
    Invitation,
}

impl Redemption {
    const ALL: [Redemption; 3] = [
        Redemption::PasswordReset,
        Redemption::EmailVerification,
        Redemption::Invitation,
    ];
}

/// Redeems `token` the `how` way (a reset or an invitation sets the password [`OTHER`]).
async fn redeem_as(env: &Env, how: Redemption, token: &str) -> tenantry_service::Result<()> {
    match how {
        Redemption::PasswordReset => redeem(env, token, OTHER).await,
        Redemption::EmailVerification => env.repo.verify_email(None, token).await.map(drop),
        Redemption::Invitation => env
            .repo
            .accept_invitation(None, token, None, &pw(OTHER))
            .await
            .map(drop),
    }
}

async fn outstanding_tokens(env: &Env, user: UserId) -> u64 {
    credential_tokens::Entity::find()
        .filter(credential_tokens::Column::UserId.eq(user))
        .filter(credential_tokens::Column::UsedAt.is_null())
        .count(env.conn())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_reset_token_sets_a_new_password_once() {
    let env = env().await;
    let admin = env.user("admin").await;
    let user = env.user("heidi").await;
    let stamp = env.row(user.id).await.security_stamp;

    let issued = env
        .repo
        .issue_password_reset(env.tid(), user.id, None, Some(admin.id))
        .await
        .unwrap();
    assert_eq!(issued.user_id, user.id);
    assert_eq!(issued.purpose, TokenPurpose::PasswordReset);
    assert_eq!(issued.expires_at, env.now() + chrono::Duration::hours(1));
    assert_eq!(format!("{issued:?}").matches("[redacted]").count(), 1);
    let token = issued.token.into_string();
    assert_eq!(token.len(), 43);

    let view = env
        .repo
        .redeem_password_reset(None, &token, &pw(OTHER))
        .await
        .unwrap();
    assert_eq!(view.id, user.id);
    env.login_refused("heidi", STRONG).await;
    env.login_ok("heidi", OTHER).await;
    assert_ne!(env.row(user.id).await.security_stamp, stamp);
    let actions = env.audit_actions().await;
    assert!(actions.ends_with(&["token.issued".into(), "password.reset".into()]));

    // Used once, it is spent.
    assert_invalid_token(redeem(&env, &token, THIRD).await, "reused token");
    env.login_ok("heidi", OTHER).await;
}

#[tokio::test]
async fn a_reset_token_is_checked_against_the_policy_and_stays_redeemable() {
    let env = env().await;
    let user = env.user("ivan").await;
    let token = issue_reset(&env, user.id).await;
    for (weak, rule) in [
        ("short", Rule::TooShort { min: 8 }),
        ("password123", Rule::Weak),
        ("ivan ivan ivan", Rule::ContainsPersonalInfo),
    ] {
        check_case(
            "password",
            weak,
            Err(rule),
            redeem(&env, &token, weak).await,
        );
    }
    redeem(&env, &token, OTHER).await.unwrap();
}

#[tokio::test]
async fn a_reset_token_expires_to_the_second() {
    let env = env().await;
    let user = env.user("judy").await;

    // One second before the TTL: still good.
    let token = issue_reset(&env, user.id).await;
    env.advance(HOUR - 1);
    redeem(&env, &token, OTHER).await.unwrap();
    env.login_ok("judy", OTHER).await;

    // One second after: refused, and the password is unchanged.
    let token = issue_reset(&env, user.id).await;
    env.advance(HOUR + 1);
    assert_invalid_token(redeem(&env, &token, THIRD).await, "expired token");
    env.login_ok("judy", OTHER).await;

    // A custom TTL works the same way.
    let token = env
        .repo
        .issue_password_reset(env.tid(), user.id, Some(Duration::from_secs(60)), None)
        .await
        .unwrap()
        .token
        .into_string();
    env.advance(60);
    assert_invalid_token(redeem(&env, &token, THIRD).await, "at the expiry");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_redemptions_give_exactly_one_success() {
    let env = env().await;
    let user = env.user("kim").await;
    let token = Arc::new(issue_reset(&env, user.id).await);
    let repo: Arc<dyn UserRepository> = env.dyn_repo();
    let tenant = env.tid();

    let passwords = [OTHER, THIRD];
    let tasks: Vec<_> = (0..20)
        .map(|n| {
            let repo = Arc::clone(&repo);
            let token = Arc::clone(&token);
            let password = passwords[n % 2];
            tokio::spawn(async move {
                let result = repo
                    .redeem_password_reset(Some(tenant), &token, &pw(password))
                    .await;
                (password, result)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            (password, Ok(_)) => winners.push(password),
            (_, Err(Error::InvalidToken)) => {}
            (_, other) => panic!("expected Ok or InvalidToken, got {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one redemption succeeds");
    // The password is the winner's.
    env.login_ok("kim", winners[0]).await;
    env.login_refused("kim", STRONG).await;
}

#[tokio::test]
async fn a_newer_reset_token_voids_the_older_one() {
    let env = env().await;
    let user = env.user("leo").await;
    let older = issue_reset(&env, user.id).await;
    let newer = issue_reset(&env, user.id).await;
    assert_eq!(outstanding_tokens(&env, user.id).await, 1);
    assert_invalid_token(redeem(&env, &older, OTHER).await, "older token");
    redeem(&env, &newer, OTHER).await.unwrap();
    env.login_ok("leo", OTHER).await;
}

#[tokio::test]
async fn deactivation_voids_outstanding_tokens() {
    let env = env().await;
    let user = env.user("mia").await;
    let reset = issue_reset(&env, user.id).await;
    let verification = issue_verification(&env, user.id).await;
    env.repo
        .deactivate_user(env.tid(), user.id, None)
        .await
        .unwrap();
    // A suspended user cannot get a reset token either.
    assert!(matches!(
        env.repo
            .issue_password_reset(env.tid(), user.id, None, None)
            .await,
        Err(Error::Conflict(_))
    ));
    env.repo
        .reactivate_user(env.tid(), user.id, None)
        .await
        .unwrap();
    assert_eq!(outstanding_tokens(&env, user.id).await, 0);
    assert_invalid_token(
        redeem(&env, &reset, OTHER).await,
        "reset after deactivation",
    );
    assert_invalid_token(
        env.repo.verify_email(None, &verification).await,
        "verification after deactivation",
    );
    env.login_ok("mia", STRONG).await;
}

#[tokio::test]
async fn change_password_checks_the_current_one_rotates_the_stamp_and_voids_resets() {
    let env = env().await;
    let user = env.user("nina").await;
    let token = issue_reset(&env, user.id).await;
    let stamp = env.row(user.id).await.security_stamp;

    let before = env.runs();
    assert_invalid_credentials(
        env.repo
            .change_password(env.tid(), user.id, &pw(WRONG), &pw(OTHER))
            .await,
        "wrong current password",
    );
    assert_eq!(env.runs() - before, 1);
    check_case(
        "password",
        "short",
        Err(Rule::TooShort { min: 8 }),
        env.repo
            .change_password(env.tid(), user.id, &pw(STRONG), &pw("short"))
            .await,
    );
    // Neither refusal changed anything.
    assert_eq!(env.row(user.id).await.security_stamp, stamp);
    assert_eq!(outstanding_tokens(&env, user.id).await, 1);

    env.repo
        .change_password(env.tid(), user.id, &pw(STRONG), &pw(OTHER))
        .await
        .unwrap();
    assert_ne!(env.row(user.id).await.security_stamp, stamp);
    assert_eq!(outstanding_tokens(&env, user.id).await, 0);
    assert_invalid_token(redeem(&env, &token, THIRD).await, "reset after change");
    env.login_refused("nina", STRONG).await;
    env.login_ok("nina", OTHER).await;
    assert_eq!(
        env.audit_actions().await.last().unwrap(),
        "password.changed"
    );

    // Not another tenant's user.
    let beta = env.other_tenant("beta").await;
    assert!(matches!(
        env.repo
            .change_password(beta.id, user.id, &pw(OTHER), &pw(THIRD))
            .await,
        Err(Error::NotFound)
    ));
}

#[tokio::test]
async fn set_password_checks_the_policy_rotates_the_stamp_and_voids_resets() {
    let env = env().await;
    let admin = env.user("admin").await;
    let user = env.user("oscar").await;
    let token = issue_reset(&env, user.id).await;
    let stamp = env.row(user.id).await.security_stamp;

    check_case(
        "password",
        "oscar oscar",
        Err(Rule::ContainsPersonalInfo),
        env.repo
            .set_password(env.tid(), user.id, &pw("oscar oscar"), Some(admin.id))
            .await,
    );
    assert_eq!(env.row(user.id).await.security_stamp, stamp);

    env.repo
        .set_password(env.tid(), user.id, &pw(OTHER), Some(admin.id))
        .await
        .unwrap();
    assert_ne!(env.row(user.id).await.security_stamp, stamp);
    assert_invalid_token(
        redeem(&env, &token, THIRD).await,
        "reset after set_password",
    );
    env.login_ok("oscar", OTHER).await;
    assert_eq!(env.audit_actions().await.last().unwrap(), "password.set");

    // A password-less user can be given one.
    let sso = env.passwordless("sso.user").await;
    env.repo
        .set_password(env.tid(), sso.id, &pw(THIRD), None)
        .await
        .unwrap();
    env.login_ok("sso.user", THIRD).await;
}

#[tokio::test]
async fn a_token_is_refused_for_another_purpose_and_stays_redeemable() {
    let env = env().await;
    let user = env.user("pat").await;
    let reset = issue_reset(&env, user.id).await;
    let verification = issue_verification(&env, user.id).await;
    let invitation = env
        .repo
        .invite_user(
            env.tid(),
            Invitation {
                email: "quinn@example.com".into(),
                username: Some("quinn".into()),
                display_name: "Quinn".into(),
                ..Invitation::default()
            },
            None,
        )
        .await
        .unwrap()
        .invitation
        .token
        .into_string();

    // Every token redeemed every other way: six refusals.
    for (issued_for, token) in [
        (Redemption::PasswordReset, &reset),
        (Redemption::EmailVerification, &verification),
        (Redemption::Invitation, &invitation),
    ] {
        for how in Redemption::ALL {
            if how != issued_for {
                assert_invalid_token(
                    redeem_as(&env, how, token).await,
                    &format!("a {issued_for:?} token redeemed as {how:?}"),
                );
            }
        }
    }

    // Each still works for its own purpose.
    redeem(&env, &reset, OTHER).await.unwrap();
    let verified = env.repo.verify_email(None, &verification).await.unwrap();
    assert_eq!(verified.email_verified_at, Some(env.now()));
    let quinn = env
        .repo
        .accept_invitation(None, &invitation, None, &pw(THIRD))
        .await
        .unwrap();
    assert_eq!(quinn.username.as_deref(), Some("quinn"));
}

#[tokio::test]
async fn a_token_is_refused_for_another_tenant_and_stays_redeemable() {
    let env = env().await;
    let user = env.user("rita").await;
    let beta = env.other_tenant("beta").await;
    let reset = issue_reset(&env, user.id).await;
    let verification = issue_verification(&env, user.id).await;

    assert_invalid_token(
        env.repo
            .redeem_password_reset(Some(beta.id), &reset, &pw(OTHER))
            .await,
        "reset for another tenant",
    );
    assert_invalid_token(
        env.repo.verify_email(Some(beta.id), &verification).await,
        "verification for another tenant",
    );
    assert_invalid_token(
        env.repo
            .redeem_password_reset(
                Some(tenantry_service::TenantId(999_999)),
                &reset,
                &pw(OTHER),
            )
            .await,
        "reset for an unknown tenant",
    );

    env.repo
        .redeem_password_reset(Some(env.tid()), &reset, &pw(OTHER))
        .await
        .unwrap();
    env.repo
        .verify_email(Some(env.tid()), &verification)
        .await
        .unwrap();
    env.login_ok("rita", OTHER).await;
}

#[tokio::test]
async fn malformed_and_unknown_tokens_are_invalid_without_hashing() {
    let env = env().await;
    let user = env.user("sam").await;
    let real = issue_reset(&env, user.id).await;
    let mut flipped = real.clone().into_bytes();
    flipped[0] = if flipped[0] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();

    let cases = [
        String::new(),
        "x".repeat(10_000),
        format!("{}\0", &real[..42]),
        format!("\0{real}"),
        "!!!!".to_owned(),
        "*".repeat(43),
        format!("{real} "),
        format!(" {}", &real[..42]),
        format!("{real}="),
        real.to_ascii_uppercase(),
        // Base64 of the right length but an unknown token.
        "A".repeat(43),
        flipped,
    ];
    let before = env.runs();
    for token in &cases {
        for how in Redemption::ALL {
            let case = format!("token of {} chars as {how:?}", token.len());
            assert_invalid_token(redeem_as(&env, how, token).await, &case);
        }
    }
    assert_eq!(
        env.runs(),
        before,
        "no token check runs the password hasher"
    );
    redeem(&env, &real, OTHER).await.unwrap();
}

#[tokio::test]
async fn request_password_reset_delivers_only_to_an_active_user() {
    let env = env().await;
    let user = env.user("tess").await;
    let suspended = env.user("ulla").await;
    env.repo
        .deactivate_user(env.tid(), suspended.id, None)
        .await
        .unwrap();
    env.passwordless("vera").await;
    let outbox = Outbox::default();

    // An unknown or inactive address: Ok, and nothing is sent or stored.
    for email in ["nobody@example.com", "ulla@example.com", "", "not an email"] {
        env.repo
            .request_password_reset(env.tid(), email, &outbox)
            .await
            .unwrap();
    }
    assert!(outbox.take().is_empty());
    assert_eq!(outstanding_tokens(&env, suspended.id).await, 0);

    // A known address, matched case-insensitively: one delivery whose token redeems.
    env.repo
        .request_password_reset(env.tid(), "  TESS@Example.com ", &outbox)
        .await
        .unwrap();
    let mut sent = outbox.take();
    assert_eq!(sent.len(), 1);
    let delivery = sent.remove(0);
    assert_eq!(delivery.user.id, user.id);
    assert_eq!(delivery.email, "tess@example.com");
    assert_eq!(delivery.token.purpose, TokenPurpose::PasswordReset);
    assert!(!format!("{delivery:?}").contains(delivery.token.token.expose()));
    let token = delivery.token.token.into_string();
    redeem(&env, &token, OTHER).await.unwrap();
    env.login_ok("tess", OTHER).await;

    // A password-less active user may set its first password this way.
    env.repo
        .request_password_reset(env.tid(), "vera@example.com", &outbox)
        .await
        .unwrap();
    let token = outbox.take().remove(0).token.token.into_string();
    redeem(&env, &token, THIRD).await.unwrap();
    env.login_ok("vera", THIRD).await;

    // Another tenant's address is unknown here.
    let beta = env.other_tenant("beta").await;
    env.repo
        .request_password_reset(beta.id, "tess@example.com", &outbox)
        .await
        .unwrap();
    assert!(outbox.take().is_empty());
}

#[tokio::test]
async fn email_verification_and_a_changed_email() {
    let env = env().await;
    let user = env.user("wendy").await;
    assert_eq!(user.email_verified_at, None);
    let issued = env
        .repo
        .issue_email_verification(env.tid(), user.id, None)
        .await
        .unwrap();
    assert_eq!(issued.purpose, TokenPurpose::EmailVerification);
    assert_eq!(issued.expires_at, env.now() + chrono::Duration::hours(48));
    let token = issued.token.into_string();

    env.advance(60);
    let verified = env.repo.verify_email(None, &token).await.unwrap();
    assert_eq!(verified.email_verified_at, Some(env.now()));
    assert_eq!(env.row(user.id).await.email_verified_at, Some(env.now()));
    assert_eq!(env.audit_actions().await.last().unwrap(), "email.verified");
    assert_invalid_token(env.repo.verify_email(None, &token).await, "used twice");

    // A new address is unverified, and a token for the old one is void.
    let old = issue_verification(&env, user.id).await;
    let updated = env
        .repo
        .update_user(
            env.tid(),
            user.id,
            UserUpdate {
                email: Some(Some("wendy@new.example.com".into())),
                ..UserUpdate::default()
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(updated.email_verified_at, None);
    assert_invalid_token(env.repo.verify_email(None, &old).await, "old address");
    assert_eq!(
        env.repo
            .get_user(env.tid(), user.id)
            .await
            .unwrap()
            .unwrap()
            .email_verified_at,
        None
    );

    // Verification tokens expire after 48 hours.
    let fresh = issue_verification(&env, user.id).await;
    env.advance(48 * HOUR + 1);
    assert_invalid_token(env.repo.verify_email(None, &fresh).await, "expired");

    // A user without an email has nothing to verify.
    let no_email = env
        .create(tenantry_service::NewUser {
            email: None,
            ..user_input("xena", None)
        })
        .await;
    assert!(matches!(
        env.repo
            .issue_email_verification(env.tid(), no_email.id, None)
            .await,
        Err(Error::Conflict(_))
    ));
}
