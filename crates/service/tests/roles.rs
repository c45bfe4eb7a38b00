//! Roles: plant roles, tenant roles, effective roles, members of a plant, the last admin.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod common;

use UserRole::{Admin, Engineer, Operator, Supervisor};
use common::*;
use tenantry_service::validation::Rule;
use tenantry_service::{Error, NewUser, PlantId, UserId, UserRole, UserStatus};

#[tokio::test]
async fn effective_role_is_the_higher_of_plant_and_tenant_role() {
    let f = fixture().await;
    let t = f.tid();
    let (p1, p2) = (f.plant(0), f.plant(1));
    let user = f
        .create(NewUser {
            plant_roles: vec![plant_role(p1, Supervisor)],
            ..new_user("alice")
        })
        .await;
    let eff = |plant: PlantId| {
        let repo = f.repo.clone();
        async move { repo.effective_role(t, user.id, plant).await.unwrap() }
    };
    assert_eq!(eff(p1).await, Some(Supervisor));
    assert_eq!(eff(p2).await, None);

    let view = f
        .repo
        .set_tenant_role(t, user.id, Some(Operator), None)
        .await
        .unwrap();
    assert_eq!(view.tenant_roles, [Operator]);
    assert_eq!(
        eff(p1).await,
        Some(Supervisor),
        "plant role above tenant role"
    );
    assert_eq!(
        eff(p2).await,
        Some(Operator),
        "tenant role applies at every plant"
    );
    assert_eq!(view.effective_role(p1), Some(Supervisor));
    assert_eq!(view.effective_role(p2), Some(Operator));

    let view = f
        .repo
        .set_tenant_role(t, user.id, Some(Engineer), None)
        .await
        .unwrap();
    assert_eq!(
        eff(p1).await,
        Some(Engineer),
        "tenant role above plant role"
    );
    assert_eq!(eff(p2).await, Some(Engineer));
    assert_eq!(view.effective_role(p1), Some(Engineer));

    let view = f
        .repo
        .set_tenant_role(t, user.id, None, None)
        .await
        .unwrap();
    assert!(view.tenant_roles.is_empty());
    assert_eq!(eff(p1).await, Some(Supervisor));
    assert_eq!(eff(p2).await, None);

    // has_at_least: the effective role compared with the order operator < … < admin.
    let cases = [
        (p1, Operator, true),
        (p1, Supervisor, true),
        (p1, Engineer, false),
        (p1, Admin, false),
        (p2, Operator, false),
    ];
    for (plant, role, expected) in cases {
        assert_eq!(
            f.repo.has_at_least(t, user.id, plant, role).await.unwrap(),
            expected,
            "{plant} {role}"
        );
    }
    f.repo
        .set_tenant_role(t, user.id, Some(Engineer), None)
        .await
        .unwrap();
    assert!(f.repo.has_at_least(t, user.id, p2, Engineer).await.unwrap());
    assert!(!f.repo.has_at_least(t, user.id, p2, Admin).await.unwrap());

    let missing_user = UserId(user.id.0 + 1000);
    let missing_plant = PlantId(f.plant(2).0 + 1000);
    assert_err!(
        f.repo.effective_role(t, missing_user, p1).await,
        Error::NotFound
    );
    assert_err!(
        f.repo.effective_role(t, user.id, missing_plant).await,
        Error::NotFound
    );
    assert_err!(
        f.repo.has_at_least(t, missing_user, p1, Operator).await,
        Error::NotFound
    );
    assert_err!(
        f.repo
            .has_at_least(t, user.id, missing_plant, Operator)
            .await,
        Error::NotFound
    );
    assert_err!(
        f.repo
            .set_tenant_role(t, missing_user, Some(Operator), None)
            .await,
        Error::NotFound
    );
}

