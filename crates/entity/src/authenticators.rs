//! `authenticators`: a user's second factors — TOTP secrets (encrypted) and passkeys — one row
//! each, pending until confirmed (see migration 000027).

use crate::{SealedSecret, TenantId, UserId};
use sea_orm::entity::prelude::*;

/// A TOTP authenticator's `kind`.
pub const TOTP: &str = "totp";
/// A passkey's `kind`.
pub const PASSKEY: &str = "passkey";

/// One second factor of a user. The secret's `Debug` is `[redacted]`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenantry_authenticators")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The tenant.
    pub tenant_id: TenantId,
    /// The user.
    pub user_id: UserId,
    /// [`TOTP`] or [`PASSKEY`].
    pub kind: String,
    /// The user's name for it ("phone", "YubiKey").
    pub name: String,
    /// A TOTP secret encrypted by the service: `key-id:base64(nonce‖ciphertext)`.
    pub secret: Option<SealedSecret>,
    /// The last TOTP time step accepted: a code of it or an earlier step is never accepted.
    pub last_used_step: Option<i64>,
    /// SHA-256 (hex) of a passkey's credential id.
    #[sea_orm(unique)]
    pub credential_id_hash: Option<String>,
    /// A passkey's public credential, as JSON.
    #[sea_orm(column_type = "Text")]
    pub passkey: Option<String>,
    /// When the user confirmed it; `None` while enrolment is pending.
    pub confirmed_at: Option<DateTimeUtc>,
    /// When enrolment began.
    pub created_at: DateTimeUtc,
    /// When it last passed a login.
    pub last_used_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
