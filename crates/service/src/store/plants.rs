//! Plants of a tenant: create, look up, list, rename, deactivate, reactivate, delete, and keep
//! in step with the host's own plant table by its identifier.

use super::SeaOrmUserRepository;
use super::audit::{AuditAction, AuditEvent};
use super::change;
use super::tx::begin_change;
use super::unique::Unique;
use crate::api::Plants;
use crate::error::{Error, Result};
use crate::error::{is_transient, unique_violation};
use crate::inputs::{Actor, HostPlant, NewPlant, PlantChanges};
use crate::normalize::plant_code_key;
use crate::validation::{self, Validator};
use crate::views::PlantView;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend,
    DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use serde_json::json;
use tenantry_entity::{PlantId, TenantId, UserId, plants, user_plant_roles};
use uuid::Uuid;

pub(crate) async fn create(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    input: NewPlant,
    actor: Actor,
) -> Result<PlantView> {
    let mut validator = Validator::new();
    validator
        .check("code", validation::plant_code(&input.code))
        .check("name", validation::name(&input.name));
    validator.finish()?;

    let (txn, now) = begin_change(repo).await?;
    super::reads::require_tenant(&txn, tenant).await?;
    let row = new_row(tenant, input.code, input.name, None, true, now);
    insert(txn, tenant, row, actor, now).await
}

