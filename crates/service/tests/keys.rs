//! Case-insensitive keys: the same outcome on every backend, whatever its collation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod common;

use common::*;
use tenantry_service::{Error, NewUser, UserUpdate};

#[tokio::test]
async fn usernames_differing_in_case_collide() {
    let f = fixture().await;
    let alice = f.user("Alice").await;
    for name in ["alice", "ALICE", "aLiCe", "ＡＬＩＣＥ"] {
        assert_err!(
            f.repo.create_user(f.tid(), new_user(name), None).await,
            Error::UsernameTaken,
            "username {name:?}"
        );
    }
    assert_eq!(f.user_rows(f.tid()).await, 1);
    for lookup in ["Alice", "alice", "ALICE", "ａｌｉｃｅ"] {
        let found = f
            .repo
            .get_user_by_username(f.tid(), lookup)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("lookup {lookup:?}"));
        assert_eq!(found.id, alice.id);
        assert_eq!(
            found.username.as_deref(),
            Some("Alice"),
            "the username is displayed as entered"
        );
    }
    assert_eq!(f.row(alice.id).await.unwrap().username_key, "alice");
}

#[tokio::test]
async fn emails_differing_in_case_collide() {
    let f = fixture().await;
    let bob = f
        .create(NewUser {
            email: Some("Bob@Example.COM".into()),
            ..new_user("bob")
        })
        .await;
    assert_eq!(bob.email.as_deref(), Some("Bob@Example.COM"));
    for (i, email) in ["bob@example.com", "BOB@EXAMPLE.COM", " bob@example.com "]
        .into_iter()
        .enumerate()
    {
        assert_err!(
            f.repo
                .create_user(
                    f.tid(),
                    NewUser {
                        email: Some(email.into()),
                        ..new_user(&format!("other{i}"))
                    },
                    None,
                )
                .await,
            Error::EmailTaken,
            "email {email:?}"
        );
    }
    assert_eq!(f.user_rows(f.tid()).await, 1);
    let found = f
        .repo
        .get_user_by_email(f.tid(), "bob@EXAMPLE.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, bob.id);
    assert_eq!(found.email.as_deref(), Some("Bob@Example.COM"));
}

#[tokio::test]
async fn full_width_letters_collide_with_ascii() {
    let f = fixture().await;
    let wide = f.user("ｆｏｏ").await;
    assert_eq!(wide.username.as_deref(), Some("ｆｏｏ"));
    assert_err!(
        f.repo.create_user(f.tid(), new_user("foo"), None).await,
        Error::UsernameTaken
    );
    assert_err!(
        f.repo.create_user(f.tid(), new_user("FOO"), None).await,
        Error::UsernameTaken
    );
    assert_eq!(
        f.repo
            .get_user_by_username(f.tid(), "FOO")
            .await
            .unwrap()
            .map(|u| u.id),
        Some(wide.id)
    );
    // And the other way round, in a second tenant.
    let globex = f.other_tenant("globex").await;
    f.repo
        .create_user(globex.id, new_user("bar"), None)
        .await
        .unwrap();
    assert_err!(
        f.repo
            .create_user(globex.id, new_user("ｂａｒ"), None)
            .await,
        Error::UsernameTaken
    );
}

#[tokio::test]
async fn accents_make_different_users() {
    let f = fixture().await;
    let accented = f.user("José").await;
    let plain = f.user("jose").await;
    assert_ne!(accented.id, plain.id);
    let t = f.tid();
    let find = |name: &'static str| {
        let repo = f.repo.clone();
        async move {
            repo.get_user_by_username(t, name)
                .await
                .unwrap()
                .map(|u| u.id)
        }
    };
    assert_eq!(find("JOSÉ").await, Some(accented.id));
    assert_eq!(find("josé").await, Some(accented.id));
    assert_eq!(find("JOSE").await, Some(plain.id));
    assert_eq!(find("jose").await, Some(plain.id));
    // A decomposed é is the same letter as the precomposed one.
    assert_eq!(find("Jose\u{301}").await, Some(accented.id));
    assert_err!(
        f.repo.create_user(t, new_user("JOSE\u{301}"), None).await,
        Error::UsernameTaken
    );
    // Lowercasing is not case folding: ß and ss are two names.
    f.user("Straße").await;
    f.user("strasse").await;
    assert_eq!(f.user_rows(t).await, 4);
}

#[tokio::test]
async fn accented_emails_and_plant_codes_stay_distinct() {
    let f = fixture().await;
    f.create(NewUser {
        email: Some("josé@example.com".into()),
        ..new_user("user1")
    })
    .await;
    f.create(NewUser {
        email: Some("jose@example.com".into()),
        ..new_user("user2")
    })
    .await;
    f.repo
        .create_plant(f.tid(), new_plant("Zürich", "Z1"), None)
        .await
        .unwrap();
    f.repo
        .create_plant(f.tid(), new_plant("Zurich", "Z2"), None)
        .await
        .unwrap();
    assert_err!(
        f.repo
            .create_plant(f.tid(), new_plant("ZÜRICH", "Z3"), None)
            .await,
        Error::PlantCodeTaken
    );
}

#[tokio::test]
async fn renaming_into_a_taken_key_collides() {
    let f = fixture().await;
    f.user("alice").await;
    let bob = f.user("bob").await;
    assert_err!(
        f.repo
            .update_user(
                f.tid(),
                bob.id,
                UserUpdate {
                    username: Some("ALICE".into()),
                    ..UserUpdate::default()
                },
                None,
            )
            .await,
        Error::UsernameTaken
    );
    assert_eq!(
        f.repo
            .get_user(f.tid(), bob.id)
            .await
            .unwrap()
            .unwrap()
            .username
            .as_deref(),
        Some("bob")
    );
}

#[tokio::test]
async fn the_same_names_are_free_in_another_tenant() {
    let f = fixture().await;
    let globex = f.other_tenant("globex").await;
    let input = || NewUser {
        email: Some("alice@example.com".into()),
        ..new_user("alice")
    };
    let a = f.create(input()).await;
    let b = f.repo.create_user(globex.id, input(), None).await.unwrap();
    assert_ne!(a.id, b.id);
    assert_eq!(
        f.repo
            .get_user_by_username(globex.id, "ALICE")
            .await
            .unwrap()
            .map(|u| u.id),
        Some(b.id)
    );
    assert_eq!(
        f.repo
            .get_user_by_email(f.tid(), "ALICE@example.com")
            .await
            .unwrap()
            .map(|u| u.id),
        Some(a.id)
    );
}
