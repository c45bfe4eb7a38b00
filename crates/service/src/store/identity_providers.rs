//! [`IdentityProviders`]: signing in through an identity provider under the tenant's policy for
//! it (a linked user signs in; else an invited user with the verified email accepts; else a
//! new user is made), and the policies themselves (`identity_policies.rs`).

use super::SeaOrmUserRepository;
use super::audit::{AuditAction, AuditEvent};
use super::change;
use super::identities::{self, insert_identity};
use super::identity_policies::{self, policy_of};
use super::invitations::activated_invitee;
use super::lookups::UserKey;
use super::one_time_tokens;
use super::recorded_login;
use super::second_step;
use super::tx::{begin_change, lock_live_user};
use super::unique::Unique;
use crate::api::IdentityProviders;
use crate::error::{Error, IdentityRefusal, Result};
use crate::inputs::{
    Actor, IdentityProviderPolicy, IdentityUser, LoginContext, LoginOf, NewIdentity, ProviderClaims,
};
use crate::validation::{Validator, could_be_stored};
use crate::views::SignIn;
use crate::views::{IdentityProviderView, IdentitySignIn, SignInPath};
use async_trait::async_trait;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use tenantry_entity::{
    TenantId, TokenPurpose, UserId, UserStatus, identity_providers, user_identities,
};

/// How many times a first sign-in looks again after losing a race to create the same user.
const ATTEMPTS: usize = 3;

/// Where the identity is linked, if anywhere: its tenant and user.
async fn linked(
    repo: &SeaOrmUserRepository,
    claims: &ProviderClaims,
) -> Result<Option<(TenantId, UserId)>> {
    if !could_be_stored(&claims.provider) || !could_be_stored(&claims.subject) {
        return Ok(None);
    }
    Ok(user_identities::Entity::find()
        .filter(user_identities::Column::Provider.eq(claims.provider.as_str()))
        .filter(user_identities::Column::Subject.eq(claims.subject.as_str()))
        .unique(&repo.db)
        .await?
        .map(|identity| (identity.tenant_id, identity.user_id)))
}

/// The claims' email, when the policy lets it provision or accept here: at one of its domains
/// (verified, when it lists any). `Ok(None)` when the claims carry no email and the policy
/// needs none.
fn admitted_email<'c>(
    policy: &identity_providers::Model,
    claims: &'c ProviderClaims,
) -> Result<Option<&'c str>> {
    let email = claims
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty());
    if policy.email_domains.is_empty() {
        return Ok(email);
    }
    let refuse = |why| Err(Error::IdentityRefused(why));
    let Some(email) = email else {
        return refuse(IdentityRefusal::DomainNotAllowed);
    };
    let domain = email.rsplit_once('@').map(|(_, d)| d.to_lowercase());
    if !domain.is_some_and(|d| policy.email_domains.split(' ').any(|allowed| allowed == d)) {
        return refuse(IdentityRefusal::DomainNotAllowed);
    }
    if !claims.email_verified {
        return refuse(IdentityRefusal::EmailNotVerified);
    }
    Ok(Some(email))
}

fn identity_of(claims: &ProviderClaims) -> NewIdentity {
    NewIdentity {
        provider: claims.provider.clone(),
        subject: claims.subject.clone(),
        email: claims.email.clone(),
    }
}

/// Activates the invited `user`, linked to the identity, in one audited change. `Ok(false)`
/// when it is no longer invited (accepted or changed meanwhile).
async fn accept_invitation(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user: UserId,
    claims: &ProviderClaims,
) -> Result<bool> {
    let username = (!claims.username.is_empty()).then(|| claims.username.clone());
    if let Some(username) = &username {
        let mut validator = Validator::new();
        validator.check("username", repo.config.profile.username(username));
        validator.finish()?;
    }
    let (txn, now) = begin_change(repo).await?;
    let user = lock_live_user(&txn, tenant, user).await?;
    if user.status != UserStatus::Invited {
        return Ok(false);
    }
    let identity = insert_identity(&txn, &user, identity_of(claims), now).await?;
    one_time_tokens::void(&txn, user.id, Some(TokenPurpose::Invitation)).await?;
    let id = user.id;
    let active = activated_invitee(user, username, now);
    let user = active
        .update(&txn)
        .await
        .map_err(crate::error::unique_violation)?;
    let event = AuditEvent::about(tenant, Some(id), AuditAction::InvitationAccepted, id, now)
        .with(json!({ "username": user.username, "provider": identity.provider }));
    change::finish(txn, user, event).await?;
    Ok(true)
}

