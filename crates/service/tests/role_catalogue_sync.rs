//! The role catalogue in the database (issue 14, part 2): the seed of migration 000017,
//! reconciliation at startup (`sync_role_catalogue`, `SeaOrmUserRepository::open`) and reading
//! it back (`load_role_catalogue`), on the backend `DATABASE_URL` names (unset: SQLite).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

#[macro_use]
mod common;

use common::*;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use tenantry_service::entity::{AuditAction, role_catalogue, roles, user_plant_roles};
use tenantry_service::{
    CatalogueSync, Config, Error, MissingRoles, NewUser, RoleCatalogue, RoleDef, RoleKey,
    RoleScope, SeaOrmUserRepository, StoredCatalogueError, TenantId, UserId, UserRole,
    load_role_catalogue, sync_role_catalogue,
};

const REFUSE: MissingRoles = MissingRoles::Refuse;
const REVOKE: MissingRoles = MissingRoles::Revoke;

fn key(s: &str) -> RoleKey {
    RoleKey::new(s).unwrap()
}

fn keys(list: &[&str]) -> Vec<RoleKey> {
    list.iter().map(|s| key(s)).collect()
}

/// The default four, as `RoleCatalogue::default()` declares them, then `extra`.
fn default_with(extra: impl IntoIterator<Item = RoleDef>) -> RoleCatalogue {
    RoleCatalogue::ordered([
        ("operator", "Operator"),
        ("supervisor", "Supervisor"),
        ("engineer", "Engineer"),
        ("admin", "Administrator"),
    ])
    .administrator("admin")
    .exclusive_per_scope()
    .roles(extra)
    .build()
    .unwrap()
}

/// The default catalogue without `supervisor`: `engineer` implies `operator` now.
fn without_supervisor() -> RoleCatalogue {
    RoleCatalogue::ordered([
        ("operator", "Operator"),
        ("engineer", "Engineer"),
        ("admin", "Administrator"),
    ])
    .administrator("admin")
    .exclusive_per_scope()
    .build()
    .unwrap()
}

/// The `roles` rows, in position order.
async fn rows(f: &Fixture) -> Vec<roles::Model> {
    roles::Entity::find()
        .order_by_asc(roles::Column::Position)
        .all(f.conn())
        .await
        .unwrap()
}

/// The `roles` rows a catalogue should be stored as, without timestamps:
/// `(key, name, scope, administers_users, is_default, implies, grants, position)`.
type RowShape = (String, String, String, bool, bool, String, String, i32);

fn shape(rows: &[roles::Model]) -> Vec<RowShape> {
    rows.iter()
        .map(|r| {
            (
                r.key.clone(),
                r.name.clone(),
                r.scope.as_str().to_owned(),
                r.administers_users,
                r.is_default,
                r.implies.clone(),
                r.grants.clone(),
                r.position,
            )
        })
        .collect()
}

/// Computed from the catalogue's public API and its serialized shape, independently of the
/// store's code.
fn expected_shape(catalogue: &RoleCatalogue) -> Vec<RowShape> {
    catalogue
        .roles()
        .iter()
        .zip(0..)
        .map(|(role, position)| {
            (
                role.key().to_string(),
                role.name().to_owned(),
                serde_json::to_value(role.scope())
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned(),
                role.administers_users(),
                role.is_default(),
                serde_json::to_string(role.implies()).unwrap(),
                serde_json::to_string(role.delegation()).unwrap(),
                position,
            )
        })
        .collect()
}

async fn exclusive(f: &Fixture) -> bool {
    role_catalogue::Entity::find_by_id(role_catalogue::ROW_ID)
        .one(f.conn())
        .await
        .unwrap()
        .expect("the role_catalogue row")
        .exclusive_per_scope
}

async fn sync(f: &Fixture, catalogue: &RoleCatalogue, missing: MissingRoles) -> CatalogueSync {
    sync_role_catalogue(f.conn(), catalogue, missing)
        .await
        .unwrap_or_else(|e| panic!("sync: {e:?}"))
}

