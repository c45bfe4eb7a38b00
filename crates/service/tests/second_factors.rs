#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Second factors (issue 18): TOTP enrolment, the two-step sign-in, replay and concurrency,
//! recovery codes, lockout through wrong codes, hostile codes, challenges (expired, reused,
//! from elsewhere), an admin's reset, the tenant's policy, key rotation — on every backend.

mod common;

use common::*;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::time::Duration;
use tenantry_service::UserView;
use tenantry_service::entity::{authenticators, login_challenges, recovery_codes};
use tenantry_service::prelude::*;
use tenantry_service::{
    AuthenticatedUser, Config, Error, FactorKind, GrantScope, IdentityProviderPolicy, LoginContext,
    LoginOutcome, LoginSource, NewIdentity, ProviderClaims, RoleKey, SealingKey, SealingKeys,
    SecondFactorPolicy, SecondFactorProof, SecondStep, SignIn, TotpEnrolment,
};
use totp_rs::{Algorithm, Builder, Secret};

/// The code an authenticator app shows for `secret` (base32) at `unix` seconds.
fn code_at(secret: &str, unix: i64) -> String {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_secret(Secret::try_from_base32(secret).unwrap())
        .build_noncompliant()
        .generate(u64::try_from(unix).unwrap())
        .to_string()
}

/// A user of `acme` with a confirmed TOTP authenticator; returns its secret (base32). The
/// clock then moves past the confirming code's step.
async fn enrolled(env: &Env, username: &str) -> (UserView, String) {
    let user = env.user(username).await;
    let enrolment = env
        .repo
        .enrol_totp(env.tid(), user.id, "phone")
        .await
        .unwrap();
    let secret = enrolment.secret.expose().to_owned();
    let code = code_at(&secret, env.now().timestamp());
    let codes = env
        .repo
        .confirm_totp(
            env.tid(),
            user.id,
            enrolment.authenticator,
            &code,
            Some(user.id),
        )
        .await
        .unwrap();
    assert_eq!(
        codes.map(|c| c.expose().len()),
        Some(10),
        "a first set of recovery codes"
    );
    env.advance(30);
    (user, secret)
}

/// Signs in with the password, expecting a second step.
async fn second_step(env: &Env, login: &str) -> SecondStep {
    match env
        .repo
        .sign_in(env.tid(), login, &pw(STRONG), web())
        .await
        .unwrap()
    {
        SignIn::SecondFactor(step) => step,
        other => panic!("expected a second step, got {other:?}"),
    }
}

async fn complete(
    env: &Env,
    step: &SecondStep,
    proof: SecondFactorProof,
) -> Result<AuthenticatedUser, Error> {
    env.repo
        .complete_sign_in(env.tid(), step.challenge.expose(), proof, web())
        .await
}

fn totp(code: &str) -> SecondFactorProof {
    SecondFactorProof::Totp(code.to_owned())
}

#[tokio::test]
async fn a_right_password_yields_a_challenge_and_only_its_completion_is_a_login() {
    let env = env().await;
    let (carol, secret) = enrolled(&env, "carol").await;
    let before = env.row(carol.id).await;

    let step = second_step(&env, "carol").await;
    assert!(step.factors.contains(&FactorKind::Totp));
    assert!(step.factors.contains(&FactorKind::RecoveryCode));
    // The skipped second step: no login was recorded, and `authenticate` gives none either.
    let after_password = env.row(carol.id).await;
    assert_eq!(after_password.login_count, before.login_count);
    assert_eq!(after_password.last_login_at, None);
    assert!(matches!(
        env.login("carol", STRONG).await,
        Err(Error::SecondFactorRequired)
    ));
    let events = env.login_events(Some(carol.id)).await;
    assert!(events.iter().all(|e| e.outcome != LoginOutcome::Success));
    assert!(
        events
            .iter()
            .any(|e| e.outcome == LoginOutcome::SecondFactorRequired)
    );

    let code = code_at(&secret, env.now().timestamp());
    let signed_in = complete(&env, &step, totp(&code)).await.unwrap();
    assert_eq!(signed_in.user.id, carol.id);
    let row = env.row(carol.id).await;
    assert_eq!(row.login_count, before.login_count + 1);
    assert_eq!(
        row.failed_login_count, 0,
        "the completed step resets the count"
    );
    assert_eq!(
        env.login_events(Some(carol.id)).await[0].outcome,
        LoginOutcome::Success
    );
    // The challenge is used up.
    let again = complete(&env, &step, totp(&code)).await;
    assert!(matches!(again, Err(Error::InvalidToken)), "{again:?}");
}

