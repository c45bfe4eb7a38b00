//! Password hashes made by other systems, kept until the user's next successful login replaces
//! them with argon2id: Django's PBKDF2, bcrypt and scrypt forms, modular-crypt bcrypt, and
//! passlib's scrypt. Parsed strictly (a canonical encoding, nothing before or after) and
//! bounded, so a hostile import can make one verify cost at most about as much as the bounds
//! below allow:
//!
//! | format | bound | its tool's default today |
//! |---|---|---|
//! | PBKDF2 (SHA-256, SHA-1) | ≤ [`MAX_PBKDF2_ITERATIONS`] iterations | Django 5.2: 1 000 000 |
//! | bcrypt | cost ≤ [`MAX_BCRYPT_COST`] (2^15 rounds) | 12 (Django, passlib, Devise 11–12) |
//! | scrypt | `128·N·r` ≤ 256 MiB, `N·r·p` ≤ 2^23, `p` ≤ 64 | Django `N=2^14, r=8, p=5` (16 MiB); passlib `ln=16, r=8, p=1` (64 MiB) |
//!
//! Each is verified with the password's bytes exactly as typed, not its NFKC form: Django,
//! passlib and bcrypt hash what they were given, so a normalized password would no longer
//! match a hash made of an unnormalized one. And without tenantry's pepper: the other system
//! never had it. The argon2id hash that replaces it is of the NFKC form, with the pepper.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use pbkdf2::pbkdf2_hmac;
use pbkdf2::sha2::{Digest as _, Sha256};
use sha1::Sha1;
use std::str::FromStr;
use subtle::ConstantTimeEq as _;
use zeroize::Zeroizing;

use super::legacy_format::claimed_format;
use crate::validation::{HashFormat, Rule};

/// The most PBKDF2 iterations verified: four times Django 5.2's default, so at most four
/// times what a login cost on the system they come from.
pub(super) const MAX_PBKDF2_ITERATIONS: u32 = 4_000_000;
/// The highest bcrypt cost verified: 2^15 rounds, eight times the usual cost 12.
pub(super) const MAX_BCRYPT_COST: u32 = 15;
/// The most memory one scrypt verify may allocate (`128·N·r` bytes).
const MAX_SCRYPT_MEMORY: u64 = 256 * 1024 * 1024;
/// The most scrypt work (`N·r·p`, in 128-byte block mixes): 64 × Django's default `N·r`.
const MAX_SCRYPT_WORK: u64 = 1 << 23;
const MAX_SCRYPT_P: u32 = 64;
/// Salts longer than this are refused (the tools write 16–22 characters or bytes).
const MAX_SALT_LEN: usize = 128;
/// Django's scrypt writes a 64-byte output, passlib's a 32-byte one.
const DJANGO_SCRYPT_LEN: usize = 64;
const PASSLIB_SCRYPT_LEN: usize = 32;

/// A parsed legacy hash, ready to verify.
pub(super) enum LegacyHash {
    Pbkdf2 {
        sha1: bool,
        iterations: u32,
        salt: String,
        expected: Vec<u8>,
    },
    Bcrypt {
        /// Django's `bcrypt_sha256`: the password's SHA-256, in lowercase hex, is what bcrypt
        /// hashed.
        sha256_first: bool,
        /// The `$2?$cost$…` string, canonical.
        modular: String,
    },
    Scrypt {
        log_n: u8,
        r: u32,
        p: u32,
        salt: Vec<u8>,
        expected: Vec<u8>,
    },
}

impl LegacyHash {
    /// Parses `hash` as the format it claims.
    ///
    /// # Errors
    ///
    /// [`Rule::UnsupportedHash`] if it claims none of the legacy formats,
    /// [`Rule::MalformedHash`] if it is not a well-formed one, [`Rule::HashOutOfBounds`] if its
    /// work factor is beyond the bounds in the module docs.
    pub(super) fn parse(hash: &str, max_len: usize) -> Result<Self, Rule> {
        let format = claimed_format(hash).ok_or(Rule::UnsupportedHash)?;
        let malformed = Rule::MalformedHash { format };
        if hash.len() > max_len {
            return Err(malformed);
        }
        let parsed = match format {
            HashFormat::DjangoPbkdf2Sha256 => parse_django_pbkdf2(hash, false),
            HashFormat::DjangoPbkdf2Sha1 => parse_django_pbkdf2(hash, true),
            HashFormat::DjangoBcryptSha256 => hash
                .strip_prefix("bcrypt_sha256$")
                .and_then(|modular| parse_bcrypt(modular, true)),
            HashFormat::DjangoBcrypt => hash
                .strip_prefix("bcrypt$")
                .and_then(|modular| parse_bcrypt(modular, false)),
            HashFormat::Bcrypt => parse_bcrypt(hash, false),
            HashFormat::DjangoScrypt => parse_django_scrypt(hash),
            HashFormat::PasslibScrypt => parse_passlib_scrypt(hash),
            HashFormat::Argon2 => None,
        };
        match parsed {
            None => Err(malformed),
            Some(Bounded::Out) => Err(Rule::HashOutOfBounds { format }),
            Some(Bounded::In(parsed)) => Ok(parsed),
        }
    }

