//! Shared parts of tenantry's benches: a seeded tenant and the hand-written sqlx baseline the
//! benches compare tenantry with.
//!
//! The database is the one [`tenantry_testkit::TestDb`] gives a test: a fresh SQLite file in a
//! temporary directory, or a fresh database on the server `DATABASE_URL` names (PostgreSQL or
//! MySQL/MariaDB), dropped at the end of the run.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
// A bench cannot run without its fixture: failing loudly is the right response.
#![allow(clippy::expect_used)]

pub mod baseline;

use sea_orm::{ActiveValue::Set, EntityTrait, QueryOrder, QuerySelect, TransactionTrait};
use std::time::Instant;
use tenantry_service::entity::{SecretHash, user_plant_roles, users};
use tenantry_service::hashing::HashingConfig;
use tenantry_service::normalize::{email_key, username_key};
use tenantry_service::{
    Config, NewPlant, NewTenant, Password, PlantId, SeaOrmUserRepository, TenantId, UserId,
    UserRepository, UserRole, UserStatus,
};
use tenantry_testkit::TestDb;

/// The password of every seeded user.
pub const PASSWORD: &str = "correct horse battery staple";

/// Plants of the seeded tenant.
pub const PLANTS: usize = 20;

/// Rows per multi-row insert while seeding: below every backend's bind-parameter limit
/// (SQLite 32 766, PostgreSQL and MySQL 65 535) with the users table's 24 columns.
const SEED_BATCH: usize = 500;

/// A migrated database holding one tenant with [`PLANTS`] plants and a number of users, each
/// with two plant roles (every tenth also with a tenant role).
pub struct Fixture {
    /// Keeps the database alive (and drops a server database at the end).
    pub db: TestDb,
    /// The repository under test.
    pub repo: SeaOrmUserRepository,
    /// The seeded tenant.
    pub tenant: TenantId,
    /// Its plants, in creation order.
    pub plants: Vec<PlantId>,
    /// Its users' ids, in username order (`user00000`, `user00001`, …).
    pub users: Vec<UserId>,
}

/// The username of seeded user `i`.
pub fn username(i: usize) -> String {
    format!("user{i:07}")
}

/// The plant role of seeded user `i` at its first plant.
fn role_of(i: usize) -> UserRole {
    match i % 4 {
        0 => UserRole::Operator,
        1 => UserRole::Supervisor,
        2 => UserRole::Engineer,
        _ => UserRole::Admin,
    }
}

impl Fixture {
    /// Seeds `users` users with batched multi-row inserts through the entities (not one
    /// `create_user` per user), all with the same password hash made with `hashing`.
    ///
    /// # Panics
    ///
    /// When the database cannot be created or seeded: a bench cannot run without it.
    pub async fn seed(users: usize, hashing: HashingConfig) -> Self {
        let started = Instant::now();
        let db = TestDb::migrated().await;
        let config = Config {
            hashing,
            ..Config::insecure_fast_for_tests()
        };
        let repo = SeaOrmUserRepository::new(db.conn().clone(), config).expect("repository");
        let tenant = repo
            .create_tenant(
                NewTenant {
                    slug: "bench".into(),
                    name: "Bench".into(),
                },
                None,
            )
            .await
            .expect("tenant")
            .id;
        let mut plants = Vec::with_capacity(PLANTS);
        for p in 0..PLANTS {
            let plant = repo
                .create_plant(
                    tenant,
                    NewPlant {
                        code: format!("P{p:02}"),
                        name: format!("Plant {p}"),
                    },
                    None,
                )
                .await
                .expect("plant");
            plants.push(plant.id);
        }
        let hash = repo
            .hasher()
            .hash(&Password::new(PASSWORD))
            .await
            .expect("hash");
        let users = insert_users(&repo, tenant, &plants, users, &hash).await;
        eprintln!(
            "seeded {} users on {:?} in {:.1?}",
            users.len(),
            db.backend(),
            started.elapsed()
        );
        Self {
            db,
            repo,
            tenant,
            plants,
            users,
        }
    }
}

async fn insert_users(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    plants: &[PlantId],
    count: usize,
    hash: &SecretHash,
) -> Vec<UserId> {
    let db = repo.connection();
    let now = chrono::Utc::now();
    for start in (0..count).step_by(SEED_BATCH) {
        let end = usize::min(start + SEED_BATCH, count);
        let txn = db.begin().await.expect("begin");
        let rows = (start..end).map(|i| {
            let name = username(i);
            let email = format!("{name}@example.com");
            users::ActiveModel {
                pid: Set(uuid::Uuid::now_v7()),
                tenant_id: Set(tenant),
                username_key: Set(username_key(&name)),
                username: Set(name.clone()),
                email_key: Set(Some(email_key(&email))),
                email: Set(Some(email)),
                display_name: Set(format!("User {i}")),
                password_hash: Set(Some(hash.clone())),
                status: Set(UserStatus::Active),
                tenant_role: Set(i.is_multiple_of(10).then_some(UserRole::Operator)),
                security_stamp: Set(uuid::Uuid::new_v4().simple().to_string()),
                failed_login_count: Set(0),
                lock_count: Set(0),
                email_verified_at: Set(None),
                locked_until: Set(None),
                last_login_at: Set(None),
                login_count: Set(0),
                last_active_at: Set(None),
                expires_at: Set(None),
                metadata: Set(None),
                deleted_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
        });
        users::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await
            .expect("insert users");
        let ids: Vec<UserId> = users::Entity::find()
            .select_only()
            .column(users::Column::Id)
            .filter_by_username_range(tenant, &username(start), &username(end - 1))
            .order_by_asc(users::Column::UsernameKey)
            .into_tuple()
            .all(&txn)
            .await
            .expect("user ids");
        let roles = ids.iter().enumerate().flat_map(|(k, id)| {
            let i = start + k;
            [
                (plants[i % plants.len()], role_of(i)),
                (plants[(i + 7) % plants.len()], UserRole::Operator),
            ]
            .map(|(plant, role)| user_plant_roles::ActiveModel {
                tenant_id: Set(tenant),
                user_id: Set(*id),
                plant_id: Set(plant),
                role: Set(role),
                granted_by: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            })
        });
        user_plant_roles::Entity::insert_many(roles)
            .exec_without_returning(&txn)
            .await
            .expect("insert roles");
        txn.commit().await.expect("commit");
    }
    users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .order_by_asc(users::Column::UsernameKey)
        .into_tuple()
        .all(db)
        .await
        .expect("user ids")
}

/// The users of a tenant whose username key lies in a range (seeding reads back the ids of
/// the batch it just inserted).
trait UsernameRange {
    fn filter_by_username_range(self, tenant: TenantId, first: &str, last: &str) -> Self;
}

impl UsernameRange for sea_orm::Select<users::Entity> {
    fn filter_by_username_range(self, tenant: TenantId, first: &str, last: &str) -> Self {
        use sea_orm::{ColumnTrait, QueryFilter};
        self.filter(users::Column::TenantId.eq(tenant))
            .filter(users::Column::UsernameKey.between(first, last))
    }
}
