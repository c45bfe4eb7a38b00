#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Users moved in with the hashes their old system made: every hash in
//! `fixtures/legacy_hashes.json` was written by the real tool (Django's `make_password`,
//! passlib; `fixtures/make_legacy_hashes.py` made them). Each imports, logs in with its
//! password as typed (a non-ASCII one too), is upgraded to argon2id on that first success and
//! never on a failure, and a wrong password counts toward the lockout like any other. Hostile
//! hashes are refused at import, naming their format, with nothing written.

mod common;

use common::*;
use serde::Deserialize;
use tenantry_service::hashing::HashFormat;
use tenantry_service::prelude::*;
use tenantry_service::validation::Rule;
use tenantry_service::{Config, Error, ImportedHash, ImportedUser, UserStatus};
use unicode_normalization::UnicodeNormalization as _;

#[derive(Deserialize)]
struct Fixture {
    tool: String,
    hasher: String,
    password: String,
    hash: String,
}

fn fixtures(hashers: &[&str]) -> Vec<Fixture> {
    let all: Vec<Fixture> =
        serde_json::from_str(include_str!("fixtures/legacy_hashes.json")).unwrap();
    let chosen: Vec<Fixture> = all
        .into_iter()
        .filter(|f| hashers.iter().any(|h| f.hasher.starts_with(h)))
        .collect();
    assert!(!chosen.is_empty(), "no fixture for {hashers:?}");
    chosen
}

fn imported(username: &str, hash: &str) -> ImportedUser {
    ImportedUser {
        username: username.to_owned(),
        email: Some(format!("{username}@example.com")),
        display_name: username.to_owned(),
        password_hash: ImportedHash::new(hash),
        ..ImportedUser::default()
    }
}

/// What tenantry stores for an imported hash: the hash as given, except Django's argon2
/// prefix, which is dropped.
/// How an imported hash is stored: as given; an argon2 one in Django's `argon2$…` form, the
/// mark of a hash made without the pepper.
fn stored_form(hash: &str) -> String {
    if hash.starts_with("$argon2") {
        format!("argon2{hash}")
    } else {
        hash.to_owned()
    }
}

/// Imports each fixture of `hashers` and checks the whole life of its hash.
async fn import_log_in_and_upgrade(env: &Env, hashers: &[&str]) {
    for (n, fixture) in fixtures(hashers).iter().enumerate() {
        let what = format!("{} {} #{n}", fixture.tool, fixture.hasher);
        let username = format!(
            "user{n}.{}",
            fixture
                .hasher
                .replace(|c: char| !c.is_ascii_alphanumeric(), "")
        );
        let user = env
            .repo
            .import_user(env.tid(), imported(&username, &fixture.hash), None)
            .await
            .unwrap_or_else(|e| panic!("{what}: import refused: {e}"));
        assert_eq!(user.status, UserStatus::Active, "{what}");
        assert!(user.has_password, "{what}");
        let legacy = stored_form(&fixture.hash);
        assert_eq!(env.stored_hash(user.id).await.unwrap(), legacy, "{what}");

        // A wrong password — and a legacy hash's non-ASCII password in another normal form:
        // the old system hashed the bytes as typed — is refused, runs the hasher once, counts
        // toward the lockout and leaves the hash as it was. (An argon2 hash, imported or not,
        // is verified against the NFKC form.)
        let mut wrong = vec![WRONG.to_owned()];
        let nfd: String = fixture.password.nfd().collect();
        if nfd != fixture.password && !legacy.starts_with("$argon2") {
            wrong.push(nfd);
        }
        for (k, password) in wrong.iter().enumerate() {
            let before = env.runs();
            env.login_refused(&username, password).await;
            assert_eq!(env.runs() - before, 1, "{what}: one run per failure");
            assert_eq!(env.stored_hash(user.id).await.unwrap(), legacy, "{what}");
            assert_eq!(
                env.row(user.id).await.failed_login_count,
                i32::try_from(k + 1).unwrap(),
                "{what}: the failure counts"
            );
        }

        // The right password, as typed: one verify, one rehash to argon2id of the current
        // parameters.
        let before = env.runs();
        let auth = env.login_ok(&username, &fixture.password).await;
        assert_eq!(auth.user.id, user.id, "{what}");
        assert_eq!(env.runs() - before, 2, "{what}: verify + rehash");
        let upgraded = env.stored_hash(user.id).await.unwrap();
        assert!(
            upgraded.starts_with("$argon2id$v=19$m=8,t=1,p=1$"),
            "{what}: not upgraded"
        );
        assert_eq!(env.row(user.id).await.failed_login_count, 0, "{what}");

        // The old password goes on working, now against argon2id, with nothing left to upgrade.
        let before = env.runs();
        env.login_ok(&format!("{username}@example.com"), &fixture.password)
            .await;
        assert_eq!(env.runs() - before, 1, "{what}: upgraded once");
        assert_eq!(env.stored_hash(user.id).await.unwrap(), upgraded, "{what}");
        env.login_refused(&username, WRONG).await;
    }
}

