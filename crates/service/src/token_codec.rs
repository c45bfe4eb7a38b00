//! Generation and parsing of one-time tokens (password resets, invitations, email
//! verification): the raw token a user receives and the digest the database keeps.
//!
//! A token is 32 random bytes from the operating system, handed to the user once as 43
//! characters of unpadded base64url ([`RawToken`]). The database stores only its SHA-256
//! ([`TokenDigest`]), so a leaked table holds nothing that redeems. A plain, unsalted hash is
//! enough here, unlike for passwords: 256 random bits cannot be guessed, so there is nothing for
//! a slow hash to protect.
//!
//! [`digest_of`] refuses anything that is not exactly a token's shape before hashing it, so a
//! redeem request with 10 000 characters or a NUL byte costs nothing and never reaches the
//! database.
//!
//! ```
//! use tenantry_service::token_codec;
//!
//! let (raw, digest) = token_codec::generate();
//! // Store `digest.as_str()`, send `raw.expose()` in the email, forget `raw`.
//! assert_eq!(token_codec::digest_of(raw.expose()), Ok(digest));
//! assert!(token_codec::digest_of("not a token").is_err());
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};
use zeroize::Zeroize;

/// Random bytes in a token.
const TOKEN_BYTES: usize = 32;

/// Length of a raw token: 32 bytes in unpadded base64.
pub const RAW_TOKEN_CHARS: usize = 43;

crate::redacted::redacted_secret! {
    /// A token as handed to its user: 43 characters of unpadded base64url.
    ///
    /// Its `Debug` prints `[redacted]`, it does not serialize, and its memory is zeroed on drop.
    /// Send it once (in a link, an email) and drop it.
    pub struct RawToken(String);
}

impl RawToken {
    /// The token, to put into a link or an email.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The token as a `String`, for APIs that take ownership; it is no longer zeroed on drop.
    pub fn into_string(mut self) -> String {
        std::mem::take(&mut self.0)
    }
}

crate::redacted::redacted_secret! {
    /// The SHA-256 of a token's bytes, as 64 lowercase hex characters: what the database
    /// stores and looks tokens up by.
    ///
    /// Its `Debug` prints `[redacted]` and its memory is zeroed on drop: a digest cannot be
    /// redeemed, but it identifies a live token, so it stays out of logs too.
    #[derive(Clone, PartialEq, Eq, Hash)]
    pub struct TokenDigest(String);
}

impl TokenDigest {
    /// The digest as 64 lowercase hex characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digest as a `String`, to store.
    pub fn into_string(mut self) -> String {
        std::mem::take(&mut self.0)
    }
}

/// The presented string is not a token: not exactly 43 base64url characters encoding 32 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("token is not in the expected format")]
pub struct InvalidTokenFormat;

/// A new token and its digest.
///
/// # Panics
///
/// If the operating system's random number generator fails, which on supported platforms it
/// does not once initialised; continuing with a weaker source would be worse.
pub fn generate() -> (RawToken, TokenDigest) {
    let mut bytes = [0u8; TOKEN_BYTES];
    #[expect(clippy::expect_used, reason = "documented under Panics")]
    getrandom::getrandom(&mut bytes).expect("the operating system's random number generator");
    let raw = RawToken(URL_SAFE_NO_PAD.encode(bytes));
    let digest = digest_bytes(&bytes);
    bytes.zeroize();
    (raw, digest)
}

/// The digest of a presented token, to look it up by.
///
/// # Errors
///
/// [`InvalidTokenFormat`] unless `raw` is exactly 43 base64url characters in canonical form
/// (encoding exactly 32 bytes); it is checked before anything is hashed.
pub fn digest_of(raw: &str) -> Result<TokenDigest, InvalidTokenFormat> {
    let is_base64url = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    if raw.len() != RAW_TOKEN_CHARS || !raw.bytes().all(is_base64url) {
        return Err(InvalidTokenFormat);
    }
    // The engine refuses non-zero trailing bits, so each token has exactly one spelling.
    let mut bytes = URL_SAFE_NO_PAD
        .decode(raw)
        .map_err(|_| InvalidTokenFormat)?;
    let digest = (bytes.len() == TOKEN_BYTES).then(|| digest_bytes(&bytes));
    bytes.zeroize();
    digest.ok_or(InvalidTokenFormat)
}

