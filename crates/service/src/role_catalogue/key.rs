//! A role's stable key: the string stored in grants, so it is checked once, here.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};

use super::{CatalogueError, HostRole};
use tenantry_entity::UserRole;

/// The most characters in a [`RoleKey`].
pub const ROLE_KEY_MAX_CHARS: usize = 64;

/// A role's stable key, such as `operator` or `project_manager`: what a grant stores, so a role
/// can be renamed (its display name) without touching a grant.
///
/// 1–64 characters: an ASCII lowercase letter, then ASCII lowercase letters, digits, `_`, `.`
/// and `-`. ASCII only, so two keys that look the same are the same key (no Cyrillic `а` beside
/// a Latin `a`), and one byte per character on every backend.
///
/// ```
/// use tenantry_service::RoleKey;
///
/// assert_eq!(RoleKey::new("plant_admin")?.as_str(), "plant_admin");
/// assert!(RoleKey::new("Admin").is_err());
/// assert!(RoleKey::new("\u{430}dmin").is_err()); // Cyrillic а
/// # Ok::<(), tenantry_service::CatalogueError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct RoleKey(String);

impl RoleKey {
    /// Checks `key` and keeps it.
    ///
    /// # Errors
    ///
    /// [`CatalogueError::InvalidKey`], naming the key and the first character (or the length)
    /// that breaks the rule.
    pub fn new(key: &str) -> Result<Self, CatalogueError> {
        match problem(key) {
            None => Ok(Self(key.to_owned())),
            Some(problem) => Err(CatalogueError::InvalidKey {
                key: key.to_owned(),
                problem,
            }),
        }
    }

    /// The key as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A key read back from a grant row: the database's foreign key to `roles (key)` admits
    /// only keys the catalogue checked when it stored them.
    pub(crate) fn stored(key: String) -> Self {
        Self(key)
    }
}

/// The default catalogue's typed roles are keys of it.
impl From<UserRole> for RoleKey {
    fn from(role: UserRole) -> Self {
        Self(role.key().to_owned())
    }
}

impl PartialEq<UserRole> for RoleKey {
    fn eq(&self, role: &UserRole) -> bool {
        self.0 == role.key()
    }
}

/// Why a string is not a [`RoleKey`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyProblem {
    /// The string is empty.
    Empty,
    /// The string has more than [`ROLE_KEY_MAX_CHARS`] characters.
    TooLong {
        /// How many characters it has.
        chars: usize,
    },
    /// The first character is not an ASCII lowercase letter.
    BadFirst(char),
    /// A later character is not one of `a-z`, `0-9`, `_`, `.`, `-`.
    BadChar {
        /// The character.
        ch: char,
        /// Its position, counted in characters from 0.
        at: usize,
    },
}

impl fmt::Display for KeyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Empty => f.write_str("it is empty"),
            Self::TooLong { chars } => write!(
                f,
                "it has {chars} characters, more than {ROLE_KEY_MAX_CHARS}"
            ),
            Self::BadFirst(ch) => write!(
                f,
                "it starts with {}, not an ASCII lowercase letter",
                CharName(ch)
            ),
            Self::BadChar { ch, at } => write!(
                f,
                "character {at} is {}, not one of a-z, 0-9, '_', '.', '-'",
                CharName(ch)
            ),
        }
    }
}

/// A character shown so that it cannot hide: escaped, with its code point (`'а' (U+0430)`).
struct CharName(char);

impl fmt::Display for CharName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "'{}' (U+{:04X})",
            self.0.escape_debug(),
            u32::from(self.0)
        )
    }
}

/// The first rule `key` breaks, if any: the length first, so a long key is named as long
/// rather than by its 70th character.
fn problem(key: &str) -> Option<KeyProblem> {
    let count = key.chars().count();
    if count == 0 {
        return Some(KeyProblem::Empty);
    }
    if count > ROLE_KEY_MAX_CHARS {
        return Some(KeyProblem::TooLong { chars: count });
    }
    let mut chars = key.chars().enumerate();
    if let Some((_, first)) = chars.next()
        && !first.is_ascii_lowercase()
    {
        return Some(KeyProblem::BadFirst(first));
    }
    chars
        .find(|(_, ch)| !matches!(ch, 'a'..='z' | '0'..='9' | '_' | '.' | '-'))
        .map(|(at, ch)| KeyProblem::BadChar { ch, at })
}

impl fmt::Display for RoleKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Deref for RoleKey {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for RoleKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

// Hash, Eq and Ord are the inner String's, so a `BTreeSet<RoleKey>` can be searched by `&str`.
impl Borrow<str> for RoleKey {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl FromStr for RoleKey {
    type Err = CatalogueError;

    fn from_str(key: &str) -> Result<Self, Self::Err> {
        Self::new(key)
    }
}

impl TryFrom<&str> for RoleKey {
    type Error = CatalogueError;

    fn try_from(key: &str) -> Result<Self, Self::Error> {
        Self::new(key)
    }
}

impl From<RoleKey> for String {
    fn from(key: RoleKey) -> Self {
        key.0
    }
}

impl PartialEq<str> for RoleKey {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for RoleKey {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// Deserializing checks the key like [`RoleKey::new`].
impl<'de> Deserialize<'de> for RoleKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let key = String::deserialize(deserializer)?;
        match problem(&key) {
            None => Ok(Self(key)),
            Some(problem) => Err(serde::de::Error::custom(CatalogueError::InvalidKey {
                key,
                problem,
            })),
        }
    }
}
