//! The tail every change to one user shares: audit → view → commit, written once.

use super::audit::{self, AuditEvent};
use super::reads::view_of;
use crate::error::Result;
use crate::views::UserView;
use sea_orm::{ActiveModelTrait, DatabaseTransaction};
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
