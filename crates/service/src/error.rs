//! The one error type of the service.

use crate::hashing::HashError;
use crate::role_catalogue::{CatalogueError, GrantScope, RoleKey, RoleScope};
use crate::store::StoredCatalogueError;
use crate::validation::ValidationErrors;
use sea_orm::{DbErr, SqlErr};
use tenantry_entity::{LoginOutcome, UserId};

/// What went wrong, named for what the caller can do about it.
///
/// `Display` never contains database text, SQL or a value the user supplied: it is safe to show
/// to an end user or to log. The underlying database error is reachable through
/// [`std::error::Error::source`] for operators.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No such object in this tenant (including objects of other tenants and soft-deleted users).
    #[error("not found")]
    NotFound,
    /// Another user of the tenant has this username, or one that looks like it: compared
    /// through its normalized key and its confusable skeleton (`admin1` and `аdmin1`).
    #[error("username is already taken")]
    UsernameTaken,
    /// Another user of the tenant has this email (compared through its normalized key).
    #[error("email is already taken")]
    EmailTaken,
    /// Another tenant has this slug.
    #[error("tenant slug is already taken")]
    SlugTaken,
    /// Another plant of the tenant has this code.
    #[error("plant code is already taken")]
    PlantCodeTaken,
    /// A plant (of this or another tenant) already carries this host identifier.
    #[error("plant identifier is already taken")]
    PlantIdentifierTaken,
    /// One or more fields broke a rule; every broken field is listed.
    #[error("invalid input: {0}")]
    InvalidInput(ValidationErrors),
    /// Login failed. Deliberately the same for every reason.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// A login authenticated elsewhere (`Logins::record_login`)
    /// was refused: the account may not sign in now. The outcome says why, as recorded in
    /// `login_events`; the caller already proved who it is, so the reason is not hidden.
    #[error("login refused: {}", .0.as_str())]
    LoginRefused(LoginOutcome),
    /// A sign-in through an identity provider that the tenant's policy for the provider does
    /// not allow (`IdentityProviders::sign_in_with_identity`). Nothing was written.
    #[error("sign-in refused: {0}")]
    IdentityRefused(IdentityRefusal),
    /// The password was right, but the user must complete a second step (a second factor, or
    /// enrolling one the tenant requires) before this is a login. Returned by
    /// `Logins::authenticate`, which cannot hand out the step; call `Logins::sign_in` instead.
    #[error("a second factor is required")]
    SecondFactorRequired,
    /// Second factors need a key the host has not configured (`Config::second_factors.keys`).
    #[error("second factors are not configured")]
    SecondFactorsNotConfigured,
    /// The token is malformed, unknown, expired, used, voided or of another purpose.
    #[error("invalid or expired token")]
    InvalidToken,
    /// The change conflicts with the current state (the reason is a fixed phrase).
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// The change would leave the tenant without an active tenant admin.
    #[error("the last active tenant admin cannot be removed, demoted or deactivated")]
    LastAdmin,
    /// A grant the role catalogue refuses: a role it does not declare, or a scope the role may
    /// not be granted at. Nothing was written.
    #[error("role refused: {0}")]
    RoleRefused(CatalogueError),
    /// The actor may not grant or revoke this role there (the catalogue's delegation rules).
    /// Nothing was written.
    #[error("{actor} may not change the grant of {role} {scope}")]
    NotPermitted {
        /// Who tried.
        actor: UserId,
        /// The role.
        role: RoleKey,
        /// Where.
        scope: GrantScope,
    },
    /// The database failed; the source holds the driver's error.
    #[error("database error")]
    Database(#[source] DbErr),
    /// Password hashing failed.
    #[error("password hashing failed")]
    Hashing(#[source] HashError),
    /// The password policy asks for a zxcvbn score of at least `min_strength`, and this build
    /// has no zxcvbn: tenantry-service's `password-strength` feature is off. Turn it on, or
    /// set `min_strength` to 0.
    #[error(
        "the password policy's min_strength is {min_strength}, which needs tenantry-service's \
         `password-strength` feature"
    )]
    PasswordStrengthNotEnabled {
        /// The policy's floor.
        min_strength: u8,
    },
    /// A bulk import refused row `index` (0-based, in the caller's list) for `source`. The
    /// first `imported` rows were committed (whole batches before the row's); nothing of the
    /// row's own batch was written.
    #[error("import refused row {index} ({imported} rows before it were imported): {source}")]
    ImportRow {
        /// The refused row, 0-based.
        index: usize,
        /// Rows committed before the refused row's batch.
        imported: usize,
        /// Why: `InvalidInput`, `UsernameTaken`, `EmailTaken`, `NotFound` (a plant), …
        #[source]
        source: Box<Error>,
    },
    /// [`Imports::import_users_all_or_nothing`](crate::Imports::import_users_all_or_nothing)
    /// found problems in its rows: every one is listed, and nothing was written.
    #[error("import refused: {} problem(s) in its rows; nothing was written", problems.len())]
    ImportRefused {
        /// Every problem of every row, by row.
        problems: Vec<crate::api::RowProblem>,
    },
    /// Reconciling the role catalogue at startup: `role` is no longer declared but `grants`
    /// grants (plant roles and tenant roles, in every tenant) still hold it. Nothing was
    /// written. Declare the role again, revoke its grants, or reconcile with
    /// [`MissingRoles::Revoke`](crate::config::MissingRoles::Revoke).
    #[error(
        "role \"{role}\" is no longer in the role catalogue but {grants} grant(s) still hold it; \
         revoke them or reconcile with MissingRoles::Revoke"
    )]
    RoleStillGranted {
        /// The role's key.
        role: RoleKey,
        /// How many grants hold it.
        grants: u64,
    },
    /// Reconciling the role catalogue at startup: `role` may now be granted `allowed` only,
    /// but `grants` grants hold it elsewhere (tenant-wide grants of a plant-only role, or plant
    /// grants of a tenant-only one). Nothing was written.
    #[error(
        "role \"{role}\" may now be granted {allowed} only, but {grants} grant(s) hold it \
         elsewhere; revoke them or reconcile with MissingRoles::Revoke"
    )]
    RoleGrantedOutOfScope {
        /// The role's key.
        role: RoleKey,
        /// Where the catalogue now allows it.
        allowed: RoleScope,
        /// How many grants hold it where it is no longer allowed.
        grants: u64,
    },
    /// Opening the repository: the profile rules require `field` (`email` or `username`), but
    /// `users` users of the database (deleted ones included) have none. Nothing was written:
    /// give them one, or keep the field optional (see [`crate::profile_rules`]).
    #[error(
        "the profile rules require {field}, but {users} user(s) have none; \
         give them one or keep the field optional"
    )]
    ProfileRuleUnmet {
        /// The field the rules require.
        field: &'static str,
        /// How many users lack it.
        users: u64,
    },
    /// The configuration asks for something impossible (a display name longer than its
    /// column); the message names the setting.
    #[error("invalid configuration: {0}")]
    InvalidConfig(&'static str),
    /// The role catalogue stored in the database cannot be read back (a row edited by hand).
    #[error("the stored role catalogue is invalid: {0}")]
    StoredCatalogue(StoredCatalogueError),
    /// A bug: the call's task panicked (the panic hook reported where) or was stopped by a
    /// runtime shutting down. Nothing of the panic is kept here, so nothing of it reaches a
    /// client.
    #[error("internal error")]
    Internal,
}

