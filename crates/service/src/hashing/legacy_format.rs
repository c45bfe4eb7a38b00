//! Which legacy format a hash claims by its prefix: compiled with or without the
//! `legacy-hashes` feature, so a build without the verifiers still names what it refuses.

use crate::validation::{HashFormat, Rule};

/// The format a string claims by its prefix, and what follows the prefix; `None` for none of
/// the legacy formats.
pub(super) fn claimed_format(hash: &str) -> Option<HashFormat> {
    const PREFIXES: [(&str, HashFormat); 8] = [
        ("pbkdf2_sha256$", HashFormat::DjangoPbkdf2Sha256),
        ("pbkdf2_sha1$", HashFormat::DjangoPbkdf2Sha1),
        ("bcrypt_sha256$", HashFormat::DjangoBcryptSha256),
        ("bcrypt$", HashFormat::DjangoBcrypt),
        ("$2a$", HashFormat::Bcrypt),
        ("$2b$", HashFormat::Bcrypt),
        ("$2y$", HashFormat::Bcrypt),
        ("scrypt$", HashFormat::DjangoScrypt),
    ];
    if hash.starts_with("$scrypt$") {
        return Some(HashFormat::PasslibScrypt);
    }
    PREFIXES
        .iter()
        .find(|(prefix, _)| hash.starts_with(prefix))
        .map(|&(_, format)| format)
}

/// Why a build without the `legacy-hashes` feature refuses `hash`: the format it claims, named,
/// or [`Rule::UnsupportedHash`] when it claims none.
#[cfg_attr(feature = "legacy-hashes", allow(dead_code))]
pub(super) fn refusal_without_verifiers(hash: &str) -> Rule {
    match claimed_format(hash) {
        Some(format) => Rule::HashFormatNotEnabled { format },
        None => Rule::UnsupportedHash,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_the_verifiers_a_legacy_hash_is_refused_by_its_name() {
        assert_eq!(
            refusal_without_verifiers("pbkdf2_sha256$1000000$salt$aGFzaA=="),
            Rule::HashFormatNotEnabled {
                format: HashFormat::DjangoPbkdf2Sha256
            }
        );
        assert_eq!(
            refusal_without_verifiers(
                "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"
            ),
            Rule::HashFormatNotEnabled {
                format: HashFormat::Bcrypt
            }
        );
        assert_eq!(
            refusal_without_verifiers("$scrypt$ln=16,r=8,p=1$c2FsdA$aGFzaA"),
            Rule::HashFormatNotEnabled {
                format: HashFormat::PasslibScrypt
            }
        );
        assert_eq!(
            refusal_without_verifiers("md5$salt$hash"),
            Rule::UnsupportedHash
        );
    }
}
