#![cfg(feature = "passkeys")]
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Issue 18, point 4: passkeys (feature `passkeys`), on every backend, with webauthn-rs's
//! software authenticator in place of a browser: registered, listed, renamed, removed; a
//! sign-in with a passkey alone, tenant-scoped; ceremonies single-use, expiring and bound to
//! the sign-in's source and address; every failure `InvalidCredentials` and recorded; a passkey
//! as the second step of a password sign-in, counted toward the lockout there.

#[macro_use]
mod common;

use common::*;
use sea_orm::{ActiveValue::Set, EntityTrait, PaginatorTrait};
use sha2::{Digest, Sha256};
use tenantry_service::entity::{authenticators, login_challenges};
use tenantry_service::passkey_config::PasskeyConfig;
use tenantry_service::prelude::*;
use tenantry_service::validation::Rule;
use tenantry_service::webauthn_rs::prelude::PublicKeyCredential;
use tenantry_service::{
    Config, Error, FactorKind, LoginContext, LoginOutcome, LoginSource, PasskeyChallenge,
    PasskeyView, SeaOrmUserRepository, SecondFactorPolicy, SecondFactorProof, SignIn, UserId,
    UserView,
};

/// [`env`] with passkeys configured.
async fn passkey_env() -> Env {
    let mut env = env().await;
    env.repo = env.repo.clone().with_passkeys(passkey_config()).unwrap();
    env
}

/// Registers a passkey named `name` for `user` on `device`.
async fn register(env: &Env, device: &mut Device, user: UserId, name: &str) -> PasskeyView {
    let challenge = env
        .repo
        .start_passkey_registration(env.tid(), user)
        .await
        .unwrap();
    let credential = device.register(challenge.options);
    env.repo
        .finish_passkey_registration(env.tid(), user, challenge.token.expose(), &credential, name)
        .await
        .unwrap()
}

/// A started sign-in on `acme` from [`web`], and the device's answer to it.
async fn answered_sign_in(env: &Env, device: &mut Device) -> (String, PublicKeyCredential) {
    let challenge = env
        .repo
        .start_passkey_sign_in(env.tid(), web())
        .await
        .unwrap();
    let credential = device.sign_in(challenge.options);
    (challenge.token.expose().to_owned(), credential)
}

async fn passkey_rows(env: &Env) -> Vec<authenticators::Model> {
    authenticators::Entity::find()
        .all(env.conn())
        .await
        .unwrap()
}

/// The stored credential's JSON of passkey `id`.
async fn stored_json(env: &Env, id: i64) -> String {
    authenticators::Entity::find_by_id(id)
        .one(env.conn())
        .await
        .unwrap()
        .unwrap()
        .passkey
        .unwrap()
}

async fn outcomes(env: &Env) -> Vec<LoginOutcome> {
    env.login_events(None)
        .await
        .into_iter()
        .map(|event| event.outcome)
        .collect()
}

async fn alice(env: &Env) -> UserView {
    env.user("alice").await
}

#[tokio::test]
async fn register_list_rename_remove() {
    let env = passkey_env().await;
    let alice = alice(&env).await;
    let mut device = Device::new();
    let laptop = register(&env, &mut device, alice.id, "Laptop").await;
    assert_eq!(laptop.kind, "passkey");
    assert_eq!(laptop.name, "Laptop");
    assert!(laptop.confirmed_at.is_some());
    assert_eq!(laptop.last_used_at, None);
    let key = register(&env, &mut device, alice.id, "YubiKey").await;

    let listed = env.repo.passkeys(env.tid(), alice.id).await.unwrap();
    assert_eq!(listed, vec![laptop.clone(), key.clone()]);

    // The stored row: a passkey, its credential id's hash, no TOTP columns.
    let rows = passkey_rows(&env).await;
    assert_eq!(rows.len(), 2);
    for row in &rows {
        assert_eq!(row.kind, authenticators::PASSKEY);
        assert_eq!(row.secret, None);
        assert_eq!(row.last_used_step, None);
        let hash = row.credential_id_hash.as_deref().unwrap();
        assert_eq!(hash.len(), 64);
        assert!(
            device
                .handles
                .keys()
                .any(|id| format!("{:x}", Sha256::digest(id)) == hash)
        );
    }

    // A second registration excludes the passkeys the user has.
    let challenge = env
        .repo
        .start_passkey_registration(env.tid(), alice.id)
        .await
        .unwrap();
    assert_eq!(
        challenge
            .options
            .public_key
            .exclude_credentials
            .map(|c| c.len()),
        Some(2)
    );

    let renamed = env
        .repo
        .rename_passkey(
            env.tid(),
            alice.id,
            laptop.id,
            "Work laptop",
            Some(alice.id),
        )
        .await
        .unwrap();
    assert_eq!(renamed.name, "Work laptop");
    // The same name again writes nothing.
    env.repo
        .rename_passkey(
            env.tid(),
            alice.id,
            laptop.id,
            "Work laptop",
            Some(alice.id),
        )
        .await
        .unwrap();
    env.repo
        .remove_passkey(env.tid(), alice.id, key.id, None)
        .await
        .unwrap();
    let listed = env.repo.passkeys(env.tid(), alice.id).await.unwrap();
    assert_eq!(listed, vec![renamed]);
    assert_err!(
        env.repo
            .remove_passkey(env.tid(), alice.id, key.id, None)
            .await,
        Error::NotFound
    );

    let actions = env.audit_actions().await;
    let passkey_actions: Vec<_> = actions
        .iter()
        .filter(|a| a.starts_with("passkey."))
        .collect();
    assert_eq!(
        passkey_actions,
        [
            "passkey.registered",
            "passkey.registered",
            "passkey.renamed",
            "passkey.removed"
        ]
    );
}

