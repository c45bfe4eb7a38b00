//! Recovery codes: 80 random bits each, shown once as `xxxx-xxxx-xxxx-xxxx` (an alphabet
//! without look-alikes), stored only as the SHA-256 of the user's id and the normalized code.

use crate::redacted::redacted_secret;
use sha2::{Digest as _, Sha256};
use tenantry_entity::UserId;

/// Characters of a code: lowercase base32 without `0 1 i l o`-style look-alikes.
const ALPHABET: &[u8; 31] = b"abcdefghjkmnpqrstuvwxyz23456789";
/// Characters of a normalized code (5 bits each).
const CODE_CHARS: usize = 16;

redacted_secret! {
    /// A set of recovery codes as shown to their user once: `Debug` prints `[redacted]`, no
    /// `Serialize`, zeroed on drop.
    pub struct RecoveryCodes(Vec<String>);
}

impl RecoveryCodes {
    /// The codes, to show the user once.
    pub fn expose(&self) -> &[String] {
        &self.0
    }
}

/// `count` new codes.
pub(crate) fn generate(count: usize) -> RecoveryCodes {
    let alphabet = ALPHABET;
    let mut codes = Vec::with_capacity(count);
    while codes.len() < count {
        let mut bytes = [0u8; 64];
        if getrandom::getrandom(&mut bytes).is_err() {
            break;
        }
        // Rejection sampling over 31 symbols keeps every character uniform.
        let chars: Vec<u8> = bytes
            .iter()
            .map(|b| b & 0x1f)
            .filter(|b| usize::from(*b) < alphabet.len())
            .take(CODE_CHARS)
            .map(|b| alphabet[usize::from(b)])
            .collect();
        if chars.len() < CODE_CHARS {
            continue;
        }
        let groups: Vec<&str> = chars
            .chunks(4)
            .map(|g| std::str::from_utf8(g).unwrap_or_default())
            .collect();
        codes.push(groups.join("-"));
    }
    RecoveryCodes(codes)
}

/// The code as compared: hyphens dropped and ASCII letters lowercased. `None` for anything
/// else — whitespace, other characters, the wrong length — which is a wrong code.
pub(crate) fn normalize(input: &str) -> Option<String> {
    if input.len() > 2 * CODE_CHARS {
        return None;
    }
    let code: String = input
        .chars()
        .filter(|c| *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let ok = code.len() == CODE_CHARS && code.bytes().all(|b| ALPHABET.contains(&b));
    ok.then_some(code)
}

/// What is stored for `code` of `user`: bound to the user, so a code of one user is nothing
/// for another.
pub(crate) fn hash(user: UserId, normalized: &str) -> String {
    let digest = Sha256::digest(format!("tenantry-recovery:{}:{normalized}", user.0));
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_well_formed_and_normalize_to_themselves() {
        let codes = generate(10);
        assert_eq!(codes.expose().len(), 10);
        let unique: std::collections::BTreeSet<_> = codes.expose().iter().collect();
        assert_eq!(unique.len(), 10);
        for code in codes.expose() {
            assert_eq!(code.len(), 19);
            let normalized = normalize(code).expect("a generated code normalizes");
            assert_eq!(normalize(&code.to_uppercase()), Some(normalized.clone()));
            assert_eq!(normalize(&normalized), Some(normalized));
        }
        assert_eq!(format!("{codes:?}"), "[redacted]");
    }

    #[test]
    fn hostile_input_does_not_normalize() {
        let code = generate(1).expose()[0].clone();
        for bad in [
            format!(" {code}"),
            format!("{code}\u{0}"),
            code.replace('-', " "),
            code[..18].to_owned(),
            format!("{code}a"),
            "x".repeat(10_000),
            format!("а{}", &code[1..]),
            String::new(),
        ] {
            assert_eq!(normalize(&bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_hash_is_bound_to_the_user() {
        let code = normalize(&generate(1).expose()[0]).expect("normalizes");
        assert_ne!(hash(UserId(1), &code), hash(UserId(2), &code));
        assert_eq!(hash(UserId(1), &code).len(), 64);
    }
}
