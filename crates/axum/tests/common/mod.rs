//! A fresh store with tenant `acme` and users of the given tenant-wide roles, for the tests
//! that mount routers of their own.

#![allow(dead_code)]

use std::sync::Arc;
use tenantry_service::session_store::SeaOrmSessionStore;
use tenantry_service::{
    Config, NewTenant, NewUser, Password, RoleKey, SeaOrmUserRepository, UserRepository, UserRole,
    UserView,
};
use tenantry_testkit::TestDb;

/// Every seeded user's password.
pub const PASSWORD: &str = "copper kettle whistles at dawn";

/// The store, its session store, the seeded users (in the order given) and the database.
pub struct Seeded {
    pub users: Arc<dyn UserRepository>,
    pub sessions: SeaOrmSessionStore,
    pub accounts: Vec<UserView>,
    pub db: TestDb,
}

/// Tenant `acme` with a user per `(username, role)`, email `username@acme.example`.
pub async fn seed(accounts: &[(&str, UserRole)]) -> Seeded {
    seed_with(accounts, |repository| repository).await
}

/// [`seed`] over the repository as `configure` makes it (passkeys, say).
pub async fn seed_with(
    accounts: &[(&str, UserRole)],
    configure: impl FnOnce(SeaOrmUserRepository) -> SeaOrmUserRepository,
) -> Seeded {
    let db = TestDb::migrated().await;
    let repository = configure(
        SeaOrmUserRepository::open(db.conn().clone(), Config::insecure_fast_for_tests())
            .await
            .unwrap(),
    );
    let sessions = SeaOrmSessionStore::new(repository.clone());
    let users: Arc<dyn UserRepository> = Arc::new(repository);
    let tenant = users
        .create_tenant(
            NewTenant {
                slug: "acme".into(),
                name: "Acme".into(),
            },
            None,
        )
        .await
        .unwrap();
    let mut created = Vec::new();
    for (name, role) in accounts {
        let user = users
            .create_user(
                tenant.id,
                NewUser {
                    username: (*name).into(),
                    email: Some(format!("{name}@acme.example")),
                    display_name: (*name).into(),
                    password: Some(Password::new(PASSWORD)),
                    tenant_roles: vec![RoleKey::from(*role)],
                    ..Default::default()
                },
                None,
            )
            .await
            .unwrap();
        created.push(user);
    }
    Seeded {
        users,
        sessions,
        accounts: created,
        db,
    }
}

/// Serves `app` on an ephemeral port; its base URL.
pub async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(tenantry_axum::serve(listener, app, std::future::pending()));
    base
}