#[tokio::test]
async fn signs_in_with_a_passkey_alone() {
    let env = passkey_env().await;
    let alice = alice(&env).await;
    let mut device = Device::new();
    let passkey = register(&env, &mut device, alice.id, "Phone").await;
    let before = stored_json(&env, passkey.id).await;

    let (token, credential) = answered_sign_in(&env, &mut device).await;
    let signed_in = env
        .repo
        .finish_passkey_sign_in(env.tid(), &token, &credential, web())
        .await
        .unwrap();
    assert_eq!(signed_in.user.id, alice.id);
    assert_eq!(signed_in.user.login_count, 1);
    assert_eq!(outcomes(&env).await, [LoginOutcome::Success]);

    // The counter moved on, and the passkey's last use is now.
    let listed = env.repo.passkeys(env.tid(), alice.id).await.unwrap();
    assert_eq!(listed[0].last_used_at, Some(env.now()));
    assert_ne!(stored_json(&env, passkey.id).await, before);

    // Again, with a new ceremony: the device's counter moved on too.
    let (token, credential) = answered_sign_in(&env, &mut device).await;
    env.repo
        .finish_passkey_sign_in(env.tid(), &token, &credential, web())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_passkey_of_another_tenant_is_refused() {
    let env = passkey_env().await;
    let alice = alice(&env).await;
    let mut device = Device::new();
    let passkey = register(&env, &mut device, alice.id, "Phone").await;
    let other = env.other_tenant("globex").await;

    let challenge = env
        .repo
        .start_passkey_sign_in(other.id, web())
        .await
        .unwrap();
    let credential = device.sign_in(challenge.options);
    assert_invalid_credentials(
        env.repo
            .finish_passkey_sign_in(other.id, challenge.token.expose(), &credential, web())
            .await,
        "acme's passkey on globex",
    );
    // Recorded on globex, naming no user.
    let events = env
        .repo
        .list_login_events(other.id, None, tenantry_service::PageRequest::first(10))
        .await
        .unwrap()
        .items;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].outcome, LoginOutcome::WrongPasskey);
    assert_eq!(events[0].user_id, None);

    // A ceremony of acme finished as globex's is refused too.
    let (token, credential) = answered_sign_in(&env, &mut device).await;
    assert_invalid_credentials(
        env.repo
            .finish_passkey_sign_in(other.id, &token, &credential, web())
            .await,
        "acme's ceremony on globex",
    );

    // Managing: alice is not globex's.
    assert_err!(env.repo.passkeys(other.id, alice.id).await, Error::NotFound);
    assert_err!(
        env.repo
            .start_passkey_registration(other.id, alice.id)
            .await,
        Error::NotFound
    );
    assert_err!(
        env.repo
            .rename_passkey(other.id, alice.id, passkey.id, "Mine", None)
            .await,
        Error::NotFound
    );
    assert_err!(
        env.repo
            .remove_passkey(other.id, alice.id, passkey.id, None)
            .await,
        Error::NotFound
    );
    // Nor is alice's passkey bob's.
    let bob = env.user("bob").await;
    assert_err!(
        env.repo
            .remove_passkey(env.tid(), bob.id, passkey.id, None)
            .await,
        Error::NotFound
    );
    assert_eq!(
        env.repo.passkeys(env.tid(), alice.id).await.unwrap().len(),
        1
    );
}

