//! Grant rows as a command writes them: checked against the catalogue first, then inserted in
//! one statement per table.

use super::bulk_sql::insert_rows;
use crate::error::{Error, Result, missing_reference};
use crate::inputs::{Actor, PlantRole};
use crate::role_catalogue::{GrantScope, RoleCatalogue, RoleKey};
use crate::validation::{Rule, Validator};
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseTransaction};
use serde_json::json;
use std::collections::HashSet;
use tenantry_entity::{PlantId, TenantId, UserId, user_plant_roles, user_tenant_roles};

/// `InvalidInput` on `field` unless every grant appears once and, in a catalogue exclusive
/// per scope, every scope holds one role at most.
pub(crate) fn check_distinct(
    validator: &mut Validator,
    catalogue: &RoleCatalogue,
    tenant: &[RoleKey],
    plants: &[PlantRole],
) {
    let grants = tenant
        .iter()
        .map(|role| (None, role))
        .chain(plants.iter().map(|r| (Some(r.plant_id), &r.role)));
    let mut seen = HashSet::new();
    let mut scopes = HashSet::new();
    for (plant, role) in grants {
        let field = if plant.is_some() {
            "plant_roles"
        } else {
            "tenant_roles"
        };
        let twice = !seen.insert((plant, role));
        let second_in_scope = !scopes.insert(plant) && catalogue.is_exclusive();
        if twice || second_in_scope {
            validator.add(field, Rule::Duplicate);
        }
    }
}

/// `RoleRefused` for the first grant the catalogue refuses (an unknown role, or a scope the
/// role may not be granted at).
pub(crate) fn check_grantable(
    catalogue: &RoleCatalogue,
    tenant: &[RoleKey],
    plants: &[PlantRole],
) -> Result<()> {
    let grants = tenant.iter().map(|role| (role, GrantScope::Tenant)).chain(
        plants
            .iter()
            .map(|r| (&r.role, GrantScope::Plant(r.plant_id))),
    );
    for (role, scope) in grants {
        catalogue
            .check_grant(role, scope)
            .map_err(Error::RoleRefused)?;
    }
    Ok(())
}

/// Inserts tenant-wide grants on `txn`.
pub(crate) async fn insert_tenant_roles(
    txn: &DatabaseTransaction,
    tenant: TenantId,
    user: UserId,
    roles: &[RoleKey],
    granted_by: Actor,
    now: DateTime<Utc>,
) -> Result<()> {
    let rows = roles
        .iter()
        .map(|role| tenant_role_row(tenant, user, role, granted_by, now))
        .collect();
    insert_grants(txn, rows).await
}

/// Inserts grant rows of one table on `txn`, in multi-row statements (none for no rows); a user, plant or role that is not there (or of another tenant) is `NotFound`.
pub(crate) async fn insert_grants<A>(txn: &DatabaseTransaction, rows: Vec<A>) -> Result<()>
where
    A: ActiveModelTrait + Send,
{
    insert_rows(txn, rows).await.map_err(missing_reference)
}

/// The row of one tenant-wide grant made at `now`.
pub(crate) fn tenant_role_row(
    tenant: TenantId,
    user: UserId,
    role: &RoleKey,
    granted_by: Actor,
    now: DateTime<Utc>,
) -> user_tenant_roles::ActiveModel {
    user_tenant_roles::ActiveModel {
        tenant_id: Set(tenant),
        user_id: Set(user),
        role: Set(role.to_string()),
        granted_by: Set(granted_by),
        created_at: Set(now),
        ..Default::default()
    }
}

/// The row of one plant grant made at `now`.
pub(crate) fn plant_role_row(
    tenant: TenantId,
    user: UserId,
    plant: PlantId,
    role: &RoleKey,
    granted_by: Actor,
    now: DateTime<Utc>,
) -> user_plant_roles::ActiveModel {
    user_plant_roles::ActiveModel {
        tenant_id: Set(tenant),
        user_id: Set(user),
        plant_id: Set(plant),
        role: Set(role.to_string()),
        granted_by: Set(granted_by),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// Inserts plant grants on `txn`; a plant of another tenant (or none) is `NotFound`.
pub(crate) async fn insert_plant_roles(
    txn: &DatabaseTransaction,
    tenant: TenantId,
    user: UserId,
    roles: &[PlantRole],
    granted_by: Actor,
    now: DateTime<Utc>,
) -> Result<()> {
    let rows = roles
        .iter()
        .map(|r| plant_role_row(tenant, user, r.plant_id, &r.role, granted_by, now))
        .collect();
    insert_grants(txn, rows).await
}

/// Grants as an audit event lists them.
pub(crate) fn roles_json(tenant: &[RoleKey], plants: &[PlantRole]) -> serde_json::Value {
    json!({
        "tenant_roles": tenant,
        "plant_roles": plants
            .iter()
            .map(|r| json!({ "plant_id": r.plant_id, "role": r.role }))
            .collect::<Vec<_>>(),
    })
}
