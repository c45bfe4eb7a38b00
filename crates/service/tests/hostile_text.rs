#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Hostile text at every call that takes text: a NUL (a database error on PostgreSQL), other
//! control characters, and a megabyte. Each gets the answer a miss gets — `None`, the uniform
//! `InvalidCredentials` or `InvalidToken`, `NotFound`, or a clear `InvalidInput` — never
//! `Error::Database`, and nothing is written.

mod common;

use common::*;
use tenantry_service::{
    Error, LoginContext, LoginSource, NewIdentity, Password, Result, UserFilter, UserQuery,
};

fn hostile() -> Vec<String> {
    vec![
        "a\0b".into(),
        "\0".into(),
        "acme\0".into(),
        "x\u{7}\u{1b}[31m".into(),
        "é".repeat(1 << 20),
        "%_\\".repeat(20_000),
    ]
}

fn context() -> LoginContext {
    LoginContext {
        source: LoginSource::api(),
        ip: Some("\0".into()),
    }
}

/// The call answered without touching the database's error path.
fn clean<T: std::fmt::Debug>(what: &str, text: &str, result: &Result<T>) {
    if let Err(e) = result {
        assert!(
            !matches!(e, Error::Database(_) | Error::Hashing(_)),
            "{what} with {} chars: {e:?}",
            text.chars().count()
        );
    }
}

#[tokio::test]
async fn lookups_by_text_answer_as_a_miss() {
    let f = fixture().await;
    let t = f.tid();
    let user = f.create(new_user_with_password("alice")).await;
    for text in hostile() {
        let r = f.repo.get_tenant_by_slug(&text).await;
        clean("tenant by slug", &text, &r);
        assert!(r.unwrap().is_none());
        let r = f.repo.get_plant_by_code(t, &text).await;
        clean("plant by code", &text, &r);
        assert!(r.unwrap().is_none());
        let r = f.repo.get_user_by_username(t, &text).await;
        clean("user by username", &text, &r);
        assert!(r.unwrap().is_none());
        let r = f.repo.get_user_by_email(t, &text).await;
        clean("user by email", &text, &r);
        assert!(r.unwrap().is_none());
        let r = f.repo.find_by_identity(&text, &text).await;
        clean("find by identity", &text, &r);
        assert!(r.unwrap().is_none());
        let r = f.repo.find_by_identity("google", &text).await;
        clean("find by identity subject", &text, &r);
        assert!(r.unwrap().is_none());
        let r = f.repo.unlink_identity(t, user.id, &text, &text, None).await;
        clean("unlink identity", &text, &r);
        assert!(matches!(r, Err(Error::NotFound)), "{r:?}");
    }
}

#[tokio::test]
async fn logins_and_tokens_fail_uniformly() {
    let f = fixture().await;
    let t = f.tid();
    f.create(new_user_with_password("alice")).await;
    for text in hostile() {
        let r = f
            .repo
            .authenticate(t, &text, &Password::new(text.clone()), context())
            .await;
        clean("login", &text, &r);
        assert!(matches!(r, Err(Error::InvalidCredentials)), "{r:?}");
        let r = f
            .repo
            .authenticate(t, "alice", &Password::new(text.clone()), context())
            .await;
        clean("password", &text, &r);
        assert!(matches!(r, Err(Error::InvalidCredentials)), "{r:?}");
        let r = f.repo.authenticate_identity(&text, &text, context()).await;
        clean("identity login", &text, &r);
        assert!(matches!(r, Err(Error::InvalidCredentials)), "{r:?}");
        let r = f
            .repo
            .redeem_password_reset(Some(t), &text, &Password::new(STRONG))
            .await;
        clean("reset token", &text, &r);
        assert!(matches!(r, Err(Error::InvalidToken)), "{r:?}");
        let r = f.repo.verify_email(None, &text).await;
        clean("verification token", &text, &r);
        assert!(matches!(r, Err(Error::InvalidToken)), "{r:?}");
        let r = f
            .repo
            .accept_invitation(None, &text, Some(text.clone()), &Password::new(STRONG))
            .await;
        clean("invitation token", &text, &r);
        assert!(matches!(r, Err(Error::InvalidToken)), "{r:?}");
        let sender = NoMail;
        let r = f.repo.request_password_reset(t, &text, &sender).await;
        clean("reset request", &text, &r);
        assert!(r.is_ok(), "{r:?}");
    }
}

#[tokio::test]
async fn hostile_writes_are_refused_as_invalid_input() {
    let f = fixture().await;
    let t = f.tid();
    let user = f.create(new_user("alice")).await;
    for text in hostile() {
        let r = f.repo.create_tenant(new_tenant(&text, &text), None).await;
        clean("create tenant", &text, &r);
        assert!(matches!(r, Err(Error::InvalidInput(_))), "{r:?}");
        let r = f.repo.create_plant(t, new_plant(&text, &text), None).await;
        clean("create plant", &text, &r);
        assert!(matches!(r, Err(Error::InvalidInput(_))), "{r:?}");
        let r = f.repo.create_user(t, new_user(&text), None).await;
        clean("create user", &text, &r);
        assert!(matches!(r, Err(Error::InvalidInput(_))), "{r:?}");
        let identity = NewIdentity {
            provider: text.clone(),
            subject: text.clone(),
            email: Some(text.clone()),
        };
        let r = f.repo.link_identity(t, user.id, identity, None).await;
        clean("link identity", &text, &r);
        assert!(matches!(r, Err(Error::InvalidInput(_))), "{r:?}");
    }
    assert_eq!(f.user_rows(t).await, 1);
}

#[tokio::test]
async fn a_hostile_search_is_invalid_input_and_a_long_one_is_bounded() {
    let f = fixture().await;
    let t = f.tid();
    f.create(new_user("alice")).await;
    for text in hostile() {
        let query = UserQuery {
            filter: UserFilter {
                search: Some(text.clone()),
                ..UserFilter::default()
            },
            ..UserQuery::default()
        };
        let r = f.repo.list_users(t, &query).await;
        clean("search", &text, &r);
        match r {
            Err(Error::InvalidInput(errors)) => {
                assert!(
                    errors.errors().iter().any(|e| e.field == "search"),
                    "{errors:?}"
                )
            }
            other => panic!("search of {} chars: {other:?}", text.chars().count()),
        }
    }
    // An ordinary search still works, up to the longest value a user can hold.
    let query = UserQuery {
        filter: UserFilter {
            search: Some("ALI".into()),
            ..UserFilter::default()
        },
        ..UserQuery::default()
    };
    assert_eq!(f.repo.list_users(t, &query).await.unwrap().total, 1);
}

struct NoMail;

#[async_trait::async_trait]
impl tenantry_service::TokenSender for NoMail {
    async fn send(&self, _delivery: tenantry_service::TokenDelivery) {
        panic!("nothing may be sent for hostile text");
    }
}