#[tokio::test]
async fn replayed_assertions_and_reused_tokens_are_refused() {
    let env = passkey_env().await;
    let alice = alice(&env).await;
    let mut device = Device::new();
    register(&env, &mut device, alice.id, "Phone").await;

    let (token, credential) = answered_sign_in(&env, &mut device).await;
    env.repo
        .finish_passkey_sign_in(env.tid(), &token, &credential, web())
        .await
        .unwrap();
    // The same answer with the same token: the token is spent.
    assert_invalid_credentials(
        env.repo
            .finish_passkey_sign_in(env.tid(), &token, &credential, web())
            .await,
        "reused token",
    );
    // The same answer to a new ceremony: another challenge.
    let fresh = env
        .repo
        .start_passkey_sign_in(env.tid(), web())
        .await
        .unwrap();
    assert_invalid_credentials(
        env.repo
            .finish_passkey_sign_in(env.tid(), fresh.token.expose(), &credential, web())
            .await,
        "replayed assertion",
    );
    // A bad answer spent that token: the right one after it is refused.
    let right = device.sign_in(fresh.options);
    assert_invalid_credentials(
        env.repo
            .finish_passkey_sign_in(env.tid(), fresh.token.expose(), &right, web())
            .await,
        "token spent by a bad answer",
    );
    // Malformed tokens.
    for token in ["", "x", &"A".repeat(10_000), "\0"] {
        assert_invalid_credentials(
            env.repo
                .finish_passkey_sign_in(env.tid(), token, &right, web())
                .await,
            "malformed token",
        );
    }
    let outcomes = outcomes(&env).await;
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| **o == LoginOutcome::Success)
            .count(),
        1
    );
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| **o == LoginOutcome::WrongPasskey)
            .count(),
        7
    );

    // A registration's token is single-use too.
    let challenge = env
        .repo
        .start_passkey_registration(env.tid(), alice.id)
        .await
        .unwrap();
    let credential = device.register(challenge.options);
    let token = challenge.token.expose();
    env.repo
        .finish_passkey_registration(env.tid(), alice.id, token, &credential, "Second")
        .await
        .unwrap();
    assert_err!(
        env.repo
            .finish_passkey_registration(env.tid(), alice.id, token, &credential, "Again")
            .await,
        Error::InvalidToken
    );
    // Failures count nothing toward the lockout.
    assert_eq!(env.row(alice.id).await.failed_login_count, 0);
}

#[tokio::test]
async fn expired_ceremonies_are_refused() {
    let env = passkey_env().await;
    let alice = alice(&env).await;
    let mut device = Device::new();

    let challenge = env
        .repo
        .start_passkey_registration(env.tid(), alice.id)
        .await
        .unwrap();
    let credential = device.register(challenge.options);
    env.advance(5 * 60);
    assert_err!(
        env.repo
            .finish_passkey_registration(
                env.tid(),
                alice.id,
                challenge.token.expose(),
                &credential,
                "Late"
            )
            .await,
        Error::InvalidToken
    );
    assert!(passkey_rows(&env).await.is_empty());

    register(&env, &mut device, alice.id, "Phone").await;
    let (token, credential) = answered_sign_in(&env, &mut device).await;
    env.advance(5 * 60 + 1);
    assert_invalid_credentials(
        env.repo
            .finish_passkey_sign_in(env.tid(), &token, &credential, web())
            .await,
        "expired sign-in",
    );
    // Expired ceremonies are cleared when the next one starts.
    env.repo
        .start_passkey_sign_in(env.tid(), web())
        .await
        .unwrap();
    let left = login_challenges::Entity::find()
        .count(env.conn())
        .await
        .unwrap();
    assert_eq!(left, 1);
}

