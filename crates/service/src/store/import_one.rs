//! One user imported with its existing password hash (the bulk path is `bulk.rs`).

use super::SeaOrmUserRepository;
use super::audit::AuditAction;
use super::new_user;
use crate::api::{ImportProgress, Imports, RowProblem};
use crate::error::Result;
use crate::hashing::parse_imported_hash;
use crate::inputs::{Actor, ImportedUser};
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
    let profile = new_user::profile_of!(&repo.config.roles, input);
    let mut hash = None;
    new_user::check(
        repo,
        tenant,
        actor,
        &profile,
        |validator, _| match parse_imported_hash(input.password_hash.expose()) {
            Ok(parsed) => hash = Some(parsed),
            Err(rule) => {
                validator.add("password_hash", rule);
            }
        },
    )
    .await?;
    let draft = profile.draft(UserStatus::Active, hash);
    new_user::insert(repo, tenant, draft, actor, AuditAction::UserImported)
        .await?
        .finish()
        .await
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

    async fn import_users_all_or_nothing(
        &self,
        tenant: TenantId,
        users: Vec<ImportedUser>,
        actor: Actor,
        progress: Option<ImportProgress>,
    ) -> Result<Vec<UserId>> {
        self.detached(move |repo| async move {
            super::bulk::import_users_all_or_nothing(&repo, tenant, users, actor, progress).await
        })
        .await
    }

    async fn check_import(
        &self,
        tenant: TenantId,
        users: Vec<ImportedUser>,
    ) -> Result<Vec<RowProblem>> {
        self.detached(
            move |repo| async move { super::bulk::check_import(&repo, tenant, users).await },
        )
        .await
    }
}
