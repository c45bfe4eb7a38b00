//! Seeding by SQL-side row generation: `generate_series` on PostgreSQL, a recursive CTE on
//! SQLite. A million users are one `INSERT … SELECT` per chunk instead of two thousand bound
//! multi-row inserts, so the scale bench can seed them in seconds. The rows are the same as
//! [`Fixture::seed`](crate::Fixture::seed)'s: same usernames, emails, tenant roles and two plant
//! roles each.

use sea_orm::{ConnectionTrait, DatabaseBackend, IdenStatic, Statement, TransactionTrait, Value};
use tenantry_service::entity::{SecretHash, users};
use tenantry_service::{PlantId, SeaOrmUserRepository, TenantId};

/// Users generated per statement (and transaction): large, so per-statement costs vanish, yet
/// each transaction's write set stays modest.
const CHUNK: usize = 100_000;

/// The username of user `i` in SQL, the same as [`crate::username`]: `user` and seven digits.
fn username_sql(backend: DatabaseBackend) -> &'static str {
    match backend {
        DatabaseBackend::Postgres => "'user' || lpad(i::text, 7, '0')",
        _ => "'user' || printf('%07d', i)",
    }
}

/// The confusable skeleton of a username `{name}` in SQL, the same as
/// [`tenantry_service::normalize::username_skeleton`] for `user` and seven digits: of those
/// characters only `0` and `1` have other prototypes (`o` and `l`; see the test below).
fn skeleton_sql(name: &str) -> String {
    format!("replace(replace({name}, '0', 'o'), '1', 'l')")
}

/// The numbers `$4..=$5` as rows of one column `i`.
fn series(backend: DatabaseBackend) -> &'static str {
    match backend {
        DatabaseBackend::Postgres => "generate_series($4::bigint, $5::bigint) AS g(i)",
        _ => "seq",
    }
}

/// Inserts users `0..count` (and their roles) into `tenant`; `None` on a backend without
/// row generation here (MySQL/MariaDB), where the caller falls back to bound inserts.
///
/// # Panics
/// When a statement fails: a bench cannot run without its data.
pub(crate) async fn insert_users(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    plants: &[PlantId],
    count: usize,
    hash: &SecretHash,
) -> Option<()> {
    let db = repo.connection();
    let backend = db.get_database_backend();
    let (pid, stamp, cte) = match backend {
        DatabaseBackend::Postgres => ("gen_random_uuid()", "md5(i::text)", ""),
        DatabaseBackend::Sqlite => (
            // sqlx stores a UUID as a 16-byte blob on SQLite.
            "randomblob(16)",
            "lower(hex(randomblob(16)))",
            "WITH RECURSIVE seq(i) AS (SELECT $4 UNION ALL SELECT i + 1 FROM seq WHERE i < $5) ",
        ),
        _ => return None,
    };
    let name = username_sql(backend);
    // The counters every new user starts at zero, named where the entity says so.
    let counters: Vec<&str> = users::ZEROED_COUNTERS.iter().map(|c| c.as_str()).collect();
    let zeros = vec!["0"; counters.len()].join(", ");
    let users_sql = format!(
        "INSERT INTO tenantry_users (pid, tenant_id, username, username_key, username_skeleton, email, \
         email_key, display_name, display_name_key, password_hash, status, security_stamp, \
         {counters}, created_at, updated_at) \
         {cte}SELECT {pid}, $1, {name}, {name}, {}, {name} || '@example.com', \
         {name} || '@example.com', 'User ' || i, 'user ' || i, $2, 'active', \
         {stamp}, {zeros}, $3, $3 FROM {}",
        skeleton_sql(name),
        series(backend),
        counters = counters.join(", "),
    );
    // The seeded index `n` of a user, read back from its username.
    let number = "CAST(substr(username, 5) AS INTEGER)";
    let plant_of = |shift: usize| {
        let arms: String = plants
            .iter()
            .enumerate()
            .map(|(k, p)| format!(" WHEN {k} THEN {}", p.0))
            .collect();
        format!("CASE ({number} + {shift}) % {} {arms} END", plants.len())
    };
    let role_sql = |plant: String, role: &str| {
        format!(
            "INSERT INTO tenantry_user_plant_roles (tenant_id, user_id, plant_id, role, created_at, \
             updated_at) SELECT $1, id, {plant}, {role}, $2, $2 FROM tenantry_users \
             WHERE tenant_id = $1 AND username_key BETWEEN $3 AND $4"
        )
    };
    let roles = [
        role_sql(
            plant_of(0),
            &format!(
                "CASE {number} % 4 WHEN 0 THEN 'operator' WHEN 1 THEN 'supervisor' \
                 WHEN 2 THEN 'engineer' ELSE 'admin' END"
            ),
        ),
        role_sql(plant_of(7), "'operator'"),
        // Every tenth user is an operator tenant-wide.
        format!(
            "INSERT INTO tenantry_user_tenant_roles (tenant_id, user_id, role, created_at) \
             SELECT $1, id, 'operator', $2 FROM tenantry_users \
             WHERE tenant_id = $1 AND username_key BETWEEN $3 AND $4 AND {number} % 10 = 0"
        ),
    ];
    let placeholders = |sql: &str| match backend {
        // `?NNN` is SQLite's numbered placeholder.
        DatabaseBackend::Sqlite => sql.replace('$', "?"),
        _ => sql.to_owned(),
    };
    let now = chrono::Utc::now();
    for start in (0..count).step_by(CHUNK) {
        let end = usize::min(start + CHUNK, count) - 1;
        let txn = db.begin().await.expect("begin");
        let values: Vec<Value> = vec![
            tenant.0.into(),
            hash.expose().to_owned().into(),
            now.into(),
            i64::try_from(start).expect("start").into(),
            i64::try_from(end).expect("end").into(),
        ];
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            placeholders(&users_sql),
            values,
        ))
        .await
        .expect("generate users");
        for sql in &roles {
            let values: Vec<Value> = vec![
                tenant.0.into(),
                now.into(),
                crate::username(start).into(),
                crate::username(end).into(),
            ];
            txn.execute_raw(Statement::from_sql_and_values(
                backend,
                placeholders(sql),
                values,
            ))
            .await
            .expect("generate roles");
        }
        txn.commit().await.expect("commit");
    }
    // Fresh statistics (and, on PostgreSQL, a visibility map for index-only scans), as a
    // long-lived database would have from autovacuum.
    let analyze = match backend {
        DatabaseBackend::Postgres => "VACUUM ANALYZE",
        _ => "ANALYZE",
    };
    db.execute_unprepared(analyze).await.expect("analyze");
    Some(())
}

#[cfg(test)]
mod tests {
    /// [`super::skeleton_sql`]'s two replacements, in Rust.
    fn skeleton_like_sql(name: &str) -> String {
        name.replace('0', "o").replace('1', "l")
    }

    #[test]
    fn the_sql_skeleton_is_the_service_skeleton_for_seeded_names() {
        for i in (0..200).chain([1_234_567, 9_876_543, 1_111_111, 1_000_000, 9_999_999]) {
            let name = crate::username(i);
            assert_eq!(
                skeleton_like_sql(&name),
                tenantry_service::normalize::username_skeleton(&name),
                "{name}"
            );
        }
    }
}