#[tokio::test]
async fn the_migration_seeds_exactly_the_default_catalogue() {
    let f = fixture().await;
    let default = RoleCatalogue::default();
    assert_eq!(shape(&rows(&f).await), expected_shape(&default));
    assert!(exclusive(&f).await);
    assert_eq!(load_role_catalogue(f.conn()).await.unwrap(), default);
}

#[tokio::test]
async fn re_syncing_the_default_catalogue_changes_nothing() {
    let f = fixture().await;
    let before = rows(&f).await;
    let synced = sync(&f, &RoleCatalogue::default(), REFUSE).await;
    assert!(synced.is_unchanged(), "{synced:?}");
    // Not even a timestamp.
    assert_eq!(rows(&f).await, before);

    // What a host does at startup, twice.
    let config = Config::insecure_fast_for_tests();
    for _ in 0..2 {
        SeaOrmUserRepository::open(f.conn().clone(), config.clone())
            .await
            .unwrap();
    }
    assert_eq!(rows(&f).await, before);
}

#[tokio::test]
async fn new_roles_are_added_after_the_declared_ones() {
    let f = fixture().await;
    let seeded = rows(&f).await;
    // The fibre planner's roles that the default does not have, flat, beside the default four.
    let catalogue = default_with([
        RoleDef::new("project_manager", "Project manager"),
        RoleDef::new("field_worker", "Field worker"),
    ]);
    let synced = sync(&f, &catalogue, REFUSE).await;
    assert_eq!(synced.added, keys(&["project_manager", "field_worker"]));
    assert!(synced.updated.is_empty() && synced.removed.is_empty());
    assert_eq!((synced.revoked, synced.exclusive_changed), (0, false));
    let now = rows(&f).await;
    assert_eq!(shape(&now), expected_shape(&catalogue));
    assert_eq!(&now[..4], &seeded[..], "the four seeded rows are untouched");
    assert_eq!(load_role_catalogue(f.conn()).await.unwrap(), catalogue);
    assert!(sync(&f, &catalogue, REFUSE).await.is_unchanged());
}

#[tokio::test]
async fn a_new_display_name_updates_its_row() {
    let f = fixture().await;
    let seeded = rows(&f).await;
    let catalogue = RoleCatalogue::ordered([
        ("operator", "Operator"),
        ("supervisor", "Supervisor"),
        ("engineer", "Engineer"),
        ("admin", "Admin"),
    ])
    .administrator("admin")
    .exclusive_per_scope()
    .build()
    .unwrap();
    let synced = sync(&f, &catalogue, REFUSE).await;
    assert_eq!(synced.updated, keys(&["admin"]));
    assert!(synced.added.is_empty() && synced.removed.is_empty());
    let now = rows(&f).await;
    assert_eq!(now[3].name, "Admin");
    assert_eq!(now[3].created_at, seeded[3].created_at);
    assert!(now[3].updated_at >= seeded[3].updated_at);
    assert_eq!(&now[..3], &seeded[..3]);
    assert_eq!(load_role_catalogue(f.conn()).await.unwrap(), catalogue);
}

#[tokio::test]
async fn the_catalogue_wide_setting_is_stored() {
    let f = fixture().await;
    let flat = RoleCatalogue::ordered([
        ("operator", "Operator"),
        ("supervisor", "Supervisor"),
        ("engineer", "Engineer"),
        ("admin", "Administrator"),
    ])
    .administrator("admin")
    .build()
    .unwrap();
    let synced = sync(&f, &flat, REFUSE).await;
    assert!(synced.exclusive_changed);
    assert!(synced.added.is_empty() && synced.updated.is_empty());
    assert!(!exclusive(&f).await);
    assert_eq!(load_role_catalogue(f.conn()).await.unwrap(), flat);
}

/// Three users of two tenants who hold `supervisor`: `tenant_wide` tenant-wide in acme,
/// `at_plant` at P1 in acme, `elsewhere` at a plant of globex; and `bystander`, an operator.
struct Granted {
    globex: TenantId,
    tenant_wide: UserId,
    at_plant: UserId,
    elsewhere: UserId,
    bystander: UserId,
}

