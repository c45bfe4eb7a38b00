//! Logins that happened elsewhere: the host's identity server authenticated the user, and
//! tenantry records it (`Logins::record_login`) with the same tracking and refusals as its own.

use super::SeaOrmUserRepository;
use super::login_outcome::{Attempt, EventRow, record_failure, record_success, refusal};
use super::unique::Unique;
use crate::error::{Error, Result};
use crate::inputs::{LoginContext, LoginOf};
use crate::validation::could_be_stored;
use crate::views::AuthenticatedUser;
use futures_util::future::join;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use tenantry_entity::{LoginOutcome, TenantId, UserId, tenants, user_identities, users};

/// The tenant's link of this identity, if it has one.
async fn identity_of(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    provider: &str,
    subject: &str,
) -> Result<Option<user_identities::Model>> {
    // A NUL is a database error on PostgreSQL: such a name names nobody.
    if !could_be_stored(provider) || !could_be_stored(subject) {
        return Ok(None);
    }
    Ok(user_identities::Entity::find()
        .filter(user_identities::Column::TenantId.eq(tenant))
        .filter(user_identities::Column::Provider.eq(provider))
        .filter(user_identities::Column::Subject.eq(subject))
        .unique(&repo.db)
        .await?)
}

/// Records the failure of an attempt and returns the error the caller gets.
async fn refuse(
    repo: &SeaOrmUserRepository,
    attempt: &Attempt<'_>,
    outcome: LoginOutcome,
    error: Error,
) -> Result<AuthenticatedUser> {
    let now = repo.now();
    record_failure(repo, EventRow::New, attempt, outcome, false, now).await?;
    Err(error)
}

pub(crate) async fn record(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    who: LoginOf,
    context: LoginContext,
) -> Result<AuthenticatedUser> {
    let now = repo.now();
    let (user_id, identity) = match &who {
        LoginOf::User(id) => (Some(*id), None),
        LoginOf::Identity { provider, subject } => {
            let identity = identity_of(repo, tenant, provider, subject).await?;
            (identity.as_ref().map(|i| i.user_id), identity)
        }
    };
    let (tenant_row, user) = join(
        tenants::Entity::find_by_id(tenant).unique(&repo.db),
        // Deleted users too: their refusal is recorded against them.
        users::Entity::find()
            .filter(users::Column::TenantId.eq(tenant))
            .filter(users::Column::Id.eq(user_id.unwrap_or(UserId(0))))
            .unique(&repo.db),
    )
    .await;
    let (tenant_row, user) = (tenant_row?, user?);
    let Some(tenant_row) = tenant_row else {
        let attempt = Attempt {
            tenant: None,
            user: None,
            context: &context,
        };
        return refuse(repo, &attempt, LoginOutcome::UnknownTenant, Error::NotFound).await;
    };
    let Some(user) = user else {
        let attempt = Attempt {
            tenant: Some(tenant),
            user: None,
            context: &context,
        };
        return refuse(repo, &attempt, LoginOutcome::UnknownUser, Error::NotFound).await;
    };
    let attempt = Attempt::of(&user, &context);
    let refused = if user.deleted_at.is_some() {
        Some(LoginOutcome::Deleted)
    } else {
        refusal(&tenant_row, &user, now)
    };
    if let Some(outcome) = refused {
        return refuse(repo, &attempt, outcome, Error::LoginRefused(outcome)).await;
    }
    if let Some(identity) = identity {
        user_identities::Entity::update_many()
            .col_expr(user_identities::Column::LastUsedAt, Expr::value(Some(now)))
            .filter(user_identities::Column::Id.eq(identity.id))
            .exec(&repo.db)
            .await?;
    }
    record_success(repo, EventRow::New, user, None, &context, None, now)
        .await
        .map_err(|error| match error {
            // Locked while this ran: record_success recorded the refusal.
            Error::InvalidCredentials => Error::LoginRefused(LoginOutcome::Locked),
            other => other,
        })
}
