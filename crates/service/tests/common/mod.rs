//! The one harness of the service's integration tests.
//!
//! Every test builds its own fixture on its own fresh database ([`TestDb::migrated`]): SQLite
//! when `DATABASE_URL` is unset, else a database of its own on the server it names.
//!
//! - [`Fixture`] (`fixture.rs`): a `dyn UserRepository` as a host holds it, tenant `acme` and
//!   its plants `P1`..`P3`; for users, roles, listing, audit and the other admin commands.
//! - [`Env`] (`clocked.rs`): the concrete repository on a [`ManualClock`](tenantry_service::clock::ManualClock),
//!   tenant `acme` and no plants; for credentials (login, lockout, tokens, invitations,
//!   identities, lifecycle, import, dump), where time and the hasher's run counter matter.
//!
//! Both create a second tenant with `other_tenant(slug)`; the inputs, passwords and assertions
//! below are shared.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code, unused_imports, clippy::unwrap_used, clippy::expect_used)]

mod clocked;
mod fixture;
#[cfg(feature = "passkeys")]
mod passkey_device;

use std::fmt::Debug;

pub use clocked::*;
pub use fixture::*;
#[cfg(feature = "passkeys")]
pub use passkey_device::*;
use tenantry_service::validation::{Rule, ValidationErrors};
use tenantry_service::{
    Error, NewPlant, NewTenant, NewUser, Password, PlantId, PlantRole, Result, TenantView,
    UserRepository, UserRole, UserView,
};

/// A password the real policy accepts (zxcvbn score 4, no personal names in it).
pub const STRONG: &str = "vivid ocelot tangles quietly";
/// Another one.
pub const OTHER: &str = "amber walrus juggles slowly";
/// A third one.
pub const THIRD: &str = "crimson beetle hums sideways";
/// A wrong password (never anyone's).
pub const WRONG: &str = "not the password at all";

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

/// Creates the second tenant `slug` (named "Other") through `repo`: the cross-tenant fixture.
pub async fn create_other_tenant<R: UserRepository + ?Sized>(repo: &R, slug: &str) -> TenantView {
    repo.create_tenant(new_tenant(slug, "Other"), None)
        .await
        .unwrap_or_else(|e| panic!("creating a second tenant {slug:?}: {e:?}"))
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

/// An active user without password or email whose display name is its username.
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

/// An active user `username` with email `<username>@example.com` and an optional password.
pub fn user_input(username: &str, password: Option<&str>) -> NewUser {
    NewUser {
        email: Some(format!("{username}@example.com")),
        password: password.map(Password::new),
        ..new_user(username)
    }
}

pub fn pw(s: &str) -> Password {
    Password::new(s)
}

pub fn plant_role(plant: PlantId, role: UserRole) -> PlantRole {
    PlantRole::new(plant, role)
}

/// The default catalogue's role a key names.
pub fn user_role(key: &tenantry_service::RoleKey) -> UserRole {
    use tenantry_service::HostRole;
    UserRole::from_key(key).expect("a UserRole")
}

/// A view's plant roles as `(plant, role)` pairs sorted by plant id (default catalogue).
pub fn roles(view: &UserView) -> Vec<(PlantId, UserRole)> {
    use tenantry_service::HostRole;
    let mut roles: Vec<_> = view
        .plant_roles
        .iter()
        .map(|r| (r.plant_id, UserRole::from_key(&r.role).expect("a UserRole")))
        .collect();
    roles.sort();
    roles
}

/// Usernames of a list of views, in order.
pub fn usernames(views: &[UserView]) -> Vec<String> {
    views
        .iter()
        .map(|u| u.username.clone().unwrap_or_default())
        .collect()
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

/// Asserts the result is exactly `InvalidCredentials`, with its one `Display`.
#[track_caller]
pub fn assert_invalid_credentials<T: Debug>(result: Result<T>, case: &str) {
    match result {
        Err(e @ Error::InvalidCredentials) => {
            assert_eq!(e.to_string(), "invalid credentials", "{case}");
        }
        other => panic!("{case}: expected Err(InvalidCredentials), got {other:?}"),
    }
}

/// Asserts the result is exactly `InvalidToken`.
#[track_caller]
pub fn assert_invalid_token<T: Debug>(result: Result<T>, case: &str) {
    match result {
        Err(e @ Error::InvalidToken) => {
            assert_eq!(e.to_string(), "invalid or expired token", "{case}");
        }
        other => panic!("{case}: expected Err(InvalidToken), got {other:?}"),
    }
}

/// The user's tenant-wide role keys as stored (deleted users included), sorted.
pub async fn stored_tenant_roles(
    db: &sea_orm::DatabaseConnection,
    user: tenantry_service::UserId,
) -> Vec<String> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use tenantry_service::entity::user_tenant_roles;
    let mut roles: Vec<String> = user_tenant_roles::Entity::find()
        .filter(user_tenant_roles::Column::UserId.eq(user))
        .all(db)
        .await
        .expect("reading tenant roles")
        .into_iter()
        .map(|row| row.role)
        .collect();
    roles.sort();
    roles
}