#[tokio::test]
async fn a_ceremony_is_bound_to_its_source_and_address() {
    let env = passkey_env().await;
    let alice = alice(&env).await;
    let mut device = Device::new();
    register(&env, &mut device, alice.id, "Phone").await;
    let elsewhere = [
        LoginContext {
            source: LoginSource::web(),
            ip: Some("198.51.100.9".into()),
        },
        LoginContext {
            source: LoginSource::web(),
            ip: None,
        },
        LoginContext {
            source: LoginSource::new("api").unwrap(),
            ip: Some(IP.into()),
        },
    ];
    for context in elsewhere {
        let (token, credential) = answered_sign_in(&env, &mut device).await;
        assert_invalid_credentials(
            env.repo
                .finish_passkey_sign_in(env.tid(), &token, &credential, context.clone())
                .await,
            &format!("finished from {context:?}"),
        );
    }
    // A registration token is the user's: bob cannot finish alice's.
    let bob = env.user("bob").await;
    let challenge = env
        .repo
        .start_passkey_registration(env.tid(), alice.id)
        .await
        .unwrap();
    let credential = device.register(challenge.options);
    assert_err!(
        env.repo
            .finish_passkey_registration(
                env.tid(),
                bob.id,
                challenge.token.expose(),
                &credential,
                "Mine"
            )
            .await,
        Error::InvalidToken
    );
}

#[tokio::test]
async fn concurrent_finishes_of_one_ceremony_let_exactly_one_through() {
    let env = passkey_env().await;
    let alice = alice(&env).await;
    let mut device = Device::new();

    // Registration.
    let challenge = env
        .repo
        .start_passkey_registration(env.tid(), alice.id)
        .await
        .unwrap();
    let credential = device.register(challenge.options);
    let token = challenge.token.expose();
    let (first, second) = tokio::join!(
        env.repo
            .finish_passkey_registration(env.tid(), alice.id, token, &credential, "One"),
        env.repo
            .finish_passkey_registration(env.tid(), alice.id, token, &credential, "Two"),
    );
    assert_eq!(
        u8::from(first.is_ok()) + u8::from(second.is_ok()),
        1,
        "{first:?} / {second:?}"
    );
    assert_eq!(passkey_rows(&env).await.len(), 1);

    // Sign-in.
    for _ in 0..3 {
        let (token, credential) = answered_sign_in(&env, &mut device).await;
        let (first, second) = tokio::join!(
            env.repo
                .finish_passkey_sign_in(env.tid(), &token, &credential, web()),
            env.repo
                .finish_passkey_sign_in(env.tid(), &token, &credential, web()),
        );
        assert_eq!(
            u8::from(first.is_ok()) + u8::from(second.is_ok()),
            1,
            "{first:?} / {second:?}"
        );
    }
    assert_eq!(env.row(alice.id).await.login_count, 3);
}

#[tokio::test]
async fn a_removed_passkey_no_longer_signs_in() {
    let env = passkey_env().await;
    let alice = alice(&env).await;
    let mut device = Device::new();
    let passkey = register(&env, &mut device, alice.id, "Phone").await;
    let (token, credential) = answered_sign_in(&env, &mut device).await;
    env.repo
        .remove_passkey(env.tid(), alice.id, passkey.id, Some(alice.id))
        .await
        .unwrap();
    assert_invalid_credentials(
        env.repo
            .finish_passkey_sign_in(env.tid(), &token, &credential, web())
            .await,
        "removed passkey",
    );
    assert_eq!(outcomes(&env).await, [LoginOutcome::WrongPasskey]);
}

#[tokio::test]
async fn a_user_who_may_not_sign_in_is_refused_with_a_passkey_too() {
    let env = passkey_env().await;
    let alice = alice(&env).await;
    let mut device = Device::new();
    register(&env, &mut device, alice.id, "Phone").await;
    env.repo
        .deactivate_user(env.tid(), alice.id, None)
        .await
        .unwrap();
    let (token, credential) = answered_sign_in(&env, &mut device).await;
    assert_invalid_credentials(
        env.repo
            .finish_passkey_sign_in(env.tid(), &token, &credential, web())
            .await,
        "deactivated user",
    );
    let events = env.login_events(Some(alice.id)).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].outcome, LoginOutcome::Inactive);
}

