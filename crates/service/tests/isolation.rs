//! Tenant isolation: another tenant's id with this tenant's objects finds, changes and deletes
//! nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod common;

use common::*;
use tenantry_service::{
    Error, NewUser, PageRequest, PlantView, TenantView, UserFilter, UserQuery, UserRole,
    UserUpdate, UserView,
};

/// Tenant `acme` (A) with user alice (roles at P1 and P2, email), and tenant `globex` (B) with
/// plant `B1` and user bob.
struct TwoTenants {
    f: Fixture,
    b: TenantView,
    b_plant: PlantView,
    alice: UserView,
    bob: UserView,
}

async fn two_tenants() -> TwoTenants {
    let f = fixture().await;
    let alice = f
        .create(NewUser {
            email: Some("alice@example.com".into()),
            tenant_roles: vec![UserRole::Supervisor.into()],
            plant_roles: vec![
                plant_role(f.plant(0), UserRole::Engineer),
                plant_role(f.plant(1), UserRole::Operator),
            ],
            ..new_user_with_password("alice")
        })
        .await;
    let b = f.other_tenant("globex").await;
    let b_plant = f
        .repo
        .create_plant(b.id, new_plant("B1", "Globex One"), None)
        .await
        .unwrap();
    let bob = f
        .repo
        .create_user(
            b.id,
            NewUser {
                plant_roles: vec![plant_role(b_plant.id, UserRole::Operator)],
                ..new_user("bob")
            },
            None,
        )
        .await
        .unwrap();
    TwoTenants {
        f,
        b,
        b_plant,
        alice,
        bob,
    }
}

/// Everything tenant A has, as its own tenant sees it.
async fn snapshot(t: &TwoTenants) -> (Vec<UserView>, Vec<PlantView>, TenantView, u64) {
    let users =
        t.f.repo
            .list_users(t.f.tid(), &UserQuery::default())
            .await
            .unwrap()
            .items;
    let plants = t.f.repo.list_plants(t.f.tid()).await.unwrap();
    let tenant = t.f.repo.get_tenant(t.f.tid()).await.unwrap().unwrap();
    let events = t.f.audit_count(t.f.tid()).await;
    (users, plants, tenant, events)
}

