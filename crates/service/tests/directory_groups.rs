#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Directory groups (`DirectoryGroups`): created with members, changed exactly or by
//! difference, deleted; names and external ids unique per tenant and never a role's name;
//! members live users of the tenant; every refusal writes nothing; concurrent writers;
//! hostile names. Every backend.

#[macro_use]
mod common;

use common::*;
use sea_orm::{EntityTrait, PaginatorTrait};
use std::sync::Arc;
use tenantry_service::api::{
    DirectoryGroupChange, DirectoryGroupKey, DirectoryGroupView, MemberChange, NewDirectoryGroup,
};
use tenantry_service::entity::{group_members, groups};
use tenantry_service::prelude::*;
use tenantry_service::validation::Rule;
use tenantry_service::{AuditAction, Error, PageRequest};
use uuid::Uuid;

fn group(name: &str, members: Vec<Uuid>) -> NewDirectoryGroup {
    NewDirectoryGroup {
        display_name: name.to_owned(),
        external_id: None,
        members,
    }
}

fn pids(view: &DirectoryGroupView) -> Vec<Uuid> {
    let mut pids: Vec<Uuid> = view.members.iter().map(|m| m.pid).collect();
    pids.sort_unstable();
    pids
}

fn sorted(mut pids: Vec<Uuid>) -> Vec<Uuid> {
    pids.sort_unstable();
    pids
}

async fn rows(f: &Fixture) -> (u64, u64) {
    (
        groups::Entity::find().count(f.conn()).await.unwrap(),
        group_members::Entity::find().count(f.conn()).await.unwrap(),
    )
}

fn change(view: &DirectoryGroupView, members: MemberChange) -> DirectoryGroupChange {
    DirectoryGroupChange {
        display_name: view.display_name.clone(),
        external_id: view.external_id.clone(),
        members,
    }
}

