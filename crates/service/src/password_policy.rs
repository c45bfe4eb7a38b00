//! Passwords: a redacted wrapper and the password policy (NIST SP 800-63B, OWASP ASVS 5).
//!
//! The policy has no composition rules ("one digit, one symbol"); it bounds the length, refuses
//! control characters, passwords built from the user's own names, and passwords that
//! [zxcvbn](https://github.com/shssoichiro/zxcvbn-rs) scores below a floor. A password is never
//! truncated: a too-long one is refused.
//!
//! zxcvbn is behind the `password-strength` feature (on by default). A build without it cannot
//! score passwords, so it never pretends to: [`SeaOrmUserRepository::new`] and `open` refuse a
//! policy whose `min_strength` is above 0 with [`Error::PasswordStrengthNotEnabled`], and
//! [`PasswordPolicy::check`] called directly with such a policy refuses every password as
//! [`Rule::Weak`]. Set `min_strength` to 0 to run without it.
//!
//! Lengths are counted in code points of the NFKC form, the same form the hasher hashes (see
//! [`normalized`]), so a password typed with a fullwidth keyboard layout, or with decomposed
//! accents, is the same password everywhere.
//!
//! ```
//! use tenantry_service::password_policy::{Password, PasswordPolicy, PolicyContext};
//! use tenantry_service::validation::Rule;
//!
//! let policy = PasswordPolicy::default();
//! let ctx = PolicyContext { username: Some("ada"), email: None, tenant: Some("acme") };
//! assert_eq!(policy.check(&Password::new("short"), &ctx), Err(Rule::TooShort { min: 8 }));
//! assert_eq!(policy.check(&Password::new("ada-2024-ada"), &ctx), Err(Rule::ContainsPersonalInfo));
//! assert_eq!(policy.check(&Password::new("password1"), &ctx), Err(Rule::Weak));
//! assert_eq!(policy.check(&Password::new("vivid ocelot tangles quietly"), &ctx), Ok(()));
//! ```

use serde::Deserialize;
use unicode_normalization::UnicodeNormalization;

use crate::validation::{Rule, is_control};
#[cfg(doc)]
use crate::{Error, SeaOrmUserRepository};

/// Inputs longer than this many bytes are refused before they are normalized or hashed, so a
/// megabyte "password" costs nothing.
pub const MAX_PASSWORD_BYTES: usize = 4096;

/// The lowest minimum length a policy can have; [`PasswordPolicy::with_min_length`] and
/// [`PasswordPolicy::check`] never go below it.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Personal names shorter than this are too common as substrings to refuse.
const MIN_PERSONAL_CHARS: usize = 3;

/// The highest zxcvbn score; a higher floor is treated as this one.
const MAX_ZXCVBN_SCORE: u8 = 4;

crate::redacted::redacted_secret! {
    /// A password as the user typed it.
    ///
    /// Its `Debug` prints `[redacted]`, it deserializes from a plain JSON string but never
    /// serializes, and its memory is zeroed when it is dropped.
    #[derive(Clone, Deserialize)]
    #[serde(transparent)]
    pub struct Password(String);
}

impl Password {
    /// Wraps a password.
    pub fn new(password: impl Into<String>) -> Self {
        Self(password.into())
    }

    /// The password, for the hasher and the policy.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// The password in Unicode NFKC form, the form that is checked and hashed.
///
/// NFKC maps compatibility variants to one form (fullwidth `ｐａｓｓ` to `pass`, `e` + U+0301 to
/// `é`), so the same password typed on different keyboards or operating systems verifies.
/// Hashes imported from another system were made from the raw password; they verify whenever
/// the raw password is already in NFKC form, which is the case for nearly every password (plain
/// ASCII always is).
pub fn normalized(password: &Password) -> Password {
    Password(password.0.nfkc().collect())
}

/// Who the password belongs to, so the policy can refuse passwords built from their names.
#[derive(Clone, Copy, Debug, Default)]
pub struct PolicyContext<'a> {
    /// The user's username.
    pub username: Option<&'a str>,
    /// The user's email address.
    pub email: Option<&'a str>,
    /// The tenant's slug.
    pub tenant: Option<&'a str>,
}

