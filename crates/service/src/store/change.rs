//! The tail every change to one user shares: audit → view → commit, written once.

use super::audit::{self, AuditAction, AuditEvent};
use super::reads::view_of;
use crate::error::Result;
use crate::error::unique_violation;
use crate::inputs::Actor;
use crate::views::UserView;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, DatabaseTransaction, EntityTrait, IntoActiveModel,
};
use tenantry_entity::users;

/// Records `event`, reads the user's view, and commits `txn`: the end of every change that
/// returns the user it changed.
pub(crate) async fn finish(
    txn: DatabaseTransaction,
    user: users::Model,
    event: AuditEvent,
) -> Result<UserView> {
    audit::record(&txn, event).await?;
    let view = view_of(&txn, user).await?;
    txn.commit().await?;
    Ok(view)
}

/// Records `event` and commits `txn`: the end of a change that returns nothing.
pub(crate) async fn commit_event(txn: DatabaseTransaction, event: AuditEvent) -> Result<()> {
    audit::record(&txn, event).await?;
    txn.commit().await?;
    Ok(())
}

/// Saves a change to one user, then [`finish`]es it.
pub(crate) async fn commit_user_change(
    txn: DatabaseTransaction,
    change: users::ActiveModel,
    event: AuditEvent,
) -> Result<UserView> {
    let user = change.update(&txn).await?;
    finish(txn, user, event).await
}

/// Saves a change to one user and [`finish`]es it with a plain event about that user (no
/// details): the end of the status and lock changes.
pub(crate) async fn commit_about(
    txn: DatabaseTransaction,
    change: users::ActiveModel,
    actor: Actor,
    action: AuditAction,
    at: DateTime<Utc>,
) -> Result<UserView> {
    let user = change.update(&txn).await?;
    let event = AuditEvent::about(user.tenant_id, actor, action, user.id, at);
    finish(txn, user, event).await
}

/// Inserts a new row and commits it with the event `audit` makes of it; a uniqueness conflict is
/// `Conflict`. The end of every create that is not a user's (tenants, plants).
pub(crate) async fn insert_audited<A>(
    txn: DatabaseTransaction,
    row: A,
    audit: impl FnOnce(&<A::Entity as EntityTrait>::Model) -> AuditEvent,
) -> Result<<A::Entity as EntityTrait>::Model>
where
    A: ActiveModelTrait + ActiveModelBehavior + Send,
    <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
{
    let model = row.insert(&txn).await.map_err(unique_violation)?;
    commit_event(txn, audit(&model)).await?;
    Ok(model)
}
