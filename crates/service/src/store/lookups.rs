//! The reads on every request path — a user by id, pid, username or email, and that user's
//! plant roles — as SQL built once per repository and run with fresh values.
//!
//! Building a SeaORM select for the 24 user columns and rendering it with sea-query cost about
//! as much CPU per call as the database's own work on SQLite (callgrind: ~70 000 instructions
//! of ~250 000 per `get_user`). The statements are the ones the query builder renders for the
//! same queries, so each backend still gets its own dialect; only the rendering is cached.

use super::reads::live;
use super::reads::{GrantRow, by_user, grants_query};
use crate::error::Result;
use crate::views::UserGrants;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, FromQueryResult, QueryFilter, QuerySelect, QueryTrait,
    Statement, Value,
};
use tenantry_entity::{TenantId, UserId, user_identities, users};
use uuid::Uuid;

/// Which unique key names the user. Username and email keys are already normalized.
#[derive(Clone, Debug)]
pub(crate) enum UserKey {
    Id(UserId),
    Pid(Uuid),
    UsernameKey(String),
    EmailKey(String),
}

impl UserKey {
    /// The key of a username, or `None` for a text no stored username can match (control
    /// characters, over-long): such a lookup is a miss without a query (a NUL is an error on
    /// PostgreSQL).
    pub(crate) fn username(username: &str) -> Option<Self> {
        crate::validation::could_be_stored(username)
            .then(|| Self::UsernameKey(crate::normalize::username_key(username)))
    }

    /// The key of an email address, or `None` as for [`UserKey::username`].
    pub(crate) fn email(email: &str) -> Option<Self> {
        crate::validation::could_be_stored(email)
            .then(|| Self::EmailKey(crate::normalize::email_key(email)))
    }

    fn column(&self) -> users::Column {
        match self {
            Self::Id(_) => users::Column::Id,
            Self::Pid(_) => users::Column::Pid,
            Self::UsernameKey(_) => users::Column::UsernameKey,
            Self::EmailKey(_) => users::Column::EmailKey,
        }
    }

    fn into_value(self) -> Value {
        match self {
            Self::Id(id) => id.into(),
            Self::Pid(pid) => pid.into(),
            Self::UsernameKey(key) | Self::EmailKey(key) => key.into(),
        }
    }
}

/// The rendered SQL of the hot reads, for one backend.
#[derive(Debug)]
pub(crate) struct Lookups {
    backend: DbBackend,
    user_by_id: String,
    user_by_pid: String,
    user_by_username_key: String,
    user_by_email_key: String,
    roles_of_one: String,
}

impl Lookups {
    pub(crate) fn new(backend: DbBackend) -> Self {
        let user_by = |key: UserKey| user_statement(backend, TenantId(0), key).sql;
        Self {
            backend,
            user_by_id: user_by(UserKey::Id(UserId(0))),
            user_by_pid: user_by(UserKey::Pid(Uuid::nil())),
            user_by_username_key: user_by(UserKey::UsernameKey(String::new())),
            user_by_email_key: user_by(UserKey::EmailKey(String::new())),
            roles_of_one: roles_statement(backend, UserId(0)).sql,
        }
    }

    /// The live user of `tenant` that `key` names.
    pub(crate) async fn user(
        &self,
        db: &impl ConnectionTrait,
        tenant: TenantId,
        key: UserKey,
    ) -> Result<Option<users::Model>> {
        let sql = match key {
            UserKey::Id(_) => &self.user_by_id,
            UserKey::Pid(_) => &self.user_by_pid,
            UserKey::UsernameKey(_) => &self.user_by_username_key,
            UserKey::EmailKey(_) => &self.user_by_email_key,
        };
        // The same two values, in the same order, as `user_statement` binds.
        let values = [tenant.into(), key.into_value()];
        let statement = Statement::from_sql_and_values(self.backend, sql.as_str(), values);
        // `find_by_statement`, not `Entity::find().from_raw_sql`: `find()` would build (and
        // drop) a select of every column first.
        Ok(users::Model::find_by_statement(statement)
            .all(db)
            .await?
            .into_iter()
            .next())
    }

