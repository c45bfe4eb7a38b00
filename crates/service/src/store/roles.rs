//! Roles: grants of the catalogue's roles, tenant-wide and at plants. Every change — grant,
//! revoke, replace — goes through one pipeline ([`change`]): check against the catalogue,
//! lock, read what the user holds, compute what it will hold, guard the last admin, write the
//! difference, rotate the stamp, audit.

use super::SeaOrmUserRepository;
use super::admin_guard::{administers, could_sign_in_now, ensure_another_admin};
use super::audit::{AuditAction, AuditEvent};
use super::change;
use super::delegation::ensure_may_change;
use super::grants_held::{Counted, held_by};
use super::listing::{RoleCheck, RoleWhere, holders, role_condition, with_roles};
use super::reads::{live, load_grants, view_of};
use super::role_rows::{
    check_distinct, check_grantable, insert_plant_roles, insert_tenant_roles, roles_json,
};
use super::stamp;
use super::tx::{begin_change, lock_live_user_for, lock_tenant};
use crate::api::Roles;
use crate::error::{Error, Result};
use crate::inputs::{Actor, PlantRole, RoleSet};
use crate::role_catalogue::{Grant, GrantScope, RoleCatalogue, RoleKey};
use crate::validation::Validator;
use crate::views::shown_name;
use crate::views::{PlantMember, RoleHolder, UserGrants, UserView};
use async_trait::async_trait;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseTransaction, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect, Select,
};
use serde_json::json;
use std::collections::BTreeSet;
use tenantry_entity::{
    PlantId, TenantId, UserId, UserStatus, plants, user_plant_roles, user_tenant_roles, users,
};
use uuid::Uuid;

/// A user's grants as sets: what a change compares, and writes the difference of.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Held {
    tenant: BTreeSet<RoleKey>,
    plants: BTreeSet<(PlantId, RoleKey)>,
}

impl Held {
    fn of(grants: UserGrants) -> Self {
        Self {
            tenant: grants.tenant.into_iter().collect(),
            plants: grants
                .plants
                .into_iter()
                .map(|r| (r.plant_id, r.role))
                .collect(),
        }
    }

    fn tenant_roles(&self) -> Vec<RoleKey> {
        self.tenant.iter().cloned().collect()
    }

    fn plant_roles(&self) -> Vec<PlantRole> {
        self.plants
            .iter()
            .map(|(plant, role)| PlantRole::new(*plant, role.clone()))
            .collect()
    }

    /// Every grant held, as the catalogue sees them.
    fn grants(&self) -> BTreeSet<Grant> {
        let plants = self.plants.iter().map(|(plant, role)| (*plant, role));
        Grant::all(&self.tenant, plants)
    }

    fn json(&self) -> serde_json::Value {
        roles_json(&self.tenant_roles(), &self.plant_roles())
    }

    /// The roles held at `scope`.
    fn at(&self, scope: GrantScope) -> Vec<RoleKey> {
        match scope {
            GrantScope::Tenant => self.tenant_roles(),
            GrantScope::Plant(plant) => self
                .plants
                .iter()
                .filter(|(p, _)| *p == plant)
                .map(|(_, role)| role.clone())
                .collect(),
        }
    }

    /// Without the roles at `scope` that `drop` selects.
    fn without(mut self, scope: GrantScope, drop: impl Fn(&RoleKey) -> bool) -> Self {
        match scope {
            GrantScope::Tenant => self.tenant.retain(|role| !drop(role)),
            GrantScope::Plant(plant) => self.plants.retain(|(p, role)| *p != plant || !drop(role)),
        }
        self
    }

    fn with(mut self, scope: GrantScope, role: RoleKey) -> Self {
        match scope {
            GrantScope::Tenant => {
                self.tenant.insert(role);
            }
            GrantScope::Plant(plant) => {
                self.plants.insert((plant, role));
            }
        }
        self
    }
}

/// One change to a user's grants.
#[derive(Clone, Debug)]
enum Change {
    Grant(GrantScope, RoleKey),
    Revoke(GrantScope, RoleKey),
    RevokeAt(GrantScope),
    Replace(RoleSet),
}

