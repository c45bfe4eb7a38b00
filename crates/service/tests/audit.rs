//! The audit trail: one event per change, in the change's transaction, listed newest first;
//! and the security stamp's rotation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod common;

use std::collections::HashSet;
use std::future::Future;

use common::*;
use tenantry_service::entity::audit_events;
use tenantry_service::{
    AuditEventView, Error, NewUser, PageRequest, Password, Result, TenantId, UserId, UserRole,
    UserUpdate,
};

/// The tenant's newest audit event, through the repository.
async fn newest(f: &Fixture, tenant: TenantId) -> AuditEventView {
    f.repo
        .list_audit_events(tenant, PageRequest::first(1))
        .await
        .unwrap()
        .items
        .into_iter()
        .next()
        .expect("an audit event")
}

/// Runs `change` and checks it wrote exactly one event of `tenant`, with `action`, `actor` and
/// `target`.
async fn expect_one_event<T, Fut>(
    f: &Fixture,
    tenant: TenantId,
    action: &str,
    actor: Option<UserId>,
    target: Option<UserId>,
    change: Fut,
) -> T
where
    Fut: Future<Output = Result<T>>,
{
    let before = f.audit_count(tenant).await;
    let result = change.await.unwrap_or_else(|e| panic!("{action}: {e:?}"));
    assert_eq!(
        f.audit_count(tenant).await,
        before + 1,
        "{action}: one event"
    );
    let event = newest(f, tenant).await;
    assert_eq!(event.action, action);
    assert_eq!(event.tenant_id, tenant, "{action}");
    assert_eq!(event.actor_user_id, actor, "{action}: actor");
    assert_eq!(event.target_user_id, target, "{action}: target");
    result
}

