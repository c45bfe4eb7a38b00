//! Tenants' policies for identity providers: what a sign-in through one may do beyond signing
//! in linked users (the sign-in that applies them is `identity_providers.rs`).

use super::SeaOrmUserRepository;
use super::audit::{AuditAction, AuditEvent};
use super::change;
use super::identities::identifier;
use super::tx::{begin_change, lock_tenant};
use super::unique::Unique;
use crate::error::{Error, Result};
use crate::inputs::{Actor, IdentityProviderPolicy};
use crate::validation::{self, Rule, Validator, could_be_stored};
use crate::views::IdentityProviderView;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder,
};
use serde_json::json;
use tenantry_entity::{TenantId, identity_providers};

/// The longest stored domain list (the column is `VARCHAR(2000)`).
const DOMAINS_MAX_CHARS: usize = 2000;

/// The policy's domains as stored: trimmed, lowercase, first occurrence kept, space-separated.
fn stored_domains(validator: &mut Validator, domains: &[String]) -> String {
    let mut kept: Vec<String> = Vec::new();
    for domain in domains {
        let domain = domain.trim().to_ascii_lowercase();
        if let Err(rule) = validation::email_domain(&domain) {
            validator.add("email_domains", rule);
            return String::new();
        }
        if !kept.contains(&domain) {
            kept.push(domain);
        }
    }
    let joined = kept.join(" ");
    if joined.len() > DOMAINS_MAX_CHARS {
        validator.add(
            "email_domains",
            Rule::TooLong {
                max: DOMAINS_MAX_CHARS,
            },
        );
    }
    joined
}

/// The tenant's policy for `provider`, if it has one.
pub(super) async fn policy_of(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    provider: &str,
) -> Result<Option<identity_providers::Model>> {
    if !could_be_stored(provider) {
        return Ok(None);
    }
    Ok(identity_providers::Entity::find()
        .filter(identity_providers::Column::TenantId.eq(tenant))
        .filter(identity_providers::Column::Provider.eq(provider))
        .unique(db)
        .await?)
}

pub(crate) async fn set(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    policy: IdentityProviderPolicy,
    actor: Actor,
) -> Result<IdentityProviderView> {
    let mut validator = Validator::new();
    validator.check("provider", identifier(&policy.provider, 100));
    let domains = stored_domains(&mut validator, &policy.email_domains);
    validator.finish()?;
    let (txn, now) = begin_change(repo).await?;
    // Policy changes of a tenant take turns: the read below then decides insert or update.
    lock_tenant(&txn, tenant).await?;
    let row = match policy_of(&txn, tenant, &policy.provider).await? {
        Some(existing) => {
            let mut row = existing.into_active_model();
            row.provisions_users = Set(policy.provisions_users);
            row.accepts_invitations = Set(policy.accepts_invitations);
            row.email_domains = Set(domains);
            row.satisfies_second_factor = Set(policy.satisfies_second_factor);
            row.updated_at = Set(now);
            row.update(&txn).await?
        }
        None => {
            identity_providers::ActiveModel {
                tenant_id: Set(tenant),
                provider: Set(policy.provider),
                provisions_users: Set(policy.provisions_users),
                accepts_invitations: Set(policy.accepts_invitations),
                email_domains: Set(domains),
                satisfies_second_factor: Set(policy.satisfies_second_factor),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
    };
    let view = IdentityProviderView::from(row);
    let event = AuditEvent {
        tenant,
        actor,
        action: AuditAction::IdentityProviderSet,
        target: None,
        details: json!({
            "provider": view.provider,
            "provisions_users": view.provisions_users,
            "accepts_invitations": view.accepts_invitations,
            "email_domains": view.email_domains,
            "satisfies_second_factor": view.satisfies_second_factor,
        }),
        at: now,
    };
    change::commit_event(txn, event).await?;
    Ok(view)
}

pub(crate) async fn list(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
) -> Result<Vec<IdentityProviderView>> {
    Ok(identity_providers::Entity::find()
        .filter(identity_providers::Column::TenantId.eq(tenant))
        .order_by_asc(identity_providers::Column::Provider)
        .all(&repo.db)
        .await?
        .into_iter()
        .map(IdentityProviderView::from)
        .collect())
}

pub(crate) async fn remove(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    provider: &str,
    actor: Actor,
) -> Result<()> {
    if !could_be_stored(provider) {
        return Err(Error::NotFound);
    }
    let (txn, now) = begin_change(repo).await?;
    lock_tenant(&txn, tenant).await?;
    let deleted = identity_providers::Entity::delete_many()
        .filter(identity_providers::Column::TenantId.eq(tenant))
        .filter(identity_providers::Column::Provider.eq(provider))
        .exec(&txn)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(Error::NotFound);
    }
    let event = AuditEvent {
        tenant,
        actor,
        action: AuditAction::IdentityProviderRemoved,
        target: None,
        details: json!({ "provider": provider }),
        at: now,
    };
    change::commit_event(txn, event).await
}