impl Change {
    /// Checks the change against the catalogue before anything is read or locked.
    fn check(&self, repo: &SeaOrmUserRepository) -> Result<()> {
        let catalogue = &repo.config.roles;
        match self {
            Self::Grant(scope, role) => catalogue
                .check_grant(role, *scope)
                .map(|_| ())
                .map_err(Error::RoleRefused),
            Self::Revoke(..) | Self::RevokeAt(_) => Ok(()),
            Self::Replace(set) => {
                let tenant = set.tenant.as_deref().unwrap_or_default();
                let plants = set.plants.as_deref().unwrap_or_default();
                let mut validator = Validator::new();
                check_distinct(&mut validator, catalogue, tenant, plants);
                validator.finish()?;
                check_grantable(catalogue, tenant, plants)
            }
        }
    }

    /// Whether it may change tenant-wide grants (and so must take the tenant lock first: the
    /// last-admin guard).
    fn touches_tenant(&self) -> bool {
        match self {
            Self::Grant(scope, _) | Self::Revoke(scope, _) | Self::RevokeAt(scope) => {
                *scope == GrantScope::Tenant
            }
            Self::Replace(set) => set.tenant.is_some(),
        }
    }

    /// The one plant a grant or revoke names: it must be the tenant's.
    fn plant(&self) -> Option<PlantId> {
        match self {
            Self::Grant(GrantScope::Plant(plant), _)
            | Self::Revoke(GrantScope::Plant(plant), _)
            | Self::RevokeAt(GrantScope::Plant(plant)) => Some(*plant),
            _ => None,
        }
    }

    /// What the user holds after the change.
    fn apply(&self, before: &Held, exclusive: bool) -> Held {
        let held = before.clone();
        match self {
            Self::Grant(scope, role) if exclusive => {
                held.without(*scope, |_| true).with(*scope, role.clone())
            }
            Self::Grant(scope, role) => held.with(*scope, role.clone()),
            Self::Revoke(scope, role) => held.without(*scope, |held| held == role),
            Self::RevokeAt(scope) => held.without(*scope, |_| true),
            Self::Replace(set) => Held {
                tenant: match &set.tenant {
                    Some(roles) => roles.iter().cloned().collect(),
                    None => held.tenant,
                },
                plants: match &set.plants {
                    Some(roles) => roles.iter().map(|r| (r.plant_id, r.role.clone())).collect(),
                    None => held.plants,
                },
            },
        }
    }

    fn event(&self, before: &Held, after: &Held) -> (AuditAction, serde_json::Value) {
        let plant_id = |scope: &GrantScope| match scope {
            GrantScope::Tenant => None,
            GrantScope::Plant(plant) => Some(*plant),
        };
        match self {
            Self::Grant(scope, role) => {
                let replaced: Vec<RoleKey> = before
                    .at(*scope)
                    .into_iter()
                    .filter(|held| held != role)
                    .filter(|held| !after.at(*scope).contains(held))
                    .collect();
                (
                    AuditAction::PlantRoleAssigned,
                    json!({ "plant_id": plant_id(scope), "role": role, "replaced": replaced }),
                )
            }
            Self::Revoke(scope, _) | Self::RevokeAt(scope) => {
                let revoked: Vec<RoleKey> = before
                    .at(*scope)
                    .into_iter()
                    .filter(|held| !after.at(*scope).contains(held))
                    .collect();
                (
                    AuditAction::PlantRoleRemoved,
                    json!({ "plant_id": plant_id(scope), "roles": revoked }),
                )
            }
            Self::Replace(_) => (
                AuditAction::PlantRolesReplaced,
                json!({ "before": before.json(), "after": after.json() }),
            ),
        }
    }
}

/// Makes `change` to the user's grants: one transaction, one audit event, nothing written when
/// nothing changes.
async fn change(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user_id: UserId,
    change: Change,
    actor: Actor,
) -> Result<UserView> {
    change.check(repo)?;
    let catalogue = &repo.config.roles;
    let (txn, now) = begin_change(repo).await?;
    if change.touches_tenant() {
        lock_tenant(&txn, tenant).await?;
    }
    // The row lock makes concurrent changes to one user's roles take turns, so each sees the
    // last one's result (and a replacement leaves exactly its own set); the actor's row is
    // locked too, so its authority cannot be taken away while this change relies on it.
    let user = lock_live_user_for(&txn, tenant, user_id, actor).await?;
    if let Some(plant) = change.plant() {
        require_plant(&txn, tenant, plant).await?;
    }
    let mut grants = load_grants(&txn, &[user_id]).await?;
    let before = Held::of(grants.remove(&user_id).unwrap_or_default());
    let after = change.apply(&before, catalogue.is_exclusive());
    if after == before {
        return view_of(&txn, user).await;
    }
    let changed: Vec<Grant> = before
        .grants()
        .symmetric_difference(&after.grants())
        .cloned()
        .collect();
    ensure_may_change(&txn, catalogue, tenant, actor, &changed).await?;
    let administers_before = administers(catalogue, before.tenant.iter().map(RoleKey::as_str));
    let administers_after = administers(catalogue, after.tenant.iter().map(RoleKey::as_str));
    if administers_before && !administers_after && could_sign_in_now(&user, now) {
        ensure_another_admin(&txn, catalogue, &user, now).await?;
    }
    write_difference(&txn, tenant, user_id, &before, &after, actor, now).await?;
    let mut active = user.into_active_model();
    stamp::rotate(&mut active, now);
    let user = active.update(&txn).await?;
    let (action, details) = change.event(&before, &after);
    let event = AuditEvent::about(tenant, actor, action, user_id, now).with(details);
    change::finish(txn, user, event).await
}

