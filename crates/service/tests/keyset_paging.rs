//! Keyset paging of users: walking every page by cursor, refusing foreign or garbled cursors,
//! and staying exact while users are inserted during the walk.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod common;

use std::collections::HashSet;

use common::*;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use tenantry_service::entity::users;
use tenantry_service::validation::Rule;
use tenantry_service::{
    Cursor, Error, KeysetQuery, NewUser, PageRequest, UserFilter, UserId, UserOrder, UserQuery,
    UserRole, UserStatus,
};

const ORDERS: [UserOrder; 5] = [
    UserOrder::UsernameAsc,
    UserOrder::UsernameDesc,
    UserOrder::CreatedAsc,
    UserOrder::CreatedDesc,
    UserOrder::LastLoginDesc,
];

/// 31 users `u00`..`u30` (two suspended, every third with a role at P1), whose creation times
/// come in ties of three and whose last logins tie in fives or are missing, so every order
/// needs its id tie-breaker.
async fn seed(f: &Fixture) -> Vec<UserId> {
    let base = chrono::DateTime::from_timestamp(1_790_000_000, 123_456_000).unwrap();
    let mut ids = Vec::new();
    for i in 0..31i64 {
        let name = format!("u{i:02}");
        let user = f
            .create(NewUser {
                display_name: if i % 2 == 0 {
                    format!("Even {i}")
                } else {
                    format!("Odd {i}")
                },
                plant_roles: if i % 3 == 0 {
                    vec![plant_role(f.plant(0), UserRole::Operator)]
                } else {
                    Vec::new()
                },
                ..new_user(&name)
            })
            .await;
        if i == 5 || i == 17 {
            f.repo
                .deactivate_user(f.tid(), user.id, None)
                .await
                .unwrap();
        }
        let created = base + chrono::Duration::seconds(i / 3);
        let login = (i % 4 != 0).then(|| base + chrono::Duration::minutes(i % 5));
        users::Entity::update_many()
            .col_expr(users::Column::CreatedAt, Expr::value(created))
            .col_expr(users::Column::LastLoginAt, Expr::value(login))
            .filter(users::Column::Id.eq(user.id))
            .exec(f.conn())
            .await
            .unwrap();
        ids.push(user.id);
    }
    ids
}

fn filters(f: &Fixture) -> Vec<UserFilter> {
    vec![
        UserFilter::default(),
        UserFilter {
            status: Some(UserStatus::Active),
            ..UserFilter::default()
        },
        UserFilter {
            plant: Some(f.plant(0)),
            ..UserFilter::default()
        },
        UserFilter {
            search: Some("even".into()),
            ..UserFilter::default()
        },
        UserFilter {
            search: Some("ven".into()),
            search_mode: tenantry_service::SearchMode::Contains,
            ..UserFilter::default()
        },
        UserFilter {
            search: Some("nobody".into()),
            ..UserFilter::default()
        },
    ]
}

/// Every page of `query` by cursor, as ids, checking each page's size and cursor.
async fn walk(f: &Fixture, mut query: KeysetQuery) -> Vec<UserId> {
    let mut seen = Vec::new();
    for _ in 0..100 {
        let page = f.repo.list_users_keyset(f.tid(), &query).await.unwrap();
        seen.extend(page.items.iter().map(|u| u.id));
        match page.next {
            Some(next) => {
                assert_eq!(
                    page.items.len() as u64,
                    query.limit,
                    "a full page has a next"
                );
                query.after = Some(next);
            }
            None => return seen,
        }
    }
    panic!("the walk did not end");
}

/// The whole listing in one offset page: the reference order.
async fn reference(f: &Fixture, filter: &UserFilter, order: UserOrder) -> Vec<UserId> {
    let query = UserQuery {
        filter: filter.clone(),
        order,
        page: PageRequest::first(PageRequest::MAX_LIMIT),
    };
    let page = f.repo.list_users(f.tid(), &query).await.unwrap();
    page.items.iter().map(|u| u.id).collect()
}

#[tokio::test]
async fn walking_every_page_returns_every_user_once_in_order() {
    let f = fixture().await;
    seed(&f).await;
    for filter in filters(&f) {
        for order in ORDERS {
            let expected = reference(&f, &filter, order).await;
            for limit in [1, 4, 7, 500] {
                let query = KeysetQuery {
                    filter: filter.clone(),
                    order,
                    limit,
                    ..KeysetQuery::default()
                };
                let seen = walk(&f, query).await;
                assert_eq!(seen, expected, "{filter:?} {order:?} limit {limit}");
                let unique: HashSet<_> = seen.iter().collect();
                assert_eq!(unique.len(), seen.len(), "no user twice");
            }
        }
    }
}

