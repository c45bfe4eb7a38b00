//! Absurd paging (issue 12, finding 3): every listing takes any `offset` and `limit` a caller
//! can build without panicking. An offset above `PageRequest::MAX_OFFSET` (i64::MAX, the most
//! PostgreSQL and SQLite bind) is `InvalidInput` on `offset`; the largest accepted offset is
//! an empty page with the right total; any limit is clamped to `MAX_LIMIT`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod common;

use common::*;
use std::fmt::Debug;
use tenantry_service::validation::Rule;
use tenantry_service::{
    Error, KeysetQuery, LoginContext, LoginSource, Page, PageRequest, Password, Result, UserQuery,
};

/// Offsets no database binds: each must be refused.
const TOO_FAR: [u64; 3] = [
    u64::MAX,
    PageRequest::MAX_OFFSET + 1,
    // The high bit alone: negative when reinterpreted as i64.
    1 << 63,
];

/// A tenant with 3 users (two with passwords, who each log in once, one also fails once) and
/// therefore some audit and login events; a second tenant makes the tenant listing longer
/// than one row.
async fn seeded() -> Fixture {
    let f = fixture().await;
    f.create(new_user_with_password("amy")).await;
    f.create(new_user_with_password("ben")).await;
    f.user("cyd").await;
    for (login, password) in [("amy", STRONG), ("ben", STRONG), ("ben", "wrong password")] {
        let _ = f
            .repo
            .authenticate(
                f.tid(),
                login,
                &Password::new(password),
                LoginContext::from(LoginSource::web()),
            )
            .await;
    }
    f.other_tenant("globex").await;
    f
}

/// Asserts `result` is `InvalidInput` naming exactly `offset` / `out_of_range`.
fn assert_offset_refused<T: Debug>(result: Result<T>, what: &str, offset: u64) {
    let errors = invalid(result);
    assert_eq!(errors.errors().len(), 1, "{what} at {offset}: {errors:?}");
    assert!(
        errors.has("offset", Rule::OutOfRange),
        "{what} at {offset}: {errors:?}"
    );
    // The message names the field and the rule, never the value.
    let text = errors.to_string();
    assert!(text.contains("offset"), "{text}");
    assert!(!text.contains(&offset.to_string()), "{text}");
}

/// Asserts an accepted absurd page is empty and still reports the real total.
fn assert_empty_page<T>(page: &Page<T>, total: u64, what: &str) {
    assert!(page.items.is_empty(), "{what}: a page past the end");
    assert_eq!(page.total, total, "{what}: total");
}

/// Every offset-paged listing of the fixture, by name, for one page request.
async fn every_listing(f: &Fixture, page: PageRequest) -> Vec<(&'static str, Result<u64>)> {
    let t = f.tid();
    let users = f
        .repo
        .list_users(
            t,
            &UserQuery {
                page,
                ..UserQuery::default()
            },
        )
        .await
        .map(|p| {
            assert!(p.items.len() <= 500);
            p.total
        });
    vec![
        ("list_users", users),
        (
            "list_tenants",
            f.repo.list_tenants(page).await.map(|p| p.total),
        ),
        (
            "list_audit_events",
            f.repo.list_audit_events(t, page).await.map(|p| p.total),
        ),
        (
            "list_login_events",
            f.repo
                .list_login_events(t, None, page)
                .await
                .map(|p| p.total),
        ),
    ]
}

#[tokio::test]
async fn offsets_beyond_what_a_database_binds_are_invalid_input_in_every_listing() {
    let f = seeded().await;
    for offset in TOO_FAR {
        for limit in [0, 1, 50, u64::MAX] {
            let page = PageRequest { offset, limit };
            let checked = page.checked_offset().map_err(Error::from);
            assert_offset_refused(checked, "checked_offset", offset);
            for (what, result) in every_listing(&f, page).await {
                assert_offset_refused(result, what, offset);
            }
            // One user's login events go through the same bound.
            let amy = f.repo.get_user_by_username(f.tid(), "amy").await.unwrap();
            let result = f
                .repo
                .list_login_events(f.tid(), amy.map(|u| u.id), page)
                .await;
            assert_offset_refused(result, "list_login_events of a user", offset);
        }
    }
    // Nothing broke: the same repository still lists.
    for (what, result) in every_listing(&f, PageRequest::default()).await {
        assert!(result.unwrap() > 0, "{what} after the refusals");
    }
}