/// Deletes the grants `before` has and `after` has not, then inserts the new ones.
async fn write_difference(
    txn: &DatabaseTransaction,
    tenant: TenantId,
    user: UserId,
    before: &Held,
    after: &Held,
    actor: Actor,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let gone_tenant: Vec<String> = before
        .tenant
        .difference(&after.tenant)
        .map(RoleKey::to_string)
        .collect();
    if !gone_tenant.is_empty() {
        user_tenant_roles::Entity::delete_many()
            .filter(user_tenant_roles::Column::UserId.eq(user))
            .filter(user_tenant_roles::Column::Role.is_in(gone_tenant))
            .exec(txn)
            .await?;
    }
    let gone_plants: Vec<&(PlantId, RoleKey)> = before.plants.difference(&after.plants).collect();
    if !gone_plants.is_empty() {
        let mut which = Condition::any();
        for (plant, role) in gone_plants {
            which = which.add(
                Condition::all()
                    .add(user_plant_roles::Column::PlantId.eq(*plant))
                    .add(user_plant_roles::Column::Role.eq(role.as_str())),
            );
        }
        user_plant_roles::Entity::delete_many()
            .filter(user_plant_roles::Column::UserId.eq(user))
            .filter(which)
            .exec(txn)
            .await?;
    }
    let new_tenant: Vec<RoleKey> = after.tenant.difference(&before.tenant).cloned().collect();
    insert_tenant_roles(txn, tenant, user, &new_tenant, actor, now).await?;
    let new_plants: Vec<PlantRole> = after
        .plants
        .difference(&before.plants)
        .map(|(plant, role)| PlantRole::new(*plant, role.clone()))
        .collect();
    insert_plant_roles(txn, tenant, user, &new_plants, actor, now).await
}

async fn require_plant(txn: &DatabaseTransaction, tenant: TenantId, plant: PlantId) -> Result<()> {
    super::plants::find(txn, tenant, plant)
        .await?
        .map(|_| ())
        .ok_or(Error::NotFound)
}

/// The user's effective roles at `at` (one statement): its grants there, and what they imply.
async fn effective(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    user: UserId,
    at: GrantScope,
) -> Result<BTreeSet<RoleKey>> {
    let grants = held_by(&repo.db, tenant, user, Some(at), Counted::InService).await?;
    Ok(repo.config.roles.closure(grants.iter().map(|g| &g.role)))
}

async fn users_with_role(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    role: RoleKey,
    at: GrantScope,
) -> Result<Vec<RoleHolder>> {
    let place = match at {
        GrantScope::Tenant => RoleWhere::TenantWide,
        GrantScope::Plant(plant) => RoleWhere::Plant(plant),
    };
    let holders = Some(holders(&repo.config.roles, &role));
    let rows: Vec<HolderRow> = holding(tenant, place, holders)
        .select_only()
        .columns([
            users::Column::Id,
            users::Column::Pid,
            users::Column::Username,
            users::Column::DisplayName,
            users::Column::Email,
            users::Column::Status,
        ])
        .into_tuple()
        .all(&repo.db)
        .await?;
    if rows.is_empty() {
        require_place(repo, tenant, place).await?;
    }
    Ok(rows
        .into_iter()
        .map(
            |(id, pid, username, display_name, email, status)| RoleHolder {
                id,
                pid,
                display_name: shown_name(display_name, username.as_deref(), email.as_deref()),
                username,
                email,
                status,
            },
        )
        .collect())
}

/// A role holder's columns: id, pid, username, display name, email, status.
type HolderRow = (
    UserId,
    Uuid,
    Option<String>,
    String,
    Option<String>,
    UserStatus,
);

