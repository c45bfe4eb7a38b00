//! Delegated administration: every change of a grant made by an actor is one the actor's own
//! roles may make ([`RoleCatalogue::may_change`]), checked before anything is written.
//!
//! An actor is a user of the tenant (its grants are read in the same statement that finds
//! it). No actor (`None`) is the system itself — the operator's CLI, the host acting on its own
//! authority, a startup task — and is not checked. An actor that is not a live user of the
//! tenant may change nothing.
//!
//! A change is checked twice when it is slow to prepare (creating users hashes passwords
//! first): early, so a refusal costs nothing, and again in the writing transaction with the
//! actor's row locked ([`ensure_may_change_locked`]), so an actor whose roles were taken away
//! meanwhile is refused. Changes to grants lock the actor with the user they change
//! (`tx::lock_live_user_for`) and check once.

use super::grants_held::{Counted, held_by};
use super::tx::lock_actor;
use crate::error::{Error, Result};
use crate::inputs::Actor;
use crate::role_catalogue::{Grant, RoleCatalogue};
use sea_orm::{ConnectionTrait, DatabaseTransaction};
use tenantry_entity::TenantId;

/// `NotPermitted`, naming the first of `changed` that `actor` may not make or take away.
pub(crate) async fn ensure_may_change(
    db: &impl ConnectionTrait,
    catalogue: &RoleCatalogue,
    tenant: TenantId,
    actor: Actor,
    changed: &[Grant],
) -> Result<()> {
    let (Some(actor), Some(first)) = (actor, changed.first()) else {
        return Ok(());
    };
    let refused = |grant: &Grant| Error::NotPermitted {
        actor,
        role: grant.role.clone(),
        scope: grant.scope,
    };
    // What the actor holds at a plant out of service gives it no authority there.
    let held = match held_by(db, tenant, actor, None, Counted::InService).await {
        Ok(held) => held,
        Err(Error::NotFound) => return Err(refused(first)),
        Err(other) => return Err(other),
    };
    match changed
        .iter()
        .find(|grant| !catalogue.may_change(&held, grant))
    {
        Some(grant) => Err(refused(grant)),
        None => Ok(()),
    }
}

/// [`ensure_may_change`] in the transaction that writes, after share-locking the actor's row.
pub(crate) async fn ensure_may_change_locked(
    txn: &DatabaseTransaction,
    catalogue: &RoleCatalogue,
    tenant: TenantId,
    actor: Actor,
    changed: &[Grant],
) -> Result<()> {
    if let (Some(actor), false) = (actor, changed.is_empty()) {
        lock_actor(txn, tenant, actor).await?;
    }
    ensure_may_change(txn, catalogue, tenant, actor, changed).await
}
