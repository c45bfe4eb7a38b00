//! What can be wrong with a catalogue, or with a grant checked against one.

use std::fmt;

use super::{GrantScope, KeyProblem, ROLE_CATALOGUE_MAX_ROLES, RoleKey, RoleScope};
use crate::validation::Rule;

/// A catalogue that cannot be built, or a grant the catalogue refuses.
///
/// Its `Display` names the roles concerned, so a host that fails at startup says what to fix. A
/// string that is not a valid key is shown escaped and cut to 64 characters (`"\u{0}x"`), so
/// the message cannot hide or forge text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogueError {
    /// A string is not a valid [`RoleKey`].
    #[error("invalid role key {}: {problem}", Shown(.key))]
    InvalidKey {
        /// The string, as given.
        key: String,
        /// The rule it breaks.
        problem: KeyProblem,
    },
    /// A role's display name breaks the rule of names (1–100 characters of printable text).
    #[error("role \"{role}\": name: {rule}")]
    InvalidName {
        /// The role.
        role: RoleKey,
        /// The rule its name breaks.
        rule: Rule,
    },
    /// Two roles have the same key.
    #[error("role \"{key}\" is declared more than once")]
    DuplicateKey {
        /// The key.
        key: RoleKey,
    },
    /// A role implies a key that no role of the catalogue has.
    #[error("role \"{role}\" implies \"{implied}\", which is not in the catalogue")]
    UnknownImplied {
        /// The implying role.
        role: RoleKey,
        /// The missing key.
        implied: RoleKey,
    },
    /// A role's delegation names a key that no role of the catalogue has.
    #[error(
        "role \"{role}\" names \"{delegated}\" in the roles it may grant, which is not in the catalogue"
    )]
    UnknownDelegated {
        /// The delegating role.
        role: RoleKey,
        /// The missing key.
        delegated: RoleKey,
    },
    /// No role of the catalogue has this key (a grant of it, or a builder call naming it).
    #[error("no role {} in the catalogue", Shown(.key))]
    UnknownRole {
        /// The key, as given.
        key: String,
    },
    /// Roles imply each other in a cycle, so none of them is above the others.
    #[error("roles imply each other in a cycle: {}", Path(.roles))]
    Cycle {
        /// The roles on the cycle, in implication order, the first repeated at the end
        /// (`[a, b, a]`: `a` implies `b`, which implies `a`; `[a, a]`: `a` implies itself).
        roles: Vec<RoleKey>,
    },
    /// The catalogue declares no role.
    #[error("the role catalogue declares no role")]
    Empty,
    /// The catalogue declares more than [`ROLE_CATALOGUE_MAX_ROLES`] roles.
    #[error("the role catalogue declares {count} roles, more than {ROLE_CATALOGUE_MAX_ROLES}")]
    TooManyRoles {
        /// How many it declares.
        count: usize,
    },
    /// A default role, given tenant-wide to every new user, may not be granted tenant-wide.
    #[error(
        "role \"{role}\" is a default role, given tenant-wide to every new user, but may only be granted at a plant"
    )]
    DefaultNotTenantWide {
        /// The role.
        role: RoleKey,
    },
    /// An exclusive catalogue (one role per user per scope) declares more than one default
    /// role, so a new user would hold several tenant-wide roles.
    #[error(
        "the catalogue allows one role per user per scope, but declares several default roles: {}",
        List(.roles)
    )]
    SeveralExclusiveDefaults {
        /// The default roles.
        roles: Vec<RoleKey>,
    },
    /// A grant at a scope its role may not be granted at (a plant-only role granted
    /// tenant-wide).
    #[error("role \"{role}\" may be granted {allowed} only, not {requested}")]
    ScopeNotAllowed {
        /// The role.
        role: RoleKey,
        /// Where it may be granted.
        allowed: RoleScope,
        /// Where the grant was asked for.
        requested: GrantScope,
    },
}

/// The most characters of an unchecked string a message shows.
const SHOWN_MAX_CHARS: usize = 64;

/// An unchecked string, quoted, escaped and cut short.
struct Shown<'a>(&'a str);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for ch in self.0.chars().take(SHOWN_MAX_CHARS) {
            // Non-ASCII is escaped too, so a Cyrillic `а` cannot pass for a Latin `a`.
            if ch.is_ascii_graphic() || ch == ' ' {
                write!(f, "{}", ch.escape_debug())?;
            } else {
                write!(f, "{}", ch.escape_unicode())?;
            }
        }
        if self.0.chars().nth(SHOWN_MAX_CHARS).is_some() {
            f.write_str("…")?;
        }
        f.write_str("\"")
    }
}

/// Roles joined by arrows: `a -> b -> a`.
struct Path<'a>(&'a [RoleKey]);

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        join(f, self.0, " -> ")
    }
}

/// Roles joined by commas: `a, b`.
struct List<'a>(&'a [RoleKey]);

impl fmt::Display for List<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        join(f, self.0, ", ")
    }
}

fn join(f: &mut fmt::Formatter<'_>, keys: &[RoleKey], separator: &str) -> fmt::Result {
    for (i, key) in keys.iter().enumerate() {
        if i > 0 {
            f.write_str(separator)?;
        }
        f.write_str(key.as_str())?;
    }
    Ok(())
}
