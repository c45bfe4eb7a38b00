#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The role catalogue (issue 14), without a database: the three seed models declared and
//! queried, delegated administration, and property tests of implication and delegation against
//! reference computations written the slow, obvious way.

use std::collections::{BTreeSet, VecDeque};

use proptest::prelude::*;
use tenantry_service::{
    CatalogueError, Grant, GrantScope, HostRole, PlantId, RoleCatalogue, RoleDef, RoleKey,
    RoleScope, UserRole,
};

fn key(s: &str) -> RoleKey {
    RoleKey::new(s).unwrap()
}

fn set(keys: &[&str]) -> BTreeSet<RoleKey> {
    keys.iter().map(|k| key(k)).collect()
}

fn list<'a>(keys: impl Iterator<Item = &'a RoleKey>) -> Vec<&'a str> {
    keys.map(RoleKey::as_str).collect()
}

fn tenant(role: &str) -> Grant {
    Grant::tenant(key(role))
}

fn at(role: &str, plant: i64) -> Grant {
    Grant::plant(key(role), PlantId(plant))
}

const P1: GrantScope = GrantScope::Plant(PlantId(1));
const P2: GrantScope = GrantScope::Plant(PlantId(2));

// ---------------------------------------------------------------------------------------------
// The three seed models.

/// The SPC tool: four ordered roles, one per user per scope; at a plant the highest of the
/// tenant role and the plant role wins.
fn spc() -> RoleCatalogue {
    RoleCatalogue::ordered([
        ("operator", "Operator"),
        ("supervisor", "Supervisor"),
        ("engineer", "Engineer"),
        ("admin", "Administrator"),
    ])
    .administrator("admin")
    .exclusive_per_scope()
    .build()
    .unwrap()
}

#[test]
fn spc_is_the_default_catalogue() {
    assert_eq!(spc(), RoleCatalogue::default());
}

#[test]
fn spc_effective_roles_are_the_highest_of_tenant_and_plant() {
    let catalogue = spc();
    assert!(catalogue.is_exclusive());
    let grants = [tenant("supervisor"), at("engineer", 1), at("operator", 2)];
    // At plant 1 the plant role is higher; at plant 2 the tenant role is; elsewhere the tenant
    // role alone counts.
    assert_eq!(
        catalogue.effective(&grants, P1),
        set(&["operator", "supervisor", "engineer"])
    );
    assert_eq!(
        catalogue.effective(&grants, P2),
        set(&["operator", "supervisor"])
    );
    assert_eq!(
        catalogue.effective(&grants, GrantScope::Tenant),
        set(&["operator", "supervisor"])
    );
    assert_eq!(
        catalogue.effective(&grants, GrantScope::Plant(PlantId(3))),
        set(&["operator", "supervisor"])
    );
    // A plant role alone counts at its plant only.
    let plant_only = [at("admin", 1)];
    assert!(
        catalogue
            .effective(&plant_only, GrantScope::Tenant)
            .is_empty()
    );
    assert!(catalogue.effective(&plant_only, P2).is_empty());
    assert!(catalogue.effective(&plant_only, P1).contains("admin"));
}

#[test]
fn spc_queries_follow_the_order() {
    let catalogue = spc();
    assert_eq!(
        list(catalogue.implied_by("supervisor")),
        ["supervisor", "engineer", "admin"]
    );
    assert_eq!(list(catalogue.implied_by("admin")), ["admin"]);
    assert_eq!(
        list(catalogue.closure_of("engineer")),
        ["operator", "supervisor", "engineer"]
    );
    assert!(catalogue.administers_users("admin"));
    assert!(!catalogue.administers_users("engineer"));
    assert!(!catalogue.administers_users("nobody"));
    assert!(catalogue.closure(["nobody"]).is_empty());
    // The typed layer: tenantry's own enum.
    catalogue.check_host_roles::<UserRole>().unwrap();
    let effective = catalogue.effective(&[at("engineer", 1)], P1);
    assert!(UserRole::Supervisor.held_in(&effective));
    assert!(!UserRole::Admin.held_in(&effective));
}

