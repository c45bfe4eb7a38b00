//! `user_identities`: a user's accounts at external identity providers (single sign-on).

use crate::{TenantId, UserId};
use sea_orm::entity::prelude::*;

/// A row of `user_identities`. A `(provider, subject)` pair belongs to exactly one user.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenantry_user_identities")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The user's tenant.
    pub tenant_id: TenantId,
    /// The user.
    pub user_id: UserId,
    /// The provider's name, e.g. `google` or an OIDC issuer.
    pub provider: String,
    /// The provider's stable id of the account (OIDC `sub`).
    pub subject: String,
    /// The email the provider reported, if any.
    pub email: Option<String>,
    /// The last sign-in through this identity.
    pub last_used_at: Option<DateTimeUtc>,
    /// When it was linked.
    pub created_at: DateTimeUtc,
    /// The user.
    #[sea_orm(belongs_to, from = "user_id", to = "id", on_delete = "Cascade")]
    pub user: BelongsTo<super::users::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
