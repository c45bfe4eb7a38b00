//! `scim_tokens`: the bearer tokens of a tenant's SCIM client, stored only as the SHA-256 of
//! the raw token handed out once.

use crate::TenantId;
use sea_orm::entity::prelude::*;

/// A row of `scim_tokens`.
///
/// `token_hash` is the SHA-256 digest (hex) of the raw token: the raw token itself is never
/// stored. A token with a `revoked_at` is refused.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenantry_scim_tokens")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Public id, to name the token by (list, revoke).
    #[sea_orm(unique)]
    pub pid: Uuid,
    /// The tenant whose SCIM endpoints it opens.
    pub tenant_id: TenantId,
    /// The operator's name for it (e.g. `entra`), 1–100 characters.
    pub name: String,
    /// SHA-256 of the raw token, lowercase hex; unique.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// When it was made.
    pub created_at: DateTimeUtc,
    /// Its last accepted request (written at most once a minute).
    pub last_used_at: Option<DateTimeUtc>,
    /// When it was revoked; a revoked token opens nothing.
    pub revoked_at: Option<DateTimeUtc>,
    /// The tenant.
    #[sea_orm(belongs_to, from = "tenant_id", to = "id", on_delete = "Cascade")]
    pub tenant: BelongsTo<super::tenants::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
