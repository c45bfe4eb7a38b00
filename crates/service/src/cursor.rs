//! Keyset-paging cursors: an opaque token that says where the previous page of a user listing
//! ended.
//!
//! A [`Cursor`] holds the sort key and id of the last row served, and a fingerprint of the
//! query (tenant, order and filter) it belongs to. The next page starts right after that
//! position with an index range condition, so it costs the same at row 10 and at row 1 000 000,
//! unlike an `OFFSET` that reads and throws away every row before it.
//!
//! The token is unpadded base64url. It is not signed: a caller who forges one can only choose
//! where to start reading *its own* query (the tenant and filter are always applied from the
//! request, never from the cursor), which it could do anyway. The fingerprint is there to
//! catch mistakes — a cursor replayed against another query or tenant — and is refused with
//! [`Error::InvalidInput`](crate::Error::InvalidInput), as is a garbled token.

use crate::user_filter::{UserFilter, UserOrder};
use crate::validation::{Rule, ValidationErrors};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use tenantry_entity::{TenantId, UserId, users};

/// The field name reported when a cursor is refused.
pub(crate) const FIELD: &str = "after";

/// Bumped whenever the token's layout changes, so old tokens are refused rather than misread.
const VERSION: u8 = 1;

/// Bytes of the query fingerprint kept in a token: enough to catch a mix-up, short enough to
/// keep tokens small.
const FINGERPRINT_LEN: usize = 8;

/// Longest token accepted; anything longer is refused before decoding. A username key is at
/// most 50 characters (200 bytes), so a real token stays far below this.
const MAX_TOKEN_CHARS: usize = 512;

/// Where a page of a user listing ended: pass it as `after` to get the next page.
///
/// Opaque: build one only from [`KeysetPage::next`](crate::KeysetPage::next) (or from its
/// string form, e.g. a query parameter). It serializes as a plain string.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cursor(String);

impl Cursor {
    /// The token as a string, for a URL or a JSON body.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<String> for Cursor {
    fn from(token: String) -> Self {
        Self(token)
    }
}

impl From<&str> for Cursor {
    fn from(token: &str) -> Self {
        Self(token.to_owned())
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A cursor holds a username key: keep it out of logs like any user value.
        f.write_str("Cursor([opaque])")
    }
}

/// The sort key of the last row served, as the listing's order reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SortKey {
    /// `username_key` (username orders).
    Username(String),
    /// `created_at` (creation orders).
    Created(DateTime<Utc>),
    /// `last_login_at`, `None` for a user that never logged in.
    LastLogin(Option<DateTime<Utc>>),
}

impl SortKey {
    /// The key `order` sorts `user` by.
    pub(crate) fn of(order: UserOrder, user: &users::Model) -> Self {
        match order {
            UserOrder::UsernameAsc | UserOrder::UsernameDesc => {
                Self::Username(user.username_key.clone())
            }
            UserOrder::CreatedAsc | UserOrder::CreatedDesc => Self::Created(user.created_at),
            UserOrder::LastLoginDesc => Self::LastLogin(user.last_login_at),
        }
    }
}

/// A decoded cursor: the last row's sort key and id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Position {
    /// The last row's sort key.
    pub(crate) key: SortKey,
    /// The last row's id: the tie-breaker.
    pub(crate) id: UserId,
}

/// What a cursor is bound to: the tenant, order and filter of its query.
fn fingerprint(tenant: TenantId, order: UserOrder, filter: &UserFilter) -> [u8; FINGERPRINT_LEN] {
    let mut hasher = Sha256::new();
    // Each part is length-delimited by its Debug form's own punctuation; the version byte
    // covers any change in how these types print.
    hasher.update([VERSION]);
    hasher.update(tenant.0.to_be_bytes());
    hasher.update(format!("{order:?}").as_bytes());
    hasher.update(b"|");
    hasher.update(
        format!(
            "{:?}|{}|{:?}|{:?}|{:?}",
            filter.status,
            filter.active_only,
            filter.plant,
            filter.role,
            filter.search.as_deref().filter(|s| !s.is_empty()),
        )
        .as_bytes(),
    );
    // Only with a search: cursors of queries without one stay valid across the upgrade that
    // added the mode, and a cursor of the old (substring) search does not carry over.
    if filter.search.as_deref().is_some_and(|s| !s.is_empty()) {
        hasher.update(format!("|{:?}", filter.search_mode).as_bytes());
    }
    let digest = hasher.finalize();
    let mut out = [0u8; FINGERPRINT_LEN];
    out.copy_from_slice(&digest[..FINGERPRINT_LEN]);
    out
}

/// Tags of the key kinds in a token.
const TAG_USERNAME: u8 = 1;
const TAG_CREATED: u8 = 2;
const TAG_LOGIN_SOME: u8 = 3;
const TAG_LOGIN_NONE: u8 = 4;

/// The cursor that points just after `position` in the query `(tenant, order, filter)`.
pub(crate) fn encode(
    tenant: TenantId,
    order: UserOrder,
    filter: &UserFilter,
    position: &Position,
) -> Cursor {
    let mut bytes = Vec::with_capacity(64);
    bytes.push(VERSION);
    bytes.extend_from_slice(&fingerprint(tenant, order, filter));
    bytes.extend_from_slice(&position.id.0.to_be_bytes());
    match &position.key {
        SortKey::Username(key) => {
            bytes.push(TAG_USERNAME);
            bytes.extend_from_slice(key.as_bytes());
        }
        SortKey::Created(at) => {
            bytes.push(TAG_CREATED);
            push_time(&mut bytes, at);
        }
        SortKey::LastLogin(Some(at)) => {
            bytes.push(TAG_LOGIN_SOME);
            push_time(&mut bytes, at);
        }
        SortKey::LastLogin(None) => bytes.push(TAG_LOGIN_NONE),
    }
    Cursor(URL_SAFE_NO_PAD.encode(bytes))
}

