//! The grants a new role catalogue refuses, found and (when the host asks) revoked during
//! reconciliation: grants of a role no longer declared, or at a scope its role no longer
//! allows. Grants are `user_plant_roles` rows (at a plant) and `user_tenant_roles` rows
//! (tenant-wide), in every tenant, soft-deleted users included (a restored user gets its
//! grants back, so they count).

use super::audit::{AuditAction, AuditEvent, record_many};
use super::stamp::new_security_stamp;
use crate::error::Result;
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::Expr,
};
use serde_json::json;
use std::collections::BTreeMap;
use tenantry_entity::{PlantId, TenantId, UserId, user_plant_roles, user_tenant_roles, users};

/// Which grants of one role the new catalogue refuses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Refused {
    /// The role's stored key.
    pub key: String,
    /// Its grants at plants.
    pub at_plants: bool,
    /// Its tenant-wide grants.
    pub tenant_wide: bool,
}

/// How many refused grants hold each role, for the roles that have any, in `refused`'s order.
pub(crate) async fn count(
    txn: &DatabaseTransaction,
    refused: &[Refused],
) -> Result<Vec<(Refused, u64)>> {
    let plant_keys = keys(refused, |r| r.at_plants);
    let tenant_keys = keys(refused, |r| r.tenant_wide);
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    if !plant_keys.is_empty() {
        let rows: Vec<(String, i64)> = user_plant_roles::Entity::find()
            .select_only()
            .column(user_plant_roles::Column::Role)
            .column_as(user_plant_roles::Column::Id.count(), "grants")
            .filter(user_plant_roles::Column::Role.is_in(plant_keys))
            .group_by(user_plant_roles::Column::Role)
            .into_tuple()
            .all(txn)
            .await?;
        add(&mut counts, rows);
    }
    if !tenant_keys.is_empty() {
        let rows: Vec<(String, i64)> = user_tenant_roles::Entity::find()
            .select_only()
            .column(user_tenant_roles::Column::Role)
            .column_as(user_tenant_roles::Column::Id.count(), "grants")
            .filter(user_tenant_roles::Column::Role.is_in(tenant_keys))
            .group_by(user_tenant_roles::Column::Role)
            .into_tuple()
            .all(txn)
            .await?;
        add(&mut counts, rows);
    }
    Ok(refused
        .iter()
        .filter_map(|r| counts.get(&r.key).map(|&n| (r.clone(), n)))
        .collect())
}

fn keys(refused: &[Refused], which: impl Fn(&Refused) -> bool) -> Vec<String> {
    refused
        .iter()
        .filter(|r| which(r))
        .map(|r| r.key.clone())
        .collect()
}

fn add(counts: &mut BTreeMap<String, u64>, rows: Vec<(String, i64)>) {
    for (key, n) in rows {
        *counts.entry(key).or_default() += u64::try_from(n).unwrap_or(0);
    }
}

/// What one user loses.
#[derive(Default)]
struct Lost {
    tenant: Option<TenantId>,
    plant_roles: Vec<(PlantId, String)>,
    tenant_roles: Vec<String>,
}

/// Revokes the refused grants on `txn`: deletes their rows,
/// rotates each affected user's security stamp (its sessions end) and records one
/// `role.revoked_by_catalogue` event per user, in the user's tenant, by no actor.
///
/// # Returns
/// How many grants were revoked.
pub(crate) async fn revoke(
    txn: &DatabaseTransaction,
    refused: &[Refused],
    now: DateTime<Utc>,
) -> Result<u64> {
    let plant_keys = keys(refused, |r| r.at_plants);
    let tenant_keys = keys(refused, |r| r.tenant_wide);
    let mut lost: BTreeMap<UserId, Lost> = BTreeMap::new();
    let mut revoked = 0u64;
    if !plant_keys.is_empty() {
        let rows: Vec<(UserId, TenantId, PlantId, String)> = user_plant_roles::Entity::find()
            .select_only()
            .columns([
                user_plant_roles::Column::UserId,
                user_plant_roles::Column::TenantId,
                user_plant_roles::Column::PlantId,
                user_plant_roles::Column::Role,
            ])
            .filter(user_plant_roles::Column::Role.is_in(plant_keys.clone()))
            .order_by_asc(user_plant_roles::Column::Id)
            .into_tuple()
            .all(txn)
            .await?;
        for (user, tenant, plant, role) in rows {
            let entry = lost.entry(user).or_default();
            entry.tenant = Some(tenant);
            entry.plant_roles.push((plant, role));
            revoked += 1;
        }
        user_plant_roles::Entity::delete_many()
            .filter(user_plant_roles::Column::Role.is_in(plant_keys))
            .exec(txn)
            .await?;
    }
    if !tenant_keys.is_empty() {
        let rows: Vec<(UserId, TenantId, String)> = user_tenant_roles::Entity::find()
            .select_only()
            .columns([
                user_tenant_roles::Column::UserId,
                user_tenant_roles::Column::TenantId,
                user_tenant_roles::Column::Role,
            ])
            .filter(user_tenant_roles::Column::Role.is_in(tenant_keys.clone()))
            .order_by_asc(user_tenant_roles::Column::Id)
            .into_tuple()
            .all(txn)
            .await?;
        for (user, tenant, role) in rows {
            let entry = lost.entry(user).or_default();
            entry.tenant = Some(tenant);
            entry.tenant_roles.push(role);
            revoked += 1;
        }
        user_tenant_roles::Entity::delete_many()
            .filter(user_tenant_roles::Column::Role.is_in(tenant_keys))
            .exec(txn)
            .await?;
    }
    let mut events: BTreeMap<TenantId, Vec<AuditEvent>> = BTreeMap::new();
    for (user, lost) in lost {
        let Some(tenant) = lost.tenant else { continue };
        users::Entity::update_many()
            .col_expr(
                users::Column::SecurityStamp,
                Expr::value(new_security_stamp()),
            )
            .col_expr(users::Column::UpdatedAt, Expr::value(now))
            .filter(users::Column::Id.eq(user))
            .exec(txn)
            .await?;
        let plant_roles: Vec<_> = lost
            .plant_roles
            .iter()
            .map(|(plant, role)| json!({ "plant_id": plant, "role": role }))
            .collect();
        events.entry(tenant).or_default().push(
            AuditEvent::about(tenant, None, AuditAction::RoleRevokedByCatalogue, user, now)
                .with(json!({ "plant_roles": plant_roles, "tenant_roles": lost.tenant_roles })),
        );
    }
    for (tenant, events) in events {
        record_many(txn, tenant, None, events).await?;
    }
    Ok(revoked)
}