/// The service's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a tenant's policy refused a sign-in through an identity provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdentityRefusal {
    /// The identity is linked to a user of another tenant.
    #[error("the identity belongs to another tenant")]
    LinkedElsewhere,
    /// No user has the identity, and the tenant does not let this provider create users (or
    /// has no policy for it).
    #[error("the provider may not create users here")]
    ProviderNotAllowed,
    /// The email's domain is not among the policy's.
    #[error("the email domain is not allowed")]
    DomainNotAllowed,
    /// The policy needs an email the provider verified (domains are listed, or an invitation
    /// is to be accepted), and it did not verify one.
    #[error("the provider did not verify the email")]
    EmailNotVerified,
    /// A user of the tenant already has this email and is not linked to the identity: linking
    /// is an explicit `link_identity` (or, for an invitation, its token), never automatic.
    #[error("an account with this email exists")]
    AccountExists,
}

impl From<DbErr> for Error {
    fn from(error: DbErr) -> Self {
        Error::Database(error)
    }
}

impl From<ValidationErrors> for Error {
    fn from(errors: ValidationErrors) -> Self {
        Error::InvalidInput(errors)
    }
}

impl From<HashError> for Error {
    fn from(error: HashError) -> Self {
        Error::Hashing(error)
    }
}

/// Which unique key a write collided with, read from the database's own error after the write
/// (never by checking first, which races).
/// Whether the database broke a deadlock or a serialization conflict by ending the
/// transaction (SQLSTATE `40001`: MySQL's 1213, PostgreSQL's serialization failure; `40P01`:
/// PostgreSQL's deadlock): the whole transaction may run again.
pub(crate) fn is_transient(error: &Error) -> bool {
    let Error::Database(DbErr::Exec(runtime) | DbErr::Query(runtime)) = error else {
        return false;
    };
    let sea_orm::RuntimeErr::SqlxError(sqlx) = runtime else {
        return false;
    };
    sqlx.as_database_error()
        .and_then(|db| db.code())
        .is_some_and(|code| code == "40001" || code == "40P01")
}

pub(crate) fn unique_violation(error: DbErr) -> Error {
    let Some(SqlErr::UniqueConstraintViolation(message)) = error.sql_err() else {
        return Error::Database(error);
    };
    // The index names (and SQLite's column lists) carry these column names. A username that
    // only looks like another's (same skeleton) is reported as taken, like an equal one.
    if message.contains("username_key") || message.contains("username_skeleton") {
        Error::UsernameTaken
    } else if message.contains("email_key") {
        Error::EmailTaken
    } else if message.contains("slug") {
        Error::SlugTaken
    } else if message.contains("code_key") {
        Error::PlantCodeTaken
    } else if message.contains("external_id") {
        Error::PlantIdentifierTaken
    } else if message.contains("provider") {
        Error::Conflict("this identity is already linked to a user")
    } else {
        Error::Conflict("a unique value is already in use")
    }
}

/// [`unique_violation`] for a user row: a user without a username stores its email's key as
/// its login key (`username_key`), so a collision there is its email being taken.
pub(crate) fn user_unique_violation(has_username: bool) -> impl Fn(DbErr) -> Error {
    move |error| match unique_violation(error) {
        Error::UsernameTaken if !has_username => Error::EmailTaken,
        other => other,
    }
}

/// A write that references a plant (or user) the database does not have in this tenant: the
/// composite foreign keys refuse it, and the caller sees `NotFound`.
pub(crate) fn missing_reference(error: DbErr) -> Error {
    match error.sql_err() {
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => Error::NotFound,
        _ => Error::Database(error),
    }
}
