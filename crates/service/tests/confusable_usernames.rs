#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Issue 12, finding 9: a username that looks like another user's of the tenant (same UTS #39
//! confusable skeleton: `admin1` and `аdmin1` with a Cyrillic `а`) is refused with the same
//! `UsernameTaken` as an equal one, on every path that sets a username, and under concurrency
//! (the database's unique index on `(tenant_id, username_skeleton)` decides). Other tenants
//! may hold look-alikes; display names are not unique at all.

mod common;

use common::*;
use tenantry_service::normalize::{username_key, username_skeleton};
use tenantry_service::password::ImportedHash;
use tenantry_service::prelude::*;
use tenantry_service::{
    Error, IdentityUser, ImportedUser, Invitation, NewIdentity, NewUser, UserUpdate,
};

const CYRILLIC_ADMIN1: &str = "\u{430}dmin1"; // Cyrillic а
const CYRILLIC_PAYPAL: &str = "\u{440}aypal"; // Cyrillic р
const GREEK_PAYPAL: &str = "\u{3c1}\u{3b1}yp\u{3b1}l"; // Greek ρ, α
const FULLWIDTH_PAYPAL: &str = "ｐａｙｐａｌ";

#[track_caller]
fn assert_taken<T: std::fmt::Debug>(result: tenantry_service::Result<T>, case: &str) {
    match result {
        Err(e @ Error::UsernameTaken) => {
            assert_eq!(e.to_string(), "username is already taken", "{case}");
        }
        other => panic!("{case}: expected Err(UsernameTaken), got {other:?}"),
    }
}

fn imported(username: &str, phc: &str) -> ImportedUser {
    ImportedUser {
        username: username.to_owned(),
        email: Some(format!("{}@example.org", username_skeleton(username))),
        display_name: username.to_owned(),
        password_hash: ImportedHash::new(phc),
        ..ImportedUser::default()
    }
}

/// Input for a user whose email cannot collide with anyone's (the test is about usernames).
fn named(username: &str, n: usize) -> NewUser {
    NewUser {
        email: Some(format!("u{n}@example.net")),
        ..user_input(username, Some(STRONG))
    }
}

#[tokio::test]
async fn look_alikes_of_an_existing_username_are_refused_on_create() {
    let env = env().await;
    env.create(named("admin1", 0)).await;
    env.create(named("paypal", 1)).await;
    let look_alikes = [
        CYRILLIC_ADMIN1,
        "adm\u{456}n1", // Cyrillic і
        "ADMIN1",
        "Admin1",
        "ａｄｍｉｎ１",
        "adminl", // l for 1
        CYRILLIC_PAYPAL,
        GREEK_PAYPAL,
        FULLWIDTH_PAYPAL,
        "PayPal",
        "\u{440}\u{430}\u{443}\u{440}\u{430}l", // all Cyrillic but the l
    ];
    for (n, name) in look_alikes.iter().enumerate() {
        assert_taken(
            env.repo
                .create_user(env.tid(), named(name, 100 + n), None)
                .await,
            name,
        );
    }
    // Nothing was written by the refusals; names that only share letters are fine.
    for (n, name) in ["admin2", "adm1n", "paypa", "paypal2"].iter().enumerate() {
        env.create(named(name, 200 + n)).await;
    }
    let listed = env
        .repo
        .count_users(env.tid(), &tenantry_service::UserFilter::default())
        .await
        .unwrap();
    assert_eq!(listed, 6);
}

#[tokio::test]
async fn other_tenants_may_hold_look_alikes() {
    let env = env().await;
    env.create(named("admin1", 0)).await;
    let other = env.other_tenant("globex").await;
    env.repo
        .create_user(other.id, named(CYRILLIC_ADMIN1, 1), None)
        .await
        .unwrap();
    // And still not twice within that tenant.
    assert_taken(
        env.repo
            .create_user(other.id, named("admin1", 2), None)
            .await,
        "admin1 beside аdmin1 in globex",
    );
}