/// A time as seconds and nanoseconds: exact, so the next page's `>` and `=` compare against the
/// very value the database returned.
fn push_time(bytes: &mut Vec<u8>, at: &DateTime<Utc>) {
    bytes.extend_from_slice(&at.timestamp().to_be_bytes());
    bytes.extend_from_slice(&at.timestamp_subsec_nanos().to_be_bytes());
}

fn read_time(bytes: &[u8]) -> Option<DateTime<Utc>> {
    let (secs, nanos) = bytes.split_at_checked(8)?;
    let secs = i64::from_be_bytes(secs.try_into().ok()?);
    let nanos = u32::from_be_bytes(nanos.try_into().ok()?);
    DateTime::from_timestamp(secs, nanos)
}

fn garbled() -> ValidationErrors {
    ValidationErrors::single(FIELD, Rule::InvalidFormat)
}

/// Reads `cursor` for the query `(tenant, order, filter)`.
///
/// # Errors
/// `after: invalid_format` for a token that does not decode; `after: not_allowed` for a token
/// of another query (tenant, order or filter).
pub(crate) fn decode(
    cursor: &Cursor,
    tenant: TenantId,
    order: UserOrder,
    filter: &UserFilter,
) -> Result<Position, ValidationErrors> {
    if cursor.0.len() > MAX_TOKEN_CHARS {
        return Err(garbled());
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor.0.as_bytes())
        .map_err(|_| garbled())?;
    let (&version, rest) = bytes.split_first().ok_or_else(garbled)?;
    if version != VERSION {
        return Err(garbled());
    }
    let (print, rest) = rest.split_at_checked(FINGERPRINT_LEN).ok_or_else(garbled)?;
    let (id, rest) = rest.split_at_checked(8).ok_or_else(garbled)?;
    let id = UserId(i64::from_be_bytes(id.try_into().map_err(|_| garbled())?));
    let (&tag, body) = rest.split_first().ok_or_else(garbled)?;
    let key = match tag {
        TAG_USERNAME => SortKey::Username(String::from_utf8(body.to_vec()).map_err(|_| garbled())?),
        TAG_CREATED if body.len() == 12 => SortKey::Created(read_time(body).ok_or_else(garbled)?),
        TAG_LOGIN_SOME if body.len() == 12 => {
            SortKey::LastLogin(Some(read_time(body).ok_or_else(garbled)?))
        }
        TAG_LOGIN_NONE if body.is_empty() => SortKey::LastLogin(None),
        _ => return Err(garbled()),
    };
    // Checked after decoding, so a well-formed token of another query says so.
    if print != fingerprint(tenant, order, filter) {
        return Err(ValidationErrors::single(FIELD, Rule::NotAllowed));
    }
    let fits = matches!(
        (order, &key),
        (
            UserOrder::UsernameAsc | UserOrder::UsernameDesc,
            SortKey::Username(_)
        ) | (
            UserOrder::CreatedAsc | UserOrder::CreatedDesc,
            SortKey::Created(_)
        ) | (UserOrder::LastLoginDesc, SortKey::LastLogin(_))
    );
    if !fits {
        return Err(garbled());
    }
    Ok(Position { key, id })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn filter() -> UserFilter {
        UserFilter {
            search: Some("ann".into()),
            ..UserFilter::default()
        }
    }

    #[test]
    fn round_trips_every_key_kind() {
        let at = DateTime::from_timestamp(1_790_000_000, 123_456_789).unwrap();
        let cases = [
            (UserOrder::UsernameAsc, SortKey::Username("josé".into())),
            (UserOrder::CreatedDesc, SortKey::Created(at)),
            (UserOrder::LastLoginDesc, SortKey::LastLogin(Some(at))),
            (UserOrder::LastLoginDesc, SortKey::LastLogin(None)),
        ];
        for (order, key) in cases {
            let position = Position {
                key,
                id: UserId(42),
            };
            let cursor = encode(TenantId(7), order, &filter(), &position);
            assert_eq!(
                decode(&cursor, TenantId(7), order, &filter()).unwrap(),
                position
            );
        }
    }

    #[test]
    fn refuses_another_query_and_garbage() {
        let position = Position {
            key: SortKey::Username("ann".into()),
            id: UserId(1),
        };
        let order = UserOrder::UsernameAsc;
        let cursor = encode(TenantId(7), order, &filter(), &position);
        let other = decode(&cursor, TenantId(8), order, &filter()).unwrap_err();
        assert!(other.has(FIELD, Rule::NotAllowed));
        let other = decode(&cursor, TenantId(7), order, &UserFilter::default()).unwrap_err();
        assert!(other.has(FIELD, Rule::NotAllowed));
        let other = decode(&cursor, TenantId(7), UserOrder::UsernameDesc, &filter()).unwrap_err();
        assert!(other.has(FIELD, Rule::NotAllowed));
        for bad in ["", "!!!", "AAAA", &"A".repeat(5000), &cursor.0[..20]] {
            let err = decode(&Cursor::from(bad), TenantId(7), order, &filter()).unwrap_err();
            assert!(err.has(FIELD, Rule::InvalidFormat), "{bad:?}");
        }
    }
}