#[tokio::test]
async fn every_change_writes_exactly_one_event() {
    let f = fixture().await;
    let t = f.tid();
    let root = f.admin("root").await;
    let by = Some(root.id);
    let repo = &f.repo;

    // Tenants. A new tenant has no users, so its creation has no actor.
    let globex = {
        let created = repo
            .create_tenant(new_tenant("globex", "Globex"), by)
            .await
            .unwrap();
        assert_eq!(f.audit_count(created.id).await, 1);
        let event = newest(&f, created.id).await;
        assert_eq!(event.action, "tenant.created");
        assert_eq!(event.target_user_id, None);
        created
    };
    assert_eq!(globex.slug, "globex");
    expect_one_event(
        &f,
        t,
        "tenant.suspended",
        by,
        None,
        repo.suspend_tenant(t, by),
    )
    .await;
    expect_one_event(
        &f,
        t,
        "tenant.reactivated",
        by,
        None,
        repo.reactivate_tenant(t, by),
    )
    .await;

    // Plants.
    let plant = expect_one_event(
        &f,
        t,
        "plant.created",
        by,
        None,
        repo.create_plant(t, new_plant("P9", "Plant Nine"), by),
    )
    .await;
    expect_one_event(
        &f,
        t,
        "plant.deactivated",
        by,
        None,
        repo.deactivate_plant(t, plant.id, by),
    )
    .await;
    expect_one_event(
        &f,
        t,
        "plant.reactivated",
        by,
        None,
        repo.reactivate_plant(t, plant.id, by),
    )
    .await;

    // Users.
    let alice = repo
        .create_user(t, new_user_with_password("alice"), by)
        .await
        .unwrap();
    let event = newest(&f, t).await;
    assert_eq!(event.action, "user.created");
    assert_eq!(event.actor_user_id, by);
    assert_eq!(event.target_user_id, Some(alice.id));
    let id = Some(alice.id);
    let rename = UserUpdate {
        display_name: Some("Alice A.".into()),
        ..UserUpdate::default()
    };
    expect_one_event(
        &f,
        t,
        "user.updated",
        by,
        id,
        repo.update_user(t, alice.id, rename, by),
    )
    .await;
    expect_one_event(
        &f,
        t,
        "user.deactivated",
        by,
        id,
        repo.deactivate_user(t, alice.id, by),
    )
    .await;
    expect_one_event(
        &f,
        t,
        "user.reactivated",
        by,
        id,
        repo.reactivate_user(t, alice.id, by),
    )
    .await;
    expect_one_event(
        &f,
        t,
        "user.deleted",
        by,
        id,
        repo.delete_user(t, alice.id, by),
    )
    .await;
    expect_one_event(
        &f,
        t,
        "user.restored",
        by,
        id,
        repo.restore_user(t, alice.id, by),
    )
    .await;

    // Roles.
    let p1 = f.plant(0);
    expect_one_event(
        &f,
        t,
        "role.assigned",
        by,
        id,
        repo.assign_plant_role(t, alice.id, p1, UserRole::Operator, by),
    )
    .await;
    expect_one_event(
        &f,
        t,
        "role.assigned",
        by,
        id,
        repo.assign_plant_role(t, alice.id, p1, UserRole::Engineer, by),
    )
    .await;
    expect_one_event(
        &f,
        t,
        "role.removed",
        by,
        id,
        repo.remove_plant_role(t, alice.id, p1, by),
    )
    .await;
    let set = [plant_role(p1, UserRole::Supervisor)];
    expect_one_event(
        &f,
        t,
        "roles.replaced",
        by,
        id,
        repo.set_plant_roles(t, alice.id, &set, by),
    )
    .await;
    expect_one_event(
        &f,
        t,
        "roles.replaced",
        by,
        id,
        repo.set_tenant_role(t, alice.id, Some(UserRole::Engineer), by),
    )
    .await;

    // Without an actor, the event has none.
    expect_one_event(
        &f,
        t,
        "user.deactivated",
        None,
        id,
        repo.deactivate_user(t, alice.id, None),
    )
    .await;

    // Purge: the event outlives the user; its target becomes NULL and its details say whom.
    let before = f.audit_count(t).await;
    repo.purge_user(t, alice.id, by).await.unwrap();
    assert_eq!(f.audit_count(t).await, before + 1);
    let event = newest(&f, t).await;
    assert_eq!(event.action, "user.purged");
    assert_eq!(event.actor_user_id, by);
    assert_eq!(event.target_user_id, None);
    let details = event.details.to_string();
    assert!(details.contains(&alice.pid.to_string()), "{details}");
    // The earlier events about alice are still there, now without a target.
    let events = repo
        .list_audit_events(t, PageRequest::first(500))
        .await
        .unwrap();
    assert!(
        events
            .items
            .iter()
            .all(|e| e.target_user_id != Some(alice.id))
    );
    assert!(
        events
            .items
            .iter()
            .filter(|e| e.action.starts_with("user.") || e.action.contains("role"))
            .count()
            >= 12
    );
}

#[tokio::test]
async fn changes_that_change_nothing_write_nothing() {
    let f = fixture().await;
    let t = f.tid();
    let alice = f
        .create(NewUser {
            plant_roles: vec![plant_role(f.plant(0), UserRole::Operator)],
            ..new_user("alice")
        })
        .await;
    f.repo.deactivate_user(t, alice.id, None).await.unwrap();
    f.repo.suspend_tenant(t, None).await.unwrap();
    f.repo.deactivate_plant(t, f.plant(1), None).await.unwrap();
    let before = f.audit_count(t).await;

    f.repo.deactivate_user(t, alice.id, None).await.unwrap();
    f.repo.suspend_tenant(t, None).await.unwrap();
    f.repo.deactivate_plant(t, f.plant(1), None).await.unwrap();
    f.repo
        .assign_plant_role(t, alice.id, f.plant(0), UserRole::Operator, None)
        .await
        .unwrap();
    f.repo
        .remove_plant_role(t, alice.id, f.plant(2), None)
        .await
        .unwrap();
    f.repo
        .set_tenant_role(t, alice.id, None, None)
        .await
        .unwrap();
    f.repo
        .update_user(t, alice.id, UserUpdate::default(), None)
        .await
        .unwrap();
    assert_eq!(f.audit_count(t).await, before);
}

