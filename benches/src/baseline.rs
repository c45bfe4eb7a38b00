//! The read paths written by hand with sqlx: the SQL a careful engineer would write, run on
//! the very pool tenantry uses (so the pool settings are the same), decoding the same columns
//! into plain structs.

use chrono::{DateTime, Utc};
use sea_orm::sqlx::{self, AssertSqlSafe, Row};
use sea_orm::{DatabaseBackend, DatabaseConnection};
use std::sync::Arc;

/// A user as the baseline reads it: the columns of tenantry's `UserView`.
#[derive(Debug)]
pub struct BaselineUser {
    /// Id.
    pub id: i64,
    /// Public id.
    pub pid: uuid::Uuid,
    /// Tenant.
    pub tenant_id: i64,
    /// Username as entered.
    pub username: String,
    /// Email.
    pub email: Option<String>,
    /// When the email was verified.
    pub email_verified_at: Option<DateTime<Utc>>,
    /// Display name.
    pub display_name: String,
    /// Status.
    pub status: String,
    /// Tenant-wide roles.
    pub tenant_roles: Vec<String>,
    /// Whether a password hash is stored.
    pub has_password: bool,
    /// Last login.
    pub last_login_at: Option<DateTime<Utc>>,
    /// Logins.
    pub login_count: i64,
    /// Last activity.
    pub last_active_at: Option<DateTime<Utc>>,
    /// Expiry.
    pub expires_at: Option<DateTime<Utc>>,
    /// Lock.
    pub locked_until: Option<DateTime<Utc>>,
    /// Host JSON.
    pub metadata: Option<sqlx::types::JsonValue>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Updated.
    pub updated_at: DateTime<Utc>,
    /// Plant roles, by plant code.
    pub plant_roles: Vec<BaselineRole>,
}

/// A plant role as the baseline reads it.
#[derive(Debug)]
pub struct BaselineRole {
    /// Plant id.
    pub plant_id: i64,
    /// Plant public id.
    pub plant_pid: uuid::Uuid,
    /// Plant code.
    pub plant_code: String,
    /// Plant name.
    pub plant_name: String,
    /// Role.
    pub role: String,
}

const USER_COLUMNS: &str = "u.id, u.pid, u.tenant_id, u.username, u.email, u.email_verified_at, \
     u.display_name, u.status, u.password_hash IS NOT NULL AS has_password, \
     u.last_login_at, u.login_count, u.last_active_at, u.expires_at, u.locked_until, \
     u.metadata, u.created_at, u.updated_at";

/// The baseline's statements, in the backend's placeholder style.
struct Queries {
    by_id: Arc<str>,
    by_username: Arc<str>,
    page: Arc<str>,
    count: Arc<str>,
    for_plant: Arc<str>,
    roles_of_one: Arc<str>,
}

impl Queries {
    fn new(backend: DatabaseBackend) -> Self {
        let sql = |s: String| -> Arc<str> { placeholders(backend, s).into() };
        let live = "FROM tenantry_users u WHERE u.tenant_id = ? AND u.deleted_at IS NULL";
        Self {
            by_id: sql(format!("SELECT {USER_COLUMNS} {live} AND u.id = ?")),
            by_username: sql(format!(
                "SELECT {USER_COLUMNS} {live} AND u.username_key = ?"
            )),
            // The total as tenantry reads it since issue 17: a subquery run once, not a
            // window function (which makes SQLite copy every row to count them).
            page: sql(format!(
                "SELECT {USER_COLUMNS}, (SELECT COUNT(*) FROM tenantry_users c WHERE c.tenant_id = ? \
                 AND c.deleted_at IS NULL) AS total {live} \
                 ORDER BY u.username_key, u.id LIMIT ? OFFSET ?"
            )),
            count: sql(format!("SELECT COUNT(*) {live}")),
            for_plant: sql(format!(
                "SELECT {USER_COLUMNS} {live} AND (EXISTS \
                 (SELECT 1 FROM tenantry_user_tenant_roles t WHERE t.user_id = u.id) OR EXISTS \
                 (SELECT 1 FROM tenantry_user_plant_roles r WHERE r.user_id = u.id AND r.plant_id = ?)) \
                 ORDER BY u.username_key, u.id"
            )),
            roles_of_one: sql(roles_sql(1)),
        }
    }
}

/// The grants of `n` users, tenant-wide and at plants (joined to their plants), by plant code:
/// binds the `n` ids twice.
fn roles_sql(n: usize) -> String {
    let marks = vec!["?"; n].join(", ");
    format!(
        "SELECT t.user_id, NULL, NULL, NULL, NULL, NULL, t.role FROM tenantry_user_tenant_roles t \
         WHERE t.user_id IN ({marks}) UNION ALL \
         SELECT r.user_id, p.id, p.pid, p.code, p.code_key, p.name, r.role FROM tenantry_user_plant_roles r \
         JOIN tenantry_plants p ON p.id = r.plant_id WHERE r.user_id IN ({marks}) ORDER BY 5"
    )
}