/// One pass of the sign-in; `Ok(None)` when it lost a race and should look again.
async fn attempt(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    claims: &ProviderClaims,
    context: &LoginContext,
) -> Result<Option<IdentitySignIn>> {
    let record = |user, path| async move {
        let satisfied = policy_of(&repo.db, tenant, &claims.provider)
            .await?
            .is_some_and(|policy| policy.satisfies_second_factor);
        if !satisfied
            && let Some(step) = second_step::for_identity(repo, tenant, user, context).await?
        {
            return Ok(Some(IdentitySignIn { login: step, path }));
        }
        let login =
            recorded_login::record(repo, tenant, LoginOf::User(user), context.clone()).await?;
        Ok(Some(IdentitySignIn {
            login: SignIn::Complete(login),
            path,
        }))
    };
    match linked(repo, claims).await? {
        Some((home, user)) if home == tenant => return record(user, SignInPath::Linked).await,
        Some(_) => return Err(Error::IdentityRefused(IdentityRefusal::LinkedElsewhere)),
        None => {}
    }
    let Some(policy) = policy_of(&repo.db, tenant, &claims.provider).await? else {
        return Err(Error::IdentityRefused(IdentityRefusal::ProviderNotAllowed));
    };
    let email = admitted_email(&policy, claims)?;
    let holder = match email.and_then(UserKey::email) {
        Some(key) => repo.lookups.user(&repo.db, tenant, key).await?,
        None => None,
    };
    if let Some(holder) = holder {
        if holder.status != UserStatus::Invited || !policy.accepts_invitations {
            // The holder may be this identity's own user, made by a concurrent first sign-in
            // since the link was looked up: look again.
            if linked(repo, claims).await?.is_some() {
                return Ok(None);
            }
            return Err(Error::IdentityRefused(IdentityRefusal::AccountExists));
        }
        if !claims.email_verified {
            return Err(Error::IdentityRefused(IdentityRefusal::EmailNotVerified));
        }
        if !accept_invitation(repo, tenant, holder.id, claims).await? {
            return Ok(None);
        }
        return record(holder.id, SignInPath::AcceptedInvitation).await;
    }
    if !policy.provisions_users {
        return Err(Error::IdentityRefused(IdentityRefusal::ProviderNotAllowed));
    }
    let input = IdentityUser {
        identity: identity_of(claims),
        username: claims.username.clone(),
        email: claims.email.clone(),
        display_name: claims.display_name.clone(),
        tenant_roles: Vec::new(),
    };
    match identities::provision(repo, tenant, input, None).await {
        Ok(user) => record(user.id, SignInPath::Provisioned).await,
        // Another first sign-in of this identity won the race: look again, and find it
        // linked. Any other collision (a username or email held by someone else) stands.
        Err(Error::Conflict(_) | Error::EmailTaken | Error::UsernameTaken)
            if linked(repo, claims).await?.is_some() =>
        {
            Ok(None)
        }
        Err(other) => Err(other),
    }
}

pub(crate) async fn sign_in(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    claims: ProviderClaims,
    context: LoginContext,
) -> Result<IdentitySignIn> {
    let mut validator = Validator::new();
    validator
        .check("provider", identities::identifier(&claims.provider, 100))
        .check("subject", identities::identifier(&claims.subject, 255));
    validator.finish()?;
    for _ in 1..ATTEMPTS {
        if let Some(signed_in) = attempt(repo, tenant, &claims, &context).await? {
            return Ok(signed_in);
        }
    }
    // The last look: a lost race now is the other sign-in's conflict, reported as such.
    attempt(repo, tenant, &claims, &context)
        .await?
        .ok_or(Error::Conflict("a concurrent sign-in changed this user"))
}

#[async_trait]
impl IdentityProviders for SeaOrmUserRepository {
    async fn set_identity_provider(
        &self,
        tenant: TenantId,
        policy: IdentityProviderPolicy,
        actor: Actor,
    ) -> Result<IdentityProviderView> {
        self.detached(move |repo| async move {
            identity_policies::set(&repo, tenant, policy, actor).await
        })
        .await
    }

    async fn identity_providers(&self, tenant: TenantId) -> Result<Vec<IdentityProviderView>> {
        self.detached(move |repo| async move { identity_policies::list(&repo, tenant).await })
            .await
    }

    async fn remove_identity_provider(
        &self,
        tenant: TenantId,
        provider: &str,
        actor: Actor,
    ) -> Result<()> {
        let provider = provider.to_owned();
        self.detached(move |repo| async move {
            identity_policies::remove(&repo, tenant, &provider, actor).await
        })
        .await
    }

    async fn sign_in_with_identity(
        &self,
        tenant: TenantId,
        claims: ProviderClaims,
        context: LoginContext,
    ) -> Result<IdentitySignIn> {
        self.detached(move |repo| async move { sign_in(&repo, tenant, claims, context).await })
            .await
    }
}
