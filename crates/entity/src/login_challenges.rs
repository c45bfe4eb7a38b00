//! `login_challenges`: short-lived, single-use challenges between the steps of a login or a
//! passkey ceremony, stored only as the SHA-256 of the token handed out (see migration 000027).

use crate::{TenantId, UserId};
use sea_orm::entity::prelude::*;

/// A challenge's `purpose`: the second step of a login.
pub const SECOND_FACTOR: &str = "second_factor";
/// A challenge's `purpose`: the password was right, but the tenant requires a second factor the
/// user has not enrolled; completing enrolment completes the login.
pub const ENROLMENT: &str = "enrolment";
/// A challenge's `purpose`: a passkey registration begun for the user, its `ceremony` the
/// registration state.
pub const PASSKEY_REGISTRATION: &str = "passkey_registration";
/// A challenge's `purpose`: a sign-in with a passkey alone (no user yet: `user_id` is `NULL`),
/// its `ceremony` the discoverable authentication state.
pub const PASSKEY_SIGN_IN: &str = "passkey_sign_in";

/// One challenge.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenantry_login_challenges")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The tenant.
    pub tenant_id: TenantId,
    /// The user, when known.
    pub user_id: Option<UserId>,
    /// SHA-256 (hex) of the token handed out.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// What completing it does ([`SECOND_FACTOR`], [`ENROLMENT`], [`PASSKEY_REGISTRATION`],
    /// [`PASSKEY_SIGN_IN`]).
    pub purpose: String,
    /// The login's source; completing it from another source fails.
    pub source: String,
    /// The login's address, when known; completing it from another address fails.
    pub ip: Option<String>,
    /// A passkey ceremony's server state, as JSON.
    #[sea_orm(column_type = "Text")]
    pub ceremony: Option<String>,
    /// After this it is refused.
    pub expires_at: DateTimeUtc,
    /// When it was completed; a completed challenge is refused.
    pub used_at: Option<DateTimeUtc>,
    /// When it was issued.
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
