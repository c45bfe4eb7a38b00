//! External identities: a user's accounts at identity providers, and users provisioned on
//! their first sign-in.

use super::SeaOrmUserRepository;
use super::audit::{AuditAction, AuditEvent};
use super::change;
use super::new_user;
use super::reads::{live, view_of};
use super::tx::{begin_change, begin_user_change, lock_live_user};
use crate::api::Identities;
use crate::error::{Error, Result, unique_violation};
use crate::inputs::{Actor, IdentityUser, NewIdentity};
use crate::validation::{Rule, Validator, could_be_stored};
use crate::views::{IdentityView, UserView};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde_json::json;
use tenantry_entity::{TenantId, UserId, UserStatus, user_identities, users};

/// A provider name or subject: 1–`max` characters, no control characters, no surrounding
/// whitespace.
pub(super) fn identifier(value: &str, max: usize) -> std::result::Result<(), Rule> {
    if value.is_empty() {
        Err(Rule::Required)
    } else if value.chars().count() > max {
        Err(Rule::TooLong { max })
    } else if value.chars().any(char::is_control) {
        Err(Rule::ControlCharacter)
    } else if value.trim() != value {
        Err(Rule::InvalidCharacter)
    } else {
        Ok(())
    }
}

pub(super) fn validate_identity(validator: &mut Validator, identity: &NewIdentity) {
    validator
        .check("provider", identifier(&identity.provider, 100))
        .check("subject", identifier(&identity.subject, 255));
    if let Some(email) = &identity.email {
        validator.check("identity_email", identifier(email, 320));
    }
}

pub(super) async fn insert_identity(
    txn: &DatabaseTransaction,
    user: &users::Model,
    identity: NewIdentity,
    now: DateTime<Utc>,
) -> Result<user_identities::Model> {
    user_identities::ActiveModel {
        tenant_id: Set(user.tenant_id),
        user_id: Set(user.id),
        provider: Set(identity.provider),
        subject: Set(identity.subject),
        email: Set(identity.email),
        last_used_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(unique_violation)
}

pub(crate) async fn link(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user_id: UserId,
    identity: NewIdentity,
    actor: Actor,
) -> Result<IdentityView> {
    let mut validator = Validator::new();
    validate_identity(&mut validator, &identity);
    validator.finish()?;
    let (txn, now, user) = begin_user_change(repo, tenant, user_id).await?;
    let linked = insert_identity(&txn, &user, identity, now).await?;
    change::commit_event(
        txn,
        AuditEvent::about(tenant, actor, AuditAction::IdentityLinked, user_id, now)
            .with(json!({ "provider": linked.provider, "subject": linked.subject })),
    )
    .await?;
    Ok(linked.into())
}

pub(crate) async fn unlink(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user_id: UserId,
    provider: &str,
    subject: &str,
    actor: Actor,
) -> Result<()> {
    if !could_be_stored(provider) || !could_be_stored(subject) {
        return Err(Error::NotFound);
    }
    let (txn, now) = begin_change(repo).await?;
    lock_live_user(&txn, tenant, user_id).await?;
    let deleted = user_identities::Entity::delete_many()
        .filter(user_identities::Column::TenantId.eq(tenant))
        .filter(user_identities::Column::UserId.eq(user_id))
        .filter(user_identities::Column::Provider.eq(provider))
        .filter(user_identities::Column::Subject.eq(subject))
        .exec(&txn)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(Error::NotFound);
    }
    change::commit_event(
        txn,
        AuditEvent::about(tenant, actor, AuditAction::IdentityUnlinked, user_id, now)
            .with(json!({ "provider": provider, "subject": subject })),
    )
    .await?;
    Ok(())
}

pub(crate) async fn list_linked(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user_id: UserId,
) -> Result<Vec<IdentityView>> {
    live(tenant)
        .filter(users::Column::Id.eq(user_id))
        .one(&repo.db)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(user_identities::Entity::find()
        .filter(user_identities::Column::TenantId.eq(tenant))
        .filter(user_identities::Column::UserId.eq(user_id))
        .order_by_asc(user_identities::Column::Id)
        .all(&repo.db)
        .await?
        .into_iter()
        .map(IdentityView::from)
        .collect())
}

pub(crate) async fn find_user(
    repo: &SeaOrmUserRepository,
    provider: &str,
    subject: &str,
) -> Result<Option<UserView>> {
    if !could_be_stored(provider) || !could_be_stored(subject) {
        return Ok(None);
    }
    let Some(identity) = user_identities::Entity::find()
        .filter(user_identities::Column::Provider.eq(provider))
        .filter(user_identities::Column::Subject.eq(subject))
        .one(&repo.db)
        .await?
    else {
        return Ok(None);
    };
    match live(identity.tenant_id)
        .filter(users::Column::Id.eq(identity.user_id))
        .one(&repo.db)
        .await?
    {
        Some(user) => Ok(Some(view_of(&repo.db, user).await?)),
        None => Ok(None),
    }
}

pub(crate) async fn provision(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    input: IdentityUser,
    actor: Actor,
) -> Result<UserView> {
    provision_as(repo, tenant, input, UserStatus::Active, actor).await
}

/// [`provision`] with the new user's status (SCIM creates users inactive too): the user and
/// its link, one transaction.
pub(crate) async fn provision_as(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    input: IdentityUser,
    status: UserStatus,
    actor: Actor,
) -> Result<UserView> {
    let profile = new_user::profile_of!(&repo.config.roles, input, Vec::new());
    new_user::check(repo, tenant, actor, &profile, |validator, _| {
        validate_identity(validator, &input.identity);
    })
    .await?;
    let draft = profile.draft(status, None);
    let mut new =
        new_user::insert(repo, tenant, draft, actor, AuditAction::UserProvisioned).await?;
    let identity = insert_identity(&new.txn, &new.user, input.identity, new.now).await?;
    new.event.details["provider"] = json!(identity.provider);
    new.finish().await
}

#[async_trait]
impl Identities for SeaOrmUserRepository {
    async fn link_identity(
        &self,
        tenant: TenantId,
        user: UserId,
        identity: NewIdentity,
        actor: Actor,
    ) -> Result<IdentityView> {
        self.detached(move |repo| async move { link(&repo, tenant, user, identity, actor).await })
            .await
    }

    async fn unlink_identity(
        &self,
        tenant: TenantId,
        user: UserId,
        provider: &str,
        subject: &str,
        actor: Actor,
    ) -> Result<()> {
        let provider = provider.to_owned();
        let subject = subject.to_owned();
        self.detached(move |repo| async move {
            unlink(&repo, tenant, user, &provider, &subject, actor).await
        })
        .await
    }

    async fn list_identities(&self, tenant: TenantId, user: UserId) -> Result<Vec<IdentityView>> {
        self.detached(move |repo| async move { list_linked(&repo, tenant, user).await })
            .await
    }

    async fn find_by_identity(&self, provider: &str, subject: &str) -> Result<Option<UserView>> {
        let provider = provider.to_owned();
        let subject = subject.to_owned();
        self.detached(move |repo| async move { find_user(&repo, &provider, &subject).await })
            .await
    }

    async fn provision_from_identity(
        &self,
        tenant: TenantId,
        input: IdentityUser,
        actor: Actor,
    ) -> Result<UserView> {
        self.detached(move |repo| async move { provision(&repo, tenant, input, actor).await })
            .await
    }
}