/// `sql` in `backend`'s placeholder style.
fn placeholders(backend: DatabaseBackend, sql: String) -> String {
    match backend {
        DatabaseBackend::Postgres => numbered(&sql),
        _ => sql,
    }
}

/// `?` placeholders as PostgreSQL's `$1, $2, …`.
fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(c);
        }
    }
    out
}

/// The hand-written read paths on tenantry's own pool.
pub struct Baseline {
    pool: Pool,
    queries: Queries,
    backend: DatabaseBackend,
}

enum Pool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
    MySql(sqlx::MySqlPool),
}

macro_rules! dispatch {
    ($self:ident, $module:ident :: $f:ident ( $($arg:expr),* )) => {
        match &$self.pool {
            Pool::Sqlite(pool) => sqlite::$f(pool, &$self.queries, $self.backend, $($arg),*).await,
            Pool::Postgres(pool) => postgres::$f(pool, &$self.queries, $self.backend, $($arg),*).await,
            Pool::MySql(pool) => mysql::$f(pool, &$self.queries, $self.backend, $($arg),*).await,
        }
    };
}

impl Baseline {
    /// The baseline on `db`'s pool.
    pub fn new(db: &DatabaseConnection) -> Self {
        let backend = db.get_database_backend();
        let pool = match backend {
            DatabaseBackend::Sqlite => Pool::Sqlite(db.get_sqlite_connection_pool().clone()),
            DatabaseBackend::Postgres => Pool::Postgres(db.get_postgres_connection_pool().clone()),
            _ => Pool::MySql(db.get_mysql_connection_pool().clone()),
        };
        Self {
            pool,
            queries: Queries::new(backend),
            backend,
        }
    }

    /// A live user of the tenant by id, with its plant roles.
    ///
    /// # Errors
    ///
    /// The database's.
    pub async fn get_by_id(&self, tenant: i64, id: i64) -> sqlx::Result<Option<BaselineUser>> {
        dispatch!(self, m::get_by_id(tenant, id))
    }

    /// A live user of the tenant by username key, with its plant roles.
    ///
    /// # Errors
    ///
    /// The database's.
    pub async fn get_by_username(
        &self,
        tenant: i64,
        key: &str,
    ) -> sqlx::Result<Option<BaselineUser>> {
        dispatch!(self, m::get_by_username(tenant, key))
    }

    /// A page of the tenant's live users by username, with roles, and the total.
    ///
    /// # Errors
    ///
    /// The database's.
    pub async fn list(
        &self,
        tenant: i64,
        offset: i64,
        limit: i64,
    ) -> sqlx::Result<(Vec<BaselineUser>, i64)> {
        dispatch!(self, m::list(tenant, offset, limit))
    }

    /// The number of the tenant's live users.
    ///
    /// # Errors
    ///
    /// The database's.
    pub async fn count(&self, tenant: i64) -> sqlx::Result<i64> {
        dispatch!(self, m::count(tenant))
    }

    /// The live users with a role at `plant` (or a tenant role), by username, with roles.
    ///
    /// # Errors
    ///
    /// The database's.
    pub async fn users_for_plant(
        &self,
        tenant: i64,
        plant: i64,
    ) -> sqlx::Result<Vec<BaselineUser>> {
        dispatch!(self, m::users_for_plant(tenant, plant))
    }
}