#[tokio::test]
async fn assign_changes_and_remove_plant_roles() {
    let f = fixture().await;
    let t = f.tid();
    let (p1, p2) = (f.plant(0), f.plant(1));
    let user = f.user("alice").await;

    let view = f
        .repo
        .assign_plant_role(t, user.id, p1, Operator, None)
        .await
        .unwrap();
    assert_eq!(roles(&view), vec![(p1, Operator)]);
    let view = f
        .repo
        .assign_plant_role(t, user.id, p2, Engineer, None)
        .await
        .unwrap();
    assert_eq!(roles(&view), vec![(p1, Operator), (p2, Engineer)]);
    // Assigning again changes the role there: still one row per plant.
    let view = f
        .repo
        .assign_plant_role(t, user.id, p1, Admin, None)
        .await
        .unwrap();
    assert_eq!(roles(&view), vec![(p1, Admin), (p2, Engineer)]);
    assert_eq!(f.role_rows(user.id).await, 2);
    assert_eq!(f.roles_of(user.id).await, vec![(p1, Admin), (p2, Engineer)]);
    // The same role again is fine.
    f.repo
        .assign_plant_role(t, user.id, p1, Admin, None)
        .await
        .unwrap();
    assert_eq!(f.role_rows(user.id).await, 2);

    let view = f
        .repo
        .remove_plant_role(t, user.id, p1, None)
        .await
        .unwrap();
    assert_eq!(roles(&view), vec![(p2, Engineer)]);
    // Nothing to remove is not an error.
    let view = f
        .repo
        .remove_plant_role(t, user.id, p1, None)
        .await
        .unwrap();
    assert_eq!(roles(&view), vec![(p2, Engineer)]);
    assert_eq!(f.roles_of(user.id).await, vec![(p2, Engineer)]);

    let missing_user = UserId(user.id.0 + 1000);
    let missing_plant = PlantId(f.plant(2).0 + 1000);
    assert_err!(
        f.repo
            .assign_plant_role(t, missing_user, p1, Operator, None)
            .await,
        Error::NotFound
    );
    assert_err!(
        f.repo
            .assign_plant_role(t, user.id, missing_plant, Operator, None)
            .await,
        Error::NotFound
    );
    assert_err!(
        f.repo.remove_plant_role(t, missing_user, p1, None).await,
        Error::NotFound
    );
    assert_err!(
        f.repo
            .remove_plant_role(t, user.id, missing_plant, None)
            .await,
        Error::NotFound
    );
    assert_eq!(f.roles_of(user.id).await, vec![(p2, Engineer)]);
}

#[tokio::test]
async fn set_plant_roles_replaces_with_exactly_the_set() {
    let f = fixture().await;
    let t = f.tid();
    let (p1, p2, p3) = (f.plant(0), f.plant(1), f.plant(2));
    let user = f
        .create(NewUser {
            plant_roles: vec![plant_role(p1, Admin)],
            ..new_user("alice")
        })
        .await;

    let view = f
        .repo
        .set_plant_roles(
            t,
            user.id,
            &[plant_role(p1, Operator), plant_role(p2, Engineer)],
            None,
        )
        .await
        .unwrap();
    assert_eq!(roles(&view), vec![(p1, Operator), (p2, Engineer)]);
    assert_eq!(
        f.roles_of(user.id).await,
        vec![(p1, Operator), (p2, Engineer)]
    );

    let view = f
        .repo
        .set_plant_roles(t, user.id, &[plant_role(p3, Supervisor)], None)
        .await
        .unwrap();
    assert_eq!(roles(&view), vec![(p3, Supervisor)]);
    assert_eq!(f.role_rows(user.id).await, 1);

    // The same plant twice is invalid, and changes nothing.
    let errors = invalid(
        f.repo
            .set_plant_roles(
                t,
                user.id,
                &[plant_role(p1, Operator), plant_role(p1, Admin)],
                None,
            )
            .await,
    );
    assert!(errors.has("plant_roles", Rule::Duplicate), "{errors:?}");
    // An unknown plant is NotFound, and changes nothing (no partial write).
    assert_err!(
        f.repo
            .set_plant_roles(
                t,
                user.id,
                &[
                    plant_role(p1, Operator),
                    plant_role(PlantId(p3.0 + 1000), Admin)
                ],
                None,
            )
            .await,
        Error::NotFound
    );
    assert_eq!(f.roles_of(user.id).await, vec![(p3, Supervisor)]);
    assert_err!(
        f.repo
            .set_plant_roles(
                t,
                UserId(user.id.0 + 1000),
                &[plant_role(p1, Operator)],
                None
            )
            .await,
        Error::NotFound
    );

    let view = f.repo.set_plant_roles(t, user.id, &[], None).await.unwrap();
    assert!(view.plant_roles.is_empty());
    assert_eq!(f.role_rows(user.id).await, 0);
}

