//! Reading the one row a unique key names, without `LIMIT`.
//!
//! SeaORM's `one()` appends `LIMIT ?` with the limit as a bound parameter. SQLite (3.47 and
//! later, built with `SQLITE_ENABLE_STAT4` as `libsqlite3-sys` bundles it) lets a bound `LIMIT`
//! shape the query plan, so it marks the statement to be re-prepared whenever that parameter is
//! bound again — that is, on every execution from sqlx's statement cache. Measured with
//! callgrind on a `get_user` by id: one re-prepare per call, about 270 000 instructions, more
//! than the query itself. A query by a primary or unique key has at most one row, so it needs
//! no limit, and its cached statement is reused as is.

use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Select, Selector, SelectorTrait};

/// `unique(db)`: the row a query by a unique key finds, if any. Use it only where the filter
/// names a primary or unique key; elsewhere `one()` is right.
pub(crate) trait Unique {
    /// What one row decodes to.
    type Item;

    /// Runs the query without `LIMIT` and returns its row, if any.
    async fn unique(self, db: &impl ConnectionTrait) -> Result<Option<Self::Item>, DbErr>;
}

impl<S: SelectorTrait> Unique for Selector<S> {
    type Item = S::Item;

    async fn unique(self, db: &impl ConnectionTrait) -> Result<Option<S::Item>, DbErr> {
        Ok(self.all(db).await?.into_iter().next())
    }
}

impl<E: EntityTrait> Unique for Select<E> {
    type Item = E::Model;

    async fn unique(self, db: &impl ConnectionTrait) -> Result<Option<E::Model>, DbErr> {
        self.into_model().unique(db).await
    }
}