async fn grant_supervisor_three_times(f: &Fixture) -> Granted {
    let tenant_wide = f
        .create(NewUser {
            tenant_roles: vec![UserRole::Supervisor.into()],
            ..new_user("tenant_wide")
        })
        .await
        .id;
    let at_plant = f
        .create(NewUser {
            plant_roles: vec![plant_role(f.plant(0), UserRole::Supervisor)],
            ..new_user("at_plant")
        })
        .await
        .id;
    let bystander = f
        .create(NewUser {
            tenant_roles: vec![UserRole::Operator.into()],
            plant_roles: vec![plant_role(f.plant(1), UserRole::Operator)],
            ..new_user("bystander")
        })
        .await
        .id;
    let globex = f.other_tenant("globex").await.id;
    let plant = f
        .repo
        .create_plant(globex, new_plant("G1", "Globex One"), None)
        .await
        .unwrap();
    let elsewhere = f
        .repo
        .create_user(
            globex,
            NewUser {
                plant_roles: vec![plant_role(plant.id, UserRole::Supervisor)],
                ..new_user("elsewhere")
            },
            None,
        )
        .await
        .unwrap()
        .id;
    Granted {
        globex,
        tenant_wide,
        at_plant,
        elsewhere,
        bystander,
    }
}

/// Every grant in the database: `(user, plant or None for tenant-wide, role)`, sorted.
async fn grants(f: &Fixture) -> Vec<(UserId, Option<i64>, String)> {
    let mut grants: Vec<_> = user_plant_roles::Entity::find()
        .all(f.conn())
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.user_id, Some(r.plant_id.0), r.role))
        .collect();
    for row in tenantry_service::entity::user_tenant_roles::Entity::find()
        .all(f.conn())
        .await
        .unwrap()
    {
        grants.push((row.user_id, None, row.role));
    }
    grants.sort();
    grants
}

async fn stamps(f: &Fixture, users: &[UserId]) -> Vec<String> {
    let mut out = Vec::new();
    for &user in users {
        out.push(f.stamp(user).await);
    }
    out
}

#[tokio::test]
async fn removing_a_granted_role_is_refused_and_writes_nothing() {
    let f = fixture().await;
    let g = grant_supervisor_three_times(&f).await;
    let users = [g.tenant_wide, g.at_plant, g.elsewhere, g.bystander];
    let (rows_before, grants_before, stamps_before) =
        (rows(&f).await, grants(&f).await, stamps(&f, &users).await);
    let audit_before = f.all_audit_rows().await.len();

    let error = sync_role_catalogue(f.conn(), &without_supervisor(), REFUSE)
        .await
        .unwrap_err();
    match &error {
        Error::RoleStillGranted { role, grants } => {
            assert_eq!((role.as_str(), *grants), ("supervisor", 3));
        }
        other => panic!("expected RoleStillGranted, got {other:?}"),
    }
    let shown = error.to_string();
    assert!(
        shown.contains("\"supervisor\"") && shown.contains(" 3 "),
        "{shown}"
    );

    // Through `open`, the host's startup, the same refusal.
    let mut config = Config::insecure_fast_for_tests();
    config.roles = without_supervisor();
    assert_err!(
        SeaOrmUserRepository::open(f.conn().clone(), config).await,
        Error::RoleStillGranted { grants: 3, .. }
    );

    assert_eq!(rows(&f).await, rows_before);
    assert_eq!(grants(&f).await, grants_before);
    assert_eq!(stamps(&f, &users).await, stamps_before);
    assert_eq!(f.all_audit_rows().await.len(), audit_before);
    assert_eq!(
        load_role_catalogue(f.conn()).await.unwrap(),
        RoleCatalogue::default()
    );
}

