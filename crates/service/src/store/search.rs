//! The condition a listing's search text adds: a prefix of a key (the default), or a substring.
//!
//! Prefix: for each of the username, email and display name keys, `key >= p AND key < end`,
//! where `p` is the search text folded the way that key is and `end` is
//! [`prefix_end`]`(p)` — exactly the keys that start with `p`, one range of the key's index.
//! The ranges are exact because every backend orders the key columns by code point (migration
//! 000021). See [`SearchMode`] for why the default is a prefix.

use crate::inputs::SearchMode;
use crate::normalize::{email_key, escape_like, username_key};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{ColumnTrait, Condition};
use tenantry_entity::keys::{fold, prefix_end};
use tenantry_entity::users;

/// The users whose username, email or display name matches `search` in `mode`.
pub(crate) fn matching(search: &str, mode: SearchMode) -> Condition {
    match mode {
        SearchMode::Prefix => Condition::any()
            .add_option(starts_with(
                users::Column::UsernameKey,
                username_key(search),
            ))
            .add_option(starts_with(users::Column::EmailKey, email_key(search)))
            // Not truncated like a stored key: a text longer than any stored key matches none.
            .add_option(starts_with(users::Column::DisplayNameKey, fold(search))),
        // Keys are already NFKC + lowercase; the display name is lowercased by the database
        // (all of Unicode on PostgreSQL and MySQL, ASCII only on SQLite).
        SearchMode::Contains => Condition::any()
            .add(contains(
                Expr::col(users::Column::UsernameKey),
                &username_key(search),
            ))
            .add(contains(
                Expr::col(users::Column::EmailKey),
                &email_key(search),
            ))
            .add(contains(
                Func::lower(Expr::col(users::Column::DisplayName)),
                &search.to_lowercase(),
            ))
            // The spelling as typed, for SQLite, whose LOWER leaves non-ASCII letters.
            .add(contains(Expr::col(users::Column::DisplayName), search)),
    }
}

/// `column` starts with `prefix`, as an index range; `None` for an empty prefix (a text that
/// folds to nothing for this key, such as spaces for the email key, does not match on it).
fn starts_with(column: users::Column, prefix: String) -> Option<Condition> {
    if prefix.is_empty() {
        return None;
    }
    let end = prefix_end(&prefix);
    let mut range = Condition::all().add(column.gte(prefix));
    if let Some(end) = end {
        range = range.add(column.lt(end));
    }
    Some(range)
}

/// `column LIKE %text%`, with `text`'s own `%`, `_` and `\` matching themselves.
fn contains(column: impl Into<Expr>, text: &str) -> Expr {
    let pattern = format!("%{}%", escape_like(text));
    column.into().like(LikeExpr::new(pattern).escape('\\'))
}
