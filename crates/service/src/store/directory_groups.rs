//! [`DirectoryGroups`] for [`SeaOrmUserRepository`]: a tenant's directory groups
//! (`groups`) and their members (`group_members`), each write one transaction.

use super::SeaOrmUserRepository;
use super::audit::{self, AuditAction, AuditEvent};
use super::scim_directory::{MemberRow, member_of};
use super::tx;
use super::unique::Unique;
use crate::api::{
    DirectoryGroupChange, DirectoryGroupKey, DirectoryGroupView, DirectoryGroups, MemberChange,
    NewDirectoryGroup, RoleMember,
};
use crate::error::{Error, Result, unique_violation};
use crate::normalize::group_name_key;
use crate::role_catalogue::{RoleCatalogue, RoleScope};
use crate::validation::{self, Rule, ValidationErrors, Validator};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend,
    DatabaseTransaction, DbErr, EntityTrait, IntoActiveModel, JoinType, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait,
};
use serde_json::json;
use std::collections::{BTreeSet, HashMap};
use tenantry_entity::{TenantId, UserId, group_members, groups, users};
use uuid::Uuid;

/// The longest display name, in characters (the column is `VARCHAR(200)`).
const DISPLAY_NAME_MAX_CHARS: usize = 200;
/// The longest name key the column holds (`VARCHAR(600)`).
const NAME_KEY_MAX_CHARS: usize = 600;
/// Ids per `IN (…)` list: well under every backend's limit on bound parameters.
const CHUNK: usize = 500;

/// Checks a group's name and external id; returns the name's key.
fn checked(roles: &RoleCatalogue, display_name: &str, external_id: Option<&str>) -> Result<String> {
    let mut validator = Validator::new();
    validator.check(
        "display_name",
        validation::display_name_at_most(display_name, DISPLAY_NAME_MAX_CHARS),
    );
    if let Some(external_id) = external_id {
        validator.check("external_id", validation::external_id(external_id));
    }
    validator.finish()?;
    let key = group_name_key(display_name);
    if key.chars().count() > NAME_KEY_MAX_CHARS {
        let rule = Rule::TooLong {
            max: DISPLAY_NAME_MAX_CHARS,
        };
        return Err(Error::InvalidInput(ValidationErrors::single(
            "display_name",
            rule,
        )));
    }
    // A SCIM client lists both kinds of group side by side: one name, one group.
    let taken_by_role = roles
        .roles()
        .iter()
        .any(|role| role.scope() != RoleScope::Plant && group_name_key(role.name()) == key);
    if taken_by_role {
        return Err(Error::Conflict("a group of this name exists"));
    }
    Ok(key)
}

/// A unique violation of `groups`, in words.
fn group_unique_violation(error: DbErr) -> Error {
    let message = match error.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(message)) => message,
        _ => return unique_violation(error),
    };
    if message.contains("external_id") {
        Error::Conflict("a group with this external id exists")
    } else if message.contains("name") {
        Error::Conflict("a group of this name exists")
    } else {
        unique_violation(error)
    }
}

fn invalid_members(rule: Rule) -> Error {
    Error::InvalidInput(ValidationErrors::single("members", rule))
}

/// The row ids of the live users of `tenant` that `pids` name, in their order.
///
/// # Errors
/// `InvalidInput` (`members`: `duplicate`, `not_found`); `Database`.
async fn live_users(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    pids: &[Uuid],
) -> Result<Vec<UserId>> {
    let distinct: BTreeSet<Uuid> = pids.iter().copied().collect();
    if distinct.len() != pids.len() {
        return Err(invalid_members(Rule::Duplicate));
    }
    let mut found = HashMap::with_capacity(pids.len());
    for chunk in pids.chunks(CHUNK) {
        let rows = users::Entity::find()
            .select_only()
            .columns([users::Column::Pid, users::Column::Id])
            .filter(users::Column::TenantId.eq(tenant))
            .filter(users::Column::DeletedAt.is_null())
            .filter(users::Column::Pid.is_in(chunk.iter().copied()))
            .into_tuple::<(Uuid, UserId)>()
            .all(db)
            .await?;
        found.extend(rows);
    }
    pids.iter()
        .map(|pid| {
            found
                .get(pid)
                .copied()
                .ok_or_else(|| invalid_members(Rule::NotFound))
        })
        .collect()
}