#[tokio::test]
async fn revoking_a_removed_role_takes_its_grants_in_every_tenant() {
    let f = fixture().await;
    let g = grant_supervisor_three_times(&f).await;
    let affected = [g.tenant_wide, g.at_plant, g.elsewhere];
    let stamps_before = stamps(&f, &affected).await;
    let bystander_stamp = f.stamp(g.bystander).await;
    let grants_before = grants(&f).await;
    let catalogue = without_supervisor();

    let synced = sync(&f, &catalogue, REVOKE).await;
    assert_eq!(synced.revoked, 3);
    assert_eq!(synced.removed, ["supervisor"]);
    assert_eq!(synced.updated, keys(&["engineer", "admin"]));
    assert!(synced.added.is_empty());

    // Exactly the supervisor grants are gone.
    let expected: Vec<_> = grants_before
        .into_iter()
        .filter(|(_, _, role)| role != "supervisor")
        .collect();
    assert_eq!(grants(&f).await, expected);
    assert!(expected.iter().any(|(user, _, _)| *user == g.bystander));
    for (user, before) in affected.iter().zip(stamps_before) {
        assert_ne!(f.stamp(*user).await, before, "the stamp of {user:?}");
    }
    assert_eq!(f.stamp(g.bystander).await, bystander_stamp);

    // One event per affected user, in the user's tenant, by no actor.
    let events: Vec<_> = f
        .all_audit_rows()
        .await
        .into_iter()
        .filter(|e| e.action == AuditAction::RoleRevokedByCatalogue)
        .collect();
    assert_eq!(events.len(), 3, "{events:?}");
    for (user, tenant) in [
        (g.tenant_wide, f.tid()),
        (g.at_plant, f.tid()),
        (g.elsewhere, g.globex),
    ] {
        let event = events
            .iter()
            .find(|e| e.target_user_id == Some(user))
            .unwrap_or_else(|| panic!("no event for {user:?}"));
        assert_eq!(event.tenant_id, tenant);
        assert_eq!(event.actor_user_id, None);
    }
    let tenant_wide = events
        .iter()
        .find(|e| e.target_user_id == Some(g.tenant_wide))
        .unwrap();
    assert_eq!(
        tenant_wide.details["tenant_roles"],
        serde_json::json!(["supervisor"])
    );
    let at_plant = events
        .iter()
        .find(|e| e.target_user_id == Some(g.at_plant))
        .unwrap();
    assert_eq!(
        at_plant.details["plant_roles"],
        serde_json::json!([{ "plant_id": f.plant(0), "role": "supervisor" }])
    );
    assert_eq!(at_plant.details["tenant_role"], serde_json::Value::Null);

    assert_eq!(load_role_catalogue(f.conn()).await.unwrap(), catalogue);
    assert!(sync(&f, &catalogue, REFUSE).await.is_unchanged());
}

#[tokio::test]
async fn removing_a_role_nobody_holds_deletes_it() {
    let f = fixture().await;
    // Operators only: supervisor is held by nobody.
    f.create(NewUser {
        tenant_roles: vec![UserRole::Operator.into()],
        ..new_user("operator1")
    })
    .await;
    let synced = sync(&f, &without_supervisor(), REFUSE).await;
    assert_eq!(synced.removed, ["supervisor"]);
    assert_eq!(synced.revoked, 0);
    let now = rows(&f).await;
    assert_eq!(shape(&now), expected_shape(&without_supervisor()));
    assert_eq!(
        load_role_catalogue(f.conn()).await.unwrap(),
        without_supervisor()
    );
}

