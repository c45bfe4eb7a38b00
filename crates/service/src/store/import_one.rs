//! One user imported with its existing password hash (the bulk path is `bulk.rs`).

use super::SeaOrmUserRepository;
use super::audit::{self, AuditAction, AuditEvent};
use super::tx::begin_write;
use super::users::{
    UserDraft, check_distinct_plants, created_details, insert_user, trimmed, validate_profile,
    view_of,
};
use crate::api::Imports;
use crate::error::Result;
use crate::hashing::parse_imported_hash;
use crate::inputs::{Actor, ImportedUser};
use crate::validation::Validator;
use crate::views::UserView;
use async_trait::async_trait;
use tenantry_entity::UserId;
use tenantry_entity::{TenantId, UserStatus};

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

#[async_trait]
impl Imports for SeaOrmUserRepository {
    async fn import_user(
        &self,
        tenant: TenantId,
        user: ImportedUser,
        actor: Actor,
    ) -> Result<UserView> {
        self.detached(move |repo| async move { import(&repo, tenant, user, actor).await })
            .await
    }

    async fn import_users(
        &self,
        tenant: TenantId,
        users: Vec<ImportedUser>,
        actor: Actor,
    ) -> Result<Vec<UserId>> {
        self.detached(move |repo| async move {
            super::bulk::import_users(&repo, tenant, users, actor).await
        })
        .await
    }
}
