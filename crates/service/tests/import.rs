#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Importing users with their existing password hashes: every argon2 variant and the forms
//! other systems write are accepted, log in with the right password and are upgraded on the
//! first login; anything else is refused naming what it is not (`password_hash:
//! unsupported_hash`, or `malformed_hash` / `hash_out_of_bounds` with the format it claims).
//! The legacy formats (PBKDF2, bcrypt, scrypt) are in `legacy_hashes.rs`.

mod common;

use argon2::PasswordHasher as _;
use argon2::{Algorithm, Argon2, Params, Version};
use common::*;
use tenantry_service::prelude::*;
use tenantry_service::validation::{HashFormat, Rule};
use tenantry_service::{Error, ImportedHash, ImportedUser, PlantRole, UserRole, UserStatus};

/// A PHC string made with the argon2 crate directly, as another system would.
fn foreign(algorithm: Algorithm, version: Version, m: u32, t: u32, p: u32, pwd: &str) -> String {
    Argon2::new(algorithm, version, Params::new(m, t, p, None).unwrap())
        .hash_password(pwd.as_bytes())
        .unwrap()
        .to_string()
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

/// The stored form tenantry keeps: Django's prefix stripped, a missing version made explicit.
/// How an imported argon2 hash is stored: in Django's `argon2$…` form (the mark of a hash made
/// without the pepper), with its version written out.
fn stored_form(phc: &str) -> String {
    let phc = phc.strip_prefix("argon2").unwrap_or(phc);
    let mut parts: Vec<&str> = phc.split('$').collect();
    if !parts[2].starts_with("v=") {
        parts.insert(2, "v=16");
    }
    format!("argon2{}", parts.join("$"))
}

#[tokio::test]
async fn argon2_hashes_of_every_variant_and_origin_import_log_in_and_upgrade() {
    let env = env().await;
    let reference_v10 = foreign(Algorithm::Argon2i, Version::V0x10, 8, 2, 1, STRONG);
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "rust.argon2id",
            foreign(Algorithm::Argon2id, Version::V0x13, 16, 2, 1, STRONG),
            STRONG,
        ),
        (
            "rust.argon2i",
            foreign(Algorithm::Argon2i, Version::V0x13, 8, 3, 1, STRONG),
            STRONG,
        ),
        (
            "rust.argon2d",
            foreign(Algorithm::Argon2d, Version::V0x13, 32, 1, 2, STRONG),
            STRONG,
        ),
        (
            "argon2id.v16",
            foreign(Algorithm::Argon2id, Version::V0x10, 8, 1, 1, STRONG),
            STRONG,
        ),
        // The reference implementation's old form has no version field: it is 0x10.
        ("no.version", reference_v10.replacen("$v=16", "", 1), STRONG),
        // Django's Argon2PasswordHasher prefixes the PHC string with its name.
        (
            "django",
            format!(
                "argon2{}",
                foreign(Algorithm::Argon2id, Version::V0x13, 64, 2, 2, OTHER)
            ),
            OTHER,
        ),
        // argon2-cffi's README: argon2i of "s3kr3tp4ssw0rd" with a 16-byte output.
        (
            "cffi.argon2i",
            "$argon2i$v=19$m=512,t=2,p=2$5VtWOO3cGWYQHEMaYGbsfQ$AcmqasQgW/wI6wAHAMk4aQ".to_owned(),
            "s3kr3tp4ssw0rd",
        ),
        // argon2-cffi's defaults (m=64 MiB, t=3, p=4) for "correct horse battery staple".
        (
            "cffi.argon2id",
            "$argon2id$v=19$m=65536,t=3,p=4$MIIRqgvgQbgj220jfp0MPA$YfwJSVjtjSU0zzV/P3S9nnQ/USre2wvJMjfCIjrTQbg".to_owned(),
            "correct horse battery staple",
        ),
    ];
    assert!(!cases[4].1.contains("v="));

    for (username, phc, password) in &cases {
        let user = env
            .repo
            .import_user(env.tid(), imported(username, phc), None)
            .await
            .unwrap_or_else(|e| panic!("{username}: import refused: {e:?}"));
        assert_eq!(user.status, UserStatus::Active, "{username}");
        assert!(user.has_password, "{username}");
        assert_eq!(
            env.stored_hash(user.id).await.unwrap(),
            stored_form(phc),
            "{username}"
        );
        assert_eq!(env.audit_actions().await.last().unwrap(), "user.imported");

        // A wrong password fails and leaves the imported hash alone.
        env.login_refused(username, WRONG).await;
        assert_eq!(env.stored_hash(user.id).await.unwrap(), stored_form(phc));

        // The right one logs in and upgrades the hash to the current parameters.
        let before = env.runs();
        let auth = env.login_ok(username, password).await;
        assert_eq!(auth.user.id, user.id);
        assert_eq!(env.runs() - before, 2, "{username}: verify + rehash");
        let upgraded = env.stored_hash(user.id).await.unwrap();
        assert!(
            upgraded.starts_with("$argon2id$v=19$m=8,t=1,p=1$"),
            "{username}: not upgraded"
        );
        let before = env.runs();
        env.login_ok(&format!("{username}@example.com"), password)
            .await;
        assert_eq!(env.runs() - before, 1, "{username}: upgraded once");
        assert_eq!(env.stored_hash(user.id).await.unwrap(), upgraded);
    }
}