/// The rules a new password must meet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// Fewest characters (code points after NFKC). Default 8; values below 8 count as 8.
    pub min_length: usize,
    /// Most characters (code points after NFKC). Default 128.
    pub max_length: usize,
    /// Lowest acceptable zxcvbn score, 0–4. Default 3 (at least about 10^8 guesses, "safely
    /// unguessable" online): eight random characters score 2, so in practice a random password
    /// needs ten or more characters, a passphrase three or four uncommon words. 4 and above
    /// require the top score; 0 turns the check off.
    pub min_strength: u8,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_length: MIN_PASSWORD_CHARS,
            max_length: 128,
            min_strength: 3,
        }
    }
}

impl PasswordPolicy {
    /// This policy with a minimum length of `min_length`, raised to 8 if lower: the minimum can
    /// be configured upward only.
    #[must_use]
    pub fn with_min_length(self, min_length: usize) -> Self {
        Self {
            min_length: min_length.max(MIN_PASSWORD_CHARS),
            ..self
        }
    }

    /// Checks a new password against this policy.
    ///
    /// The checks run in this order and the first broken rule is returned:
    ///
    /// 1. more than [`MAX_PASSWORD_BYTES`] bytes as given: [`Rule::TooLong`] with
    ///    `max_length`, before any normalization;
    /// 2. empty: [`Rule::Required`]; fewer than `min_length` code points after NFKC:
    ///    [`Rule::TooShort`]; more than `max_length`: [`Rule::TooLong`];
    /// 3. a control character (`\0`, `\t`, `\n`, U+2028, …): [`Rule::ControlCharacter`];
    /// 4. built from the user's username, email address or tenant slug:
    ///    [`Rule::ContainsPersonalInfo`]. Compared case-insensitively (NFKC, lowercase), a
    ///    password is built from a name of at least 3 characters when it contains the name,
    ///    or when its letters alone equal the name's letters alone (`Acme-Corp!2024` for tenant
    ///    `acme-corp`). The names are the username, the whole email address and its local part,
    ///    and the tenant slug;
    /// 5. zxcvbn, told the same names, scores it below `min_strength`: [`Rule::Weak`].
    ///
    /// # Errors
    ///
    /// The first [`Rule`] broken, as listed above.
    pub fn check(&self, password: &Password, ctx: &PolicyContext<'_>) -> Result<(), Rule> {
        if password.0.len() > MAX_PASSWORD_BYTES {
            return Err(Rule::TooLong {
                max: self.max_length,
            });
        }
        let normalized = normalized(password);
        let length = normalized.0.chars().count();
        let min = self.min_length.max(MIN_PASSWORD_CHARS);
        if length == 0 {
            return Err(Rule::Required);
        }
        if length < min {
            return Err(Rule::TooShort { min });
        }
        if length > self.max_length {
            return Err(Rule::TooLong {
                max: self.max_length,
            });
        }
        if normalized.0.chars().any(is_control) {
            return Err(Rule::ControlCharacter);
        }
        let folded = Password(normalized.0.to_lowercase());
        let names = personal_names(ctx);
        if names.iter().any(|name| is_built_from(&folded.0, name)) {
            return Err(Rule::ContainsPersonalInfo);
        }
        let floor = self.min_strength.min(MAX_ZXCVBN_SCORE);
        if floor == 0 {
            return Ok(());
        }
        let inputs: Vec<&str> = names.iter().map(String::as_str).collect();
        // No score without the `password-strength` feature: refused, never waved through.
        match strength(&normalized.0, &inputs) {
            Some(score) if score >= floor => Ok(()),
            _ => Err(Rule::Weak),
        }
    }

    /// Whether this build can apply the policy: a `min_strength` above 0 needs the
    /// `password-strength` feature.
    ///
    /// # Errors
    ///
    /// [`Error::PasswordStrengthNotEnabled`] with the policy's `min_strength` when it is above 0
    /// and the feature is off.
    pub fn ensure_supported(&self) -> Result<(), crate::Error> {
        supported(self.min_strength, STRENGTH_SCORED)
    }
}

/// Whether this build scores passwords (the `password-strength` feature).
pub const STRENGTH_SCORED: bool = cfg!(feature = "password-strength");

fn supported(min_strength: u8, scored: bool) -> Result<(), crate::Error> {
    if min_strength > 0 && !scored {
        return Err(crate::Error::PasswordStrengthNotEnabled { min_strength });
    }
    Ok(())
}