#[tokio::test]
async fn codes_one_step_either_side_pass_two_steps_away_do_not() {
    let env = env().await;
    let (_, secret) = enrolled(&env, "carol").await;
    for (offset, passes) in [
        (-60i64, false),
        (60, false),
        (-30, true),
        (0, true),
        (30, true),
    ] {
        env.advance(90);
        let step = second_step(&env, "carol").await;
        let code = code_at(&secret, env.now().timestamp() + offset);
        let result = complete(&env, &step, totp(&code)).await;
        assert_eq!(result.is_ok(), passes, "offset {offset}: {result:?}");
    }
}

#[tokio::test]
async fn a_code_is_never_accepted_twice() {
    let env = env().await;
    let (_, secret) = enrolled(&env, "carol").await;
    let code = code_at(&secret, env.now().timestamp());
    let first = second_step(&env, "carol").await;
    complete(&env, &first, totp(&code)).await.unwrap();
    let second = second_step(&env, "carol").await;
    let replay = complete(&env, &second, totp(&code)).await;
    assert!(
        matches!(replay, Err(Error::InvalidCredentials)),
        "{replay:?}"
    );
    // The earlier step's code is no use either once a later step was used.
    let earlier = code_at(&secret, env.now().timestamp() - 30);
    assert!(complete(&env, &second, totp(&earlier)).await.is_err());
    let events = env.login_events(None).await;
    assert!(
        events
            .iter()
            .any(|e| e.outcome == LoginOutcome::WrongSecondFactor)
    );
}

#[tokio::test]
async fn of_many_concurrent_submissions_of_one_code_exactly_one_signs_in() {
    // Each submission takes one of the account's checks first (as a password does): a
    // threshold above the burst keeps the lockout out of this test (the next one covers it).
    let mut config = Config::insecure_fast_for_tests();
    config.lockout.max_failed_attempts = 100;
    let env = env_with(config).await;
    let (carol, secret) = enrolled(&env, "carol").await;
    let code = code_at(&secret, env.now().timestamp());
    let mut steps = Vec::new();
    for _ in 0..8 {
        steps.push(second_step(&env, "carol").await);
    }
    // Each challenge submitted twice at once, every submission with the same code.
    let repo = env.dyn_repo();
    let tenant = env.tid();
    let attempts = steps.iter().flat_map(|step| {
        let token = step.challenge.expose().to_owned();
        [token.clone(), token]
    });
    let tasks: Vec<_> = attempts
        .map(|token| {
            let repo = repo.clone();
            let code = code.clone();
            tokio::spawn(async move {
                repo.complete_sign_in(tenant, &token, totp(&code), web())
                    .await
            })
        })
        .collect();
    let mut wins = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => wins += 1,
            Err(Error::InvalidCredentials | Error::InvalidToken) => {}
            Err(other) => panic!("a losing submission fails cleanly, not with {other:?}"),
        }
    }
    assert_eq!(wins, 1, "one code, one login");
    let row = env.row(carol.id).await;
    assert_eq!(row.login_count, 1);
}

