//! Bulk import: many users with existing password hashes, in batched multi-row inserts.
//!
//! How a bad row is handled (the decision, also in the trait's docs):
//! - **Everything is validated first.** Every row's profile, its hash (with
//!   [`parse_imported_hash`]), its plant list, and the uniqueness of usernames (by confusable
//!   skeleton) and emails *within the call* are checked before anything is written. One
//!   invalid row refuses the whole call: nothing is written, and [`Error::ImportRow`] names
//!   the row.
//! - **Then batches of [`IMPORT_BATCH`] users**, each in its own transaction: one multi-row
//!   insert of users, one of their plant roles, one of their audit events. A row the database
//!   refuses (a username or email another user already has, a plant not of this tenant) rolls
//!   its whole batch back — nothing of that batch is written — and the error names the row and
//!   how many rows before its batch were committed, so the caller can fix it and resume there.
//!   Uniqueness is read from the database's error after the insert, never checked first.
//!
//! [`Imports::import_users_all_or_nothing`](crate::Imports::import_users_all_or_nothing) is
//! the other mode, for operators who want none of a file rather than part of it: every row is
//! checked and *every* problem collected (a taken username or email is read from the database
//! first, as a report — the unique keys still decide at the insert), then all batches are
//! written in one transaction that commits at the end or not at all.
//!
//! On PostgreSQL the import refreshes the planner's statistics of `users` (`ANALYZE tenantry_users`)
//! after its 1st, 2nd, 4th, 8th, … batch. Every plant-role row is checked by the composite
//! foreign key `(user_id, tenant_id) → users (id, tenant_id)`, whose lookup PostgreSQL plans
//! from those statistics: while they still describe the tenant as (nearly) empty, the lookup
//! picks `ix_users_tenant_live (tenant_id, …)` and reads every user of the tenant to find one
//! id, so the import grew quadratically (265 users/s at 25 000 users). With fresh statistics
//! it is a unique-index probe. SQLite and MySQL/MariaDB check foreign keys through the key's
//! own index without planning, and need nothing.

use super::SeaOrmUserRepository;
use super::audit::{self, AuditAction, AuditEvent};
use super::bulk_sql::insert_rows;
use super::delegation::{ensure_may_change, ensure_may_change_locked};
use super::new_user::{self, NewProfile, insert_user, new_user_details};
use super::role_rows::check_grantable;
use super::role_rows::{insert_grants, plant_role_row, tenant_role_row};
use super::stamp::new_security_stamp;
use super::tx::{begin_change, begin_write};
use crate::api::{ImportProgress, ImportStage, Problem, RowProblem};
use crate::error::{Error, Result, unique_violation};
use crate::hashing::parse_imported_hash;
use crate::inputs::{Actor, ImportedUser};
use crate::normalize::{email_key, login_key, username_skeleton};
use crate::profile_rules::ProfileRules;
use crate::role_catalogue::Grant;
use crate::role_catalogue::RoleCatalogue;
use crate::validation::ValidationErrors;
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DatabaseTransaction, EntityTrait,
    QueryFilter, QuerySelect,
};
use std::collections::{HashMap, HashSet};
use tenantry_entity::users::NewUserRow;
use tenantry_entity::{PlantId, SecretHash, TenantId, UserId, UserStatus, plants, users};

/// Users per batch (and per transaction). With the users table's 25 columns this stays under
/// every backend's bind-parameter limit (SQLite 32 766; PostgreSQL and MySQL 65 535).
pub const IMPORT_BATCH: usize = 500;

/// A row that passed validation, ready to insert: its profile, and the keys and hash the
/// validation already computed (so they are not computed twice).
struct Row {
    pid: uuid::Uuid,
    profile: NewProfile,
    /// The login key ([`login_key`]).
    username_key: String,
    username_skeleton: Option<String>,
    email_key: Option<String>,
    hash: SecretHash,
}

impl Row {
    /// The `users` row to insert at `now`.
    fn user_row(&self, tenant: TenantId, now: DateTime<Utc>) -> NewUserRow {
        NewUserRow {
            pid: self.pid,
            tenant_id: tenant,
            username: self.profile.username.clone(),
            username_key: self.username_key.clone(),
            username_skeleton: self.username_skeleton.clone(),
            email: self.profile.email.clone(),
            email_key: self.email_key.clone(),
            display_name: self.profile.display_name.clone(),
            password_hash: Some(self.hash.clone()),
            status: UserStatus::Active,
            security_stamp: new_security_stamp(),
            expires_at: None,
            metadata: None,
            now,
        }
    }
}