    /// Whether `password` (its bytes as typed) is the one this hash was made of; the final
    /// comparison runs in constant time.
    pub(super) fn matches(&self, password: &[u8]) -> bool {
        match self {
            Self::Pbkdf2 {
                sha1,
                iterations,
                salt,
                expected,
            } => {
                let mut out = Zeroizing::new(vec![0u8; expected.len()]);
                if *sha1 {
                    pbkdf2_hmac::<Sha1>(password, salt.as_bytes(), *iterations, &mut out);
                } else {
                    pbkdf2_hmac::<Sha256>(password, salt.as_bytes(), *iterations, &mut out);
                }
                constant_time_eq(&out, expected)
            }
            Self::Bcrypt {
                sha256_first,
                modular,
            } => {
                let outcome = if *sha256_first {
                    let digest = Sha256::digest(password);
                    let hex = Zeroizing::new(hex_lower(&digest));
                    bcrypt::verify(hex.as_bytes(), modular)
                } else {
                    // Truncated at 72 bytes, as every bcrypt implementation that made one did.
                    bcrypt::verify(password, modular)
                };
                outcome.unwrap_or(false)
            }
            Self::Scrypt {
                log_n,
                r,
                p,
                salt,
                expected,
            } => {
                let Ok(params) = scrypt::Params::new(*log_n, *r, *p) else {
                    return false;
                };
                let mut out = Zeroizing::new(vec![0u8; expected.len()]);
                scrypt::scrypt(password, salt, &params, &mut out).is_ok()
                    && constant_time_eq(&out, expected)
            }
        }
    }
}

/// A well-formed hash, within the bounds or not.
enum Bounded {
    In(LegacyHash),
    Out,
}

/// `pbkdf2_sha256$<iterations>$<salt>$<base64 hash>` (Django's `PBKDF2PasswordHasher`), or
/// `pbkdf2_sha1$…` with a 20-byte hash.
fn parse_django_pbkdf2(hash: &str, sha1: bool) -> Option<Bounded> {
    let mut parts = hash.split('$');
    let (_, iterations, salt, encoded) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let iterations = decimal(iterations).filter(|&i| i > 0)?;
    let salt = django_salt(salt)?;
    let expected = canonical_base64(encoded, &STANDARD)?;
    if expected.len() != if sha1 { 20 } else { 32 } {
        return None;
    }
    let Some(iterations) = u32::try_from(iterations)
        .ok()
        .filter(|&i| i <= MAX_PBKDF2_ITERATIONS)
    else {
        return Some(Bounded::Out);
    };
    Some(Bounded::In(LegacyHash::Pbkdf2 {
        sha1,
        iterations,
        salt: salt.to_owned(),
        expected,
    }))
}

/// A modular-crypt bcrypt string: `$2a$`, `$2b$` or `$2y$`, a two-digit cost, 22 characters
/// of salt and 31 of hash in bcrypt's base64, and nothing else. `$2x$` (the variant with the
/// sign-extension bug) and `$2$` are not accepted.
fn parse_bcrypt(modular: &str, sha256_first: bool) -> Option<Bounded> {
    let bytes = modular.as_bytes();
    let well_formed = bytes.len() == 60
        && bytes.starts_with(b"$2")
        && matches!(bytes[2], b'a' | b'b' | b'y')
        && bytes[3] == b'$'
        && bytes[4..6].iter().all(u8::is_ascii_digit)
        && bytes[6] == b'$'
        && bytes[7..]
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'.' || b == b'/');
    if !well_formed {
        return None;
    }
    let parts = bcrypt::HashParts::from_str(modular).ok()?;
    let version = match bytes[2] {
        b'a' => bcrypt::Version::TwoA,
        b'y' => bcrypt::Version::TwoY,
        _ => bcrypt::Version::TwoB,
    };
    // Re-encoding gives the same string only when the salt's and hash's last characters carry
    // no stray bits: one hash, one spelling.
    if parts.format_for_version(version) != modular {
        return None;
    }
    let cost = parts.get_cost();
    if !(4..=31).contains(&cost) {
        return None;
    }
    if cost > MAX_BCRYPT_COST {
        return Some(Bounded::Out);
    }
    Some(Bounded::In(LegacyHash::Bcrypt {
        sha256_first,
        modular: modular.to_owned(),
    }))
}