#[tokio::test]
async fn a_recovery_code_signs_in_once_and_only_for_its_own_user() {
    let env = env().await;
    let (carol, _) = enrolled(&env, "carol").await;
    let (dave, _) = enrolled(&env, "dave").await;
    let codes = env
        .repo
        .regenerate_recovery_codes(env.tid(), carol.id, Some(carol.id))
        .await
        .unwrap();
    let code = codes.expose()[3].clone();
    assert_eq!(
        env.repo
            .recovery_codes_left(env.tid(), carol.id)
            .await
            .unwrap(),
        10
    );

    // Dave cannot use Carol's code.
    let daves = second_step(&env, "dave").await;
    let stolen = complete(&env, &daves, SecondFactorProof::RecoveryCode(code.clone())).await;
    assert!(matches!(stolen, Err(Error::InvalidCredentials)));
    assert_eq!(
        env.repo
            .recovery_codes_left(env.tid(), dave.id)
            .await
            .unwrap(),
        10
    );

    let step = second_step(&env, "carol").await;
    let upper = code.to_uppercase();
    complete(&env, &step, SecondFactorProof::RecoveryCode(upper))
        .await
        .unwrap();
    assert_eq!(
        env.repo
            .recovery_codes_left(env.tid(), carol.id)
            .await
            .unwrap(),
        9
    );
    let step = second_step(&env, "carol").await;
    let reused = complete(&env, &step, SecondFactorProof::RecoveryCode(code)).await;
    assert!(matches!(reused, Err(Error::InvalidCredentials)));

    // Regenerating voids the old set.
    let old = codes.expose()[0].clone();
    env.repo
        .regenerate_recovery_codes(env.tid(), carol.id, Some(carol.id))
        .await
        .unwrap();
    let voided = complete(&env, &step, SecondFactorProof::RecoveryCode(old)).await;
    assert!(matches!(voided, Err(Error::InvalidCredentials)));
    // Only hashes are stored.
    let stored = recovery_codes::Entity::find()
        .filter(recovery_codes::Column::UserId.eq(carol.id))
        .all(env.conn())
        .await
        .unwrap();
    assert_eq!(stored.len(), 10);
    for row in stored {
        assert_eq!(row.code_hash.len(), 64);
        assert!(
            !codes
                .expose()
                .iter()
                .any(|c| row.code_hash.contains(&c.replace('-', "")))
        );
    }
}

#[tokio::test]
async fn wrong_codes_lock_the_account_like_wrong_passwords_even_in_parallel() {
    let mut config = Config::insecure_fast_for_tests();
    config.lockout.max_failed_attempts = 5;
    config.lockout.base_lock = Duration::from_secs(15 * 60);
    let env = env_with(config).await;
    let (carol, secret) = enrolled(&env, "carol").await;
    let step = second_step(&env, "carol").await;
    let repo = env.dyn_repo();
    let tenant = env.tid();
    let right = code_at(&secret, env.now().timestamp());
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let repo = repo.clone();
            let token = step.challenge.expose().to_owned();
            tokio::spawn(async move {
                repo.complete_sign_in(tenant, &token, totp(wrong), web())
                    .await
            })
        })
        .collect();
    for task in tasks {
        assert!(task.await.unwrap().is_err());
    }
    let row = env.row(carol.id).await;
    assert!(
        row.locked_until.is_some(),
        "50 wrong codes lock the account"
    );
    // Now even the right code is refused, and the password step too.
    let locked = complete(&env, &step, totp(&right)).await;
    assert!(
        matches!(locked, Err(Error::InvalidCredentials)),
        "{locked:?}"
    );
    env.login_refused("carol", STRONG).await;
}