// Django's PBKDF2 at its default 10^6 iterations costs seconds per verify in a debug build
// (the HMAC is instantiated in this crate, unoptimised): one test per digest runs them side by
// side.
#[tokio::test]
async fn django_pbkdf2_sha256_hashes_import_log_in_and_upgrade() {
    let env = env().await;
    import_log_in_and_upgrade(&env, &["pbkdf2_sha256"]).await;
}

#[tokio::test]
async fn django_pbkdf2_sha1_hashes_import_log_in_and_upgrade() {
    let env = env().await;
    import_log_in_and_upgrade(&env, &["pbkdf2_sha1"]).await;
}

#[tokio::test]
async fn django_and_passlib_bcrypt_hashes_import_log_in_and_upgrade() {
    let env = env().await;
    import_log_in_and_upgrade(&env, &["bcrypt_sha256", "bcrypt"]).await;
}

#[tokio::test]
async fn django_and_passlib_scrypt_and_django_argon2_hashes_import_log_in_and_upgrade() {
    let env = env().await;
    import_log_in_and_upgrade(&env, &["scrypt", "argon2"]).await;
}

/// A host with a pepper: the legacy hash verifies without it (the old system never had it),
/// and the argon2id hash that replaces it is made with it.
#[tokio::test]
async fn legacy_hashes_verify_without_the_pepper_and_upgrade_with_it() {
    let mut config = Config::insecure_fast_for_tests();
    config.hashing.pepper = Some(tenantry_service::hashing::Pepper::new(
        b"sixteen bytes of pepper, at least".to_vec(),
    ));
    let env = env_with(config).await;
    let fixture = fixtures(&["bcrypt $2b$"]).remove(0);
    let user = env
        .repo
        .import_user(env.tid(), imported("peppered", &fixture.hash), None)
        .await
        .unwrap();
    env.login_ok("peppered", &fixture.password).await;
    let upgraded = env.stored_hash(user.id).await.unwrap();
    assert!(upgraded.starts_with("$argon2id$"));
    env.login_ok("peppered", &fixture.password).await;
    // Without the pepper, the upgraded hash no longer verifies: it was made with it.
    let env = env.with_config(Config::insecure_fast_for_tests());
    env.login_refused("peppered", &fixture.password).await;
}

/// Enough wrong passwords against a legacy hash lock the account like any other, and the
/// legacy hash is still there afterwards.
#[tokio::test]
async fn failures_against_a_legacy_hash_lock_the_account() {
    let env = env().await;
    let fixture = fixtures(&["bcrypt $2a$"]).remove(0);
    let user = env
        .repo
        .import_user(env.tid(), imported("locked", &fixture.hash), None)
        .await
        .unwrap();
    let max = Config::insecure_fast_for_tests()
        .lockout
        .max_failed_attempts;
    for _ in 0..max {
        env.login_refused("locked", WRONG).await;
    }
    assert!(env.row(user.id).await.locked_until.is_some());
    // Locked: even the right password is refused, and the hash stays the legacy one.
    env.login_refused("locked", &fixture.password).await;
    assert_eq!(env.stored_hash(user.id).await.unwrap(), fixture.hash);
}

