//! `users`: an account of one tenant.

use crate::{SecretHash, TenantId, UserId, UserStatus};
use sea_orm::entity::prelude::*;

/// A row of `users`.
///
/// It holds the password hash, so it does not derive `Serialize`; the hash's own `Debug`
/// prints `[redacted]`. Hosts read users through the service's `UserView` instead.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenantry_users")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key)]
    pub id: UserId,
    /// Public id (UUID v7).
    #[sea_orm(unique)]
    pub pid: Uuid,
    /// Owning tenant.
    pub tenant_id: TenantId,
    /// The username as entered; `None` for a user whose login is its email (allowed when the
    /// host's profile rules make usernames optional, since migration 000023).
    pub username: Option<String>,
    /// The login key: the normalized username (NFKC, lowercase), or for a user without a
    /// username its `email_key` (which holds an `@`, which no username does); unique per
    /// tenant. Login by name, username order and the username unique index all read it.
    pub username_key: String,
    /// The confusable skeleton of `username_key` ([`crate::skeleton`]); unique per tenant, so
    /// two usernames that look alike cannot coexist. `None` only for a user the migration
    /// that added the column found looking like an older user of its tenant.
    pub username_skeleton: Option<String>,
    /// The email as entered.
    pub email: Option<String>,
    /// The normalized email (trimmed, NFKC, lowercase); unique per tenant.
    pub email_key: Option<String>,
    /// Display name; empty when the user has none (allowed when the host's profile rules make
    /// display names optional; readers fall back to the username or email).
    pub display_name: String,
    /// The display name's key ([`crate::keys::display_name_key`]), searched by prefix. `None`
    /// never happens for rows written since migration 000021 (which backfilled every row).
    pub display_name_key: Option<String>,
    /// argon2 PHC string; `None` for SSO-only and invited users.
    pub password_hash: Option<SecretHash>,
    /// `invited`, `active` or `suspended`.
    pub status: UserStatus,
    /// Random value rotated on password, status and role changes; hosts keep it in sessions.
    pub security_stamp: String,
    /// Consecutive failed logins since the last success.
    pub failed_login_count: i32,
    /// Logins are refused until this time.
    pub locked_until: Option<DateTimeUtc>,
    /// Locks applied since the last successful login; each further lock lasts twice as long.
    pub lock_count: i32,
    /// When the user proved it receives mail at `email`.
    pub email_verified_at: Option<DateTimeUtc>,
    /// The last successful login.
    pub last_login_at: Option<DateTimeUtc>,
    /// Number of successful logins.
    pub login_count: i64,
    /// The last recorded activity.
    pub last_active_at: Option<DateTimeUtc>,
    /// After this time the account cannot log in.
    pub expires_at: Option<DateTimeUtc>,
    /// Host-defined JSON.
    pub metadata: Option<Json>,
    /// Soft-delete marker; a deleted user is invisible to every lookup.
    pub deleted_at: Option<DateTimeUtc>,
    /// When the row was created (UTC).
    pub created_at: DateTimeUtc,
    /// When the row was last changed (UTC).
    pub updated_at: DateTimeUtc,
    /// The owning tenant.
    #[sea_orm(belongs_to, from = "tenant_id", to = "id", on_delete = "Cascade")]
    pub tenant: BelongsTo<super::tenants::Entity>,
    /// The user's plant roles.
    #[sea_orm(has_many)]
    pub plant_roles: HasMany<super::user_plant_roles::Entity>,
    /// Its tenant-wide roles.
    #[sea_orm(has_many)]
    pub tenant_roles: HasMany<super::user_tenant_roles::Entity>,
    /// The user's external identities.
    #[sea_orm(has_many)]
    pub identities: HasMany<super::user_identities::Entity>,
    /// The user's outstanding one-time tokens.
    #[sea_orm(has_many)]
    pub tokens: HasMany<super::credential_tokens::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}

