#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `authenticate`: success by username or email, login tracking and history, one uniform
//! failure that always costs one hasher run, rehashing on success only, activity and pruning.

mod common;

use argon2::PasswordHasher as _;
use argon2::{Algorithm, Argon2, Params, Version};
use common::*;
use tenantry_service::hashing::{HashingConfig, PasswordHasher};
use tenantry_service::prelude::*;
use tenantry_service::{
    Config, ImportedHash, ImportedUser, LoginContext, LoginOutcome, LoginSource, NewPlant, NewUser,
    PlantRole, TenantId, UserQuery, UserRole, UserStatus, UserUpdate,
};

/// The roles are read beside the hash, not in the login's transaction: the view must still be
/// the user's whole, current view (roles ordered as everywhere else).
#[tokio::test]
async fn a_successful_login_returns_the_same_view_as_get_user() {
    let env = env().await;
    let alice = env.create(user_input("alice", Some(STRONG))).await;
    let mut roles = Vec::new();
    for (code, role) in [
        ("b-plant", UserRole::Operator),
        ("a-plant", UserRole::Admin),
    ] {
        let plant = env
            .repo
            .create_plant(
                env.tid(),
                NewPlant {
                    code: code.into(),
                    name: code.into(),
                },
                None,
            )
            .await
            .unwrap();
        roles.push(PlantRole::new(plant.id, role));
    }
    env.repo
        .set_plant_roles(env.tid(), alice.id, &roles, None)
        .await
        .unwrap();
    env.advance(5);
    let auth = env.login_ok("alice", STRONG).await;
    let view = env
        .repo
        .get_user(env.tid(), alice.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(auth.user, view);
    let codes: Vec<_> = auth
        .user
        .plant_roles
        .iter()
        .map(|r| r.plant_code.as_str())
        .collect();
    assert_eq!(codes, ["a-plant", "b-plant"]);
}

#[tokio::test]
async fn succeeds_by_username_or_email_case_insensitively_and_tracks_the_login() {
    let env = env().await;
    let alice = env
        .create(NewUser {
            username: "Alice".into(),
            email: Some("Alice@Example.com".into()),
            display_name: "Alice".into(),
            password: Some(pw(STRONG)),
            ..NewUser::default()
        })
        .await;
    assert_eq!(alice.last_login_at, None);
    assert_eq!(alice.login_count, 0);

    let logins = [
        "alice",
        "ALICE",
        "Alice",
        "alice@example.com",
        "ALICE@EXAMPLE.COM",
    ];
    for (n, login) in logins.into_iter().enumerate() {
        env.advance(60);
        let before = env.runs();
        let auth = env.login_ok(login, STRONG).await;
        assert_eq!(env.runs() - before, 1, "{login}: one verify, no rehash");
        assert_eq!(auth.user.id, alice.id, "{login}");
        assert_eq!(auth.user.username.as_deref(), Some("Alice"));
        assert_eq!(auth.user.last_login_at, Some(env.now()), "{login}");
        assert_eq!(auth.user.login_count, n as i64 + 1, "{login}");
        let row = env.row(alice.id).await;
        assert_eq!(auth.security_stamp, row.security_stamp);
        assert_eq!(row.last_login_at, Some(env.now()));
        assert_eq!(row.login_count, n as i64 + 1);
        assert!(!format!("{auth:?}").contains(&row.security_stamp));
    }

    // The last login is in every view and in listings.
    let view = env
        .repo
        .get_user(env.tid(), alice.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.last_login_at, Some(env.now()));
    assert_eq!(view.login_count, 5);
    let page = env
        .repo
        .list_users(env.tid(), &UserQuery::default())
        .await
        .unwrap();
    assert_eq!(page.items[0].last_login_at, Some(env.now()));

    let events = env.login_events(Some(alice.id)).await;
    assert_eq!(events.len(), 5);
    for event in &events {
        assert_eq!(event.outcome, LoginOutcome::Success);
        assert_eq!(event.source, LoginSource::web());
        assert_eq!(event.ip.as_deref(), Some(IP));
        assert_eq!(event.user_id, Some(alice.id));
    }
    assert_eq!(events[0].at, env.now(), "newest first");
}

#[tokio::test]
async fn login_events_record_source_ip_and_outcome() {
    let env = env().await;
    let bob = env.user("bob").await;
    let api = LoginContext {
        source: LoginSource::api(),
        ip: Some("2001:db8::1".into()),
    };
    env.repo
        .authenticate(env.tid(), "bob", &pw(STRONG), api)
        .await
        .unwrap();
    let cli = LoginContext {
        source: LoginSource::cli(),
        ip: Some("not an address".into()),
    };
    assert_invalid_credentials(
        env.repo
            .authenticate(env.tid(), "bob", &pw(WRONG), cli)
            .await,
        "wrong password",
    );
    assert_invalid_credentials(
        env.repo
            .authenticate(
                env.tid(),
                "nobody",
                &pw(STRONG),
                LoginContext::from(LoginSource::sso()),
            )
            .await,
        "unknown user",
    );

    let events = env.login_events(None).await;
    let summary: Vec<_> = events
        .iter()
        .map(|e| (e.user_id, e.source.clone(), e.outcome, e.ip.clone()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (None, LoginSource::sso(), LoginOutcome::UnknownUser, None),
            (
                Some(bob.id),
                LoginSource::cli(),
                LoginOutcome::WrongPassword,
                None
            ),
            (
                Some(bob.id),
                LoginSource::api(),
                LoginOutcome::Success,
                Some("2001:db8::1".into())
            ),
        ]
    );
    let only_bob = env.login_events(Some(bob.id)).await;
    assert_eq!(only_bob.len(), 2);
}

/// Every reason a login can fail gives the same error, with the same text, after exactly one
/// hasher run; the real reason is in the login history.
#[tokio::test]
async fn every_failure_is_the_same_invalid_credentials_after_one_hasher_run() {
    let mut config = Config::insecure_fast_for_tests();
    config.lockout.max_failed_attempts = 3;
    let env = env_with(config).await;
    let now = env.now();

    let known = env.user("known").await;
    let suspended = env.user("suspended").await;
    env.repo
        .deactivate_user(env.tid(), suspended.id, None)
        .await
        .unwrap();
    let invited = env
        .create(NewUser {
            status: Some(UserStatus::Invited),
            ..user_input("invited", None)
        })
        .await;
    let expired_at_creation = env
        .create(NewUser {
            expires_at: Some(now - chrono::Duration::seconds(1)),
            ..user_input("expired1", Some(STRONG))
        })
        .await;
    let expired_by_update = env.user("expired2").await;
    env.repo
        .update_user(
            env.tid(),
            expired_by_update.id,
            UserUpdate {
                expires_at: Some(Some(now)),
                ..UserUpdate::default()
            },
            None,
        )
        .await
        .unwrap();
    let locked = env.user("locked").await;
    for _ in 0..3 {
        env.login_refused("locked", WRONG).await;
    }
    assert!(env.row(locked.id).await.locked_until.is_some());
    let deleted = env.user("deleted").await;
    env.repo
        .delete_user(env.tid(), deleted.id, None)
        .await
        .unwrap();
    let sso_only = env.passwordless("ssoonly").await;

    let beta = env.other_tenant("beta").await;
    let beta_user = env
        .repo
        .create_user(beta.id, user_input("betauser", Some(STRONG)), None)
        .await
        .unwrap();
    env.repo.suspend_tenant(beta.id, None).await.unwrap();

    // (tenant, login, password, expected outcome and user in the login history)
    let t = env.tid();
    let long_login = "a".repeat(400);
    let huge_password = "x".repeat(5000);
    let cases: Vec<(&str, TenantId, &str, &str, Option<_>)> = vec![
        ("unknown username", t, "nobody", STRONG, None),
        ("unknown email", t, "nobody@example.com", STRONG, None),
        ("empty login", t, "", STRONG, None),
        ("over-long login", t, &long_login, STRONG, None),
        (
            "wrong password",
            t,
            "known",
            WRONG,
            Some((LoginOutcome::WrongPassword, known.id)),
        ),
        (
            "empty password",
            t,
            "known",
            "",
            Some((LoginOutcome::WrongPassword, known.id)),
        ),
        (
            "over-long password",
            t,
            "known",
            &huge_password,
            Some((LoginOutcome::WrongPassword, known.id)),
        ),
        (
            "suspended user",
            t,
            "suspended",
            STRONG,
            Some((LoginOutcome::Inactive, suspended.id)),
        ),
        (
            "invited user",
            t,
            "invited",
            STRONG,
            Some((LoginOutcome::Inactive, invited.id)),
        ),
        (
            "expired at creation",
            t,
            "expired1",
            STRONG,
            Some((LoginOutcome::Expired, expired_at_creation.id)),
        ),
        (
            "expired by update",
            t,
            "expired2@example.com",
            STRONG,
            Some((LoginOutcome::Expired, expired_by_update.id)),
        ),
        (
            "locked, right password",
            t,
            "locked",
            STRONG,
            Some((LoginOutcome::Locked, locked.id)),
        ),
        ("soft-deleted", t, "deleted", STRONG, None),
        (
            "no password",
            t,
            "ssoonly",
            STRONG,
            Some((LoginOutcome::NoPassword, sso_only.id)),
        ),
        (
            "suspended tenant",
            beta.id,
            "betauser",
            STRONG,
            Some((LoginOutcome::TenantSuspended, beta_user.id)),
        ),
        ("unknown tenant", TenantId(999_999), "known", STRONG, None),
    ];

    let mut displays = std::collections::BTreeSet::new();
    for (case, tenant, login, password, expected) in cases {
        let events_before = env
            .repo
            .list_login_events(tenant, None, Default::default())
            .await
            .unwrap()
            .total;
        let before = env.runs();
        let result = env
            .repo
            .authenticate(tenant, login, &pw(password), web())
            .await;
        assert_eq!(env.runs() - before, 1, "{case}: exactly one hasher run");
        let error = result.expect_err(case);
        assert!(
            matches!(error, tenantry_service::Error::InvalidCredentials),
            "{case}: {error:?}"
        );
        displays.insert(error.to_string());

        let events = env
            .repo
            .list_login_events(tenant, None, Default::default())
            .await
            .unwrap();
        if tenant == TenantId(999_999) {
            assert_eq!(events.total, 0, "an unknown tenant has no history");
            continue;
        }
        assert_eq!(events.total, events_before + 1, "{case}: one event");
        let event = &events.items[0];
        assert_eq!(event.source, LoginSource::web(), "{case}");
        assert_eq!(event.ip.as_deref(), Some(IP), "{case}");
        match expected {
            Some((outcome, user)) => {
                assert_eq!(event.outcome, outcome, "{case}");
                assert_eq!(event.user_id, Some(user), "{case}");
            }
            None => {
                assert_eq!(event.outcome, LoginOutcome::UnknownUser, "{case}");
                assert_eq!(event.user_id, None, "{case}");
            }
        }
    }
    assert_eq!(
        displays.into_iter().collect::<Vec<_>>(),
        vec!["invalid credentials".to_owned()]
    );

    // None of the refused users was logged in or had its hash rewritten.
    for id in [known.id, suspended.id, invited.id, locked.id, sso_only.id] {
        let row = env.row(id).await;
        assert_eq!(row.login_count, 0);
        assert_eq!(row.last_login_at, None);
    }
    // The three wrong passwords for the known user reached the threshold of three.
    let row = env.row(known.id).await;
    assert_eq!(row.failed_login_count, 3);
    assert!(row.locked_until.is_some_and(|until| until > env.now()));
    env.repo
        .unlock_user(env.tid(), known.id, None)
        .await
        .unwrap();
    env.login_ok("known", STRONG).await;
}

/// A stored hash with weaker parameters than the current ones, as another hasher makes them.
async fn weak_hash(password: &str) -> String {
    PasswordHasher::new(HashingConfig::insecure_fast_for_tests())
        .unwrap()
        .hash(&pw(password))
        .await
        .unwrap()
        .expose()
        .to_owned()
}

/// A PHC string made with the argon2 crate directly, as another system would.
fn foreign_hash(algorithm: Algorithm, m: u32, t: u32, p: u32, password: &str) -> String {
    Argon2::new(
        algorithm,
        Version::V0x13,
        Params::new(m, t, p, None).unwrap(),
    )
    .hash_password(password.as_bytes())
    .unwrap()
    .to_string()
}

/// The test configuration with two iterations, so a t=1 hash is "weaker".
fn two_iterations() -> Config {
    let mut config = Config::insecure_fast_for_tests();
    config.hashing.iterations = 2;
    config
}

fn imported(username: &str, phc: &str) -> ImportedUser {
    ImportedUser {
        username: username.to_owned(),
        email: Some(format!("{username}@example.com")),
        display_name: username.to_owned(),
        password_hash: ImportedHash::new(phc),
        ..ImportedUser::default()
    }
}

#[tokio::test]
async fn success_rehashes_weaker_parameters_and_other_variants_and_failure_never_writes() {
    let env = env_with(two_iterations()).await;
    let cases = [
        ("weakparams", weak_hash(STRONG).await),
        ("argon2i", foreign_hash(Algorithm::Argon2i, 8, 1, 1, STRONG)),
        ("argon2d", foreign_hash(Algorithm::Argon2d, 8, 2, 1, STRONG)),
    ];
    for (username, phc) in cases {
        let user = env
            .repo
            .import_user(env.tid(), imported(username, &phc), None)
            .await
            .unwrap();
        let stored = env.stored_hash(user.id).await.unwrap();
        assert_eq!(
            stored,
            format!("argon2{phc}"),
            "{username}: imported as given"
        );

        // Failures, however many, never write a hash.
        for _ in 0..2 {
            env.login_refused(username, WRONG).await;
            assert_eq!(
                env.stored_hash(user.id).await.unwrap(),
                stored,
                "{username}"
            );
        }

        // A success verifies and then hashes once more, with the current parameters.
        let before = env.runs();
        env.login_ok(username, STRONG).await;
        assert_eq!(env.runs() - before, 2, "{username}: verify + rehash");
        let upgraded = env.stored_hash(user.id).await.unwrap();
        assert!(
            upgraded.starts_with("$argon2id$v=19$m=8,t=2,p=1$"),
            "{username}: upgraded to the current parameters"
        );
        assert_ne!(upgraded, phc);

        // The new hash is current: the next success does not rehash.
        let before = env.runs();
        env.login_ok(username, STRONG).await;
        assert_eq!(env.runs() - before, 1, "{username}: no second rehash");
        assert_eq!(env.stored_hash(user.id).await.unwrap(), upgraded);
        env.login_refused(username, OTHER).await;
        assert_eq!(env.stored_hash(user.id).await.unwrap(), upgraded);
    }
}

#[tokio::test]
async fn a_hash_with_current_parameters_is_not_rewritten() {
    let env = env().await;
    let user = env.user("steady").await;
    let stored = env.stored_hash(user.id).await.unwrap();
    for _ in 0..2 {
        let before = env.runs();
        env.login_ok("steady", STRONG).await;
        assert_eq!(env.runs() - before, 1);
    }
    assert_eq!(env.stored_hash(user.id).await.unwrap(), stored);
}

#[tokio::test]
async fn corrupt_empty_and_foreign_stored_hashes_fail_closed() {
    let env = env().await;
    let user = env.user("victim").await;
    let good = env.stored_hash(user.id).await.unwrap();
    let truncated = good[..good.len() - 8].to_owned();
    let cases = [
        String::new(),
        " ".to_owned(),
        "garbage".to_owned(),
        STRONG.to_owned(),
        truncated,
        "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW".to_owned(),
        "pbkdf2_sha256$600000$c2FsdA$aGFzaA==".to_owned(),
        "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ".to_owned(),
        "$argon2id$v=19$m=2000000000,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA".to_owned(),
    ];
    for phc in cases {
        env.write_hash(user.id, &phc).await;
        env.login_refused("victim", STRONG).await;
        env.login_refused("victim@example.com", STRONG).await;
        assert_eq!(
            env.stored_hash(user.id).await.as_deref(),
            Some(phc.as_str()),
            "a failure never writes"
        );
        let outcome = env.login_events(Some(user.id)).await[0].outcome;
        assert_eq!(outcome, LoginOutcome::WrongPassword);
        // Reset the count so the cases never add up to a lock.
        env.repo
            .unlock_user(env.tid(), user.id, None)
            .await
            .unwrap();
    }
    env.write_hash(user.id, &good).await;
    env.login_ok("victim", STRONG).await;
}

#[tokio::test]
async fn record_activity_writes_at_most_once_per_interval() {
    let env = env().await;
    let user = env.user("busy").await;
    assert_eq!(env.row(user.id).await.last_active_at, None);

    assert!(env.repo.record_activity(env.tid(), user.id).await.unwrap());
    let first = env.now();
    assert_eq!(env.row(user.id).await.last_active_at, Some(first));
    assert!(!env.repo.record_activity(env.tid(), user.id).await.unwrap());
    env.advance(59);
    assert!(!env.repo.record_activity(env.tid(), user.id).await.unwrap());
    assert_eq!(env.row(user.id).await.last_active_at, Some(first));
    env.advance(2);
    assert!(env.repo.record_activity(env.tid(), user.id).await.unwrap());
    assert_eq!(env.row(user.id).await.last_active_at, Some(env.now()));
    let view = env
        .repo
        .get_user(env.tid(), user.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.last_active_at, Some(env.now()));

    // Not for another tenant's id, nor for a deleted user.
    env.advance(120);
    let beta = env.other_tenant("beta").await;
    assert!(!env.repo.record_activity(beta.id, user.id).await.unwrap());
    env.repo
        .delete_user(env.tid(), user.id, None)
        .await
        .unwrap();
    assert!(!env.repo.record_activity(env.tid(), user.id).await.unwrap());
}

#[tokio::test]
async fn prune_login_events_deletes_only_older_rows() {
    let env = env().await;
    env.user("carol").await;
    env.login_ok("carol", STRONG).await;
    env.login_refused("carol", WRONG).await;
    let old = env.now();
    env.advance(10 * 24 * 3600);
    env.login_ok("carol", STRONG).await;
    let recent = env.now();
    assert_eq!(env.login_events(None).await.len(), 3);

    // Strictly older: an event at exactly the cut-off stays.
    assert_eq!(env.repo.prune_login_events(old).await.unwrap(), 0);
    let cutoff = recent - chrono::Duration::days(1);
    assert_eq!(env.repo.prune_login_events(cutoff).await.unwrap(), 2);
    let left = env.login_events(None).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].at, recent);
    assert_eq!(env.repo.prune_login_events(cutoff).await.unwrap(), 0);
}
