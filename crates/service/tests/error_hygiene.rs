#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Error hygiene: every error variant, forced for real on the backend `DATABASE_URL` names
//! (else SQLite), has a `Display` free of database text, SQL and the caller's values.

mod common;

use common::create_other_tenant;
use tenantry_service::prelude::*;
use tenantry_service::{
    Config, Error, LoginContext, LoginSource, NewPlant, NewTenant, NewUser, Password, PlantId,
    PlantRole, SeaOrmUserRepository, UserId, UserRole, UserUpdate,
};
use tenantry_testkit::TestDb;

/// Marks every value the test supplies, so a leak is easy to spot.
const MARK: &str = "Zq9mark";

/// Words that only database or SQL text would contain.
const DATABASE_WORDS: &[&str] = &[
    "select",
    "insert",
    "update ",
    "delete ",
    "where",
    "constraint",
    "violat",
    "duplicate",
    "unique",
    "foreign",
    "sqlite",
    "postgres",
    "mysql",
    "maria",
    "sqlx",
    "pool",
    "tenantry_",
    "users",
    "tenants",
    "plants",
    "_key",
    "error returned",
    "connection",
    "closed",
    "code:",
    "sqlstate",
];

fn check(what: &str, error: &Error) -> String {
    let text = error.to_string();
    let lower = text.to_lowercase();
    assert!(
        !lower.contains(&MARK.to_lowercase()),
        "{what}: Display leaks the value: {text}"
    );
    for word in DATABASE_WORDS {
        assert!(
            !lower.contains(word),
            "{what}: Display contains database text {word:?}: {text}"
        );
    }
    assert!(
        text.len() < 200,
        "{what}: suspiciously long Display: {text}"
    );
    text
}

fn user(name: &str, email: Option<&str>) -> NewUser {
    NewUser {
        username: name.into(),
        email: email.map(Into::into),
        display_name: format!("{MARK} display"),
        ..Default::default()
    }
}

