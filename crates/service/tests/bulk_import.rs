//! `import_users`: batched bulk import with pre-hashed passwords and plant roles.

mod common;

use common::{create_other_tenant, new_plant, new_tenant};
use tenantry_service::migration::sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use tenantry_service::prelude::*;
use tenantry_service::{
    Config, Error, IMPORT_BATCH, ImportedHash, ImportedUser, LoginContext, LoginSource,
    PageRequest, Password, PlantId, PlantRole, SeaOrmUserRepository, TenantId, UserFilter,
    UserRole,
};
use tenantry_testkit::TestDb;

const PASSWORD: &str = "correct horse battery staple";

struct Setup {
    db: TestDb,
    repo: SeaOrmUserRepository,
    tenant: TenantId,
    plants: Vec<PlantId>,
    hash: String,
}

async fn setup() -> Setup {
    let db = TestDb::migrated().await;
    let repo = SeaOrmUserRepository::new(db.conn().clone(), Config::insecure_fast_for_tests())
        .unwrap_or_else(|e| panic!("{e}"));
    let tenant = repo
        .create_tenant(new_tenant("acme", "acme"), None)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .id;
    let mut plants = Vec::new();
    for code in ["P1", "P2"] {
        let plant = repo
            .create_plant(tenant, new_plant(code, code), None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        plants.push(plant.id);
    }
    let hash = repo
        .hasher()
        .hash(&Password::new(PASSWORD))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .expose()
        .to_owned();
    Setup {
        db,
        repo,
        tenant,
        plants,
        hash,
    }
}

impl Setup {
    /// A second tenant `slug`, from the shared harness.
    async fn other_tenant(&self, slug: &str) -> TenantId {
        create_other_tenant(&self.repo, slug).await.id
    }
}

fn user(s: &Setup, i: usize) -> ImportedUser {
    ImportedUser {
        username: format!("user{i:05}"),
        email: Some(format!("user{i:05}@example.com")),
        display_name: format!("User {i}"),
        password_hash: ImportedHash::new(s.hash.clone()),
        tenant_roles: i
            .is_multiple_of(3)
            .then_some(UserRole::Operator.into())
            .into_iter()
            .collect(),
        plant_roles: vec![PlantRole {
            plant_id: s.plants[i % 2],
            role: UserRole::Engineer.into(),
        }],
    }
}

async fn count(s: &Setup) -> u64 {
    s.repo
        .count_users(s.tenant, &UserFilter::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The refused row, the rows committed before it and the reason.
fn refusal(result: Result<Vec<tenantry_service::UserId>, Error>) -> (usize, usize, Error) {
    match result {
        Err(Error::ImportRow {
            index,
            imported,
            source,
        }) => (index, imported, *source),
        other => panic!("expected ImportRow, got {other:?}"),
    }
}

#[tokio::test]
async fn imports_users_with_roles_and_their_hashes_log_in() {
    let s = setup().await;
    let n = IMPORT_BATCH + 7;
    let users = (0..n).map(|i| user(&s, i)).collect();
    let ids = s
        .repo
        .import_users(s.tenant, users, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ids.len(), n);
    assert_eq!(count(&s).await, n as u64);

    let last = format!("user{:05}", n - 1);
    let view = s
        .repo
        .get_user_by_username(s.tenant, &last)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("imported user missing"));
    assert_eq!(view.id, ids[n - 1]);
    assert!(view.has_password);
    assert_eq!(view.plant_roles.len(), 1);
    assert_eq!(view.plant_roles[0].plant_id, s.plants[(n - 1) % 2]);
    assert_eq!(view.plant_roles[0].role, UserRole::Engineer);

    let login = s
        .repo
        .authenticate(
            s.tenant,
            "user00003",
            &Password::new(PASSWORD),
            LoginContext::from(LoginSource::Api),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(login.user.id, ids[3]);
    assert_eq!(login.user.tenant_roles, [UserRole::Operator]);

    let audit = s
        .repo
        .list_audit_events(s.tenant, PageRequest::first(1))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // The tenant and its two plants, then one event per imported user.
    assert_eq!(audit.total, n as u64 + 3);
}

#[tokio::test]
async fn an_invalid_row_refuses_the_whole_call_before_anything_is_written() {
    let s = setup().await;
    let mut users: Vec<ImportedUser> = (0..IMPORT_BATCH + 20).map(|i| user(&s, i)).collect();
    users[IMPORT_BATCH + 3].password_hash =
        ImportedHash::new("$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW");
    let (index, imported, source) = refusal(s.repo.import_users(s.tenant, users, None).await);
    assert_eq!((index, imported), (IMPORT_BATCH + 3, 0));
    assert!(matches!(source, Error::InvalidInput(e) if e.errors()[0].field == "password_hash"));
    assert_eq!(count(&s).await, 0);
}

#[tokio::test]
async fn duplicates_within_the_call_are_refused_by_index() {
    let s = setup().await;
    let mut users: Vec<ImportedUser> = (0..10).map(|i| user(&s, i)).collect();
    users[7].username = "USER00002".into();
    let (index, _, source) = refusal(s.repo.import_users(s.tenant, users, None).await);
    assert_eq!(index, 7);
    assert!(matches!(source, Error::UsernameTaken));

    let mut users: Vec<ImportedUser> = (0..10).map(|i| user(&s, i)).collect();
    users[9].email = Some(" User00004@Example.com ".into());
    let (index, _, source) = refusal(s.repo.import_users(s.tenant, users, None).await);
    assert_eq!(index, 9);
    assert!(matches!(source, Error::EmailTaken));

    let mut users: Vec<ImportedUser> = (0..3).map(|i| user(&s, i)).collect();
    let again = users[1].plant_roles[0].clone();
    users[1].plant_roles.push(again);
    let (index, _, source) = refusal(s.repo.import_users(s.tenant, users, None).await);
    assert_eq!(index, 1);
    assert!(matches!(source, Error::InvalidInput(_)));
    assert_eq!(count(&s).await, 0);
}

#[tokio::test]
async fn a_row_the_database_refuses_rolls_back_its_batch_only() {
    let s = setup().await;
    // An existing user whose username row IMPORT_BATCH + 5 repeats.
    let taken = IMPORT_BATCH + 5;
    let existing = ImportedUser {
        email: None,
        ..user(&s, taken)
    };
    s.repo
        .import_users(s.tenant, vec![existing], None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let users = (0..IMPORT_BATCH + 10).map(|i| user(&s, i)).collect();
    let (index, imported, source) = refusal(s.repo.import_users(s.tenant, users, None).await);
    assert_eq!((index, imported), (taken, IMPORT_BATCH));
    assert!(matches!(source, Error::UsernameTaken), "{source:?}");
    // The first batch is committed; nothing of the second (not even the rows before `taken`).
    assert_eq!(count(&s).await, IMPORT_BATCH as u64 + 1);
    let unwritten = format!("user{:05}", IMPORT_BATCH);
    assert!(
        s.repo
            .get_user_by_username(s.tenant, &unwritten)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .is_none()
    );
}

#[tokio::test]
async fn a_plant_of_another_tenant_is_not_found_and_nothing_is_written() {
    let s = setup().await;
    let other = s.other_tenant("other").await;
    let foreign = s
        .repo
        .create_plant(other, new_plant("X", "X"), None)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .id;
    let mut users: Vec<ImportedUser> = (0..5).map(|i| user(&s, i)).collect();
    users[2].plant_roles = vec![PlantRole {
        plant_id: foreign,
        role: UserRole::Admin.into(),
    }];
    let (index, imported, source) = refusal(s.repo.import_users(s.tenant, users, None).await);
    assert_eq!((index, imported), (2, 0));
    assert!(matches!(source, Error::NotFound), "{source:?}");
    assert_eq!(count(&s).await, 0);
}

#[tokio::test]
async fn an_unknown_tenant_is_not_found() {
    let s = setup().await;
    let users = vec![user(&s, 0)];
    let result = s.repo.import_users(TenantId(9_999), users, None).await;
    assert!(matches!(result, Err(Error::NotFound)), "{result:?}");
}

/// PostgreSQL plans the composite foreign-key lookup of every imported plant role
/// (`SELECT 1 FROM tenantry_users WHERE id = $1 AND tenant_id = $2 FOR KEY SHARE`) from its statistics
/// of `users`. Left describing an empty tenant, they made it scan `ix_users_tenant_live` over
/// all of the tenant's users for each role row (quadratic imports); the import refreshes them,
/// so after it the lookup is a probe of a unique index. Other backends do not plan the check.
#[tokio::test]
async fn after_an_import_the_role_foreign_key_lookup_probes_a_unique_index() {
    let s = setup().await;
    if s.db.backend() != DatabaseBackend::Postgres {
        return;
    }
    // Two batches: enough rows that a sequential scan is no longer the cheapest lookup.
    let n = IMPORT_BATCH + 7;
    let users = (0..n).map(|i| user(&s, i)).collect();
    let ids = s
        .repo
        .import_users(s.tenant, users, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // The lookup PostgreSQL's RI trigger runs, with the values of an imported role row.
    let lookup = format!(
        "EXPLAIN SELECT 1 FROM ONLY tenantry_users x WHERE id = {} AND tenant_id = {} FOR KEY SHARE OF x",
        ids[n - 1].0,
        s.tenant.0
    );
    let plan: Vec<String> =
        s.db.conn()
            .query_all_raw(Statement::from_string(DatabaseBackend::Postgres, lookup))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .iter()
            .map(|row| {
                row.try_get_by_index::<String>(0)
                    .unwrap_or_else(|e| panic!("{e}"))
            })
            .collect();
    let plan = plan.join("\n");
    assert!(
        plan.contains("users_pkey") || plan.contains("ux_users_id_tenant"),
        "{plan}"
    );
}
