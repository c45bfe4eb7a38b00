//! Users: create, look up, update, deactivate/reactivate, soft delete, restore, purge.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod common;

use common::*;
use sea_orm::{ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use tenantry_service::entity::{audit_events, user_plant_roles, users};
use tenantry_service::validation::Rule;
use tenantry_service::{
    Error, NewUser, Password, PlantId, TenantId, UserFilter, UserId, UserQuery, UserRole,
    UserStatus, UserUpdate,
};

#[tokio::test]
async fn create_user_with_everything_and_find_it_every_way() {
    let f = fixture().await;
    let expires = chrono::DateTime::from_timestamp(1_893_456_000, 0).unwrap(); // 2030-01-01
    let created = f
        .create(NewUser {
            username: "Ada.Lovelace".into(),
            email: Some("Ada@Example.com".into()),
            display_name: "Ada Lovelace".into(),
            password: Some(Password::new(STRONG)),
            status: None,
            tenant_roles: vec![UserRole::Supervisor.into()],
            plant_roles: vec![
                plant_role(f.plant(2), UserRole::Engineer),
                plant_role(f.plant(0), UserRole::Operator),
            ],
            expires_at: Some(expires),
            metadata: Some(json!({"badge": 42, "team": ["a", "b"]})),
        })
        .await;

    assert_eq!(created.username.as_deref(), Some("Ada.Lovelace"));
    assert_eq!(created.email.as_deref(), Some("Ada@Example.com"));
    assert_eq!(created.display_name, "Ada Lovelace");
    assert_eq!(created.status, UserStatus::Active);
    assert_eq!(created.tenant_id, f.tid());
    assert_eq!(created.tenant_roles, [UserRole::Supervisor]);
    assert!(created.has_password);
    assert_eq!(created.expires_at, Some(expires));
    assert_eq!(
        created.metadata,
        Some(json!({"badge": 42, "team": ["a", "b"]}))
    );
    assert_eq!(created.login_count, 0);
    assert_eq!(created.last_login_at, None);
    assert_eq!(created.pid.get_version_num(), 7);
    // Plant roles come ordered by plant code, with the plant's details.
    let codes: Vec<&str> = created
        .plant_roles
        .iter()
        .map(|r| r.plant_code.as_str())
        .collect();
    assert_eq!(codes, ["P1", "P3"]);
    assert_eq!(created.plant_roles[0].plant_id, f.plant(0));
    assert_eq!(created.plant_roles[0].plant_pid, f.plants[0].pid);
    assert_eq!(created.plant_roles[0].plant_name, "Plant One");
    assert_eq!(created.plant_roles[0].role, UserRole::Operator);
    assert_eq!(created.plant_roles[1].plant_id, f.plant(2));
    assert_eq!(created.plant_roles[1].role, UserRole::Engineer);

    let t = f.tid();
    let by_id = f.repo.get_user(t, created.id).await.unwrap();
    let by_pid = f.repo.get_user_by_pid(t, created.pid).await.unwrap();
    let by_name = f
        .repo
        .get_user_by_username(t, "ada.lovelace")
        .await
        .unwrap();
    let by_email = f
        .repo
        .get_user_by_email(t, "ada@example.COM")
        .await
        .unwrap();
    assert_eq!(
        by_id.as_ref(),
        Some(&created),
        "get_user returns what create_user returned"
    );
    assert_eq!(by_pid.as_ref(), Some(&created));
    assert_eq!(by_name.as_ref(), Some(&created));
    assert_eq!(by_email.as_ref(), Some(&created));

    let row = f.row(created.id).await.unwrap();
    assert_eq!(row.username_key, "ada.lovelace");
    assert_eq!(row.email_key.as_deref(), Some("ada@example.com"));
    assert!(
        row.password_hash
            .unwrap()
            .expose()
            .starts_with("$argon2id$")
    );
    assert!(!row.security_stamp.is_empty());
    assert_eq!(row.deleted_at, None);
}

#[tokio::test]
async fn create_user_without_password_or_invited() {
    let f = fixture().await;
    let sso = f.user("sso-only").await;
    assert!(!sso.has_password);
    assert_eq!(sso.status, UserStatus::Active);
    assert!(f.row(sso.id).await.unwrap().password_hash.is_none());

    let invited = f
        .create(NewUser {
            status: Some(UserStatus::Invited),
            ..new_user("newbie")
        })
        .await;
    assert_eq!(invited.status, UserStatus::Invited);
    assert!(!invited.has_password);

    // An invited user never has a password.
    let result = f
        .repo
        .create_user(
            f.tid(),
            NewUser {
                status: Some(UserStatus::Invited),
                ..new_user_with_password("newbie2")
            },
            None,
        )
        .await;
    assert!(invalid(result).has("password", Rule::NotAllowed));
    // A new user is active or invited, never created suspended.
    let result = f
        .repo
        .create_user(
            f.tid(),
            NewUser {
                status: Some(UserStatus::Suspended),
                ..new_user("newbie3")
            },
            None,
        )
        .await;
    assert!(invalid(result).has("status", Rule::NotAllowed));
    assert_eq!(f.user_rows(f.tid()).await, 2);
}

#[tokio::test]
async fn create_user_in_a_missing_tenant_or_with_a_missing_plant_is_not_found() {
    let f = fixture().await;
    let missing_tenant = TenantId(f.tid().0 + 1000);
    assert_err!(
        f.repo
            .create_user(missing_tenant, new_user("alice"), None)
            .await,
        Error::NotFound
    );
    let missing_plant = PlantId(f.plant(2).0 + 1000);
    assert_err!(
        f.repo
            .create_user(
                f.tid(),
                NewUser {
                    plant_roles: vec![
                        plant_role(f.plant(0), UserRole::Operator),
                        plant_role(missing_plant, UserRole::Operator),
                    ],
                    ..new_user("alice")
                },
                None,
            )
            .await,
        Error::NotFound
    );
    // Nothing was left behind: no user, no role rows.
    assert_eq!(
        users::Entity::find().count(f.conn()).await.unwrap(),
        0,
        "a failed creation leaves no user"
    );
    assert_eq!(
        user_plant_roles::Entity::find()
            .count(f.conn())
            .await
            .unwrap(),
        0
    );
    f.user("alice").await;
}

#[tokio::test]
async fn taken_username_and_email_are_refused() {
    let f = fixture().await;
    let alice = f
        .create(NewUser {
            email: Some("alice@example.com".into()),
            ..new_user("alice")
        })
        .await;
    assert_err!(
        f.repo.create_user(f.tid(), new_user("alice"), None).await,
        Error::UsernameTaken
    );
    assert_err!(
        f.repo
            .create_user(
                f.tid(),
                NewUser {
                    email: Some("alice@example.com".into()),
                    ..new_user("alice2")
                },
                None,
            )
            .await,
        Error::EmailTaken
    );
    assert_eq!(f.user_rows(f.tid()).await, 1);
    assert_eq!(
        f.repo.get_user(f.tid(), alice.id).await.unwrap().as_ref(),
        Some(&alice)
    );
    // Two users without email do not collide on their missing emails.
    f.user("bob").await;
    f.user("carol").await;
    assert_eq!(f.user_rows(f.tid()).await, 3);
}

#[tokio::test]
async fn lookups_of_missing_users_are_none() {
    let f = fixture().await;
    let alice = f.user("alice").await;
    let t = f.tid();
    assert_eq!(
        f.repo.get_user(t, UserId(alice.id.0 + 1000)).await.unwrap(),
        None
    );
    assert_eq!(
        f.repo
            .get_user_by_pid(t, uuid::Uuid::now_v7())
            .await
            .unwrap(),
        None
    );
    assert_eq!(f.repo.get_user_by_username(t, "bob").await.unwrap(), None);
    assert_eq!(f.repo.get_user_by_username(t, "").await.unwrap(), None);
    assert_eq!(f.repo.get_user_by_username(t, "alic").await.unwrap(), None);
    assert_eq!(f.repo.get_user_by_username(t, "alic_").await.unwrap(), None);
    assert_eq!(f.repo.get_user_by_username(t, "%").await.unwrap(), None);
    assert_eq!(
        f.repo
            .get_user_by_email(t, "alice@example.com")
            .await
            .unwrap(),
        None
    );
    assert_eq!(f.repo.get_user_by_email(t, "").await.unwrap(), None);
    assert_eq!(f.repo.get_user_by_email(t, "%").await.unwrap(), None);
}

#[tokio::test]
async fn update_user_changes_and_rekeys_the_profile() {
    let f = fixture().await;
    let t = f.tid();
    let alice = f
        .create(NewUser {
            email: Some("alice@example.com".into()),
            metadata: Some(json!({"a": 1})),
            ..new_user("alice")
        })
        .await;
    f.create(NewUser {
        email: Some("bob@example.com".into()),
        ..new_user("bob")
    })
    .await;

    let expires = chrono::DateTime::from_timestamp(1_893_456_000, 0).unwrap(); // 2030-01-01
    let updated = f
        .repo
        .update_user(
            t,
            alice.id,
            UserUpdate {
                username: Some("Alicia".into()),
                email: Some(Some("Alicia@Example.org".into())),
                display_name: Some("Alicia A.".into()),
                metadata: Some(Some(json!({"b": [1, 2]}))),
                expires_at: Some(Some(expires)),
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(updated.id, alice.id);
    assert_eq!(updated.pid, alice.pid);
    assert_eq!(updated.username.as_deref(), Some("Alicia"));
    assert_eq!(updated.email.as_deref(), Some("Alicia@Example.org"));
    assert_eq!(updated.display_name, "Alicia A.");
    assert_eq!(updated.metadata, Some(json!({"b": [1, 2]})));
    assert_eq!(updated.expires_at, Some(expires));
    assert_eq!(
        f.repo.get_user(t, alice.id).await.unwrap().as_ref(),
        Some(&updated)
    );
    // Re-keyed: found by the new names only.
    assert_eq!(
        f.repo
            .get_user_by_username(t, "ALICIA")
            .await
            .unwrap()
            .map(|u| u.id),
        Some(alice.id)
    );
    assert_eq!(f.repo.get_user_by_username(t, "alice").await.unwrap(), None);
    assert_eq!(
        f.repo
            .get_user_by_email(t, "alicia@example.org")
            .await
            .unwrap()
            .map(|u| u.id),
        Some(alice.id)
    );
    assert_eq!(
        f.repo
            .get_user_by_email(t, "alice@example.com")
            .await
            .unwrap(),
        None
    );
    let row = f.row(alice.id).await.unwrap();
    assert_eq!(row.username_key, "alicia");
    assert_eq!(row.email_key.as_deref(), Some("alicia@example.org"));
    // The old names are free again.
    f.create(NewUser {
        email: Some("alice@example.com".into()),
        ..new_user("alice")
    })
    .await;

    // An empty update changes nothing.
    let same = f
        .repo
        .update_user(t, alice.id, UserUpdate::default(), None)
        .await
        .unwrap();
    assert_eq!(same.username.as_deref(), Some("Alicia"));
    assert_eq!(same.email, updated.email);
    assert_eq!(same.metadata, updated.metadata);

    // Changing only the case of one's own username is no collision.
    let recased = f
        .repo
        .update_user(
            t,
            alice.id,
            UserUpdate {
                username: Some("ALICIA".into()),
                ..UserUpdate::default()
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(recased.username.as_deref(), Some("ALICIA"));

    // `Some(None)` removes the email, the metadata and the expiry.
    let cleared = f
        .repo
        .update_user(
            t,
            alice.id,
            UserUpdate {
                email: Some(None),
                metadata: Some(None),
                expires_at: Some(None),
                ..UserUpdate::default()
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(cleared.email, None);
    assert_eq!(cleared.metadata, None);
    assert_eq!(cleared.expires_at, None);
    assert_eq!(f.row(alice.id).await.unwrap().email_key, None);
}

#[tokio::test]
async fn update_user_failures_change_nothing() {
    let f = fixture().await;
    let t = f.tid();
    let alice = f
        .create(NewUser {
            email: Some("alice@example.com".into()),
            ..new_user("alice")
        })
        .await;
    f.create(NewUser {
        email: Some("bob@example.com".into()),
        ..new_user("bob")
    })
    .await;
    let rename = |name: &str| UserUpdate {
        username: Some(name.to_owned()),
        ..UserUpdate::default()
    };
    assert_err!(
        f.repo.update_user(t, alice.id, rename("BOB"), None).await,
        Error::UsernameTaken
    );
    assert_err!(
        f.repo
            .update_user(
                t,
                alice.id,
                UserUpdate {
                    email: Some(Some("Bob@Example.com".into())),
                    ..UserUpdate::default()
                },
                None,
            )
            .await,
        Error::EmailTaken
    );
    let errors = invalid(f.repo.update_user(t, alice.id, rename("a b"), None).await);
    assert!(errors.has("username", Rule::InvalidCharacter));
    assert_err!(
        f.repo
            .update_user(t, UserId(alice.id.0 + 1000), rename("zed"), None)
            .await,
        Error::NotFound
    );
    assert_eq!(
        f.repo.get_user(t, alice.id).await.unwrap().as_ref(),
        Some(&alice)
    );
}

#[tokio::test]
async fn deactivate_and_reactivate_user_are_idempotent() {
    let f = fixture().await;
    let t = f.tid();
    let alice = f.user("alice").await;

    let off = f.repo.deactivate_user(t, alice.id, None).await.unwrap();
    assert_eq!(off.status, UserStatus::Suspended);
    let off = f.repo.deactivate_user(t, alice.id, None).await.unwrap();
    assert_eq!(off.status, UserStatus::Suspended);
    assert_eq!(
        f.repo.get_user(t, alice.id).await.unwrap().unwrap().status,
        UserStatus::Suspended
    );
    let on = f.repo.reactivate_user(t, alice.id, None).await.unwrap();
    assert_eq!(on.status, UserStatus::Active);
    let on = f.repo.reactivate_user(t, alice.id, None).await.unwrap();
    assert_eq!(on.status, UserStatus::Active);

    let missing = UserId(alice.id.0 + 1000);
    assert_err!(
        f.repo.deactivate_user(t, missing, None).await,
        Error::NotFound
    );
    assert_err!(
        f.repo.reactivate_user(t, missing, None).await,
        Error::NotFound
    );

    // An invited user stays invited until it accepts: reactivating it is a conflict.
    let invited = f
        .create(NewUser {
            status: Some(UserStatus::Invited),
            ..new_user("newbie")
        })
        .await;
    assert_err!(
        f.repo.reactivate_user(t, invited.id, None).await,
        Error::Conflict(_)
    );
    assert_eq!(
        f.repo
            .get_user(t, invited.id)
            .await
            .unwrap()
            .unwrap()
            .status,
        UserStatus::Invited
    );
}

#[tokio::test]
async fn a_deleted_user_is_invisible_until_restored() {
    let f = fixture().await;
    let t = f.tid();
    let alice = f
        .create(NewUser {
            email: Some("alice@example.com".into()),
            plant_roles: vec![plant_role(f.plant(0), UserRole::Engineer)],
            ..new_user("alice")
        })
        .await;
    let bob = f.user("bob").await;

    f.repo.delete_user(t, alice.id, None).await.unwrap();
    assert!(
        f.row(alice.id).await.unwrap().deleted_at.is_some(),
        "soft: the row stays"
    );

    assert_eq!(f.repo.get_user(t, alice.id).await.unwrap(), None);
    assert_eq!(f.repo.get_user_by_pid(t, alice.pid).await.unwrap(), None);
    assert_eq!(f.repo.get_user_by_username(t, "alice").await.unwrap(), None);
    assert_eq!(
        f.repo
            .get_user_by_email(t, "alice@example.com")
            .await
            .unwrap(),
        None
    );
    let listed = f.repo.list_users(t, &UserQuery::default()).await.unwrap();
    assert_eq!(usernames(&listed.items), ["bob"]);
    assert_eq!(listed.total, 1);
    let search = UserQuery {
        filter: UserFilter {
            search: Some("alice".into()),
            ..UserFilter::default()
        },
        ..UserQuery::default()
    };
    assert_eq!(f.repo.list_users(t, &search).await.unwrap().total, 0);
    assert_eq!(
        f.repo.count_users(t, &UserFilter::default()).await.unwrap(),
        1
    );
    assert_eq!(f.repo.count_users(t, &search.filter).await.unwrap(), 0);
    assert!(
        f.repo
            .users_for_plant(t, f.plant(0), None)
            .await
            .unwrap()
            .is_empty()
    );

    // Changes to a deleted user are NotFound.
    assert_err!(
        f.repo
            .update_user(
                t,
                alice.id,
                UserUpdate {
                    display_name: Some("Ghost".into()),
                    ..UserUpdate::default()
                },
                None,
            )
            .await,
        Error::NotFound
    );
    assert_err!(
        f.repo.deactivate_user(t, alice.id, None).await,
        Error::NotFound
    );
    assert_err!(
        f.repo.reactivate_user(t, alice.id, None).await,
        Error::NotFound
    );
    assert_err!(f.repo.delete_user(t, alice.id, None).await, Error::NotFound);
    assert_err!(
        f.repo
            .assign_plant_role(t, alice.id, f.plant(1), UserRole::Operator, None)
            .await,
        Error::NotFound
    );
    assert_err!(
        f.repo
            .set_tenant_role(t, alice.id, Some(UserRole::Admin), None)
            .await,
        Error::NotFound
    );
    assert_err!(
        f.repo.effective_role(t, alice.id, f.plant(0)).await,
        Error::NotFound
    );

    // Restoring a user that is not deleted is NotFound ("no such deleted user").
    assert_err!(f.repo.restore_user(t, bob.id, None).await, Error::NotFound);
    assert_err!(
        f.repo
            .restore_user(t, UserId(alice.id.0 + 1000), None)
            .await,
        Error::NotFound
    );

    let restored = f.repo.restore_user(t, alice.id, None).await.unwrap();
    assert_eq!(restored.id, alice.id);
    assert_eq!(restored.username.as_deref(), Some("alice"));
    assert_eq!(roles(&restored), vec![(f.plant(0), UserRole::Engineer)]);
    assert_eq!(f.row(alice.id).await.unwrap().deleted_at, None);
    assert_eq!(
        f.repo
            .get_user_by_username(t, "ALICE")
            .await
            .unwrap()
            .map(|u| u.id),
        Some(alice.id)
    );
    assert_eq!(
        f.repo.count_users(t, &UserFilter::default()).await.unwrap(),
        2
    );
    assert_eq!(
        f.repo
            .users_for_plant(t, f.plant(0), None)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_deleted_user_keeps_its_names_reserved_until_purged() {
    let f = fixture().await;
    let t = f.tid();
    let alice = f
        .create(NewUser {
            email: Some("alice@example.com".into()),
            ..new_user("alice")
        })
        .await;
    f.repo.delete_user(t, alice.id, None).await.unwrap();

    assert_err!(
        f.repo.create_user(t, new_user("Alice"), None).await,
        Error::UsernameTaken
    );
    assert_err!(
        f.repo
            .create_user(
                t,
                NewUser {
                    email: Some("ALICE@example.com".into()),
                    ..new_user("alice2")
                },
                None,
            )
            .await,
        Error::EmailTaken
    );

    f.repo.purge_user(t, alice.id, None).await.unwrap();
    let again = f
        .create(NewUser {
            email: Some("alice@example.com".into()),
            ..new_user("alice")
        })
        .await;
    assert_ne!(again.id, alice.id);
    assert_ne!(again.pid, alice.pid);
}

#[tokio::test]
async fn purge_removes_the_row_and_its_roles() {
    let f = fixture().await;
    let t = f.tid();
    let alice = f
        .create(NewUser {
            plant_roles: vec![
                plant_role(f.plant(0), UserRole::Operator),
                plant_role(f.plant(1), UserRole::Admin),
            ],
            ..new_user("alice")
        })
        .await;
    let bob = f
        .create(NewUser {
            plant_roles: vec![plant_role(f.plant(0), UserRole::Supervisor)],
            ..new_user("bob")
        })
        .await;
    assert_eq!(f.role_rows(alice.id).await, 2);

    f.repo.purge_user(t, alice.id, None).await.unwrap();
    assert!(f.row(alice.id).await.is_none(), "the row is gone");
    assert_eq!(f.role_rows(alice.id).await, 0, "its roles are gone");
    assert_eq!(f.role_rows(bob.id).await, 1, "other users' roles stay");
    assert_eq!(f.repo.get_user(t, alice.id).await.unwrap(), None);
    assert_err!(f.repo.purge_user(t, alice.id, None).await, Error::NotFound);
    assert_err!(
        f.repo.restore_user(t, alice.id, None).await,
        Error::NotFound
    );

    // A soft-deleted user can be purged too.
    f.repo.delete_user(t, bob.id, None).await.unwrap();
    f.repo.purge_user(t, bob.id, None).await.unwrap();
    assert!(f.row(bob.id).await.is_none());
    assert_eq!(
        user_plant_roles::Entity::find()
            .count(f.conn())
            .await
            .unwrap(),
        0
    );

    // The audit trail outlives the purged users: no event points at them any more.
    let dangling = audit_events::Entity::find()
        .filter(
            Condition::any()
                .add(audit_events::Column::TargetUserId.is_in([alice.id, bob.id]))
                .add(audit_events::Column::ActorUserId.is_in([alice.id, bob.id])),
        )
        .count(f.conn())
        .await
        .unwrap();
    assert_eq!(dangling, 0);
    assert!(f.audit_count(t).await > 0);
}

#[tokio::test]
async fn count_users_counts_what_list_users_lists() {
    let f = fixture().await;
    let t = f.tid();
    assert_eq!(
        f.repo.count_users(t, &UserFilter::default()).await.unwrap(),
        0
    );
    for name in ["ann", "ben", "cid", "dee"] {
        f.user(name).await;
    }
    let cid = f
        .repo
        .get_user_by_username(t, "cid")
        .await
        .unwrap()
        .unwrap();
    f.repo.deactivate_user(t, cid.id, None).await.unwrap();
    assert_eq!(
        f.repo.count_users(t, &UserFilter::default()).await.unwrap(),
        4
    );
    let active = UserFilter {
        active_only: true,
        ..UserFilter::default()
    };
    assert_eq!(f.repo.count_users(t, &active).await.unwrap(), 3);
    let suspended = UserFilter {
        status: Some(UserStatus::Suspended),
        ..UserFilter::default()
    };
    assert_eq!(f.repo.count_users(t, &suspended).await.unwrap(), 1);
}

#[tokio::test]
async fn far_future_expiry_dates_are_kept_or_refused_never_dropped() {
    // PostgreSQL and SQLite keep any date. MySQL/MariaDB get times bound as TIMESTAMP by sqlx,
    // which the server silently turns into NULL after 2038-01-19 03:14:07 UTC — and a NULL
    // `expires_at` would mean "never expires". There the service refuses such dates instead.
    let f = fixture().await;
    let t = f.tid();
    let mysql = f.db.backend() == sea_orm::DatabaseBackend::MySql;
    let dates = [
        ("2038-01-19T03:14:07Z", 2_147_483_647, true),
        ("2038-01-19T03:14:08Z", 2_147_483_648, !mysql),
        ("2040-06-01T00:00:00Z", 2_222_035_200, !mysql),
        ("2100-01-01T00:00:00Z", 4_102_444_800, !mysql),
    ];
    for (i, (label, secs, storable)) in dates.into_iter().enumerate() {
        let expires = chrono::DateTime::from_timestamp(secs, 0).unwrap();
        let input = NewUser {
            expires_at: Some(expires),
            ..new_user(&format!("user{i}"))
        };
        if !storable {
            match f.repo.create_user(t, input, None).await {
                Err(Error::InvalidInput(e)) => {
                    assert!(e.has("expires_at", Rule::OutOfRange), "{label}: {e}")
                }
                other => panic!("{label}: expected OutOfRange, got {other:?}"),
            }
            let plain = f.create(new_user(&format!("user{i}"))).await;
            let update = UserUpdate {
                expires_at: Some(Some(expires)),
                ..UserUpdate::default()
            };
            match f.repo.update_user(t, plain.id, update, None).await {
                Err(Error::InvalidInput(e)) => {
                    assert!(e.has("expires_at", Rule::OutOfRange), "{label}: {e}")
                }
                other => panic!("{label}: expected OutOfRange, got {other:?}"),
            }
            let read = f.repo.get_user(t, plain.id).await.unwrap().unwrap();
            assert_eq!(read.expires_at, None, "{label}: nothing written");
            continue;
        }
        let created = f.create(input).await;
        assert_eq!(
            created.expires_at,
            Some(expires),
            "{label}: create_user returns it"
        );
        let read = f.repo.get_user(t, created.id).await.unwrap().unwrap();
        assert_eq!(read.expires_at, Some(expires), "{label}: read back");
        let cleared = f
            .repo
            .update_user(
                t,
                created.id,
                UserUpdate {
                    expires_at: Some(None),
                    ..UserUpdate::default()
                },
                None,
            )
            .await
            .unwrap();
        assert_eq!(cleared.expires_at, None);
        let updated = f
            .repo
            .update_user(
                t,
                created.id,
                UserUpdate {
                    expires_at: Some(Some(expires)),
                    ..UserUpdate::default()
                },
                None,
            )
            .await
            .unwrap();
        assert_eq!(updated.expires_at, Some(expires), "{label}: update_user");
    }
}