#[tokio::test]
async fn other_formats_are_refused_naming_what_they_are_not() {
    let env = env().await;
    let good = foreign(Algorithm::Argon2id, Version::V0x13, 8, 1, 1, STRONG);
    let argon2 = HashFormat::Argon2;
    let refused = [
        (String::new(), Rule::UnsupportedHash),
        (" ".to_owned(), Rule::UnsupportedHash),
        (STRONG.to_owned(), Rule::UnsupportedHash),
        ("hunter2".to_owned(), Rule::UnsupportedHash),
        ("garbage$$$".to_owned(), Rule::UnsupportedHash),
        // SHA-512 crypt, passlib's PBKDF2, a truncated Django PBKDF2 (legacy_hashes.rs has the
        // rest of the legacy formats)
        ("$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/".to_owned(), Rule::UnsupportedHash),
        ("$pbkdf2-sha256$29000$N2GMUQrBWIsRwjjH2DvHeA$zzokz9hwVB5E2qQ6tdJx.ORsr5q0w9BBvrhN9fbuZb4".to_owned(), Rule::UnsupportedHash),
        (
            "pbkdf2_sha256$600000$c2FsdA$aGFzaGhhc2hoYXNo".to_owned(),
            Rule::MalformedHash { format: HashFormat::DjangoPbkdf2Sha256 },
        ),
        // argon2 that is truncated, malformed or beyond the bounds
        (good[..good.len() - 10].to_owned(), Rule::MalformedHash { format: argon2 }),
        (good.replacen("$argon2id$", "$argon2x$", 1), Rule::MalformedHash { format: argon2 }),
        (good.replacen("m=8,t=1,p=1", "m=8,t=1", 1), Rule::MalformedHash { format: argon2 }),
        (good.replacen("m=8", "m=4000000000", 1), Rule::HashOutOfBounds { format: argon2 }),
        (good.replacen("t=1", "t=100000", 1), Rule::HashOutOfBounds { format: argon2 }),
        (good.replacen("$v=19$", "$v=20$", 1), Rule::MalformedHash { format: argon2 }),
        (format!("{good}$extra"), Rule::MalformedHash { format: argon2 }),
        (format!("django{good}"), Rule::UnsupportedHash),
        (
            format!("argon2{}", "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"),
            Rule::UnsupportedHash,
        ),
        ("x".repeat(10_000), Rule::UnsupportedHash),
    ];
    for (n, (phc, rule)) in refused.iter().enumerate() {
        let username = format!("refused{n}");
        match env
            .repo
            .import_user(env.tid(), imported(&username, phc), None)
            .await
        {
            Err(Error::InvalidInput(errors)) => {
                assert!(errors.has("password_hash", *rule), "case {n}: {errors:?}");
                let shown = Error::InvalidInput(errors).to_string();
                assert!(phc.len() < 8 || !shown.contains(phc.as_str()), "case {n}");
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

    // Every broken field is reported together.
    let mut bad = imported("x", "hunter2");
    bad.email = Some("not an email".into());
    match env.repo.import_user(env.tid(), bad, None).await {
        Err(Error::InvalidInput(errors)) => {
            assert!(errors.has("password_hash", Rule::UnsupportedHash));
            assert!(errors.has("username", Rule::TooShort { min: 3 }));
            assert!(errors.has("email", Rule::InvalidFormat));
        }
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

#[tokio::test]
async fn an_import_keeps_its_roles_and_refuses_taken_names() {
    let env = env().await;
    let plant = env
        .repo
        .create_plant(
            env.tid(),
            tenantry_service::NewPlant {
                code: "P1".into(),
                name: "Plant One".into(),
            },
            None,
        )
        .await
        .unwrap();
    let phc = foreign(Algorithm::Argon2id, Version::V0x13, 8, 1, 1, STRONG);
    let user = env
        .repo
        .import_user(
            env.tid(),
            ImportedUser {
                tenant_roles: vec![UserRole::Supervisor.into()],
                plant_roles: vec![PlantRole {
                    plant_id: plant.id,
                    role: UserRole::Admin.into(),
                }],
                ..imported("gina", &phc)
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(user.tenant_roles, [UserRole::Supervisor]);
    assert_eq!(user.plant_roles.len(), 1);
    let mut same_username = imported("GINA", &phc);
    same_username.email = None;
    assert!(matches!(
        env.repo.import_user(env.tid(), same_username, None).await,
        Err(Error::UsernameTaken)
    ));
    let mut same_email = imported("gina2", &phc);
    same_email.email = Some("Gina@Example.com".into());
    assert!(matches!(
        env.repo.import_user(env.tid(), same_email, None).await,
        Err(Error::EmailTaken)
    ));
    // Even with the current parameters (argon2id m=8,t=1,p=1) an imported hash is rewritten at
    // the first login: it was made without the pepper. Once.
    let before = env.runs();
    env.login_ok("gina", STRONG).await;
    assert_eq!(env.runs() - before, 2, "verify, then the new hash");
    let rewritten = env.stored_hash(user.id).await.unwrap();
    assert!(rewritten.starts_with("$argon2id$"), "{rewritten}");
    let before = env.runs();
    env.login_ok("gina", STRONG).await;
    assert_eq!(env.runs() - before, 1);
    assert_eq!(env.stored_hash(user.id).await.unwrap(), rewritten);
}