#[tokio::test]
async fn malformed_codes_are_refused_and_counted() {
    let env = env().await;
    let (carol, secret) = enrolled(&env, "carol").await;
    let step = second_step(&env, "carol").await;
    let right = code_at(&secret, env.now().timestamp());
    let arabic: String = right
        .chars()
        .map(|c| char::from_u32(0x0660 + c.to_digit(10).unwrap()).unwrap())
        .collect();
    let fullwidth: String = right
        .chars()
        .map(|c| char::from_u32(0xFF10 + c.to_digit(10).unwrap()).unwrap())
        .collect();
    let bad = [
        format!(" {right}"),
        format!("{right}\n"),
        format!("{} {}", &right[..3], &right[3..]),
        right[..5].to_owned(),
        format!("{right}1"),
        format!("{}\u{0}", &right[..5]),
        arabic,
        fullwidth,
        "x".repeat(10 * 1024 * 1024),
    ];
    let failed_before = env.row(carol.id).await.failed_login_count;
    for code in &bad[..4] {
        let result = complete(&env, &step, totp(code)).await;
        assert!(matches!(result, Err(Error::InvalidCredentials)), "{code:?}");
    }
    let after = env.row(carol.id).await;
    assert_eq!(
        after.failed_login_count,
        failed_before + 4,
        "each counted as a failure"
    );
    env.repo
        .unlock_user(env.tid(), carol.id, None)
        .await
        .unwrap();
    for code in &bad[4..] {
        let result = complete(&env, &step, totp(code)).await;
        assert!(matches!(result, Err(Error::InvalidCredentials)));
        let recovery = complete(&env, &step, SecondFactorProof::RecoveryCode(code.clone())).await;
        assert!(matches!(recovery, Err(Error::InvalidCredentials)));
        env.repo
            .unlock_user(env.tid(), carol.id, None)
            .await
            .unwrap();
    }
    // The right code still works on the same challenge: nothing else was written.
    complete(&env, &step, totp(&right)).await.unwrap();
}

#[tokio::test]
async fn expired_foreign_or_forged_challenges_are_refused_and_write_nothing() {
    let env = env().await;
    let (carol, secret) = enrolled(&env, "carol").await;
    let step = second_step(&env, "carol").await;
    let code = code_at(&secret, env.now().timestamp());
    let events = env.login_events(None).await.len();
    let failed = env.row(carol.id).await.failed_login_count;

    let other = env.other_tenant("globex").await;
    let elsewhere = LoginContext {
        source: LoginSource::api(),
        ip: Some(IP.to_owned()),
    };
    let other_ip = LoginContext {
        source: LoginSource::web(),
        ip: Some("198.51.100.1".to_owned()),
    };
    let token = step.challenge.expose();
    for (tenant, token, context) in [
        (other.id, token.to_owned(), web()),
        (env.tid(), token.to_owned(), elsewhere),
        (env.tid(), token.to_owned(), other_ip),
        (env.tid(), "not a token".to_owned(), web()),
        (env.tid(), "A".repeat(43), web()),
        (env.tid(), format!("{}\u{0}", &token[..42]), web()),
    ] {
        let result = env
            .repo
            .complete_sign_in(tenant, &token, totp(&code), context)
            .await;
        assert!(matches!(result, Err(Error::InvalidToken)), "{result:?}");
    }
    assert_eq!(
        env.login_events(None).await.len(),
        events,
        "nothing recorded"
    );
    assert_eq!(env.row(carol.id).await.failed_login_count, failed);

    env.advance(5 * 60 + 1);
    let expired = complete(&env, &step, totp(&code_at(&secret, env.now().timestamp()))).await;
    assert!(matches!(expired, Err(Error::InvalidToken)), "{expired:?}");
    // A challenge is stored as a hash only.
    let rows = login_challenges::Entity::find()
        .all(env.conn())
        .await
        .unwrap();
    assert!(
        rows.iter()
            .all(|row| row.token_hash != step.challenge.expose())
    );
}