fn refused(index: usize, imported: usize, source: Error) -> Error {
    Error::ImportRow {
        index,
        imported,
        source: Box::new(source),
    }
}

/// Checks every row; the first invalid one refuses the call.
fn validate(
    rules: &ProfileRules,
    catalogue: &RoleCatalogue,
    users: Vec<ImportedUser>,
) -> Result<Vec<Row>> {
    let mut usernames = HashSet::with_capacity(users.len());
    let mut emails = HashSet::with_capacity(users.len());
    let mut rows = Vec::with_capacity(users.len());
    for (index, input) in users.into_iter().enumerate() {
        let profile = new_user::profile_of!(catalogue, input);
        let hash = parse_imported_hash(input.password_hash.expose());
        profile
            .validate(rules, catalogue, |validator| {
                if let Err(rule) = &hash {
                    validator.add("password_hash", *rule);
                }
            })
            .map_err(|e| refused(index, 0, Error::InvalidInput(e)))?;
        profile
            .check_roles(catalogue)
            .map_err(|e| refused(index, 0, e))?;
        let key = login_key(profile.username.as_deref(), profile.email.as_deref());
        // Equal skeletons cover equal keys: two rows that merely look alike are refused here
        // too, before anything is written.
        let skeleton = profile.username.as_deref().map(username_skeleton);
        if let Some(skeleton) = &skeleton
            && !usernames.insert(skeleton.clone())
        {
            return Err(refused(index, 0, Error::UsernameTaken));
        }
        let mail_key = profile.email.as_deref().map(email_key);
        if let Some(mail_key) = &mail_key
            && !emails.insert(mail_key.clone())
        {
            return Err(refused(index, 0, Error::EmailTaken));
        }
        let hash = hash.map_err(|rule| {
            refused(
                index,
                0,
                Error::InvalidInput(ValidationErrors::single("password_hash", rule)),
            )
        })?;
        rows.push(Row {
            pid: uuid::Uuid::now_v7(),
            profile,
            username_key: key,
            username_skeleton: skeleton,
            email_key: mail_key,
            hash,
        });
    }
    Ok(rows)
}

/// A write transaction in which the actor, locked, may still grant `requested`.
async fn begin_permitted(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    actor: Actor,
    requested: &[Grant],
) -> Result<(DatabaseTransaction, DateTime<Utc>)> {
    let (txn, now) = begin_change(repo).await?;
    let checked =
        ensure_may_change_locked(&txn, &repo.config.roles, tenant, actor, requested).await;
    if let Err(error) = checked {
        txn.rollback().await?;
        return Err(error);
    }
    Ok((txn, now))
}

/// Every grant the rows ask for (not their defaults), each once.
fn requested_grants(rows: &[Row]) -> Vec<Grant> {
    let mut requested: Vec<Grant> = rows
        .iter()
        .flat_map(|row| row.profile.requested_grants())
        .collect();
    requested.sort();
    requested.dedup();
    requested
}

pub(crate) async fn import_users(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    users: Vec<ImportedUser>,
    actor: Actor,
) -> Result<Vec<UserId>> {
    super::reads::require_tenant(&repo.db, tenant).await?;
    let rows = validate(&repo.config.profile, &repo.config.roles, users)?;
    // The actor may grant every role asked for, before the first batch is written.
    let requested = requested_grants(&rows);
    ensure_may_change(&repo.db, &repo.config.roles, tenant, actor, &requested).await?;
    let mut ids = Vec::with_capacity(rows.len());
    for (number, batch) in rows.chunks(IMPORT_BATCH).enumerate() {
        let first = number * IMPORT_BATCH;
        // Again in each batch's transaction, the actor locked: it may lose the right mid-import.
        let (txn, now) = begin_permitted(repo, tenant, actor, &requested).await?;
        match insert_batch(&txn, tenant, batch, actor, now).await {
            Ok(batch_ids) => {
                txn.commit().await?;
                ids.extend(batch_ids);
                // After batch 1, 2, 4, 8, …: log2(batches) refreshes keep the statistics
                // within a factor of two of the tenant's size at a small fixed cost.
                if (number + 1).is_power_of_two() {
                    refresh_user_statistics(&repo.db).await;
                }
            }
            Err(error) => {
                txn.rollback().await?;
                return Err(locate(repo, tenant, batch, first, first, actor, error).await);
            }
        }
    }
    log_imported(tenant, ids.len(), "bulk import");
    Ok(ids)
}

