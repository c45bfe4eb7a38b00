//! `credential_tokens`: one-time tokens (password reset, invitation, email verification),
//! stored only as the SHA-256 of the raw token handed out once.

use crate::{TenantId, TokenPurpose, UserId};
use sea_orm::entity::prelude::*;

/// A row of `credential_tokens`.
///
/// `token_hash` is the SHA-256 digest (hex) of the raw token: the raw token itself is never
/// stored, and the digest is not a secret that could be replayed.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenantry_credential_tokens")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The user's tenant.
    pub tenant_id: TenantId,
    /// The user the token acts on.
    pub user_id: UserId,
    /// What it may be redeemed for.
    pub purpose: TokenPurpose,
    /// SHA-256 of the raw token, lowercase hex; unique.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// After this time it is refused.
    pub expires_at: DateTimeUtc,
    /// When it was redeemed; a token is redeemed at most once.
    pub used_at: Option<DateTimeUtc>,
    /// The administrator who issued it, if any.
    pub created_by: Option<UserId>,
    /// When it was issued.
    pub created_at: DateTimeUtc,
    /// The user.
    #[sea_orm(belongs_to, from = "user_id", to = "id", on_delete = "Cascade")]
    pub user: BelongsTo<super::users::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