#[tokio::test]
async fn the_total_is_counted_only_when_asked_for() {
    let f = fixture().await;
    seed(&f).await;
    let filter = UserFilter {
        status: Some(UserStatus::Active),
        ..UserFilter::default()
    };
    let mut query = KeysetQuery {
        filter: filter.clone(),
        limit: 10,
        ..KeysetQuery::default()
    };
    let page = f.repo.list_users_keyset(f.tid(), &query).await.unwrap();
    assert_eq!(page.total, None);
    query.with_total = true;
    query.after = page.next;
    let page = f.repo.list_users_keyset(f.tid(), &query).await.unwrap();
    assert_eq!(page.total, Some(29));
    assert_eq!(f.repo.count_users(f.tid(), &filter).await.unwrap(), 29);
}

#[tokio::test]
async fn cursors_of_another_query_or_tenant_are_refused() {
    let f = fixture().await;
    seed(&f).await;
    let query = KeysetQuery {
        limit: 3,
        ..KeysetQuery::default()
    };
    let next = f
        .repo
        .list_users_keyset(f.tid(), &query)
        .await
        .unwrap()
        .next
        .unwrap();
    let with = |change: &dyn Fn(&mut KeysetQuery)| {
        let mut q = KeysetQuery {
            after: Some(next.clone()),
            ..query.clone()
        };
        change(&mut q);
        q
    };
    let other_queries = [
        with(&|q| q.order = UserOrder::UsernameDesc),
        with(&|q| q.order = UserOrder::CreatedAsc),
        with(&|q| q.filter.search = Some("u".into())),
        with(&|q| q.filter.status = Some(UserStatus::Active)),
        with(&|q| q.filter.plant = Some(f.plant(1))),
        with(&|q| q.filter.role = Some(UserRole::Admin.into())),
    ];
    for q in other_queries {
        let errors = invalid(f.repo.list_users_keyset(f.tid(), &q).await);
        assert!(errors.has("after", Rule::NotAllowed), "{q:?}: {errors:?}");
    }
    // The same query in another tenant.
    let other = f.other_tenant("other").await;
    let errors = invalid(f.repo.list_users_keyset(other.id, &with(&|_| {})).await);
    assert!(errors.has("after", Rule::NotAllowed), "{errors:?}");
    // The limit is not part of the query: a cursor carries on with any page size.
    assert!(
        f.repo
            .list_users_keyset(f.tid(), &with(&|q| q.limit = 10))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn garbled_cursors_are_refused_with_a_typed_error() {
    let f = fixture().await;
    seed(&f).await;
    let next = f
        .repo
        .list_users_keyset(
            f.tid(),
            &KeysetQuery {
                limit: 3,
                ..KeysetQuery::default()
            },
        )
        .await
        .unwrap()
        .next
        .unwrap();
    let token = next.as_str();
    let mut flipped_version = token.to_owned();
    flipped_version.replace_range(0..1, if token.starts_with('B') { "C" } else { "B" });
    let garbled = [
        String::new(),
        "not a cursor".into(),
        "%%%".into(),
        "AQ".into(),
        token[..token.len() / 2].into(),
        flipped_version,
        format!("{token}{}", "A".repeat(1000)),
        "\u{0}\u{202e}".into(),
    ];
    for bad in garbled {
        let query = KeysetQuery {
            after: Some(Cursor::from(bad.as_str())),
            ..KeysetQuery::default()
        };
        let result = f.repo.list_users_keyset(f.tid(), &query).await;
        match result {
            Err(Error::InvalidInput(errors)) => assert!(
                errors.has("after", Rule::InvalidFormat) || errors.has("after", Rule::NotAllowed),
                "{bad:?}: {errors:?}"
            ),
            other => panic!("{bad:?}: expected InvalidInput, got {other:?}"),
        }
    }
    // Its Debug form never shows the token (it holds a username key).
    assert_eq!(format!("{next:?}"), "Cursor([opaque])");
}

#[tokio::test]
async fn users_inserted_during_a_walk_never_duplicate_or_skip_existing_ones() {
    let f = fixture().await;
    let existing: HashSet<UserId> = seed(&f).await.into_iter().collect();
    for order in ORDERS {
        let mut query = KeysetQuery {
            order,
            limit: 4,
            ..KeysetQuery::default()
        };
        let mut seen = Vec::new();
        let mut round = 0;
        loop {
            let page = f.repo.list_users_keyset(f.tid(), &query).await.unwrap();
            seen.extend(page.items.iter().map(|u| u.id));
            // New users that sort before, between and after the rows already served.
            for name in ["a", "u10x", "zz"] {
                f.user(&format!("{name}{order:?}{round}").to_lowercase())
                    .await;
            }
            round += 1;
            match page.next {
                Some(next) => query.after = Some(next),
                None => break,
            }
        }
        let unique: HashSet<_> = seen.iter().copied().collect();
        assert_eq!(unique.len(), seen.len(), "{order:?}: a user served twice");
        let live: HashSet<UserId> = existing
            .iter()
            .copied()
            .filter(|id| unique.contains(id))
            .collect();
        assert_eq!(live, existing, "{order:?}: an existing user was skipped");
    }
}