/// The fibre planner: flat roles a user combines; `admin` administers users.
fn fibre() -> RoleCatalogue {
    RoleCatalogue::flat([
        ("admin", "Administrator"),
        ("project_manager", "Project manager"),
        ("engineer", "Engineer"),
        ("field_worker", "Field worker"),
    ])
    .administrator("admin")
    .build()
    .unwrap()
}

/// The fibre planner's own enum, so its code never spells a role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FibreRole {
    Admin,
    ProjectManager,
    Engineer,
    FieldWorker,
}

impl HostRole for FibreRole {
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

#[test]
fn fibre_planner_roles_combine_and_imply_nothing() {
    let catalogue = fibre();
    assert!(!catalogue.is_exclusive());
    catalogue.check_host_roles::<FibreRole>().unwrap();
    let grants = [
        tenant("project_manager"),
        at("engineer", 1),
        at("field_worker", 1),
    ];
    let effective = catalogue.effective(&grants, P1);
    assert_eq!(
        effective,
        set(&["project_manager", "engineer", "field_worker"])
    );
    assert!(FibreRole::FieldWorker.held_in(&effective));
    assert!(!FibreRole::Admin.held_in(&effective));
    assert_eq!(catalogue.effective(&grants, P2), set(&["project_manager"]));
    // Flat: admin does not imply the others, and only admin administers.
    assert_eq!(list(catalogue.closure_of("admin")), ["admin"]);
    assert_eq!(list(catalogue.implied_by("engineer")), ["engineer"]);
    let administering: Vec<FibreRole> = FibreRole::all()
        .iter()
        .copied()
        .filter(|role| catalogue.administers_users(role.key()))
        .collect();
    assert_eq!(administering, [FibreRole::Admin]);
    assert_eq!(
        FibreRole::from_key("field_worker"),
        Some(FibreRole::FieldWorker)
    );
    assert_eq!(FibreRole::from_key("operator"), None);
}

/// The users-table service: one tenant-wide role per user, `viewer` for every new user.
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

#[test]
fn users_table_has_one_tenant_role_and_a_default() {
    let catalogue = users_table();
    assert!(catalogue.is_exclusive());
    assert_eq!(catalogue.defaults(), [key("viewer")]);
    assert_eq!(catalogue.closure(["editor"]), set(&["viewer", "editor"]));
    assert!(catalogue.check_grant("editor", GrantScope::Tenant).is_ok());
    assert_eq!(
        catalogue.check_grant("editor", P1).unwrap_err(),
        CatalogueError::ScopeNotAllowed {
            role: key("editor"),
            allowed: RoleScope::Tenant,
            requested: P1
        }
    );
    // A grant at a plant the catalogue refuses confers nothing, even where it sits.
    assert!(catalogue.effective(&[at("admin", 1)], P1).is_empty());
}

// ---------------------------------------------------------------------------------------------
// Delegated administration.

/// Ordered roles under an owner, with a plant admin who manages the lower two at its plant.
fn delegating() -> RoleCatalogue {
    RoleCatalogue::ordered([
        ("operator", "Operator"),
        ("supervisor", "Supervisor"),
        ("engineer", "Engineer"),
        ("admin", "Administrator"),
    ])
    .amend("admin", |role| {
        role.administers_users().grants_all_except(["owner"])
    })
    .role(
        RoleDef::new("owner", "Owner")
            .scope(RoleScope::Tenant)
            .implies(["admin"])
            .administers_users(),
    )
    .role(
        RoleDef::new("plant_admin", "Plant administrator")
            .scope(RoleScope::Plant)
            .implies(["supervisor"])
            .grants_only(["operator", "supervisor"]),
    )
    .build()
    .unwrap()
}

#[test]
fn a_plant_admin_grants_operator_and_supervisor_at_its_own_plant_only() {
    let catalogue = delegating();
    let actor = [at("plant_admin", 1)];
    assert!(catalogue.may_change(&actor, &at("operator", 1)));
    assert!(catalogue.may_change(&actor, &at("supervisor", 1)));
    for target in [
        at("engineer", 1),
        at("admin", 1),
        at("plant_admin", 1),
        at("operator", 2),
        at("supervisor", 2),
        tenant("operator"),
        tenant("supervisor"),
    ] {
        assert!(!catalogue.may_change(&actor, &target), "{target:?}");
    }
    assert_eq!(
        catalogue.grantable(&actor, P1),
        set(&["operator", "supervisor"])
    );
    assert!(catalogue.grantable(&actor, P2).is_empty());
    assert!(catalogue.grantable(&actor, GrantScope::Tenant).is_empty());
    // Its role does not administer users, though it delegates.
    assert!(!catalogue.administers_users("plant_admin"));
}

#[test]
fn a_tenant_admin_grants_anything_but_owner() {
    let catalogue = delegating();
    let actor = [tenant("admin")];
    for target in [
        tenant("operator"),
        at("operator", 2),
        tenant("admin"),
        at("engineer", 1),
        at("plant_admin", 1),
    ] {
        assert!(catalogue.may_change(&actor, &target), "{target:?}");
    }
    assert!(!catalogue.may_change(&actor, &tenant("owner")));
    // An owner implies admin and, administering users with no delegation declared, grants
    // everything, owner included.
    assert!(catalogue.may_change(&[tenant("owner")], &tenant("owner")));
    assert!(catalogue.administers_users("owner"));
}

#[test]
fn excluding_a_role_excludes_the_roles_above_it() {
    // Granting `founder` would hand out `owner`, so "anything but owner" refuses it too.
    let catalogue = RoleCatalogue::ordered([("member", "Member"), ("owner", "Owner")])
        .role(RoleDef::new("founder", "Founder").implies(["owner"]))
        .role(
            RoleDef::new("admin", "Administrator")
                .implies(["member"])
                .administers_users()
                .grants_all_except(["owner"]),
        )
        .build()
        .unwrap();
    let actor = [tenant("admin")];
    assert!(!catalogue.may_change(&actor, &tenant("owner")));
    assert!(!catalogue.may_change(&actor, &tenant("founder")));
    assert_eq!(
        catalogue.grantable(&actor, GrantScope::Tenant),
        set(&["member", "admin"])
    );
}

#[test]
fn the_default_administering_role_grants_everything_where_it_is_held() {
    let catalogue = RoleCatalogue::default();
    let everything = set(&["operator", "supervisor", "engineer", "admin"]);
    let tenant_admin = [tenant("admin")];
    assert_eq!(
        catalogue.grantable(&tenant_admin, GrantScope::Tenant),
        everything
    );
    assert_eq!(catalogue.grantable(&tenant_admin, P2), everything);
    // An admin at plant 1 administers plant 1 only.
    let plant_admin = [at("admin", 1)];
    assert_eq!(catalogue.grantable(&plant_admin, P1), everything);
    assert!(catalogue.may_change(&plant_admin, &at("admin", 1)));
    assert!(!catalogue.may_change(&plant_admin, &at("operator", 2)));
    assert!(!catalogue.may_change(&plant_admin, &tenant("operator")));
}

#[test]
fn a_role_that_does_not_administer_grants_nothing() {
    let catalogue = RoleCatalogue::default();
    let actor = [tenant("engineer"), at("supervisor", 1)];
    for scope in [GrantScope::Tenant, P1, P2] {
        assert!(catalogue.grantable(&actor, scope).is_empty());
    }
    assert!(!catalogue.may_change(&actor, &at("operator", 1)));
    assert!(!catalogue.may_change(&[], &tenant("operator")));
}

#[test]
fn grants_the_catalogue_refuses_confer_no_delegation() {
    let catalogue = delegating();
    // A plant-only role held tenant-wide (a catalogue changed under an old grant), an unknown
    // role, and a target role that does not exist.
    assert!(!catalogue.may_change(&[tenant("plant_admin")], &at("operator", 1)));
    assert!(!catalogue.may_change(&[tenant("superuser")], &tenant("operator")));
    assert!(!catalogue.may_change(&[tenant("owner")], &tenant("superuser")));
}

// ---------------------------------------------------------------------------------------------
// Properties.

/// A random hierarchy of `n` roles `r0…`: an edge from `i` only to a lower `j`, so it has no
/// cycle; with each role's administering flag and delegation.
#[derive(Clone, Debug)]
struct Model {
    implies: Vec<Vec<usize>>,
    administers: Vec<bool>,
    delegation: Vec<Deleg>,
    /// The order the roles are declared in (a permutation), so declaration order and
    /// hierarchy differ.
    order: Vec<usize>,
}

#[derive(Clone, Debug)]
enum Deleg {
    Default,
    Everything,
    Nothing,
    Only(Vec<usize>),
    AllExcept(Vec<usize>),
}

fn name(i: usize) -> String {
    format!("r{i}")
}

fn model() -> impl Strategy<Value = Model> {
    (1usize..14).prop_flat_map(|n| {
        let edges = prop::collection::vec(prop::collection::vec(any::<bool>(), n), n);
        let administers = prop::collection::vec(prop::bool::weighted(0.2), n);
        let roles = prop::collection::vec(0..n, 0..3);
        let deleg = prop_oneof![
            3 => Just(Deleg::Default),
            1 => Just(Deleg::Everything),
            1 => Just(Deleg::Nothing),
            2 => roles.clone().prop_map(Deleg::Only),
            2 => roles.prop_map(Deleg::AllExcept),
        ];
        let delegation = prop::collection::vec(deleg, n);
        let order = Just((0..n).collect::<Vec<_>>()).prop_shuffle();
        (edges, administers, delegation, order).prop_map(
            |(edges, administers, delegation, order)| {
                let implies = edges
                    .iter()
                    .enumerate()
                    .map(|(i, row)| (0..i).filter(|&j| row[j]).collect())
                    .collect();
                Model {
                    implies,
                    administers,
                    delegation,
                    order,
                }
            },
        )
    })
}

impl Model {
    fn catalogue(&self) -> RoleCatalogue {
        let mut builder = RoleCatalogue::builder();
        for &i in &self.order {
            let mut def = RoleDef::new(name(i), format!("Role {i}"))
                .implies(self.implies[i].iter().map(|&j| name(j)));
            if self.administers[i] {
                def = def.administers_users();
            }
            let names = |roles: &[usize]| roles.iter().map(|&j| name(j)).collect::<Vec<_>>();
            def = match &self.delegation[i] {
                Deleg::Default => def,
                Deleg::Everything => def.grants_everything(),
                Deleg::Nothing => def.grants_nothing(),
                Deleg::Only(roles) => def.grants_only(names(roles)),
                Deleg::AllExcept(roles) => def.grants_all_except(names(roles)),
            };
            builder = builder.role(def);
        }
        builder.build().unwrap()
    }

