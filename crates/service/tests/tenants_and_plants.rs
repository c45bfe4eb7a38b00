//! Tenants and plants: create, look up, list, suspend/reactivate, deactivate/reactivate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod common;

use common::*;
use tenantry_service::{Error, PageRequest, PlantId, TenantId, TenantStatus, UserRole};
use tenantry_testkit::TestDb;

#[tokio::test]
async fn create_tenant_and_look_it_up_every_way() {
    let db = TestDb::migrated().await;
    let repo = repository(db.conn().clone());

    let acme = repo
        .create_tenant(new_tenant("acme-corp", "Acme Corp"), None)
        .await
        .unwrap();
    assert_eq!(acme.slug, "acme-corp");
    assert_eq!(acme.name, "Acme Corp");
    assert_eq!(acme.status, TenantStatus::Active);
    assert_eq!(acme.pid.get_version_num(), 7, "pids are UUID v7");

    let by_id = repo.get_tenant(acme.id).await.unwrap();
    let by_pid = repo.get_tenant_by_pid(acme.pid).await.unwrap();
    let by_slug = repo.get_tenant_by_slug("acme-corp").await.unwrap();
    assert_eq!(
        by_id.as_ref(),
        Some(&acme),
        "get_tenant returns what create returned"
    );
    assert_eq!(by_pid.as_ref(), Some(&acme));
    assert_eq!(by_slug.as_ref(), Some(&acme));

    assert_eq!(
        repo.get_tenant(TenantId(acme.id.0 + 1000)).await.unwrap(),
        None
    );
    assert_eq!(
        repo.get_tenant_by_pid(uuid::Uuid::now_v7()).await.unwrap(),
        None
    );
    assert_eq!(repo.get_tenant_by_slug("globex").await.unwrap(), None);
    // Slugs are exact: only lowercase slugs exist, so an uppercase one names nothing.
    assert_eq!(repo.get_tenant_by_slug("ACME-CORP").await.unwrap(), None);
    // SQL metacharacters in a lookup are plain values.
    assert_eq!(repo.get_tenant_by_slug("' OR '1'='1").await.unwrap(), None);
    assert_eq!(repo.get_tenant_by_slug("%").await.unwrap(), None);
}

#[tokio::test]
async fn a_taken_slug_is_slug_taken_and_creates_nothing() {
    let db = TestDb::migrated().await;
    let repo = repository(db.conn().clone());
    repo.create_tenant(new_tenant("acme", "Acme"), None)
        .await
        .unwrap();
    assert_err!(
        repo.create_tenant(new_tenant("acme", "Another Acme"), None)
            .await,
        Error::SlugTaken
    );
    let page = repo.list_tenants(PageRequest::first(10)).await.unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].name, "Acme");
}

#[tokio::test]
async fn list_tenants_pages_by_slug() {
    let db = TestDb::migrated().await;
    let repo = repository(db.conn().clone());
    for slug in ["delta", "alpha", "echo", "charlie", "bravo"] {
        repo.create_tenant(new_tenant(slug, slug), None)
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    for offset in [0, 2, 4] {
        let page = repo
            .list_tenants(PageRequest { offset, limit: 2 })
            .await
            .unwrap();
        assert_eq!(page.total, 5, "total at offset {offset}");
        assert!(page.items.len() <= 2);
        seen.extend(page.items.into_iter().map(|t| t.slug));
    }
    assert_eq!(seen, ["alpha", "bravo", "charlie", "delta", "echo"]);
    let beyond = repo
        .list_tenants(PageRequest {
            offset: 10,
            limit: 2,
        })
        .await
        .unwrap();
    assert!(beyond.items.is_empty());
    assert_eq!(beyond.total, 5);
}

#[tokio::test]
async fn suspend_and_reactivate_tenant_are_idempotent() {
    let f = fixture().await;
    let suspended = f.repo.suspend_tenant(f.tid(), None).await.unwrap();
    assert_eq!(suspended.status, TenantStatus::Suspended);
    assert_eq!(suspended.id, f.tid());
    let again = f.repo.suspend_tenant(f.tid(), None).await.unwrap();
    assert_eq!(again.status, TenantStatus::Suspended);
    assert_eq!(
        f.repo.get_tenant(f.tid()).await.unwrap().unwrap().status,
        TenantStatus::Suspended
    );

    let active = f.repo.reactivate_tenant(f.tid(), None).await.unwrap();
    assert_eq!(active.status, TenantStatus::Active);
    let again = f.repo.reactivate_tenant(f.tid(), None).await.unwrap();
    assert_eq!(again.status, TenantStatus::Active);
    assert_eq!(
        f.repo.get_tenant(f.tid()).await.unwrap().unwrap().status,
        TenantStatus::Active
    );

    let missing = TenantId(f.tid().0 + 1000);
    assert_err!(f.repo.suspend_tenant(missing, None).await, Error::NotFound);
    assert_err!(
        f.repo.reactivate_tenant(missing, None).await,
        Error::NotFound
    );
}

#[tokio::test]
async fn create_plant_and_look_it_up_every_way() {
    let f = fixture().await;
    let plant = f
        .repo
        .create_plant(f.tid(), new_plant("DE-Muc_2", "Werk München 2"), None)
        .await
        .unwrap();
    assert_eq!(plant.code, "DE-Muc_2", "the code is kept as entered");
    assert_eq!(plant.name, "Werk München 2");
    assert_eq!(plant.tenant_id, f.tid());
    assert!(plant.is_active);
    assert_eq!(plant.pid.get_version_num(), 7);

    let by_id = f.repo.get_plant(f.tid(), plant.id).await.unwrap();
    let by_pid = f.repo.get_plant_by_pid(f.tid(), plant.pid).await.unwrap();
    assert_eq!(by_id.as_ref(), Some(&plant));
    assert_eq!(by_pid.as_ref(), Some(&plant));
    for code in ["DE-Muc_2", "de-muc_2", "DE-MUC_2", "ＤＥ-Ｍｕｃ_２"] {
        let found = f.repo.get_plant_by_code(f.tid(), code).await.unwrap();
        assert_eq!(found.as_ref(), Some(&plant), "code {code:?}");
    }
    assert_eq!(
        f.repo.get_plant_by_code(f.tid(), "DE-Muc").await.unwrap(),
        None
    );
    assert_eq!(
        f.repo.get_plant_by_code(f.tid(), "DE-Muc%").await.unwrap(),
        None
    );
    assert_eq!(
        f.repo.get_plant_by_code(f.tid(), "DE_Muc_2").await.unwrap(),
        None
    );
    assert_eq!(
        f.repo
            .get_plant(f.tid(), PlantId(plant.id.0 + 1000))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        f.repo
            .get_plant_by_pid(f.tid(), uuid::Uuid::now_v7())
            .await
            .unwrap(),
        None
    );

    // Ordered by code: DE-Muc_2, P1, P2, P3.
    let codes: Vec<String> = f
        .repo
        .list_plants(f.tid())
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.code)
        .collect();
    assert_eq!(codes, ["DE-Muc_2", "P1", "P2", "P3"]);

    let missing_tenant = TenantId(f.tid().0 + 1000);
    assert_err!(
        f.repo
            .create_plant(missing_tenant, new_plant("X1", "Nowhere"), None)
            .await,
        Error::NotFound
    );
    assert_eq!(f.repo.list_plants(missing_tenant).await.unwrap(), vec![]);
}

