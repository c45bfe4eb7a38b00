//! [`ScimTokens`]: the bearer tokens a tenant's SCIM client (Entra ID, Okta) provisions users
//! with — made, listed, revoked, and the one question a SCIM server asks of a request.

use crate::error::Result;
use crate::inputs::Actor;
use crate::token_codec::RawToken;
use crate::views::TenantView;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use tenantry_entity::TenantId;
use uuid::Uuid;

/// A SCIM token as an operator sees it: never the token, never its hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScimTokenView {
    /// The token's public id, to revoke it by.
    pub pid: Uuid,
    /// The operator's name for it (e.g. `entra`); names need not be unique.
    pub name: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// Its last accepted request, to the minute; `None` before its first.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked; a revoked token opens nothing.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Bearer tokens of a tenant's SCIM endpoints (`tenantry_scim_tokens`).
///
/// A token is 32 random bytes as 43 characters of base64url, handed out once by
/// [`create_scim_token`](Self::create_scim_token); the database keeps only its SHA-256
/// ([`crate::token_codec`]). A token opens one tenant's endpoints and no other's. Making and
/// revoking are audited (`scim_token.created`, `scim_token.revoked`, with the token's pid and
/// name). Part of [`UserRepository`](super::UserRepository); every method is exercised in
/// `crates/service/tests/dump.rs` and `crates/axum/tests/scim_security.rs`.
#[async_trait]
pub trait ScimTokens: Send + Sync {
    /// Makes a token for `tenant` named `name` (1–100 characters, no control characters, no
    /// surrounding whitespace) and returns it with the raw token, the only time it is seen.
    ///
    /// # Errors
    /// `InvalidInput` (field `name`); `NotFound` when the tenant does not exist; `Database`.
    async fn create_scim_token(
        &self,
        tenant: TenantId,
        name: &str,
        actor: Actor,
    ) -> Result<(ScimTokenView, RawToken)>;

    /// The tenant's tokens, revoked ones included, oldest first.
    ///
    /// # Errors
    /// `Database`.
    async fn list_scim_tokens(&self, tenant: TenantId) -> Result<Vec<ScimTokenView>>;

    /// Revokes the tenant's token `pid`; its next request is refused. Revoking a revoked token
    /// changes nothing and returns it as it is.
    ///
    /// # Errors
    /// `NotFound` when the tenant has no token `pid`; `Database`.
    async fn revoke_scim_token(
        &self,
        tenant: TenantId,
        pid: Uuid,
        actor: Actor,
    ) -> Result<ScimTokenView>;

    /// The tenant a presented bearer token opens (whatever its status: the caller refuses a
    /// suspended one), `None` for anything else (malformed, unknown, revoked). A string that
    /// is not a token's shape is refused before anything is hashed; any other costs one
    /// indexed lookup by its hash, joined with its tenant, whatever the outcome.
    ///
    /// An accepted token's tenant is kept in memory for a second, so a burst of requests pays
    /// that lookup once. A revocation or a tenant's suspension made through this repository
    /// (or a clone of it) takes effect at once; one made elsewhere (another process, the
    /// `tenantry` CLI) within that second. An accepted token's
    /// `last_used_at` is written at most once a minute.
    ///
    /// # Errors
    /// `Database`.
    async fn scim_tenant(&self, raw: &str) -> Result<Option<TenantView>>;
}