#[tokio::test]
async fn no_error_display_leaks_database_text_or_values() {
    let db = TestDb::migrated().await;
    let repo =
        SeaOrmUserRepository::new(db.conn().clone(), Config::insecure_fast_for_tests()).unwrap();
    let slug = "zq9mark-tenant";
    let tenant = repo
        .create_tenant(
            NewTenant {
                slug: slug.into(),
                name: format!("{MARK} Tenant"),
            },
            None,
        )
        .await
        .unwrap()
        .id;
    let other = create_other_tenant(&repo, "zq9mark-other").await.id;
    let email = format!("{MARK}@example.com");
    let ada = repo
        .create_user(tenant, user(&format!("{MARK}-ada"), Some(&email)), None)
        .await
        .unwrap();
    repo.create_plant(
        tenant,
        NewPlant {
            code: format!("{MARK}-P1"),
            name: "Plant".into(),
        },
        None,
    )
    .await
    .unwrap();
    let foreign_plant = repo
        .create_plant(
            other,
            NewPlant {
                code: "P-9".into(),
                name: "Plant".into(),
            },
            None,
        )
        .await
        .unwrap();
    let mut seen = Vec::new();
    let mut expect = |what: &str, result: Result<(), Error>, variant: fn(&Error) -> bool| {
        let error = result.expect_err(what);
        assert!(variant(&error), "{what}: unexpected variant {error:?}");
        seen.push((what.to_owned(), check(what, &error)));
    };

    // Unique violations, read from the database's own error.
    let r = repo
        .create_user(tenant, user(&format!("{MARK}-ADA"), None), None)
        .await;
    expect("username taken", r.map(drop), |e| {
        matches!(e, Error::UsernameTaken)
    });
    let r = repo
        .create_user(tenant, user("someone", Some(&email.to_uppercase())), None)
        .await;
    expect("email taken", r.map(drop), |e| {
        matches!(e, Error::EmailTaken)
    });
    let r = repo
        .create_tenant(
            NewTenant {
                slug: slug.into(),
                name: "Again".into(),
            },
            None,
        )
        .await;
    expect("slug taken", r.map(drop), |e| matches!(e, Error::SlugTaken));
    let r = repo
        .create_plant(
            tenant,
            NewPlant {
                code: format!("{MARK}-p1"),
                name: "Again".into(),
            },
            None,
        )
        .await;
    expect("plant code taken", r.map(drop), |e| {
        matches!(e, Error::PlantCodeTaken)
    });
    // A foreign key: a plant of another tenant, and a plant that does not exist.
    let r = repo
        .assign_plant_role(tenant, ada.id, foreign_plant.id, UserRole::Admin, None)
        .await;
    expect("foreign plant", r.map(drop), |e| {
        matches!(e, Error::NotFound)
    });
    let roles = [PlantRole {
        plant_id: PlantId(i64::from(i32::MAX)),
        role: UserRole::Operator.into(),
    }];
    let r = repo.set_plant_roles(tenant, ada.id, &roles, None).await;
    expect("missing plant", r.map(drop), |e| {
        matches!(e, Error::NotFound)
    });
    // Too long, and other invalid input.
    let long = format!("{MARK}{}", "x".repeat(300));
    let r = repo
        .create_user(tenant, user(&long, Some(&long)), None)
        .await;
    expect("too long", r.map(drop), |e| {
        matches!(e, Error::InvalidInput(_))
    });
    let r = repo
        .update_user(
            tenant,
            ada.id,
            UserUpdate {
                display_name: Some(format!("{MARK}\u{202e}")),
                ..Default::default()
            },
            None,
        )
        .await;
    expect("invisible character", r.map(drop), |e| {
        matches!(e, Error::InvalidInput(_))
    });
    let r = repo
        .set_password(
            tenant,
            ada.id,
            &Password::new(format!("{MARK}{MARK}")),
            None,
        )
        .await;
    expect("weak password", r, |e| matches!(e, Error::InvalidInput(_)));
    // Not found, in this tenant and across tenants.
    let r = repo.delete_user(other, ada.id, None).await;
    expect("user of another tenant", r, |e| {
        matches!(e, Error::NotFound)
    });
    let r = repo.restore_user(tenant, UserId(i64::MAX), None).await;
    expect("no such user", r.map(drop), |e| {
        matches!(e, Error::NotFound)
    });
    // Conflict: a verification for a user without email.
    let bob = repo
        .create_user(tenant, user(&format!("{MARK}-bob"), None), None)
        .await
        .unwrap();
    let r = repo.issue_email_verification(tenant, bob.id, None).await;
    expect("conflict", r.map(drop), |e| matches!(e, Error::Conflict(_)));
    // Last admin.
    repo.set_tenant_role(tenant, ada.id, Some(UserRole::Admin), None)
        .await
        .unwrap();
    let r = repo.set_tenant_role(tenant, ada.id, None, None).await;
    expect("last admin", r.map(drop), |e| matches!(e, Error::LastAdmin));
    // Credentials and tokens.
    let r = repo
        .authenticate(
            tenant,
            &format!("{MARK}-ada"),
            &Password::new(MARK),
            LoginContext::from(LoginSource::api()),
        )
        .await;
    expect("credentials", r.map(drop), |e| {
        matches!(e, Error::InvalidCredentials)
    });
    let r = repo
        .redeem_password_reset(Some(tenant), MARK, &Password::new(MARK))
        .await;
    expect("token", r.map(drop), |e| matches!(e, Error::InvalidToken));
    // Connection lost: the repository's pool is closed under it.
    let lost = SeaOrmUserRepository::new(
        tenantry_service::connect(db.url()).await.unwrap(),
        Config::insecure_fast_for_tests(),
    )
    .unwrap();
    lost.connection().clone().close().await.unwrap();
    let r = lost
        .create_user(tenant, user(&format!("{MARK}-carl"), None), None)
        .await;
    expect("connection lost", r.map(drop), |e| {
        matches!(e, Error::Database(_))
    });
    let r = lost.get_user(tenant, ada.id).await;
    expect("connection lost on read", r.map(drop), |e| {
        matches!(e, Error::Database(_))
    });
    // Hashing: a configuration argon2 refuses.
    let mut bad = Config::insecure_fast_for_tests();
    bad.hashing.iterations = 0;
    let r = SeaOrmUserRepository::new(db.conn().clone(), bad);
    expect("hashing", r.map(drop), |e| matches!(e, Error::Hashing(_)));

    for (what, text) in &seen {
        println!("{what:>26}: {text}");
    }
    assert_eq!(seen.len(), 18);
}
