#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Property tests against the database (`DATABASE_URL`, else SQLite): accepted usernames and
//! emails round-trip byte-exact and collide exactly when their keys do; passwords that pass the
//! policy verify after they are stored; no over-long password reaches the hasher.

use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, TestRunner};
use std::collections::HashSet;
use std::sync::Mutex;
use tenantry_service::normalize::{email_key, username_key};
use tenantry_service::password::{MAX_PASSWORD_BYTES, PasswordPolicy, PolicyContext};
use tenantry_service::prelude::*;
use tenantry_service::{
    Config, Error, LoginContext, LoginSource, NewTenant, NewUser, Password, SeaOrmUserRepository,
    TenantId, validation,
};
use tenantry_testkit::TestDb;

/// Database-backed properties run few cases: each one is a few round trips.
const CASES: u32 = 32;

fn runner() -> TestRunner {
    TestRunner::new(RunnerConfig {
        cases: CASES,
        failure_persistence: None,
        ..RunnerConfig::default()
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

async fn setup(slug: &str) -> (TestDb, SeaOrmUserRepository, TenantId) {
    let db = TestDb::migrated().await;
    let repo =
        SeaOrmUserRepository::new(db.conn().clone(), Config::insecure_fast_for_tests()).unwrap();
    let tenant = repo
        .create_tenant(
            NewTenant {
                slug: slug.into(),
                name: "Property".into(),
            },
            None,
        )
        .await
        .unwrap();
    (db, repo, tenant.id)
}

/// Usernames from several scripts, with compatibility forms and combining marks.
fn username() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9._-]{3,20}",
        "[a-zA-Zà-ÿΑ-ωА-я一-龥ｦ-ﾝＡ-Ｚ０-９0-9._-]{3,20}",
        "[a-zA-Z]{2,8}\u{301}[a-z]{0,5}",
        "[ǄǅǆİıßẞKΩﬁ]{1,3}[a-zA-Z]{2,6}",
    ]
}

fn email() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9._+-]{1,20}@[a-zA-Z0-9]{1,10}\\.[a-z]{2,6}",
        "[a-zA-Zà-ÿА-я0-9]{1,12}@[a-z0-9]{1,10}\\.(com|de|org)",
        " [a-z]{1,8}@[a-z]{1,8}\\.[a-z]{2,4} ",
    ]
}

#[test]
fn accepted_usernames_and_emails_round_trip_and_collide_by_key() {
    let rt = runtime();
    let (db, repo, tenant) = rt.block_on(setup("prop-names"));
    let taken = Mutex::new((HashSet::new(), HashSet::new()));
    runner()
        .run(
            &(username(), proptest::option::of(email())),
            |(name, mail)| {
                if validation::username(&name).is_err()
                    || mail
                        .as_deref()
                        .is_some_and(|m| validation::email(m).is_err())
                {
                    return Ok(());
                }
                let mut taken = taken.lock().unwrap();
                let (names, mails) = &mut *taken;
                let input = NewUser {
                    username: name.clone(),
                    email: mail.clone(),
                    display_name: "Prop".into(),
                    ..Default::default()
                };
                let result = rt.block_on(repo.create_user(tenant, input, None));
                let ukey = username_key(&name);
                let ekey = mail.as_deref().map(email_key);
                match result {
                    Err(Error::UsernameTaken) => prop_assert!(names.contains(&ukey)),
                    Err(Error::EmailTaken) => {
                        prop_assert!(!names.contains(&ukey));
                        prop_assert!(mails.contains(ekey.as_ref().unwrap()));
                    }
                    Err(e) => prop_assert!(false, "unexpected error {e:?} for {name:?}/{mail:?}"),
                    Ok(user) => {
                        prop_assert!(!names.contains(&ukey), "{name:?} collided in the model");
                        if let Some(k) = &ekey {
                            prop_assert!(!mails.contains(k));
                            mails.insert(k.clone());
                        }
                        names.insert(ukey.clone());
                        let got = rt
                            .block_on(repo.get_user(tenant, user.id))
                            .unwrap()
                            .unwrap();
                        prop_assert_eq!(
                            got.username.as_deref().unwrap_or_default().as_bytes(),
                            name.as_bytes()
                        );
                        prop_assert_eq!(
                            got.email.as_deref().map(str::as_bytes),
                            mail.as_deref().map(|m| m.trim().as_bytes())
                        );
                        for spelling in [name.as_str(), ukey.as_str()] {
                            let found = rt
                                .block_on(repo.get_user_by_username(tenant, spelling))
                                .unwrap();
                            prop_assert_eq!(found.map(|u| u.id), Some(user.id));
                        }
                        if let Some(m) = &mail {
                            let found = rt.block_on(repo.get_user_by_email(tenant, m)).unwrap();
                            prop_assert_eq!(found.map(|u| u.id), Some(user.id));
                        }
                    }
                }
                Ok(())
            },
        )
        .unwrap();
    let created = taken.lock().unwrap().0.len();
    assert!(
        created >= CASES as usize / 2,
        "only {created} users were created"
    );
    drop(repo);
    drop(db);
}

