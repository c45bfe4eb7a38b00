//! The three role models of `../shared/seeds/` end to end on a database: the SPC tool (ordered,
//! one role per plant), the fibre planner (flat roles combined, replaced as a set) and the
//! `users`-table service (one tenant-wide role, `viewer` by default); refused grants write
//! nothing; delegation; tenancy. On the backend `DATABASE_URL` names (unset: SQLite).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod common;

use common::*;
use std::sync::Arc;
use tenantry_service::{
    Config, Error, Grant, GrantScope, HostRole, PlantRole, RoleCatalogue, RoleKey, RoleScope,
    RoleSet, SeaOrmUserRepository, UserId, UserRepository, UserRole,
};
use tenantry_testkit::TestDb;

fn key(s: &str) -> RoleKey {
    RoleKey::new(s).unwrap()
}

fn keys(list: &[&str]) -> Vec<RoleKey> {
    list.iter().map(|s| key(s)).collect()
}

/// A fresh database whose store declares `catalogue`, with tenant `acme` and plants P1–P3.
async fn fixture_with(catalogue: RoleCatalogue) -> Fixture {
    let db = TestDb::migrated().await;
    let config = Config {
        roles: catalogue,
        ..Config::insecure_fast_for_tests()
    };
    let repo = SeaOrmUserRepository::open(db.conn().clone(), config)
        .await
        .expect("opening the store with the catalogue");
    let repo: Arc<dyn UserRepository> = Arc::new(repo);
    seed(db, repo).await
}

/// A user of the tenant with these tenant-wide roles (`None`: the catalogue's defaults).
async fn member(f: &Fixture, name: &str, roles: Option<&[&str]>) -> UserId {
    let input = tenantry_service::NewUser {
        tenant_roles: roles.map(keys).unwrap_or_default(),
        ..new_user(name)
    };
    f.create(input).await.id
}

/// What can change when a change is refused: the user's grants, its stamp, the audit trail.
async fn state(f: &Fixture, user: UserId) -> (Vec<Grant>, String, u64) {
    (
        f.repo.grants_of(f.tid(), user).await.unwrap(),
        f.stamp(user).await,
        f.audit_count(f.tid()).await,
    )
}

// ---- the SPC tool: the default catalogue ---------------------------------------------------

#[tokio::test]
async fn spc_one_ordered_role_per_plant_and_the_higher_of_plant_and_tenant_counts() {
    let f = fixture().await;
    let t = f.tid();
    let (p1, p2) = (GrantScope::Plant(f.plant(0)), GrantScope::Plant(f.plant(1)));
    let _root = f.admin("root").await;
    let ann = member(&f, "ann", Some(&["operator"])).await;
    let repo = &f.repo;

    repo.grant_role(t, ann, p1, UserRole::Supervisor.into(), None)
        .await
        .unwrap();
    // Exclusive per scope: a second grant at P1 replaces the first.
    let view = repo
        .grant_role(t, ann, p1, UserRole::Engineer.into(), None)
        .await
        .unwrap();
    assert_eq!(view.plant_roles.len(), 1);
    assert_eq!(view.plant_roles[0].role, UserRole::Engineer);
    assert_eq!(f.role_rows(ann).await, 1);
    assert_eq!(
        repo.effective_roles(t, ann, p1).await.unwrap(),
        keys(&["engineer", "operator", "supervisor"])
            .into_iter()
            .collect()
    );
    // Elsewhere only the tenant-wide operator counts.
    assert_eq!(
        repo.effective_roles(t, ann, p2).await.unwrap(),
        keys(&["operator"]).into_iter().collect()
    );
    assert!(repo.has_role(t, ann, p1, &key("supervisor")).await.unwrap());
    assert!(!repo.has_role(t, ann, p2, &key("supervisor")).await.unwrap());
    assert_eq!(
        repo.effective_role(t, ann, f.plant(0)).await.unwrap(),
        Some(UserRole::Engineer)
    );
    // Holders of supervisor at P1: ann (engineer implies it) and root (admin, tenant-wide).
    let holders = repo
        .users_with_role(t, key("supervisor"), p1)
        .await
        .unwrap();
    let names: Vec<&str> = holders
        .iter()
        .map(|h| h.username.as_deref().unwrap_or_default())
        .collect();
    assert_eq!(names, ["ann", "root"]);
    let tenant_wide = repo
        .users_with_role(t, key("supervisor"), GrantScope::Tenant)
        .await
        .unwrap();
    assert_eq!(tenant_wide.len(), 1);
    assert_eq!(tenant_wide[0].username.as_deref(), Some("root"));

    // Two roles at one plant cannot be asked for; nothing is written.
    let before = state(&f, ann).await;
    let two_at_p1 = RoleSet::plants([
        PlantRole::new(f.plant(0), UserRole::Operator),
        PlantRole::new(f.plant(0), UserRole::Admin),
    ]);
    assert_err!(
        repo.replace_roles(t, ann, two_at_p1, None).await,
        Error::InvalidInput(_)
    );
    assert_eq!(state(&f, ann).await, before);
}

