//! `identity_providers`: per tenant, what signing in with an identity provider may do beyond
//! signing in linked users (see migration 000025).

use crate::TenantId;
use sea_orm::entity::prelude::*;

/// A tenant's policy for one identity provider.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenantry_identity_providers")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The tenant.
    pub tenant_id: TenantId,
    /// The provider's name, as in `user_identities.provider`.
    pub provider: String,
    /// A first sign-in of an unknown identity creates its user.
    pub provisions_users: bool,
    /// An invited user accepts by signing in with the invitation's email, verified by the
    /// provider.
    pub accepts_invitations: bool,
    /// Lowercase email domains, separated by single spaces; empty for any.
    pub email_domains: String,
    /// A sign-in through this provider needs no second step: the provider enforced its own.
    pub satisfies_second_factor: bool,
    /// When the policy was first set.
    pub created_at: DateTimeUtc,
    /// When it last changed.
    pub updated_at: DateTimeUtc,
    /// The tenant.
    #[sea_orm(belongs_to, from = "tenant_id", to = "id", on_delete = "Cascade")]
    pub tenant: BelongsTo<super::tenants::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