#[tokio::test]
async fn a_scope_that_refuses_existing_grants_is_refused_or_revoked() {
    let f = fixture().await;
    let g = grant_supervisor_three_times(&f).await;
    // Operator becomes plant-only, but the bystander holds it tenant-wide (and at P2).
    let plant_only = RoleCatalogue::ordered([
        ("operator", "Operator"),
        ("supervisor", "Supervisor"),
        ("engineer", "Engineer"),
        ("admin", "Administrator"),
    ])
    .administrator("admin")
    .exclusive_per_scope()
    .amend("operator", |role| role.scope(RoleScope::Plant))
    .build()
    .unwrap();
    let rows_before = rows(&f).await;
    match sync_role_catalogue(f.conn(), &plant_only, REFUSE).await {
        Err(error @ Error::RoleGrantedOutOfScope { .. }) => {
            let Error::RoleGrantedOutOfScope {
                role,
                allowed,
                grants,
            } = &error
            else {
                unreachable!()
            };
            assert_eq!(
                (role.as_str(), *allowed, *grants),
                ("operator", RoleScope::Plant, 1)
            );
            let shown = error.to_string();
            assert!(
                shown.contains("\"operator\"") && shown.contains(" 1 "),
                "{shown}"
            );
        }
        other => panic!("expected RoleGrantedOutOfScope, got {other:?}"),
    }
    assert_eq!(rows(&f).await, rows_before);

    let stamp = f.stamp(g.bystander).await;
    let synced = sync(&f, &plant_only, REVOKE).await;
    assert_eq!(
        (synced.revoked, synced.updated.clone()),
        (1, keys(&["operator"]))
    );
    let bystander = f.row(g.bystander).await.unwrap();
    assert!(stored_tenant_roles(f.conn(), g.bystander).await.is_empty());
    assert_ne!(bystander.security_stamp, stamp);
    // Its grant at a plant is still allowed, and kept.
    assert_eq!(
        f.roles_of(g.bystander).await,
        [(f.plant(1), UserRole::Operator)]
    );
    assert_eq!(load_role_catalogue(f.conn()).await.unwrap(), plant_only);
}

#[tokio::test]
async fn load_gives_back_implications_scopes_defaults_and_delegation() {
    let f = fixture().await;
    let catalogue = RoleCatalogue::builder()
        .role(RoleDef::new("viewer", "Viewer").default_for_new_users())
        .role(RoleDef::new("editor", "Editor").implies(["viewer"]))
        .role(
            RoleDef::new("plant_admin", "Plant administrator")
                .scope(RoleScope::Plant)
                .implies(["editor"])
                .grants_only(["editor"]),
        )
        .role(RoleDef::new("owner", "Owner").scope(RoleScope::Tenant))
        .role(
            RoleDef::new("admin", "Administrator")
                .implies(["plant_admin", "editor"])
                .administers_users()
                .grants_all_except(["owner"]),
        )
        .role(
            RoleDef::new("auditor", "Auditor")
                .implies(["viewer"])
                .grants_nothing(),
        )
        .build()
        .unwrap();
    let synced = sync(&f, &catalogue, REFUSE).await;
    assert_eq!(
        synced.added,
        keys(&["viewer", "editor", "plant_admin", "owner", "auditor"])
    );
    assert_eq!(synced.updated, keys(&["admin"]));
    assert_eq!(synced.removed, ["operator", "supervisor", "engineer"]);
    assert!(synced.exclusive_changed);
    assert_eq!(shape(&rows(&f).await), expected_shape(&catalogue));
    let loaded = load_role_catalogue(f.conn()).await.unwrap();
    assert_eq!(loaded, catalogue);
    assert_eq!(
        serde_json::to_value(&loaded).unwrap(),
        serde_json::to_value(&catalogue).unwrap()
    );
    // Back to the default: the seeded rows again.
    sync(&f, &RoleCatalogue::default(), REFUSE).await;
    assert_eq!(
        shape(&rows(&f).await),
        expected_shape(&RoleCatalogue::default())
    );
}

#[tokio::test]
async fn concurrent_opens_end_with_one_catalogue() {
    let f = fixture().await;
    let catalogue = default_with([
        RoleDef::new("project_manager", "Project manager"),
        RoleDef::new("field_worker", "Field worker"),
        RoleDef::new("planner", "Planner").implies(["project_manager"]),
    ]);
    let mut config = Config::insecure_fast_for_tests();
    config.roles = catalogue.clone();
    let opens: Vec<_> = (0..4)
        .map(|_| {
            let (db, config) = (f.conn().clone(), config.clone());
            tokio::spawn(async move { SeaOrmUserRepository::open(db, config).await.map(drop) })
        })
        .collect();
    for open in opens {
        open.await
            .unwrap()
            .unwrap_or_else(|e| panic!("open: {e:?}"));
    }
    assert_eq!(shape(&rows(&f).await), expected_shape(&catalogue));
    assert_eq!(load_role_catalogue(f.conn()).await.unwrap(), catalogue);

    // And two different catalogues at once: one of them wins whole.
    let other = default_with([RoleDef::new("surveyor", "Surveyor")]);
    let (a, b) = tokio::join!(
        sync_role_catalogue(f.conn(), &catalogue, REFUSE),
        sync_role_catalogue(f.conn(), &other, REFUSE)
    );
    a.unwrap();
    b.unwrap();
    let loaded = load_role_catalogue(f.conn()).await.unwrap();
    assert!(loaded == catalogue || loaded == other, "{loaded:?}");
    let stored = shape(&rows(&f).await);
    assert!(
        stored == expected_shape(&catalogue) || stored == expected_shape(&other),
        "{stored:?}"
    );
}