#[tokio::test]
async fn refused_changes_write_no_event() {
    let f = fixture().await;
    let t = f.tid();
    let root = f.admin("root").await;
    let alice = f
        .create(NewUser {
            email: Some("alice@example.com".into()),
            ..new_user("alice")
        })
        .await;
    let before = f.audit_count(t).await;
    let all_before = f.all_audit_rows().await.len();

    assert_err!(
        f.repo.create_user(t, new_user("ALICE"), None).await,
        Error::UsernameTaken
    );
    assert_err!(
        f.repo
            .create_user(
                t,
                NewUser {
                    email: Some("Alice@Example.com".into()),
                    ..new_user("alice2")
                },
                None
            )
            .await,
        Error::EmailTaken
    );
    invalid(f.repo.create_user(t, new_user("a b"), None).await);
    invalid(
        f.repo
            .create_user(
                t,
                NewUser {
                    password: Some(Password::new("password")),
                    ..new_user("weak")
                },
                None,
            )
            .await,
    );
    assert_err!(
        f.repo
            .update_user(t, UserId(alice.id.0 + 1000), UserUpdate::default(), None)
            .await,
        Error::NotFound
    );
    assert_err!(
        f.repo
            .update_user(
                t,
                alice.id,
                UserUpdate {
                    username: Some("root".into()),
                    ..UserUpdate::default()
                },
                None
            )
            .await,
        Error::UsernameTaken
    );
    assert_err!(
        f.repo.deactivate_user(t, root.id, None).await,
        Error::LastAdmin
    );
    assert_err!(f.repo.purge_user(t, root.id, None).await, Error::LastAdmin);
    assert_err!(
        f.repo.create_plant(t, new_plant("p1", "Dup"), None).await,
        Error::PlantCodeTaken
    );
    assert_err!(
        f.repo.create_tenant(new_tenant("acme", "Dup"), None).await,
        Error::SlugTaken
    );
    assert_err!(
        f.repo
            .set_plant_roles(
                t,
                alice.id,
                &[
                    plant_role(f.plant(0), UserRole::Admin),
                    plant_role(
                        tenantry_service::PlantId(f.plant(2).0 + 1000),
                        UserRole::Admin
                    ),
                ],
                None
            )
            .await,
        Error::NotFound
    );
    // An actor that is no user of the tenant.
    assert_err!(
        f.repo
            .deactivate_user(t, alice.id, Some(UserId(root.id.0 + 1000)))
            .await,
        Error::NotFound
    );

    assert_eq!(f.audit_count(t).await, before);
    assert_eq!(f.all_audit_rows().await.len(), all_before);
    // And the refused changes left no trace in the data either.
    assert_eq!(f.user_rows(t).await, 2);
    assert_eq!(f.role_rows(alice.id).await, 0);
    assert_eq!(
        f.repo.get_user(t, alice.id).await.unwrap().unwrap().status,
        tenantry_service::UserStatus::Active
    );
}

#[tokio::test]
async fn audit_events_list_newest_first_in_pages() {
    let f = fixture().await;
    let t = f.tid();
    for i in 0..8 {
        f.user(&format!("user{i}")).await;
    }
    let total = f.audit_count(t).await;
    // tenant.created + 3 plant.created + 8 user.created
    assert_eq!(total, 12);

    let mut seen = Vec::new();
    for offset in (0..15).step_by(5) {
        let page = f
            .repo
            .list_audit_events(t, PageRequest { offset, limit: 5 })
            .await
            .unwrap();
        assert_eq!(page.total, total);
        seen.extend(page.items);
    }
    assert_eq!(seen.len() as u64, total);
    let ids: Vec<i64> = seen.iter().map(|e| e.id).collect();
    let distinct: HashSet<_> = ids.iter().collect();
    assert_eq!(distinct.len(), ids.len(), "pages overlap");
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    assert!(seen.windows(2).all(|w| w[0].at >= w[1].at), "times go back");
    assert_eq!(seen.first().unwrap().action, "user.created");
    assert_eq!(seen.last().unwrap().action, "tenant.created");

    // Another tenant's trail is separate.
    let other = f.other_tenant("globex").await;
    let page = f
        .repo
        .list_audit_events(other.id, PageRequest::first(50))
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].action, "tenant.created");
    assert_eq!(
        f.repo
            .list_audit_events(TenantId(other.id.0 + 1000), PageRequest::first(50))
            .await
            .unwrap()
            .total,
        0
    );
}