#[tokio::test]
async fn the_largest_offset_is_an_empty_page_with_the_real_total() {
    let f = seeded().await;
    let expected = every_listing(&f, PageRequest::first(PageRequest::MAX_LIMIT)).await;
    let expected: Vec<u64> = expected.into_iter().map(|(_, r)| r.unwrap()).collect();
    assert_eq!(expected[0], 3, "users");
    assert_eq!(expected[1], 2, "tenants");
    assert!(expected[3] >= 3, "login events");
    for offset in [
        PageRequest::MAX_OFFSET,
        PageRequest::MAX_OFFSET - 1,
        1 << 40,
    ] {
        for limit in [1, u64::MAX] {
            let page = PageRequest { offset, limit };
            assert_eq!(page.checked_offset().unwrap(), offset);
            let t = f.tid();
            let users = f
                .repo
                .list_users(
                    t,
                    &UserQuery {
                        page,
                        ..UserQuery::default()
                    },
                )
                .await
                .unwrap();
            assert_empty_page(&users, expected[0], "list_users");
            let tenants = f.repo.list_tenants(page).await.unwrap();
            assert_empty_page(&tenants, expected[1], "list_tenants");
            let audit = f.repo.list_audit_events(t, page).await.unwrap();
            assert_empty_page(&audit, expected[2], "list_audit_events");
            let logins = f.repo.list_login_events(t, None, page).await.unwrap();
            assert_empty_page(&logins, expected[3], "list_login_events");
        }
    }
}

#[tokio::test]
async fn a_huge_limit_is_clamped_in_every_listing() {
    let f = seeded().await;
    // More users than one page holds, so the clamp is visible.
    let extra = usize::try_from(PageRequest::MAX_LIMIT).unwrap() + 5;
    for i in 0..extra {
        f.user(&format!("user{i:04}")).await;
    }
    let users_total = u64::try_from(extra).unwrap() + 3;
    for limit in [
        u64::MAX,
        PageRequest::MAX_OFFSET + 1,
        PageRequest::MAX_LIMIT + 1,
    ] {
        let page = PageRequest { offset: 0, limit };
        let users = f
            .repo
            .list_users(
                f.tid(),
                &UserQuery {
                    page,
                    ..UserQuery::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(users.items.len() as u64, PageRequest::MAX_LIMIT, "{limit}");
        assert_eq!(users.total, users_total);
        let audit = f.repo.list_audit_events(f.tid(), page).await.unwrap();
        assert_eq!(audit.items.len() as u64, PageRequest::MAX_LIMIT, "{limit}");
        let tenants = f.repo.list_tenants(page).await.unwrap();
        assert_eq!(tenants.items.len(), 2);
        let logins = f.repo.list_login_events(f.tid(), None, page).await.unwrap();
        assert_eq!(logins.items.len() as u64, logins.total);

        // The keyset listing clamps too, and its cursor leads on to the rest.
        let keyset = KeysetQuery {
            limit,
            with_total: true,
            ..KeysetQuery::default()
        };
        let first = f.repo.list_users_keyset(f.tid(), &keyset).await.unwrap();
        assert_eq!(first.items.len() as u64, PageRequest::MAX_LIMIT, "{limit}");
        assert_eq!(first.total, Some(users_total));
        let rest = KeysetQuery {
            after: first.next.clone(),
            ..keyset
        };
        let second = f.repo.list_users_keyset(f.tid(), &rest).await.unwrap();
        assert_eq!(
            second.items.len() as u64 + PageRequest::MAX_LIMIT,
            users_total
        );
        assert!(second.next.is_none());
    }
    // A zero limit is one row, never an error or an unbounded read.
    let keyset = KeysetQuery {
        limit: 0,
        ..KeysetQuery::default()
    };
    let page = f.repo.list_users_keyset(f.tid(), &keyset).await.unwrap();
    assert_eq!(page.items.len(), 1);
}

#[tokio::test]
async fn many_concurrent_absurd_pages_leave_the_repository_working() {
    let f = seeded().await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..200_u64 {
        let repo = f.repo.clone();
        let tenant = f.tid();
        tasks.spawn(async move {
            let page = PageRequest {
                offset: u64::MAX - i,
                limit: u64::MAX - i,
            };
            let users = repo
                .list_users(
                    tenant,
                    &UserQuery {
                        page,
                        ..UserQuery::default()
                    },
                )
                .await;
            let audit = repo.list_audit_events(tenant, page).await;
            (users.is_err(), audit.is_err())
        });
    }
    while let Some(result) = tasks.join_next().await {
        // A panic inside a task would surface here as a JoinError.
        assert_eq!(result.unwrap(), (true, true));
    }
    let page = f
        .repo
        .list_users(f.tid(), &UserQuery::default())
        .await
        .unwrap();
    assert_eq!(page.total, 3);
}