/// The digest of `bytes` (also of session ids, `store/sessions.rs`).
pub(crate) fn digest_bytes(bytes: &[u8]) -> TokenDigest {
    TokenDigest(format!("{:x}", Sha256::digest(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE};

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn generated_tokens_have_the_documented_shape() {
        let (raw, digest) = generate();
        assert_eq!(raw.expose().len(), RAW_TOKEN_CHARS);
        assert!(
            raw.expose()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(digest.as_str().len(), 64);
        assert!(
            digest
                .as_str()
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
        assert_eq!(digest_of(raw.expose()), Ok(digest));
    }

    #[test]
    fn generated_tokens_differ() {
        let tokens: std::collections::HashSet<String> =
            (0..100).map(|_| generate().0.into_string()).collect();
        assert_eq!(tokens.len(), 100);
    }

    #[test]
    fn digest_is_sha256_of_the_bytes() {
        // 32 zero bytes encode as 43 'A's.
        let raw = "A".repeat(43);
        assert_eq!(
            digest_of(&raw).map(TokenDigest::into_string),
            Ok("66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925".to_owned())
        );
    }

    #[test]
    fn digest_reveals_no_form_of_the_token() {
        for _ in 0..50 {
            let (raw, digest) = generate();
            let bytes = URL_SAFE_NO_PAD
                .decode(raw.expose())
                .unwrap_or_else(|e| panic!("{e}"));
            let forms = [
                raw.expose().to_owned(),
                raw.expose().to_ascii_lowercase(),
                hex(&bytes),
                URL_SAFE.encode(&bytes),
                STANDARD.encode(&bytes),
                STANDARD_NO_PAD.encode(&bytes),
            ];
            let digest = digest.as_str();
            for form in forms {
                assert_ne!(digest, form);
                assert!(!digest.contains(&form));
                assert!(!form.contains(digest));
            }
        }
    }

    #[test]
    fn digest_of_refuses_malformed_tokens() {
        let (raw, _) = generate();
        let valid = raw.expose();
        let too_long = format!("{valid}A");
        let too_short = &valid[..42];
        let huge = "A".repeat(10_000);
        let with_nul = format!("{}\0", &valid[..42]);
        let padded = format!("{valid}=");
        let std_alphabet = format!("{}+", &valid[..42]);
        let slash = format!("{}/", &valid[..42]);
        let spaced = format!(" {}", &valid[..42]);
        let newline = format!("{}\n", &valid[..42]);
        // 'B' at the end sets a trailing bit that 32 bytes do not use.
        let non_canonical = format!("{}B", "A".repeat(42));
        let non_ascii = format!("{}é", "A".repeat(41));
        let cases = [
            "",
            too_short,
            &too_long,
            &huge,
            &with_nul,
            &padded,
            &std_alphabet,
            &slash,
            &spaced,
            &newline,
            &non_canonical,
            &non_ascii,
            "'; DROP TABLE credential_tokens;--AAAAAAAAA",
            "%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%",
            // Right alphabet and length, but the last '_' sets trailing bits: non-canonical.
            "___________________________________________",
        ];
        for input in cases {
            assert_eq!(digest_of(input), Err(InvalidTokenFormat), "input {input:?}");
        }
        // Wildcard characters are ordinary token characters when the encoding is canonical.
        assert_eq!(
            digest_of(&format!("{}w", "_".repeat(42))).map(|d| d.as_str().len()),
            Ok(64)
        );
    }

    #[test]
    fn secrets_are_redacted() {
        let (raw, digest) = generate();
        assert_eq!(format!("{raw:?}"), "[redacted]");
        assert_eq!(format!("{digest:?}"), "[redacted]");
        assert_eq!(
            InvalidTokenFormat.to_string(),
            "token is not in the expected format"
        );
    }

    #[test]
    fn into_string_keeps_the_token() {
        let (raw, digest) = generate();
        let copy = raw.expose().to_owned();
        let owned = raw.into_string();
        assert_eq!(owned, copy);
        assert_eq!(digest_of(&owned), Ok(digest));
    }
}
