//! Security stamps: the random value a session carries, rotated to end every session.

use crate::error::Result;
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter};
use tenantry_entity::{TenantId, UserId, users};
use uuid::Uuid;

/// A fresh random security stamp.
pub(crate) fn new_security_stamp() -> String {
    Uuid::new_v4().simple().to_string()
}

/// Marks `user` changed at `now` with a fresh stamp: every session made before ends.
pub(crate) fn rotate(user: &mut users::ActiveModel, now: DateTime<Utc>) {
    user.security_stamp = Set(new_security_stamp());
    user.updated_at = Set(now);
}

/// Gives users of the tenant — `only` these, or all of them — a new security stamp, in one
/// statement: every session they hold ends (a tenant's suspension, a plant's deletion).
///
/// Each user's stamp is a fresh random prefix shared by this statement and the user's id, so
/// stamps stay distinct per user and never repeat an earlier one. `updated_at` is left alone:
/// the users' own records did not change.
pub(crate) async fn rotate_many(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    only: Option<&[UserId]>,
) -> Result<()> {
    if only.is_some_and(<[UserId]>::is_empty) {
        return Ok(());
    }
    let prefix = format!("{}.", new_security_stamp());
    let stamp = match db.get_database_backend() {
        DatabaseBackend::MySql => Expr::cust_with_values("CONCAT(?, id)", [prefix]),
        // sea-query wants PostgreSQL's own placeholder syntax in custom SQL.
        DatabaseBackend::Postgres => Expr::cust_with_values("$1 || CAST(id AS TEXT)", [prefix]),
        _ => Expr::cust_with_values("? || CAST(id AS TEXT)", [prefix]),
    };
    let mut update = users::Entity::update_many()
        .col_expr(users::Column::SecurityStamp, stamp)
        .filter(users::Column::TenantId.eq(tenant));
    if let Some(only) = only {
        update = update.filter(users::Column::Id.is_in(only.iter().copied()));
    }
    update.exec(db).await?;
    Ok(())
}
