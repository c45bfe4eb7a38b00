//! `import_users`: batched bulk import with pre-hashed passwords and plant roles.

mod common;

use common::{create_other_tenant, new_plant, new_tenant};
use std::sync::{Arc, Mutex};
use tenantry_service::hashing::HashFormat;
use tenantry_service::migration::sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use tenantry_service::prelude::*;
use tenantry_service::validation::Rule;
use tenantry_service::{
    Config, Error, IMPORT_BATCH, ImportedHash, ImportedUser, LoginContext, LoginSource,
    PageRequest, Password, PlantId, PlantRole, RoleKey, SeaOrmUserRepository, TenantId, UserFilter,
    UserRole,
};
use tenantry_service::{ImportProgress, ImportStage, Problem, RowProblem};
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
            LoginContext::from(LoginSource::api()),
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
    // A bcrypt hash with a cost no login should pay (2^31 rounds).
    users[IMPORT_BATCH + 3].password_hash =
        ImportedHash::new("$2b$31$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW");
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

// ---- All or nothing (`import_users_all_or_nothing`, what `tenantry user import` uses) ----

fn refused_problems(result: Result<Vec<tenantry_service::UserId>, Error>) -> Vec<RowProblem> {
    match result {
        Err(Error::ImportRefused { problems }) => problems,
        other => panic!("expected ImportRefused, got {other:?}"),
    }
}

fn problem(index: usize, field: &'static str, problem: Problem) -> RowProblem {
    RowProblem {
        index,
        field,
        problem,
    }
}

#[tokio::test]
async fn all_or_nothing_imports_every_row_in_one_transaction_and_reports_progress() {
    let s = setup().await;
    let n = 2 * IMPORT_BATCH + 3;
    let users: Vec<ImportedUser> = (0..n).map(|i| user(&s, i)).collect();
    let stages = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&stages);
    let progress: ImportProgress = Arc::new(move |stage| seen.lock().unwrap().push(stage));
    let ids = s
        .repo
        .import_users_all_or_nothing(s.tenant, users, None, Some(progress))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ids.len(), n);
    assert_eq!(count(&s).await, n as u64);
    let stages = stages.lock().unwrap().clone();
    assert_eq!(stages.first(), Some(&ImportStage::Checked { rows: n }));
    assert_eq!(
        stages.last(),
        Some(&ImportStage::Written {
            written: n,
            rows: n
        })
    );
    assert_eq!(stages.len(), 1 + n.div_ceil(IMPORT_BATCH));
    let last = s
        .repo
        .get_user_by_username(s.tenant, &format!("user{:05}", n - 1))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("imported"));
    assert_eq!(last.id, ids[n - 1]);
}

