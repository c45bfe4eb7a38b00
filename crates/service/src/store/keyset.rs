//! Keyset paging of users: the page after a [`Cursor`](crate::Cursor), found with an index
//! range condition instead of an offset, so a deep page costs what the first one does.

use super::SeaOrmUserRepository;
use super::listing::{RoleCheck, count, filtered, ordered, with_roles};
use crate::cursor::{self, Position, SortKey};
use crate::error::Result;
use crate::inputs::{KeysetQuery, UserOrder};
use crate::views::{KeysetPage, UserView};
use sea_orm::{ColumnTrait, Condition, QueryFilter, QuerySelect};
use tenantry_entity::{TenantId, users};

/// Rows strictly after `(value, id)` in ascending (`ascending`) or descending order of
/// `column`, ties broken by id.
///
/// Written as `column >= value AND (column > value OR id > last_id)` rather than a row
/// comparison or a plain `OR`: the first conjunct is a range the index on `column` can seek
/// to on every backend, the second only trims the few rows equal to `value`.
fn beyond<V>(column: users::Column, value: V, last: Position, ascending: bool) -> Condition
where
    V: Into<sea_orm::Value> + Clone,
{
    use users::Column::Id;
    let id = last.id;
    if ascending {
        Condition::all()
            .add(column.gte(value.clone()))
            .add(Condition::any().add(column.gt(value)).add(Id.gt(id)))
    } else {
        Condition::all()
            .add(column.lte(value.clone()))
            .add(Condition::any().add(column.lt(value)).add(Id.lt(id)))
    }
}

/// The rows that come after `last` in `order` (see `listing::ordered` for the orders).
fn after(order: UserOrder, last: Position) -> Condition {
    use users::Column::{CreatedAt, Id, LastLoginAt, UsernameKey};
    match (order, last.key.clone()) {
        (UserOrder::UsernameAsc, SortKey::Username(key)) => beyond(UsernameKey, key, last, true),
        (UserOrder::UsernameDesc, SortKey::Username(key)) => beyond(UsernameKey, key, last, false),
        (UserOrder::CreatedAsc, SortKey::Created(at)) => beyond(CreatedAt, at, last, true),
        (UserOrder::CreatedDesc, SortKey::Created(at)) => beyond(CreatedAt, at, last, false),
        // Logged-in users newest first, then the never-logged-in ones by id descending.
        (UserOrder::LastLoginDesc, SortKey::LastLogin(Some(at))) => Condition::any()
            .add(beyond(LastLoginAt, at, last, false))
            .add(LastLoginAt.is_null()),
        (UserOrder::LastLoginDesc, SortKey::LastLogin(None)) => Condition::all()
            .add(LastLoginAt.is_null())
            .add(Id.lt(last.id)),
        // `cursor::decode` only returns keys that fit their order.
        _ => Condition::all(),
    }
}

pub(crate) async fn list_users_after(
    repo: &SeaOrmUserRepository,
    tenant: TenantId,
    query: &KeysetQuery,
) -> Result<KeysetPage<UserView>> {
    query.filter.check()?;
    let position = query
        .after
        .as_ref()
        .map(|c| cursor::decode(c, tenant, query.order, &query.filter))
        .transpose()?;
    let limit = query.effective_limit();
    let check = RoleCheck::for_page(repo.db.get_database_backend());
    let mut select = ordered(
        filtered(tenant, &repo.config.roles, &query.filter, check),
        query.order,
    );
    if let Some(last) = position {
        select = select.filter(after(query.order, last));
    }
    // One row more than the page: its presence says whether there is a next page, so the
    // last page carries no cursor and nobody asks for an empty page after it.
    let mut rows = select.limit(limit + 1).all(&repo.db).await?;
    let page_len = usize::try_from(limit).unwrap_or(usize::MAX);
    let next = if rows.len() > page_len {
        rows.truncate(page_len);
        rows.last().map(|user| {
            let position = Position {
                key: SortKey::of(query.order, user),
                id: user.id,
            };
            cursor::encode(tenant, query.order, &query.filter, &position)
        })
    } else {
        None
    };
    let total = if query.with_total {
        Some(count(repo, tenant, &query.filter).await?)
    } else {
        None
    };
    let items = with_roles(&repo.db, rows).await?;
    Ok(KeysetPage { items, next, total })
}