macro_rules! backend {
    ($module:ident, $db:ty) => {
        mod $module {
            use super::*;
            use std::collections::HashMap;
            type DbRow = <$db as sqlx::Database>::Row;
            type DbPool = sqlx::Pool<$db>;

            fn user(row: &DbRow) -> sqlx::Result<BaselineUser> {
                Ok(BaselineUser {
                    id: row.try_get(0)?,
                    pid: row.try_get(1)?,
                    tenant_id: row.try_get(2)?,
                    username: row.try_get(3)?,
                    email: row.try_get(4)?,
                    email_verified_at: row.try_get(5)?,
                    display_name: row.try_get(6)?,
                    status: row.try_get(7)?,
                    tenant_roles: Vec::new(),
                    has_password: row.try_get(8)?,
                    last_login_at: row.try_get(9)?,
                    login_count: row.try_get(10)?,
                    last_active_at: row.try_get(11)?,
                    expires_at: row.try_get(12)?,
                    locked_until: row.try_get(13)?,
                    metadata: row.try_get(14)?,
                    created_at: row.try_get(15)?,
                    updated_at: row.try_get(16)?,
                    plant_roles: Vec::new(),
                })
            }

            async fn with_roles(
                pool: &DbPool,
                queries: &Queries,
                backend: DatabaseBackend,
                mut users: Vec<BaselineUser>,
            ) -> sqlx::Result<Vec<BaselineUser>> {
                if users.is_empty() {
                    return Ok(users);
                }
                let sql: Arc<str> = if users.len() == 1 {
                    Arc::clone(&queries.roles_of_one)
                } else {
                    placeholders(backend, roles_sql(users.len())).into()
                };
                let mut query = sqlx::query(AssertSqlSafe(sql));
                for u in users.iter().chain(&users) {
                    query = query.bind(u.id);
                }
                let rows = query.fetch_all(pool).await?;
                let mut by_user: HashMap<i64, (Vec<String>, Vec<BaselineRole>)> = HashMap::new();
                for row in &rows {
                    let held = by_user.entry(row.try_get(0)?).or_default();
                    let role: String = row.try_get(6)?;
                    match row.try_get::<Option<i64>, _>(1)? {
                        None => held.0.push(role),
                        Some(plant_id) => held.1.push(BaselineRole {
                            plant_id,
                            plant_pid: row.try_get(2)?,
                            plant_code: row.try_get(3)?,
                            plant_name: row.try_get(5)?,
                            role,
                        }),
                    }
                }
                for u in &mut users {
                    let (tenant_roles, plant_roles) = by_user.remove(&u.id).unwrap_or_default();
                    u.tenant_roles = tenant_roles;
                    u.plant_roles = plant_roles;
                }
                Ok(users)
            }

            async fn one(
                pool: &DbPool,
                queries: &Queries,
                backend: DatabaseBackend,
                row: Option<DbRow>,
            ) -> sqlx::Result<Option<BaselineUser>> {
                let Some(row) = row else { return Ok(None) };
                let users = with_roles(pool, queries, backend, vec![user(&row)?]).await?;
                Ok(users.into_iter().next())
            }

            pub(super) async fn get_by_id(
                pool: &DbPool,
                queries: &Queries,
                backend: DatabaseBackend,
                tenant: i64,
                id: i64,
            ) -> sqlx::Result<Option<BaselineUser>> {
                let row = sqlx::query(AssertSqlSafe(Arc::clone(&queries.by_id)))
                    .bind(tenant)
                    .bind(id)
                    .fetch_optional(pool)
                    .await?;
                one(pool, queries, backend, row).await
            }

            pub(super) async fn get_by_username(
                pool: &DbPool,
                queries: &Queries,
                backend: DatabaseBackend,
                tenant: i64,
                key: &str,
            ) -> sqlx::Result<Option<BaselineUser>> {
                let row = sqlx::query(AssertSqlSafe(Arc::clone(&queries.by_username)))
                    .bind(tenant)
                    .bind(key)
                    .fetch_optional(pool)
                    .await?;
                one(pool, queries, backend, row).await
            }

            pub(super) async fn list(
                pool: &DbPool,
                queries: &Queries,
                backend: DatabaseBackend,
                tenant: i64,
                offset: i64,
                limit: i64,
            ) -> sqlx::Result<(Vec<BaselineUser>, i64)> {
                let rows = sqlx::query(AssertSqlSafe(Arc::clone(&queries.page)))
                    .bind(tenant)
                    .bind(tenant)
                    .bind(limit)
                    .bind(offset)
                    .fetch_all(pool)
                    .await?;
                let total = match rows.first() {
                    Some(row) => row.try_get::<i64, _>("total")?,
                    None => 0,
                };
                let users = rows.iter().map(user).collect::<sqlx::Result<Vec<_>>>()?;
                Ok((with_roles(pool, queries, backend, users).await?, total))
            }

            pub(super) async fn count(
                pool: &DbPool,
                queries: &Queries,
                _backend: DatabaseBackend,
                tenant: i64,
            ) -> sqlx::Result<i64> {
                sqlx::query_scalar(AssertSqlSafe(Arc::clone(&queries.count)))
                    .bind(tenant)
                    .fetch_one(pool)
                    .await
            }

            pub(super) async fn users_for_plant(
                pool: &DbPool,
                queries: &Queries,
                backend: DatabaseBackend,
                tenant: i64,
                plant: i64,
            ) -> sqlx::Result<Vec<BaselineUser>> {
                let rows = sqlx::query(AssertSqlSafe(Arc::clone(&queries.for_plant)))
                    .bind(tenant)
                    .bind(plant)
                    .fetch_all(pool)
                    .await?;
                let users = rows.iter().map(user).collect::<sqlx::Result<Vec<_>>>()?;
                with_roles(pool, queries, backend, users).await
            }
        }
    };
}

backend!(sqlite, sqlx::Sqlite);
backend!(postgres, sqlx::Postgres);
backend!(mysql, sqlx::MySql);
