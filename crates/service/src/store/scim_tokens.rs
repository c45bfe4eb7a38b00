//! [`ScimTokens`] for [`SeaOrmUserRepository`]: a tenant's SCIM bearer tokens, stored as
//! SHA-256 digests ([`crate::token_codec`]), and the lookup a SCIM request is authorized by.

use super::audit::{AuditAction, AuditEvent};
use super::identities::identifier;
use super::unique::Unique;
use super::{SeaOrmUserRepository, change, tx};
use crate::api::{ScimTokenView, ScimTokens};
use crate::error::{Error, Result, missing_reference};
use crate::inputs::Actor;
use crate::token_codec::{self, RawToken};
use crate::validation::Validator;
use crate::views::TenantView;
use async_trait::async_trait;
use chrono::Duration;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use tenantry_entity::{TenantId, scim_tokens, tenants};
use uuid::Uuid;

/// `last_used_at` is written when it is older than this, so a busy client costs one write a
/// minute, not one a request.
const LAST_USED_GRANULARITY: Duration = Duration::minutes(1);

impl From<scim_tokens::Model> for ScimTokenView {
    fn from(row: scim_tokens::Model) -> Self {
        Self {
            pid: row.pid,
            name: row.name,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            revoked_at: row.revoked_at,
        }
    }
}

fn event(
    tenant: TenantId,
    actor: Actor,
    action: AuditAction,
    token: &scim_tokens::Model,
) -> AuditEvent {
    AuditEvent {
        tenant,
        actor,
        action,
        target: None,
        details: json!({ "token": token.pid, "name": token.name }),
        at: token.revoked_at.unwrap_or(token.created_at),
    }
}

async fn create(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    name: String,
    actor: Actor,
) -> Result<(ScimTokenView, RawToken)> {
    let mut validator = Validator::new();
    validator.check("name", identifier(&name, 100));
    validator.finish()?;
    let (txn, now) = tx::begin_change(repo).await?;
    tx::ensure_tenant(&txn, tenant).await?;
    let (raw, digest) = token_codec::generate();
    let row = scim_tokens::ActiveModel {
        pid: Set(Uuid::now_v7()),
        tenant_id: Set(tenant),
        name: Set(name),
        token_hash: Set(digest.into_string()),
        created_at: Set(now),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(missing_reference)?;
    change::commit_event(
        txn,
        event(tenant, actor, AuditAction::ScimTokenCreated, &row),
    )
    .await?;
    tracing::info!(tenant = tenant.0, token = %row.pid, "scim token created");
    Ok((row.into(), raw))
}

async fn list(repo: &SeaOrmUserRepository, tenant: TenantId) -> Result<Vec<ScimTokenView>> {
    Ok(scim_tokens::Entity::find()
        .filter(scim_tokens::Column::TenantId.eq(tenant))
        .order_by_asc(scim_tokens::Column::Id)
        .all(&repo.db)
        .await?
        .into_iter()
        .map(ScimTokenView::from)
        .collect())
}

async fn revoke(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    pid: Uuid,
    actor: Actor,
) -> Result<ScimTokenView> {
    let (txn, now) = tx::begin_change(repo).await?;
    let mut query = scim_tokens::Entity::find()
        .filter(scim_tokens::Column::Pid.eq(pid))
        .filter(scim_tokens::Column::TenantId.eq(tenant));
    if txn.get_database_backend() != DatabaseBackend::Sqlite {
        query = query.lock_exclusive();
    }
    let row = query.unique(&txn).await?.ok_or(Error::NotFound)?;
    if row.revoked_at.is_some() {
        return Ok(row.into());
    }
    let mut revoked: scim_tokens::ActiveModel = row.into();
    revoked.revoked_at = Set(Some(now));
    let row = revoked.update(&txn).await?;
    change::commit_event(
        txn,
        event(tenant, actor, AuditAction::ScimTokenRevoked, &row),
    )
    .await?;
    repo.scim_tokens_seen.forget_all();
    tracing::info!(tenant = tenant.0, token = %row.pid, "scim token revoked");
    Ok(row.into())
}

async fn tenant_of(repo: &SeaOrmUserRepository, digest: &str) -> Result<Option<TenantView>> {
    // One read for the token and its tenant: a SCIM request pays for it on every call.
    let found = scim_tokens::Entity::find()
        .find_also_related(tenants::Entity)
        .filter(scim_tokens::Column::TokenHash.eq(digest))
        .filter(scim_tokens::Column::RevokedAt.is_null())
        .one(&repo.db)
        .await?;
    let Some((token, Some(tenant))) = found else {
        return Ok(None);
    };
    let now = repo.now();
    if token
        .last_used_at
        .is_none_or(|at| now - at >= LAST_USED_GRANULARITY)
    {
        // Conditional, so concurrent requests write it once; never part of a change.
        scim_tokens::Entity::update_many()
            .col_expr(scim_tokens::Column::LastUsedAt, Expr::value(now))
            .filter(scim_tokens::Column::Id.eq(token.id))
            .filter(
                scim_tokens::Column::LastUsedAt
                    .is_null()
                    .or(scim_tokens::Column::LastUsedAt.lte(now - LAST_USED_GRANULARITY)),
            )
            .exec(&repo.db)
            .await?;
    }
    Ok(Some(tenant.into()))
}

#[async_trait]
impl ScimTokens for SeaOrmUserRepository {
    async fn create_scim_token(
        &self,
        tenant: TenantId,
        name: &str,
        actor: Actor,
    ) -> Result<(ScimTokenView, RawToken)> {
        let name = name.to_owned();
        self.detached(move |repo| async move { create(&repo, tenant, name, actor).await })
            .await
    }

    async fn list_scim_tokens(&self, tenant: TenantId) -> Result<Vec<ScimTokenView>> {
        self.detached(move |repo| async move { list(&repo, tenant).await })
            .await
    }

    async fn revoke_scim_token(
        &self,
        tenant: TenantId,
        pid: Uuid,
        actor: Actor,
    ) -> Result<ScimTokenView> {
        self.detached(move |repo| async move { revoke(&repo, tenant, pid, actor).await })
            .await
    }

    async fn scim_tenant(&self, raw: &str) -> Result<Option<TenantView>> {
        let Ok(digest) = token_codec::digest_of(raw) else {
            return Ok(None);
        };
        let digest = digest.into_string();
        if let Some(tenant) = self.scim_tokens_seen.get(&digest) {
            return Ok(Some(tenant));
        }
        let generation = self.scim_tokens_seen.generation();
        let key = digest.clone();
        let found = self
            .detached(move |repo| async move { tenant_of(&repo, &key).await })
            .await?;
        if let Some(tenant) = &found {
            self.scim_tokens_seen
                .put(generation, digest, tenant.clone());
        }
        Ok(found)
    }
}