#[tokio::test]
async fn a_group_keeps_its_members_and_every_change_is_audited() {
    let f = fixture().await;
    let (ada, bob, cy) = (
        f.user("ada").await,
        f.user("bob").await,
        f.user("cyd").await,
    );
    let made = f
        .repo
        .create_directory_group(
            f.tid(),
            NewDirectoryGroup {
                display_name: "Plant Managers".into(),
                external_id: Some("entra-123".into()),
                members: vec![ada.pid, bob.pid],
            },
        )
        .await
        .unwrap();
    assert_eq!(made.display_name, "Plant Managers");
    assert_eq!(made.external_id.as_deref(), Some("entra-123"));
    assert_eq!(pids(&made), sorted(vec![ada.pid, bob.pid]));
    assert_eq!(
        f.repo
            .directory_group(f.tid(), DirectoryGroupKey::Pid(made.pid))
            .await
            .unwrap(),
        Some(made.clone())
    );

    // Found by its name (as names compare: case and width folded) and its external id.
    for key in [
        DirectoryGroupKey::DisplayName("plant MANAGERS".into()),
        DirectoryGroupKey::DisplayName("Ｐlant Managers".into()),
        DirectoryGroupKey::ExternalId("entra-123".into()),
    ] {
        let found = f.repo.directory_group(f.tid(), key.clone()).await.unwrap();
        assert_eq!(found.map(|g| g.pid), Some(made.pid), "{key:?}");
    }
    for key in [
        DirectoryGroupKey::DisplayName("Plant Managers\0".into()),
        DirectoryGroupKey::ExternalId("ENTRA-123".into()),
        DirectoryGroupKey::ExternalId("x".repeat(10_000)),
        DirectoryGroupKey::Pid(Uuid::now_v7()),
    ] {
        let found = f.repo.directory_group(f.tid(), key.clone()).await.unwrap();
        assert_eq!(found, None, "{key:?}");
    }

    // By difference: cy joins, ada leaves, bob stays.
    let patched = f
        .repo
        .change_directory_group(
            f.tid(),
            made.pid,
            change(
                &made,
                MemberChange::Apply {
                    add: vec![cy.pid],
                    remove: vec![ada.pid, Uuid::now_v7()],
                },
            ),
        )
        .await
        .unwrap();
    assert_eq!(pids(&patched), sorted(vec![bob.pid, cy.pid]));

    // Exactly, with a new name and no external id.
    let replaced = f
        .repo
        .change_directory_group(
            f.tid(),
            made.pid,
            DirectoryGroupChange {
                display_name: "Site Leads".into(),
                external_id: None,
                members: MemberChange::Exactly(vec![ada.pid]),
            },
        )
        .await
        .unwrap();
    assert_eq!(replaced.display_name, "Site Leads");
    assert_eq!(replaced.external_id, None);
    assert_eq!(pids(&replaced), vec![ada.pid]);

    // The same again writes nothing.
    let audit_before = f.audit_count(f.tid()).await;
    f.repo
        .change_directory_group(
            f.tid(),
            made.pid,
            change(&replaced, MemberChange::Exactly(vec![ada.pid])),
        )
        .await
        .unwrap();
    assert_eq!(f.audit_count(f.tid()).await, audit_before);

    // A deleted user is no member any more; deleting the group takes its memberships.
    f.repo.delete_user(f.tid(), ada.id, None).await.unwrap();
    let read = f
        .repo
        .directory_group(f.tid(), DirectoryGroupKey::Pid(made.pid))
        .await
        .unwrap()
        .unwrap();
    assert!(read.members.is_empty());
    f.repo
        .delete_directory_group(f.tid(), made.pid)
        .await
        .unwrap();
    assert_eq!(rows(&f).await, (0, 0));
    assert_eq!(
        f.repo
            .directory_group(f.tid(), DirectoryGroupKey::Pid(made.pid))
            .await
            .unwrap(),
        None
    );
    assert_err!(
        f.repo.delete_directory_group(f.tid(), made.pid).await,
        Error::NotFound
    );

    let actions: Vec<String> = f
        .repo
        .list_audit_events(f.tid(), PageRequest::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|e| e.action)
        .filter(|a| a.starts_with("group."))
        .collect();
    let count = |action: AuditAction| actions.iter().filter(|a| *a == action.as_str()).count();
    assert_eq!(count(AuditAction::GroupCreated), 1);
    assert_eq!(count(AuditAction::GroupChanged), 1);
    assert_eq!(count(AuditAction::GroupDeleted), 1);
    // ada, bob at creation; cy by patch; ada again by the replacement.
    assert_eq!(count(AuditAction::GroupMemberAdded), 4);
    // ada by patch; bob and cy by the replacement.
    assert_eq!(count(AuditAction::GroupMemberRemoved), 3);
}

