//! Listing users: filters, orders, paging and totals.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod common;

use std::collections::HashSet;

use UserRole::{Admin, Engineer, Operator, Supervisor};
use common::*;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use tenantry_service::entity::users;
use tenantry_service::{
    NewUser, PageRequest, PlantId, SearchMode, UserFilter, UserId, UserOrder, UserQuery, UserRole,
    UserStatus, UserUpdate,
};

/// Seven users, created in this order:
///
/// | username | status    | tenant role | plant roles          | email |
/// |----------|-----------|-------------|----------------------|-------|
/// | carol    | active    | —           | P1 operator          | carol@example.com |
/// | Alice    | active    | admin       | —                    | alice@corp.example |
/// | bob      | suspended | —           | P1 engineer, P2 op   | — |
/// | dave     | invited   | —           | P2 supervisor        | dave@example.com |
/// | erin     | active    | operator    | P2 engineer          | — |
/// | frank    | active    | —           | —                    | — |
/// | Gina     | suspended | supervisor  | —                    | — |
async fn seed_listing(f: &Fixture) -> Vec<UserId> {
    let t = f.tid();
    let (p1, p2) = (f.plant(0), f.plant(1));
    let user = |name: &str,
                email: Option<&str>,
                tenant_role: Option<UserRole>,
                roles: &[(PlantId, UserRole)]| NewUser {
        email: email.map(str::to_owned),
        tenant_roles: tenant_role.map(Into::into).into_iter().collect(),
        plant_roles: roles.iter().map(|&(p, r)| plant_role(p, r)).collect(),
        ..new_user(name)
    };
    let inputs = [
        user("carol", Some("carol@example.com"), None, &[(p1, Operator)]),
        user("Alice", Some("alice@corp.example"), Some(Admin), &[]),
        user("bob", None, None, &[(p1, Engineer), (p2, Operator)]),
        NewUser {
            status: Some(UserStatus::Invited),
            ..user("dave", Some("dave@example.com"), None, &[(p2, Supervisor)])
        },
        user("erin", None, Some(Operator), &[(p2, Engineer)]),
        user("frank", None, None, &[]),
        user("Gina", None, Some(Supervisor), &[]),
    ];
    let mut ids = Vec::new();
    for input in inputs {
        ids.push(f.create(input).await.id);
    }
    for name in ["bob", "Gina"] {
        let user = f.repo.get_user_by_username(t, name).await.unwrap().unwrap();
        f.repo.deactivate_user(t, user.id, None).await.unwrap();
    }
    ids
}

async fn list(f: &Fixture, filter: UserFilter, order: UserOrder) -> Vec<String> {
    let query = UserQuery {
        filter: filter.clone(),
        order,
        page: PageRequest::first(100),
    };
    let page = f.repo.list_users(f.tid(), &query).await.unwrap();
    assert_eq!(page.total, page.items.len() as u64, "{filter:?}: total");
    assert_eq!(
        f.repo.count_users(f.tid(), &filter).await.unwrap(),
        page.total,
        "{filter:?}: count_users agrees with the total"
    );
    usernames(&page.items)
}

async fn names(f: &Fixture, filter: UserFilter) -> Vec<String> {
    list(f, filter, UserOrder::UsernameAsc).await
}

