//! Finding the open challenge of a sign-in's second step — by its token, for the tenant, the
//! purposes and the client it was issued to — and the account it belongs to. The second step
//! (`second_step.rs`) and a passkey's part in it (`passkeys.rs`) both start here.

use super::SeaOrmUserRepository;
use super::login_outcome::stored_ip;
use super::reads::live;
use super::unique::Unique;
use crate::error::{Error, Result};
use crate::inputs::LoginContext;
use crate::token_codec::{self, TokenDigest};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use tenantry_entity::{TenantId, login_challenges, tenants, users};

/// The open challenge `raw` names: of this tenant and one of `purposes`, unused, unexpired,
/// and presented from the login's source and address. `InvalidToken` otherwise, nothing
/// written (a malformed token is refused before any query).
pub(super) async fn open_challenge(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    raw: &str,
    context: &LoginContext,
    purposes: &[&str],
    now: DateTime<Utc>,
) -> Result<login_challenges::Model> {
    let digest: TokenDigest = token_codec::digest_of(raw).map_err(|_| Error::InvalidToken)?;
    let row = login_challenges::Entity::find()
        .filter(login_challenges::Column::TokenHash.eq(digest.as_str()))
        .filter(login_challenges::Column::TenantId.eq(tenant))
        .filter(login_challenges::Column::UsedAt.is_null())
        .filter(login_challenges::Column::ExpiresAt.gt(now))
        .filter(login_challenges::Column::Purpose.is_in(purposes.iter().copied()))
        .unique(&repo.db)
        .await?
        .ok_or(Error::InvalidToken)?;
    let same_client = row.source == context.source.as_str() && row.ip == stored_ip(context);
    if !same_client || row.user_id.is_none() {
        return Err(Error::InvalidToken);
    }
    Ok(row)
}

/// The tenant and the live user of a challenge; `InvalidToken` when either is gone.
pub(super) async fn owner_of(
    repo: &SeaOrmUserRepository,
    challenge: &login_challenges::Model,
) -> Result<(tenants::Model, users::Model)> {
    let user_id = challenge.user_id.ok_or(Error::InvalidToken)?;
    let tenant = tenants::Entity::find_by_id(challenge.tenant_id)
        .unique(&repo.db)
        .await?
        .ok_or(Error::InvalidToken)?;
    let user = live(challenge.tenant_id)
        .filter(users::Column::Id.eq(user_id))
        .unique(&repo.db)
        .await?
        .ok_or(Error::InvalidToken)?;
    Ok((tenant, user))
}