#[tokio::test]
async fn a_credential_is_registered_once_across_the_database() {
    let env = passkey_env().await;
    let alice = alice(&env).await;
    let other = env.other_tenant("globex").await;
    let carol = env
        .repo
        .create_user(other.id, user_input("carol", None), None)
        .await
        .unwrap();
    let mut device = Device::new();
    let challenge = env
        .repo
        .start_passkey_registration(env.tid(), alice.id)
        .await
        .unwrap();
    let credential = device.register(challenge.options);
    // The same credential stored already, for a user of another tenant.
    authenticators::Entity::insert(authenticators::ActiveModel {
        tenant_id: Set(other.id),
        user_id: Set(carol.id),
        kind: Set(authenticators::PASSKEY.into()),
        name: Set("Carol's".into()),
        credential_id_hash: Set(Some(format!("{:x}", Sha256::digest(&credential.raw_id)))),
        passkey: Set(Some("{}".into())),
        confirmed_at: Set(Some(env.now())),
        created_at: Set(env.now()),
        ..Default::default()
    })
    .exec(env.conn())
    .await
    .unwrap();
    assert_err!(
        env.repo
            .finish_passkey_registration(
                env.tid(),
                alice.id,
                challenge.token.expose(),
                &credential,
                "Mine"
            )
            .await,
        Error::Conflict(_)
    );
    assert!(
        env.repo
            .passkeys(env.tid(), alice.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        !env.audit_actions()
            .await
            .iter()
            .any(|a| a.starts_with("passkey."))
    );
}

#[tokio::test]
async fn hostile_names_are_refused_and_write_nothing() {
    let env = passkey_env().await;
    let alice = alice(&env).await;
    let mut device = Device::new();
    let challenge = env
        .repo
        .start_passkey_registration(env.tid(), alice.id)
        .await
        .unwrap();
    let credential = device.register(challenge.options);
    let token = challenge.token.expose();
    let huge = "k".repeat(10 * 1024);
    let cases: [(&str, Rule); 6] = [
        ("", Rule::Required),
        ("Yubi\0Key", Rule::ControlCharacter),
        (&huge, Rule::TooLong { max: 100 }),
        ("Key\u{202E}evil", Rule::InvisibleCharacter),
        ("line\nbreak", Rule::ControlCharacter),
        (" padded", Rule::InvalidCharacter),
    ];
    for (name, rule) in cases {
        let errors = invalid(
            env.repo
                .finish_passkey_registration(env.tid(), alice.id, token, &credential, name)
                .await,
        );
        assert!(errors.has("name", rule), "{name:?}: {errors:?}");
    }
    assert!(passkey_rows(&env).await.is_empty());
    // The token was not spent by refused names; a confusable name is the user's own label,
    // kept exactly (Cyrillic У, Greek Κ).
    let confusable = "Уubi\u{039A}ey";
    let view = env
        .repo
        .finish_passkey_registration(env.tid(), alice.id, token, &credential, confusable)
        .await
        .unwrap();
    assert_eq!(view.name, confusable);
    for (name, rule) in [
        ("\0", Rule::ControlCharacter),
        (huge.as_str(), Rule::TooLong { max: 100 }),
    ] {
        let errors = invalid(
            env.repo
                .rename_passkey(env.tid(), alice.id, view.id, name, None)
                .await,
        );
        assert!(errors.has("name", rule), "{errors:?}");
    }
    assert_eq!(
        env.repo.passkeys(env.tid(), alice.id).await.unwrap()[0].name,
        confusable
    );
}

#[tokio::test]
async fn nothing_carrying_a_token_shows_it_or_a_credential() {
    let env = passkey_env().await;
    let alice = alice(&env).await;
    let mut device = Device::new();
    let passkey = register(&env, &mut device, alice.id, "Phone").await;
    let stored = stored_json(&env, passkey.id).await;
    let public_key =
        serde_json::from_str::<serde_json::Value>(&stored).unwrap()["cred"]["cred"].to_string();

    let registration: PasskeyChallenge<_> = env
        .repo
        .start_passkey_registration(env.tid(), alice.id)
        .await
        .unwrap();
    let sign_in = env
        .repo
        .start_passkey_sign_in(env.tid(), web())
        .await
        .unwrap();
    let (token, credential) = answered_sign_in(&env, &mut device).await;
    let signed_in = env
        .repo
        .finish_passkey_sign_in(env.tid(), &token, &credential, web())
        .await
        .unwrap();
    let shown = [
        format!("{registration:?}"),
        format!("{sign_in:?}"),
        format!(
            "{:?}",
            env.repo.passkeys(env.tid(), alice.id).await.unwrap()
        ),
        serde_json::to_string(&env.repo.passkeys(env.tid(), alice.id).await.unwrap()).unwrap(),
        format!("{signed_in:?}"),
        format!("{:?}", env.repo),
    ];
    for text in &shown {
        assert!(!text.contains(registration.token.expose()), "{text}");
        assert!(!text.contains(sign_in.token.expose()), "{text}");
        assert!(!text.contains(&token), "{text}");
        assert!(!text.contains(&stored), "{text}");
        assert!(!text.contains(&public_key), "{text}");
    }
    assert!(shown[0].contains("token: [redacted]"), "{}", shown[0]);
    // The stored ceremony is the state, never the token.
    for row in login_challenges::Entity::find()
        .all(env.conn())
        .await
        .unwrap()
    {
        let ceremony = row.ceremony.unwrap_or_default();
        assert!(!ceremony.contains(registration.token.expose()));
        assert!(!ceremony.contains(sign_in.token.expose()));
        assert_ne!(row.token_hash, registration.token.expose());
    }
}

#[tokio::test]
async fn without_a_relying_party_passkeys_are_refused_by_name() {
    let env = env().await;
    let alice = alice(&env).await;
    assert_err!(
        env.repo
            .start_passkey_registration(env.tid(), alice.id)
            .await,
        Error::Conflict("passkeys are not configured")
    );
    assert_err!(
        env.repo.start_passkey_sign_in(env.tid(), web()).await,
        Error::Conflict("passkeys are not configured")
    );
    // A relying party id that is not the origin's domain, or an origin that is no URL.
    for (rp_id, origin) in [
        ("example.org", ORIGIN),
        ("example.com", "not a url"),
        ("", ORIGIN),
    ] {
        let config = PasskeyConfig {
            rp_id: rp_id.into(),
            rp_name: "Example".into(),
            origin: origin.into(),
        };
        let repo = SeaOrmUserRepository::new(
            env.conn().clone(),
            tenantry_service::Config::insecure_fast_for_tests(),
        )
        .unwrap();
        assert_err!(repo.with_passkeys(config), Error::InvalidConfig(_));
    }
    // An unknown tenant cannot start a sign-in.
    let repo = env.repo.clone().with_passkeys(passkey_config()).unwrap();
    assert_err!(
        repo.start_passkey_sign_in(tenantry_service::TenantId(999_999), web())
            .await,
        Error::NotFound
    );
}

// A passkey as the second step of a password sign-in (issue 18, point 4).

/// The code an authenticator app shows for `secret` (base32) at `unix` seconds.
fn code_at(secret: &str, unix: i64) -> String {
    totp_rs::Builder::new()
        .with_algorithm(totp_rs::Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_secret(totp_rs::Secret::try_from_base32(secret).unwrap())
        .build_noncompliant()
        .generate(u64::try_from(unix).unwrap())
        .to_string()
}

/// A password sign-in of `username` (who has a passkey) from [`web`]: its second-step
/// challenge, which offers a passkey.
async fn password_step(env: &Env, username: &str) -> String {
    let signed = env
        .repo
        .sign_in(env.tid(), username, &pw(STRONG), web())
        .await
        .unwrap();
    let SignIn::SecondFactor(step) = signed else {
        panic!("{username}'s password should lead to a second step");
    };
    assert!(step.factors.contains(&FactorKind::Passkey));
    step.challenge.expose().to_owned()
}

/// The device's answer to the passkey step of `challenge`.
async fn answered_step(env: &Env, device: &mut Device, challenge: &str) -> SecondFactorProof {
    let options = env
        .repo
        .start_passkey_second_factor(env.tid(), challenge, web())
        .await
        .unwrap();
    SecondFactorProof::Passkey(Box::new(device.sign_in(options)))
}

#[tokio::test]
async fn a_passkey_completes_the_second_step_of_a_password_sign_in() {
    let env = passkey_env().await;
    let alice = alice(&env).await;
    let mut device = Device::new();
    register(&env, &mut device, alice.id, "Phone").await;

    // The right password alone is no login.
    let challenge = password_step(&env, "alice").await;
    assert_eq!(env.row(alice.id).await.login_count, 0);

    let proof = answered_step(&env, &mut device, &challenge).await;
    assert_eq!(format!("{proof:?}"), "Passkey([redacted])");
    let signed_in = env
        .repo
        .complete_sign_in(env.tid(), &challenge, proof.clone(), web())
        .await
        .unwrap();
    assert_eq!(signed_in.user.id, alice.id);
    assert_eq!(signed_in.user.login_count, 1);
    assert_eq!(outcomes(&env).await.first(), Some(&LoginOutcome::Success));
    let listed = env.repo.passkeys(env.tid(), alice.id).await.unwrap();
    assert_eq!(listed[0].last_used_at, Some(env.now()));

    // The challenge is spent: the same answer again, or a new ceremony on it, is refused.
    assert_err!(
        env.repo
            .complete_sign_in(env.tid(), &challenge, proof, web())
            .await,
        Error::InvalidToken
    );
    assert_err!(
        env.repo
            .start_passkey_second_factor(env.tid(), &challenge, web())
            .await,
        Error::InvalidToken
    );
    assert_eq!(env.row(alice.id).await.login_count, 1);

    // The next sign-in's step works with the same device (its counter moved on).
    let challenge = password_step(&env, "alice").await;
    let proof = answered_step(&env, &mut device, &challenge).await;
    env.repo
        .complete_sign_in(env.tid(), &challenge, proof, web())
        .await
        .unwrap();
    assert_eq!(env.row(alice.id).await.login_count, 2);
}

#[tokio::test]
async fn the_passkey_step_is_bound_to_its_challenge_tenant_and_client() {
    let env = passkey_env().await;
    let alice = alice(&env).await;
    let mut device = Device::new();
    register(&env, &mut device, alice.id, "Phone").await;
    let other = env.other_tenant("globex").await;
    let challenge = password_step(&env, "alice").await;

    let elsewhere = LoginContext {
        source: LoginSource::web(),
        ip: Some("203.0.113.99".into()),
    };
    for (tenant, raw, context, what) in [
        (other.id, challenge.as_str(), web(), "another tenant"),
        (
            env.tid(),
            challenge.as_str(),
            elsewhere.clone(),
            "another address",
        ),
        (env.tid(), "not-a-token", web(), "a malformed token"),
        (env.tid(), &"A".repeat(43), web(), "an unknown token"),
        (env.tid(), &"x".repeat(10 * 1024 * 1024), web(), "10 MB"),
    ] {
        let started = env
            .repo
            .start_passkey_second_factor(tenant, raw, context)
            .await;
        assert!(
            matches!(started, Err(Error::InvalidToken)),
            "{what}: {started:?}"
        );
    }

    // A right answer presented elsewhere, or on another tenant, is refused as well, and
    // leaves the challenge open for its own client.
    let proof = answered_step(&env, &mut device, &challenge).await;
    for (tenant, context) in [(other.id, web()), (env.tid(), elsewhere)] {
        assert_err!(
            env.repo
                .complete_sign_in(tenant, &challenge, proof.clone(), context)
                .await,
            Error::InvalidToken
        );
    }
    env.repo
        .complete_sign_in(env.tid(), &challenge, proof, web())
        .await
        .unwrap();

    // bob's passkey does not answer alice's step.
    let bob = env.user("bob").await;
    let mut bobs = Device::new();
    register(&env, &mut bobs, bob.id, "Bob's phone").await;
    let challenge = password_step(&env, "alice").await;
    env.repo
        .start_passkey_second_factor(env.tid(), &challenge, web())
        .await
        .unwrap();
    // Bob's authenticator holds no credential alice's options allow, so it answers bob's own
    // step, and that answer is presented on alice's.
    let bobs_challenge = password_step(&env, "bob").await;
    let bobs_proof = answered_step(&env, &mut bobs, &bobs_challenge).await;
    assert_invalid_credentials(
        env.repo
            .complete_sign_in(env.tid(), &challenge, bobs_proof, web())
            .await,
        "bob's passkey on alice's step",
    );
    assert_eq!(
        outcomes(&env).await.first(),
        Some(&LoginOutcome::WrongSecondFactor)
    );
}

/// alice, with a passkey on the returned device, at the second step of a password sign-in,
/// in a tenant that locks after `max_failed_attempts`.
async fn at_the_second_step(max_failed_attempts: u32) -> (Env, UserView, Device, String) {
    let mut config = Config::insecure_fast_for_tests();
    config.lockout.max_failed_attempts = max_failed_attempts;
    let mut env = env_with(config).await;
    env.repo = env.repo.clone().with_passkeys(passkey_config()).unwrap();
    let alice = alice(&env).await;
    let mut device = Device::new();
    register(&env, &mut device, alice.id, "Phone").await;
    let challenge = password_step(&env, "alice").await;
    (env, alice, device, challenge)
}

#[tokio::test]
async fn wrong_passkey_answers_count_toward_the_lockout() {
    let (env, alice, mut device, challenge) = at_the_second_step(4).await;

    // An answer to a ceremony that a restart replaced, answered again and again.
    let stale = answered_step(&env, &mut device, &challenge).await;
    let fresh = answered_step(&env, &mut device, &challenge).await;
    for _ in 0..4 {
        assert_invalid_credentials(
            env.repo
                .complete_sign_in(env.tid(), &challenge, stale.clone(), web())
                .await,
            "a stale answer",
        );
    }
    assert!(env.row(alice.id).await.locked_until.is_some());
    // Locked: even the right answer is refused now.
    assert_invalid_credentials(
        env.repo
            .complete_sign_in(env.tid(), &challenge, fresh, web())
            .await,
        "the right answer while locked",
    );
    assert_eq!(env.row(alice.id).await.login_count, 0);
    let recorded = outcomes(&env).await;
    assert!(recorded.contains(&LoginOutcome::WrongSecondFactor));
    assert_eq!(recorded.first(), Some(&LoginOutcome::Locked));
}

#[tokio::test]
async fn concurrent_answers_to_one_passkey_step_let_exactly_one_through() {
    // Each answer takes one of the account's checks first (as a password does): a threshold
    // above the burst keeps the lockout out of this test (the one above covers it).
    let (env, alice, mut device, challenge) = at_the_second_step(100).await;
    let proof = answered_step(&env, &mut device, &challenge).await;
    let repo = env.dyn_repo();
    let tenant = env.tid();
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (repo, challenge, proof) = (repo.clone(), challenge.clone(), proof.clone());
            tokio::spawn(async move {
                repo.complete_sign_in(tenant, &challenge, proof, web())
                    .await
            })
        })
        .collect();
    let mut through = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => through += 1,
            Err(Error::InvalidCredentials | Error::InvalidToken) => {}
            Err(other) => panic!("a losing answer fails cleanly, not with {other:?}"),
        }
    }
    assert_eq!(through, 1);
    assert_eq!(env.row(alice.id).await.login_count, 1);
}

