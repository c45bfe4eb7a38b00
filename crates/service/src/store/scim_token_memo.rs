//! The tenants of SCIM tokens accepted in the last second, kept in memory: an identity
//! provider sends its requests in bursts (a provisioning cycle is thousands of them), and
//! without this each would pay a task and a query for its token before its own work.
//!
//! Only accepted tokens are kept (by SHA-256, never the token), so a bad token still costs its
//! indexed lookup and nothing more. A revocation or a change of a tenant's status made through
//! this repository (or a clone of it) forgets everything at once; one made by another process
//! (the `tenantry` CLI) takes effect here within [`TTL`]. A lookup that began before a
//! forgetting does not store its answer (the generation moved on).

use crate::views::TenantView;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long an accepted token's tenant is kept.
pub(crate) const TTL: Duration = Duration::from_secs(1);

/// At most this many tokens are kept; at the limit the stale ones go, or all of them.
const CAPACITY: usize = 1024;

#[derive(Default)]
pub(crate) struct ScimTokenMemo {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    generation: u64,
    tenants: HashMap<String, (TenantView, Instant)>,
}

impl ScimTokenMemo {
    /// The tenant of the token whose digest is `digest`, when it was accepted within [`TTL`].
    pub(crate) fn get(&self, digest: &str) -> Option<TenantView> {
        let state = self.state.lock().ok()?;
        let (tenant, at) = state.tenants.get(digest)?;
        (at.elapsed() < TTL).then(|| tenant.clone())
    }

    /// The generation a lookup starts in: pass it to [`Self::put`].
    pub(crate) fn generation(&self) -> u64 {
        self.state.lock().map_or(u64::MAX, |state| state.generation)
    }

    /// Keeps `tenant` for `digest`, unless something was forgotten since `generation`.
    pub(crate) fn put(&self, generation: u64, digest: String, tenant: TenantView) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        if state.generation != generation {
            return;
        }
        if state.tenants.len() >= CAPACITY {
            state.tenants.retain(|_, (_, at)| at.elapsed() < TTL);
            if state.tenants.len() >= CAPACITY {
                state.tenants.clear();
            }
        }
        state.tenants.insert(digest, (tenant, Instant::now()));
    }

    /// Forgets every token: a token was revoked, or a tenant's status changed.
    pub(crate) fn forget_all(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.generation = state.generation.wrapping_add(1);
            state.tenants.clear();
        }
    }
}

impl std::fmt::Debug for ScimTokenMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ScimTokenMemo")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use tenantry_entity::{TenantId, TenantStatus};

    fn tenant() -> TenantView {
        TenantView {
            id: TenantId(1),
            pid: uuid::Uuid::nil(),
            slug: "acme".into(),
            name: "Acme".into(),
            status: TenantStatus::Active,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn keeps_an_accepted_token_until_something_is_forgotten() {
        let memo = ScimTokenMemo::default();
        assert_eq!(memo.get("d"), None);
        memo.put(memo.generation(), "d".into(), tenant());
        assert_eq!(memo.get("d").map(|t| t.id), Some(TenantId(1)));
        memo.forget_all();
        assert_eq!(memo.get("d"), None);
    }

    #[test]
    fn a_lookup_that_began_before_a_forgetting_is_not_kept() {
        let memo = ScimTokenMemo::default();
        let began = memo.generation();
        memo.forget_all();
        memo.put(began, "d".into(), tenant());
        assert_eq!(memo.get("d"), None);
    }

    #[test]
    fn stays_within_its_capacity() {
        let memo = ScimTokenMemo::default();
        for i in 0..CAPACITY * 3 {
            memo.put(memo.generation(), i.to_string(), tenant());
        }
        assert!(memo.state.lock().unwrap().tenants.len() <= CAPACITY);
    }
}
