//! [`Fixture`]: a repository as a host holds it (`Arc<dyn UserRepository>`), tenant `acme` and
//! its plants `P1`..`P3`.

use std::sync::Arc;

use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use tenantry_service::entity::{audit_events, user_plant_roles, users};
use tenantry_service::{
    Config, NewUser, PlantId, PlantView, SeaOrmUserRepository, TenantId, TenantView, UserId,
    UserRepository, UserRole, UserView,
};
use tenantry_testkit::TestDb;

use super::{create_other_tenant, new_plant, new_tenant, new_user, roles};

/// A repository on `conn` with cheap hashing and the real password policy.
pub fn repository(conn: DatabaseConnection) -> Arc<dyn UserRepository> {
    Arc::new(
        SeaOrmUserRepository::new(conn, Config::insecure_fast_for_tests())
            .expect("building the repository"),
    )
}

/// A fresh database, a repository on it, tenant `acme` and its plants `P1`, `P2`, `P3`.
pub struct Fixture {
    pub db: TestDb,
    pub repo: Arc<dyn UserRepository>,
    pub tenant: TenantView,
    pub plants: Vec<PlantView>,
}

pub async fn fixture() -> Fixture {
    let db = TestDb::migrated().await;
    let repo = repository(db.conn().clone());
    seed(db, repo).await
}

/// Creates tenant `acme` with plants `P1`..`P3` through `repo` (which must run on `db`).
pub async fn seed(db: TestDb, repo: Arc<dyn UserRepository>) -> Fixture {
    let tenant = repo
        .create_tenant(new_tenant("acme", "Acme"), None)
        .await
        .expect("creating tenant acme");
    let mut plants = Vec::new();
    for (code, name) in [
        ("P1", "Plant One"),
        ("P2", "Plant Two"),
        ("P3", "Plant Three"),
    ] {
        plants.push(
            repo.create_plant(tenant.id, new_plant(code, name), None)
                .await
                .expect("creating a plant"),
        );
    }
    Fixture {
        db,
        repo,
        tenant,
        plants,
    }
}

impl Fixture {
    /// Tenant `acme`'s id.
    pub fn tid(&self) -> TenantId {
        self.tenant.id
    }

    /// The database connection (no metric callback).
    pub fn conn(&self) -> &DatabaseConnection {
        self.db.conn()
    }

    /// Plant `P{n+1}`'s id.
    pub fn plant(&self, n: usize) -> PlantId {
        self.plants[n].id
    }

    /// Creates an active user without a password in `acme`; its display name is the username.
    pub async fn user(&self, username: &str) -> UserView {
        self.create(new_user(username)).await
    }

    /// Creates `input` in `acme`, panicking on error.
    pub async fn create(&self, input: NewUser) -> UserView {
        let username = input.username.clone();
        self.repo
            .create_user(self.tid(), input, None)
            .await
            .unwrap_or_else(|e| panic!("creating user {username:?}: {e:?}"))
    }

    /// Creates a user with `tenant_role: Admin`.
    pub async fn admin(&self, username: &str) -> UserView {
        self.create(NewUser {
            tenant_roles: vec![UserRole::Admin.into()],
            ..new_user(username)
        })
        .await
    }

    /// Creates a second tenant `slug` (see [`create_other_tenant`]).
    pub async fn other_tenant(&self, slug: &str) -> TenantView {
        create_other_tenant(&*self.repo, slug).await
    }

    /// The user's row, read through the entity (deleted rows included).
    pub async fn row(&self, id: UserId) -> Option<users::Model> {
        users::Entity::find_by_id(id)
            .one(self.conn())
            .await
            .expect("reading a user row")
    }

    /// The user's security stamp, read through the entity.
    pub async fn stamp(&self, id: UserId) -> String {
        self.row(id).await.expect("user row").security_stamp
    }

    /// Rows of `user_plant_roles` for the user.
    pub async fn role_rows(&self, id: UserId) -> u64 {
        user_plant_roles::Entity::find()
            .filter(user_plant_roles::Column::UserId.eq(id))
            .count(self.conn())
            .await
            .expect("counting role rows")
    }

    /// Every user row of the tenant, deleted ones included.
    pub async fn user_rows(&self, tenant: TenantId) -> u64 {
        users::Entity::find()
            .filter(users::Column::TenantId.eq(tenant))
            .count(self.conn())
            .await
            .expect("counting user rows")
    }

    /// Audit events of `tenant`, read through the entity.
    pub async fn audit_count(&self, tenant: TenantId) -> u64 {
        audit_events::Entity::find()
            .filter(audit_events::Column::TenantId.eq(tenant))
            .count(self.conn())
            .await
            .expect("counting audit events")
    }

    /// Every audit event in the database, newest first.
    pub async fn all_audit_rows(&self) -> Vec<audit_events::Model> {
        audit_events::Entity::find()
            .order_by_desc(audit_events::Column::Id)
            .all(self.conn())
            .await
            .expect("reading audit events")
    }

    /// The user's plant roles as `(plant, role)` pairs sorted by plant id.
    pub async fn roles_of(&self, id: UserId) -> Vec<(PlantId, UserRole)> {
        let view = self
            .repo
            .get_user(self.tid(), id)
            .await
            .expect("get_user")
            .expect("user exists");
        roles(&view)
    }
}