/// A user about to be inserted: the columns its creator chooses. Every other column starts the
/// same way for every new user (no login yet, no failed attempt, no lock, email unverified,
/// not deleted), and [`NewUserRow::into_active_model`] is the one place that says so — the
/// service's inserts, its bulk import and the benches all build their rows with it.
#[derive(Clone, Debug)]
pub struct NewUserRow {
    /// Public id (UUID v7).
    pub pid: Uuid,
    /// Owning tenant.
    pub tenant_id: TenantId,
    /// The username as entered, if the user has one.
    pub username: Option<String>,
    /// Its normalized key, or the email's key for a user without a username.
    pub username_key: String,
    /// Its confusable skeleton.
    pub username_skeleton: Option<String>,
    /// The email as stored (trimmed).
    pub email: Option<String>,
    /// Its normalized key.
    pub email_key: Option<String>,
    /// Display name.
    pub display_name: String,
    /// argon2 PHC string, if the user has a password.
    pub password_hash: Option<SecretHash>,
    /// Initial status.
    pub status: UserStatus,
    /// The first security stamp.
    pub security_stamp: String,
    /// When the account expires.
    pub expires_at: Option<DateTimeUtc>,
    /// Host-defined JSON.
    pub metadata: Option<Json>,
    /// Creation time (also the first `updated_at`).
    pub now: DateTimeUtc,
}

/// The counters every new user starts at zero: no failed attempt, no lock, no login. Inserts
/// that are not built from a [`NewUserRow`] (the benches' generated million users, written as
/// `INSERT … SELECT` SQL) take their columns from here.
pub const ZEROED_COUNTERS: [Column; 3] = [
    Column::FailedLoginCount,
    Column::LockCount,
    Column::LoginCount,
];

impl NewUserRow {
    /// The row to insert, with every column set.
    pub fn into_active_model(self) -> ActiveModel {
        use sea_orm::ActiveValue::Set;
        ActiveModel {
            pid: Set(self.pid),
            tenant_id: Set(self.tenant_id),
            username: Set(self.username),
            username_key: Set(self.username_key),
            username_skeleton: Set(self.username_skeleton),
            email: Set(self.email),
            email_key: Set(self.email_key),
            display_name_key: Set(Some(crate::keys::display_name_key(&self.display_name))),
            display_name: Set(self.display_name),
            password_hash: Set(self.password_hash),
            status: Set(self.status),
            security_stamp: Set(self.security_stamp),
            failed_login_count: Set(0),
            lock_count: Set(0),
            login_count: Set(0),
            email_verified_at: Set(None),
            locked_until: Set(None),
            last_login_at: Set(None),
            last_active_at: Set(None),
            expires_at: Set(self.expires_at),
            metadata: Set(self.metadata),
            deleted_at: Set(None),
            created_at: Set(self.now),
            updated_at: Set(self.now),
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{ActiveModelTrait, Iterable, Value};

    /// [`ZEROED_COUNTERS`] is exactly the columns a new row sets to zero, so SQL built from it
    /// starts a user the way [`NewUserRow::into_active_model`] does.
    #[test]
    fn zeroed_counters_are_the_columns_a_new_row_sets_to_zero() {
        let row = NewUserRow {
            pid: Uuid::nil(),
            tenant_id: TenantId(1),
            username: Some("u".into()),
            username_key: "u".into(),
            username_skeleton: Some("u".into()),
            email: None,
            email_key: None,
            display_name: "U".into(),
            password_hash: None,
            status: UserStatus::Active,
            security_stamp: "s".into(),
            expires_at: None,
            metadata: None,
            now: chrono::DateTime::UNIX_EPOCH,
        }
        .into_active_model();
        let zeroed: Vec<&str> = Column::iter()
            .filter(|c| {
                matches!(
                    row.get(*c).into_value(),
                    Some(Value::Int(Some(0)) | Value::BigInt(Some(0)))
                )
            })
            .map(|c| c.as_str())
            .collect();
        let declared: Vec<&str> = ZEROED_COUNTERS.iter().map(|c| c.as_str()).collect();
        assert_eq!(zeroed, declared);
    }
}
