//! The host's plants (issue 15, point 3): plants that carry the host's identifier, kept in step
//! by upsert, rename, delete and deactivation; an inactive plant grants nothing. On every
//! backend named by `DATABASE_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod common;

use common::*;
use std::collections::BTreeSet;
use tenantry_service::prelude::*;
use tenantry_service::{
    AuditAction, Error, GrantScope, HostPlant, NewUser, PlantChanges, PlantId, RoleKey, UserFilter,
    UserQuery, UserRole, validation::Rule,
};

fn host_plant(external_id: &str, code: &str, name: &str) -> HostPlant {
    HostPlant {
        external_id: external_id.into(),
        code: code.into(),
        name: name.into(),
        is_active: true,
    }
}

fn key(role: UserRole) -> RoleKey {
    role.into()
}

async fn actions(f: &Fixture) -> Vec<AuditAction> {
    f.all_audit_rows()
        .await
        .into_iter()
        .map(|e| e.action)
        .collect()
}

#[tokio::test]
async fn an_upsert_creates_then_keeps_in_step_and_writes_nothing_when_nothing_differs() {
    let f = fixture().await;
    let made = f
        .repo
        .upsert_plant(f.tid(), host_plant("spc-17", "L7", "Line 7"), None)
        .await
        .unwrap();
    assert_eq!(made.external_id.as_deref(), Some("spc-17"));
    assert!(made.is_active);
    assert_eq!(
        f.repo
            .get_plant_by_external_id(f.tid(), "spc-17")
            .await
            .unwrap(),
        Some(made.clone())
    );
    // Compared exactly: it is the host's key, not a name.
    assert_eq!(
        f.repo
            .get_plant_by_external_id(f.tid(), "SPC-17")
            .await
            .unwrap(),
        None
    );
    let events = f.audit_count(f.tid()).await;

    // The same row again: nothing written, not even an event.
    let again = f
        .repo
        .upsert_plant(f.tid(), host_plant("spc-17", "L7", "Line 7"), None)
        .await
        .unwrap();
    assert_eq!(again, made);
    assert_eq!(f.audit_count(f.tid()).await, events);

    // Renamed and taken out of service by the host: one plant still, both changes recorded.
    let changed = f
        .repo
        .upsert_plant(
            f.tid(),
            HostPlant {
                is_active: false,
                ..host_plant("spc-17", "L7b", "Line 7 (north)")
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(changed.id, made.id);
    assert_eq!(
        (changed.code.as_str(), changed.name.as_str()),
        ("L7b", "Line 7 (north)")
    );
    assert!(!changed.is_active);
    assert_eq!(
        actions(&f).await[..2],
        [AuditAction::PlantDeactivated, AuditAction::PlantUpdated]
    );
    let updated = &f.all_audit_rows().await[1];
    assert_eq!(updated.details["code"]["from"], "L7");
    assert_eq!(updated.details["code"]["to"], "L7b");
    assert_eq!(
        f.repo
            .get_plant_by_code(f.tid(), "l7b")
            .await
            .unwrap()
            .map(|p| p.id),
        Some(made.id)
    );
    assert_eq!(f.repo.list_plants(f.tid()).await.unwrap().len(), 4);
}

#[tokio::test]
async fn rename_changes_code_and_name_and_refuses_a_taken_code() {
    let f = fixture().await;
    let renamed = f
        .repo
        .rename_plant(
            f.tid(),
            f.plant(0),
            PlantChanges {
                code: Some("North".into()),
                name: None,
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        (renamed.code.as_str(), renamed.name.as_str()),
        ("North", "Plant One")
    );
    let events = f.audit_count(f.tid()).await;
    // Onto another plant's code, however it is spelled (case, full width): taken, nothing
    // written.
    for taken in ["P2", "p2", "Ｐ２"] {
        assert_err!(
            f.repo
                .rename_plant(
                    f.tid(),
                    f.plant(2),
                    PlantChanges {
                        code: Some(taken.into()),
                        name: Some("Renamed".into()),
                    },
                    None,
                )
                .await,
            Error::PlantCodeTaken,
            "{taken}"
        );
    }
    let third = f
        .repo
        .get_plant(f.tid(), f.plant(2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (third.code.as_str(), third.name.as_str()),
        ("P3", "Plant Three")
    );
    assert_eq!(f.audit_count(f.tid()).await, events);
    // A new spelling of its own code is fine.
    let own = f
        .repo
        .rename_plant(
            f.tid(),
            f.plant(2),
            PlantChanges {
                code: Some("p3".into()),
                name: None,
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(own.code, "p3");
}

/// A grant at a plant out of service counts for nothing anywhere it could: effective roles,
/// role checks, member lists, listing filters, a view's `roles_at`, the delegation check. It
/// is kept and shown, and counts again after reactivation.
#[tokio::test]
async fn an_inactive_plant_grants_nothing_until_it_is_reactivated() {
    let f = fixture().await;
    let p1 = f.plant(0);
    let alice = f.admin("alice").await;
    let bob = f
        .create(NewUser {
            plant_roles: vec![plant_role(p1, UserRole::Supervisor)],
            ..new_user("bob")
        })
        .await;
    let carol = f
        .create(NewUser {
            plant_roles: vec![plant_role(p1, UserRole::Admin)],
            ..new_user("carol")
        })
        .await;
    let dave = f.user("dave").await;
    let at_p1 = GrantScope::Plant(p1);
    let supervisor = key(UserRole::Supervisor);
    let at_plant = UserQuery {
        filter: UserFilter {
            plant: Some(p1),
            ..UserFilter::default()
        },
        ..UserQuery::default()
    };

    let before_roles = f
        .repo
        .effective_roles(f.tid(), bob.id, at_p1)
        .await
        .unwrap();
    assert!(before_roles.contains(&supervisor));
    f.repo
        .deactivate_plant(f.tid(), p1, Some(alice.id))
        .await
        .unwrap();

    assert_eq!(
        f.repo
            .effective_roles(f.tid(), bob.id, at_p1)
            .await
            .unwrap(),
        BTreeSet::new()
    );
    assert!(
        !f.repo
            .has_role(f.tid(), bob.id, at_p1, &key(UserRole::Operator))
            .await
            .unwrap()
    );
    // Tenant-wide grants still hold at it.
    assert!(
        f.repo
            .has_role(f.tid(), alice.id, at_p1, &key(UserRole::Admin))
            .await
            .unwrap()
    );
    let members: Vec<String> = f
        .repo
        .users_for_plant(f.tid(), p1, None)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|m| m.user.username)
        .collect();
    assert_eq!(members, ["alice"]);
    let holders: Vec<String> = f
        .repo
        .users_with_role(f.tid(), supervisor.clone(), at_p1)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|h| h.username)
        .collect();
    assert_eq!(holders, ["alice"]);
    let listed = f.repo.list_users(f.tid(), &at_plant).await.unwrap();
    assert_eq!(usernames(&listed.items), ["alice"]);

    // The grant is kept and shown as not counting.
    let view = f.repo.get_user(f.tid(), bob.id).await.unwrap().unwrap();
    assert_eq!(view.plant_roles.len(), 1);
    assert!(!view.plant_roles[0].plant_active);
    assert_eq!(view.roles_at(p1).count(), 0);
    assert!(view.grants().is_empty());
    assert_eq!(
        f.repo.grants_of(f.tid(), bob.id).await.unwrap().len(),
        1,
        "grants_of lists what the user holds"
    );

    // Carol administers users at P1 only: out of service, it gives her no authority.
    assert_err!(
        f.repo
            .grant_role(
                f.tid(),
                dave.id,
                at_p1,
                key(UserRole::Operator),
                Some(carol.id)
            )
            .await,
        Error::NotPermitted { .. }
    );
    assert_eq!(f.role_rows(dave.id).await, 0);

    f.repo
        .reactivate_plant(f.tid(), p1, Some(alice.id))
        .await
        .unwrap();
    assert_eq!(
        f.repo
            .effective_roles(f.tid(), bob.id, at_p1)
            .await
            .unwrap(),
        before_roles
    );
    let listed = f.repo.list_users(f.tid(), &at_plant).await.unwrap();
    assert_eq!(usernames(&listed.items), ["alice", "bob", "carol"]);
    let view = f.repo.get_user(f.tid(), bob.id).await.unwrap().unwrap();
    assert!(view.plant_roles[0].plant_active);
    assert_eq!(view.effective_role(p1), Some(UserRole::Supervisor));
    f.repo
        .grant_role(
            f.tid(),
            dave.id,
            at_p1,
            key(UserRole::Operator),
            Some(carol.id),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn deleting_a_plant_takes_its_grants_ends_their_sessions_and_lists_them() {
    let f = fixture().await;
    let (p1, p2) = (f.plant(0), f.plant(1));
    let alice = f.admin("alice").await;
    let bob = f
        .create(NewUser {
            plant_roles: vec![
                plant_role(p1, UserRole::Supervisor),
                plant_role(p2, UserRole::Operator),
            ],
            ..new_user("bob")
        })
        .await;
    let carol = f
        .create(NewUser {
            plant_roles: vec![plant_role(p2, UserRole::Engineer)],
            ..new_user("carol")
        })
        .await;
    let stamps = (
        f.stamp(alice.id).await,
        f.stamp(bob.id).await,
        f.stamp(carol.id).await,
    );

    f.repo
        .delete_plant(f.tid(), p1, Some(alice.id))
        .await
        .unwrap();

    assert_eq!(f.repo.get_plant(f.tid(), p1).await.unwrap(), None);
    assert_eq!(f.roles_of(bob.id).await, [(p2, UserRole::Operator)]);
    assert_ne!(
        f.stamp(bob.id).await,
        stamps.1,
        "bob lost a role: his sessions end"
    );
    assert_eq!(f.stamp(alice.id).await, stamps.0);
    assert_eq!(f.stamp(carol.id).await, stamps.2);
    let event = &f.all_audit_rows().await[0];
    assert_eq!(event.action, AuditAction::PlantDeleted);
    assert_eq!(event.actor_user_id, Some(alice.id));
    assert_eq!(event.details["code"], "P1");
    assert_eq!(
        event.details["revoked"],
        serde_json::json!([{ "user_id": bob.id, "role": "supervisor" }])
    );
    assert_err!(
        f.repo.delete_plant(f.tid(), p1, None).await,
        Error::NotFound
    );
}

/// Each bad input of the issue: a clear typed error, and nothing written.
#[tokio::test]
async fn cross_tenant_and_hostile_inputs_are_refused_and_write_nothing() {
    let f = fixture().await;
    let globex = f.other_tenant("globex").await;
    f.repo
        .upsert_plant(f.tid(), host_plant("spc-1", "L1", "Line 1"), None)
        .await
        .unwrap();
    let audit = f.all_audit_rows().await.len();
    let plants_of = |tenant| {
        let repo = f.repo.clone();
        async move { repo.list_plants(tenant).await.unwrap() }
    };
    let (acme_plants, globex_plants) = (plants_of(f.tid()).await, plants_of(globex.id).await);

    // Another tenant's identifier.
    assert_err!(
        f.repo
            .upsert_plant(globex.id, host_plant("spc-1", "G1", "Globex 1"), None)
            .await,
        Error::PlantIdentifierTaken
    );
    assert_eq!(
        f.repo
            .get_plant_by_external_id(globex.id, "spc-1")
            .await
            .unwrap(),
        None
    );
    // Another tenant's plant: not found, whatever the call.
    let p1 = f.plant(0);
    assert_err!(
        f.repo.delete_plant(globex.id, p1, None).await,
        Error::NotFound
    );
    assert_err!(
        f.repo
            .rename_plant(globex.id, p1, PlantChanges::default(), None)
            .await,
        Error::NotFound
    );
    assert_err!(
        f.repo.deactivate_plant(globex.id, p1, None).await,
        Error::NotFound
    );
    assert_err!(
        f.repo.delete_plant(f.tid(), PlantId(i64::MAX), None).await,
        Error::NotFound
    );
    // An upsert whose new code is taken by another of the tenant's plants.
    assert_err!(
        f.repo
            .upsert_plant(f.tid(), host_plant("spc-1", "p2", "Line 1"), None)
            .await,
        Error::PlantCodeTaken
    );
    // Hostile identifiers.
    let huge = "x".repeat(10 * 1024 * 1024);
    let long = "y".repeat(256);
    for (external_id, rule) in [
        ("", Rule::Required),
        (" spc-2", Rule::InvalidCharacter),
        ("spc-2 ", Rule::InvalidCharacter),
        ("spc\0-2", Rule::ControlCharacter),
        ("spc\n2", Rule::ControlCharacter),
        ("spc\u{200B}2", Rule::InvisibleCharacter),
        (long.as_str(), Rule::TooLong { max: 255 }),
        (huge.as_str(), Rule::TooLong { max: 255 }),
    ] {
        let errors = invalid(
            f.repo
                .upsert_plant(f.tid(), host_plant(external_id, "Z9", "Zed"), None)
                .await,
        );
        assert!(
            errors.has("external_id", rule),
            "{:?}: {errors:?}",
            external_id.chars().take(12).collect::<String>()
        );
        assert_eq!(
            f.repo
                .get_plant_by_external_id(f.tid(), external_id)
                .await
                .unwrap(),
            None
        );
    }
    // A bad code and name are reported beside a bad identifier.
    let errors = invalid(
        f.repo
            .upsert_plant(f.tid(), host_plant("", "a b", ""), None)
            .await,
    );
    assert_eq!(errors.errors().len(), 3, "{errors:?}");

    assert_eq!(plants_of(f.tid()).await, acme_plants);
    assert_eq!(plants_of(globex.id).await, globex_plants);
    assert_eq!(f.all_audit_rows().await.len(), audit, "nothing recorded");
}

/// Many callers upsert one new identifier at once (a host's sync running twice): one plant,
/// one `plant.created`, every caller gets it. Two tenants racing for one identifier: one
/// wins, the other is refused, never two plants.
#[tokio::test]
async fn concurrent_upserts_of_one_identifier_make_exactly_one_plant() {
    let f = fixture().await;
    let globex = f.other_tenant("globex").await;
    let calls = (0..40).map(|i| {
        let repo = f.repo.clone();
        let tenant = f.tid();
        tokio::spawn(async move {
            repo.upsert_plant(
                tenant,
                host_plant("spc-9", "L9", &format!("Line {}", i % 2)),
                None,
            )
            .await
        })
    });
    let results = futures::future::join_all(calls).await;
    let ids: BTreeSet<PlantId> = results
        .into_iter()
        .map(|r| r.unwrap().unwrap().id)
        .collect();
    assert_eq!(ids.len(), 1, "one plant for one identifier");
    let created = actions(&f)
        .await
        .iter()
        .filter(|a| **a == AuditAction::PlantCreated)
        .count();
    assert_eq!(created, 4, "P1..P3 and exactly one more");

    let race = (0..40).map(|i| {
        let repo = f.repo.clone();
        let tenant = if i % 2 == 0 { f.tid() } else { globex.id };
        tokio::spawn(async move {
            repo.upsert_plant(tenant, host_plant("spc-10", "L10", "Line 10"), None)
                .await
                .map(|p| p.tenant_id)
        })
    });
    let mut winners = BTreeSet::new();
    for result in futures::future::join_all(race).await {
        match result.unwrap() {
            Ok(tenant) => {
                winners.insert(tenant);
            }
            Err(Error::PlantIdentifierTaken) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "one tenant holds the identifier");
    let acme_has = f
        .repo
        .get_plant_by_external_id(f.tid(), "spc-10")
        .await
        .unwrap()
        .is_some();
    let globex_has = f
        .repo
        .get_plant_by_external_id(globex.id, "spc-10")
        .await
        .unwrap()
        .is_some();
    assert!(acme_has ^ globex_has);
}

/// The host's plant table and tenantry's, changed in the host's own transaction: a rollback
/// takes both (plant, grants, audit event), a commit keeps both, and a refused upsert leaves
/// the host's transaction usable. On every backend.
#[tokio::test]
async fn plants_follow_the_hosts_own_transaction() {
    use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, Statement, TransactionTrait};
    use tenantry_service::entity::{audit_events, plants};

    let env = env().await;
    let db = env.conn().clone();
    let backend = db.get_database_backend();
    let sql = |s: &str| Statement::from_string(backend, s.to_owned());
    db.execute_raw(sql(
        "CREATE TABLE spc_plant (id INTEGER PRIMARY KEY, code VARCHAR(20) NOT NULL)",
    ))
    .await
    .unwrap();
    let host_rows = |db: sea_orm::DatabaseConnection| async move {
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT COUNT(*) FROM spc_plant".to_owned(),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index::<i64>(0).unwrap()
    };
    let counts = |db: sea_orm::DatabaseConnection| async move {
        (
            plants::Entity::find().count(&db).await.unwrap(),
            audit_events::Entity::find().count(&db).await.unwrap(),
        )
    };
    let before = counts(db.clone()).await;

    // Rolled back: neither the host's row nor tenantry's plant nor its event.
    let txn = db.begin().await.unwrap();
    txn.execute_raw(sql("INSERT INTO spc_plant (id, code) VALUES (17, 'L7')"))
        .await
        .unwrap();
    let made = env
        .repo
        .upsert_plant_in(&txn, env.tid(), host_plant("17", "L7", "Line 7"), None)
        .await
        .unwrap();
    assert_eq!(made.external_id.as_deref(), Some("17"));
    txn.rollback().await.unwrap();
    assert_eq!(host_rows(db.clone()).await, 0);
    assert_eq!(counts(db.clone()).await, before);
    assert_eq!(
        env.repo
            .get_plant_by_external_id(env.tid(), "17")
            .await
            .unwrap(),
        None
    );

    // A refused upsert (another tenant's identifier) inside the transaction: the host's own
    // write and a good upsert after it still commit.
    let beta = env.other_tenant("beta").await;
    env.repo
        .upsert_plant(beta.id, host_plant("99", "B9", "Beta 9"), None)
        .await
        .unwrap();
    let before = counts(db.clone()).await;
    let txn = db.begin().await.unwrap();
    txn.execute_raw(sql("INSERT INTO spc_plant (id, code) VALUES (17, 'L7')"))
        .await
        .unwrap();
    let refused = env
        .repo
        .upsert_plant_in(&txn, env.tid(), host_plant("99", "X9", "Not yours"), None)
        .await;
    assert_err!(refused, Error::PlantIdentifierTaken);
    let hostile = env
        .repo
        .upsert_plant_in(&txn, env.tid(), host_plant("1\0", "X1", "NUL"), None)
        .await;
    assert!(invalid(hostile).has("external_id", Rule::ControlCharacter));
    let made = env
        .repo
        .upsert_plant_in(&txn, env.tid(), host_plant("17", "L7", "Line 7"), None)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(host_rows(db.clone()).await, 1);
    assert_eq!(counts(db.clone()).await, (before.0 + 1, before.1 + 1));

    // A delete in a rolled-back transaction keeps the plant and its grants; committed, it goes.
    let user = env
        .create(NewUser {
            plant_roles: vec![plant_role(made.id, UserRole::Operator)],
            ..new_user("ola")
        })
        .await;
    let txn = db.begin().await.unwrap();
    env.repo
        .delete_plant_in(&txn, env.tid(), made.id, None)
        .await
        .unwrap();
    txn.rollback().await.unwrap();
    let kept = env
        .repo
        .get_user(env.tid(), user.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.plant_roles.len(), 1);
    let txn = db.begin().await.unwrap();
    txn.execute_raw(sql("DELETE FROM spc_plant WHERE id = 17"))
        .await
        .unwrap();
    env.repo
        .delete_plant_in(&txn, env.tid(), made.id, None)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(host_rows(db.clone()).await, 0);
    assert_eq!(env.repo.get_plant(env.tid(), made.id).await.unwrap(), None);
    let gone = env
        .repo
        .get_user(env.tid(), user.id)
        .await
        .unwrap()
        .unwrap();
    assert!(gone.plant_roles.is_empty());
    db.execute_raw(sql("DROP TABLE spc_plant")).await.unwrap();
}
