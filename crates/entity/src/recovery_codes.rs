//! `recovery_codes`: a user's single-use recovery codes, stored only as SHA-256 hashes (see
//! migration 000027).

use crate::{TenantId, UserId};
use sea_orm::entity::prelude::*;

/// One recovery code of a user.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenantry_recovery_codes")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The tenant.
    pub tenant_id: TenantId,
    /// The user.
    pub user_id: UserId,
    /// SHA-256 (hex) of the user's id and the normalized code.
    #[sea_orm(unique)]
    pub code_hash: String,
    /// When it was used; a used code is never accepted again.
    pub used_at: Option<DateTimeUtc>,
    /// When the set was generated.
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
