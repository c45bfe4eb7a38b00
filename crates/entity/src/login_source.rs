//! [`LoginSource`]: where a login came from, a short name the host chooses.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Deserializer, Serialize};

/// Where a login came from: `web`, `api`, `cli`, `sso`, or any short name the host chooses
/// (`qgis`, `desktop-plugin`): 1–16 characters of ASCII lowercase letters, digits, `-`, `_`
/// and `.`, so it is safe to show, log and group by. Stored in `login_events.source`.
///
/// ```
/// use tenantry_entity::LoginSource;
/// assert_eq!(LoginSource::web().as_str(), "web");
/// assert_eq!(LoginSource::new("qgis")?.as_str(), "qgis");
/// assert!(LoginSource::new("QGIS").is_err());
/// assert!(LoginSource::new("a-very-long-plugin-name").is_err());
/// # Ok::<(), tenantry_entity::InvalidLoginSource>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, DeriveValueType, Serialize)]
#[serde(transparent)]
pub struct LoginSource(String);

/// A login source outside the allowed shape (see [`LoginSource`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidLoginSource;

impl std::fmt::Display for InvalidLoginSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "a login source is 1–{} characters of a–z, 0–9, '-', '_' and '.'",
            LoginSource::MAX_CHARS
        )
    }
}

impl std::error::Error for InvalidLoginSource {}

impl LoginSource {
    /// The longest source: the column is `VARCHAR(16)`.
    pub const MAX_CHARS: usize = 16;

    /// A host-chosen source, checked.
    ///
    /// # Errors
    /// [`InvalidLoginSource`] when empty, longer than [`MAX_CHARS`](Self::MAX_CHARS), or holding
    /// anything but ASCII lowercase letters, digits, `-`, `_` and `.`.
    pub fn new(source: impl Into<String>) -> Result<Self, InvalidLoginSource> {
        let source = source.into();
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c);
        if source.is_empty() || source.len() > Self::MAX_CHARS || !source.chars().all(allowed) {
            return Err(InvalidLoginSource);
        }
        Ok(Self(source))
    }

    /// A browser session.
    pub fn web() -> Self {
        Self("web".to_owned())
    }

    /// An API client.
    pub fn api() -> Self {
        Self("api".to_owned())
    }

    /// The operator CLI.
    pub fn cli() -> Self {
        Self("cli".to_owned())
    }

    /// An external identity provider (single sign-on).
    pub fn sso() -> Self {
        Self("sso".to_owned())
    }

    /// Anything else.
    pub fn other() -> Self {
        Self("other".to_owned())
    }

    /// The source as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for LoginSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for LoginSource {
    type Err = InvalidLoginSource;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

/// A request body's source is checked like [`LoginSource::new`].
impl<'de> Deserialize<'de> for LoginSource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let source = String::deserialize(deserializer)?;
        Self::new(source).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_lowercase_names_are_sources() {
        for good in [
            "web",
            "qgis",
            "desktop-plugin",
            "a.b_c-9",
            "sixteen-chars-xx",
        ] {
            assert_eq!(LoginSource::new(good).map(|s| s.0), Ok(good.to_owned()));
        }
        for bad in [
            "",
            "Web",
            "web ",
            "we b",
            "web\0",
            "seventeen-chars-x",
            "wéb",
            "ｗｅｂ",
            "web\n",
        ] {
            assert_eq!(LoginSource::new(bad), Err(InvalidLoginSource), "{bad:?}");
        }
        let parsed: Result<LoginSource, _> = serde_json::from_str("\"QGIS\"");
        assert!(parsed.is_err());
        let parsed: LoginSource = serde_json::from_str("\"qgis\"").expect("a valid source");
        assert_eq!(sea_orm::Value::from(parsed), sea_orm::Value::from("qgis"));
    }
}
