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

/// A second-factor secret as stored, encrypted by the service with a host key
/// (`key-id:base64(nonce‖ciphertext)`), in `authenticators.secret`.
///
/// Like [`SecretHash`]: `Debug` prints `[redacted]`, no `Display`, no `Serialize`. Even sealed,
/// it is nothing to show: the ciphertext is only ever opened by the service.
#[derive(Clone, PartialEq, Eq, DeriveValueType)]
pub struct SealedSecret(String);

impl SealedSecret {
    /// Wraps a sealed secret.
    pub fn new(sealed: impl Into<String>) -> Self {
        Self(sealed.into())
    }

    /// The stored form, for the service to open.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SealedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}