#[tokio::test]
async fn every_path_that_sets_a_username_refuses_a_look_alike() {
    let env = env().await;
    let original = env.create(named("admin1", 0)).await;
    let phc = env.stored_hash(original.id).await.expect("a hash");

    // update_user: another user renamed to a look-alike; renaming itself is fine.
    let other = env.create(named("other", 1)).await;
    assert_taken(
        env.repo
            .update_user(
                env.tid(),
                other.id,
                UserUpdate {
                    username: Some(CYRILLIC_ADMIN1.into()),
                    ..UserUpdate::default()
                },
                None,
            )
            .await,
        "update_user",
    );
    env.repo
        .update_user(
            env.tid(),
            original.id,
            UserUpdate {
                username: Some("Admin1".into()),
                ..UserUpdate::default()
            },
            None,
        )
        .await
        .expect("a user may change its own name's case");

    // invite_user with a chosen username.
    assert_taken(
        env.repo
            .invite_user(
                env.tid(),
                Invitation {
                    email: "inv1@example.com".into(),
                    username: Some(CYRILLIC_ADMIN1.into()),
                    display_name: "Inv".into(),
                    ..Invitation::default()
                },
                None,
            )
            .await,
        "invite_user",
    );

    // accept_invitation choosing a look-alike: refused, and the invitation still works.
    let invited = env
        .repo
        .invite_user(
            env.tid(),
            Invitation {
                email: "inv2@example.com".into(),
                username: None,
                display_name: "Inv".into(),
                ..Invitation::default()
            },
            None,
        )
        .await
        .unwrap();
    let token = invited.invitation.token.into_string();
    assert_taken(
        env.repo
            .accept_invitation(
                Some(env.tid()),
                &token,
                Some(CYRILLIC_ADMIN1.into()),
                &pw(OTHER),
            )
            .await,
        "accept_invitation",
    );
    env.repo
        .accept_invitation(Some(env.tid()), &token, Some("ivy".into()), &pw(OTHER))
        .await
        .unwrap();
    env.login_ok("ivy", OTHER).await;

    // provision_from_identity.
    assert_taken(
        env.repo
            .provision_from_identity(
                env.tid(),
                IdentityUser {
                    identity: NewIdentity {
                        provider: "oidc".into(),
                        subject: "s-1".into(),
                        email: None,
                    },
                    username: CYRILLIC_ADMIN1.into(),
                    email: None,
                    display_name: "Sso".into(),
                    tenant_roles: vec![],
                },
                None,
            )
            .await,
        "provision_from_identity",
    );

    // import_user.
    assert_taken(
        env.repo
            .import_user(env.tid(), imported(CYRILLIC_ADMIN1, &phc), None)
            .await,
        "import_user",
    );

    // import_users: against the database, and two look-alikes within one call.
    match env
        .repo
        .import_users(
            env.tid(),
            vec![imported("fresh", &phc), imported(CYRILLIC_ADMIN1, &phc)],
            None,
        )
        .await
    {
        Err(Error::ImportRow { index, source, .. }) => {
            assert_eq!(index, 1);
            assert!(matches!(*source, Error::UsernameTaken), "{source:?}");
        }
        other => panic!("import_users against the database: {other:?}"),
    }
    match env
        .repo
        .import_users(
            env.tid(),
            vec![
                imported("paypal", &phc),
                imported("bob", &phc),
                imported(CYRILLIC_PAYPAL, &phc),
            ],
            None,
        )
        .await
    {
        Err(Error::ImportRow {
            index,
            imported,
            source,
        }) => {
            assert_eq!((index, imported), (2, 0));
            assert!(matches!(*source, Error::UsernameTaken), "{source:?}");
        }
        other => panic!("import_users within the call: {other:?}"),
    }
    assert!(
        env.repo
            .get_user_by_username(env.tid(), "paypal")
            .await
            .unwrap()
            .is_none(),
        "a refused call wrote nothing"
    );
}

#[tokio::test]
async fn display_names_may_look_alike() {
    let env = env().await;
    let mut a = named("ann", 0);
    a.display_name = "Admin".into();
    let mut b = named("ben", 1);
    b.display_name = "\u{410}dmin".into();
    env.create(a).await;
    env.create(b).await;
}

/// 100 spellings of `paypal` that all look alike (Latin, Cyrillic and Greek letters, `1` for
/// `l`; fullwidth and capitals too) and have 100 different keys: only the skeleton can tell
/// that they collide.
fn paypal_variants() -> Vec<String> {
    let p = ["p", "\u{440}", "\u{3c1}", "P", "ｐ"];
    let a = ["a", "\u{430}", "\u{3b1}"];
    let y = ["y", "\u{443}"];
    let l = ["l", "1", "L"];
    let mut out = Vec::new();
    for p1 in p {
        for a1 in a {
            for y1 in y {
                for a2 in a {
                    for l1 in l {
                        out.push(format!("{p1}{a1}{y1}p{a2}{l1}"));
                    }
                }
            }
        }
    }
    let mut keys = std::collections::HashSet::new();
    out.retain(|name| keys.insert(username_key(name)));
    out.truncate(100);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_concurrent_look_alikes_give_exactly_one_user() {
    let env = env().await;
    let variants = paypal_variants();
    assert_eq!(variants.len(), 100);
    let skeleton = username_skeleton("paypal");
    for v in &variants {
        assert_eq!(username_skeleton(v), skeleton, "{v:?} is not a look-alike");
    }
    let repo = env.dyn_repo();
    let tasks: Vec<_> = variants
        .iter()
        .enumerate()
        .map(|(n, name)| {
            let repo = repo.clone();
            let input = NewUser {
                email: Some(format!("c{n}@example.net")),
                ..user_input(name, None)
            };
            let tenant = env.tid();
            tokio::spawn(async move { repo.create_user(tenant, input, None).await })
        })
        .collect();
    let mut won = Vec::new();
    for (task, name) in tasks.into_iter().zip(&variants) {
        match task.await.unwrap() {
            Ok(user) => won.push(user),
            Err(Error::UsernameTaken) => {}
            Err(other) => panic!("{name:?}: {other:?}"),
        }
    }
    assert_eq!(
        won.len(),
        1,
        "winners: {:?}",
        won.iter().map(|u| &u.username).collect::<Vec<_>>()
    );
    let count = env
        .repo
        .count_users(env.tid(), &tenantry_service::UserFilter::default())
        .await
        .unwrap();
    assert_eq!(count, 1);
}
