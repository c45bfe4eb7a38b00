#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Property tests of the pure modules: validators, key normalizers, the password policy, token
//! parsing and imported-hash parsing never panic on any input, and the normalizers are
//! idempotent. No database.

use proptest::prelude::*;
use tenantry_service::hashing::parse_imported_hash;
use tenantry_service::normalize::{email_key, escape_like, plant_code_key, username_key};
use tenantry_service::password::{PasswordPolicy, PolicyContext};
use tenantry_service::{Password, tokens, validation};

/// Characters where Unicode case mapping and compatibility normalization interact: dotted and
/// dotless i, sharp s, the Kelvin and Ohm signs, ligatures, titlecase digraphs, final sigma,
/// fullwidth and mathematical letters, combining marks, Hangul jamo, and whitespace that NFKC
/// turns into a plain space.
const TRICKY: &[char] = &[
    'a', 'Z', '0', '.', '_', '-', '@', ' ', 'İ', 'ı', 'ß', 'ẞ', 'K', 'Ω', 'Å', 'ﬁ', 'ﬀ', 'ǅ', 'ǆ',
    'Σ', 'σ', 'ς', 'Ａ', 'ｚ', '𝐀', '𝔷', '\u{301}', '\u{308}', '\u{345}', 'ᄀ', '\u{1161}',
    '\u{3000}', '\u{a0}', '\u{2007}', 'ᾈ', 'ῼ', 'ΐ', 'Ꭰ', 'ꭰ', 'Ⅻ', '①', '㎏', 'µ', 'ſ', 'ǰ',
    '\u{200b}', '\u{202e}', '\u{0}', '\n', '%', '\\',
];

/// Strings from the tricky characters, plus fully arbitrary ones.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(prop::sample::select(TRICKY), 0..24)
            .prop_map(|cs| cs.into_iter().collect::<String>()),
        any::<String>(),
        "[a-zA-Z0-9._@ -]{0,70}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn validators_never_panic(s in text()) {
        let _ = validation::username(&s);
        let _ = validation::email(&s);
        let _ = validation::display_name(&s);
        let _ = validation::name(&s);
        let _ = validation::tenant_slug(&s);
        let _ = validation::plant_code(&s);
    }

    #[test]
    fn keys_are_idempotent(s in text()) {
        let u = username_key(&s);
        prop_assert_eq!(username_key(&u), u.clone());
        let e = email_key(&s);
        prop_assert_eq!(email_key(&e), e.clone());
        let p = plant_code_key(&s);
        prop_assert_eq!(plant_code_key(&p), p);
    }

    /// An accepted email's key is trimmed, like the value stored.
    #[test]
    fn accepted_email_keys_are_trimmed(s in text()) {
        if validation::email(&s).is_ok() {
            let key = email_key(&s);
            prop_assert_eq!(key.trim(), key.as_str());
        }
    }

    #[test]
    fn escape_like_escapes_every_wildcard(s in text()) {
        let escaped = escape_like(&s);
        // Unescaping gives the input back, and no wildcard is left unescaped.
        let mut out = String::new();
        let mut chars = escaped.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                let next = chars.next();
                prop_assert!(matches!(next, Some('\\' | '%' | '_')));
                out.extend(next);
            } else {
                prop_assert!(c != '%' && c != '_');
                out.push(c);
            }
        }
        prop_assert_eq!(out, s);
    }

    #[test]
    fn token_parsing_never_panics(s in prop_oneof![text(), "[A-Za-z0-9_-]{42,44}"]) {
        if let Ok(digest) = tokens::digest_of(&s) {
            // Canonical form only: exactly 43 base64url characters.
            prop_assert_eq!(s.len(), 43);
            prop_assert_eq!(digest.as_str().len(), 64);
        }
    }

    #[test]
    fn imported_hash_parsing_never_panics(s in prop_oneof![
        text(),
        r"\$argon2(id|i|d)\$(v=(16|19)\$)?m=[0-9]{1,7},t=[0-9]{1,3},p=[0-9]{1,2}\$[A-Za-z0-9+/]{0,30}\$[A-Za-z0-9+/]{0,70}",
        // The legacy formats, near their real shapes.
        r"pbkdf2_sha(1|256)\$[0-9]{0,21}\$[ -~]{0,30}\$[A-Za-z0-9+/=]{0,50}",
        r"(bcrypt_sha256\$|bcrypt\$)?\$2[abxy]\$[0-9]{1,3}\$[./A-Za-z0-9]{50,56}",
        r"scrypt\$[0-9]{0,21}\$[ -~]{0,30}\$[0-9]{0,12}\$[0-9]{0,12}\$[A-Za-z0-9+/=]{0,100}",
        r"\$scrypt\$ln=[0-9]{0,4},r=[0-9]{0,12},p=[0-9]{0,12}\$[A-Za-z0-9+/]{0,30}\$[A-Za-z0-9+/]{0,50}",
    ]) {
        let _ = parse_imported_hash(&s);
    }
}

proptest! {
    // zxcvbn is the slow part; fewer cases.
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn password_policy_never_panics(
        s in prop_oneof![text(), ".{0,200}", "[a-z]{4000,4200}"],
        user in text(),
        email in text(),
        tenant in text(),
    ) {
        let ctx = PolicyContext { username: Some(&user), email: Some(&email), tenant: Some(&tenant) };
        let result = PasswordPolicy::default().check(&Password::new(s.clone()), &ctx);
        if s.len() > tenantry_service::password::MAX_PASSWORD_BYTES {
            prop_assert!(result.is_err());
        }
    }
}