fn log_imported(tenant: TenantId, count: usize, mode: &'static str) {
    tracing::info!(
        tenant = tenant.0,
        action = "users_imported",
        count,
        outcome = "ok",
        "{mode}"
    );
}

/// The all-or-nothing mode (see the module docs).
pub(crate) async fn import_users_all_or_nothing(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    users: Vec<ImportedUser>,
    actor: Actor,
    progress: Option<ImportProgress>,
) -> Result<Vec<UserId>> {
    super::reads::require_tenant(&repo.db, tenant).await?;
    let rows = check_all(repo, tenant, users).await?;
    let requested = requested_grants(&rows);
    ensure_may_change(&repo.db, &repo.config.roles, tenant, actor, &requested).await?;
    let report = |stage| {
        if let Some(progress) = &progress {
            progress(stage);
        }
    };
    report(ImportStage::Checked { rows: rows.len() });
    let (txn, now) = begin_permitted(repo, tenant, actor, &requested).await?;
    let mut ids = Vec::with_capacity(rows.len());
    for (number, batch) in rows.chunks(IMPORT_BATCH).enumerate() {
        match insert_batch(&txn, tenant, batch, actor, now).await {
            Ok(batch_ids) => {
                ids.extend(batch_ids);
                report(ImportStage::Written {
                    written: ids.len(),
                    rows: rows.len(),
                });
                // PostgreSQL's ANALYZE counts the transaction's own uncommitted rows.
                if (number + 1).is_power_of_two() {
                    refresh_user_statistics(&txn).await;
                }
            }
            Err(error) => {
                txn.rollback().await?;
                let first = number * IMPORT_BATCH;
                return Err(locate(repo, tenant, batch, first, 0, actor, error).await);
            }
        }
    }
    txn.commit().await?;
    log_imported(tenant, ids.len(), "all-or-nothing import");
    Ok(ids)
}

/// Checks every row and reports every problem of every row ([`Error::ImportRefused`]), or
/// returns the rows ready to insert.
async fn check_all(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    users: Vec<ImportedUser>,
) -> Result<Vec<Row>> {
    let catalogue = &repo.config.roles;
    let rules = &repo.config.profile;
    let plants: HashSet<PlantId> = plants::Entity::find()
        .select_only()
        .column(plants::Column::Id)
        .filter(plants::Column::TenantId.eq(tenant))
        .into_tuple()
        .all(&repo.db)
        .await?
        .into_iter()
        .collect();
    let mut problems = Vec::new();
    let mut problem = |index, field, problem| {
        problems.push(RowProblem {
            index,
            field,
            problem,
        });
    };
    let mut skeletons: HashMap<String, usize> = HashMap::with_capacity(users.len());
    let mut keys: HashMap<String, usize> = HashMap::with_capacity(users.len());
    let mut pairs: Vec<(String, String)> = Vec::with_capacity(users.len());
    let mut emails: HashMap<String, usize> = HashMap::with_capacity(users.len());
    let mut rows = Vec::with_capacity(users.len());
    for (index, input) in users.into_iter().enumerate() {
        let profile = new_user::profile_of!(catalogue, input);
        let hash = parse_imported_hash(input.password_hash.expose());
        let validated = profile.validate(rules, catalogue, |validator| {
            if let Err(rule) = &hash {
                validator.add("password_hash", *rule);
            }
        });
        let mut fine = true;
        if let Err(errors) = validated {
            fine = false;
            for error in errors.errors() {
                problem(index, error.field, Problem::Invalid { rule: error.rule });
            }
        }
        if check_grantable(catalogue, &profile.tenant_roles, &[]).is_err() {
            fine = false;
            problem(index, "tenant_roles", Problem::RoleRefused);
        }
        if check_grantable(catalogue, &[], &profile.plant_roles).is_err() {
            fine = false;
            problem(index, "plant_roles", Problem::RoleRefused);
        }
        if profile
            .plant_roles
            .iter()
            .any(|r| !plants.contains(&r.plant_id))
        {
            fine = false;
            problem(index, "plant_roles", Problem::PlantNotFound);
        }
        // Equal skeletons cover equal keys: rows that merely look alike collide too.
        let skeleton = profile.username.as_deref().map(username_skeleton);
        let key = login_key(profile.username.as_deref(), profile.email.as_deref());
        // A row without a username logs in by its email, checked with the emails below.
        if let Some(skeleton) = &skeleton {
            if let Some(&row) = skeletons.get(skeleton) {
                fine = false;
                problem(index, "username", Problem::SameAsRow { row });
            } else {
                skeletons.insert(skeleton.clone(), index);
                keys.insert(key.clone(), index);
                pairs.push((skeleton.clone(), key.clone()));
            }
        }
        let mail_key = profile.email.as_deref().map(email_key);
        if let Some(key) = &mail_key {
            if let Some(&row) = emails.get(key) {
                fine = false;
                problem(index, "email", Problem::SameAsRow { row });
            } else {
                emails.insert(key.clone(), index);
            }
        }
        if let (true, Ok(hash)) = (fine, hash) {
            rows.push(Row {
                pid: uuid::Uuid::now_v7(),
                username_key: key,
                username_skeleton: skeleton,
                email_key: mail_key,
                profile,
                hash,
            });
        }
    }
    let usernames = Usernames {
        skeletons,
        keys,
        pairs,
    };
    for (field, index) in taken_in_tenant(&repo.db, tenant, &usernames, &emails).await? {
        problem(index, field, Problem::Taken);
    }
    if problems.is_empty() {
        return Ok(rows);
    }
    // By row, each row's problems in the order found.
    problems.sort_by_key(|p| p.index);
    Err(Error::ImportRefused { problems })
}

