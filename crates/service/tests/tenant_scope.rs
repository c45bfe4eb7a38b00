//! Single-tenant services (issue 15, point 4): [`TenantScope`] — the default tenant made on
//! first use, calls without a `TenantId`, and a scope that can never reach another tenant. On
//! every backend named by `DATABASE_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod common;

use common::*;
use std::collections::BTreeSet;
use tenantry_service::{
    DEFAULT_TENANT_SLUG, Error, GrantScope, LoginContext, LoginSource, NewUser, TenantScope,
    UserFilter, UserQuery, UserRole,
};
use tenantry_testkit::TestDb;

#[tokio::test]
async fn the_default_tenant_is_made_once_however_many_start_at_once() {
    let db = TestDb::migrated().await;
    let repo = repository(db.conn().clone());
    assert_eq!(
        repo.get_tenant_by_slug(DEFAULT_TENANT_SLUG).await.unwrap(),
        None
    );
    let starts = (0..30).map(|_| {
        let repo = repo.clone();
        tokio::spawn(async move { TenantScope::default_tenant(repo).await.map(|s| s.tenant()) })
    });
    let tenants: BTreeSet<_> = futures::future::join_all(starts)
        .await
        .into_iter()
        .map(|r| r.unwrap().unwrap())
        .collect();
    assert_eq!(tenants.len(), 1, "one default tenant");
    let tenant = repo
        .get_tenant_by_slug(DEFAULT_TENANT_SLUG)
        .await
        .unwrap()
        .expect("made");
    assert_eq!(tenants.into_iter().next(), Some(tenant.id));
    assert_eq!(
        TenantScope::default_tenant(repo.clone())
            .await
            .unwrap()
            .get_tenant()
            .await
            .unwrap(),
        tenant
    );
}

#[tokio::test]
async fn a_scope_does_everything_in_its_tenant_and_nothing_elsewhere() {
    let f = fixture().await;
    let acme = TenantScope::new(f.repo.clone(), f.tid());
    let other = f.other_tenant("globex").await;
    let globex = TenantScope::of_slug(f.repo.clone(), "globex")
        .await
        .unwrap();
    assert_eq!(globex.tenant(), other.id);
    assert_err!(
        TenantScope::of_slug(f.repo.clone(), "initech").await,
        Error::NotFound
    );

    let p1 = f.plant(0);
    let ada = acme
        .create_user(
            NewUser {
                password: Some(pw(STRONG)),
                plant_roles: vec![plant_role(p1, UserRole::Engineer)],
                ..new_user("ada")
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(ada.tenant_id, f.tid());
    assert_eq!(
        acme.get_user_by_username("ADA")
            .await
            .unwrap()
            .map(|u| u.id),
        Some(ada.id)
    );
    assert!(
        acme.has_role(ada.id, GrantScope::Plant(p1), &UserRole::Operator.into())
            .await
            .unwrap()
    );
    assert_eq!(acme.list_plants().await.unwrap().len(), 3);
    let signed_in = acme
        .authenticate("ada", &pw(STRONG), LoginContext::from(LoginSource::web()))
        .await
        .unwrap();
    assert_eq!(signed_in.user.id, ada.id);
    assert_eq!(acme.count_users(&UserFilter::default()).await.unwrap(), 1);

    // The other tenant's scope sees none of it, and changes none of it.
    assert_eq!(globex.get_user(ada.id).await.unwrap(), None);
    assert_eq!(globex.get_user_by_username("ada").await.unwrap(), None);
    assert_eq!(
        globex
            .list_users(&UserQuery::default())
            .await
            .unwrap()
            .total,
        0
    );
    assert!(globex.list_plants().await.unwrap().is_empty());
    assert_err!(globex.deactivate_user(ada.id, None).await, Error::NotFound);
    assert_err!(globex.delete_plant(p1, None).await, Error::NotFound);
    assert_err!(
        globex.revoke_all_sessions(ada.id, None).await,
        Error::NotFound
    );
    assert_eq!(acme.revoke_all_sessions(ada.id, None).await.unwrap(), 0);
    assert!(acme.list_sessions(ada.id).await.unwrap().is_empty());
    assert_err!(
        globex
            .grant_role(ada.id, GrantScope::Tenant, UserRole::Admin.into(), None)
            .await,
        Error::NotFound
    );
    assert_invalid_credentials(
        globex
            .authenticate("ada", &pw(STRONG), LoginContext::from(LoginSource::web()))
            .await,
        "ada in another tenant's scope",
    );
    let still = acme.get_user(ada.id).await.unwrap().unwrap();
    assert_eq!(still.status, ada.status);
    assert_eq!(still.tenant_roles, ada.tenant_roles);
}