#[tokio::test]
async fn filters_select_the_right_users() {
    let f = fixture().await;
    seed_listing(&f).await;
    let (p1, p2, p3) = (f.plant(0), f.plant(1), f.plant(2));
    let all = ["Alice", "bob", "carol", "dave", "erin", "frank", "Gina"];
    assert_eq!(names(&f, UserFilter::default()).await, all);

    let status = |s: UserStatus| UserFilter {
        status: Some(s),
        ..UserFilter::default()
    };
    assert_eq!(
        names(&f, status(UserStatus::Active)).await,
        ["Alice", "carol", "erin", "frank"]
    );
    assert_eq!(
        names(&f, status(UserStatus::Suspended)).await,
        ["bob", "Gina"]
    );
    assert_eq!(names(&f, status(UserStatus::Invited)).await, ["dave"]);
    let active_only = UserFilter {
        active_only: true,
        ..UserFilter::default()
    };
    assert_eq!(
        names(&f, active_only.clone()).await,
        ["Alice", "carol", "erin", "frank"]
    );
    assert_eq!(
        names(
            &f,
            UserFilter {
                status: Some(UserStatus::Active),
                ..active_only.clone()
            }
        )
        .await,
        ["Alice", "carol", "erin", "frank"],
        "status and active_only agreeing"
    );

    let plant = |p: PlantId, min: Option<UserRole>| UserFilter {
        plant: Some(p),
        role: min.map(Into::into),
        ..UserFilter::default()
    };
    // A tenant role counts at every plant.
    assert_eq!(
        names(&f, plant(p1, None)).await,
        ["Alice", "bob", "carol", "erin", "Gina"]
    );
    assert_eq!(
        names(&f, plant(p2, None)).await,
        ["Alice", "bob", "dave", "erin", "Gina"]
    );
    assert_eq!(names(&f, plant(p3, None)).await, ["Alice", "erin", "Gina"]);
    assert_eq!(
        names(&f, plant(p1, Some(Supervisor))).await,
        ["Alice", "bob", "Gina"]
    );
    assert_eq!(
        names(&f, plant(p2, Some(Engineer))).await,
        ["Alice", "erin"]
    );
    assert_eq!(
        names(&f, plant(p3, Some(Supervisor))).await,
        ["Alice", "Gina"]
    );
    assert_eq!(names(&f, plant(p1, Some(Admin))).await, ["Alice"]);

    // min_role without a plant: a role at least this anywhere.
    let min = |r: UserRole| UserFilter {
        role: Some(r.into()),
        ..UserFilter::default()
    };
    assert_eq!(names(&f, min(Admin)).await, ["Alice"]);
    assert_eq!(names(&f, min(Engineer)).await, ["Alice", "bob", "erin"]);
    assert_eq!(
        names(&f, min(Supervisor)).await,
        ["Alice", "bob", "dave", "erin", "Gina"]
    );
    assert_eq!(
        names(&f, min(Operator)).await,
        ["Alice", "bob", "carol", "dave", "erin", "Gina"]
    );

    // A substring anywhere, when asked for.
    let containing = |s: &str| UserFilter {
        search: Some(s.into()),
        search_mode: SearchMode::Contains,
        ..UserFilter::default()
    };
    assert_eq!(
        names(&f, containing("example.com")).await,
        ["carol", "dave"]
    );
    assert_eq!(
        names(&f, containing("A")).await,
        ["Alice", "carol", "dave", "frank", "Gina"]
    );
    assert_eq!(names(&f, containing("corp")).await, ["Alice"]);

    // By default a prefix of the username, email or display name.
    let search = |s: &str| UserFilter {
        search: Some(s.into()),
        ..UserFilter::default()
    };
    assert_eq!(names(&f, search("A")).await, ["Alice"]);
    assert_eq!(names(&f, search("example.com")).await, Vec::<String>::new());
    assert_eq!(names(&f, search("CAROL@EX")).await, ["carol"]);
    assert_eq!(names(&f, search("g")).await, ["Gina"]);
    assert_eq!(names(&f, search("ｄａ")).await, ["dave"], "width folded");
    assert_eq!(names(&f, search("%")).await, Vec::<String>::new());

    // Filters combine.
    for (mode, expected) in [
        (SearchMode::Contains, vec!["Alice", "carol"]),
        (SearchMode::Prefix, vec!["Alice"]),
    ] {
        assert_eq!(
            names(
                &f,
                UserFilter {
                    plant: Some(p1),
                    active_only: true,
                    search: Some("a".into()),
                    search_mode: mode,
                    ..UserFilter::default()
                }
            )
            .await,
            expected
        );
    }
    assert_eq!(
        names(
            &f,
            UserFilter {
                status: Some(UserStatus::Suspended),
                role: Some(Supervisor.into()),
                ..UserFilter::default()
            }
        )
        .await,
        ["bob", "Gina"]
    );
}

