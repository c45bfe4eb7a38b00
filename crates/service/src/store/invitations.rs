//! Invitations: an `invited` user without a password, activated by its invitation token.

use super::SeaOrmUserRepository;
use super::audit::{AuditAction, AuditEvent};
use super::change;
use super::new_user::{self, NewProfile};
use super::one_time_tokens::{self, active_tenant_slug, consume, find_redeemable};
use super::passwords::checked_hash;
use super::reads::live;
use super::stamp;
use super::tx::{begin_write, lock_live_user};
use crate::api::Invitations;
use crate::error::{Error, Result, unique_violation};
use crate::inputs::{Actor, Invitation};
use crate::normalize::{username_key, username_skeleton};
use crate::password_policy::Password;
use crate::profile_rules::Requirement;
use crate::validation::Validator;
use crate::views::{InvitedUser, UserView};
use async_trait::async_trait;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, IntoActiveModel, QueryFilter};
use serde_json::json;
use tenantry_entity::{TenantId, TokenPurpose, UserStatus, users};
use uuid::Uuid;

/// The username an invitee has until it chooses one: `invited-` and 12 random hex digits.
fn placeholder_username() -> String {
    let random = Uuid::new_v4().simple().to_string();
    format!("invited-{}", &random[..12])
}

pub(crate) async fn invite(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    invitation: Invitation,
    actor: Actor,
) -> Result<InvitedUser> {
    // Where usernames are optional the invitee may never choose one: its email is its login.
    let username = match invitation.username {
        Some(username) => username,
        None if repo.config.profile.username == Requirement::Optional => String::new(),
        None => placeholder_username(),
    };
    let profile = NewProfile::new(
        &repo.config.roles,
        username,
        Some(&invitation.email),
        invitation.display_name,
        invitation.tenant_roles,
        invitation.plant_roles,
    );
    new_user::check(repo, tenant, actor, &profile, |_, _| {}).await?;
    let draft = profile.draft(UserStatus::Invited, None);
    let new = new_user::insert(repo, tenant, draft, actor, AuditAction::UserInvited).await?;
    let ttl = repo.config.tokens.invitation_ttl;
    let token = one_time_tokens::issue(
        &new.txn,
        &new.user,
        TokenPurpose::Invitation,
        ttl,
        actor,
        new.now,
    )
    .await?;
    Ok(InvitedUser {
        user: new.finish().await?,
        invitation: token,
    })
}

pub(crate) async fn accept(
    repo: &SeaOrmUserRepository,
    tenant: Option<TenantId>,
    raw: &str,
    username: Option<String>,
    password: &Password,
) -> Result<UserView> {
    let digest = one_time_tokens::digest(raw)?;
    let now = repo.now();
    let token = find_redeemable(&repo.db, &digest, TokenPurpose::Invitation, tenant, now).await?;
    let user = live(token.tenant_id)
        .filter(users::Column::Id.eq(token.user_id))
        .one(&repo.db)
        .await?;
    let Some(user) = user.filter(|u| u.status == UserStatus::Invited) else {
        return Err(Error::InvalidToken);
    };
    if let Some(username) = &username {
        let mut validator = Validator::new();
        validator.check("username", repo.config.profile.username(username));
        validator.finish()?;
    }
    // The policy checks the password against the name the user will have.
    let named = users::Model {
        username: username.clone().or(user.username.clone()),
        ..user
    };
    let slug = active_tenant_slug(&repo.db, token.tenant_id).await?;
    let hash = checked_hash(repo, password, &named, &slug).await?;

    let txn = begin_write(&repo.db).await?;
    consume(&txn, &token, now).await?;
    let user = lock_live_user(&txn, token.tenant_id, token.user_id).await?;
    if user.status != UserStatus::Invited {
        return Err(Error::InvalidToken);
    }
    let id = user.id;
    let mut active = activated_invitee(user, username, now);
    active.password_hash = Set(Some(hash));
    let user = active.update(&txn).await.map_err(unique_violation)?;
    let event = AuditEvent::about(
        token.tenant_id,
        Some(id),
        AuditAction::InvitationAccepted,
        id,
        now,
    )
    .with(json!({ "username": user.username }));
    change::finish(txn, user, event).await
}

/// The change that makes an invited user active, with the username it chose (if any): its
/// email verified (the invitation reached it there, or its provider vouched for it) and its
/// stamp rotated. The caller adds its credential (a password, or an identity linked beside).
pub(super) fn activated_invitee(
    user: users::Model,
    username: Option<String>,
    now: chrono::DateTime<chrono::Utc>,
) -> users::ActiveModel {
    let mut active = user.into_active_model();
    if let Some(username) = username {
        active.username_key = Set(username_key(&username));
        active.username_skeleton = Set(Some(username_skeleton(&username)));
        active.username = Set(Some(username));
    }
    active.status = Set(UserStatus::Active);
    active.email_verified_at = Set(Some(now));
    stamp::rotate(&mut active, now);
    active
}

#[async_trait]
impl Invitations for SeaOrmUserRepository {
    async fn invite_user(
        &self,
        tenant: TenantId,
        invitation: Invitation,
        actor: Actor,
    ) -> Result<InvitedUser> {
        self.detached(move |repo| async move { invite(&repo, tenant, invitation, actor).await })
            .await
    }

    async fn accept_invitation(
        &self,
        tenant: Option<TenantId>,
        token: &str,
        username: Option<String>,
        password: &Password,
    ) -> Result<UserView> {
        let token = token.to_owned();
        let password = password.clone();
        self.detached(move |repo| async move {
            accept(&repo, tenant, &token, username, &password).await
        })
        .await
    }
}