/// The live members of each of `groups` (all of the tenant's when `None`), in one statement.
async fn members_of(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    group: Option<i64>,
) -> Result<HashMap<i64, Vec<RoleMember>>> {
    let mut query = group_members::Entity::find()
        .select_only()
        .column(group_members::Column::GroupId)
        .column(users::Column::Id)
        .column(users::Column::Pid)
        .column(users::Column::DisplayName)
        .column(users::Column::Username)
        .column(users::Column::Email)
        .join(JoinType::InnerJoin, group_members::Relation::Users.def())
        .filter(group_members::Column::TenantId.eq(tenant))
        .filter(users::Column::DeletedAt.is_null());
    if let Some(group) = group {
        query = query.filter(group_members::Column::GroupId.eq(group));
    }
    let rows = query
        .order_by_asc(users::Column::Id)
        .into_tuple::<(i64, UserId, Uuid, String, Option<String>, Option<String>)>()
        .all(db)
        .await?;
    let mut by_group: HashMap<i64, Vec<RoleMember>> = HashMap::new();
    for (group, id, pid, display_name, username, email) in rows {
        let row: MemberRow = (id, pid, display_name, username, email);
        by_group.entry(group).or_default().push(member_of(row));
    }
    Ok(by_group)
}

fn view_of(group: groups::Model, members: Vec<RoleMember>) -> DirectoryGroupView {
    DirectoryGroupView {
        pid: group.pid,
        display_name: group.display_name,
        external_id: group.external_id,
        members,
        created_at: group.created_at,
        updated_at: group.updated_at,
    }
}

async fn read_one(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    key: DirectoryGroupKey,
) -> Result<Option<DirectoryGroupView>> {
    let query = groups::Entity::find().filter(groups::Column::TenantId.eq(tenant));
    let query = match key {
        DirectoryGroupKey::Pid(pid) => query.filter(groups::Column::Pid.eq(pid)),
        // A value no stored one can equal (control characters, over-long) is a miss unread.
        DirectoryGroupKey::DisplayName(name) if validation::could_be_stored(&name) => {
            query.filter(groups::Column::NameKey.eq(group_name_key(&name)))
        }
        DirectoryGroupKey::ExternalId(id) if validation::could_be_stored(&id) => {
            query.filter(groups::Column::ExternalId.eq(id))
        }
        _ => return Ok(None),
    };
    let Some(group) = query.unique(db).await? else {
        return Ok(None);
    };
    let mut members = members_of(db, tenant, Some(group.id)).await?;
    let members = members.remove(&group.id).unwrap_or_default();
    Ok(Some(view_of(group, members)))
}

async fn read_all(db: &impl ConnectionTrait, tenant: TenantId) -> Result<Vec<DirectoryGroupView>> {
    let found = groups::Entity::find()
        .filter(groups::Column::TenantId.eq(tenant))
        .order_by_asc(groups::Column::NameKey)
        .all(db)
        .await?;
    if found.is_empty() {
        return Ok(Vec::new());
    }
    let mut members = members_of(db, tenant, None).await?;
    Ok(found
        .into_iter()
        .map(|group| {
            let list = members.remove(&group.id).unwrap_or_default();
            view_of(group, list)
        })
        .collect())
}

/// The audit event of a change to `group` as a whole.
fn group_event(
    group: &groups::Model,
    action: AuditAction,
    details: serde_json::Value,
    at: DateTime<Utc>,
) -> AuditEvent {
    AuditEvent {
        tenant: group.tenant_id,
        actor: None,
        action,
        target: None,
        details,
        at,
    }
}

/// The audit events of users joining or leaving `group`.
fn member_events(
    group: &groups::Model,
    action: AuditAction,
    users: &[UserId],
    at: DateTime<Utc>,
) -> Vec<AuditEvent> {
    users
        .iter()
        .map(|user| {
            AuditEvent::about(group.tenant_id, None, action, *user, at)
                .with(json!({ "group": group.pid, "display_name": group.display_name }))
        })
        .collect()
}