/// `scrypt$<N>$<salt>$<r>$<p>$<base64 hash>` (Django's `ScryptPasswordHasher`, 64-byte hash).
fn parse_django_scrypt(hash: &str) -> Option<Bounded> {
    let mut parts = hash.split('$');
    let fields: Vec<&str> = parts.by_ref().take(6).collect();
    if parts.next().is_some() {
        return None;
    }
    let [_, n, salt, r, p, encoded] = fields.as_slice() else {
        return None;
    };
    let n = decimal(n)?;
    if n < 2 || !n.is_power_of_two() {
        return None;
    }
    let log_n = u8::try_from(n.trailing_zeros()).ok()?;
    let salt = django_salt(salt)?;
    let expected = canonical_base64(encoded, &STANDARD)?;
    if expected.len() != DJANGO_SCRYPT_LEN {
        return None;
    }
    scrypt_bounded(
        log_n,
        decimal(r)?,
        decimal(p)?,
        salt.as_bytes().to_vec(),
        expected,
    )
}

/// `$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>` (passlib's `scrypt`), salt and 32-byte hash
/// in standard base64 without padding.
fn parse_passlib_scrypt(hash: &str) -> Option<Bounded> {
    let rest = hash.strip_prefix("$scrypt$")?;
    let mut parts = rest.split('$');
    let (params, salt, encoded) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let mut params = params.split(',');
    let mut field = |name: &str| {
        params
            .next()
            .and_then(|p| p.strip_prefix(name))
            .and_then(|p| p.strip_prefix('='))
            .and_then(decimal)
    };
    let (log_n, r, p) = (field("ln")?, field("r")?, field("p")?);
    if params.next().is_some() || log_n == 0 {
        return None;
    }
    let salt = canonical_base64(salt, &STANDARD_NO_PAD)?;
    if salt.is_empty() || salt.len() > MAX_SALT_LEN {
        return None;
    }
    let expected = canonical_base64(encoded, &STANDARD_NO_PAD)?;
    if expected.len() != PASSLIB_SCRYPT_LEN {
        return None;
    }
    let Ok(log_n) = u8::try_from(log_n) else {
        return Some(Bounded::Out);
    };
    scrypt_bounded(log_n, r, p, salt, expected)
}

fn scrypt_bounded(log_n: u8, r: u64, p: u64, salt: Vec<u8>, expected: Vec<u8>) -> Option<Bounded> {
    if r == 0 || p == 0 {
        return None;
    }
    let n = 1u64.checked_shl(u32::from(log_n)).filter(|&n| n <= 1 << 40);
    let within = n.is_some_and(|n| {
        let memory = n.saturating_mul(r).saturating_mul(128);
        let work = n.saturating_mul(r).saturating_mul(p);
        memory <= MAX_SCRYPT_MEMORY && work <= MAX_SCRYPT_WORK && p <= u64::from(MAX_SCRYPT_P)
    });
    let (Ok(r), Ok(p)) = (u32::try_from(r), u32::try_from(p)) else {
        return Some(Bounded::Out);
    };
    if !within || scrypt::Params::new(log_n, r, p).is_err() {
        return Some(Bounded::Out);
    }
    Some(Bounded::In(LegacyHash::Scrypt {
        log_n,
        r,
        p,
        salt,
        expected,
    }))
}

/// A decimal number as the tools write it: digits only, no sign, no leading zero. One beyond
/// `u64` reads as `u64::MAX`, so it is out of bounds rather than malformed.
fn decimal(text: &str) -> Option<u64> {
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    canonical.then(|| text.parse().unwrap_or(u64::MAX))
}

/// A Django salt: printable ASCII without `$` (Django refuses one), 1 to 128 characters. It is
/// hashed as its UTF-8 bytes, as Django does.
fn django_salt(salt: &str) -> Option<&str> {
    let ok = !salt.is_empty()
        && salt.len() <= MAX_SALT_LEN
        && salt.bytes().all(|b| b.is_ascii_graphic() && b != b'$');
    ok.then_some(salt)
}

/// Decodes `text`, refusing a non-canonical encoding (stray trailing bits, wrong padding).
fn canonical_base64(text: &str, engine: &base64::engine::GeneralPurpose) -> Option<Vec<u8>> {
    let decoded = engine.decode(text).ok()?;
    (engine.encode(&decoded) == text).then_some(decoded)
}

fn hex_lower(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        hex.push(char::from(DIGITS[usize::from(b >> 4)]));
        hex.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    hex
}

/// Equal lengths and bytes, in time that depends only on the length.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}
