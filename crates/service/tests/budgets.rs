//! Query budgets: a user with its roles, and a page of users with theirs, each cost at most two
//! statements, whatever the page size.
//!
//! Statements are counted with SeaORM's metric callback
//! (`DatabaseConnection::set_metric_callback`), which the driver calls once per statement it
//! runs through `execute`, `query_one`, `query_all` or a stream, inside transactions too. It does
//! not see `execute_unprepared` (raw SQL strings) nor the driver's own `BEGIN`/`COMMIT`;
//! [`the_counter_sees_every_kind_of_statement`] pins down what it counts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod common;

use std::sync::Arc;
use std::sync::Mutex;

use common::*;
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait, TransactionTrait};
use tenantry_service::entity::{plants, users};
use tenantry_service::{
    Error, GrantScope, NewUser, PageRequest, PlantId, UserFilter, UserQuery, UserRole,
};
use tenantry_testkit::TestDb;

/// Records every statement the connection runs.
#[derive(Clone, Default)]
struct Statements(Arc<Mutex<Vec<String>>>);

impl Statements {
    /// A clone of `db` that records its statements here.
    fn counted(&self, db: &DatabaseConnection) -> DatabaseConnection {
        let mut db = db.clone();
        let log = self.0.clone();
        db.set_metric_callback(move |info| {
            log.lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(info.statement.sql.clone());
        });
        db
    }

    fn reset(&self) {
        self.0.lock().unwrap().clear();
    }

