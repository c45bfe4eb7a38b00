//! Fixtures shared by the service's integration tests.
//!
//! Every test builds its own [`Fixture`] on its own fresh database ([`TestDb::migrated`]): SQLite
//! when `DATABASE_URL` is unset, else a database of its own on the server it names.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::fmt::Debug;
use std::sync::Arc;

use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use tenantry_service::entity::{audit_events, user_plant_roles, users};
use tenantry_service::validation::{Rule, ValidationErrors};
use tenantry_service::{
    Config, Error, NewPlant, NewTenant, NewUser, Password, PlantId, PlantRole, PlantView, Result,
    SeaOrmUserRepository, TenantId, TenantView, UserId, UserRepository, UserRole, UserView,
};
use tenantry_testkit::TestDb;

/// A password the real policy accepts (zxcvbn score 4, no personal names in it).
pub const STRONG: &str = "vivid ocelot tangles quietly";

/// Asserts that `$result` is `Err` matching `$pattern`, printing what it was otherwise.
#[allow(unused_macros)]
macro_rules! assert_err {
    ($result:expr, $pattern:pat $(,)?) => {
        match $result {
            Err($pattern) => {}
            other => panic!(
                "expected Err({}), got {:?} (at {}:{})",
                stringify!($pattern),
                other,
                file!(),
                line!()
            ),
        }
    };
    ($result:expr, $pattern:pat, $($context:tt)+) => {
        match $result {
            Err($pattern) => {}
            other => panic!(
                "expected Err({}), got {:?}: {}",
                stringify!($pattern),
                other,
                format!($($context)+)
            ),
        }
    };
}

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
            tenant_role: Some(UserRole::Admin),
            ..new_user(username)
        })
        .await
    }

    /// Creates a second tenant.
    pub async fn other_tenant(&self, slug: &str) -> TenantView {
        self.repo
            .create_tenant(new_tenant(slug, "Other"), None)
            .await
            .expect("creating a second tenant")
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

pub fn new_tenant(slug: &str, name: &str) -> NewTenant {
    NewTenant {
        slug: slug.to_owned(),
        name: name.to_owned(),
    }
}

pub fn new_plant(code: &str, name: &str) -> NewPlant {
    NewPlant {
        code: code.to_owned(),
        name: name.to_owned(),
    }
}

/// An active user without password whose display name is its username.
pub fn new_user(username: &str) -> NewUser {
    NewUser {
        username: username.to_owned(),
        display_name: username.to_owned(),
        ..NewUser::default()
    }
}

/// `new_user` with a strong password.
pub fn new_user_with_password(username: &str) -> NewUser {
    NewUser {
        password: Some(Password::new(STRONG)),
        ..new_user(username)
    }
}

pub fn plant_role(plant: PlantId, role: UserRole) -> PlantRole {
    PlantRole {
        plant_id: plant,
        role,
    }
}

/// A view's plant roles as `(plant, role)` pairs sorted by plant id.
pub fn roles(view: &UserView) -> Vec<(PlantId, UserRole)> {
    let mut roles: Vec<_> = view
        .plant_roles
        .iter()
        .map(|r| (r.plant_id, r.role))
        .collect();
    roles.sort();
    roles
}

/// The validation errors of a result that must be `InvalidInput`.
pub fn invalid<T: Debug>(result: Result<T>) -> ValidationErrors {
    match result {
        Err(Error::InvalidInput(errors)) => errors,
        other => panic!("expected Err(InvalidInput), got {other:?}"),
    }
}

/// Checks one row of a validation table: `Ok` must be accepted, `Err(rule)` must be refused
/// with exactly that rule on `field`.
pub fn check_case<T: Debug>(
    field: &str,
    input: &str,
    expected: std::result::Result<(), Rule>,
    result: Result<T>,
) {
    match (expected, result) {
        (Ok(()), Ok(_)) => {}
        (Ok(()), Err(e)) => panic!("{field} {input:?} should be accepted, got {e:?}"),
        (Err(rule), Err(Error::InvalidInput(errors))) => assert!(
            errors.has(field, rule),
            "{field} {input:?}: expected {rule:?} on {field}, got {errors:?}"
        ),
        (Err(rule), other) => {
            panic!("{field} {input:?}: expected InvalidInput({rule:?}), got {other:?}")
        }
    }
}

/// Usernames of a list of views, in order.
pub fn usernames(views: &[UserView]) -> Vec<String> {
    views.iter().map(|u| u.username.clone()).collect()
}