#[tokio::test]
async fn users_for_plant_lists_effective_roles() {
    let f = fixture().await;
    let t = f.tid();
    let (p1, p2, p3) = (f.plant(0), f.plant(1), f.plant(2));
    let with =
        |name: &str, tenant_role: Option<UserRole>, plant_roles: Vec<(PlantId, UserRole)>| {
            NewUser {
                tenant_roles: tenant_role.map(Into::into).into_iter().collect(),
                plant_roles: plant_roles
                    .into_iter()
                    .map(|(p, r)| plant_role(p, r))
                    .collect(),
                ..new_user(name)
            }
        };
    // Usernames chosen so the username order is clear.
    f.create(with("ann-op", None, vec![(p1, Operator)])).await;
    f.create(with(
        "bea-sup",
        None,
        vec![(p1, Supervisor), (p2, Operator)],
    ))
    .await;
    f.create(with("cat-admin", Some(Admin), vec![])).await;
    f.create(with("dan-eng", Some(Engineer), vec![(p1, Operator)]))
        .await;
    f.create(with("eve-p2", None, vec![(p2, Engineer)])).await;
    f.create(with("fay-none", None, vec![])).await;
    f.create(with("Gus-op", Some(Operator), vec![])).await;

    let members = |plant: PlantId, min: Option<UserRole>| {
        let repo = f.repo.clone();
        async move {
            repo.users_for_plant(t, plant, min.map(Into::into))
                .await
                .unwrap()
                .into_iter()
                .map(|m| {
                    assert_eq!(m.user.effective_role(plant), m.effective_role());
                    let role = m.effective_role().expect("a role");
                    (m.user.username.unwrap_or_default(), role)
                })
                .collect::<Vec<_>>()
        }
    };
    let s = |name: &str, role: UserRole| (name.to_owned(), role);

    assert_eq!(
        members(p1, None).await,
        vec![
            s("ann-op", Operator),
            s("bea-sup", Supervisor),
            s("cat-admin", Admin),
            s("dan-eng", Engineer),
            s("Gus-op", Operator),
        ]
    );
    assert_eq!(
        members(p1, Some(Supervisor)).await,
        vec![
            s("bea-sup", Supervisor),
            s("cat-admin", Admin),
            s("dan-eng", Engineer)
        ]
    );
    assert_eq!(members(p1, Some(Admin)).await, vec![s("cat-admin", Admin)]);
    assert_eq!(
        members(p2, None).await,
        vec![
            s("bea-sup", Operator),
            s("cat-admin", Admin),
            s("dan-eng", Engineer),
            s("eve-p2", Engineer),
            s("Gus-op", Operator),
        ]
    );
    assert_eq!(
        members(p2, Some(Engineer)).await,
        vec![
            s("cat-admin", Admin),
            s("dan-eng", Engineer),
            s("eve-p2", Engineer)
        ]
    );
    // Tenant-role holders are members of every plant, even one nobody has a role at.
    assert_eq!(
        members(p3, None).await,
        vec![
            s("cat-admin", Admin),
            s("dan-eng", Engineer),
            s("Gus-op", Operator)
        ]
    );
    assert_err!(
        f.repo.users_for_plant(t, PlantId(p3.0 + 1000), None).await,
        Error::NotFound
    );
}