    /// Breadth-first search from `from` along `implies`.
    fn reach(&self, from: &[usize]) -> BTreeSet<usize> {
        let mut seen: BTreeSet<usize> = from.iter().copied().collect();
        let mut queue: VecDeque<usize> = from.iter().copied().collect();
        while let Some(role) = queue.pop_front() {
            for &next in &self.implies[role] {
                if seen.insert(next) {
                    queue.push_back(next);
                }
            }
        }
        seen
    }

    /// Whether a holder of `role` may grant `target`, by the definition: granting a role hands
    /// out everything it implies.
    fn delegates(&self, role: usize, target: usize) -> bool {
        match &self.delegation[role] {
            Deleg::Default => self.administers[role],
            Deleg::Everything => true,
            Deleg::Nothing => false,
            Deleg::Only(roles) => self.reach(roles).contains(&target),
            Deleg::AllExcept(roles) => self.reach(&[target]).iter().all(|r| !roles.contains(r)),
        }
    }
}

fn names(roles: &BTreeSet<usize>) -> BTreeSet<RoleKey> {
    roles.iter().map(|&i| key(&name(i))).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, failure_persistence: None, ..ProptestConfig::default() })]

    /// Effective roles are exactly the closure of the grants, and `implied_by(k)` is exactly
    /// the roles whose closure holds `k`.
    #[test]
    fn effective_roles_are_the_closure_of_the_grants(
        model in model(),
        grants in prop::collection::vec(0usize..14, 0..6),
    ) {
        let n = model.implies.len();
        let catalogue = model.catalogue();
        let grants: Vec<usize> = grants.into_iter().filter(|&g| g < n).collect();
        let granted: Vec<String> = grants.iter().map(|&g| name(g)).collect();
        prop_assert_eq!(catalogue.closure(&granted), names(&model.reach(&grants)));
        for k in 0..n {
            let reach = model.reach(&[k]);
            let closure_of: BTreeSet<RoleKey> = catalogue.closure_of(&name(k)).cloned().collect();
            prop_assert_eq!(&closure_of, &names(&reach));
            let holders: BTreeSet<usize> =
                (0..n).filter(|&v| model.reach(&[v]).contains(&k)).collect();
            let implied_by: BTreeSet<RoleKey> = catalogue.implied_by(&name(k)).cloned().collect();
            prop_assert_eq!(implied_by, names(&holders));
            prop_assert_eq!(
                catalogue.administers_users(&name(k)),
                reach.iter().any(|&r| model.administers[r])
            );
        }
        // Declared order is kept, whatever the hierarchy.
        let declared: Vec<String> = catalogue.roles().iter().map(|r| r.key().to_string()).collect();
        prop_assert_eq!(declared, model.order.iter().map(|&i| name(i)).collect::<Vec<_>>());
    }

    /// `may_change` agrees with the rule computed by hand: the actor's grants that count at the
    /// target's scope, their closure, and one role of it whose delegation covers the target.
    #[test]
    fn may_change_follows_the_rule(
        model in model(),
        actor in prop::collection::vec((0usize..14, prop::option::of(1i64..3)), 0..4),
        target in (0usize..14, prop::option::of(1i64..3)),
    ) {
        let n = model.implies.len();
        let catalogue = model.catalogue();
        let scope = |plant: Option<i64>| plant.map_or(GrantScope::Tenant, |p| GrantScope::Plant(PlantId(p)));
        let actor: Vec<(usize, GrantScope)> = actor
            .into_iter()
            .filter(|&(role, _)| role < n)
            .map(|(role, plant)| (role, scope(plant)))
            .collect();
        let (target_role, target_plant) = target;
        prop_assume!(target_role < n);
        let target_scope = scope(target_plant);

        let counting: Vec<usize> = actor
            .iter()
            .filter(|&&(_, s)| s == GrantScope::Tenant || s == target_scope)
            .map(|&(role, _)| role)
            .collect();
        let expected = model
            .reach(&counting)
            .iter()
            .any(|&role| model.delegates(role, target_role));

        let grants: Vec<Grant> = actor
            .iter()
            .map(|&(role, scope)| Grant { role: key(&name(role)), scope })
            .collect();
        let target = Grant { role: key(&name(target_role)), scope: target_scope };
        prop_assert_eq!(catalogue.may_change(&grants, &target), expected);
        prop_assert_eq!(
            catalogue.grantable(&grants, target_scope).contains(name(target_role).as_str()),
            expected
        );
    }

    /// No string makes a key, a lookup or a grant check panic, and an accepted key is exactly
    /// the documented shape.
    #[test]
    fn queries_never_panic(s in prop_oneof![any::<String>(), "[a-zA-Z0-9_.\\- ]{0,70}", "[a-z][a-z0-9_.-]{0,70}"]) {
        let accepted = RoleKey::new(&s).is_ok();
        let shape = (1..=64).contains(&s.chars().count())
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.chars().all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_' | '.' | '-'));
        prop_assert_eq!(accepted, shape);
        let catalogue = RoleCatalogue::default();
        let _ = catalogue.get(&s);
        let _ = catalogue.check_grant(&s, GrantScope::Tenant);
        let _ = catalogue.closure([s.as_str()]);
        prop_assert_eq!(catalogue.implied_by(&s).count() > 0, catalogue.get(&s).is_some());
        let _ = RoleCatalogue::flat([(s.as_str(), s.as_str())]).build();
    }
}