/// A base that is valid for each format, to break one way at a time.
fn hostile_hashes() -> Vec<(String, Rule)> {
    use HashFormat::*;
    let pbkdf2 = fixtures(&["pbkdf2_sha256"]).remove(0).hash;
    let bcrypt = fixtures(&["bcrypt $2b$"]).remove(0).hash;
    let django_bcrypt = fixtures(&["bcrypt_sha256"]).remove(0).hash;
    let passlib_scrypt = fixtures(&["scrypt"])
        .into_iter()
        .find(|f| f.hash.starts_with("$scrypt$"))
        .unwrap()
        .hash;
    let django_scrypt = fixtures(&["scrypt"]).remove(0).hash;
    let malformed = |format| Rule::MalformedHash { format };
    let out = |format| Rule::HashOutOfBounds { format };
    let ten_mb = "A".repeat(10 * 1024 * 1024);
    vec![
        (format!("{pbkdf2}\0"), malformed(DjangoPbkdf2Sha256)),
        (pbkdf2.replacen('$', "\0$", 1), Rule::UnsupportedHash),
        (format!("\0{bcrypt}"), Rule::UnsupportedHash),
        (bcrypt.replacen("$12$", "$1\0$", 1), malformed(Bcrypt)),
        (format!("{pbkdf2}{ten_mb}"), malformed(DjangoPbkdf2Sha256)),
        (ten_mb.clone(), Rule::UnsupportedHash),
        (format!("$2b$12${ten_mb}"), malformed(Bcrypt)),
        (
            pbkdf2.replacen("$1000000$", "$9223372036854775808$", 1),
            out(DjangoPbkdf2Sha256),
        ),
        (
            pbkdf2.replacen("$1000000$", "$18446744073709551616$", 1),
            out(DjangoPbkdf2Sha256),
        ),
        (
            pbkdf2.replacen("$1000000$", "$0$", 1),
            malformed(DjangoPbkdf2Sha256),
        ),
        (bcrypt.replacen("$12$", "$31$", 1), out(Bcrypt)),
        (
            django_bcrypt.replacen("$12$", "$31$", 1),
            out(DjangoBcryptSha256),
        ),
        (
            passlib_scrypt.replacen("ln=16", "ln=60", 1),
            out(PasslibScrypt),
        ),
        (
            django_scrypt.replacen("$16384$", "$1152921504606846976$", 1),
            out(DjangoScrypt),
        ),
        (
            django_scrypt.replacen("$8$5$", "$8$1000000$", 1),
            out(DjangoScrypt),
        ),
        (
            pbkdf2[..pbkdf2.len() - 5].to_owned(),
            malformed(DjangoPbkdf2Sha256),
        ),
        (bcrypt[..bcrypt.len() - 1].to_owned(), malformed(Bcrypt)),
        (passlib_scrypt[..40].to_owned(), malformed(PasslibScrypt)),
        (
            format!("{}!!!!", &pbkdf2[..pbkdf2.len() - 4]),
            malformed(DjangoPbkdf2Sha256),
        ),
        (bcrypt.replacen('.', "+", 1), malformed(Bcrypt)),
        (format!("{pbkdf2} "), malformed(DjangoPbkdf2Sha256)),
        (format!("{bcrypt}\n"), malformed(Bcrypt)),
        (format!("{django_scrypt}\t"), malformed(DjangoScrypt)),
        (format!(" {pbkdf2}"), Rule::UnsupportedHash),
        (
            "$2x$12$abcdefghijklmnopqrstuuMZ0tGMmyvXoQSr3oLrBNbT3s3qHvCUu".to_owned(),
            Rule::UnsupportedHash,
        ),
        (
            "sha1$salt$b89eaac7e61417341b710b727768294d0e6a277b".to_owned(),
            Rule::UnsupportedHash,
        ),
        (
            "!4mCiDLTb5FMTpaBadmwbOeeqOLLrEbq2ScWqaWtP".to_owned(),
            Rule::UnsupportedHash,
        ),
        (
            "correct horse battery staple".to_owned(),
            Rule::UnsupportedHash,
        ),
    ]
}

#[tokio::test]
async fn hostile_hashes_are_refused_naming_their_format_and_nothing_is_written() {
    let env = env().await;
    for (n, (hash, rule)) in hostile_hashes().into_iter().enumerate() {
        let username = format!("hostile{n}");
        let refused = env
            .repo
            .import_user(env.tid(), imported(&username, &hash), None)
            .await;
        match refused {
            Err(Error::InvalidInput(errors)) => {
                assert!(errors.has("password_hash", rule), "case {n}: {errors:?}");
                let shown = Error::InvalidInput(errors).to_string();
                assert!(!shown.contains('$'), "case {n}: {shown}");
            }
            other => panic!("case {n}: expected InvalidInput, got {other:?}"),
        }
        assert!(
            env.repo
                .get_user_by_username(env.tid(), &username)
                .await
                .unwrap()
                .is_none(),
            "case {n}: nobody was created"
        );
    }

    // In bulk: one hostile row among good ones refuses the call, and nothing is written.
    let good = fixtures(&["bcrypt $2y$"]);
    for (n, (hash, rule)) in hostile_hashes().into_iter().enumerate() {
        let rows = vec![
            imported("good.one", &good[0].hash),
            imported(&format!("bulk.hostile{n}"), &hash),
            imported("good.two", &good[1].hash),
        ];
        match env.repo.import_users(env.tid(), rows, None).await {
            Err(Error::ImportRow { index, source, .. }) => {
                assert_eq!(index, 1, "case {n}");
                assert!(
                    matches!(&*source, Error::InvalidInput(e) if e.has("password_hash", rule)),
                    "case {n}: {source:?}"
                );
            }
            other => panic!("case {n}: expected ImportRow, got {other:?}"),
        }
    }
    let everyone = env
        .repo
        .list_users(env.tid(), &Default::default())
        .await
        .unwrap();
    assert_eq!(everyone.total, 0, "nothing was written");
    assert!(
        env.audit_actions()
            .await
            .iter()
            .all(|a| a != "user.imported")
    );
}
