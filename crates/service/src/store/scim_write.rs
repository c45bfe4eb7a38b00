//! [`ScimDirectory`](crate::api::ScimDirectory)'s writes: a SCIM `POST` (a user, its link and
//! its status) and a `PUT` or `PATCH` (profile, link, status), each one transaction, so a
//! request refused half-way — a taken `externalId`, the last admin, a database error — leaves
//! the user as it was.
//!
//! The parts are the ones the single calls use (`users.rs`'s `checked_update`,
//! `apply_update` and `suspend`, `identities.rs`'s `provision_as` and `insert_identity`) and
//! are audited as those calls audit them.

use super::SeaOrmUserRepository;
use super::admin_guard::ensure_not_last_admin;
use super::audit::{self, AuditAction, AuditEvent};
use super::identities::{insert_identity, provision_as, validate_identity};
use super::new_user::{self, profile_of};
use super::reads::view_of;
use super::stamp;
use super::tx::{begin_change, lock_live_user, lock_tenant};
use super::users::{apply_update, checked_update, suspend};
use crate::api::{ScimChange, ScimUser};
use crate::error::Result;
use crate::inputs::{IdentityUser, NewIdentity, NewUser};
use crate::validation::Validator;
use crate::views::UserView;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
};
use serde_json::json;
use tenantry_entity::{TenantId, UserId, UserStatus, user_identities};

/// A SCIM `POST /Users`: the user, with its link when it has an `externalId`, created active
/// or suspended — one transaction either way.
pub(crate) async fn create(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    provider: String,
    input: ScimUser,
) -> Result<UserView> {
    let status = if input.active {
        UserStatus::Active
    } else {
        UserStatus::Suspended
    };
    if let Some(subject) = input.external_id {
        let identity = IdentityUser {
            identity: NewIdentity {
                provider,
                subject,
                email: None,
            },
            username: input.username,
            email: input.email,
            display_name: input.display_name,
            tenant_roles: Vec::new(),
        };
        return provision_as(repo, tenant, identity, status, None).await;
    }
    let user = NewUser {
        username: input.username,
        email: input.email,
        display_name: input.display_name,
        ..NewUser::default()
    };
    let profile = profile_of!(&repo.config.roles, user);
    new_user::check(repo, tenant, None, &profile, |_, _| {}).await?;
    let draft = profile.draft(status, None);
    new_user::insert(repo, tenant, draft, None, AuditAction::UserCreated)
        .await?
        .finish()
        .await
}

/// A SCIM `PUT` or `PATCH`: everything checked that can be before the transaction, then the
/// profile, the link and the status in one.
pub(crate) async fn change(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    provider: String,
    id: UserId,
    change: ScimChange,
) -> Result<UserView> {
    let update = checked_update(repo, change.profile)?;
    let wanted = change.external_id.map(|subject| NewIdentity {
        provider: provider.clone(),
        subject,
        email: None,
    });
    if let Some(identity) = &wanted {
        let mut validator = Validator::new();
        validate_identity(&mut validator, identity);
        validator.finish()?;
    }
    let (txn, now) = begin_change(repo).await?;
    // A suspension may take the tenant's last admin: the tenant lock first, as every such
    // change takes it (`users.rs`'s `begin_guarded`).
    if !change.active {
        lock_tenant(&txn, tenant).await?;
    }
    let user = lock_live_user(&txn, tenant, id).await?;
    let mut events = Vec::new();

    let (mut user, changed) = apply_update(&txn, user, update, now).await?;
    if !changed.is_empty() {
        events.push(
            AuditEvent::about(tenant, None, AuditAction::UserUpdated, id, now)
                .with(json!({ "changed": changed })),
        );
    }

    let linked = user_identities::Entity::find()
        .filter(user_identities::Column::TenantId.eq(tenant))
        .filter(user_identities::Column::UserId.eq(id))
        .filter(user_identities::Column::Provider.eq(provider.as_str()))
        .all(&txn)
        .await?;
    let current = linked.first().map(|link| link.subject.as_str());
    if current != wanted.as_ref().map(|identity| identity.subject.as_str()) {
        for old in linked {
            user_identities::Entity::delete_by_id(old.id)
                .exec(&txn)
                .await?;
            events.push(
                AuditEvent::about(tenant, None, AuditAction::IdentityUnlinked, id, now)
                    .with(json!({ "provider": old.provider, "subject": old.subject })),
            );
        }
        if let Some(identity) = wanted {
            let made = insert_identity(&txn, &user, identity, now).await?;
            events.push(
                AuditEvent::about(tenant, None, AuditAction::IdentityLinked, id, now)
                    .with(json!({ "provider": made.provider, "subject": made.subject })),
            );
        }
    }

    match (change.active, user.status) {
        (true, UserStatus::Suspended) => {
            let mut active = user.into_active_model();
            active.status = Set(UserStatus::Active);
            stamp::rotate(&mut active, now);
            user = active.update(&txn).await?;
            events.push(AuditEvent::about(
                tenant,
                None,
                AuditAction::UserReactivated,
                id,
                now,
            ));
        }
        (false, UserStatus::Active | UserStatus::Invited) => {
            ensure_not_last_admin(&txn, &repo.config.roles, &user, now).await?;
            let (active, event) = suspend(&txn, user, None, now).await?;
            user = active.update(&txn).await?;
            events.push(event);
        }
        _ => {}
    }

    for event in events {
        audit::record(&txn, event).await?;
    }
    let view = view_of(&txn, user).await?;
    txn.commit().await?;
    Ok(view)
}
