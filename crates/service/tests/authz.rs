#![cfg(feature = "axum-login")]
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The axum-login `AuthzBackend`: a permission is a role held tenant-wide or at a plant,
//! answered with the role catalogue from what the session's user holds — implied roles count,
//! nothing crosses plants or tenants, and the answer follows a role change at the next request.

mod common;

use axum_login::{AuthnBackend, AuthzBackend};
use common::*;
use std::collections::HashSet;
use tenantry_service::axum_login::{SessionUser, SessionUserId, TenantryBackend};
use tenantry_service::{Grant, PlantId, RoleCatalogue, RoleKey, UserRole, UserView};

fn key(role: &str) -> RoleKey {
    RoleKey::new(role).expect("a valid key")
}

fn at(role: &str, plant: PlantId) -> Grant {
    Grant::plant(key(role), plant)
}

fn tenant_wide(role: &str) -> Grant {
    Grant::tenant(key(role))
}

/// The session user as axum-login loads it at each request (through `get_user`).
async fn session(backend: &TenantryBackend, user: &UserView) -> SessionUser {
    let id = SessionUserId {
        tenant: user.tenant_id,
        user: user.id,
    };
    backend
        .get_user(&id)
        .await
        .expect("get_user")
        .expect("an active user has a session")
}

async fn has(backend: &TenantryBackend, user: &SessionUser, perm: Grant) -> bool {
    backend.has_perm(user, perm).await.expect("has_perm")
}

#[tokio::test]
async fn a_plant_role_grants_itself_and_what_it_implies_at_that_plant_only() {
    let f = fixture().await;
    let backend = TenantryBackend::new(f.repo.clone());
    let bob = f.user("bob").await;
    f.repo
        .assign_plant_role(f.tid(), bob.id, f.plant(0), UserRole::Supervisor, None)
        .await
        .unwrap();
    let bob = session(&backend, &bob).await;
    let (p1, p2) = (f.plant(0), f.plant(1));
    assert!(has(&backend, &bob, at("supervisor", p1)).await);
    assert!(
        has(&backend, &bob, at("operator", p1)).await,
        "supervisor implies operator"
    );
    assert!(!has(&backend, &bob, at("engineer", p1)).await);
    assert!(
        !has(&backend, &bob, at("operator", p2)).await,
        "another plant"
    );
    assert!(
        !has(&backend, &bob, tenant_wide("operator")).await,
        "not tenant-wide"
    );
    let all = backend.get_all_permissions(&bob).await.unwrap();
    let expected: HashSet<Grant> = [at("supervisor", p1), at("operator", p1)].into();
    assert_eq!(all, expected);
}

#[tokio::test]
async fn a_tenant_role_counts_at_every_plant_of_the_tenant_and_no_other() {
    let f = fixture().await;
    let backend = TenantryBackend::new(f.repo.clone());
    let eve = f
        .create(tenantry_service::NewUser {
            tenant_roles: vec![UserRole::Engineer.into()],
            ..new_user("eve")
        })
        .await;
    let eve = session(&backend, &eve).await;
    for plant in [f.plant(0), f.plant(1), f.plant(2)] {
        assert!(has(&backend, &eve, at("engineer", plant)).await);
        assert!(has(&backend, &eve, at("operator", plant)).await);
        assert!(!has(&backend, &eve, at("admin", plant)).await);
    }
    assert!(has(&backend, &eve, tenant_wide("supervisor")).await);
    // A plant of another tenant: plant ids are global, so a tenant-wide role must not reach it.
    let other = f.other_tenant("globex").await;
    let foreign = f
        .repo
        .create_plant(other.id, new_plant("G1", "Globex One"), None)
        .await
        .unwrap();
    assert!(!has(&backend, &eve, at("operator", foreign.id)).await);
    assert!(!has(&backend, &eve, at("engineer", foreign.id)).await);
    // Nor a plant that does not exist.
    assert!(!has(&backend, &eve, at("operator", PlantId(i64::MAX))).await);
    assert!(!has(&backend, &eve, at("operator", PlantId(-1))).await);
}

#[tokio::test]
async fn roles_the_catalogue_does_not_know_are_never_held() {
    let f = fixture().await;
    let backend = TenantryBackend::new(f.repo.clone());
    let root = f.admin("root").await;
    let root = session(&backend, &root).await;
    for hostile in ["owner", "admin2", "zz"] {
        assert!(
            !has(&backend, &root, tenant_wide(hostile)).await,
            "{hostile}"
        );
        assert!(
            !has(&backend, &root, at(hostile, f.plant(0))).await,
            "{hostile}"
        );
    }
}

#[tokio::test]
async fn the_hosts_catalogue_answers() {
    // The same four keys, but flat: nothing implies anything.
    let flat = RoleCatalogue::flat([
        ("operator", "Operator"),
        ("supervisor", "Supervisor"),
        ("engineer", "Engineer"),
        ("admin", "Admin"),
    ])
    .administrator("admin")
    .build()
    .unwrap();
    let f = fixture().await;
    let backend = TenantryBackend::with_roles(f.repo.clone(), flat);
    let root = f.admin("root").await;
    let root = session(&backend, &root).await;
    assert!(has(&backend, &root, tenant_wide("admin")).await);
    assert!(
        !has(&backend, &root, tenant_wide("operator")).await,
        "flat: admin implies nothing"
    );
    assert!(has(&backend, &root, at("admin", f.plant(2))).await);
}

#[tokio::test]
async fn a_role_change_shows_at_the_next_request() {
    let f = fixture().await;
    let backend = TenantryBackend::new(f.repo.clone());
    let bob = f.user("bob").await;
    f.repo
        .assign_plant_role(f.tid(), bob.id, f.plant(0), UserRole::Admin, None)
        .await
        .unwrap();
    let before = session(&backend, &bob).await;
    assert!(has(&backend, &before, at("engineer", f.plant(0))).await);
    f.repo
        .remove_plant_role(f.tid(), bob.id, f.plant(0), None)
        .await
        .unwrap();
    let after = session(&backend, &bob).await;
    assert!(!has(&backend, &after, at("operator", f.plant(0))).await);
    assert!(
        backend
            .get_all_permissions(&after)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn many_checks_at_once_agree() {
    let f = fixture().await;
    let backend = TenantryBackend::new(f.repo.clone());
    let other = f.other_tenant("globex").await;
    let foreign = f
        .repo
        .create_plant(other.id, new_plant("G1", "Globex One"), None)
        .await
        .unwrap();
    let eve = f
        .create(tenantry_service::NewUser {
            tenant_roles: vec![UserRole::Supervisor.into()],
            ..new_user("eve")
        })
        .await;
    let eve = session(&backend, &eve).await;
    let checks = (0..200).map(|n| {
        let backend = backend.clone();
        let eve = eve.clone();
        let plant = if n % 2 == 0 {
            f.plant(n % 3)
        } else {
            foreign.id
        };
        async move { (n, backend.has_perm(&eve, at("operator", plant)).await) }
    });
    for (n, answer) in futures::future::join_all(checks).await {
        assert_eq!(answer.unwrap(), n % 2 == 0, "check {n}");
    }
}