// ---- the fibre planner: flat roles, combined, replaced as a set ----------------------------

fn fibre() -> RoleCatalogue {
    RoleCatalogue::flat([
        ("admin", "Administrator"),
        ("project_manager", "Project manager"),
        ("engineer", "Engineer"),
        ("field_worker", "Field worker"),
    ])
    .scope_all(RoleScope::Tenant)
    .administrator("admin")
    .build()
    .unwrap()
}

/// The planner's own enum: its code checks roles without strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fibre {
    Admin,
    ProjectManager,
    Engineer,
    FieldWorker,
}

impl HostRole for Fibre {
    fn key(&self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::ProjectManager => "project_manager",
            Self::Engineer => "engineer",
            Self::FieldWorker => "field_worker",
        }
    }

    fn all() -> &'static [Self] {
        &[
            Self::Admin,
            Self::ProjectManager,
            Self::Engineer,
            Self::FieldWorker,
        ]
    }
}

#[tokio::test]
async fn fibre_planner_holds_several_roles_at_once_and_replaces_them_as_a_set() {
    let f = fixture_with(fibre()).await;
    let t = f.tid();
    let tenant = GrantScope::Tenant;
    f.repo.role_catalogue().check_host_roles::<Fibre>().unwrap();
    let pia = member(&f, "pia", Some(&["admin", "project_manager"])).await;
    let view = f.repo.get_user(t, pia).await.unwrap().unwrap();
    assert_eq!(view.tenant_roles, keys(&["admin", "project_manager"]));
    let effective = f.repo.effective_roles(t, pia, tenant).await.unwrap();
    assert!(Fibre::Admin.held_in(&effective));
    assert!(Fibre::ProjectManager.held_in(&effective));
    assert!(
        !Fibre::Engineer.held_in(&effective),
        "flat: nothing implied"
    );

    // PUT /users/{id}/roles {"roles": [...]}: exactly the new set.
    let sam = member(&f, "sam", Some(&["engineer"])).await;
    let set = RoleSet::tenant(keys(&["field_worker", "project_manager"]));
    let view = f.repo.replace_roles(t, sam, set, Some(pia)).await.unwrap();
    assert_eq!(
        view.tenant_roles,
        keys(&["field_worker", "project_manager"])
    );
    let grants = f.repo.grants_of(t, sam).await.unwrap();
    assert_eq!(
        grants,
        [
            Grant::tenant(key("field_worker")),
            Grant::tenant(key("project_manager"))
        ]
    );
    // A second grant adds; a revoke takes one away.
    f.repo
        .grant_role(
            t,
            sam,
            tenant,
            Fibre::Engineer.key().try_into().unwrap(),
            Some(pia),
        )
        .await
        .unwrap();
    let view = f
        .repo
        .revoke_role(t, sam, tenant, key("field_worker"), Some(pia))
        .await
        .unwrap();
    assert_eq!(view.tenant_roles, keys(&["engineer", "project_manager"]));
    let managers = f
        .repo
        .users_with_role(t, key("project_manager"), tenant)
        .await
        .unwrap();
    let names: Vec<&str> = managers
        .iter()
        .map(|h| h.username.as_deref().unwrap_or_default())
        .collect();
    assert_eq!(names, ["pia", "sam"]);

    // A plant grant of a tenant-only role is refused, and so is a role the planner lacks.
    let before = state(&f, sam).await;
    assert_err!(
        f.repo
            .grant_role(t, sam, GrantScope::Plant(f.plant(0)), key("engineer"), None)
            .await,
        Error::RoleRefused(_)
    );
    assert_err!(
        f.repo
            .replace_roles(
                t,
                sam,
                RoleSet::tenant(keys(&["engineer", "operator"])),
                None
            )
            .await,
        Error::RoleRefused(_)
    );
    assert_eq!(state(&f, sam).await, before);

    // pia is the only admin: no replacement may take admin away from her.
    assert_err!(
        f.repo
            .replace_roles(t, pia, RoleSet::tenant(keys(&["project_manager"])), None)
            .await,
        Error::LastAdmin
    );
    f.repo
        .grant_role(t, sam, tenant, key("admin"), Some(pia))
        .await
        .unwrap();
    let view = f
        .repo
        .replace_roles(t, pia, RoleSet::tenant(keys(&["project_manager"])), None)
        .await
        .unwrap();
    assert_eq!(view.tenant_roles, keys(&["project_manager"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_replacements_of_one_users_set_leave_one_writers_set() {
    let f = fixture_with(fibre()).await;
    let t = f.tid();
    let _admin = member(&f, "pia", Some(&["admin"])).await;
    let sam = member(&f, "sam", Some(&["engineer"])).await;
    let sets = [
        keys(&["engineer", "field_worker"]),
        keys(&["project_manager"]),
        keys(&["admin", "engineer", "project_manager"]),
    ];
    let mut tasks = Vec::new();
    for i in 0..30 {
        let repo = Arc::clone(&f.repo);
        let set = sets[i % sets.len()].clone();
        tasks.push(tokio::spawn(async move {
            repo.replace_roles(t, sam, RoleSet::tenant(set), None).await
        }));
    }
    for task in tasks {
        let view = task.await.unwrap().unwrap();
        assert!(sets.contains(&view.tenant_roles), "{:?}", view.tenant_roles);
    }
    let end = f.repo.get_user(t, sam).await.unwrap().unwrap().tenant_roles;
    assert!(sets.contains(&end), "a mix: {end:?}");
    assert_eq!(stored_tenant_roles(f.conn(), sam).await.len(), end.len());
}

// ---- the users-table service: one role, viewer by default ----------------------------------

fn users_table() -> RoleCatalogue {
    RoleCatalogue::ordered([
        ("viewer", "Viewer"),
        ("editor", "Editor"),
        ("admin", "Administrator"),
    ])
    .scope_all(RoleScope::Tenant)
    .default_role("viewer")
    .administrator("admin")
    .exclusive_per_scope()
    .build()
    .unwrap()
}

#[tokio::test]
async fn users_table_gives_viewer_on_create_and_holds_one_role() {
    let f = fixture_with(users_table()).await;
    let t = f.tid();
    let root = member(&f, "root", Some(&["admin"])).await;
    let vic = member(&f, "vic", None).await;
    let view = f.repo.get_user(t, vic).await.unwrap().unwrap();
    assert_eq!(view.tenant_roles, keys(&["viewer"]), "the default role");
    // A role asked for replaces the default.
    let eve = member(&f, "eve", Some(&["editor"])).await;
    assert_eq!(
        f.repo.get_user(t, eve).await.unwrap().unwrap().tenant_roles,
        keys(&["editor"])
    );
    // One role per user: a grant replaces it.
    let view = f
        .repo
        .grant_role(t, vic, GrantScope::Tenant, key("editor"), Some(root))
        .await
        .unwrap();
    assert_eq!(view.tenant_roles, keys(&["editor"]));
    assert!(
        f.repo
            .has_role(t, vic, GrantScope::Tenant, &key("viewer"))
            .await
            .unwrap(),
        "editor implies viewer"
    );
    // Two roles at once are refused, as is any plant grant.
    let before = state(&f, vic).await;
    assert_err!(
        f.repo
            .replace_roles(t, vic, RoleSet::tenant(keys(&["viewer", "editor"])), None)
            .await,
        Error::InvalidInput(_)
    );
    assert_err!(
        f.repo
            .grant_role(t, vic, GrantScope::Plant(f.plant(0)), key("viewer"), None)
            .await,
        Error::RoleRefused(_)
    );
    assert_eq!(state(&f, vic).await, before);
}

// ---- refusals, delegation and tenancy ------------------------------------------------------

#[tokio::test]
async fn a_grant_the_catalogue_refuses_is_a_typed_error_and_writes_nothing() {
    let f = fixture().await;
    let t = f.tid();
    let _root = f.admin("root").await;
    let ann = member(&f, "ann", Some(&["operator"])).await;
    let before = state(&f, ann).await;
    let p1 = GrantScope::Plant(f.plant(0));
    assert_err!(
        f.repo.grant_role(t, ann, p1, key("boss"), None).await,
        Error::RoleRefused(_)
    );
    assert_err!(
        f.repo
            .replace_roles(t, ann, RoleSet::tenant(keys(&["boss"])), None)
            .await,
        Error::RoleRefused(_)
    );
    // The same grant twice in one set.
    let twice = RoleSet::plants([
        PlantRole::new(f.plant(1), UserRole::Operator),
        PlantRole::new(f.plant(1), UserRole::Operator),
    ]);
    assert_err!(
        f.repo.replace_roles(t, ann, twice, None).await,
        Error::InvalidInput(_)
    );
    // A new user with an unknown role is not created.
    let refused = f
        .repo
        .create_user(
            t,
            tenantry_service::NewUser {
                tenant_roles: keys(&["boss"]),
                ..new_user("bob")
            },
            None,
        )
        .await;
    assert_err!(refused, Error::RoleRefused(_));
    assert!(
        f.repo
            .get_user_by_username(t, "bob")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(state(&f, ann).await, before);
}

/// Ordered roles under an owner; an admin may grant anything but owner, a plant admin the
/// lower two at its own plant.
fn delegating() -> RoleCatalogue {
    RoleCatalogue::ordered([
        ("operator", "Operator"),
        ("supervisor", "Supervisor"),
        ("plant_admin", "Plant administrator"),
        ("admin", "Administrator"),
        ("owner", "Owner"),
    ])
    .amend("plant_admin", |role| {
        role.scope(RoleScope::Plant)
            .grants_only(["operator", "supervisor"])
    })
    .amend("admin", |role| role.grants_all_except(["owner"]))
    .amend("owner", |role| role.grants_everything())
    .administrator("admin")
    .build()
    .unwrap()
}

#[tokio::test]
async fn every_change_is_checked_against_the_actors_own_roles() {
    let f = fixture_with(delegating()).await;
    let t = f.tid();
    let (p1, p2) = (GrantScope::Plant(f.plant(0)), GrantScope::Plant(f.plant(1)));
    let owner = member(&f, "olga", Some(&["owner"])).await;
    let admin = member(&f, "adam", Some(&["admin"])).await;
    let pat = member(&f, "pat", Some(&[])).await;
    f.repo
        .grant_role(t, pat, p1, key("plant_admin"), Some(admin))
        .await
        .unwrap();
    let ann = member(&f, "ann", Some(&[])).await;

    // The plant admin: operator and supervisor at its own plant, nothing else.
    f.repo
        .grant_role(t, ann, p1, key("supervisor"), Some(pat))
        .await
        .unwrap();
    let before = state(&f, ann).await;
    for (scope, role) in [
        (p2, "operator"),
        (p1, "plant_admin"),
        (GrantScope::Tenant, "operator"),
    ] {
        assert_err!(
            f.repo.grant_role(t, ann, scope, key(role), Some(pat)).await,
            Error::NotPermitted { .. }
        );
    }
    // Nor may it take away what it may not grant.
    assert_err!(
        f.repo
            .revoke_role(t, pat, p1, key("plant_admin"), Some(pat))
            .await,
        Error::NotPermitted { .. }
    );
    assert_eq!(state(&f, ann).await, before);
    // The admin grants anything but owner; the owner grants owner.
    assert_err!(
        f.repo
            .grant_role(t, ann, GrantScope::Tenant, key("owner"), Some(admin))
            .await,
        Error::NotPermitted { .. }
    );
    assert_err!(
        f.repo
            .create_user(
                t,
                tenantry_service::NewUser {
                    tenant_roles: keys(&["owner"]),
                    ..new_user("oscar")
                },
                Some(admin),
            )
            .await,
        Error::NotPermitted { .. }
    );
    assert!(
        f.repo
            .get_user_by_username(t, "oscar")
            .await
            .unwrap()
            .is_none()
    );
    f.repo
        .grant_role(t, ann, GrantScope::Tenant, key("owner"), Some(owner))
        .await
        .unwrap();
    // An actor of another tenant (or no such user) may change nothing here.
    let other = f.other_tenant("globex").await;
    let stranger = f
        .repo
        .create_user(
            other.id,
            tenantry_service::NewUser {
                tenant_roles: keys(&["owner"]),
                ..new_user("stranger")
            },
            None,
        )
        .await
        .unwrap();
    assert_err!(
        f.repo
            .grant_role(t, ann, p2, key("operator"), Some(stranger.id))
            .await,
        Error::NotPermitted { .. }
    );
    // No actor: the system itself, not checked.
    f.repo
        .grant_role(t, ann, p2, key("operator"), None)
        .await
        .unwrap();
}

/// The delegating catalogue's fixture: admin `adam`, `pat` plant admin at P1 (granted by adam),
/// and `count` users without roles.
async fn plant_admin_and_targets(count: usize) -> (Fixture, UserId, UserId, Vec<UserId>) {
    let f = fixture_with(delegating()).await;
    let admin = member(&f, "adam", Some(&["admin"])).await;
    let pat = member(&f, "pat", Some(&[])).await;
    let p1 = GrantScope::Plant(f.plant(0));
    f.repo
        .grant_role(f.tid(), pat, p1, key("plant_admin"), Some(admin))
        .await
        .unwrap();
    let mut targets = Vec::new();
    for i in 0..count {
        targets.push(member(&f, &format!("target{i:02}"), Some(&[])).await);
    }
    (f, admin, pat, targets)
}

/// A plant admin fires 200 grants at once, a mix of what it may and may not do: each allowed
/// one lands, each other one is refused, and nothing it may not grant is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_grants_by_a_plant_admin_never_exceed_its_authority() {
    let (f, _admin, pat, targets) = plant_admin_and_targets(20).await;
    let t = f.tid();
    let (p1, p2) = (GrantScope::Plant(f.plant(0)), GrantScope::Plant(f.plant(1)));
    // (scope, role, allowed)
    let attempts = [
        (p1, "operator", true),
        (p1, "supervisor", true),
        (p2, "operator", false),
        (GrantScope::Tenant, "operator", false),
        (p1, "plant_admin", false),
        (p1, "admin", false),
    ];
    let mut tasks = Vec::new();
    for i in 0..200 {
        let repo = Arc::clone(&f.repo);
        let target = targets[i % targets.len()];
        let (scope, role, allowed) = attempts[i % attempts.len()];
        tasks.push(tokio::spawn(async move {
            let result = repo
                .grant_role(t, target, scope, key(role), Some(pat))
                .await;
            (allowed, result)
        }));
    }
    for task in tasks {
        match task.await.unwrap() {
            (true, Ok(_)) | (false, Err(Error::NotPermitted { .. })) => {}
            (allowed, other) => panic!("allowed {allowed}: {other:?}"),
        }
    }
    for target in targets {
        for grant in f.repo.grants_of(t, target).await.unwrap() {
            assert_eq!(grant.scope, p1, "{grant:?}");
            assert!(
                ["operator", "supervisor"].contains(&grant.role.as_str()),
                "{grant:?}"
            );
        }
    }
}

/// The plant admin's right is taken away while 100 of its grants are in flight: every grant it
/// made is recorded before the revocation, and none after (its authority is read under a lock
/// the revocation must wait for).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_revoked_plant_admin_grants_nothing_after_the_revocation() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use tenantry_service::entity::audit_events;

    let (f, admin, pat, targets) = plant_admin_and_targets(25).await;
    let t = f.tid();
    let p1 = GrantScope::Plant(f.plant(0));
    let mut tasks = Vec::new();
    let mut revocation = None;
    for i in 0..100 {
        if i == 50 {
            let repo = Arc::clone(&f.repo);
            revocation = Some(tokio::spawn(async move {
                repo.revoke_role(t, pat, p1, key("plant_admin"), Some(admin))
                    .await
            }));
        }
        let repo = Arc::clone(&f.repo);
        let target = targets[i % targets.len()];
        let role = ["operator", "supervisor"][(i / targets.len()) % 2];
        tasks.push(tokio::spawn(async move {
            repo.grant_role(t, target, p1, key(role), Some(pat)).await
        }));
    }
    revocation.unwrap().await.unwrap().unwrap();
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) | Err(Error::NotPermitted { .. }) => {}
            other => panic!("{other:?}"),
        }
    }
    let newcomer = member(&f, "newcomer", Some(&[])).await;
    assert_err!(
        f.repo
            .grant_role(t, newcomer, p1, key("operator"), Some(pat))
            .await,
        Error::NotPermitted { .. }
    );
    let events = audit_events::Entity::find()
        .filter(audit_events::Column::TenantId.eq(t))
        .all(f.conn())
        .await
        .unwrap();
    let revoked_at = events
        .iter()
        .filter(|e| e.actor_user_id == Some(admin) && e.target_user_id == Some(pat))
        .map(|e| e.id)
        .max()
        .unwrap();
    let after: Vec<_> = events
        .iter()
        .filter(|e| e.actor_user_id == Some(pat) && e.id > revoked_at)
        .collect();
    assert!(
        after.is_empty(),
        "granted after losing the right: {after:#?}"
    );
}

