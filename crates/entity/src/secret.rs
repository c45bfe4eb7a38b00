//! A stored secret digest (a password's PHC string) that never prints or serializes.

use sea_orm::entity::prelude::*;

/// A password hash in PHC string form, as stored in `users.password_hash`.
///
/// Its `Debug` prints `[redacted]` and it deliberately implements neither `Display` nor
/// `Serialize`, so a hash cannot slip into a log line or an API response by accident.
#[derive(Clone, PartialEq, Eq, DeriveValueType)]
pub struct SecretHash(String);

impl SecretHash {
    /// Wraps a PHC string.
    pub fn new(phc: impl Into<String>) -> Self {
        Self(phc.into())
    }

    /// The PHC string, for the hasher to verify against.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SecretHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}
