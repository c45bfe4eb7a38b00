//! Profile rules as configuration (issue 15, point 5): users without usernames who log in with
//! their email, printable usernames, optional display names and their length, and switching
//! rules on a database in use without two users ever sharing a login. On every backend named
//! by `DATABASE_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod common;

use argon2::PasswordHasher as _;
use argon2::{Algorithm, Argon2, Params, Version};
use common::*;
use sea_orm::{EntityTrait, PaginatorTrait};
use tenantry_service::entity::{audit_events, users};
use tenantry_service::prelude::*;
use tenantry_service::profile_rules::{ProfileRules, Requirement, UsernameChars};
use tenantry_service::validation::Rule;
use tenantry_service::{
    Config, Error, IdentityUser, ImportedHash, ImportedUser, Invitation, KeysetQuery, NewIdentity,
    NewUser, Password, SeaOrmUserRepository, UserOrder, UserUpdate,
};

/// Email is the login: no username, email required, display name optional up to 255.
fn email_login() -> Config {
    let mut config = Config::insecure_fast_for_tests();
    config.profile = ProfileRules {
        email: Requirement::Required,
        username: Requirement::Optional,
        username_chars: UsernameChars::Strict,
        display_name: Requirement::Optional,
        display_name_max_chars: 255,
    };
    config
}

/// Usernames of any printable text, optional; email and display name optional.
fn printable() -> Config {
    let mut config = Config::insecure_fast_for_tests();
    config.profile = ProfileRules {
        username: Requirement::Optional,
        username_chars: UsernameChars::Printable,
        display_name: Requirement::Optional,
        ..ProfileRules::default()
    };
    config
}

/// A user with only an email (and a strong password).
fn by_email(email: &str) -> NewUser {
    NewUser {
        email: Some(email.to_owned()),
        password: Some(Password::new(STRONG)),
        ..NewUser::default()
    }
}

async fn rows(env: &Env) -> u64 {
    users::Entity::find().count(env.conn()).await.unwrap()
}