async fn add_members(
    txn: &DatabaseTransaction,
    group: &groups::Model,
    users: &[UserId],
    at: DateTime<Utc>,
) -> Result<()> {
    for chunk in users.chunks(CHUNK) {
        let rows = chunk.iter().map(|user| group_members::ActiveModel {
            tenant_id: Set(group.tenant_id),
            group_id: Set(group.id),
            user_id: Set(*user),
            created_at: Set(at),
            ..Default::default()
        });
        group_members::Entity::insert_many(rows).exec(txn).await?;
    }
    Ok(())
}

async fn create(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    input: NewDirectoryGroup,
) -> Result<DirectoryGroupView> {
    let key = checked(
        &repo.config.roles,
        &input.display_name,
        input.external_id.as_deref(),
    )?;
    let (txn, now) = tx::begin_change(repo).await?;
    tx::ensure_tenant(&txn, tenant).await?;
    let members = live_users(&txn, tenant, &input.members).await?;
    let group = groups::ActiveModel {
        pid: Set(Uuid::now_v7()),
        tenant_id: Set(tenant),
        display_name: Set(input.display_name),
        name_key: Set(key),
        external_id: Set(input.external_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(group_unique_violation)?;
    add_members(&txn, &group, &members, now).await?;
    let mut events = vec![group_event(
        &group,
        AuditAction::GroupCreated,
        json!({
            "group": group.pid,
            "display_name": group.display_name,
            "external_id": group.external_id,
        }),
        now,
    )];
    events.extend(member_events(
        &group,
        AuditAction::GroupMemberAdded,
        &members,
        now,
    ));
    audit::record_many(&txn, tenant, None, events).await?;
    let view = read_one(&txn, tenant, DirectoryGroupKey::Pid(group.pid))
        .await?
        .ok_or(Error::NotFound)?;
    txn.commit().await?;
    Ok(view)
}

/// Reads the tenant's group `pid` and locks its row until the transaction ends (SQLite's
/// write lock already serializes writers).
async fn lock_group(
    txn: &DatabaseTransaction,
    tenant: TenantId,
    pid: Uuid,
) -> Result<groups::Model> {
    let mut query = groups::Entity::find()
        .filter(groups::Column::Pid.eq(pid))
        .filter(groups::Column::TenantId.eq(tenant));
    if txn.get_database_backend() != DatabaseBackend::Sqlite {
        query = query.lock_exclusive();
    }
    query.unique(txn).await?.ok_or(Error::NotFound)
}

/// Every membership row of `group` (deleted users' included): row id, user id, user pid.
async fn memberships(txn: &DatabaseTransaction, group: i64) -> Result<Vec<(i64, UserId, Uuid)>> {
    Ok(group_members::Entity::find()
        .select_only()
        .column(group_members::Column::Id)
        .column(group_members::Column::UserId)
        .column(users::Column::Pid)
        .join(JoinType::InnerJoin, group_members::Relation::Users.def())
        .filter(group_members::Column::GroupId.eq(group))
        .into_tuple::<(i64, UserId, Uuid)>()
        .all(txn)
        .await?)
}

async fn change(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    pid: Uuid,
    change: DirectoryGroupChange,
) -> Result<DirectoryGroupView> {
    let key = checked(
        &repo.config.roles,
        &change.display_name,
        change.external_id.as_deref(),
    )?;
    let (txn, now) = tx::begin_change(repo).await?;
    let mut group = lock_group(&txn, tenant, pid).await?;
    let current = memberships(&txn, group.id).await?;
    let (add, remove) = match change.members {
        MemberChange::Exactly(pids) => {
            let wanted = live_users(&txn, tenant, &pids).await?;
            let wanted_set: BTreeSet<UserId> = wanted.iter().copied().collect();
            let held: BTreeSet<UserId> = current.iter().map(|(_, user, _)| *user).collect();
            let add = wanted.into_iter().filter(|u| !held.contains(u)).collect();
            let remove = current
                .iter()
                .filter(|(_, user, _)| !wanted_set.contains(user))
                .map(|(row, user, _)| (*row, *user))
                .collect();
            (add, remove)
        }
        MemberChange::Apply { add, remove } => {
            let held: BTreeSet<UserId> = current.iter().map(|(_, user, _)| *user).collect();
            let add: Vec<UserId> = live_users(&txn, tenant, &add)
                .await?
                .into_iter()
                .filter(|u| !held.contains(u))
                .collect();
            let leaving: BTreeSet<Uuid> = remove.into_iter().collect();
            let remove: Vec<(i64, UserId)> = current
                .iter()
                .filter(|(_, _, pid)| leaving.contains(pid))
                .map(|(row, user, _)| (*row, *user))
                .collect();
            (add, remove)
        }
    };

    let mut events = Vec::new();
    let renamed =
        group.display_name != change.display_name || group.external_id != change.external_id;
    if renamed {
        let before =
            json!({ "display_name": group.display_name, "external_id": group.external_id });
        let mut row = group.clone().into_active_model();
        row.display_name = Set(change.display_name);
        row.name_key = Set(key);
        row.external_id = Set(change.external_id);
        row.updated_at = Set(now);
        group = row.update(&txn).await.map_err(group_unique_violation)?;
        let after = json!({ "display_name": group.display_name, "external_id": group.external_id });
        events.push(group_event(
            &group,
            AuditAction::GroupChanged,
            json!({ "group": group.pid, "before": before, "after": after }),
            now,
        ));
    }
    let removed: Vec<UserId> = remove.iter().map(|(_, user)| *user).collect();
    for chunk in remove.chunks(CHUNK) {
        group_members::Entity::delete_many()
            .filter(group_members::Column::Id.is_in(chunk.iter().map(|(row, _)| *row)))
            .exec(&txn)
            .await?;
    }
    add_members(&txn, &group, &add, now).await?;
    events.extend(member_events(
        &group,
        AuditAction::GroupMemberAdded,
        &add,
        now,
    ));
    events.extend(member_events(
        &group,
        AuditAction::GroupMemberRemoved,
        &removed,
        now,
    ));
    if events.is_empty() {
        let view = read_one(&txn, tenant, DirectoryGroupKey::Pid(pid))
            .await?
            .ok_or(Error::NotFound)?;
        txn.commit().await?;
        return Ok(view);
    }
    if !renamed {
        let mut row = group.into_active_model();
        row.updated_at = Set(now);
        row.update(&txn).await?;
    }
    audit::record_many(&txn, tenant, None, events).await?;
    let view = read_one(&txn, tenant, DirectoryGroupKey::Pid(pid))
        .await?
        .ok_or(Error::NotFound)?;
    txn.commit().await?;
    Ok(view)
}

async fn delete(repo: &SeaOrmUserRepository, tenant: TenantId, pid: Uuid) -> Result<()> {
    let (txn, now) = tx::begin_change(repo).await?;
    let group = lock_group(&txn, tenant, pid).await?;
    let members = group_members::Entity::delete_many()
        .filter(group_members::Column::GroupId.eq(group.id))
        .exec(&txn)
        .await?
        .rows_affected;
    groups::Entity::delete_by_id(group.id).exec(&txn).await?;
    let event = group_event(
        &group,
        AuditAction::GroupDeleted,
        json!({ "group": group.pid, "display_name": group.display_name, "members": members }),
        now,
    );
    audit::record(&txn, event).await?;
    txn.commit().await?;
    Ok(())
}

#[async_trait]
impl DirectoryGroups for SeaOrmUserRepository {
    async fn create_directory_group(
        &self,
        tenant: TenantId,
        group: NewDirectoryGroup,
    ) -> Result<DirectoryGroupView> {
        self.detached(move |repo| async move { create(&repo, tenant, group).await })
            .await
    }

    async fn directory_group(
        &self,
        tenant: TenantId,
        key: DirectoryGroupKey,
    ) -> Result<Option<DirectoryGroupView>> {
        read_one(&self.db, tenant, key).await
    }

    async fn directory_groups(&self, tenant: TenantId) -> Result<Vec<DirectoryGroupView>> {
        read_all(&self.db, tenant).await
    }

    async fn change_directory_group(
        &self,
        tenant: TenantId,
        pid: Uuid,
        group: DirectoryGroupChange,
    ) -> Result<DirectoryGroupView> {
        self.detached(move |repo| async move { change(&repo, tenant, pid, group).await })
            .await
    }

    async fn delete_directory_group(&self, tenant: TenantId, pid: Uuid) -> Result<()> {
        self.detached(move |repo| async move { delete(&repo, tenant, pid).await })
            .await
    }
}
