//! `tenant_locks`: one row per tenant, which the changes that must take turns within a tenant
//! lock (see migration 000019 for why it is not the `tenants` row).

use crate::TenantId;
use sea_orm::entity::prelude::*;

/// A row of `tenant_locks`: made with its tenant, gone with it.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenantry_tenant_locks")]
pub struct Model {
    /// The tenant this row locks.
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: TenantId,
}

impl ActiveModelBehavior for ActiveModel {}