fn new_row(
    tenant: TenantId,
    code: String,
    name: String,
    external_id: Option<String>,
    is_active: bool,
    now: DateTime<Utc>,
) -> plants::ActiveModel {
    plants::ActiveModel {
        pid: Set(Uuid::now_v7()),
        tenant_id: Set(tenant),
        code_key: Set(plant_code_key(&code)),
        code: Set(code),
        name: Set(name),
        external_id: Set(external_id),
        is_active: Set(is_active),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

async fn insert(
    txn: DatabaseTransaction,
    tenant: TenantId,
    row: plants::ActiveModel,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<PlantView> {
    let plant = change::insert_audited(txn, row, |plant| AuditEvent {
        tenant,
        actor,
        action: AuditAction::PlantCreated,
        target: None,
        details: json!({
            "plant_id": plant.id,
            "code": plant.code,
            "external_id": plant.external_id,
            "is_active": plant.is_active,
        }),
        at: now,
    })
    .await?;
    Ok(plant.into())
}

/// How often an upsert runs before a conflict is its answer.
const UPSERT_ATTEMPTS: u32 = 8;

/// Creates the tenant's plant with the host's identifier, or brings it in step: code, name
/// and whether it is in service.
///
/// Two callers upserting one new identifier at once: one inserts, the other's insert meets a
/// unique index (the identifier's or the code's), and it runs once more and finds the row. An
/// identifier that another tenant's plant carries, or a code another plant has, meets the
/// index again and is refused.
pub(crate) async fn upsert(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    input: HostPlant,
    actor: Actor,
) -> Result<PlantView> {
    check_host_plant(&input)?;
    with_retries(|| async {
        let (txn, now) = begin_change(repo).await?;
        upsert_on(txn, now, tenant, input.clone(), actor).await
    })
    .await
}

/// [`upsert`] inside the host's own transaction `host`: the work runs in a savepoint of it, so
/// a refused upsert leaves `host` usable, and the plant and its audit event commit or roll
/// back with the host's own change.
pub(crate) async fn upsert_in(
    repo: &SeaOrmUserRepository,
    host: &DatabaseTransaction,
    tenant: TenantId,
    input: HostPlant,
    actor: Actor,
) -> Result<PlantView> {
    check_host_plant(&input)?;
    with_retries(|| async {
        let savepoint = host.begin().await?;
        upsert_on(savepoint, repo.now(), tenant, input.clone(), actor).await
    })
    .await
}

fn check_host_plant(input: &HostPlant) -> Result<()> {
    let mut validator = Validator::new();
    validator
        .check("external_id", validation::external_id(&input.external_id))
        .check("code", validation::plant_code(&input.code))
        .check("name", validation::name(&input.name));
    Ok(validator.finish()?)
}

/// Runs `attempt` until it is not refused by a racing insert of the same plant.
async fn with_retries<F, Fut>(mut attempt: F) -> Result<PlantView>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<PlantView>>,
{
    let mut attempts = 1;
    loop {
        match attempt().await {
            // Which unique index a racing insert meets first is the backend's choice; and
            // InnoDB can end one of several inserts of one key as a deadlock when the first
            // rolls back (its waiters' shared locks meet).
            Err(error)
                if attempts < UPSERT_ATTEMPTS
                    && (matches!(error, Error::PlantIdentifierTaken | Error::PlantCodeTaken)
                        || is_transient(&error)) =>
            {
                // A short, growing pause lets the winner commit before the next try.
                tokio::time::sleep(std::time::Duration::from_millis(u64::from(attempts) * 5)).await;
                attempts += 1;
            }
            other => return other,
        }
    }
}

/// One upsert on `txn` (committed at the end: a transaction of its own, or a savepoint).
async fn upsert_on(
    txn: DatabaseTransaction,
    now: DateTime<Utc>,
    tenant: TenantId,
    input: HostPlant,
    actor: Actor,
) -> Result<PlantView> {
    super::reads::require_tenant(&txn, tenant).await?;
    // A plain read first: on MySQL a locking read of an absent key takes a gap lock, and two
    // callers holding one each deadlock on their inserts. The row found is locked next.
    let found = of_tenant(tenant)
        .filter(plants::Column::ExternalId.eq(input.external_id.as_str()))
        .unique(&txn)
        .await?;
    let found = match found {
        Some(plant) => {
            locked(&txn, tenant)
                .filter(plants::Column::Id.eq(plant.id))
                .unique(&txn)
                .await?
        }
        None => None,
    };
    match found {
        None => {
            let row = new_row(
                tenant,
                input.code,
                input.name,
                Some(input.external_id),
                input.is_active,
                now,
            );
            insert(txn, tenant, row, actor, now).await
        }
        Some(plant) => {
            let changes = PlantChanges {
                code: Some(input.code),
                name: Some(input.name),
            };
            apply(txn, plant, changes, Some(input.is_active), actor, now).await
        }
    }
}

/// The tenant's plants, locked for the change (SQLite's write lock already serializes).
fn locked(txn: &DatabaseTransaction, tenant: TenantId) -> sea_orm::Select<plants::Entity> {
    let query = of_tenant(tenant);
    if txn.get_database_backend() == DatabaseBackend::Sqlite {
        query
    } else {
        query.lock_exclusive()
    }
}

/// The tenant's plant `id`, locked for the change; `NotFound` when the tenant has none.
async fn lock_plant(
    txn: &DatabaseTransaction,
    tenant: TenantId,
    id: PlantId,
) -> Result<plants::Model> {
    locked(txn, tenant)
        .filter(plants::Column::Id.eq(id))
        .unique(txn)
        .await?
        .ok_or(Error::NotFound)
}

/// Gives the plant a new code or name.
pub(crate) async fn rename(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    id: PlantId,
    changes: PlantChanges,
    actor: Actor,
) -> Result<PlantView> {
    let mut validator = Validator::new();
    if let Some(code) = &changes.code {
        validator.check("code", validation::plant_code(code));
    }
    if let Some(name) = &changes.name {
        validator.check("name", validation::name(name));
    }
    validator.finish()?;
    let (txn, now) = begin_change(repo).await?;
    let plant = lock_plant(&txn, tenant, id).await?;
    apply(txn, plant, changes, None, actor, now).await
}

/// Writes what differs of `changes` and `is_active`, with one event for the new code or name
/// and one for the change of service; nothing at all when nothing differs.
async fn apply(
    txn: DatabaseTransaction,
    plant: plants::Model,
    changes: PlantChanges,
    is_active: Option<bool>,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<PlantView> {
    let mut changed = serde_json::Map::new();
    let mut row = plant.clone().into_active_model();
    if let Some(code) = changes.code.filter(|code| *code != plant.code) {
        changed.insert("code".into(), json!({ "from": plant.code, "to": code }));
        row.code_key = Set(plant_code_key(&code));
        row.code = Set(code);
    }
    if let Some(name) = changes.name.filter(|name| *name != plant.name) {
        changed.insert("name".into(), json!({ "from": plant.name, "to": name }));
        row.name = Set(name);
    }
    let service = is_active.filter(|active| *active != plant.is_active);
    if changed.is_empty() && service.is_none() {
        return Ok(plant.into());
    }
    if let Some(active) = service {
        row.is_active = Set(active);
    }
    row.updated_at = Set(now);
    let updated = row.update(&txn).await.map_err(unique_violation)?;
    let event = |action, details| AuditEvent {
        tenant: updated.tenant_id,
        actor,
        action,
        target: None,
        details,
        at: now,
    };
    if !changed.is_empty() {
        changed.insert("plant_id".into(), json!(updated.id));
        let details = serde_json::Value::Object(changed);
        super::audit::record(&txn, event(AuditAction::PlantUpdated, details)).await?;
    }
    if let Some(active) = service {
        let action = if active {
            AuditAction::PlantReactivated
        } else {
            AuditAction::PlantDeactivated
        };
        let details = json!({ "plant_id": updated.id, "code": updated.code });
        super::audit::record(&txn, event(action, details)).await?;
    }
    txn.commit().await?;
    Ok(updated.into())
}

/// Deletes the plant and, through the foreign keys, every grant there; the users who held one
/// get a new security stamp (a role change), and the event lists the grants that went.
///
/// The plant's row is locked first: a grant made meanwhile waits for it (its foreign key
/// check), so the event names every grant the delete takes.
pub(crate) async fn delete(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    id: PlantId,
    actor: Actor,
) -> Result<()> {
    let (txn, now) = begin_change(repo).await?;
    delete_on(txn, now, tenant, id, actor).await
}

/// [`delete`] inside the host's own transaction `host`, in a savepoint of it (see
/// [`upsert_in`]).
pub(crate) async fn delete_in(
    repo: &SeaOrmUserRepository,
    host: &DatabaseTransaction,
    tenant: TenantId,
    id: PlantId,
    actor: Actor,
) -> Result<()> {
    let savepoint = host.begin().await?;
    delete_on(savepoint, repo.now(), tenant, id, actor).await
}

/// One delete on `txn`, committed at the end.
async fn delete_on(
    txn: DatabaseTransaction,
    now: DateTime<Utc>,
    tenant: TenantId,
    id: PlantId,
    actor: Actor,
) -> Result<()> {
    let plant = lock_plant(&txn, tenant, id).await?;
    let grants: Vec<(UserId, String)> = user_plant_roles::Entity::find()
        .select_only()
        .columns([
            user_plant_roles::Column::UserId,
            user_plant_roles::Column::Role,
        ])
        .filter(user_plant_roles::Column::PlantId.eq(id))
        .order_by_asc(user_plant_roles::Column::UserId)
        .order_by_asc(user_plant_roles::Column::Role)
        .into_tuple()
        .all(&txn)
        .await?;
    let mut holders: Vec<UserId> = grants.iter().map(|(user, _)| *user).collect();
    holders.dedup();
    super::stamp::rotate_many(&txn, tenant, Some(&holders)).await?;
    plants::Entity::delete_by_id(id).exec(&txn).await?;
    let revoked: Vec<serde_json::Value> = grants
        .iter()
        .map(|(user, role)| json!({ "user_id": user, "role": role }))
        .collect();
    change::commit_event(
        txn,
        AuditEvent {
            tenant,
            actor,
            action: AuditAction::PlantDeleted,
            target: None,
            details: json!({
                "plant_id": plant.id,
                "code": plant.code,
                "external_id": plant.external_id,
                "revoked": revoked,
            }),
            at: now,
        },
    )
    .await
}

fn of_tenant(tenant: TenantId) -> sea_orm::Select<plants::Entity> {
    plants::Entity::find().filter(plants::Column::TenantId.eq(tenant))
}

pub(crate) async fn get(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    id: PlantId,
) -> Result<Option<PlantView>> {
    Ok(find(&repo.db, tenant, id).await?.map(PlantView::from))
}

/// The plant `id` of `tenant`, on any connection or transaction.
pub(crate) async fn find(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    id: PlantId,
) -> Result<Option<plants::Model>> {
    Ok(of_tenant(tenant)
        .filter(plants::Column::Id.eq(id))
        .unique(db)
        .await?)
}

/// The tenant's plant a unique key names, if any.
async fn one_by(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    key: sea_orm::sea_query::SimpleExpr,
) -> Result<Option<PlantView>> {
    Ok(of_tenant(tenant)
        .filter(key)
        .unique(&repo.db)
        .await?
        .map(PlantView::from))
}

pub(crate) async fn get_by_pid(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    pid: Uuid,
) -> Result<Option<PlantView>> {
    one_by(repo, tenant, plants::Column::Pid.eq(pid)).await
}

pub(crate) async fn get_by_code(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    code: &str,
) -> Result<Option<PlantView>> {
    if !crate::validation::could_be_stored(code) {
        return Ok(None);
    }
    one_by(
        repo,
        tenant,
        plants::Column::CodeKey.eq(plant_code_key(code)),
    )
    .await
}

pub(crate) async fn get_by_external_id(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    external_id: &str,
) -> Result<Option<PlantView>> {
    if !crate::validation::could_be_stored(external_id) {
        return Ok(None);
    }
    one_by(repo, tenant, plants::Column::ExternalId.eq(external_id)).await
}

pub(crate) async fn list_plants(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
) -> Result<Vec<PlantView>> {
    Ok(of_tenant(tenant)
        .order_by_asc(plants::Column::CodeKey)
        .all(&repo.db)
        .await?
        .into_iter()
        .map(PlantView::from)
        .collect())
}

/// Puts the plant in or out of service and records it (nothing is written when unchanged).
pub(crate) async fn set_active(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    id: PlantId,
    is_active: bool,
    actor: Actor,
) -> Result<PlantView> {
    let (txn, now) = begin_change(repo).await?;
    let plant = lock_plant(&txn, tenant, id).await?;
    apply(
        txn,
        plant,
        PlantChanges::default(),
        Some(is_active),
        actor,
        now,
    )
    .await
}

#[async_trait]
impl Plants for SeaOrmUserRepository {
    async fn create_plant(
        &self,
        tenant: TenantId,
        input: NewPlant,
        actor: Actor,
    ) -> Result<PlantView> {
        self.detached(move |repo| async move { create(&repo, tenant, input, actor).await })
            .await
    }

    async fn get_plant(&self, tenant: TenantId, id: PlantId) -> Result<Option<PlantView>> {
        self.detached(move |repo| async move { get(&repo, tenant, id).await })
            .await
    }

    async fn get_plant_by_pid(&self, tenant: TenantId, pid: Uuid) -> Result<Option<PlantView>> {
        self.detached(move |repo| async move { get_by_pid(&repo, tenant, pid).await })
            .await
    }

    async fn get_plant_by_code(&self, tenant: TenantId, code: &str) -> Result<Option<PlantView>> {
        let code = code.to_owned();
        self.detached(move |repo| async move { get_by_code(&repo, tenant, &code).await })
            .await
    }

    async fn list_plants(&self, tenant: TenantId) -> Result<Vec<PlantView>> {
        self.detached(move |repo| async move { list_plants(&repo, tenant).await })
            .await
    }

    async fn deactivate_plant(
        &self,
        tenant: TenantId,
        id: PlantId,
        actor: Actor,
    ) -> Result<PlantView> {
        self.detached(move |repo| async move { set_active(&repo, tenant, id, false, actor).await })
            .await
    }

    async fn reactivate_plant(
        &self,
        tenant: TenantId,
        id: PlantId,
        actor: Actor,
    ) -> Result<PlantView> {
        self.detached(move |repo| async move { set_active(&repo, tenant, id, true, actor).await })
            .await
    }

    async fn get_plant_by_external_id(
        &self,
        tenant: TenantId,
        external_id: &str,
    ) -> Result<Option<PlantView>> {
        let external_id = external_id.to_owned();
        self.detached(
            move |repo| async move { get_by_external_id(&repo, tenant, &external_id).await },
        )
        .await
    }

    async fn upsert_plant(
        &self,
        tenant: TenantId,
        plant: HostPlant,
        actor: Actor,
    ) -> Result<PlantView> {
        self.detached(move |repo| async move { upsert(&repo, tenant, plant, actor).await })
            .await
    }

    async fn rename_plant(
        &self,
        tenant: TenantId,
        id: PlantId,
        changes: PlantChanges,
        actor: Actor,
    ) -> Result<PlantView> {
        self.detached(move |repo| async move { rename(&repo, tenant, id, changes, actor).await })
            .await
    }

    async fn delete_plant(&self, tenant: TenantId, id: PlantId, actor: Actor) -> Result<()> {
        self.detached(move |repo| async move { delete(&repo, tenant, id, actor).await })
            .await
    }
}

/// Keeping tenantry's plants in step **inside the host's own transaction**, for a host whose
/// plant table lives in the same database: the plant, its grants and its audit event then
/// commit or roll back with the host's own change. The work runs in a savepoint of `txn`, so a
/// refused call (a validation error, another tenant's identifier) leaves `txn` usable.
///
/// These run on the caller's task, not detached like the trait's methods: the host owns the
/// transaction, and a dropped future leaves its savepoint to the host's rollback or commit.
/// On SQLite, begin `txn` with `SqliteTransactionMode::Immediate` if it reads before it
/// writes, or a concurrent writer can make it fail with "database is locked". On MySQL a
/// concurrent upsert of the same new identifier is retried within `txn`, whose snapshot may
/// not see the winner's row; it then ends in `PlantIdentifierTaken`, and the host retries its
/// transaction.
///
/// ```no_run
/// # async fn sync(repo: &tenantry_service::SeaOrmUserRepository, tenant: tenantry_service::TenantId) -> Result<(), Box<dyn std::error::Error>> {
/// use sea_orm::TransactionTrait;
/// use tenantry_service::HostPlant;
///
/// let txn = repo.connection().begin().await?;
/// // … the host writes its own plant row on `txn` …
/// let host = HostPlant { external_id: "17".into(), code: "P-17".into(), name: "Plant 17".into(), is_active: true };
/// repo.upsert_plant_in(&txn, tenant, host, None).await?;
/// txn.commit().await?; // both, or neither
/// # Ok(()) }
/// ```
impl SeaOrmUserRepository {
    /// [`Plants::upsert_plant`] inside `txn` (see above).
    ///
    /// # Errors
    /// As [`Plants::upsert_plant`].
    pub async fn upsert_plant_in(
        &self,
        txn: &DatabaseTransaction,
        tenant: TenantId,
        plant: HostPlant,
        actor: Actor,
    ) -> Result<PlantView> {
        upsert_in(self, txn, tenant, plant, actor).await
    }

    /// [`Plants::delete_plant`] inside `txn` (see above).
    ///
    /// # Errors
    /// As [`Plants::delete_plant`].
    pub async fn delete_plant_in(
        &self,
        txn: &DatabaseTransaction,
        tenant: TenantId,
        id: PlantId,
        actor: Actor,
    ) -> Result<()> {
        delete_in(self, txn, tenant, id, actor).await
    }
}