#[tokio::test]
async fn names_external_ids_and_members_are_checked_and_a_refusal_writes_nothing() {
    let f = fixture().await;
    let ada = f.user("ada").await;
    let other = f.other_tenant("other").await;
    let stranger = f
        .repo
        .create_user(other.id, new_user("stranger"), None)
        .await
        .unwrap();
    let first = f
        .repo
        .create_directory_group(
            f.tid(),
            NewDirectoryGroup {
                display_name: "Auditors".into(),
                external_id: Some("x-1".into()),
                members: vec![ada.pid],
            },
        )
        .await
        .unwrap();
    let before = (rows(&f).await, f.audit_count(f.tid()).await);

    // Another tenant's user, an unknown id, the same id twice.
    for members in [
        vec![stranger.pid],
        vec![Uuid::now_v7()],
        vec![ada.pid, ada.pid],
    ] {
        let result = f
            .repo
            .create_directory_group(f.tid(), group("Fresh", members.clone()))
            .await;
        let Err(Error::InvalidInput(errors)) = result else {
            panic!("{members:?}: {result:?}");
        };
        assert!(
            errors.has("members", Rule::NotFound) || errors.has("members", Rule::Duplicate),
            "{errors}"
        );
    }
    // The name taken (in any case, fullwidth too), a role's name ("Administrator",
    // "Operator"), the external id taken.
    for name in ["auditors", "ＡＵＤＩＴＯＲＳ", "Administrator", "operator"] {
        let result = f
            .repo
            .create_directory_group(f.tid(), group(name, vec![]))
            .await;
        assert_err!(result, Error::Conflict(_), "{name}");
    }
    let taken_id = NewDirectoryGroup {
        display_name: "Other name".into(),
        external_id: Some("x-1".into()),
        members: vec![],
    };
    assert_err!(
        f.repo.create_directory_group(f.tid(), taken_id).await,
        Error::Conflict(_)
    );
    // Hostile names and external ids.
    for (name, external_id) in [
        ("", None),
        ("nul\0byte", None),
        ("\u{200b}\u{200b}", None),
        (&*"x".repeat(201), None),
        ("fine", Some("bad\0id")),
        ("fine", Some(&*"y".repeat(256))),
    ] {
        let input = NewDirectoryGroup {
            display_name: name.to_owned(),
            external_id: external_id.map(str::to_owned),
            members: vec![ada.pid],
        };
        assert_err!(
            f.repo.create_directory_group(f.tid(), input).await,
            Error::InvalidInput(_),
            "{name:?} {external_id:?}"
        );
    }
    // A change refused half-way (a fine rename, a stranger as member) keeps the old group.
    let refused = f
        .repo
        .change_directory_group(
            f.tid(),
            first.pid,
            DirectoryGroupChange {
                display_name: "Renamed".into(),
                external_id: None,
                members: MemberChange::Apply {
                    add: vec![stranger.pid],
                    remove: vec![ada.pid],
                },
            },
        )
        .await;
    assert_err!(refused, Error::InvalidInput(_));
    assert_eq!(
        f.repo
            .directory_group(f.tid(), DirectoryGroupKey::Pid(first.pid))
            .await
            .unwrap(),
        Some(first.clone())
    );
    assert_eq!((rows(&f).await, f.audit_count(f.tid()).await), before);

    // Another tenant sees nothing of it and cannot touch it.
    assert_eq!(
        f.repo
            .directory_group(other.id, DirectoryGroupKey::Pid(first.pid))
            .await
            .unwrap(),
        None
    );
    assert!(f.repo.directory_groups(other.id).await.unwrap().is_empty());
    assert_err!(
        f.repo
            .change_directory_group(
                other.id,
                first.pid,
                change(&first, MemberChange::Exactly(vec![]))
            )
            .await,
        Error::NotFound
    );
    assert_err!(
        f.repo.delete_directory_group(other.id, first.pid).await,
        Error::NotFound
    );
    // Same name in another tenant is fine.
    f.repo
        .create_directory_group(other.id, group("Auditors", vec![stranger.pid]))
        .await
        .unwrap();
    assert_eq!(
        f.repo
            .directory_group(f.tid(), DirectoryGroupKey::Pid(first.pid))
            .await
            .unwrap(),
        Some(first)
    );
}

#[tokio::test]
async fn concurrent_writers_neither_lose_members_nor_make_two_groups_of_one_name() {
    let f = fixture().await;
    let repo: Arc<dyn UserRepository> = f.repo.clone();
    let mut users = Vec::new();
    for i in 0..40 {
        users.push(f.user(&format!("user{i:02}")).await.pid);
    }

    // 50 creations of one name: exactly one group.
    let mut tasks = Vec::new();
    for i in 0..50 {
        let repo = repo.clone();
        let tenant = f.tid();
        let name = if i % 2 == 0 {
            "Night Shift"
        } else {
            "NIGHT SHIFT"
        };
        tasks.push(tokio::spawn(async move {
            repo.create_directory_group(tenant, group(name, vec![]))
                .await
        }));
    }
    let mut made = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            Ok(view) => made.push(view),
            Err(Error::Conflict(_)) => {}
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(made.len(), 1);
    let shift = made.remove(0);

    // 40 patches adding one member each, at once: every member kept.
    let mut tasks = Vec::new();
    for pid in users.clone() {
        let repo = repo.clone();
        let tenant = f.tid();
        let input = change(
            &shift,
            MemberChange::Apply {
                add: vec![pid],
                remove: vec![],
            },
        );
        tasks.push(tokio::spawn(async move {
            repo.change_directory_group(tenant, shift.pid, input).await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let read = f
        .repo
        .directory_group(f.tid(), DirectoryGroupKey::Pid(shift.pid))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(pids(&read), sorted(users.clone()));
    assert_eq!(rows(&f).await, (1, 40));
    let listed = f.repo.directory_groups(f.tid()).await.unwrap();
    assert_eq!(listed, vec![read]);
}
