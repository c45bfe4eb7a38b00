//! Secrets: no view, input, model or error ever shows a password or its hash.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod common;

use common::*;
use tenantry_service::{Error, NewUser, PageRequest, Password, UserQuery, UserRole, UserUpdate};

/// Asserts that neither `text` contains any of `secrets`.
fn assert_clean(what: &str, text: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!secret.is_empty());
        assert!(!text.contains(secret), "{what} shows a secret: {text}");
    }
}

#[tokio::test]
async fn nothing_shows_the_password_or_its_hash() {
    let f = fixture().await;
    let t = f.tid();
    let password = "'; DROP TABLE users;-- x7Q quietly";
    let input = NewUser {
        email: Some("alice@example.com".into()),
        password: Some(Password::new(password)),
        tenant_roles: vec![UserRole::Admin.into()],
        plant_roles: vec![plant_role(f.plant(0), UserRole::Engineer)],
        ..new_user("alice")
    };
    // The input, before it is used.
    assert_clean("NewUser Debug", &format!("{input:?}"), &[password]);
    assert!(format!("{input:?}").contains("[redacted]"));
    let secret = Password::new(password);
    assert_eq!(format!("{secret:?}"), "[redacted]");
    assert_eq!(format!("{:?}", Some(secret)), "Some([redacted])");

    let alice = f.create(input).await;
    let row = f.row(alice.id).await.unwrap();
    let hash = row.password_hash.clone().unwrap().expose().to_owned();
    assert!(hash.starts_with("$argon2id$"), "a PHC string");
    // The parts of the PHC string that are secret-derived: salt and digest.
    let digest = hash.rsplit('$').next().unwrap().to_owned();
    let salt = hash.rsplit('$').nth(1).unwrap().to_owned();
    let secrets = [
        password,
        hash.as_str(),
        digest.as_str(),
        salt.as_str(),
        "$argon2",
    ];

    // The entity model prints `[redacted]` for its hash.
    let model = format!("{row:?}");
    assert_clean("users::Model Debug", &model, &secrets);
    assert!(model.contains("[redacted]"), "{model}");

    let mut shown: Vec<(String, String)> = Vec::new();
    let mut show = |what: &str, json: String, debug: String| {
        shown.push((format!("{what} JSON"), json));
        shown.push((format!("{what} Debug"), debug));
    };
    macro_rules! both {
        ($what:literal, $value:expr) => {{
            let value = &$value;
            show(
                $what,
                serde_json::to_string(value).unwrap(),
                format!("{value:?}"),
            );
        }};
    }

    both!("UserView (created)", alice);
    both!(
        "UserView (read)",
        f.repo.get_user(t, alice.id).await.unwrap().unwrap()
    );
    both!(
        "UserView (by username)",
        f.repo
            .get_user_by_username(t, "alice")
            .await
            .unwrap()
            .unwrap()
    );
    both!("TenantView", f.repo.get_tenant(t).await.unwrap().unwrap());
    both!(
        "Page<TenantView>",
        f.repo.list_tenants(PageRequest::first(10)).await.unwrap()
    );
    both!(
        "PlantView",
        f.repo.get_plant(t, f.plant(0)).await.unwrap().unwrap()
    );
    both!("Vec<PlantView>", f.repo.list_plants(t).await.unwrap());
    both!("PlantRoleView", alice.plant_roles[0]);
    both!(
        "Vec<PlantMember>",
        f.repo.users_for_plant(t, f.plant(0), None).await.unwrap()
    );
    both!(
        "Page<UserView>",
        f.repo.list_users(t, &UserQuery::default()).await.unwrap()
    );
    both!(
        "Page<AuditEventView>",
        f.repo
            .list_audit_events(t, PageRequest::first(100))
            .await
            .unwrap()
    );
    let update = UserUpdate {
        display_name: Some("Alice A.".into()),
        ..UserUpdate::default()
    };
    let debug = format!("{update:?}");
    both!(
        "UserView (updated)",
        f.repo.update_user(t, alice.id, update, None).await.unwrap()
    );
    show("UserUpdate", String::new(), debug);

    for (what, text) in &shown {
        assert_clean(what, text, &secrets);
    }
    assert!(
        shown
            .iter()
            .any(|(what, text)| what == "UserView (read) JSON"
                && text.contains("\"has_password\":true")),
        "the view says a password is set"
    );
}

#[tokio::test]
async fn errors_never_show_the_value_or_database_text() {
    let f = fixture().await;
    let t = f.tid();
    let name = "Zebediah.Quux";
    f.create(NewUser {
        email: Some("zebediah@quux.example".into()),
        ..new_user(name)
    })
    .await;

    let taken = f
        .repo
        .create_user(t, new_user(name), None)
        .await
        .unwrap_err();
    assert!(matches!(taken, Error::UsernameTaken), "{taken:?}");
    let email_taken = f
        .repo
        .create_user(
            t,
            NewUser {
                email: Some("zebediah@quux.example".into()),
                ..new_user("someone")
            },
            None,
        )
        .await
        .unwrap_err();
    let slug_taken = f
        .repo
        .create_tenant(new_tenant("acme", "Acme"), None)
        .await
        .unwrap_err();
    let code_taken = f
        .repo
        .create_plant(t, new_plant("P1", "Again"), None)
        .await
        .unwrap_err();
    let weak = f
        .repo
        .create_user(
            t,
            NewUser {
                password: Some(Password::new("zebediah2-secret")),
                ..new_user("zebediah2")
            },
            None,
        )
        .await
        .unwrap_err();
    let bad_name = f
        .repo
        .create_user(t, new_user("Zebediah Quux'; --"), None)
        .await
        .unwrap_err();

    for error in [taken, email_taken, slug_taken, code_taken, weak, bad_name] {
        let shown = error.to_string();
        for fragment in [
            "zebediah",
            "Zebediah",
            "quux",
            "acme",
            "P1",
            "--",
            "UNIQUE",
            "unique",
            "duplicate",
            "Duplicate",
            "tenantry_",
            "users",
            "constraint",
            "SQL",
        ] {
            assert!(
                !shown.contains(fragment),
                "{error:?} displays {fragment:?}: {shown}"
            );
        }
        // The password never reaches an error, in any form.
        assert!(
            !format!("{error:?}").contains("zebediah2-secret"),
            "{error:?}"
        );
    }
}