#[tokio::test]
async fn plant_codes_are_unique_per_tenant_case_insensitively() {
    let f = fixture().await;
    // P1 exists: every spelling of it is taken.
    for code in ["P1", "p1", "Ｐ１", "ｐ1"] {
        assert_err!(
            f.repo
                .create_plant(f.tid(), new_plant(code, "Dup"), None)
                .await,
            Error::PlantCodeTaken,
            "code {code:?}"
        );
    }
    assert_eq!(f.repo.list_plants(f.tid()).await.unwrap().len(), 3);
    // Another tenant may use the same code.
    let globex = f.other_tenant("globex").await;
    let p1 = f
        .repo
        .create_plant(globex.id, new_plant("P1", "Globex One"), None)
        .await
        .unwrap();
    assert_eq!(p1.tenant_id, globex.id);
    assert_eq!(
        f.repo
            .get_plant_by_code(f.tid(), "p1")
            .await
            .unwrap()
            .unwrap()
            .id,
        f.plant(0)
    );
    assert_eq!(
        f.repo
            .get_plant_by_code(globex.id, "p1")
            .await
            .unwrap()
            .unwrap()
            .id,
        p1.id
    );
}

#[tokio::test]
async fn deactivate_and_reactivate_plant_are_idempotent_and_keep_roles() {
    let f = fixture().await;
    let user = f.user("alice").await;
    f.repo
        .assign_plant_role(f.tid(), user.id, f.plant(0), UserRole::Engineer, None)
        .await
        .unwrap();

    let off = f
        .repo
        .deactivate_plant(f.tid(), f.plant(0), None)
        .await
        .unwrap();
    assert!(!off.is_active);
    let off = f
        .repo
        .deactivate_plant(f.tid(), f.plant(0), None)
        .await
        .unwrap();
    assert!(!off.is_active);
    assert!(
        !f.repo
            .get_plant(f.tid(), f.plant(0))
            .await
            .unwrap()
            .unwrap()
            .is_active
    );
    // Roles at an inactive plant are kept.
    assert_eq!(
        f.roles_of(user.id).await,
        vec![(f.plant(0), UserRole::Engineer)]
    );

    let on = f
        .repo
        .reactivate_plant(f.tid(), f.plant(0), None)
        .await
        .unwrap();
    assert!(on.is_active);
    let on = f
        .repo
        .reactivate_plant(f.tid(), f.plant(0), None)
        .await
        .unwrap();
    assert!(on.is_active);
    assert!(
        f.repo
            .get_plant(f.tid(), f.plant(0))
            .await
            .unwrap()
            .unwrap()
            .is_active
    );

    let missing = PlantId(f.plant(2).0 + 1000);
    assert_err!(
        f.repo.deactivate_plant(f.tid(), missing, None).await,
        Error::NotFound
    );
    assert_err!(
        f.repo.reactivate_plant(f.tid(), missing, None).await,
        Error::NotFound
    );
}