/// Passwords that pass the policy: mixed scripts, spaces inside, compatibility forms.
fn password() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9!-/:-@]{12,40}",
        "[a-zäöüßéΩжЖ漢字 ｱ-ﾝＡ-Ｚ0-9]{12,30}",
        "[a-z]{4,8} [a-z]{4,8} [a-z]{4,8} [a-z]{4,8}",
        ".{12,40}",
    ]
}

#[test]
fn passing_passwords_verify_after_store() {
    let rt = runtime();
    let (db, repo, tenant) = rt.block_on(setup("prop-pass"));
    let counter = Mutex::new(0u32);
    let verified = Mutex::new(0u32);
    let policy = PasswordPolicy::default();
    runner()
        .run(&password(), |pw| {
            let mut n = counter.lock().unwrap();
            *n += 1;
            let username = format!("pw-user-{n}");
            let ctx = PolicyContext {
                username: Some(&username),
                email: None,
                tenant: Some("prop-pass"),
            };
            let password = Password::new(pw.clone());
            if policy.check(&password, &ctx).is_err() {
                return Ok(());
            }
            let input = NewUser {
                username: username.clone(),
                display_name: "Prop".into(),
                password: Some(Password::new(pw.clone())),
                ..Default::default()
            };
            let user = rt.block_on(repo.create_user(tenant, input, None));
            prop_assert!(
                user.is_ok(),
                "policy passed but create failed: {:?}",
                user.err()
            );
            let login = rt.block_on(repo.authenticate(
                tenant,
                &username,
                &password,
                LoginContext::from(LoginSource::api()),
            ));
            prop_assert!(
                login.is_ok(),
                "stored password did not verify: {:?}",
                login.err()
            );
            *verified.lock().unwrap() += 1;
            Ok(())
        })
        .unwrap();
    let verified = *verified.lock().unwrap();
    assert!(
        verified >= CASES / 2,
        "only {verified} passwords passed the policy"
    );
    drop(repo);
    drop(db);
}

#[test]
fn no_over_long_password_reaches_the_hasher() {
    let rt = runtime();
    let (db, repo, tenant) = rt.block_on(setup("prop-long"));
    let user = rt
        .block_on(repo.create_user(
            tenant,
            NewUser {
                username: "long-pw".into(),
                display_name: "Long".into(),
                ..Default::default()
            },
            None,
        ))
        .unwrap();
    let mut runner = TestRunner::new(RunnerConfig {
        cases: 16,
        failure_persistence: None,
        ..RunnerConfig::default()
    });
    let counter = Mutex::new(0u32);
    runner
        .run(
            &(
                1usize..2000,
                prop::sample::select(vec!["a", "é", "漢", "😀"]),
            ),
            |(extra, unit)| {
                let mut n = counter.lock().unwrap();
                *n += 1;
                let reps = (MAX_PASSWORD_BYTES + extra).div_ceil(unit.len());
                let long = unit.repeat(reps);
                prop_assert!(long.len() > MAX_PASSWORD_BYTES);
                let before = repo.hasher().hasher_runs();
                let created = rt.block_on(repo.create_user(
                    tenant,
                    NewUser {
                        username: format!("long-{n}"),
                        display_name: "Long".into(),
                        password: Some(Password::new(long.clone())),
                        ..Default::default()
                    },
                    None,
                ));
                prop_assert!(matches!(created, Err(Error::InvalidInput(_))));
                let set = rt.block_on(repo.set_password(
                    tenant,
                    user.id,
                    &Password::new(long.clone()),
                    None,
                ));
                prop_assert!(matches!(set, Err(Error::InvalidInput(_))));
                prop_assert_eq!(repo.hasher().hasher_runs(), before);
                Ok(())
            },
        )
        .unwrap();
    drop(repo);
    drop(db);
}
