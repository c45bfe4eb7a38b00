//! `groups`: a tenant's directory groups — the groups its identity provider pushes over SCIM
//! that are not roles of the host's catalogue. Being in one grants nothing by itself: a host
//! reads the membership (e.g. to map a group to its own permissions).

use crate::TenantId;
use sea_orm::entity::prelude::*;

/// A row of `groups`.
///
/// `name_key` is the display name's key (NFKC, lowercase): unique per tenant, like every
/// tenantry name. `external_id`, when set, is unique per tenant too.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenantry_groups")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Public id (the SCIM `id`).
    #[sea_orm(unique)]
    pub pid: Uuid,
    /// The tenant.
    pub tenant_id: TenantId,
    /// The name as given (1–200 characters).
    pub display_name: String,
    /// The key of `display_name`, unique per tenant.
    pub name_key: String,
    /// The provider's id for the group (SCIM `externalId`).
    pub external_id: Option<String>,
    /// When it was made.
    pub created_at: DateTimeUtc,
    /// Its last change (name, external id or members).
    pub updated_at: DateTimeUtc,
    /// The tenant.
    #[sea_orm(belongs_to, from = "tenant_id", to = "id", on_delete = "Cascade")]
    pub tenant: BelongsTo<super::tenants::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