#[tokio::test]
async fn secrets_never_show_in_debug_or_in_the_database() {
    let env = env().await;
    let carol = env.user("carol").await;
    let enrolment: TotpEnrolment = env
        .repo
        .enrol_totp(env.tid(), carol.id, "phone")
        .await
        .unwrap();
    let secret = enrolment.secret.expose().to_owned();
    assert!(enrolment.uri.expose().contains(&secret));
    let shown = format!("{enrolment:?}");
    assert!(
        !shown.contains(&secret) && !shown.contains("otpauth"),
        "{shown}"
    );
    let row = authenticators::Entity::find_by_id(enrolment.authenticator)
        .one(env.conn())
        .await
        .unwrap()
        .unwrap();
    assert!(
        !format!("{row:?}").contains("insecure-test-key:"),
        "sealed secret redacted"
    );
    let sealed = row.secret.as_ref().unwrap().expose();
    assert!(!sealed.contains(&secret));
    let code = code_at(&secret, env.now().timestamp());
    let codes = env
        .repo
        .confirm_totp(env.tid(), carol.id, enrolment.authenticator, &code, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(format!("{codes:?}"), "[redacted]");
    env.advance(30);
    let step = second_step(&env, "carol").await;
    let shown = format!("{:?}", SignIn::SecondFactor(step));
    assert!(shown.contains("[redacted]"));
    assert!(!format!("{:?}", totp(&code)).contains(&code));
}

#[tokio::test]
async fn enrolment_needs_a_right_code_and_removal_disables_the_factor() {
    let env = env().await;
    let carol = env.user("carol").await;
    let enrolment = env
        .repo
        .enrol_totp(env.tid(), carol.id, "phone")
        .await
        .unwrap();
    let secret = enrolment.secret.expose().to_owned();
    let wrong = env
        .repo
        .confirm_totp(env.tid(), carol.id, enrolment.authenticator, "123456", None)
        .await;
    assert!(matches!(wrong, Err(Error::InvalidCredentials)));
    // Pending: not a factor yet, so the password alone signs in.
    env.login_ok("carol", STRONG).await;
    for name in ["", "\u{0}", &"x".repeat(101)] {
        let refused = env.repo.enrol_totp(env.tid(), carol.id, name).await;
        assert!(matches!(refused, Err(Error::InvalidInput(_))), "{name:?}");
    }
    let code = code_at(&secret, env.now().timestamp());
    env.repo
        .confirm_totp(env.tid(), carol.id, enrolment.authenticator, &code, None)
        .await
        .unwrap();
    let listed = env.repo.authenticators(env.tid(), carol.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].confirmed && listed[0].kind == FactorKind::Totp);
    // Another tenant cannot see or remove it.
    let other = env.other_tenant("globex").await;
    assert!(
        env.repo
            .authenticators(other.id, carol.id)
            .await
            .unwrap()
            .is_empty()
    );
    let foreign = env
        .repo
        .remove_authenticator(other.id, carol.id, listed[0].id, None)
        .await;
    assert!(matches!(foreign, Err(Error::NotFound)));
    env.repo
        .remove_authenticator(env.tid(), carol.id, listed[0].id, Some(carol.id))
        .await
        .unwrap();
    assert_eq!(
        env.repo
            .recovery_codes_left(env.tid(), carol.id)
            .await
            .unwrap(),
        0
    );
    env.login_ok("carol", STRONG).await;
    let actions = env.audit_actions().await;
    assert!(actions.contains(&"second_factor.enrolled".to_owned()));
    assert!(actions.contains(&"second_factor.removed".to_owned()));
}