#[tokio::test]
async fn grants_stay_in_their_tenant() {
    let f = fixture().await;
    let t = f.tid();
    let _root = f.admin("root").await;
    let ann = member(&f, "ann", Some(&["operator"])).await;
    let other = f.other_tenant("globex").await;
    let globex_plant = f
        .repo
        .create_plant(other.id, new_plant("G1", "Globex One"), None)
        .await
        .unwrap();
    let gus = f
        .repo
        .create_user(other.id, new_user("gus"), None)
        .await
        .unwrap();
    let before = state(&f, ann).await;
    // acme's user at globex's plant, globex's user through acme, and the reads alike.
    let at_globex = GrantScope::Plant(globex_plant.id);
    assert_err!(
        f.repo
            .grant_role(t, ann, at_globex, key("operator"), None)
            .await,
        Error::NotFound
    );
    assert_err!(
        f.repo
            .replace_roles(
                t,
                ann,
                RoleSet::plants([PlantRole::new(globex_plant.id, UserRole::Admin)]),
                None
            )
            .await,
        Error::NotFound
    );
    assert_err!(
        f.repo
            .grant_role(t, gus.id, GrantScope::Tenant, key("admin"), None)
            .await,
        Error::NotFound
    );
    assert_err!(f.repo.grants_of(t, gus.id).await, Error::NotFound);
    assert_err!(
        f.repo.effective_roles(t, ann, at_globex).await,
        Error::NotFound
    );
    assert_err!(
        f.repo.effective_roles(t, gus.id, GrantScope::Tenant).await,
        Error::NotFound
    );
    assert_eq!(state(&f, ann).await, before);
    assert!(f.repo.grants_of(other.id, gus.id).await.unwrap().is_empty());
}