/// [`check_all`] as a report: every problem, or none.
pub(crate) async fn check_import(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    users: Vec<ImportedUser>,
) -> Result<Vec<RowProblem>> {
    super::reads::require_tenant(&repo.db, tenant).await?;
    match check_all(repo, tenant, users).await {
        Ok(_) => Ok(Vec::new()),
        Err(Error::ImportRefused { problems }) => Ok(problems),
        Err(error) => Err(error),
    }
}

/// The rows' usernames by skeleton and by key (a user stored without a skeleton — an older
/// look-alike — is found by its key), each with its first row.
struct Usernames {
    skeletons: HashMap<String, usize>,
    keys: HashMap<String, usize>,
    /// `(skeleton, key)` of each first row.
    pairs: Vec<(String, String)>,
}

/// Which of the rows' usernames and emails (by key) a user of the tenant already holds,
/// soft-deleted users included: `(field, row)`.
async fn taken_in_tenant(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    usernames: &Usernames,
    emails: &HashMap<String, usize>,
) -> Result<Vec<(&'static str, usize)>> {
    let Usernames {
        skeletons,
        keys,
        pairs,
    } = usernames;
    let mut taken = HashSet::new();
    for chunk in pairs.chunks(IMPORT_BATCH) {
        let found: Vec<(Option<String>, Option<String>)> = users::Entity::find()
            .select_only()
            .column(users::Column::UsernameKey)
            .column(users::Column::UsernameSkeleton)
            .filter(users::Column::TenantId.eq(tenant))
            .filter(
                Condition::any()
                    .add(
                        users::Column::UsernameSkeleton
                            .is_in(chunk.iter().map(|(s, _)| s.as_str())),
                    )
                    .add(users::Column::UsernameKey.is_in(chunk.iter().map(|(_, k)| k.as_str()))),
            )
            .into_tuple()
            .all(db)
            .await?;
        for (key, skeleton) in found {
            let row = skeleton
                .and_then(|s| skeletons.get(&s))
                .or_else(|| key.and_then(|k| keys.get(&k)));
            if let Some(&row) = row {
                taken.insert(("username", row));
            }
        }
    }
    let email_list: Vec<&String> = emails.keys().collect();
    for chunk in email_list.chunks(IMPORT_BATCH) {
        let found: Vec<Option<String>> = users::Entity::find()
            .select_only()
            .column(users::Column::EmailKey)
            .filter(users::Column::TenantId.eq(tenant))
            .filter(users::Column::EmailKey.is_in(chunk.iter().map(|s| s.as_str())))
            .into_tuple()
            .all(db)
            .await?;
        for key in found.into_iter().flatten() {
            if let Some(&row) = emails.get(&key) {
                taken.insert(("email", row));
            }
        }
    }
    let mut taken: Vec<_> = taken.into_iter().collect();
    // By row, the username first, as the fields are checked.
    taken.sort_unstable_by_key(|&(field, row)| (row, field != "username"));
    Ok(taken)
}

