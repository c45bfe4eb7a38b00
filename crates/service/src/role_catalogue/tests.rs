#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Keys, every way a catalogue fails to build, the default catalogue and the serialized shape.
//! The seed models, delegation and the property test are in `tests/role_catalogue.rs`.

use sea_orm::{ActiveEnum as _, Iterable as _};
use tenantry_entity::{PlantId, UserRole};

use super::*;
use crate::validation::Rule;

fn key(s: &str) -> RoleKey {
    RoleKey::new(s).unwrap()
}

fn keys(list: &[&str]) -> Vec<RoleKey> {
    list.iter().map(|s| key(s)).collect()
}

fn build_err(builder: RoleCatalogueBuilder) -> CatalogueError {
    builder
        .build()
        .expect_err("the catalogue should be refused")
}

#[test]
fn keys_accept_lowercase_ascii_up_to_64() {
    for ok in [
        "a",
        "admin",
        "plant_admin",
        "spc.viewer",
        "role-2",
        &"a".repeat(64),
    ] {
        assert_eq!(RoleKey::new(ok).unwrap().as_str(), ok);
    }
}

#[test]
fn bad_keys_are_named_with_their_problem() {
    let cases: &[(&str, KeyProblem, &str)] = &[
        ("", KeyProblem::Empty, r#"invalid role key "": it is empty"#),
        (
            &"a".repeat(65),
            KeyProblem::TooLong { chars: 65 },
            "it has 65 characters, more than 64",
        ),
        (
            "Admin",
            KeyProblem::BadFirst('A'),
            r#"invalid role key "Admin": it starts with 'A' (U+0041), not an ASCII lowercase letter"#,
        ),
        (
            "adMin",
            KeyProblem::BadChar { ch: 'M', at: 2 },
            "character 2 is 'M' (U+004D), not one of a-z, 0-9, '_', '.', '-'",
        ),
        (
            "ad\0min",
            KeyProblem::BadChar { ch: '\0', at: 2 },
            r#"invalid role key "ad\u{0}min": character 2 is '\0' (U+0000)"#,
        ),
        (
            "\u{430}dmin",
            KeyProblem::BadFirst('\u{430}'),
            r#"invalid role key "\u{430}dmin": it starts with 'а' (U+0430)"#,
        ),
        (
            "adm\u{456}n",
            KeyProblem::BadChar {
                ch: '\u{456}',
                at: 3,
            },
            "(U+0456)",
        ),
        (
            "1admin",
            KeyProblem::BadFirst('1'),
            "it starts with '1' (U+0031)",
        ),
        ("_admin", KeyProblem::BadFirst('_'), "it starts with '_'"),
        (
            "ad min",
            KeyProblem::BadChar { ch: ' ', at: 2 },
            "' ' (U+0020)",
        ),
    ];
    for (input, problem, message) in cases {
        let error = RoleKey::new(input).unwrap_err();
        assert_eq!(
            error,
            CatalogueError::InvalidKey {
                key: (*input).to_owned(),
                problem: *problem
            },
            "{input:?}"
        );
        let shown = error.to_string();
        assert!(shown.contains(message), "{input:?}: {shown}");
    }
}

#[test]
fn a_long_bad_key_is_shown_cut_short() {
    let shown = RoleKey::new(&"X".repeat(10_000)).unwrap_err().to_string();
    assert!(shown.len() < 200, "{shown}");
    assert!(shown.contains("…"), "{shown}");
    assert!(shown.contains("10000 characters"), "{shown}");
}

#[test]
fn keys_serialize_as_strings_and_deserialize_checked() {
    assert_eq!(serde_json::to_string(&key("admin")).unwrap(), r#""admin""#);
    assert_eq!(
        serde_json::from_str::<RoleKey>(r#""plant_admin""#).unwrap(),
        key("plant_admin")
    );
    for bad in [r#""""#, r#""Admin""#, r#""\u0430dmin""#, r#""a\u0000""#] {
        let error = serde_json::from_str::<RoleKey>(bad).unwrap_err();
        assert!(
            error.to_string().contains("invalid role key"),
            "{bad}: {error}"
        );
    }
}

#[test]
fn an_empty_catalogue_is_refused() {
    assert_eq!(build_err(RoleCatalogue::builder()), CatalogueError::Empty);
    let flat: [(&str, &str); 0] = [];
    assert_eq!(build_err(RoleCatalogue::flat(flat)), CatalogueError::Empty);
}

#[test]
fn an_invalid_key_in_a_declaration_is_refused() {
    let error = build_err(RoleCatalogue::flat([
        ("viewer", "Viewer"),
        ("Editor", "Editor"),
    ]));
    assert!(matches!(&error, CatalogueError::InvalidKey { key, .. } if key == "Editor"));
    let error = build_err(RoleCatalogue::flat([("viewer", "Viewer")]).role(
        RoleDef::new("editor", "Editor").implies(["vi\u{435}wer"]), // Cyrillic е
    ));
    assert!(matches!(&error, CatalogueError::InvalidKey { key, .. } if key == "vi\u{435}wer"));
}

#[test]
fn a_duplicate_key_is_refused() {
    let error = build_err(RoleCatalogue::flat([
        ("viewer", "Viewer"),
        ("editor", "Editor"),
        ("viewer", "Viewer again"),
    ]));
    assert_eq!(error, CatalogueError::DuplicateKey { key: key("viewer") });
    assert_eq!(
        error.to_string(),
        r#"role "viewer" is declared more than once"#
    );
}

#[test]
fn an_unknown_implied_key_is_refused() {
    let error = build_err(
        RoleCatalogue::builder()
            .role(RoleDef::new("editor", "Editor").implies(["viewer"]))
            .role(RoleDef::new("admin", "Administrator")),
    );
    assert_eq!(
        error,
        CatalogueError::UnknownImplied {
            role: key("editor"),
            implied: key("viewer")
        }
    );
    assert_eq!(
        error.to_string(),
        r#"role "editor" implies "viewer", which is not in the catalogue"#
    );
}

#[test]
fn an_unknown_delegated_key_is_refused() {
    for def in [
        RoleDef::new("admin", "Administrator").grants_only(["editor", "owner"]),
        RoleDef::new("admin", "Administrator").grants_all_except(["owner"]),
    ] {
        let error = build_err(RoleCatalogue::flat([("editor", "Editor")]).role(def));
        assert_eq!(
            error,
            CatalogueError::UnknownDelegated {
                role: key("admin"),
                delegated: key("owner")
            }
        );
        assert!(error.to_string().contains(r#""owner""#));
    }
}

#[test]
fn a_builder_call_naming_an_undeclared_role_is_refused() {
    let error = build_err(RoleCatalogue::flat([("editor", "Editor")]).administrator("admn"));
    assert_eq!(
        error,
        CatalogueError::UnknownRole {
            key: "admn".to_owned()
        }
    );
    assert_eq!(error.to_string(), r#"no role "admn" in the catalogue"#);
    let error = build_err(RoleCatalogue::flat([("editor", "Editor")]).default_role("viewer"));
    assert!(matches!(error, CatalogueError::UnknownRole { key } if key == "viewer"));
}

#[test]
fn an_invalid_name_is_refused() {
    for (name, rule) in [
        ("", Rule::Required),
        ("  ", Rule::Required),
        ("Ad\nmin", Rule::ControlCharacter),
        (&"n".repeat(101), Rule::TooLong { max: 100 }),
    ] {
        let error = build_err(RoleCatalogue::flat([("admin", name)]));
        assert_eq!(
            error,
            CatalogueError::InvalidName {
                role: key("admin"),
                rule
            },
            "{name:?}"
        );
        assert!(error.to_string().starts_with(r#"role "admin": name: "#));
    }
}

#[test]
fn a_role_implying_itself_is_a_cycle() {
    let error = build_err(
        RoleCatalogue::builder().role(RoleDef::new("admin", "Administrator").implies(["admin"])),
    );
    assert_eq!(
        error,
        CatalogueError::Cycle {
            roles: keys(&["admin", "admin"])
        }
    );
    assert_eq!(
        error.to_string(),
        "roles imply each other in a cycle: admin -> admin"
    );
}

#[test]
fn two_roles_implying_each_other_are_a_cycle() {
    let error = build_err(
        RoleCatalogue::builder()
            .role(RoleDef::new("a", "A").implies(["b"]))
            .role(RoleDef::new("b", "B").implies(["a"])),
    );
    assert_eq!(
        error,
        CatalogueError::Cycle {
            roles: keys(&["a", "b", "a"])
        }
    );
}

#[test]
fn a_three_cycle_names_its_roles_and_not_the_others() {
    // `top` leads into the cycle and `base` hangs off it: neither is on it.
    let error = build_err(
        RoleCatalogue::builder()
            .role(RoleDef::new("top", "Top").implies(["editor"]))
            .role(RoleDef::new("base", "Base"))
            .role(RoleDef::new("editor", "Editor").implies(["base", "reviewer"]))
            .role(RoleDef::new("reviewer", "Reviewer").implies(["publisher"]))
            .role(RoleDef::new("publisher", "Publisher").implies(["editor"])),
    );
    assert_eq!(
        error,
        CatalogueError::Cycle {
            roles: keys(&["editor", "reviewer", "publisher", "editor"])
        }
    );
    assert_eq!(
        error.to_string(),
        "roles imply each other in a cycle: editor -> reviewer -> publisher -> editor"
    );
}

fn chain(roles: usize) -> RoleCatalogueBuilder {
    RoleCatalogue::ordered((0..roles).map(|i| (format!("r{i}"), format!("Role {i}"))))
}

#[test]
fn the_longest_chain_builds() {
    let max = ROLE_CATALOGUE_MAX_ROLES;
    let catalogue = chain(max).build().unwrap();
    let top = format!("r{}", max - 1);
    assert_eq!(catalogue.closure_of(&top).count(), max);
    assert_eq!(catalogue.implied_by("r0").count(), max);
    assert_eq!(catalogue.closure([top]).len(), max);
}

#[test]
fn a_catalogue_of_too_many_roles_is_refused() {
    let error = build_err(chain(ROLE_CATALOGUE_MAX_ROLES + 1));
    assert_eq!(error, CatalogueError::TooManyRoles { count: 1001 });
    assert_eq!(
        error.to_string(),
        "the role catalogue declares 1001 roles, more than 1000"
    );
}

#[test]
fn a_default_role_must_be_grantable_tenant_wide() {
    let error = build_err(
        RoleCatalogue::builder().role(
            RoleDef::new("operator", "Operator")
                .scope(RoleScope::Plant)
                .default_for_new_users(),
        ),
    );
    assert_eq!(
        error,
        CatalogueError::DefaultNotTenantWide {
            role: key("operator")
        }
    );
    assert!(error.to_string().contains("may only be granted at a plant"));
}

#[test]
fn an_exclusive_catalogue_has_at_most_one_default() {
    let two_defaults = || {
        RoleCatalogue::flat([("viewer", "Viewer"), ("commenter", "Commenter")])
            .default_role("viewer")
            .default_role("commenter")
    };
    let error = build_err(two_defaults().exclusive_per_scope());
    assert_eq!(
        error,
        CatalogueError::SeveralExclusiveDefaults {
            roles: keys(&["viewer", "commenter"])
        }
    );
    assert!(error.to_string().ends_with("viewer, commenter"));
    let shared = two_defaults().build().unwrap();
    assert_eq!(shared.defaults(), keys(&["viewer", "commenter"]).as_slice());
}

#[test]
fn check_grant_refuses_unknown_keys_and_scopes_not_allowed() {
    let catalogue = RoleCatalogue::flat([("member", "Member")])
        .role(RoleDef::new("owner", "Owner").scope(RoleScope::Tenant))
        .role(RoleDef::new("plant_admin", "Plant admin").scope(RoleScope::Plant))
        .build()
        .unwrap();
    let plant = GrantScope::Plant(PlantId(3));
    assert_eq!(
        catalogue.check_grant("member", plant).unwrap().key(),
        &key("member")
    );
    assert!(catalogue.check_grant("member", GrantScope::Tenant).is_ok());
    assert!(catalogue.check_grant("owner", GrantScope::Tenant).is_ok());
    assert!(catalogue.check_grant("plant_admin", plant).is_ok());

    let error = catalogue
        .check_grant("plant_admin", GrantScope::Tenant)
        .unwrap_err();
    assert_eq!(
        error,
        CatalogueError::ScopeNotAllowed {
            role: key("plant_admin"),
            allowed: RoleScope::Plant,
            requested: GrantScope::Tenant
        }
    );
    assert_eq!(
        error.to_string(),
        r#"role "plant_admin" may be granted at a plant only, not tenant-wide"#
    );
    assert_eq!(
        catalogue
            .check_grant("owner", plant)
            .unwrap_err()
            .to_string(),
        r#"role "owner" may be granted tenant-wide only, not at plant 3"#
    );
    for unknown in ["admin", "", "Owner", "\u{0}"] {
        assert_eq!(
            catalogue.check_grant(unknown, GrantScope::Tenant),
            Err(CatalogueError::UnknownRole {
                key: unknown.to_owned()
            })
        );
    }
}

#[test]
fn the_default_catalogue_is_todays_four_roles() {
    let catalogue = RoleCatalogue::default();
    let declared: Vec<&str> = catalogue.roles().iter().map(|r| r.key().as_str()).collect();
    assert_eq!(declared, ["operator", "supervisor", "engineer", "admin"]);
    assert!(catalogue.is_exclusive());
    assert!(catalogue.defaults().is_empty());
    for role in catalogue.roles() {
        assert_eq!(role.scope(), RoleScope::Both);
    }
    assert!(catalogue.administers_users("admin"));
    for lower in ["operator", "supervisor", "engineer"] {
        assert!(!catalogue.administers_users(lower));
    }
    assert_eq!(
        catalogue.get("admin").unwrap().delegation(),
        &Delegation::Everything
    );
    assert_eq!(
        catalogue.get("engineer").unwrap().delegation(),
        &Delegation::Nothing
    );
    // The order of `UserRole` is the hierarchy.
    for high in UserRole::iter() {
        for low in UserRole::iter() {
            assert_eq!(
                catalogue.closure_of(high.key()).any(|k| k == low.key()),
                low <= high,
                "{high:?} implies {low:?}"
            );
        }
    }
    catalogue.check_host_roles::<UserRole>().unwrap();
}

#[test]
fn user_role_keys_are_the_strings_it_is_stored_as() {
    assert_eq!(
        UserRole::all(),
        UserRole::iter().collect::<Vec<_>>().as_slice()
    );
    for role in UserRole::iter() {
        assert_eq!(role.key(), role.to_value());
        assert_eq!(UserRole::from_key(role.key()), Some(role));
        RoleKey::new(role.key()).unwrap();
    }
    assert_eq!(UserRole::from_key("Admin"), None);
    assert_eq!(UserRole::from_key("owner"), None);
}

#[test]
fn check_host_roles_names_a_variant_missing_from_the_catalogue() {
    let catalogue = RoleCatalogue::ordered([("operator", "Operator"), ("admin", "Admin")])
        .build()
        .unwrap();
    assert_eq!(
        catalogue.check_host_roles::<UserRole>(),
        Err(CatalogueError::UnknownRole {
            key: "supervisor".to_owned()
        })
    );
}

#[test]
fn delegation_defaults_from_administering_users() {
    let catalogue = RoleCatalogue::flat([("member", "Member"), ("admin", "Administrator")])
        .administrator("admin")
        .role(
            RoleDef::new("auditor", "Auditor")
                .administers_users()
                .grants_nothing(),
        )
        .build()
        .unwrap();
    assert_eq!(
        catalogue.get("member").unwrap().delegation(),
        &Delegation::Nothing
    );
    assert_eq!(
        catalogue.get("admin").unwrap().delegation(),
        &Delegation::Everything
    );
    assert_eq!(
        catalogue.get("auditor").unwrap().delegation(),
        &Delegation::Nothing
    );
}

#[test]
fn implications_and_delegations_are_deduplicated_in_declaration_order() {
    let catalogue = RoleCatalogue::flat([("a", "A"), ("b", "B")])
        .role(
            RoleDef::new("c", "C")
                .implies(["b", "a", "b"])
                .grants_only(["a", "a"]),
        )
        .build()
        .unwrap();
    let c = catalogue.get("c").unwrap();
    assert_eq!(c.implies(), keys(&["b", "a"]).as_slice());
    assert_eq!(c.delegation(), &Delegation::Only(keys(&["a"])));
}

#[test]
fn the_catalogue_serializes_flat() {
    let catalogue = RoleCatalogue::ordered([("viewer", "Viewer"), ("admin", "Administrator")])
        .default_role("viewer")
        .administrator("admin")
        .amend("admin", |role| role.grants_all_except(["admin"]))
        .scope_all(RoleScope::Tenant)
        .exclusive_per_scope()
        .build()
        .unwrap();
    let json = serde_json::to_value(&catalogue).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "exclusive_per_scope": true,
            "roles": [
                {
                    "key": "viewer", "name": "Viewer", "scope": "tenant", "implies": [],
                    "administers_users": false, "default": true, "grants": "nothing"
                },
                {
                    "key": "admin", "name": "Administrator", "scope": "tenant",
                    "implies": ["viewer"], "administers_users": true, "default": false,
                    "grants": {"all_except": ["admin"]}
                }
            ]
        })
    );
    let only = serde_json::to_value(Delegation::Only(keys(&["a"]))).unwrap();
    assert_eq!(only, serde_json::json!({"only": ["a"]}));
    assert_eq!(
        serde_json::to_value(Delegation::Everything).unwrap(),
        "everything"
    );
    assert_eq!(serde_json::to_value(RoleScope::Both).unwrap(), "both");
}

#[test]
fn role_scope_allows() {
    let plant = GrantScope::Plant(PlantId(1));
    assert!(RoleScope::Both.allows(GrantScope::Tenant) && RoleScope::Both.allows(plant));
    assert!(RoleScope::Tenant.allows(GrantScope::Tenant) && !RoleScope::Tenant.allows(plant));
    assert!(!RoleScope::Plant.allows(GrantScope::Tenant) && RoleScope::Plant.allows(plant));
}
