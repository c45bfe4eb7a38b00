//! `second_factor_policies`: per tenant, who must have a second factor (see migration 000027).
//! A tenant without a row requires it of nobody.

use crate::TenantId;
use sea_orm::entity::prelude::*;

/// A tenant's second-factor policy.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenantry_second_factor_policies")]
pub struct Model {
    /// The tenant.
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: TenantId,
    /// `nobody`, `everyone` or `roles`.
    pub required: String,
    /// For `roles`: the role keys whose holders must have one, separated by single spaces.
    pub roles: String,
    /// When it last changed.
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