/// `ANALYZE tenantry_users` on PostgreSQL (see the module docs for why); nothing elsewhere.
///
/// Statistics only steer plans, so a failure is logged and the import goes on: a role that
/// may not analyze the table (PostgreSQL then warns and skips) still imports, only slower.
async fn refresh_user_statistics(db: &impl ConnectionTrait) {
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return;
    }
    if let Err(error) = db.execute_unprepared("ANALYZE tenantry_users").await {
        tracing::warn!(%error, "bulk import: ANALYZE tenantry_users failed");
    }
}

/// One batch on `txn`: users, their roles and their audit events, each in multi-row inserts.
async fn insert_batch(
    txn: &DatabaseTransaction,
    tenant: TenantId,
    batch: &[Row],
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<Vec<UserId>> {
    let models = batch
        .iter()
        .map(|row| row.user_row(tenant, now).into_active_model())
        .collect();
    // Without RETURNING (MySQL has none): the ids are read back by their public ids, which
    // every user has (a username it may not).
    insert_rows(txn, models).await.map_err(unique_violation)?;
    let inserted: Vec<(UserId, uuid::Uuid)> = users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .column(users::Column::Pid)
        .filter(users::Column::Pid.is_in(batch.iter().map(|r| r.pid)))
        .into_tuple()
        .all(txn)
        .await?;
    let by_pid: HashMap<uuid::Uuid, UserId> =
        inserted.into_iter().map(|(id, pid)| (pid, id)).collect();
    let ids = batch
        .iter()
        .map(|row| by_pid.get(&row.pid).copied().ok_or(Error::NotFound))
        .collect::<Result<Vec<UserId>>>()?;

    let mut tenant_roles = Vec::new();
    let mut plant_roles = Vec::new();
    for (row, &id) in batch.iter().zip(&ids) {
        for role in &row.profile.tenant_roles {
            tenant_roles.push(tenant_role_row(tenant, id, role, actor, now));
        }
        for r in &row.profile.plant_roles {
            plant_roles.push(plant_role_row(tenant, id, r.plant_id, &r.role, actor, now));
        }
    }
    insert_grants(txn, tenant_roles).await?;
    insert_grants(txn, plant_roles).await?;

    let events = batch
        .iter()
        .zip(&ids)
        .map(|(row, id)| {
            AuditEvent::about(tenant, actor, AuditAction::UserImported, *id, now)
                .with(imported_details(row))
        })
        .collect();
    audit::record_many(txn, tenant, actor, events).await?;
    Ok(ids)
}

/// What the audit event of an imported user says: the same as a created user's.
fn imported_details(row: &Row) -> serde_json::Value {
    new_user_details(
        row.pid,
        row.profile.username.as_deref(),
        UserStatus::Active,
        &row.profile.tenant_roles,
        &row.profile.plant_roles,
        true,
    )
}

/// Finds which row of a refused batch the database refuses, by inserting the batch's rows one
/// at a time in a transaction that is always rolled back. Returns the error naming that row
/// (`first` is the batch's first row; `committed`, how many rows stay imported).
async fn locate(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    batch: &[Row],
    first: usize,
    committed: usize,
    actor: Actor,
    batch_error: Error,
) -> Error {
    let probe = async {
        let txn = begin_write(&repo.db).await?;
        for (offset, row) in batch.iter().enumerate() {
            let draft = row
                .profile
                .clone()
                .draft(UserStatus::Active, Some(row.hash.clone()));
            if let Err(error) = insert_user(&txn, tenant, draft, actor, repo.now()).await {
                txn.rollback().await?;
                return Ok::<_, Error>(Some((offset, error)));
            }
        }
        txn.rollback().await?;
        Ok(None)
    };
    match probe.await {
        Ok(Some((offset, error))) => refused(first + offset, committed, error),
        // Not reproducible row by row (e.g. a concurrent writer): report the batch's first row.
        Ok(None) | Err(_) => refused(first, committed, batch_error),
    }
}
