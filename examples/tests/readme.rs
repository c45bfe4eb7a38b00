//! README's "Use it in your service", as shown there, with the handler's commented call made
//! for real: if this stops compiling, the README no longer does either.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::extract::{Path, State};
use axum::http::StatusCode;
use std::sync::Arc;
// The README's import: a `dyn UserRepository` answers every trait's methods without the
// prelude (a concrete `SeaOrmUserRepository` needs `use tenantry_service::prelude::*`).
use tenantry_service::{Config, SeaOrmUserRepository, UserRepository};
use tenantry_service::{NewTenant, NewUser, TenantId, UserId};
use tenantry_testkit::TestDb;

#[derive(Clone)]
struct AppState {
    users: Arc<dyn UserRepository>,
}

// The README's handler; here the session's tenant and the user id come from the path.
async fn get_user(
    State(state): State<AppState>,
    Path((tenant, id)): Path<(i64, i64)>,
) -> Result<String, StatusCode> {
    match state.users.get_user(TenantId(tenant), UserId(id)).await {
        Ok(Some(user)) => Ok(user.display_name),
        Ok(None) => Err(StatusCode::NOT_FOUND),
        Err(_) => Err(StatusCode::INTERNAL_SERVER_ERROR),
    }
}

#[tokio::test]
async fn the_readme_service_builds_and_answers() {
    let test_db = TestDb::empty().await;
    let db = tenantry_service::connect(test_db.url()).await.unwrap();
    tenantry_service::migrate(&db).await.unwrap(); // history in tenantry_migrations
    let state = AppState {
        users: Arc::new(
            SeaOrmUserRepository::open(db, Config::insecure_fast_for_tests())
                .await
                .unwrap(),
        ),
    };
    let _app: axum::Router = axum::Router::new()
        .route("/users/{id}", axum::routing::get(get_user))
        .with_state(state.clone());

    let acme = state
        .users
        .create_tenant(
            NewTenant {
                slug: "acme".into(),
                name: "Acme".into(),
            },
            None,
        )
        .await
        .unwrap();
    let alice = state
        .users
        .create_user(
            acme.id,
            NewUser {
                username: "alice".into(),
                display_name: "Alice".into(),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
    let found = get_user(State(state.clone()), Path((acme.id.0, alice.id.0))).await;
    assert_eq!(found, Ok("Alice".to_owned()));
    let other_tenant = get_user(State(state), Path((acme.id.0 + 1, alice.id.0))).await;
    assert_eq!(other_tenant, Err(StatusCode::NOT_FOUND));
}