#[tokio::test]
async fn lookups_with_another_tenant_find_nothing() {
    let t = two_tenants().await;
    let (repo, b, alice) = (&t.f.repo, t.b.id, &t.alice);
    let before = snapshot(&t).await;

    assert_eq!(repo.get_user(b, alice.id).await.unwrap(), None);
    assert_eq!(repo.get_user_by_pid(b, alice.pid).await.unwrap(), None);
    assert_eq!(repo.get_user_by_username(b, "alice").await.unwrap(), None);
    assert_eq!(
        repo.get_user_by_email(b, "alice@example.com")
            .await
            .unwrap(),
        None
    );
    for p in &t.f.plants {
        assert_eq!(repo.get_plant(b, p.id).await.unwrap(), None);
        assert_eq!(repo.get_plant_by_pid(b, p.pid).await.unwrap(), None);
        assert_eq!(repo.get_plant_by_code(b, &p.code).await.unwrap(), None);
    }
    let b_plants = repo.list_plants(b).await.unwrap();
    assert_eq!(b_plants, vec![t.b_plant.clone()]);

    let everyone = repo.list_users(b, &UserQuery::default()).await.unwrap();
    assert_eq!(usernames(&everyone.items), ["bob"]);
    assert_eq!(everyone.total, 1);
    let searches = [
        UserFilter {
            search: Some("alice".into()),
            ..UserFilter::default()
        },
        UserFilter {
            search: Some("example.com".into()),
            search_mode: tenantry_service::SearchMode::Contains,
            ..UserFilter::default()
        },
        UserFilter {
            plant: Some(t.f.plant(0)),
            ..UserFilter::default()
        },
        UserFilter {
            plant: Some(t.f.plant(1)),
            role: Some(UserRole::Operator.into()),
            ..UserFilter::default()
        },
        UserFilter {
            role: Some(UserRole::Supervisor.into()),
            ..UserFilter::default()
        },
    ];
    for filter in searches {
        let query = UserQuery {
            filter: filter.clone(),
            ..UserQuery::default()
        };
        let page = repo.list_users(b, &query).await.unwrap();
        assert!(page.items.is_empty(), "{filter:?}: {page:?}");
        assert_eq!(page.total, 0, "{filter:?}");
        assert_eq!(repo.count_users(b, &filter).await.unwrap(), 0, "{filter:?}");
    }
    assert_eq!(
        repo.count_users(b, &UserFilter::default()).await.unwrap(),
        1
    );

    // Roles of A's user at A's plant, asked through B.
    assert_err!(
        repo.effective_role(b, alice.id, t.f.plant(0)).await,
        Error::NotFound
    );
    assert_err!(
        repo.has_at_least(b, alice.id, t.f.plant(0), UserRole::Operator)
            .await,
        Error::NotFound
    );
    assert_err!(
        repo.users_for_plant(b, t.f.plant(0), None).await,
        Error::NotFound
    );
    // Mixed: B's user at A's plant, A's user at B's plant.
    assert_err!(
        repo.effective_role(b, t.bob.id, t.f.plant(0)).await,
        Error::NotFound
    );
    assert_err!(
        repo.effective_role(t.f.tid(), alice.id, t.b_plant.id).await,
        Error::NotFound
    );

    // B's audit trail shows nothing of A.
    let events = repo
        .list_audit_events(b, PageRequest::first(500))
        .await
        .unwrap();
    assert!(!events.items.is_empty(), "B has events of its own");
    for event in &events.items {
        assert_eq!(event.tenant_id, b);
        assert_ne!(event.target_user_id, Some(alice.id));
        let details = event.details.to_string();
        assert!(!details.contains("alice"), "{details}");
        assert!(!details.contains(&alice.pid.to_string()), "{details}");
    }
    assert_eq!(events.total, t.f.audit_count(b).await);

    assert_eq!(snapshot(&t).await, before);
}

#[tokio::test]
async fn changes_with_another_tenant_are_not_found_and_change_nothing() {
    let t = two_tenants().await;
    let (repo, b, alice) = (&t.f.repo, t.b.id, t.alice.clone());
    let a_plant = t.f.plant(0);
    let before = snapshot(&t).await;
    let b_events = t.f.audit_count(b).await;
    let stamp = t.f.stamp(alice.id).await;

    let rename = UserUpdate {
        username: Some("mallory".into()),
        display_name: Some("Mallory".into()),
        ..UserUpdate::default()
    };
    assert_err!(
        repo.update_user(b, alice.id, rename, None).await,
        Error::NotFound
    );
    assert_err!(
        repo.deactivate_user(b, alice.id, None).await,
        Error::NotFound
    );
    assert_err!(
        repo.reactivate_user(b, alice.id, None).await,
        Error::NotFound
    );
    assert_err!(repo.delete_user(b, alice.id, None).await, Error::NotFound);
    assert_err!(repo.restore_user(b, alice.id, None).await, Error::NotFound);
    assert_err!(repo.purge_user(b, alice.id, None).await, Error::NotFound);
    assert_err!(
        repo.set_tenant_role(b, alice.id, Some(UserRole::Admin), None)
            .await,
        Error::NotFound
    );
    assert_err!(
        repo.set_tenant_role(b, alice.id, None, None).await,
        Error::NotFound
    );

    // Roles: A's user and A's plant through B; B's user at A's plant; A's user at B's plant.
    for (tenant, user, plant) in [
        (b, alice.id, a_plant),
        (b, t.bob.id, a_plant),
        (b, alice.id, t.b_plant.id),
        (t.f.tid(), alice.id, t.b_plant.id),
        (t.f.tid(), t.bob.id, a_plant),
    ] {
        let what = format!("tenant {tenant}, user {user}, plant {plant}");
        assert_err!(
            repo.assign_plant_role(tenant, user, plant, UserRole::Admin, None)
                .await,
            Error::NotFound,
            "assign: {what}"
        );
        assert_err!(
            repo.remove_plant_role(tenant, user, plant, None).await,
            Error::NotFound,
            "remove: {what}"
        );
        assert_err!(
            repo.set_plant_roles(tenant, user, &[plant_role(plant, UserRole::Admin)], None)
                .await,
            Error::NotFound,
            "set: {what}"
        );
    }
    assert_err!(
        repo.set_plant_roles(b, alice.id, &[], None).await,
        Error::NotFound
    );
    // A mix of an own plant and a foreign one is refused as a whole.
    assert_err!(
        repo.set_plant_roles(
            b,
            t.bob.id,
            &[
                plant_role(t.b_plant.id, UserRole::Admin),
                plant_role(a_plant, UserRole::Admin),
            ],
            None,
        )
        .await,
        Error::NotFound
    );

    // Plants of A through B.
    for p in &t.f.plants {
        assert_err!(repo.deactivate_plant(b, p.id, None).await, Error::NotFound);
        assert_err!(repo.reactivate_plant(b, p.id, None).await, Error::NotFound);
    }
    // A user of B with a role at A's plant.
    assert_err!(
        repo.create_user(
            b,
            NewUser {
                plant_roles: vec![plant_role(a_plant, UserRole::Operator)],
                ..new_user("carol")
            },
            None,
        )
        .await,
        Error::NotFound
    );

    assert_eq!(snapshot(&t).await, before, "tenant A is unchanged");
    assert_eq!(t.f.stamp(alice.id).await, stamp);
    assert_eq!(
        repo.get_user(b, t.bob.id).await.unwrap().as_ref(),
        Some(&t.bob),
        "B's own user is unchanged"
    );
    assert_eq!(t.f.user_rows(b).await, 1, "no user was created in B");
    assert_eq!(
        t.f.audit_count(b).await,
        b_events,
        "refused changes write no audit event"
    );
    assert_eq!(
        repo.get_plant(b, t.b_plant.id).await.unwrap().as_ref(),
        Some(&t.b_plant)
    );
}

