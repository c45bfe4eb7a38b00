//! `users`: an account of one tenant.

use crate::{SecretHash, TenantId, UserId, UserRole, UserStatus};
use sea_orm::entity::prelude::*;

/// A row of `users`.
///
/// It holds the password hash, so it does not derive `Serialize`; the hash's own `Debug`
/// prints `[redacted]`. Hosts read users through the service's `UserView` instead.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key)]
    pub id: UserId,
    /// Public id (UUID v7).
    #[sea_orm(unique)]
    pub pid: Uuid,
    /// Owning tenant.
    pub tenant_id: TenantId,
    /// The username as entered.
    pub username: String,
    /// The normalized username (NFKC, lowercase); unique per tenant.
    pub username_key: String,
    /// The confusable skeleton of `username_key` ([`crate::skeleton`]); unique per tenant, so
    /// two usernames that look alike cannot coexist. `None` only for a user the migration
    /// that added the column found looking like an older user of its tenant.
    pub username_skeleton: Option<String>,
    /// The email as entered.
    pub email: Option<String>,
    /// The normalized email (trimmed, NFKC, lowercase); unique per tenant.
    pub email_key: Option<String>,
    /// Display name.
    pub display_name: String,
    /// argon2 PHC string; `None` for SSO-only and invited users.
    pub password_hash: Option<SecretHash>,
    /// `invited`, `active` or `suspended`.
    pub status: UserStatus,
    /// A role that applies at every plant of the tenant.
    pub tenant_role: Option<UserRole>,
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
    /// The user's external identities.
    #[sea_orm(has_many)]
    pub identities: HasMany<super::user_identities::Entity>,
    /// The user's outstanding one-time tokens.
    #[sea_orm(has_many)]
    pub tokens: HasMany<super::credential_tokens::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