#[tokio::test]
async fn the_last_active_tenant_admin_is_protected() {
    let f = fixture().await;
    let t = f.tid();
    let root = f.admin("root").await;
    // A plant-level admin is not a tenant admin.
    f.create(NewUser {
        plant_roles: vec![plant_role(f.plant(0), Admin)],
        ..new_user("plant-admin")
    })
    .await;
    let events = f.audit_count(t).await;

    assert_err!(
        f.repo
            .set_tenant_role(t, root.id, Some(Engineer), None)
            .await,
        Error::LastAdmin
    );
    assert_err!(
        f.repo.set_tenant_role(t, root.id, None, None).await,
        Error::LastAdmin
    );
    assert_err!(
        f.repo.deactivate_user(t, root.id, None).await,
        Error::LastAdmin
    );
    assert_err!(f.repo.delete_user(t, root.id, None).await, Error::LastAdmin);
    assert_err!(f.repo.purge_user(t, root.id, None).await, Error::LastAdmin);
    let now = f.repo.get_user(t, root.id).await.unwrap().unwrap();
    assert_eq!(now.tenant_roles, [Admin]);
    assert_eq!(now.status, UserStatus::Active);
    assert_eq!(
        f.audit_count(t).await,
        events,
        "refused changes write no audit event"
    );
    // Setting the role it already has is no demotion.
    f.repo
        .set_tenant_role(t, root.id, Some(Admin), None)
        .await
        .unwrap();

    // With a second active admin, either can go.
    let second = f.admin("second").await;
    let demoted = f
        .repo
        .set_tenant_role(t, root.id, Some(Engineer), None)
        .await
        .unwrap();
    assert_eq!(demoted.tenant_roles, [Engineer]);
    assert_err!(
        f.repo.set_tenant_role(t, second.id, None, None).await,
        Error::LastAdmin
    );
    f.repo
        .set_tenant_role(t, root.id, Some(Admin), None)
        .await
        .unwrap();
    f.repo.deactivate_user(t, second.id, None).await.unwrap();

    // A suspended admin does not count: root is the last active one again.
    assert_err!(
        f.repo.deactivate_user(t, root.id, None).await,
        Error::LastAdmin
    );
    assert_err!(
        f.repo.set_tenant_role(t, root.id, None, None).await,
        Error::LastAdmin
    );
    // Neither does a deleted one.
    f.repo.reactivate_user(t, second.id, None).await.unwrap();
    f.repo.delete_user(t, second.id, None).await.unwrap();
    assert_err!(f.repo.delete_user(t, root.id, None).await, Error::LastAdmin);
    assert_err!(f.repo.purge_user(t, root.id, None).await, Error::LastAdmin);
    // Nor an invited one.
    f.create(NewUser {
        status: Some(UserStatus::Invited),
        tenant_roles: vec![Admin.into()],
        ..new_user("invitee")
    })
    .await;
    assert_err!(
        f.repo.deactivate_user(t, root.id, None).await,
        Error::LastAdmin
    );

    // Restoring the deleted admin frees root again.
    f.repo.restore_user(t, second.id, None).await.unwrap();
    f.repo.purge_user(t, root.id, None).await.unwrap();
    assert!(f.row(root.id).await.is_none());
    // Removing a non-admin is never LastAdmin.
    let plant_admin = f
        .repo
        .get_user_by_username(t, "plant-admin")
        .await
        .unwrap()
        .unwrap();
    f.repo
        .deactivate_user(t, plant_admin.id, None)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_suspended_admin_can_be_demoted_or_removed_while_one_active_admin_remains() {
    let f = fixture().await;
    let t = f.tid();
    let root = f.admin("root").await;
    let other = f.admin("other").await;
    f.repo.deactivate_user(t, other.id, None).await.unwrap();
    // Demoting or purging the suspended admin leaves root, the active one.
    f.repo
        .set_tenant_role(t, other.id, Some(Operator), None)
        .await
        .unwrap();
    f.repo
        .set_tenant_role(t, other.id, Some(Admin), None)
        .await
        .unwrap();
    f.repo.purge_user(t, other.id, None).await.unwrap();
    assert_err!(f.repo.delete_user(t, root.id, None).await, Error::LastAdmin);
}