async fn users_for_plant(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    plant: PlantId,
    role: Option<RoleKey>,
) -> Result<Vec<PlantMember>> {
    let holders = role.as_ref().map(|role| holders(&repo.config.roles, role));
    let place = RoleWhere::Plant(plant);
    let users = holding(tenant, place, holders).all(&repo.db).await?;
    if users.is_empty() {
        require_place(repo, tenant, place).await?;
    }
    let catalogue = &repo.config.roles;
    Ok(with_roles(&repo.db, users)
        .await?
        .into_iter()
        .map(|user| {
            let effective_roles = catalogue.closure(user.roles_at(plant));
            PlantMember {
                user,
                effective_roles,
            }
        })
        .collect())
}

/// The live users holding one of `holders` (any role, when `None`) at `place`, by username.
///
/// At a plant the query itself requires the plant (so tenant-wide holders do not answer for a
/// plant that is not the tenant's); [`require_place`] tells a missing plant from nobody, and
/// is only needed when nobody matched: the common answer costs no extra statement.
fn holding(
    tenant: TenantId,
    place: RoleWhere,
    holders: Option<Vec<String>>,
) -> Select<users::Entity> {
    let mut query = live(tenant).filter(role_condition(place, holders, RoleCheck::Planned));
    if let RoleWhere::Plant(plant) = place {
        query = query.filter(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(plants::Entity)
                .and_where(plants::Column::Id.eq(plant))
                .and_where(plants::Column::TenantId.eq(tenant))
                .take(),
        ));
    }
    query
        .order_by_asc(users::Column::UsernameKey)
        .order_by_asc(users::Column::Id)
}

/// `NotFound` when `place` is a plant that is not the tenant's.
async fn require_place(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    place: RoleWhere,
) -> Result<()> {
    if let RoleWhere::Plant(plant) = place {
        super::plants::find(&repo.db, tenant, plant)
            .await?
            .ok_or(Error::NotFound)?;
    }
    Ok(())
}

#[async_trait]
impl Roles for SeaOrmUserRepository {
    fn role_catalogue(&self) -> &RoleCatalogue {
        &self.config.roles
    }

    async fn grant_role(
        &self,
        tenant: TenantId,
        user: UserId,
        scope: GrantScope,
        role: RoleKey,
        actor: Actor,
    ) -> Result<UserView> {
        let grant = Change::Grant(scope, role);
        self.detached(move |repo| async move { change(&repo, tenant, user, grant, actor).await })
            .await
    }

    async fn revoke_role(
        &self,
        tenant: TenantId,
        user: UserId,
        scope: GrantScope,
        role: RoleKey,
        actor: Actor,
    ) -> Result<UserView> {
        let revoke = Change::Revoke(scope, role);
        self.detached(move |repo| async move { change(&repo, tenant, user, revoke, actor).await })
            .await
    }

    async fn revoke_roles_at(
        &self,
        tenant: TenantId,
        user: UserId,
        scope: GrantScope,
        actor: Actor,
    ) -> Result<UserView> {
        let revoke = Change::RevokeAt(scope);
        self.detached(move |repo| async move { change(&repo, tenant, user, revoke, actor).await })
            .await
    }

    async fn replace_roles(
        &self,
        tenant: TenantId,
        user: UserId,
        roles: RoleSet,
        actor: Actor,
    ) -> Result<UserView> {
        let replace = Change::Replace(roles);
        self.detached(move |repo| async move { change(&repo, tenant, user, replace, actor).await })
            .await
    }

    async fn grants_of(&self, tenant: TenantId, user: UserId) -> Result<Vec<Grant>> {
        self.detached(move |repo| async move {
            held_by(&repo.db, tenant, user, None, Counted::All).await
        })
        .await
    }

    async fn effective_roles(
        &self,
        tenant: TenantId,
        user: UserId,
        at: GrantScope,
    ) -> Result<BTreeSet<RoleKey>> {
        self.detached(move |repo| async move { effective(&repo, tenant, user, at).await })
            .await
    }

    async fn users_with_role(
        &self,
        tenant: TenantId,
        role: RoleKey,
        at: GrantScope,
    ) -> Result<Vec<RoleHolder>> {
        self.detached(move |repo| async move { users_with_role(&repo, tenant, role, at).await })
            .await
    }

    async fn users_for_plant(
        &self,
        tenant: TenantId,
        plant: PlantId,
        role: Option<RoleKey>,
    ) -> Result<Vec<PlantMember>> {
        self.detached(move |repo| async move { users_for_plant(&repo, tenant, plant, role).await })
            .await
    }
}