/// zxcvbn's score of `password`, 0–4, told the user's `names`.
#[cfg(feature = "password-strength")]
fn strength(password: &str, names: &[&str]) -> Option<u8> {
    Some(u8::from(zxcvbn::zxcvbn(password, names).score()))
}

/// No score: the `password-strength` feature is off.
#[cfg(not(feature = "password-strength"))]
fn strength(_password: &str, _names: &[&str]) -> Option<u8> {
    None
}

/// The user's names, folded like keys (NFKC, lowercase, trimmed), without empty ones.
fn personal_names(ctx: &PolicyContext<'_>) -> Vec<String> {
    let fold = |s: &str| {
        s.nfkc()
            .collect::<String>()
            .to_lowercase()
            .trim()
            .to_owned()
    };
    let mut names = Vec::with_capacity(4);
    if let Some(username) = ctx.username {
        names.push(fold(username));
    }
    if let Some(email) = ctx.email {
        let email = fold(email);
        if let Some((local, _domain)) = email.rsplit_once('@') {
            names.push(local.to_owned());
        }
        names.push(email);
    }
    if let Some(tenant) = ctx.tenant {
        names.push(fold(tenant));
    }
    names.retain(|name| !name.is_empty());
    names
}

/// Whether the folded password contains `name`, or its letters equal `name`'s letters.
fn is_built_from(password: &str, name: &str) -> bool {
    let letters = |s: &str| s.chars().filter(|c| c.is_alphabetic()).collect::<String>();
    if name.chars().count() >= MIN_PERSONAL_CHARS && password.contains(name) {
        return true;
    }
    let name_letters = letters(name);
    name_letters.chars().count() >= MIN_PERSONAL_CHARS && letters(password) == name_letters
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRONG: &str = "vivid ocelot tangles quietly";

    fn ctx() -> PolicyContext<'static> {
        PolicyContext {
            username: Some("John.Smith"),
            email: Some("jsmith@example.com"),
            tenant: Some("acme-corp"),
        }
    }

    fn check(password: &str) -> Result<(), Rule> {
        PasswordPolicy::default().check(&Password::new(password), &ctx())
    }

    #[test]
    fn policy_table() {
        let at_max = format!("{STRONG} {}", "q".repeat(128 - STRONG.len() - 1));
        assert_eq!(at_max.chars().count(), 128);
        let over_max = format!("{at_max}q");
        let over_bytes = "x".repeat(MAX_PASSWORD_BYTES + 1);
        let huge = "x".repeat(1_000_000);
        let cases: &[(&str, Result<(), Rule>)] = &[
            ("", Err(Rule::Required)),
            ("a", Err(Rule::TooShort { min: 8 })),
            ("q7#Vz!p", Err(Rule::TooShort { min: 8 })),
            // Eight random characters are about 10^8 guesses to zxcvbn: score 2, below the
            // default floor of 3. Length alone is checked in `exactly_min_length_passes`.
            ("q7#Vz!p2", Err(Rule::Weak)),
            ("q7#Vz!p2Lk", Ok(())),
            (STRONG, Ok(())),
            (&at_max, Ok(())),
            (&over_max, Err(Rule::TooLong { max: 128 })),
            (&over_bytes, Err(Rule::TooLong { max: 128 })),
            (&huge, Err(Rule::TooLong { max: 128 })),
            // Spaces, punctuation and any script are fine: no composition rules.
            ("correct horse battery staple", Ok(())),
            ("Жёлтый_жираф_пьёт_чай", Ok(())),
            ("'; DROP TABLE users;-- x7Q", Ok(())),
            ("100%_wild_cards_%%__", Ok(())),
            // Zero-width and bidi characters are printable enough for a secret; only controls
            // are refused.
            ("vivid\u{200B}ocelot tangles", Ok(())),
            ("vivid ocelot\u{202E} tangles", Ok(())),
            (
                "vivid ocelot\0 tangles quietly",
                Err(Rule::ControlCharacter),
            ),
            ("vivid ocelot\ttangles quietly", Err(Rule::ControlCharacter)),
            (
                "vivid ocelot tangles quietly\n",
                Err(Rule::ControlCharacter),
            ),
            ("vivid ocelot\u{2028}tangles", Err(Rule::ControlCharacter)),
            ("password", Err(Rule::Weak)),
            ("password1", Err(Rule::Weak)),
            ("12345678", Err(Rule::Weak)),
            ("qwertyuiop", Err(Rule::Weak)),
            ("aaaaaaaaaaaaaaaa", Err(Rule::Weak)),
        ];
        for (input, expected) in cases {
            assert_eq!(check(input), *expected, "input {input:?}");
        }
    }

    #[test]
    fn personal_info_table() {
        let cases: &[(&str, Result<(), Rule>)] = &[
            ("john.smith", Err(Rule::ContainsPersonalInfo)),
            ("John.Smith-2024!", Err(Rule::ContainsPersonalInfo)),
            ("ｊｏｈｎ.ｓｍｉｔｈ99", Err(Rule::ContainsPersonalInfo)),
            ("JohnSmith99!", Err(Rule::ContainsPersonalInfo)),
            ("jsmith@example.com", Err(Rule::ContainsPersonalInfo)),
            ("my jsmith secret!", Err(Rule::ContainsPersonalInfo)),
            ("acme-corp-rocks", Err(Rule::ContainsPersonalInfo)),
            ("Acme-Corp!2024", Err(Rule::ContainsPersonalInfo)),
            ("ACMECORP_2024", Err(Rule::ContainsPersonalInfo)),
            // Letters that merely include a name's letters are judged by zxcvbn instead.
            (STRONG, Ok(())),
        ];
        for (input, expected) in cases {
            assert_eq!(check(input), *expected, "input {input:?}");
        }
    }

    #[test]
    fn short_names_are_not_personal_info() {
        let ctx = PolicyContext {
            username: Some("jo"),
            email: Some("jo@x.io"),
            tenant: None,
        };
        let policy = PasswordPolicy::default();
        assert_eq!(policy.check(&Password::new(STRONG), &ctx), Ok(()));
        assert_eq!(
            policy.check(&Password::new("my jo@x.io vivid ocelot"), &ctx),
            Err(Rule::ContainsPersonalInfo)
        );
    }

    #[test]
    fn no_context_means_no_personal_info_check() {
        let policy = PasswordPolicy::default();
        let empty = PolicyContext::default();
        assert_eq!(
            policy.check(&Password::new("Acme-Corp!2024-Vivid"), &empty),
            Ok(())
        );
    }

    #[test]
    fn a_strength_floor_without_zxcvbn_is_refused_not_dropped() {
        assert!(supported(0, false).is_ok());
        assert!(supported(3, true).is_ok());
        assert!(matches!(
            supported(3, false),
            Err(crate::Error::PasswordStrengthNotEnabled { min_strength: 3 })
        ));
        assert!(PasswordPolicy::default().ensure_supported().is_ok());
    }

    #[test]
    fn zxcvbn_is_told_the_names() {
        // Strong on its own, weak once zxcvbn knows the username it was derived from.
        let name = "Kwalibrant";
        let password = "kwalibrant1984";
        let policy = PasswordPolicy::default();
        let anon = PolicyContext::default();
        let known = PolicyContext {
            username: Some(name),
            ..PolicyContext::default()
        };
        let plain = u8::from(zxcvbn::zxcvbn(password, &[]).score());
        assert!(plain >= 3, "score without names {plain}");
        assert_eq!(policy.check(&Password::new(password), &anon), Ok(()));
        assert_ne!(policy.check(&Password::new(password), &known), Ok(()));
    }

    #[test]
    fn length_counts_code_points_after_nfkc() {
        let policy = PasswordPolicy::default();
        let ctx = PolicyContext::default();
        // Seven precomposed characters typed decomposed: 14 code points, 7 after NFKC.
        let decomposed = "e\u{301}".repeat(7);
        assert_eq!(
            policy.check(&Password::new(decomposed), &ctx),
            Err(Rule::TooShort { min: 8 })
        );
        // Eight four-byte characters: 32 bytes, 8 code points.
        assert_ne!(
            policy.check(&Password::new("🦀".repeat(8)), &ctx),
            Err(Rule::TooShort { min: 8 })
        );
        // 4 KiB is refused before counting, even when it would be few code points.
        let wide = "🦀".repeat(MAX_PASSWORD_BYTES / 4 + 1);
        let policy = PasswordPolicy {
            max_length: 5000,
            ..PasswordPolicy::default()
        };
        assert_eq!(
            policy.check(&Password::new(wide), &ctx),
            Err(Rule::TooLong { max: 5000 })
        );
    }

    #[test]
    fn exactly_min_length_passes() {
        let policy = PasswordPolicy {
            min_strength: 0,
            ..PasswordPolicy::default()
        };
        let ctx = PolicyContext::default();
        assert_eq!(policy.check(&Password::new("q7#Vz!p2"), &ctx), Ok(()));
        assert_eq!(
            policy.check(&Password::new("q7#Vz!p"), &ctx),
            Err(Rule::TooShort { min: 8 })
        );
        // Eight fullwidth characters are eight code points after NFKC, too.
        assert_eq!(
            policy.check(&Password::new("ｑ７＃Ｖｚ！ｐ２"), &ctx),
            Ok(())
        );
    }

    #[test]
    fn exactly_max_bytes_is_judged_on_code_points() {
        let policy = PasswordPolicy {
            max_length: MAX_PASSWORD_BYTES,
            min_strength: 0,
            ..PasswordPolicy::default()
        };
        let at_limit = "xQ".repeat(MAX_PASSWORD_BYTES / 2);
        assert_eq!(
            policy.check(&Password::new(at_limit), &PolicyContext::default()),
            Ok(())
        );
    }

    #[test]
    fn min_length_is_configurable_upward_only() {
        assert_eq!(PasswordPolicy::default().with_min_length(4).min_length, 8);
        assert_eq!(PasswordPolicy::default().with_min_length(12).min_length, 12);
        let lowered = PasswordPolicy {
            min_length: 1,
            ..PasswordPolicy::default()
        };
        assert_eq!(
            lowered.check(&Password::new("q7#Vz!p"), &PolicyContext::default()),
            Err(Rule::TooShort { min: 8 })
        );
        let raised = PasswordPolicy::default().with_min_length(30);
        assert_eq!(
            raised.check(&Password::new(STRONG), &PolicyContext::default()),
            Err(Rule::TooShort { min: 30 })
        );
    }

    #[test]
    fn strength_floor_is_configurable() {
        let ctx = PolicyContext::default();
        let lenient = PasswordPolicy {
            min_strength: 0,
            ..PasswordPolicy::default()
        };
        assert_eq!(lenient.check(&Password::new("password"), &ctx), Ok(()));
        let beyond = PasswordPolicy {
            min_strength: 200,
            ..PasswordPolicy::default()
        };
        assert_eq!(beyond.check(&Password::new(STRONG), &ctx), Ok(()));
    }

    #[test]
    fn password_is_redacted() {
        let password = Password::new("hunter2-hunter2");
        assert_eq!(format!("{password:?}"), "[redacted]");
        assert_eq!(format!("{:?}", Some(password.clone())), "Some([redacted])");
        assert_eq!(password.expose(), "hunter2-hunter2");
    }

    #[test]
    fn password_deserializes_from_a_string() {
        #[derive(Deserialize)]
        struct Login {
            password: Password,
        }
        let login: Login = serde_json::from_str(r#"{"password":"s3cr3t-vivid"}"#)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(login.password.expose(), "s3cr3t-vivid");
    }

    #[test]
    fn normalized_is_nfkc() {
        assert_eq!(normalized(&Password::new("ｐａｓｓ")).expose(), "pass");
        assert_eq!(normalized(&Password::new("e\u{301}")).expose(), "é");
        assert_eq!(
            normalized(&Password::new("Pass Word")).expose(),
            "Pass Word"
        );
    }
}

crate::redacted::redacted_secret! {
    /// A password hash from another system, as given to an import. Its `Debug` prints
    /// `[redacted]`, it does not serialize, and its memory is zeroed on drop.
    #[derive(Clone, Default, serde::Deserialize)]
    #[serde(transparent)]
    pub struct ImportedHash(String);
}

impl ImportedHash {
    /// Wraps a PHC string.
    pub fn new(phc: impl Into<String>) -> Self {
        Self(phc.into())
    }

    /// The PHC string.
    pub fn expose(&self) -> &str {
        &self.0
    }
}
