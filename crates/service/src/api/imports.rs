//! [`Imports`]: users imported from another system with their existing password hashes.

use std::fmt;
use std::sync::Arc;

use crate::error::Result;
use crate::inputs::{Actor, ImportedUser};
use crate::validation::Rule;
use crate::views::UserView;
use async_trait::async_trait;
use serde::Serialize;
use tenantry_entity::{TenantId, UserId};

/// Users imported from another system with their existing password hashes: argon2, or a
/// legacy format (Django's PBKDF2, bcrypt and scrypt forms, modular-crypt bcrypt, passlib's
/// scrypt) that is replaced by argon2id at the user's first successful login. The formats, and
/// the bounds on their work factors, are listed at
/// [`parse_imported_hash`](crate::hashing::parse_imported_hash).
///
/// Part of [`UserRepository`](super::UserRepository), whose example sets a repository up and
/// calls it (import the traits with [`prelude`](crate::prelude)); the methods are exercised in
/// `crates/service/tests/import.rs`, `legacy_hashes.rs` (the legacy formats, with hashes made
/// by Django and passlib) and `bulk_import.rs` (both bulk modes).
#[async_trait]
pub trait Imports: Send + Sync {
    /// Creates an active user with an existing password hash (see
    /// [`parse_imported_hash`](crate::hashing::parse_imported_hash)); it is upgraded to
    /// argon2id of the current parameters at the user's next successful login.
    ///
    /// # Errors
    /// `NotFound`, `InvalidInput` (including `password_hash: unsupported_hash`,
    /// `malformed_hash` or `hash_out_of_bounds`),
    /// `UsernameTaken`, `EmailTaken`, `Database`.
    async fn import_user(
        &self,
        tenant: TenantId,
        user: ImportedUser,
        actor: Actor,
    ) -> Result<UserView>;

    /// Creates many active users with existing password hashes (and their roles) in batched
    /// multi-row inserts; returns their ids in the order given. One audit event per user.
    ///
    /// Every row is validated first (profile, hash, plants, and usernames and emails unique
    /// within the call): one bad row refuses the whole call and nothing is written. Rows are
    /// then written in batches of [`IMPORT_BATCH`](crate::IMPORT_BATCH) users, one transaction
    /// each; a row the database refuses (a username or email already taken, a plant not of
    /// this tenant) rolls back its whole batch, while earlier batches stay committed.
    ///
    /// # Errors
    /// `NotFound` (tenant, or the actor), `ImportRow { index, imported, source }` naming the
    /// refused row (`source`: `InvalidInput`, `UsernameTaken`, `EmailTaken`, `NotFound` for a
    /// plant), `Database`.
    async fn import_users(
        &self,
        tenant: TenantId,
        users: Vec<ImportedUser>,
        actor: Actor,
    ) -> Result<Vec<UserId>>;

    /// Creates all of `users` or none of them: every row is checked first and every problem
    /// of every row is reported together, then all rows are written in one transaction.
    ///
    /// The checks: each row's fields and hash (as [`import_user`](Self::import_user) checks
    /// them), its roles against the catalogue, its plants (of this tenant), and whether its
    /// username (by confusable skeleton) or email is already held by a user of the tenant
    /// (soft-deleted ones included) or by an earlier row. The actor must be allowed to grant
    /// every role asked for. `progress`, when given, hears how far the call is.
    ///
    /// Use it where a partial import is worse than none (the `tenantry user import` command).
    /// It holds one transaction for the whole call, so very large imports hold their locks
    /// longer than [`import_users`](Self::import_users)' batches do.
    ///
    /// # Errors
    /// `ImportRefused { problems }` listing every [`RowProblem`] (nothing written);
    /// `NotFound` (tenant, or the actor), `NotPermitted`; `ImportRow` naming a row the database
    /// refused although the checks passed (a concurrent writer took its username; nothing
    /// written); `Database`.
    async fn import_users_all_or_nothing(
        &self,
        tenant: TenantId,
        users: Vec<ImportedUser>,
        actor: Actor,
        progress: Option<ImportProgress>,
    ) -> Result<Vec<UserId>>;

    /// Checks `users` exactly as
    /// [`import_users_all_or_nothing`](Self::import_users_all_or_nothing) does and writes
    /// nothing: every problem of every row, by row (none: the import would go through, unless
    /// the tenant changes meanwhile). For a dry run, or to report the rows a caller could
    /// not even build alongside the others'.
    ///
    /// # Errors
    /// `NotFound` (the tenant), `Database`.
    async fn check_import(
        &self,
        tenant: TenantId,
        users: Vec<ImportedUser>,
    ) -> Result<Vec<RowProblem>>;
}

/// Told how far [`Imports::import_users_all_or_nothing`] is; called on the task that runs it,
/// so it should return at once.
pub type ImportProgress = Arc<dyn Fn(ImportStage) + Send + Sync>;

/// A step of [`Imports::import_users_all_or_nothing`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ImportStage {
    /// Every row was checked and none has a problem; writing starts.
    Checked {
        /// Rows in the call.
        rows: usize,
    },
    /// `written` of `rows` users are written (not yet committed).
    Written {
        /// Users written so far.
        written: usize,
        /// Rows in the call.
        rows: usize,
    },
}

/// One problem of one row of an import.
///
/// Serializes as `{"index":3,"field":"email","problem":"taken"}`, or with the rule
/// (`{"index":0,"field":"password_hash","problem":"invalid","rule":"hash_out_of_bounds",
/// "format":"bcrypt"}`). Its `Display` never contains the row's values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowProblem {
    /// The row, 0-based, in the order given.
    pub index: usize,
    /// The field: `username`, `email`, `display_name`, `password_hash`, `tenant_roles` or
    /// `plant_roles`.
    pub field: &'static str,
    /// What is wrong with it.
    #[serde(flatten)]
    pub problem: Problem,
}

/// What is wrong with a field of an imported row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Problem {
    /// It breaks a validation rule.
    Invalid {
        /// The rule.
        #[serde(flatten)]
        rule: Rule,
    },
    /// A user of the tenant already has it (a username by confusable skeleton).
    Taken,
    /// An earlier row of the same call has it (or, for a username, one that looks like it).
    SameAsRow {
        /// That row, 0-based.
        row: usize,
    },
    /// A role the catalogue does not declare, or may not grant in that scope.
    RoleRefused,
    /// A plant that is not one of this tenant's.
    PlantNotFound,
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "row {}: {}: ", self.index, self.field)?;
        match self.problem {
            Problem::Invalid { rule } => write!(f, "{rule}"),
            Problem::Taken => f.write_str("already taken in this tenant"),
            Problem::SameAsRow { row } => write!(f, "the same as row {row}'s"),
            Problem::RoleRefused => f.write_str("a role the role catalogue refuses there"),
            Problem::PlantNotFound => f.write_str("not a plant of this tenant"),
        }
    }
}