/// Sets one column of the `operator` row (position 0) to `value`, as a hand edit would.
async fn edit_operator(f: &Fixture, column: roles::Column, value: &str) {
    roles::Entity::update_many()
        .col_expr(column, Expr::value(value))
        .filter(roles::Column::Key.eq("operator"))
        .exec(f.conn())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_hand_edited_catalogue_is_a_typed_error_and_the_next_sync_repairs_it() {
    // No NUL: PostgreSQL's text cannot hold one, so no row can.
    let hostile = "\u{202e}DROP\"; --\u{7}x";
    let cases: [(roles::Column, &str, &str, &str); 6] = [
        (
            roles::Column::Key,
            "Operator Key",
            "key",
            "a valid role key",
        ),
        (roles::Column::Key, hostile, "key", "a valid role key"),
        (
            roles::Column::Scope,
            "galaxy",
            "scope",
            "tenant, plant or both",
        ),
        (
            roles::Column::Implies,
            "[\"operator\"",
            "implies",
            "a JSON array of role keys",
        ),
        (
            roles::Column::Implies,
            "[\"Not A Key\"]",
            "implies",
            "a JSON array of role keys",
        ),
        (
            roles::Column::Grants,
            "{\"only\": 7}",
            "grants",
            "a delegation in JSON",
        ),
    ];
    for (column, value, name, expected) in cases {
        let f = fixture().await;
        edit_operator(&f, column, value).await;
        let error = load_role_catalogue(f.conn()).await.unwrap_err();
        match &error {
            Error::StoredCatalogue(StoredCatalogueError::BadColumn {
                position: 0,
                column,
                expected: what,
            }) => assert_eq!((*column, *what), (name, expected)),
            other => panic!("{name} = {value:?}: expected BadColumn, got {other:?}"),
        }
        let shown = error.to_string();
        assert!(!shown.contains(value), "{shown}");
        assert!(
            !shown.contains('\u{7}') && !shown.contains('\u{202e}'),
            "{shown}"
        );
        // The host's next start writes its catalogue over the edit.
        sync(&f, &RoleCatalogue::default(), REFUSE).await;
        assert_eq!(
            load_role_catalogue(f.conn()).await.unwrap(),
            RoleCatalogue::default(),
            "{name} = {value:?}"
        );
        assert_eq!(
            shape(&rows(&f).await),
            expected_shape(&RoleCatalogue::default())
        );
    }

    // Rows that read but do not make a catalogue: an implied role with no row.
    let f = fixture().await;
    edit_operator(&f, roles::Column::Implies, "[\"ghost\"]").await;
    assert_err!(
        load_role_catalogue(f.conn()).await,
        Error::StoredCatalogue(StoredCatalogueError::Catalogue(_))
    );
    // No settings row: a typed error; the next sync writes it again.
    role_catalogue::Entity::delete_many()
        .exec(f.conn())
        .await
        .unwrap();
    assert_err!(
        load_role_catalogue(f.conn()).await,
        Error::StoredCatalogue(StoredCatalogueError::NoSettings)
    );
    sync(&f, &RoleCatalogue::default(), REFUSE).await;
    assert_eq!(
        load_role_catalogue(f.conn()).await.unwrap(),
        RoleCatalogue::default()
    );
    // No row at all.
    roles::Entity::delete_many().exec(f.conn()).await.unwrap();
    assert_err!(
        load_role_catalogue(f.conn()).await,
        Error::StoredCatalogue(StoredCatalogueError::Catalogue(_))
    );
}