async fn events(env: &Env) -> u64 {
    audit_events::Entity::find()
        .count(env.conn())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_user_without_a_username_logs_in_with_its_email() {
    let env = env_with(email_login()).await;
    let ada = env.create(by_email(" Ada@Example.com ")).await;
    assert_eq!(ada.username, None);
    assert_eq!(ada.email.as_deref(), Some("Ada@Example.com"));
    // No display name: the view shows the email in its place.
    assert_eq!(ada.display_name, "Ada@Example.com");
    assert_eq!(env.row(ada.id).await.display_name, "");

    for login in ["ada@example.com", "ADA@EXAMPLE.COM", "ａｄａ@example.com"] {
        let signed_in = env.login_ok(login, STRONG).await;
        assert_eq!(signed_in.user.id, ada.id, "{login}");
    }
    // Its login key is no username: nobody logs in as `ada`, and no username can hold `@`.
    env.login_refused("ada", STRONG).await;
    env.login_refused("Ada@Example.com ", WRONG).await;

    // The email key is unique: no second user with that login, however it is spelled.
    let again = env
        .repo
        .create_user(env.tid(), by_email("ADA@example.COM"), None)
        .await;
    assert_err!(again, Error::EmailTaken);
    // A user with neither is refused: the email is required here.
    let nothing = env
        .repo
        .create_user(env.tid(), NewUser::default(), None)
        .await;
    assert!(invalid(nothing).has("email", Rule::Required));
}

#[tokio::test]
async fn the_email_login_follows_an_email_change_and_cannot_be_removed() {
    let mut config = email_login();
    config.profile.email = Requirement::Optional;
    let env = env_with(config).await;
    let bo = env.create(by_email("bo@example.com")).await;
    let updated = env
        .repo
        .update_user(
            env.tid(),
            bo.id,
            UserUpdate {
                email: Some(Some("bo@new.example".into())),
                ..UserUpdate::default()
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(updated.email.as_deref(), Some("bo@new.example"));
    env.login_ok("bo@new.example", STRONG).await;
    env.login_refused("bo@example.com", STRONG).await;

    // Removing the email would leave no login: refused, nothing written.
    let before = events(&env).await;
    let removed = env
        .repo
        .update_user(
            env.tid(),
            bo.id,
            UserUpdate {
                email: Some(None),
                ..UserUpdate::default()
            },
            None,
        )
        .await;
    assert!(invalid(removed).has("email", Rule::Required));
    assert_eq!(
        env.row(bo.id).await.email.as_deref(),
        Some("bo@new.example")
    );
    assert_eq!(events(&env).await, before);

    // With a username it may go; the username is then the login, and removing the username
    // makes the email the login again.
    let named = env
        .repo
        .update_user(
            env.tid(),
            bo.id,
            UserUpdate {
                username: Some("boris".into()),
                ..UserUpdate::default()
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(named.username.as_deref(), Some("boris"));
    env.login_ok("boris", STRONG).await;
    env.login_ok("bo@new.example", STRONG).await;
    let unnamed = env
        .repo
        .update_user(
            env.tid(),
            bo.id,
            UserUpdate {
                username: Some(String::new()),
                ..UserUpdate::default()
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(unnamed.username, None);
    env.login_refused("boris", STRONG).await;
    env.login_ok("bo@new.example", STRONG).await;
}

#[tokio::test]
async fn printable_usernames_keep_their_keys_and_skeletons() {
    let env = env_with(printable()).await;
    let ada = env
        .create(NewUser {
            username: "Ada Lovelace".into(),
            display_name: "Ada".into(),
            password: Some(Password::new(STRONG)),
            ..NewUser::default()
        })
        .await;
    assert_eq!(ada.username.as_deref(), Some("Ada Lovelace"));
    env.login_ok("ada lovelace", STRONG).await;
    env.login_ok("ＡＤＡ LOVELACE", STRONG).await;
    for taken in ["ADA LOVELACE", "\u{430}da Lovelace"] {
        let result = env.repo.create_user(env.tid(), new_user(taken), None).await;
        assert_err!(result, Error::UsernameTaken, "{taken:?}");
    }
    let before = rows(&env).await;
    let cases: &[(String, Rule)] = &[
        ("bo@example.com".into(), Rule::InvalidCharacter),
        ("bo＠example".into(), Rule::InvalidCharacter),
        (" ada".into(), Rule::InvalidCharacter),
        ("ada ".into(), Rule::InvalidCharacter),
        ("a\0b".into(), Rule::ControlCharacter),
        ("a\u{200B}b".into(), Rule::InvisibleCharacter),
        ("a\u{202E}b".into(), Rule::InvisibleCharacter),
        ("   ".into(), Rule::Required),
        ("x".repeat(51), Rule::TooLong { max: 50 }),
        ("x".repeat(10_000_000), Rule::TooLong { max: 50 }),
    ];
    for (username, rule) in cases {
        let result = env
            .repo
            .create_user(env.tid(), new_user(username), None)
            .await;
        let errors = invalid(result);
        assert!(
            errors.has("username", *rule),
            "{:?}: {errors:?}",
            &username[..username.len().min(20)]
        );
    }
    assert_eq!(rows(&env).await, before, "nothing written");
    // One character and punctuation are fine under this rule.
    for fine in ["x", "o'brien", "j+smith", "Ωμέγα 2"] {
        env.create(new_user(fine)).await;
    }
}

#[tokio::test]
async fn display_names_are_optional_and_as_long_as_configured() {
    let env = env_with(email_login()).await;
    let long = "名".repeat(255);
    let user = env
        .create(NewUser {
            display_name: long.clone(),
            ..by_email("long@example.com")
        })
        .await;
    assert_eq!(user.display_name, long);
    let over = env
        .repo
        .create_user(
            env.tid(),
            NewUser {
                display_name: "x".repeat(256),
                ..by_email("over@example.com")
            },
            None,
        )
        .await;
    assert!(invalid(over).has("display_name", Rule::TooLong { max: 255 }));

    // Under the defaults a display name is required and at most 100 characters.
    let env = env.with_config(Config::insecure_fast_for_tests());
    let missing = env
        .repo
        .create_user(
            env.tid(),
            NewUser {
                username: "dora".into(),
                ..NewUser::default()
            },
            None,
        )
        .await;
    assert!(invalid(missing).has("display_name", Rule::Required));
    let long = env
        .repo
        .create_user(
            env.tid(),
            NewUser {
                display_name: "x".repeat(101),
                ..new_user("dora")
            },
            None,
        )
        .await;
    assert!(invalid(long).has("display_name", Rule::TooLong { max: 100 }));
    // And the username too.
    let nameless = env
        .repo
        .create_user(env.tid(), by_email("nameless@example.com"), None)
        .await;
    assert!(invalid(nameless).has("username", Rule::Required));
}

#[tokio::test]
async fn impossible_rules_are_refused_at_startup() {
    for max in [0, 256, usize::MAX] {
        let mut config = Config::insecure_fast_for_tests();
        config.profile.display_name_max_chars = max;
        let env = env().await;
        let result = SeaOrmUserRepository::open(env.conn().clone(), config).await;
        assert_err!(result, Error::InvalidConfig(_), "{max}");
    }
}

/// Users made under one set of rules, then the rules changed twice: every user still logs in
/// with what it logged in with, and no new user can take an existing login.
#[tokio::test]
async fn changing_rules_never_makes_two_users_share_a_login() {
    let env = env().await;
    let bob = env
        .create(NewUser {
            email: Some("bob@example.com".into()),
            ..new_user_with_password("bob")
        })
        .await;
    let env = env.with_config(printable());
    let carol = env.create(by_email("carol@example.com")).await;
    for (input, taken_field) in [
        (new_user("BOB"), "username"),
        (new_user("ｂｏｂ"), "username"),
        (by_email("BOB@example.com"), "email"),
        (by_email("carol@EXAMPLE.com"), "email"),
    ] {
        let result = env.repo.create_user(env.tid(), input, None).await;
        match taken_field {
            "username" => assert_err!(result, Error::UsernameTaken),
            _ => assert_err!(result, Error::EmailTaken),
        }
    }
    // A printable username can never be someone's email login: it holds no `@`.
    let lookalike = env
        .repo
        .create_user(env.tid(), new_user("carol@example.com"), None)
        .await;
    assert!(invalid(lookalike).has("username", Rule::InvalidCharacter));
    assert_eq!(env.login_ok("bob", STRONG).await.user.id, bob.id);
    assert_eq!(
        env.login_ok("bob@example.com", STRONG).await.user.id,
        bob.id
    );
    assert_eq!(
        env.login_ok("carol@example.com", STRONG).await.user.id,
        carol.id
    );

    // Back to the defaults (username required) while carol has none: refused at startup,
    // naming the field and how many users lack it, nothing written.
    let before = (rows(&env).await, events(&env).await);
    let reopened =
        SeaOrmUserRepository::open(env.conn().clone(), Config::insecure_fast_for_tests()).await;
    assert_err!(
        reopened,
        Error::ProfileRuleUnmet {
            field: "username",
            users: 1
        }
    );
    assert_eq!((rows(&env).await, events(&env).await), before);
}

#[tokio::test]
async fn requiring_the_email_is_refused_while_users_have_none() {
    let env = env().await;
    let ann = env.user("ann").await;
    let gone = env.create(new_user("gone")).await;
    env.repo
        .delete_user(env.tid(), gone.id, None)
        .await
        .unwrap();
    let mut required = Config::insecure_fast_for_tests();
    required.profile.email = Requirement::Required;
    // `user` gives ann an email; `gone` has none and counts although deleted.
    let before = (rows(&env).await, events(&env).await);
    let refused = SeaOrmUserRepository::open(env.conn().clone(), required.clone()).await;
    assert_err!(
        refused,
        Error::ProfileRuleUnmet {
            field: "email",
            users: 1
        }
    );
    assert_eq!((rows(&env).await, events(&env).await), before);
    let message = refused.unwrap_err().to_string();
    assert!(
        message.contains("email") && message.contains('1'),
        "{message}"
    );

    env.repo.purge_user(env.tid(), gone.id, None).await.unwrap();
    let opened = SeaOrmUserRepository::open(env.conn().clone(), required)
        .await
        .expect("every user has an email now");
    let without = opened
        .update_user(
            env.tid(),
            ann.id,
            UserUpdate {
                email: Some(None),
                ..UserUpdate::default()
            },
            None,
        )
        .await;
    assert!(invalid(without).has("email", Rule::Required));
}

/// Hundreds of concurrent sign-ups for one email login, spelled differently: exactly one
/// user exists afterwards, whatever the backend.
#[tokio::test]
async fn concurrent_sign_ups_for_one_email_login_make_one_user() {
    let env = env_with(email_login()).await;
    let spellings = [
        "dup@example.com",
        "DUP@example.com",
        "ｄｕｐ@example.com",
        " Dup@Example.COM",
    ];
    let attempts = (0..200).map(|i| {
        let repo = env.repo.clone();
        let tenant = env.tid();
        let input = NewUser {
            email: Some(spellings[i % spellings.len()].to_owned()),
            ..NewUser::default()
        };
        tokio::spawn(async move { repo.create_user(tenant, input, None).await })
    });
    let results = futures::future::join_all(attempts).await;
    let mut created = 0;
    for result in results {
        match result.unwrap() {
            Ok(_) => created += 1,
            Err(Error::EmailTaken | Error::UsernameTaken) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(created, 1);
    assert_eq!(rows(&env).await, 1);
}

#[tokio::test]
async fn invitations_identities_and_imports_need_no_username_when_it_is_optional() {
    let env = env_with(email_login()).await;
    let admin = env.create(by_email("admin@example.com")).await;

    // An invitation without a username: accepted without one, the email is the login.
    let invited = env
        .repo
        .invite_user(
            env.tid(),
            Invitation {
                email: "ivy@example.com".into(),
                ..Invitation::default()
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(invited.user.username, None);
    let accepted = env
        .repo
        .accept_invitation(
            Some(env.tid()),
            &invited.invitation.token.into_string(),
            None,
            &Password::new(OTHER),
        )
        .await
        .unwrap();
    assert_eq!(accepted.username, None);
    env.login_ok("ivy@example.com", OTHER).await;

    // What an identity provider gives: subject, email, display name.
    let provisioned = env
        .repo
        .provision_from_identity(
            env.tid(),
            IdentityUser {
                identity: NewIdentity {
                    provider: "entra".into(),
                    subject: "0f3c".into(),
                    email: Some("sso@example.com".into()),
                },
                username: String::new(),
                email: Some("sso@example.com".into()),
                display_name: "S. So".into(),
                tenant_roles: Vec::new(),
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(provisioned.username, None);
    assert_eq!(provisioned.display_name, "S. So");

    // Import: rows without usernames, one refused for a taken email; nothing else written.
    assert_eq!(admin.username, None);
    // A PHC string made by the argon2 crate directly, as another system would.
    let hash = Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(64, 1, 1, None).unwrap(),
    )
    .hash_password(STRONG.as_bytes())
    .unwrap()
    .to_string();
    let row = |email: &str| ImportedUser {
        email: Some(email.to_owned()),
        password_hash: ImportedHash::new(hash.clone()),
        ..ImportedUser::default()
    };
    let before = rows(&env).await;
    let refused = env
        .repo
        .import_users_all_or_nothing(
            env.tid(),
            vec![row("new1@example.com"), row("IVY@example.com")],
            None,
            None,
        )
        .await;
    assert_err!(refused, Error::ImportRefused { .. });
    assert_eq!(rows(&env).await, before);
    let ids = env
        .repo
        .import_users(
            env.tid(),
            vec![row("new1@example.com"), row("new2@example.com")],
            None,
        )
        .await
        .unwrap();
    assert_eq!(ids.len(), 2);
    let first = env.row(ids[0]).await;
    assert_eq!(first.username, None);
    assert_eq!(first.username_key, "new1@example.com");
    env.login_ok("new2@example.com", STRONG).await;
}

/// In username order, users without a username sort by their email among the others, and
/// keyset pages walk all of them once.
#[tokio::test]
async fn username_order_places_email_logins_by_their_email() {
    let env = env_with(printable()).await;
    env.create(new_user("bert")).await;
    env.create(by_email("anna@example.com")).await;
    env.create(new_user("zed")).await;
    env.create(by_email("carl@example.com")).await;
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = env
            .repo
            .list_users_keyset(
                env.tid(),
                &KeysetQuery {
                    order: UserOrder::UsernameAsc,
                    after: after.clone(),
                    limit: 1,
                    ..KeysetQuery::default()
                },
            )
            .await
            .unwrap();
        seen.extend(page.items.iter().map(|u| {
            u.username
                .clone()
                .or_else(|| u.email.clone())
                .unwrap_or_default()
        }));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(
        seen,
        ["anna@example.com", "bert", "carl@example.com", "zed"]
    );
}

/// Email logins are per tenant: the same address in two tenants is two users, each found only
/// in its own tenant, and a wrong password in one never counts against the other.
#[tokio::test]
async fn email_logins_stay_in_their_tenant() {
    let env = env_with(email_login()).await;
    let beta = env.other_tenant("beta").await;
    let here = env.create(by_email("same@example.com")).await;
    let there = env
        .repo
        .create_user(
            beta.id,
            NewUser {
                password: Some(Password::new(OTHER)),
                ..by_email("SAME@example.com")
            },
            None,
        )
        .await
        .unwrap();
    assert_ne!(here.id, there.id);
    assert_eq!(
        env.login_ok("same@example.com", STRONG).await.user.id,
        here.id
    );
    // acme's password does not open beta's user, nor beta's acme's.
    env.login_refused("same@example.com", OTHER).await;
    let in_beta = env
        .repo
        .authenticate(beta.id, "same@example.com", &Password::new(OTHER), web())
        .await
        .unwrap();
    assert_eq!(in_beta.user.id, there.id);
    let wrong = env
        .repo
        .authenticate(beta.id, "same@example.com", &Password::new(STRONG), web())
        .await;
    assert_err!(wrong, Error::InvalidCredentials);
    assert_eq!(env.row(there.id).await.failed_login_count, 1);
    assert_eq!(env.row(here.id).await.failed_login_count, 1);
}
