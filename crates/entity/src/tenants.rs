//! `tenants`: one customer organisation; every other row belongs to exactly one tenant.

use crate::{TenantId, TenantStatus};
use sea_orm::entity::prelude::*;

/// A row of `tenants`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenantry_tenants")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key)]
    pub id: TenantId,
    /// Public id (UUID v7) for URLs, tokens and logs.
    #[sea_orm(unique)]
    pub pid: Uuid,
    /// Lowercase, 3–63 characters of `a-z0-9-`; unique.
    #[sea_orm(unique)]
    pub slug: String,
    /// Display name.
    pub name: String,
    /// `active` or `suspended`.
    pub status: TenantStatus,
    /// When the row was created (UTC).
    pub created_at: DateTimeUtc,
    /// When the row was last changed (UTC).
    pub updated_at: DateTimeUtc,
    /// The tenant's plants.
    #[sea_orm(has_many)]
    pub plants: HasMany<super::plants::Entity>,
    /// The tenant's users.
    #[sea_orm(has_many)]
    pub users: HasMany<super::users::Entity>,
    /// The tenant's audit trail.
    #[sea_orm(has_many)]
    pub audit_events: HasMany<super::audit_events::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