#[tokio::test]
async fn an_admin_reset_removes_every_factor_rotates_the_stamp_and_ends_sessions() {
    let env = env().await;
    let (carol, secret) = enrolled(&env, "carol").await;
    let step = second_step(&env, "carol").await;
    let signed_in = complete(&env, &step, totp(&code_at(&secret, env.now().timestamp())))
        .await
        .unwrap();
    let admin = env.user("admin").await;
    env.repo
        .reset_second_factors(env.tid(), carol.id, Some(admin.id))
        .await
        .unwrap();
    let stamp = env.repo.security_stamp(env.tid(), carol.id).await.unwrap();
    assert_ne!(stamp, Some(signed_in.security_stamp), "its sessions end");
    assert!(
        env.repo
            .authenticators(env.tid(), carol.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        env.repo
            .recovery_codes_left(env.tid(), carol.id)
            .await
            .unwrap(),
        0
    );
    env.login_ok("carol", STRONG).await;
    assert!(
        env.audit_actions()
            .await
            .contains(&"second_factors.reset".to_owned())
    );
    let other = env.other_tenant("globex").await;
    let foreign = env
        .repo
        .reset_second_factors(other.id, carol.id, None)
        .await;
    assert!(matches!(foreign, Err(Error::NotFound)));
}

#[tokio::test]
async fn a_tenant_policy_requires_enrolment_and_the_enrolment_completes_the_sign_in() {
    let env = env().await;
    let carol = env.user("carol").await;
    let unknown = env
        .repo
        .set_second_factor_policy(
            env.tid(),
            SecondFactorPolicy::Roles(vec![RoleKey::new("no-such-role").unwrap()]),
            None,
        )
        .await;
    assert!(matches!(unknown, Err(Error::RoleRefused(_))), "{unknown:?}");
    let policy = env
        .repo
        .set_second_factor_policy(env.tid(), SecondFactorPolicy::Everyone, None)
        .await
        .unwrap();
    assert_eq!(policy, SecondFactorPolicy::Everyone);
    assert_eq!(
        env.repo.second_factor_policy(env.tid()).await.unwrap(),
        policy
    );

    let step = match env
        .repo
        .sign_in(env.tid(), "carol", &pw(STRONG), web())
        .await
        .unwrap()
    {
        SignIn::EnrolmentRequired(step) => step,
        other => panic!("expected enrolment, got {other:?}"),
    };
    assert!(matches!(
        env.login("carol", STRONG).await,
        Err(Error::SecondFactorRequired)
    ));
    // A recovery code cannot answer an enrolment, nor a code before enrolling.
    let early = complete(&env, &step, totp("123456")).await;
    assert!(matches!(early, Err(Error::InvalidCredentials)));
    let enrolment = env
        .repo
        .enrol_totp_at_sign_in(env.tid(), step.challenge.expose(), "phone", web())
        .await
        .unwrap();
    let code = code_at(enrolment.secret.expose(), env.now().timestamp());
    let signed_in = complete(&env, &step, totp(&code)).await.unwrap();
    assert_eq!(signed_in.user.id, carol.id);
    assert_eq!(
        env.repo
            .authenticators(env.tid(), carol.id)
            .await
            .unwrap()
            .len(),
        1
    );
    // From now on Carol has a factor: the next sign-in asks for it.
    env.advance(30);
    second_step(&env, "carol").await;

    // Roles: only holders are covered.
    env.repo
        .set_second_factor_policy(
            env.tid(),
            SecondFactorPolicy::Roles(vec![RoleKey::new("admin").unwrap()]),
            None,
        )
        .await
        .unwrap();
    let dave = env.user("dave").await;
    env.login_ok("dave", STRONG).await;
    env.repo
        .grant_role(
            env.tid(),
            dave.id,
            GrantScope::Tenant,
            RoleKey::new("admin").unwrap(),
            None,
        )
        .await
        .unwrap();
    let covered = env
        .repo
        .sign_in(env.tid(), "dave", &pw(STRONG), web())
        .await
        .unwrap();
    assert!(
        matches!(covered, SignIn::EnrolmentRequired(_)),
        "{covered:?}"
    );
}

#[tokio::test]
async fn after_a_key_rotation_old_secrets_still_work_and_are_sealed_again() {
    let old_key = SealingKey::new("k1", [1; 32]).unwrap();
    let mut config = Config::insecure_fast_for_tests();
    config.second_factors.keys = SealingKeys::new(old_key.clone());
    let env = env_with(config).await;
    let (carol, secret) = enrolled(&env, "carol").await;
    let mut rotated = Config::insecure_fast_for_tests();
    rotated.second_factors.keys =
        SealingKeys::new(SealingKey::new("k2", [2; 32]).unwrap()).with_previous(old_key);
    let env = env.with_config(rotated);
    let step = second_step(&env, "carol").await;
    complete(&env, &step, totp(&code_at(&secret, env.now().timestamp())))
        .await
        .unwrap();
    let row = authenticators::Entity::find()
        .filter(authenticators::Column::UserId.eq(carol.id))
        .one(env.conn())
        .await
        .unwrap()
        .unwrap();
    assert!(
        row.secret.unwrap().expose().starts_with("k2:"),
        "sealed again with the new key"
    );
    // Without any key that opens it, the factor cannot pass, and nothing panics.
    let mut lost = Config::insecure_fast_for_tests();
    lost.second_factors.keys = SealingKeys::new(SealingKey::new("k3", [3; 32]).unwrap());
    let env = env.with_config(lost);
    env.advance(30);
    let step = second_step(&env, "carol").await;
    let refused = complete(&env, &step, totp(&code_at(&secret, env.now().timestamp()))).await;
    assert!(matches!(refused, Err(Error::InvalidCredentials)));
}

#[tokio::test]
async fn an_sso_sign_in_asks_for_the_factor_unless_the_tenant_trusts_the_provider_for_it() {
    let env = env().await;
    let (carol, secret) = enrolled(&env, "carol").await;
    env.repo
        .link_identity(
            env.tid(),
            carol.id,
            NewIdentity {
                provider: "entra".into(),
                subject: "carol-sub".into(),
                email: None,
            },
            None,
        )
        .await
        .unwrap();
    let claims = ProviderClaims {
        provider: "entra".into(),
        subject: "carol-sub".into(),
        ..ProviderClaims::default()
    };
    let mut policy = IdentityProviderPolicy {
        provider: "entra".into(),
        ..IdentityProviderPolicy::default()
    };
    env.repo
        .set_identity_provider(env.tid(), policy.clone(), None)
        .await
        .unwrap();
    let before = env.row(carol.id).await.login_count;
    let signed = env
        .repo
        .sign_in_with_identity(env.tid(), claims.clone(), web())
        .await
        .unwrap();
    assert!(signed.signed_in().is_none());
    let SignIn::SecondFactor(step) = signed.login else {
        panic!("a second step");
    };
    assert_eq!(
        env.row(carol.id).await.login_count,
        before,
        "not a login yet"
    );
    let by_identity = env
        .repo
        .authenticate_identity("entra", "carol-sub", web())
        .await;
    assert!(matches!(by_identity, Err(Error::SecondFactorRequired)));
    complete(&env, &step, totp(&code_at(&secret, env.now().timestamp())))
        .await
        .unwrap();

    policy.satisfies_second_factor = true;
    env.repo
        .set_identity_provider(env.tid(), policy, None)
        .await
        .unwrap();
    let trusted = env
        .repo
        .sign_in_with_identity(env.tid(), claims, web())
        .await
        .unwrap();
    assert_eq!(trusted.signed_in().map(|l| l.user.id), Some(carol.id));
    env.repo
        .authenticate_identity("entra", "carol-sub", web())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_wrong_password_fails_alike_with_or_without_a_factor() {
    let env = env().await;
    let (carol, _) = enrolled(&env, "carol").await;
    let dave = env.user("dave").await;
    // Uniform: InvalidCredentials after exactly one hasher run, for both.
    env.login_refused("carol", "wrong horse battery staple")
        .await;
    env.login_refused("dave", "wrong horse battery staple")
        .await;
    for user in [carol.id, dave.id] {
        let events = env.login_events(Some(user)).await;
        assert_eq!(events[0].outcome, LoginOutcome::WrongPassword);
    }
    let refused = env
        .repo
        .sign_in(env.tid(), "carol", &pw("wrong horse battery staple"), web())
        .await;
    assert!(matches!(refused, Err(Error::InvalidCredentials)));
}
