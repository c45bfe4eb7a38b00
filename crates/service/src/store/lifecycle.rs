//! Account lifecycle: dormant accounts, and users imported with their existing hashes.

use super::SeaOrmUserRepository;
use super::audit::{self, AuditAction, AuditEvent};
use super::credentials;
use super::tx::{begin_write, lock_tenant};
use super::users::{
    UserDraft, check_distinct_plants, created_details, insert_user, is_signing_in_admin, live,
    new_security_stamp, signing_in_admins, trimmed, validate_profile, view_of,
};
use crate::error::Result;
use crate::hashing::parse_imported_hash;
use crate::inputs::{Actor, ImportedUser};
use crate::validation::Validator;
use crate::views::UserView;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, Select,
};
use serde_json::json;
use tenantry_entity::{TenantId, UserStatus, users};

/// Active users of the tenant who have not logged in since `since` (never-logged-in users
/// count from their creation).
fn dormant(tenant: TenantId, since: DateTime<Utc>) -> Select<users::Entity> {
    live(tenant)
        .filter(users::Column::Status.eq(UserStatus::Active))
        .filter(
            Condition::any()
                .add(users::Column::LastLoginAt.lt(since))
                .add(
                    Condition::all()
                        .add(users::Column::LastLoginAt.is_null())
                        .add(users::Column::CreatedAt.lt(since)),
                ),
        )
        .order_by_asc(users::Column::UsernameKey)
        .order_by_asc(users::Column::Id)
}

pub(crate) async fn list_dormant(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    since: DateTime<Utc>,
) -> Result<Vec<UserView>> {
    let users = dormant(tenant, since).all(&repo.db).await?;
    let mut views = Vec::with_capacity(users.len());
    for user in users {
        views.push(view_of(&repo.db, user).await?);
    }
    Ok(views)
}

pub(crate) async fn deactivate_dormant(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    since: DateTime<Utc>,
    actor: Actor,
) -> Result<u64> {
    let now = repo.now();
    let txn = begin_write(&repo.db).await?;
    lock_tenant(&txn, tenant).await?;
    // Only admins who could sign in count (see `signing_in_admins`).
    let mut admins_left = signing_in_admins(tenant, now).count(&txn).await?;
    let mut deactivated = 0;
    for user in dormant(tenant, since).all(&txn).await? {
        if is_signing_in_admin(&user, now) {
            // The last active admin is kept, dormant or not.
            if admins_left <= 1 {
                continue;
            }
            admins_left -= 1;
        }
        let id = user.id;
        let last_login_at = user.last_login_at;
        let mut active = user.into_active_model();
        active.status = Set(UserStatus::Suspended);
        active.security_stamp = Set(new_security_stamp());
        active.updated_at = Set(now);
        active.update(&txn).await?;
        credentials::void(&txn, id, None).await?;
        audit::record(
            &txn,
            AuditEvent {
                tenant,
                actor,
                action: AuditAction::UserDeactivated,
                target: Some(id),
                details: json!({ "reason": "dormant", "since": since, "last_login_at": last_login_at }),
                at: now,
            },
        )
        .await?;
        deactivated += 1;
    }
    txn.commit().await?;
    Ok(deactivated)
}

pub(crate) async fn import(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    input: ImportedUser,
    actor: Actor,
) -> Result<UserView> {
    super::tenants::require_in(&repo.db, tenant).await?;
    let email = trimmed(input.email.as_deref());
    let mut validator = Validator::new();
    validate_profile(
        &mut validator,
        &input.username,
        email.as_deref(),
        &input.display_name,
    );
    check_distinct_plants(&mut validator, &input.plant_roles);
    let hash = match parse_imported_hash(input.password_hash.expose()) {
        Ok(hash) => Some(hash),
        Err(rule) => {
            validator.add("password_hash", rule);
            None
        }
    };
    validator.finish()?;

    let now = repo.now();
    let txn = begin_write(&repo.db).await?;
    let plant_roles = input.plant_roles;
    let draft = UserDraft {
        username: input.username,
        email,
        display_name: input.display_name,
        password_hash: hash,
        status: UserStatus::Active,
        tenant_role: input.tenant_role,
        plant_roles: plant_roles.clone(),
        expires_at: None,
        metadata: None,
    };
    let user = insert_user(&txn, tenant, draft, actor, now).await?;
    audit::record(
        &txn,
        AuditEvent {
            tenant,
            actor,
            action: AuditAction::UserImported,
            target: Some(user.id),
            details: created_details(&user, &plant_roles),
            at: now,
        },
    )
    .await?;
    let view = view_of(&txn, user).await?;
    txn.commit().await?;
    Ok(view)
}