#[tokio::test]
async fn an_actor_of_another_tenant_is_refused() {
    // `Actor` must be a user of the same tenant: recording A's user as the actor of a change in
    // B would leak A's user into B's audit trail.
    let t = two_tenants().await;
    let b_events = t.f.audit_count(t.b.id).await;
    assert_err!(
        t.f.repo
            .create_user(t.b.id, new_user("carol"), Some(t.alice.id))
            .await,
        Error::NotFound
    );
    assert_err!(
        t.f.repo
            .deactivate_user(t.b.id, t.bob.id, Some(t.alice.id))
            .await,
        Error::NotFound
    );
    assert_eq!(t.f.audit_count(t.b.id).await, b_events);
    assert_eq!(t.f.user_rows(t.b.id).await, 1);
    assert_eq!(
        t.f.repo.get_user(t.b.id, t.bob.id).await.unwrap().as_ref(),
        Some(&t.bob)
    );
}

#[tokio::test]
async fn same_names_in_two_tenants_stay_apart() {
    let t = two_tenants().await;
    // B gets its own alice with the same email; each tenant sees only its own.
    let b_alice =
        t.f.repo
            .create_user(
                t.b.id,
                NewUser {
                    email: Some("alice@example.com".into()),
                    ..new_user("alice")
                },
                None,
            )
            .await
            .unwrap();
    let in_a =
        t.f.repo
            .get_user_by_username(t.f.tid(), "alice")
            .await
            .unwrap()
            .unwrap();
    let in_b =
        t.f.repo
            .get_user_by_email(t.b.id, "alice@example.com")
            .await
            .unwrap()
            .unwrap();
    assert_eq!(in_a.id, t.alice.id);
    assert_eq!(in_b.id, b_alice.id);
    // Deleting B's alice leaves A's alone.
    t.f.repo
        .delete_user(t.b.id, b_alice.id, None)
        .await
        .unwrap();
    t.f.repo.purge_user(t.b.id, b_alice.id, None).await.unwrap();
    assert_eq!(
        t.f.repo
            .get_user(t.f.tid(), t.alice.id)
            .await
            .unwrap()
            .as_ref(),
        Some(&t.alice)
    );
}