#[tokio::test]
async fn all_or_nothing_reports_every_problem_of_every_row_and_writes_nothing() {
    let s = setup().await;
    let other = s.other_tenant("other").await;
    let foreign_plant = s
        .repo
        .create_plant(other, new_plant("X1", "X1"), None)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .id;
    // Already in the tenant: one live user, one soft-deleted (its names stay reserved).
    s.repo
        .import_user(s.tenant, user(&s, 90), None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let deleted = s
        .repo
        .import_user(s.tenant, user(&s, 91), None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    s.repo
        .delete_user(s.tenant, deleted.id, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let before = count(&s).await;

    let mut rows: Vec<ImportedUser> = (0..8).map(|i| user(&s, i)).collect();
    rows[1].email = Some("not an email".into());
    rows[1].password_hash =
        ImportedHash::new("$2b$31$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW");
    rows[2].username = "USER00000".into(); // row 0's, in another case
    rows[3].username = "user00090".into(); // a live user's
    rows[4].email = Some("User00091@Example.com".into()); // a deleted user's
    rows[5].plant_roles[0].plant_id = foreign_plant;
    rows[6].tenant_roles = vec![RoleKey::new("no_such_role").unwrap_or_else(|e| panic!("{e}"))];
    rows[7].username = "usеr00000".into(); // Cyrillic е: looks like row 0's
    // A big file whose one bad row is past the first batch.
    rows.extend((100..100 + IMPORT_BATCH).map(|i| user(&s, i)));
    rows.push(ImportedUser {
        password_hash: ImportedHash::new("pbkdf2_sha256$9223372036854775808$salt$aGFzaA=="),
        ..user(&s, 5000)
    });
    let last = rows.len() - 1;

    let problems = refused_problems(
        s.repo
            .import_users_all_or_nothing(s.tenant, rows, None, None)
            .await,
    );
    let format = HashFormat::Bcrypt;
    assert_eq!(
        problems,
        vec![
            problem(
                1,
                "email",
                Problem::Invalid {
                    rule: Rule::InvalidFormat
                }
            ),
            problem(
                1,
                "password_hash",
                Problem::Invalid {
                    rule: Rule::HashOutOfBounds { format }
                }
            ),
            problem(2, "username", Problem::SameAsRow { row: 0 }),
            problem(3, "username", Problem::Taken),
            problem(4, "email", Problem::Taken),
            problem(5, "plant_roles", Problem::PlantNotFound),
            problem(6, "tenant_roles", Problem::RoleRefused),
            problem(7, "username", Problem::SameAsRow { row: 0 }),
            problem(
                last,
                "password_hash",
                Problem::Invalid {
                    rule: Rule::MalformedHash {
                        format: HashFormat::DjangoPbkdf2Sha256
                    }
                }
            ),
        ]
    );
    // Nothing of it is shown: no value in any message.
    for p in &problems {
        let shown = p.to_string();
        assert!(!shown.contains("user0") && !shown.contains('$'), "{shown}");
    }
    assert_eq!(count(&s).await, before, "nothing was written");
}

/// Two all-or-nothing imports racing for one username, each three batches long with the
/// shared name last: one imports everything, the other nothing at all — not even its first
/// two batches, which it had written in its transaction.
#[tokio::test]
async fn racing_all_or_nothing_imports_leave_one_whole_and_nothing_of_the_other() {
    let s = setup().await;
    let rows = |prefix: &str| -> Vec<ImportedUser> {
        let mut rows: Vec<ImportedUser> = (0..2 * IMPORT_BATCH + 1)
            .map(|i| ImportedUser {
                username: format!("{prefix}{i:05}"),
                email: None,
                ..user(&s, i)
            })
            .collect();
        rows.last_mut().unwrap_or_else(|| panic!("rows")).username = "shared".into();
        rows
    };
    let (a, b) = tokio::join!(
        s.repo
            .import_users_all_or_nothing(s.tenant, rows("a"), None, None),
        s.repo
            .import_users_all_or_nothing(s.tenant, rows("b"), None, None),
    );
    let (won, lost) = match (a, b) {
        (Ok(ids), Err(error)) => ((ids, "a"), (error, "b")),
        (Err(error), Ok(ids)) => ((ids, "b"), (error, "a")),
        other => panic!("exactly one must win: {other:?}"),
    };
    assert_eq!(won.0.len(), 2 * IMPORT_BATCH + 1);
    match lost.0 {
        Error::ImportRefused { problems } => {
            assert_eq!(
                problems,
                vec![problem(2 * IMPORT_BATCH, "username", Problem::Taken)]
            );
        }
        Error::ImportRow {
            index,
            imported,
            source,
        } => {
            assert_eq!((index, imported), (2 * IMPORT_BATCH, 0));
            assert!(matches!(*source, Error::UsernameTaken), "{source:?}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(count(&s).await, (2 * IMPORT_BATCH + 1) as u64);
    let loser = s
        .repo
        .get_user_by_username(s.tenant, &format!("{}00000", lost.1))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(loser.is_none(), "the loser's first batch was rolled back");
}
