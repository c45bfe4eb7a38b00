//! How second factors are configured: the host's keys that seal TOTP secrets at rest, the
//! issuer shown in authenticator apps, code length, challenge lifetime and recovery codes.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use std::time::Duration;
use zeroize::Zeroizing;

/// A 256-bit key that seals second-factor secrets, with the id stored beside each secret it
/// sealed (so a rotated-out key still opens what it sealed). `Debug` prints the id only.
#[derive(Clone)]
pub struct SealingKey {
    id: String,
    key: Zeroizing<[u8; 32]>,
}

/// A sealing key that cannot be used: an id that is empty, longer than 32 characters or not
/// of `a-z0-9-_`, or key material that is not 32 bytes (44 characters of standard base64).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a sealing key needs an id of 1-32 characters a-z0-9-_ and exactly 32 bytes of key")]
pub struct InvalidSealingKey;

impl SealingKey {
    /// A key from its 32 bytes. Generate them once (`openssl rand -base64 32`) and keep them
    /// in the host's secret store.
    ///
    /// # Errors
    /// [`InvalidSealingKey`] for a bad id.
    pub fn new(id: &str, key: [u8; 32]) -> Result<Self, InvalidSealingKey> {
        let id_ok = !id.is_empty()
            && id.len() <= 32
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !id_ok {
            return Err(InvalidSealingKey);
        }
        Ok(Self {
            id: id.to_owned(),
            key: Zeroizing::new(key),
        })
    }

    /// A key from 44 characters of standard base64 (what `openssl rand -base64 32` prints).
    ///
    /// # Errors
    /// [`InvalidSealingKey`] for a bad id or anything but 32 bytes.
    pub fn from_base64(id: &str, key: &str) -> Result<Self, InvalidSealingKey> {
        let bytes = Zeroizing::new(STANDARD.decode(key.trim()).map_err(|_| InvalidSealingKey)?);
        let key: [u8; 32] = bytes.as_slice().try_into().map_err(|_| InvalidSealingKey)?;
        Self::new(id, key)
    }

    /// The key's id, as stored before each secret it sealed.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// A fixed, public key for test suites (`Config::insecure_fast_for_tests`).
    pub(crate) fn insecure_for_tests() -> Self {
        Self {
            id: "insecure-test-key".to_owned(),
            key: Zeroizing::new([0x42; 32]),
        }
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.key
    }
}

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealingKey")
            .field("id", &self.id)
            .field("key", &"[redacted]")
            .finish()
    }
}

/// The keys that seal second-factor secrets: the current one seals, it and the previous ones
/// open. **Rotation:** make a new key current and move the old one to `previous`; secrets
/// sealed with the old key still open, and each is sealed again with the current key the next
/// time it passes a login, so the old key can be dropped once no `authenticators.secret`
/// starts with its id.
#[derive(Clone, Debug, Default)]
pub struct SealingKeys {
    /// Seals new secrets; `None` until the host configures one (then enrolling TOTP is refused
    /// with `Error::SecondFactorsNotConfigured`).
    pub current: Option<SealingKey>,
    /// Open what they sealed before a rotation.
    pub previous: Vec<SealingKey>,
}

impl SealingKeys {
    /// Sealing with `current`.
    pub fn new(current: SealingKey) -> Self {
        Self {
            current: Some(current),
            previous: Vec::new(),
        }
    }

    /// Adds a key that only opens (a rotated-out key).
    #[must_use]
    pub fn with_previous(mut self, key: SealingKey) -> Self {
        self.previous.push(key);
        self
    }

    /// Keys as a host's setting holds them: `id:base64` entries separated by commas, the
    /// first current, the others previous (`k2:…,k1:…` after rotating from `k1` to `k2`).
    ///
    /// # Errors
    /// [`InvalidSealingKey`] for an empty list or an entry that is not a valid key.
    pub fn parse(setting: &str) -> Result<Self, InvalidSealingKey> {
        let mut keys = setting.split(',').map(|entry| {
            let (id, key) = entry.trim().split_once(':').ok_or(InvalidSealingKey)?;
            SealingKey::from_base64(id, key)
        });
        let current = keys.next().ok_or(InvalidSealingKey)??;
        let previous = keys.collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            current: Some(current),
            previous,
        })
    }

    /// The key with this id, current or previous.
    pub(crate) fn find(&self, id: &str) -> Option<&SealingKey> {
        self.current
            .iter()
            .chain(&self.previous)
            .find(|key| key.id == id)
    }
}

/// Second factors' settings.
#[derive(Clone, Debug)]
pub struct SecondFactorConfig {
    /// The keys that seal TOTP secrets.
    pub keys: SealingKeys,
    /// The name authenticator apps show for the account (`otpauth://totp/{issuer}:{login}`);
    /// no `:`.
    pub issuer: String,
    /// Digits of a TOTP code: 6 (what every app shows) up to 8.
    pub digits: u8,
    /// How long a second-step challenge holds after the password step.
    pub challenge_ttl: Duration,
    /// How many recovery codes a set has.
    pub recovery_codes: usize,
}

impl Default for SecondFactorConfig {
    fn default() -> Self {
        Self {
            keys: SealingKeys::default(),
            issuer: "tenantry".to_owned(),
            digits: 6,
            challenge_ttl: Duration::from_secs(5 * 60),
            recovery_codes: 10,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_setting_of_keys_parses_current_first_and_refuses_bad_entries() {
        let k2 = STANDARD.encode([2u8; 32]);
        let k1 = STANDARD.encode([1u8; 32]);
        let keys = SealingKeys::parse(&format!("k2:{k2}, k1:{k1}")).expect("parses");
        assert_eq!(keys.current.as_ref().map(SealingKey::id), Some("k2"));
        assert_eq!(keys.previous.len(), 1);
        assert!(keys.find("k1").is_some());
        assert!(!format!("{keys:?}").contains(&k2), "Debug shows ids only");
        for bad in [
            "",
            "k1",
            &format!("K1:{k1}"),
            "k1:short",
            &format!("k1:{k1},oops"),
        ] {
            assert!(SealingKeys::parse(bad).is_err(), "{bad:?}");
        }
    }
}