    /// The live user of `tenant` that `key` names and the subject of its (first) link at
    /// `provider`, in one statement: the link is a subquery of the user's row. SCIM reads a
    /// user with its `externalId` this way. Rendered per call (it binds the provider too).
    pub(crate) async fn user_and_link(
        &self,
        db: &impl ConnectionTrait,
        tenant: TenantId,
        key: UserKey,
        provider: &str,
    ) -> Result<Option<(users::Model, Option<String>)>> {
        let link: SelectStatement = Query::select()
            .column((user_identities::Entity, user_identities::Column::Subject))
            .from(user_identities::Entity)
            .and_where(
                Expr::col((user_identities::Entity, user_identities::Column::UserId))
                    .equals((users::Entity, users::Column::Id)),
            )
            .and_where(
                Expr::col((user_identities::Entity, user_identities::Column::Provider))
                    .eq(provider),
            )
            .order_by(
                (user_identities::Entity, user_identities::Column::Id),
                Order::Asc,
            )
            .limit(1)
            .to_owned();
        let column = key.column();
        let statement = live(tenant)
            .filter(column.eq(key.into_value()))
            .expr_as(Expr::SubQuery(None, Box::new(link.into())), LINK_ALIAS)
            .build(self.backend);
        let Some(row) = db.query_one_raw(statement).await? else {
            return Ok(None);
        };
        let user = users::Model::from_query_result(&row, "")?;
        let link = row.try_get::<Option<String>>("", LINK_ALIAS)?;
        Ok(Some((user, link)))
    }

    /// The grants of one user, tenant-wide and at plants: one statement.
    pub(crate) async fn roles_of(
        &self,
        db: &impl ConnectionTrait,
        user: UserId,
    ) -> Result<UserGrants> {
        // `grants_query` binds the user once per half of its `UNION ALL`.
        let values = [user.into(), user.into()];
        let statement =
            Statement::from_sql_and_values(self.backend, self.roles_of_one.as_str(), values);
        let rows = GrantRow::find_by_statement(statement).all(db).await?;
        Ok(by_user(rows).remove(&user).unwrap_or_default())
    }
}

/// The column [`Lookups::user_and_link`] reads the link's subject from.
const LINK_ALIAS: &str = "tenantry_link_subject";

/// A live user of `tenant` by `key`, without `LIMIT` (see [`super::unique`]): binds the tenant, then
/// the key.
fn user_statement(backend: DbBackend, tenant: TenantId, key: UserKey) -> Statement {
    let column = key.column();
    live(tenant)
        .filter(column.eq(key.into_value()))
        .build(backend)
}

fn roles_statement(backend: DbBackend, user: UserId) -> Statement {
    backend.build(&grants_query(&[user]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cached SQL is what the builder renders for any values, and it binds exactly the
    /// tenant and then the key: `Lookups::user` relies on that order.
    #[test]
    fn cached_statements_bind_the_tenant_then_the_key() {
        for backend in [DbBackend::Sqlite, DbBackend::Postgres, DbBackend::MySql] {
            let lookups = Lookups::new(backend);
            let cases = [
                (UserKey::Id(UserId(42)), &lookups.user_by_id),
                (UserKey::Pid(Uuid::from_u128(7)), &lookups.user_by_pid),
                (
                    UserKey::UsernameKey("alice".into()),
                    &lookups.user_by_username_key,
                ),
                (
                    UserKey::EmailKey("a@example.com".into()),
                    &lookups.user_by_email_key,
                ),
            ];
            for (key, cached) in cases {
                let built = user_statement(backend, TenantId(9), key.clone());
                assert_eq!(&built.sql, cached, "{backend:?} {key:?}");
                assert!(!built.sql.contains("LIMIT"), "{}", built.sql);
                let values = built.values.expect("values").0;
                assert_eq!(values, vec![TenantId(9).into(), key.into_value()]);
            }
            let roles = roles_statement(backend, UserId(5));
            assert_eq!(roles.sql, lookups.roles_of_one);
            assert_eq!(
                roles.values.expect("values").0,
                vec![UserId(5).into(), UserId(5).into()]
            );
        }
    }
}