/// A prefix search compares keys: the display name's key follows a rename, the range ends
/// exactly where the prefix does (also at the top of Unicode), and wildcards match themselves.
#[tokio::test]
async fn a_prefix_search_finds_exactly_the_names_that_start_with_it() {
    let f = fixture().await;
    let named = |username: &str, display: &str| NewUser {
        display_name: display.into(),
        ..new_user(username)
    };
    let ada = f.create(named("usr1", "Ada Lovelace")).await.id;
    f.create(named("usr2", "ÁDA Accent")).await;
    f.create(named("usr3", "Adb Next")).await;
    f.create(named("usr4", "ad\u{10FFFF}x")).await;
    f.create(named("usr5", "a%b_c")).await;
    let search = |s: &str| UserFilter {
        search: Some(s.into()),
        ..UserFilter::default()
    };
    assert_eq!(names(&f, search("ADA ")).await, ["usr1"]);
    assert_eq!(
        names(&f, search("ａｄａ")).await,
        ["usr1"],
        "fullwidth folds"
    );
    assert_eq!(names(&f, search("áda")).await, ["usr2"], "accents are kept");
    assert_eq!(names(&f, search("ad")).await, ["usr1", "usr3", "usr4"]);
    assert_eq!(names(&f, search("ad\u{10FFFF}")).await, ["usr4"]);
    assert_eq!(names(&f, search("a%")).await, ["usr5"]);
    assert_eq!(names(&f, search("a_")).await, Vec::<String>::new());
    assert_eq!(
        names(&f, search("u")).await,
        ["usr1", "usr2", "usr3", "usr4", "usr5"]
    );

    f.repo
        .update_user(
            f.tid(),
            ada,
            UserUpdate {
                display_name: Some("Grace Hopper".into()),
                ..UserUpdate::default()
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(names(&f, search("ada")).await, Vec::<String>::new());
    assert_eq!(names(&f, search("grace h")).await, ["usr1"]);
}

#[tokio::test]
async fn orders_sort_as_documented() {
    let f = fixture().await;
    let ids = seed_listing(&f).await;
    let everyone = UserFilter::default;
    assert_eq!(
        list(&f, everyone(), UserOrder::UsernameAsc).await,
        ["Alice", "bob", "carol", "dave", "erin", "frank", "Gina"],
        "by normalized username"
    );
    assert_eq!(
        list(&f, everyone(), UserOrder::UsernameDesc).await,
        ["Gina", "frank", "erin", "dave", "carol", "bob", "Alice"]
    );
    let created = ["carol", "Alice", "bob", "dave", "erin", "frank", "Gina"];
    assert_eq!(list(&f, everyone(), UserOrder::CreatedAsc).await, created);
    let mut newest_first = created;
    newest_first.reverse();
    assert_eq!(
        list(&f, everyone(), UserOrder::CreatedDesc).await,
        newest_first
    );

    // Logins are not part of this API yet: set last_login_at through the entity.
    let base = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
    // carol (ids[0]) +5h, frank (ids[5]) +3h, dave (ids[3]) +1h.
    for (i, hours) in [(0, 5), (5, 3), (3, 1)] {
        users::Entity::update_many()
            .col_expr(
                users::Column::LastLoginAt,
                Expr::value(base + chrono::Duration::hours(hours)),
            )
            .filter(users::Column::Id.eq(ids[i]))
            .exec(f.conn())
            .await
            .unwrap();
    }
    // Most recent first, then the never-logged-in.
    let by_login = list(&f, everyone(), UserOrder::LastLoginDesc).await;
    assert_eq!(by_login[..3], ["carol", "frank", "dave"]);
    let rest: HashSet<&str> = by_login[3..].iter().map(String::as_str).collect();
    assert_eq!(rest, HashSet::from(["Alice", "bob", "erin", "Gina"]));
}

#[tokio::test]
async fn pages_cover_everything_once_with_the_right_total() {
    let f = fixture().await;
    for i in 0..23 {
        f.create(NewUser {
            plant_roles: if i % 2 == 0 {
                vec![plant_role(f.plant(0), Operator)]
            } else {
                vec![]
            },
            ..new_user(&format!("user{i:02}"))
        })
        .await;
    }
    for order in [
        UserOrder::UsernameAsc,
        UserOrder::UsernameDesc,
        UserOrder::CreatedAsc,
        UserOrder::CreatedDesc,
        UserOrder::LastLoginDesc,
    ] {
        for filter in [
            UserFilter::default(),
            UserFilter {
                plant: Some(f.plant(0)),
                ..UserFilter::default()
            },
        ] {
            let expected_total = if filter.plant.is_some() { 12 } else { 23 };
            let mut seen = Vec::new();
            for offset in (0..30).step_by(5) {
                let page = f
                    .repo
                    .list_users(
                        f.tid(),
                        &UserQuery {
                            filter: filter.clone(),
                            order,
                            page: PageRequest { offset, limit: 5 },
                        },
                    )
                    .await
                    .unwrap();
                assert_eq!(
                    page.total, expected_total,
                    "{order:?} {filter:?} offset {offset}"
                );
                assert!(page.items.len() <= 5);
                seen.extend(page.items.into_iter().map(|u| u.id));
            }
            assert_eq!(seen.len() as u64, expected_total, "{order:?} {filter:?}");
            let distinct: HashSet<_> = seen.iter().collect();
            assert_eq!(
                distinct.len(),
                seen.len(),
                "pages overlap: {order:?} {filter:?}"
            );
        }
    }
    let page_of = |offset: u64, limit: u64| UserQuery {
        page: PageRequest { offset, limit },
        ..UserQuery::default()
    };
    let first = f.repo.list_users(f.tid(), &page_of(0, 5)).await.unwrap();
    assert_eq!(
        usernames(&first.items),
        ["user00", "user01", "user02", "user03", "user04"]
    );
    let third = f.repo.list_users(f.tid(), &page_of(10, 5)).await.unwrap();
    assert_eq!(
        usernames(&third.items),
        ["user10", "user11", "user12", "user13", "user14"]
    );
    let last = f.repo.list_users(f.tid(), &page_of(20, 5)).await.unwrap();
    assert_eq!(usernames(&last.items), ["user20", "user21", "user22"]);
    let beyond = f.repo.list_users(f.tid(), &page_of(100, 5)).await.unwrap();
    assert!(beyond.items.is_empty());
    assert_eq!(beyond.total, 23);
    // A limit of 0 is clamped to 1.
    let one = f.repo.list_users(f.tid(), &page_of(0, 0)).await.unwrap();
    assert_eq!(usernames(&one.items), ["user00"]);
    assert_eq!(one.total, 23);
    // Listed users carry their roles.
    assert_eq!(roles(&first.items[0]), vec![(f.plant(0), Operator)]);
    assert!(first.items[1].plant_roles.is_empty());
}
