//! Plant-role rows as a command writes them: one plant at most once, inserted in one statement.

use crate::error::{Result, missing_reference};
use crate::inputs::{Actor, PlantRole};
use crate::validation::{Rule, Validator};
use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, DatabaseTransaction, EntityTrait};
use serde_json::json;
use std::collections::HashSet;
use tenantry_entity::{TenantId, UserId, user_plant_roles};

/// `InvalidInput` unless every plant appears once.
pub(crate) fn check_distinct_plants(validator: &mut Validator, roles: &[PlantRole]) {
    let mut seen = HashSet::new();
    if !roles.iter().all(|r| seen.insert(r.plant_id)) {
        validator.add("plant_roles", Rule::Duplicate);
    }
}

/// The row of one plant role granted at `now`.
pub(crate) fn role_row(
    tenant: TenantId,
    user: UserId,
    role: &PlantRole,
    granted_by: Actor,
    now: DateTime<Utc>,
) -> user_plant_roles::ActiveModel {
    user_plant_roles::ActiveModel {
        tenant_id: Set(tenant),
        user_id: Set(user),
        plant_id: Set(role.plant_id),
        role: Set(role.role),
        granted_by: Set(granted_by),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// Inserts the user's plant roles on `txn`.
pub(crate) async fn insert_roles(
    txn: &DatabaseTransaction,
    tenant: TenantId,
    user: UserId,
    roles: &[PlantRole],
    granted_by: Actor,
    now: DateTime<Utc>,
) -> Result<()> {
    if roles.is_empty() {
        return Ok(());
    }
    let rows = roles
        .iter()
        .map(|r| role_row(tenant, user, r, granted_by, now));
    user_plant_roles::Entity::insert_many(rows)
        .exec(txn)
        .await
        .map_err(missing_reference)?;
    Ok(())
}

/// Plant roles as an audit event lists them.
pub(crate) fn roles_json(roles: &[PlantRole]) -> serde_json::Value {
    json!(
        roles
            .iter()
            .map(|r| json!({ "plant_id": r.plant_id, "role": r.role }))
            .collect::<Vec<_>>()
    )
}
