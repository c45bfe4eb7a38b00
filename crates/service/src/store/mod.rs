//! [`SeaOrmUserRepository`]: the [`UserRepository`] on SeaORM, for SQLite, PostgreSQL and
//! MySQL/MariaDB: the struct and its constructors. One file per concept, each implementing
//! its trait of [`crate::api`] (`impl Tenants for SeaOrmUserRepository` in `tenants.rs`, …).

mod admin_guard;
mod audit;
mod bulk;
mod bulk_sql;
mod change;
mod delegation;
mod detach;
mod directory_groups;
mod dormant;
mod grants_held;
mod identities;
mod identity_policies;
mod identity_providers;
mod import_one;
mod invitations;
mod keyset;
mod listing;
mod login;
mod login_outcome;
mod lookups;
mod new_user;
mod one_time_tokens;
mod open_challenge;
#[cfg(feature = "passkeys")]
pub(crate) mod passkeys;
mod passwords;
mod plants;
mod profile_check;
mod reads;
mod recorded_login;
mod role_catalogue_grants;
mod role_catalogue_load;
mod role_catalogue_rows;
mod role_catalogue_sync;
mod role_rows;
mod roles;
mod scim_directory;
mod scim_token_memo;
mod scim_tokens;
mod scim_write;
mod search;
mod second_factors;
mod second_factors_api;
mod second_step;
pub(crate) mod sessions;
mod stamp;
mod tenants;
mod tx;
mod unique;
mod users;

pub use bulk::IMPORT_BATCH;
pub(crate) use detach::detached;
pub use role_catalogue_load::{StoredCatalogueError, load_role_catalogue};
pub use role_catalogue_sync::{CatalogueSync, sync_role_catalogue};
#[cfg(feature = "tower-sessions")]
pub(crate) use users::latest_storable;

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::error::Result;
use crate::hashing::PasswordHasher;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// The [`UserRepository`](crate::UserRepository) on a SeaORM connection pool. Cheap to clone.
#[derive(Clone)]
pub struct SeaOrmUserRepository {
    db: DatabaseConnection,
    config: Arc<Config>,
    hasher: PasswordHasher,
    clock: Arc<dyn Clock>,
    lookups: Arc<lookups::Lookups>,
    /// The tenants of SCIM tokens accepted in the last second (`scim_token_memo.rs`).
    scim_tokens_seen: Arc<scim_token_memo::ScimTokenMemo>,
    /// The passkey relying party (`with_passkeys`, `passkeys.rs`); `None`: not configured.
    #[cfg(feature = "passkeys")]
    passkeys: Option<Arc<webauthn_rs::Webauthn>>,
}

impl std::fmt::Debug for SeaOrmUserRepository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeaOrmUserRepository")
            .field("backend", &self.db.get_database_backend())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl SeaOrmUserRepository {
    /// What a host calls at startup: a repository on `db` (migrated with [`crate::migrate`])
    /// with `config`, after checking that the stored users meet `config.profile`'s required
    /// fields and reconciling the stored role catalogue with `config.roles`
    /// ([`sync_role_catalogue`], with `config.missing_roles`).
    ///
    /// The repository is built first, so a configuration argon2 refuses writes nothing.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Hashing`] when the hashing parameters are ones argon2 refuses;
    /// [`crate::Error::PasswordStrengthNotEnabled`] and [`crate::Error::InvalidConfig`] as
    /// for [`Self::new`]; [`crate::Error::ProfileRuleUnmet`] when a required email or username
    /// is missing from stored users; [`crate::Error::RoleStillGranted`] or
    /// [`crate::Error::RoleGrantedOutOfScope`] when the
    /// declared catalogue refuses existing grants and `config.missing_roles` is
    /// [`MissingRoles::Refuse`](crate::config::MissingRoles::Refuse); [`crate::Error::Database`].
    pub async fn open(db: DatabaseConnection, config: Config) -> Result<Self> {
        let repository = Self::new(db, config)?;
        profile_check::check_stored_profiles(&repository.db, &repository.config.profile).await?;
        sync_role_catalogue(
            &repository.db,
            &repository.config.roles,
            repository.config.missing_roles,
        )
        .await?;
        Ok(repository)
    }

    /// A repository on `db` (migrated with [`crate::migrate`]) with `config`.
    ///
    /// It does not touch the stored role catalogue: a host calls [`Self::open`] at startup,
    /// which reconciles it first; `new` is for code that runs beside such a host (tests, tools,
    /// a second repository on the same database).
    ///
    /// # Errors
    ///
    /// [`crate::Error::Hashing`] when the hashing parameters are ones argon2 refuses;
    /// [`crate::Error::PasswordStrengthNotEnabled`] when the password policy asks for a
    /// strength score and the `password-strength` feature is off; [`crate::Error::InvalidConfig`]
    /// for impossible profile rules.
    pub fn new(db: DatabaseConnection, config: Config) -> Result<Self> {
        if !config.profile.is_valid() {
            return Err(crate::Error::InvalidConfig(
                "profile.display_name_max_chars must be 1–255 (the column's size)",
            ));
        }
        config.password_policy.ensure_supported()?;
        let hasher = PasswordHasher::new(config.hashing.clone())?;
        let lookups = Arc::new(lookups::Lookups::new(db.get_database_backend()));
        Ok(Self {
            lookups,
            scim_tokens_seen: Arc::default(),
            db,
            config: Arc::new(config),
            hasher,
            clock: Arc::new(SystemClock),
            #[cfg(feature = "passkeys")]
            passkeys: None,
        })
    }

    /// The same repository reading the time from `clock` (tests move time with
    /// [`crate::clock::ManualClock`]).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The password hasher, shared with every clone (its run counter included).
    pub fn hasher(&self) -> &PasswordHasher {
        &self.hasher
    }

    /// The connection pool.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Now, truncated to microseconds: the precision every backend stores, so a value read
    /// back equals the value written.
    pub(crate) fn now(&self) -> chrono::DateTime<chrono::Utc> {
        let now = self.clock.now();
        chrono::DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
    }
}
