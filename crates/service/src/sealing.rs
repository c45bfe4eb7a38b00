//! Sealing second-factor secrets at rest: ChaCha20-Poly1305 with a host key, a random nonce
//! per seal, and the owner (tenant and user) as associated data, so a sealed secret copied to
//! another user's row does not open. Stored as `key-id:base64(nonce‖ciphertext‖tag)`.

use crate::error::{Error, Result};
use crate::second_factor_config::SealingKeys;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, KeyInit, Nonce};
use tenantry_entity::{SealedSecret, TenantId, UserId};
use zeroize::Zeroizing;

const NONCE_BYTES: usize = 12;

/// Binds a sealed secret to its owner.
fn associated_data(tenant: TenantId, user: UserId) -> String {
    format!("tenantry-second-factor:{}:{}", tenant.0, user.0)
}

/// Seals `secret` for `user` of `tenant` with the current key.
pub(crate) fn seal(
    keys: &SealingKeys,
    tenant: TenantId,
    user: UserId,
    secret: &[u8],
) -> Result<SealedSecret> {
    let key = keys
        .current
        .as_ref()
        .ok_or(Error::SecondFactorsNotConfigured)?;
    let mut nonce = [0u8; NONCE_BYTES];
    getrandom::getrandom(&mut nonce).map_err(|_| Error::SecondFactorsNotConfigured)?;
    let cipher = ChaCha20Poly1305::new(&Key::from(*key.bytes()));
    let aad = associated_data(tenant, user);
    let sealed = cipher
        .encrypt(
            &Nonce::from(nonce),
            Payload {
                msg: secret,
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| Error::SecondFactorsNotConfigured)?;
    let mut stored = nonce.to_vec();
    stored.extend_from_slice(&sealed);
    Ok(SealedSecret::new(format!(
        "{}:{}",
        key.id(),
        STANDARD_NO_PAD.encode(stored)
    )))
}

/// What [`open`] found.
pub(crate) struct Opened {
    /// The secret.
    pub(crate) secret: Zeroizing<Vec<u8>>,
    /// Sealed with a key that is no longer current: seal it again.
    pub(crate) stale: bool,
}

/// Opens a sealed secret of `user` of `tenant`. `None` when no configured key has its id or it
/// does not open (tampered, another owner's, a dropped key): the factor is unusable, never a
/// panic.
pub(crate) fn open(
    keys: &SealingKeys,
    tenant: TenantId,
    user: UserId,
    sealed: &SealedSecret,
) -> Option<Opened> {
    let (id, body) = sealed.expose().split_once(':')?;
    let key = keys.find(id)?;
    let bytes = STANDARD_NO_PAD.decode(body).ok()?;
    if bytes.len() <= NONCE_BYTES {
        return None;
    }
    let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
    let nonce: [u8; NONCE_BYTES] = nonce.try_into().ok()?;
    let cipher = ChaCha20Poly1305::new(&Key::from(*key.bytes()));
    let aad = associated_data(tenant, user);
    let secret = cipher
        .decrypt(
            &Nonce::from(nonce),
            Payload {
                msg: ciphertext,
                aad: aad.as_bytes(),
            },
        )
        .ok()?;
    let stale = keys
        .current
        .as_ref()
        .is_none_or(|current| current.id() != id);
    Some(Opened {
        secret: Zeroizing::new(secret),
        stale,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::second_factor_config::SealingKey;

    fn key(id: &str, byte: u8) -> SealingKey {
        SealingKey::new(id, [byte; 32]).expect("a valid key")
    }

    #[test]
    fn a_sealed_secret_opens_for_its_owner_only_and_shows_nothing_in_the_clear() {
        let keys = SealingKeys::new(key("k1", 7));
        let secret = b"12345678901234567890";
        let sealed = seal(&keys, TenantId(1), UserId(2), secret).expect("sealed");
        assert!(sealed.expose().starts_with("k1:"));
        assert!(
            !sealed.expose().contains("MTIzNDU2Nzg5"),
            "not base64 of the secret"
        );
        let opened = open(&keys, TenantId(1), UserId(2), &sealed).expect("opens");
        assert_eq!(opened.secret.as_slice(), secret);
        assert!(!opened.stale);
        assert!(
            open(&keys, TenantId(1), UserId(3), &sealed).is_none(),
            "another user"
        );
        assert!(
            open(&keys, TenantId(9), UserId(2), &sealed).is_none(),
            "another tenant"
        );
        let again = seal(&keys, TenantId(1), UserId(2), secret).expect("sealed");
        assert_ne!(again, sealed, "a fresh nonce each time");
    }

    #[test]
    fn after_rotation_the_old_key_still_opens_and_the_secret_is_stale() {
        let old = SealingKeys::new(key("k1", 7));
        let sealed = seal(&old, TenantId(1), UserId(2), b"secret-bytes-here").expect("sealed");
        let rotated = SealingKeys::new(key("k2", 8)).with_previous(key("k1", 7));
        let opened = open(&rotated, TenantId(1), UserId(2), &sealed).expect("opens");
        assert!(opened.stale);
        let resealed = seal(&rotated, TenantId(1), UserId(2), &opened.secret).expect("sealed");
        assert!(resealed.expose().starts_with("k2:"));
        let only_new = SealingKeys::new(key("k2", 8));
        assert!(
            open(&only_new, TenantId(1), UserId(2), &sealed).is_none(),
            "key dropped"
        );
    }

    #[test]
    fn tampered_or_malformed_sealed_secrets_do_not_open() {
        let keys = SealingKeys::new(key("k1", 7));
        let sealed = seal(&keys, TenantId(1), UserId(2), b"secret-bytes-here").expect("sealed");
        let mut text = sealed.expose().to_owned();
        let last = text.pop().expect("non-empty");
        text.push(if last == 'A' { 'B' } else { 'A' });
        for bad in [
            text.as_str(),
            "",
            "k1",
            "k1:",
            "k1:!!!",
            "zz:AAAA",
            "k1:AAAA",
        ] {
            assert!(open(&keys, TenantId(1), UserId(2), &SealedSecret::new(bad)).is_none());
        }
        assert!(matches!(
            seal(&SealingKeys::default(), TenantId(1), UserId(2), b"x"),
            Err(Error::SecondFactorsNotConfigured)
        ));
    }
}
