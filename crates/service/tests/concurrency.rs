//! Concurrent writers: uniqueness without check-then-insert, and role sets that never mix.
//! With `DATABASE_URL` unset the harness gives each test a SQLite file, so this covers file
//! SQLite, PostgreSQL and MariaDB.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod common;

use std::sync::Arc;

use common::*;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use tenantry_service::entity::{audit_events, users};
use tenantry_service::{Error, NewUser, PlantRole, UserRepository, UserRole};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_creations_of_one_username_give_one_user() {
    let f = fixture().await;
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let repo: Arc<dyn UserRepository> = f.repo.clone();
            let tenant = f.tid();
            // Every spelling has the same key.
            let name = ["racer", "Racer", "RACER", "ｒａｃｅｒ"][i % 4];
            tokio::spawn(async move { repo.create_user(tenant, new_user(name), None).await })
        })
        .collect();
    let mut ok = 0;
    let mut taken = 0;
    let mut other = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => ok += 1,
            Err(Error::UsernameTaken) => taken += 1,
            Err(e) => other.push(format!("{e:?}")),
        }
    }
    assert!(other.is_empty(), "unexpected errors: {other:?}");
    assert_eq!((ok, taken), (1, 49));
    let rows = users::Entity::find()
        .filter(users::Column::UsernameKey.eq("racer"))
        .count(f.conn())
        .await
        .unwrap();
    assert_eq!(rows, 1);
    let created = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("user.created"))
        .count(f.conn())
        .await
        .unwrap();
    assert_eq!(created, 1, "only the winner wrote an audit event");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_creations_with_one_email_give_one_user() {
    let f = fixture().await;
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let repo = f.repo.clone();
            let tenant = f.tid();
            let email = if i % 2 == 0 {
                "same@example.com"
            } else {
                "SAME@Example.com"
            };
            tokio::spawn(async move {
                repo.create_user(
                    tenant,
                    NewUser {
                        email: Some(email.into()),
                        ..new_user(&format!("user{i}"))
                    },
                    None,
                )
                .await
            })
        })
        .collect();
    let mut ok = 0;
    let mut taken = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => ok += 1,
            Err(Error::EmailTaken) => taken += 1,
            Err(e) => panic!("unexpected error {e:?}"),
        }
    }
    assert_eq!((ok, taken), (1, 19));
    assert_eq!(f.user_rows(f.tid()).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_distinct_creations_give_fifty_users() {
    let f = fixture().await;
    let p1 = f.plant(0);
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let repo = f.repo.clone();
            let tenant = f.tid();
            tokio::spawn(async move {
                repo.create_user(
                    tenant,
                    NewUser {
                        email: Some(format!("user{i}@example.com")),
                        plant_roles: vec![plant_role(p1, UserRole::Operator)],
                        ..new_user(&format!("user{i}"))
                    },
                    None,
                )
                .await
            })
        })
        .collect();
    let mut errors = Vec::new();
    for task in tasks {
        if let Err(e) = task.await.unwrap() {
            errors.push(format!("{e:?}"));
        }
    }
    assert!(errors.is_empty(), "{} errors: {errors:?}", errors.len());
    assert_eq!(f.user_rows(f.tid()).await, 50);
    assert_eq!(
        f.repo
            .users_for_plant(f.tid(), p1, None)
            .await
            .unwrap()
            .len(),
        50
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_set_plant_roles_end_with_one_callers_exact_set() {
    let f = fixture().await;
    let (p1, p2, p3) = (f.plant(0), f.plant(1), f.plant(2));
    let user = f.user("alice").await;
    let a = vec![
        plant_role(p1, UserRole::Operator),
        plant_role(p2, UserRole::Supervisor),
    ];
    let b = vec![
        plant_role(p2, UserRole::Admin),
        plant_role(p3, UserRole::Engineer),
        plant_role(p1, UserRole::Engineer),
    ];
    let sorted = |set: &[PlantRole]| {
        let mut pairs: Vec<_> = set
            .iter()
            .map(|r| (r.plant_id, common::user_role(&r.role)))
            .collect();
        pairs.sort();
        pairs
    };
    let (set_a, set_b) = (sorted(&a), sorted(&b));

    let writer = |mine: Vec<PlantRole>| {
        let repo = f.repo.clone();
        let tenant = f.tid();
        let (set_a, set_b) = (set_a.clone(), set_b.clone());
        tokio::spawn(async move {
            for i in 0..30 {
                let view = repo
                    .set_plant_roles(tenant, user.id, &mine, None)
                    .await
                    .unwrap_or_else(|e| panic!("iteration {i}: {e:?}"));
                let returned = roles(&view);
                assert!(
                    returned == set_a || returned == set_b,
                    "iteration {i}: returned a mix {returned:?}"
                );
                let now = repo.get_user(tenant, user.id).await.unwrap().unwrap();
                let read = roles(&now);
                assert!(
                    read == set_a || read == set_b,
                    "iteration {i}: read a mix {read:?}"
                );
            }
        })
    };
    let first = writer(a.clone());
    let second = writer(b.clone());
    first.await.unwrap();
    second.await.unwrap();

    let end = f.roles_of(user.id).await;
    assert!(end == set_a || end == set_b, "ended with a mix {end:?}");
    assert_eq!(f.role_rows(user.id).await, end.len() as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_admins_removing_each_other_leave_one() {
    let f = fixture().await;
    let t = f.tid();
    for round in 0..5 {
        let one = f.admin(&format!("one{round}")).await;
        let two = f.admin(&format!("two{round}")).await;
        // Earlier rounds' survivor is still an admin: demote it so these two are the only ones.
        let survivors = f
            .repo
            .users_for_plant(t, f.plant(0), Some(UserRole::Admin.into()))
            .await
            .unwrap();
        for member in survivors {
            if member.user.id != one.id && member.user.id != two.id {
                f.repo
                    .set_tenant_role(t, member.user.id, None, None)
                    .await
                    .unwrap();
            }
        }
        let deactivate = |id| {
            let repo = f.repo.clone();
            tokio::spawn(async move { repo.deactivate_user(t, id, None).await })
        };
        let (r1, r2) = (deactivate(one.id), deactivate(two.id));
        let results = [r1.await.unwrap(), r2.await.unwrap()];
        let ok = results.iter().filter(|r| r.is_ok()).count();
        let last = results
            .iter()
            .filter(|r| matches!(r, Err(Error::LastAdmin)))
            .count();
        assert_eq!((ok, last), (1, 1), "round {round}: {results:?}");
    }
}

/// A tenant's user counts stay exact through 400 concurrent suspensions, reactivations,
/// deletions and restores of 40 users. On SQLite a count without a search is read from the
/// counts the triggers of migration 000024 keep; each is checked against the users themselves.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn user_counts_stay_exact_under_four_hundred_concurrent_status_changes() {
    use tenantry_service::{UserFilter, UserStatus};
    const USERS: usize = 40;
    let f = fixture().await;
    let tenant = f.tid();
    let mut ids = Vec::new();
    for i in 0..USERS {
        let user = f
            .repo
            .create_user(tenant, new_user(&format!("counted{i:02}")), None);
        ids.push(user.await.unwrap().id);
    }
    let tasks: Vec<_> = (0..400)
        .map(|i| {
            let repo = f.repo.clone();
            let id = ids[i % USERS];
            tokio::spawn(async move {
                // Each round of USERS tasks makes one kind of change, racing the rounds around it.
                match (i / USERS) % 4 {
                    0 => repo.deactivate_user(tenant, id, None).await.map(drop),
                    1 => repo.delete_user(tenant, id, None).await,
                    2 => repo.restore_user(tenant, id, None).await.map(drop),
                    _ => repo.reactivate_user(tenant, id, None).await.map(drop),
                }
            })
        })
        .collect();
    let mut changed = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => changed += 1,
            // A change the user's state of the moment refuses (restoring a live user, say).
            Err(Error::Database(e)) => panic!("{e:?}"),
            Err(_) => {}
        }
    }
    assert!(changed >= 100, "only {changed} changes went through");
    let filter = |status, active_only| UserFilter {
        status,
        active_only,
        ..UserFilter::default()
    };
    for (status, active_only) in [
        (None, false),
        (Some(UserStatus::Active), false),
        (Some(UserStatus::Suspended), false),
        (None, true),
    ] {
        let counted = f
            .repo
            .count_users(tenant, &filter(status, active_only))
            .await;
        let mut live = users::Entity::find()
            .filter(users::Column::TenantId.eq(tenant))
            .filter(users::Column::DeletedAt.is_null());
        if let Some(status) = status.or(active_only.then_some(UserStatus::Active)) {
            live = live.filter(users::Column::Status.eq(status));
        }
        assert_eq!(
            counted.unwrap(),
            live.count(f.conn()).await.unwrap(),
            "{status:?}, active only: {active_only}"
        );
    }
}