#[tokio::test]
async fn event_details_never_hold_a_secret() {
    let f = fixture().await;
    let t = f.tid();
    let alice = f
        .create(NewUser {
            email: Some("alice@example.com".into()),
            tenant_roles: vec![UserRole::Admin.into()],
            plant_roles: vec![plant_role(f.plant(0), UserRole::Engineer)],
            ..new_user_with_password("alice")
        })
        .await;
    let row = f.row(alice.id).await.unwrap();
    let hash = row.password_hash.clone().unwrap().expose().to_owned();
    let stamp = row.security_stamp.clone();
    f.repo
        .update_user(
            t,
            alice.id,
            UserUpdate {
                display_name: Some("Alice".into()),
                ..UserUpdate::default()
            },
            None,
        )
        .await
        .unwrap();
    let rows: Vec<audit_events::Model> = f.all_audit_rows().await;
    assert!(!rows.is_empty());
    for row in rows {
        let details = row.details.to_string();
        for secret in [STRONG, hash.as_str(), stamp.as_str(), "$argon2"] {
            assert!(!details.contains(secret), "{}: {details}", row.action);
        }
    }
}

#[tokio::test]
async fn the_security_stamp_rotates_on_status_and_role_changes() {
    let f = fixture().await;
    let t = f.tid();
    f.admin("root").await;
    let alice = f.user("alice").await;
    let (p1, p2) = (f.plant(0), f.plant(1));
    let mut stamp = f.stamp(alice.id).await;
    let mut seen = HashSet::from([stamp.clone()]);

    macro_rules! rotates {
        ($what:literal, $change:expr) => {{
            $change.await.unwrap();
            let now = f.stamp(alice.id).await;
            assert_ne!(now, stamp, "{} rotates the stamp", $what);
            assert!(
                seen.insert(now.clone()),
                "{}: a stamp is never reused",
                $what
            );
            stamp = now;
        }};
    }
    macro_rules! keeps {
        ($what:literal, $change:expr) => {{
            $change.await.unwrap();
            assert_eq!(f.stamp(alice.id).await, stamp, "{} keeps the stamp", $what);
        }};
    }

    rotates!("deactivate", f.repo.deactivate_user(t, alice.id, None));
    keeps!(
        "deactivate again",
        f.repo.deactivate_user(t, alice.id, None)
    );
    rotates!("reactivate", f.repo.reactivate_user(t, alice.id, None));
    rotates!(
        "set_tenant_role",
        f.repo
            .set_tenant_role(t, alice.id, Some(UserRole::Supervisor), None)
    );
    rotates!(
        "clear tenant role",
        f.repo.set_tenant_role(t, alice.id, None, None)
    );
    rotates!(
        "set_plant_roles",
        f.repo
            .set_plant_roles(t, alice.id, &[plant_role(p1, UserRole::Operator)], None)
    );
    rotates!(
        "assign_plant_role",
        f.repo
            .assign_plant_role(t, alice.id, p2, UserRole::Engineer, None)
    );
    rotates!(
        "change a plant role",
        f.repo
            .assign_plant_role(t, alice.id, p2, UserRole::Admin, None)
    );
    rotates!(
        "remove_plant_role",
        f.repo.remove_plant_role(t, alice.id, p2, None)
    );
    keeps!(
        "a display-name change",
        f.repo.update_user(
            t,
            alice.id,
            UserUpdate {
                display_name: Some("Alice".into()),
                ..UserUpdate::default()
            },
            None,
        )
    );
    // The stamp is not part of any view.
    let view = f.repo.get_user(t, alice.id).await.unwrap().unwrap();
    let json = serde_json::to_string(&view).unwrap();
    assert!(!json.contains(&stamp));
    assert!(!format!("{view:?}").contains(&stamp));
}