    fn taken(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// The fixture with its repository on a counted connection.
async fn counted_fixture() -> (Fixture, Statements) {
    let statements = Statements::default();
    let db = TestDb::migrated().await;
    let repo = repository(statements.counted(db.conn()));
    (seed(db, repo).await, statements)
}

#[tokio::test]
async fn the_counter_sees_every_kind_of_statement() {
    let (f, statements) = counted_fixture().await;
    let db = statements.counted(f.conn());
    statements.reset();

    users::Entity::find().all(&db).await.unwrap();
    assert_eq!(statements.taken().len(), 1, "query_all");
    plants::Entity::find().one(&db).await.unwrap();
    assert_eq!(statements.taken().len(), 1, "query_one");
    plants::Entity::find().count(&db).await.unwrap();
    assert_eq!(statements.taken().len(), 1, "count");
    let txn = db.begin().await.unwrap();
    users::Entity::find().all(&txn).await.unwrap();
    plants::Entity::find().all(&txn).await.unwrap();
    txn.commit().await.unwrap();
    assert_eq!(
        statements.taken().len(),
        2,
        "statements inside a transaction"
    );

    // The repository's own writes are seen too.
    f.user("alice").await;
    let writes = statements.taken();
    assert!(writes.len() >= 2, "create_user: {writes:#?}");
    assert!(
        writes
            .iter()
            .any(|s| s.to_uppercase().starts_with("INSERT")),
        "{writes:#?}"
    );
}

#[tokio::test]
async fn a_user_with_roles_costs_two_statements() {
    let (f, statements) = counted_fixture().await;
    let t = f.tid();
    let alice = f
        .create(NewUser {
            email: Some("alice@example.com".into()),
            plant_roles: f
                .plants
                .iter()
                .map(|p| plant_role(p.id, UserRole::Operator))
                .collect(),
            ..new_user("alice")
        })
        .await;

    statements.reset();
    let view = f.repo.get_user(t, alice.id).await.unwrap().unwrap();
    assert_eq!(view.plant_roles.len(), 3);
    let spent = statements.taken();
    assert!(
        spent.len() <= 2,
        "get_user: {} statements: {spent:#?}",
        spent.len()
    );

    let view = f.repo.get_user_by_pid(t, alice.pid).await.unwrap().unwrap();
    assert_eq!(view.plant_roles.len(), 3);
    let spent = statements.taken();
    assert!(
        spent.len() <= 2,
        "get_user_by_pid: {} statements: {spent:#?}",
        spent.len()
    );

    let view = f
        .repo
        .get_user_by_username(t, "ALICE")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.plant_roles.len(), 3);
    let spent = statements.taken();
    assert!(spent.len() <= 2, "get_user_by_username: {spent:#?}");

    let view = f
        .repo
        .get_user_by_email(t, "Alice@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.plant_roles.len(), 3);
    let spent = statements.taken();
    assert!(spent.len() <= 2, "get_user_by_email: {spent:#?}");
}

/// The questions about roles are one statement each, whatever the user holds: its grants, its
/// effective roles at a plant or tenant-wide, whether it holds a role there, who holds a role.
#[tokio::test]
async fn each_question_about_roles_costs_one_statement() {
    let (f, statements) = counted_fixture().await;
    let t = f.tid();
    let alice = f
        .create(NewUser {
            tenant_roles: vec![UserRole::Operator.into()],
            plant_roles: f
                .plants
                .iter()
                .map(|p| plant_role(p.id, UserRole::Supervisor))
                .collect(),
            ..new_user("alice")
        })
        .await;
    let at_p1 = GrantScope::Plant(f.plant(0));

    statements.reset();
    let grants = f.repo.grants_of(t, alice.id).await.unwrap();
    assert_eq!(grants.len(), 4);
    let spent = statements.taken();
    assert_eq!(spent.len(), 1, "grants_of: {spent:#?}");

    for at in [at_p1, GrantScope::Tenant] {
        let effective = f.repo.effective_roles(t, alice.id, at).await.unwrap();
        assert!(!effective.is_empty());
        let spent = statements.taken();
        assert_eq!(spent.len(), 1, "effective_roles {at}: {spent:#?}");
        let held = f
            .repo
            .has_role(t, alice.id, at, &UserRole::Operator.into())
            .await
            .unwrap();
        assert!(held);
        let spent = statements.taken();
        assert_eq!(spent.len(), 1, "has_role {at}: {spent:#?}");
    }
    let highest = f
        .repo
        .effective_role(t, alice.id, f.plant(0))
        .await
        .unwrap();
    assert_eq!(highest, Some(UserRole::Supervisor));
    let spent = statements.taken();
    assert_eq!(spent.len(), 1, "effective_role: {spent:#?}");

    // Who holds a role, wherever it is asked: one statement.
    for at in [at_p1, GrantScope::Tenant] {
        let holders = f
            .repo
            .users_with_role(t, UserRole::Operator.into(), at)
            .await
            .unwrap();
        assert_eq!(holders.len(), 1);
        assert_eq!(holders[0].id, alice.id);
        let spent = statements.taken();
        assert_eq!(spent.len(), 1, "users_with_role {at}: {spent:#?}");
    }
    // The plant's members with their effective roles there: the users and their grants.
    let members = f.repo.users_for_plant(t, f.plant(0), None).await.unwrap();
    assert_eq!(members.len(), 1);
    let spent = statements.taken();
    assert_eq!(spent.len(), 2, "users_for_plant: {spent:#?}");
    // A plant that is not the tenant's is NotFound, though alice's tenant-wide grant would
    // match anywhere.
    let elsewhere = GrantScope::Plant(PlantId(i64::MAX));
    let refused = f
        .repo
        .users_with_role(t, UserRole::Operator.into(), elsewhere)
        .await;
    assert!(matches!(refused, Err(Error::NotFound)), "{refused:?}");
    let refused = f.repo.users_for_plant(t, PlantId(i64::MAX), None).await;
    assert!(matches!(refused, Err(Error::NotFound)), "{refused:?}");
}

#[tokio::test]
async fn a_page_of_users_with_roles_costs_two_statements_whatever_its_size() {
    let (f, statements) = counted_fixture().await;
    let t = f.tid();
    for i in 0..60 {
        f.create(NewUser {
            plant_roles: vec![
                plant_role(f.plant(i % 3), UserRole::Operator),
                plant_role(f.plant((i + 1) % 3), UserRole::Engineer),
            ],
            ..new_user(&format!("user{i:02}"))
        })
        .await;
    }

    let queries = [
        ("default", UserFilter::default()),
        (
            "plant and role",
            UserFilter {
                plant: Some(f.plant(0)),
                role: Some(UserRole::Operator.into()),
                ..UserFilter::default()
            },
        ),
        (
            "search",
            UserFilter {
                search: Some("user".into()),
                active_only: true,
                ..UserFilter::default()
            },
        ),
    ];
    for (name, filter) in queries {
        let mut spent_by_size = Vec::new();
        for limit in [5, 50] {
            statements.reset();
            let page = f
                .repo
                .list_users(
                    t,
                    &UserQuery {
                        filter: filter.clone(),
                        page: PageRequest::first(limit),
                        ..UserQuery::default()
                    },
                )
                .await
                .unwrap();
            let spent = statements.taken();
            assert!(!page.items.is_empty(), "{name}");
            assert!(page.items.len() as u64 <= limit);
            assert!(page.total >= page.items.len() as u64);
            assert!(
                page.items.iter().all(|u| u.plant_roles.len() == 2),
                "{name}: roles"
            );
            assert!(
                spent.len() <= 2,
                "{name}, page of {}: {} statements: {spent:#?}",
                page.items.len(),
                spent.len()
            );
            spent_by_size.push(spent.len());
        }
        assert_eq!(
            spent_by_size[0], spent_by_size[1],
            "{name}: cost grows with the page"
        );
    }

    // The 50-user page, checked in full.
    statements.reset();
    let page = f
        .repo
        .list_users(
            t,
            &UserQuery {
                page: PageRequest::first(50),
                ..UserQuery::default()
            },
        )
        .await
        .unwrap();
    let spent = statements.taken();
    assert_eq!(page.items.len(), 50);
    assert_eq!(page.total, 60);
    assert_eq!(usernames(&page.items)[..3], ["user00", "user01", "user02"]);
    assert!(spent.len() <= 2, "{spent:#?}");

    // Past the last page, still within budget.
    statements.reset();
    let beyond = f
        .repo
        .list_users(
            t,
            &UserQuery {
                page: PageRequest {
                    offset: 100,
                    limit: 50,
                },
                ..UserQuery::default()
            },
        )
        .await
        .unwrap();
    assert!(beyond.items.is_empty());
    assert_eq!(beyond.total, 60);
    let spent = statements.taken();
    assert!(spent.len() <= 2, "{spent:#?}");
}

/// A failed login runs the same statements whether or not the tenant or the account exists,
/// and whatever bytes the login holds (the known user's plant roles, read while the hash runs,
/// aside), so its time does not tell.
#[tokio::test]
async fn a_failed_login_runs_the_same_statements_for_an_unknown_and_a_known_user() {
    use tenantry_service::{LoginContext, LoginSource, Password, TenantId};
    let (f, statements) = counted_fixture().await;
    let t = f.tid();
    f.create(new_user_with_password("bob")).await;
    let context = || LoginContext {
        source: LoginSource::api(),
        ip: None,
    };
    let wrong = Password::new("not the password at all");
    let shapes = |tenant: TenantId, login: String| {
        let repo = f.repo.clone();
        let wrong = wrong.clone();
        let statements = statements.clone();
        async move {
            statements.reset();
            let result = repo.authenticate(tenant, &login, &wrong, context()).await;
            assert!(
                matches!(result, Err(Error::InvalidCredentials)),
                "{result:?}"
            );
            let mut taken: Vec<String> = statements
                .taken()
                .into_iter()
                .filter(|sql| !sql.contains("user_plant_roles"))
                .collect();
            taken.sort();
            taken
        }
    };
    let known = shapes(t, "bob".into()).await;
    let unknown = shapes(t, "nobody".into()).await;
    assert_eq!(unknown, known);
    // A user imported with a legacy hash (PHP's documented bcrypt example) fails the same way.
    let legacy = tenantry_service::ImportedUser {
        username: "legacy".into(),
        display_name: "legacy".into(),
        password_hash: tenantry_service::ImportedHash::new(
            "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a",
        ),
        ..Default::default()
    };
    f.repo.import_user(t, legacy, None).await.unwrap();
    assert_eq!(shapes(t, "legacy".into()).await, known, "a legacy hash");
    let unknown_tenant = shapes(TenantId(i64::MAX), "bob".into()).await;
    assert_eq!(unknown_tenant, known, "a tenant that does not exist");
    let hostile = [
        "bo\0b".to_string(),
        "\0".into(),
        "b".repeat(10_000),
        String::new(),
    ];
    for login in hostile {
        let taken = shapes(t, login.clone()).await;
        assert_eq!(taken, known, "login of {} chars", login.chars().count());
    }
    assert!(
        unknown.iter().any(|sql| sql.starts_with("UPDATE")),
        "{unknown:#?}"
    );
}