#[tokio::test]
async fn the_passkey_step_needs_a_passkey_and_a_second_factor_challenge() {
    let env = passkey_env().await;
    // A TOTP user has no passkey to start.
    let carol = env.user("carol").await;
    let enrolment = env
        .repo
        .enrol_totp(env.tid(), carol.id, "app")
        .await
        .unwrap();
    let secret = enrolment.secret.expose().to_owned();
    let code = code_at(&secret, env.now().timestamp());
    env.repo
        .confirm_totp(env.tid(), carol.id, enrolment.authenticator, &code, None)
        .await
        .unwrap();
    let SignIn::SecondFactor(step) = env
        .repo
        .sign_in(env.tid(), "carol", &pw(STRONG), web())
        .await
        .unwrap()
    else {
        panic!("carol has a factor");
    };
    assert!(!step.factors.contains(&FactorKind::Passkey));
    assert_err!(
        env.repo
            .start_passkey_second_factor(env.tid(), step.challenge.expose(), web())
            .await,
        Error::NotFound
    );

    // An enrolment challenge is not a passkey step.
    env.repo
        .set_second_factor_policy(env.tid(), SecondFactorPolicy::Everyone, None)
        .await
        .unwrap();
    let dave = env.user("dave").await;
    let SignIn::EnrolmentRequired(step) = env
        .repo
        .sign_in(env.tid(), "dave", &pw(STRONG), web())
        .await
        .unwrap()
    else {
        panic!("the policy requires dave to enrol");
    };
    assert_err!(
        env.repo
            .start_passkey_second_factor(env.tid(), step.challenge.expose(), web())
            .await,
        Error::InvalidToken
    );
    assert_eq!(env.row(dave.id).await.login_count, 0);

    // Without a relying party, a passkey proof is refused by name and counts nothing.
    let unconfigured =
        SeaOrmUserRepository::new(env.conn().clone(), Config::insecure_fast_for_tests()).unwrap();
    let mut device = Device::new();
    let alice = alice(&env).await;
    register(&env, &mut device, alice.id, "Phone").await;
    let challenge = password_step(&env, "alice").await;
    let proof = answered_step(&env, &mut device, &challenge).await;
    let before = env.row(alice.id).await.failed_login_count;
    assert_err!(
        unconfigured
            .complete_sign_in(env.tid(), &challenge, proof, web())
            .await,
        Error::Conflict(_)
    );
    assert_eq!(env.row(alice.id).await.failed_login_count, before);
}
