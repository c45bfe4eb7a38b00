//! Input validation: one function per field, and a [`Validator`] that collects every broken rule
//! of a form at once.
//!
//! Each field function returns the first [`Rule`] the value breaks. The checks run in this order,
//! so the same input always reports the same rule:
//!
//! 1. [`Rule::Required`]: the value is empty (names and display names: empty or only whitespace).
//! 2. [`Rule::TooLong`] on the value as entered, a cheap bound before any normalization.
//! 3. [`Rule::ControlCharacter`]: C0/C1 controls (`\0`, `\t`, `\n`, …) and the Unicode line and
//!    paragraph separators U+2028/U+2029.
//! 4. [`Rule::InvisibleCharacter`]: format characters (general category Cf: zero-width space
//!    U+200B, zero-width joiner U+200D, byte-order mark U+FEFF, bidi controls such as U+202E and
//!    U+2066, …) and the Hangul fillers U+115F, U+1160, U+3164 and U+FFA0, which render as
//!    nothing yet count as letters. They let two names look identical or reorder what an
//!    administrator sees, so no field accepts them. A side effect: emoji sequences joined by
//!    U+200D (👨‍👩‍👧) are refused in display names; single emoji are fine.
//! 5. [`Rule::TooLong`] / [`Rule::TooShort`] on the normalized value, where the field has a key.
//! 6. [`Rule::InvalidCharacter`]: a character outside the field's character set, or leading or
//!    trailing whitespace.
//! 7. [`Rule::InvalidFormat`]: the characters are allowed but the shape is not.
//!
//! Lengths are counted in Unicode code points ("characters"), never bytes.
//!
//! Decisions per field:
//!
//! - [`username`] and [`plant_code`] have a case-insensitive key (NFKC, then lowercase; see
//!   [`crate::normalize`]). Both the value as entered and its NFKC form must fit the maximum, so
//!   the stored value and its key both fit their columns; the minimum is counted on the NFKC form.
//!   The character set (letters, digits, `.`, `_`, `-`) is checked on the NFKC form, so a
//!   decomposed `e` + U+0301 is accepted like the precomposed `é`. At least one letter or digit is
//!   required (`...` is [`Rule::InvalidFormat`]). Whitespace anywhere, leading or trailing
//!   included, is [`Rule::InvalidCharacter`]. Look-alike characters from different scripts (Latin
//!   `a`, Cyrillic `а`) are not folded together: they are different names.
//! - [`email`] is trimmed before it is checked, because its key is trimmed too; callers should
//!   store the trimmed value. The address must parse with the `email_address` crate's strict
//!   options: no display name (`Name <a@b.example>`), no IP-literal domain (`a@[127.0.0.1]`), and a
//!   domain with at least two labels (`a@localhost` is refused). At most 254 characters.
//! - [`display_name`] and [`name`] (tenant and plant names) are free text: any printable
//!   character, spaces inside included, 1–100 characters as entered. They are not trimmed:
//!   leading or trailing whitespace is [`Rule::InvalidCharacter`], so the value stored is exactly
//!   the value checked; hosts trim form input before calling if they want to be lenient. SQL
//!   metacharacters (`'`, `;`, `--`, `%`, `_`) are ordinary text here: every query binds values
//!   as parameters and LIKE patterns are escaped ([`crate::normalize::escape_like`]).
//! - [`tenant_slug`] is ASCII: 3–63 of `a-z`, `0-9` and `-`, lowercase only (an uppercase letter
//!   is [`Rule::InvalidCharacter`]), not starting or ending with `-` ([`Rule::InvalidFormat`]), so
//!   it can serve as a DNS label or a URL segment unchanged. Inner double hyphens are allowed.
//!
//! ```
//! use tenantry_service::validation::{self, Rule, Validator};
//!
//! let mut v = Validator::new();
//! v.check("username", validation::username("ab"))
//!     .check("email", validation::email(" ada@example.com "))
//!     .check("display_name", validation::display_name("Ada Lovelace"));
//! let errors = v.finish().unwrap_err();
//! assert!(errors.has("username", Rule::TooShort { min: 3 }));
//! assert_eq!(errors.to_string(), "username: shorter than 3 characters");
//! ```

use std::fmt;

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Fewest characters in a username (counted after NFKC).
pub const USERNAME_MIN_CHARS: usize = 3;
/// Most characters in a username.
pub const USERNAME_MAX_CHARS: usize = 50;
/// Most characters in an email address.
pub const EMAIL_MAX_CHARS: usize = 254;
/// Most characters in a display name.
pub const DISPLAY_NAME_MAX_CHARS: usize = 100;
/// Most characters in a tenant or plant name.
pub const NAME_MAX_CHARS: usize = 100;
/// Fewest characters in a tenant slug.
pub const TENANT_SLUG_MIN_CHARS: usize = 3;
/// Most characters in a tenant slug (a DNS label's limit).
pub const TENANT_SLUG_MAX_CHARS: usize = 63;
/// Most characters in a plant code.
pub const PLANT_CODE_MAX_CHARS: usize = 32;

/// The rule a value broke.
///
/// It serializes with the rule's name in `snake_case` under `"rule"`, plus its limit when it has
/// one: `{"rule":"too_long","max":50}`. Its `Display` is a short English phrase that names the
/// limit and never the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Rule {
    /// The value is missing, empty or blank.
    Required,
    /// The value has fewer than `min` characters.
    TooShort {
        /// The fewest characters allowed.
        min: usize,
    },
    /// The value has more than `max` characters.
    TooLong {
        /// The most characters allowed.
        max: usize,
    },
    /// The value holds a character outside the field's character set, or leading or trailing
    /// whitespace.
    InvalidCharacter,
    /// The value holds a control character (`\0`, `\t`, `\n`, U+2028, …).
    ControlCharacter,
    /// The value holds an invisible character: a format character (zero-width, bidi control,
    /// byte-order mark) or a Hangul filler.
    InvisibleCharacter,
    /// The characters are allowed but the value's shape is not (an email address that does not
    /// parse, a slug starting with `-`).
    InvalidFormat,
    /// The password is too easy to guess.
    Weak,
    /// The password is built from the user's username, email address or tenant.
    ContainsPersonalInfo,
    /// The password hash is in none of the formats tenantry imports (argon2, PBKDF2, bcrypt,
    /// scrypt; see `hashing::parse_imported_hash`).
    UnsupportedHash,
    /// The password hash starts like `format` but is not a well-formed one: truncated, bad
    /// base64, stray characters or whitespace, a non-canonical encoding.
    MalformedHash {
        /// The format it claims to be.
        format: HashFormat,
    },
    /// The password hash is a well-formed `format` hash whose work factor (iterations, cost,
    /// memory) is beyond what tenantry verifies, so one login cannot take seconds or gigabytes.
    HashOutOfBounds {
        /// Its format.
        format: HashFormat,
    },
    /// The password hash is a `format` hash this build cannot verify: tenantry-service was
    /// built without its `legacy-hashes` feature (PBKDF2, bcrypt and scrypt).
    HashFormatNotEnabled {
        /// Its format.
        format: HashFormat,
    },
    /// The same item (a plant in a role list) is given more than once.
    Duplicate,
    /// The value contradicts another field (a password for an invited user).
    NotAllowed,
    /// A value the database cannot store: a time after 2038-01-19 03:14:07 UTC on
    /// MySQL/MariaDB, a paging offset above `i64::MAX`.
    OutOfRange,
    /// The value names nothing there is (a group member that is no live user of the tenant).
    NotFound,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Required => f.write_str("required"),
            Self::TooShort { min } => write!(f, "shorter than {min} characters"),
            Self::TooLong { max } => write!(f, "longer than {max} characters"),
            Self::InvalidCharacter => f.write_str("contains a character that is not allowed"),
            Self::ControlCharacter => f.write_str("contains a control character"),
            Self::InvisibleCharacter => f.write_str("contains an invisible character"),
            Self::InvalidFormat => f.write_str("not in a valid format"),
            Self::Weak => f.write_str("too easy to guess"),
            Self::ContainsPersonalInfo => {
                f.write_str("built from the username, email address or tenant")
            }
            Self::UnsupportedHash => {
                f.write_str("not an argon2, PBKDF2, bcrypt or scrypt password hash")
            }
            Self::MalformedHash { format } => write!(f, "not a well-formed {format} hash"),
            Self::HashOutOfBounds { format } => {
                write!(
                    f,
                    "a {format} hash with a work factor beyond tenantry's bounds"
                )
            }
            Self::HashFormatNotEnabled { format } => write!(
                f,
                "a {format} hash, which this build verifies only with tenantry-service's \
                 `legacy-hashes` feature"
            ),
            Self::Duplicate => f.write_str("lists the same item more than once"),
            Self::NotAllowed => f.write_str("not allowed together with the other fields"),
            Self::OutOfRange => f.write_str("outside the range the database can store"),
            Self::NotFound => f.write_str("names nothing that exists here"),
        }
    }
}

/// A password hash format that `hashing::parse_imported_hash`
/// recognizes, as named in [`Rule::MalformedHash`] and [`Rule::HashOutOfBounds`].
///
/// Serializes in `snake_case` (`"django_pbkdf2_sha256"`); its `Display` is the name the tool
/// that writes it uses (`Django pbkdf2_sha256`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum HashFormat {
    /// An argon2 PHC string (`$argon2id$…`, or Django's `argon2$argon2id$…`).
    Argon2,
    /// Django's `pbkdf2_sha256$<iterations>$<salt>$<hash>`.
    DjangoPbkdf2Sha256,
    /// Django's `pbkdf2_sha1$<iterations>$<salt>$<hash>`.
    DjangoPbkdf2Sha1,
    /// Django's `bcrypt_sha256$$2b$…`: bcrypt of the password's SHA-256 in hex.
    DjangoBcryptSha256,
    /// Django's `bcrypt$$2b$…`.
    DjangoBcrypt,
    /// A modular-crypt bcrypt string `$2a$`, `$2b$` or `$2y$` (Devise, passlib, PHP, OpenBSD).
    Bcrypt,
    /// Django's `scrypt$<N>$<salt>$<r>$<p>$<hash>`.
    DjangoScrypt,
    /// passlib's `$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>`.
    PasslibScrypt,
}

impl fmt::Display for HashFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Argon2 => "argon2",
            Self::DjangoPbkdf2Sha256 => "Django pbkdf2_sha256",
            Self::DjangoPbkdf2Sha1 => "Django pbkdf2_sha1",
            Self::DjangoBcryptSha256 => "Django bcrypt_sha256",
            Self::DjangoBcrypt => "Django bcrypt",
            Self::Bcrypt => "bcrypt",
            Self::DjangoScrypt => "Django scrypt",
            Self::PasslibScrypt => "passlib scrypt",
        })
    }
}

/// One broken rule of one field.
///
/// Serializes as `{"field":"username","rule":"too_long","max":50}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's name, as the caller passed it to [`Validator::check`].
    pub field: &'static str,
    /// The rule it broke.
    #[serde(flatten)]
    pub rule: Rule,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.rule)
    }
}

/// Every broken rule of a form, in the order they were found.
///
/// Its `Display` names fields and rules only (`username: longer than 50 characters; email: not in
/// a valid format`), never a submitted value, so it is safe to log and to show. It serializes as
/// a JSON array of [`FieldError`]s.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct ValidationErrors(Vec<FieldError>);

impl ValidationErrors {
    /// The errors of a form that broke exactly one rule, for checks made outside a [`Validator`].
    pub fn single(field: &'static str, rule: Rule) -> Self {
        Self(vec![FieldError { field, rule }])
    }

    /// Every broken rule, in the order found.
    pub fn errors(&self) -> &[FieldError] {
        &self.0
    }

    /// Whether `field` broke `rule`.
    pub fn has(&self, field: &str, rule: Rule) -> bool {
        self.0.iter().any(|e| e.field == field && e.rule == rule)
    }

    /// Whether no rule was broken.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            error.fmt(f)?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

/// Collects every broken rule of a form, so the caller reports them all at once instead of one
/// per round trip.
#[derive(Debug, Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    /// An empty validator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `result`'s rule against `field` if it is an error.
    pub fn check(&mut self, field: &'static str, result: Result<(), Rule>) -> &mut Self {
        if let Err(rule) = result {
            self.add(field, rule);
        }
        self
    }

    /// Records that `field` broke `rule`.
    pub fn add(&mut self, field: &'static str, rule: Rule) -> &mut Self {
        self.errors.push(FieldError { field, rule });
        self
    }

    /// Whether a rule of `field` is recorded already.
    pub fn has_error(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.field == field)
    }

    /// Ends validation.
    ///
    /// # Errors
    ///
    /// [`ValidationErrors`] holding every recorded rule, if any was recorded.
    pub fn finish(self) -> Result<(), ValidationErrors> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ValidationErrors(self.errors))
        }
    }
}

/// Checks a username: 3–50 characters (counted after NFKC) of Unicode letters, digits, `.`, `_`
/// and `-`, with at least one letter or digit.
///
/// # Errors
///
/// The first [`Rule`] broken, in the order of the [module docs](self).
pub fn username(value: &str) -> Result<(), Rule> {
    identifier(value, USERNAME_MIN_CHARS, USERNAME_MAX_CHARS)
}

/// Most characters in a username under the profile rules' `UsernameChars::Printable` (counted
/// after NFKC): as many as a strict one, so its key fits the column however
/// lowercasing expands it.
pub const PRINTABLE_USERNAME_MAX_CHARS: usize = USERNAME_MAX_CHARS;

/// Checks a username under the printable rule: 1–50 characters (counted after NFKC) of any
/// printable text, spaces inside included, but no `@` (a login with an `@` is an email address,
/// so a username holding one could be another user's login) and no leading or trailing
/// whitespace. Its key and confusable skeleton are the strict rule's, so `Ada` and `аda`
/// (Cyrillic `а`) still collide.
///
/// # Errors
///
/// The first [`Rule`] broken, in the order of the [module docs](self).
pub fn printable_username(value: &str) -> Result<(), Rule> {
    if value.is_empty() {
        return Err(Rule::Required);
    }
    check_max(value, PRINTABLE_USERNAME_MAX_CHARS)?;
    check_visible(value)?;
    let nfkc: String = value.nfkc().collect();
    check_max(&nfkc, PRINTABLE_USERNAME_MAX_CHARS)?;
    if value.trim().is_empty() {
        return Err(Rule::Required);
    }
    if value.trim() != value || nfkc.contains('@') {
        return Err(Rule::InvalidCharacter);
    }
    Ok(())
}

/// Checks a display name against a maximum the host configured (the profile rules'
/// `display_name_max_chars`), otherwise as [`display_name`].
///
/// # Errors
///
/// The first [`Rule`] broken, in the order of the [module docs](self).
pub fn display_name_at_most(value: &str, max: usize) -> Result<(), Rule> {
    free_text(value, max)
}

/// Checks a plant code: 1–32 characters (counted after NFKC) of Unicode letters, digits, `.`,
/// `_` and `-`, with at least one letter or digit (`P-01`, `DE.MUC_2`).
///
/// It shares the username's character set so a code can appear in URLs and file names as is.
///
/// # Errors
///
/// The first [`Rule`] broken, in the order of the [module docs](self).
pub fn plant_code(value: &str) -> Result<(), Rule> {
    identifier(value, 1, PLANT_CODE_MAX_CHARS)
}

/// Checks an email address, after trimming surrounding whitespace.
///
/// # Errors
///
/// The first [`Rule`] broken, in the order of the [module docs](self); an address that does not
/// parse strictly is [`Rule::InvalidFormat`].
pub fn email(value: &str) -> Result<(), Rule> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Rule::Required);
    }
    check_max(value, EMAIL_MAX_CHARS)?;
    check_visible(value)?;
    // The key (NFKC) is what the unique index holds, so it has to fit as well.
    let nfkc: String = value.nfkc().collect();
    check_max(&nfkc, EMAIL_MAX_CHARS)?;
    let options = email_address::Options::default()
        .without_display_text()
        .without_domain_literal()
        .with_required_tld();
    email_address::EmailAddress::parse_with_options(value, options)
        .map(drop)
        .map_err(|_| Rule::InvalidFormat)
}

/// Checks an email domain as a policy lists it (`example.com`): 1–253 characters of ASCII
/// lowercase letters, digits, `-` and `.`, dot-separated labels none of them empty. An
/// internationalized domain is given in its ASCII (punycode) form.
///
/// # Errors
///
/// [`Rule::Required`], [`Rule::TooLong`] or [`Rule::InvalidFormat`].
pub fn email_domain(value: &str) -> Result<(), Rule> {
    if value.is_empty() {
        return Err(Rule::Required);
    }
    check_max(value, 253)?;
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    };
    if value.split('.').all(label_ok) {
        Ok(())
    } else {
        Err(Rule::InvalidFormat)
    }
}

/// Checks a user's display name: 1–100 characters of printable text.
///
/// # Errors
///
/// The first [`Rule`] broken, in the order of the [module docs](self).
pub fn display_name(value: &str) -> Result<(), Rule> {
    free_text(value, DISPLAY_NAME_MAX_CHARS)
}

/// Checks a tenant's or a plant's name: 1–100 characters of printable text.
///
/// # Errors
///
/// The first [`Rule`] broken, in the order of the [module docs](self).
pub fn name(value: &str) -> Result<(), Rule> {
    free_text(value, NAME_MAX_CHARS)
}

/// Checks a host's identifier of a plant: 1–255 characters of printable text, no surrounding
/// whitespace. Compared exactly (no folding): it is a key of the host's own table.
///
/// # Errors
///
/// The first [`Rule`] broken, in the order of the [module docs](self).
pub fn external_id(value: &str) -> Result<(), Rule> {
    free_text(value, EXTERNAL_ID_MAX_CHARS)
}

/// The longest host identifier of a plant, in characters (the column is `VARCHAR(255)`).
pub const EXTERNAL_ID_MAX_CHARS: usize = 255;

/// Checks a tenant slug: 3–63 of `a-z`, `0-9` and `-`, not starting or ending with `-`.
///
/// # Errors
///
/// The first [`Rule`] broken, in the order of the [module docs](self).
pub fn tenant_slug(value: &str) -> Result<(), Rule> {
    if value.is_empty() {
        return Err(Rule::Required);
    }
    check_max(value, TENANT_SLUG_MAX_CHARS)?;
    check_visible(value)?;
    if value.chars().count() < TENANT_SLUG_MIN_CHARS {
        return Err(Rule::TooShort {
            min: TENANT_SLUG_MIN_CHARS,
        });
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(Rule::InvalidCharacter);
    }
    if value.starts_with('-') || value.ends_with('-') {
        return Err(Rule::InvalidFormat);
    }
    Ok(())
}

/// Most characters in a user search: the longest value a user holds (an email address).
pub const SEARCH_MAX_CHARS: usize = EMAIL_MAX_CHARS;

/// Most characters of a key or token a lookup sends to the database; longer ones cannot be
/// stored anywhere, so they are a miss without a query.
const LOOKUP_MAX_CHARS: usize = 1024;

/// Checks a user search (empty means no search): at most 254 characters, none of them a control
/// character. A longer search cannot match anything a user holds, and SQLite refuses a `LIKE`
/// pattern over 50 000 bytes; a NUL is an error on PostgreSQL.
///
/// # Errors
///
/// [`Rule::TooLong`] or [`Rule::ControlCharacter`].
pub fn search(value: &str) -> Result<(), Rule> {
    check_max(value, SEARCH_MAX_CHARS)?;
    if value.chars().any(is_control) {
        return Err(Rule::ControlCharacter);
    }
    Ok(())
}

/// Whether `value` could be a stored key, name or token at all: at most 1 024 characters, none
/// of them a control character. A lookup of anything else answers as a miss without asking the
/// database (a NUL is a database error on PostgreSQL, not a miss).
pub(crate) fn could_be_stored(value: &str) -> bool {
    check_max(value, LOOKUP_MAX_CHARS).is_ok() && !value.chars().any(is_control)
}

/// Whether `c` is a control character for every field: C0/C1 controls and the line and
/// paragraph separators, which break a line wherever the value is shown.
pub(crate) fn is_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c.general_category(),
            GeneralCategory::LineSeparator | GeneralCategory::ParagraphSeparator
        )
}

/// Whether `c` renders as nothing: a format character (Cf) or a Hangul filler, which is a letter
/// to Unicode but has no glyph.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}')
        || c.general_category() == GeneralCategory::Format
}

fn check_max(value: &str, max: usize) -> Result<(), Rule> {
    // `nth(max)` stops after max + 1 characters, so a huge input costs no more than a short one.
    if value.chars().nth(max).is_some() {
        Err(Rule::TooLong { max })
    } else {
        Ok(())
    }
}

fn check_visible(value: &str) -> Result<(), Rule> {
    if value.chars().any(is_control) {
        return Err(Rule::ControlCharacter);
    }
    if value.chars().any(is_invisible) {
        return Err(Rule::InvisibleCharacter);
    }
    Ok(())
}

/// Usernames and plant codes: the identifier character set, counted and checked after NFKC.
fn identifier(value: &str, min: usize, max: usize) -> Result<(), Rule> {
    if value.is_empty() {
        return Err(Rule::Required);
    }
    check_max(value, max)?;
    check_visible(value)?;
    let nfkc: String = value.nfkc().collect();
    check_max(&nfkc, max)?;
    if nfkc.chars().count() < min {
        return Err(Rule::TooShort { min });
    }
    if !nfkc
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(Rule::InvalidCharacter);
    }
    if !nfkc.chars().any(char::is_alphanumeric) {
        return Err(Rule::InvalidFormat);
    }
    Ok(())
}

/// Display names, tenant and plant names: printable text, counted as entered.
fn free_text(value: &str, max: usize) -> Result<(), Rule> {
    if value.is_empty() {
        return Err(Rule::Required);
    }
    check_max(value, max)?;
    check_visible(value)?;
    if value.trim().is_empty() {
        return Err(Rule::Required);
    }
    if value.trim() != value {
        return Err(Rule::InvalidCharacter);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Inputs every field refuses the same way, whatever its character set.
    const HOSTILE: &[(&str, Rule)] = &[
        ("ab\0cd", Rule::ControlCharacter),
        ("abc\n", Rule::ControlCharacter),
        ("ab\tcd", Rule::ControlCharacter),
        ("ab\u{7f}cd", Rule::ControlCharacter),
        ("ab\u{85}cd", Rule::ControlCharacter),
        ("ab\u{2028}cd", Rule::ControlCharacter),
        ("ab\u{2029}cd", Rule::ControlCharacter),
        ("ab\u{200B}cd", Rule::InvisibleCharacter),
        ("\u{FEFF}abcd", Rule::InvisibleCharacter),
        ("ab\u{200D}cd", Rule::InvisibleCharacter),
        ("ab\u{202E}cd", Rule::InvisibleCharacter),
        ("ab\u{2066}cd\u{2069}", Rule::InvisibleCharacter),
        ("ab\u{00AD}cd", Rule::InvisibleCharacter),
        ("ab\u{115F}cd", Rule::InvisibleCharacter),
        ("ab\u{1160}cd", Rule::InvisibleCharacter),
        ("ab\u{3164}cd", Rule::InvisibleCharacter),
        ("ab\u{FFA0}cd", Rule::InvisibleCharacter),
        ("ab\u{E0041}cd", Rule::InvisibleCharacter),
    ];

    fn run(f: fn(&str) -> Result<(), Rule>, cases: &[(&str, Result<(), Rule>)]) {
        for (input, expected) in cases {
            assert_eq!(f(input), *expected, "input {input:?}");
        }
    }

    fn run_hostile(f: fn(&str) -> Result<(), Rule>) {
        for (input, rule) in HOSTILE {
            assert_eq!(f(input), Err(*rule), "input {input:?}");
        }
    }

    #[test]
    fn username_table() {
        let at_limit = "a".repeat(50);
        let over = "a".repeat(51);
        let huge = "a".repeat(10_000);
        let accented_at_limit = "é".repeat(50);
        // 50 decomposed é are 100 code points as entered: too long for the stored column.
        let decomposed_over = "e\u{301}".repeat(50);
        let fullwidth_at_limit = "ａ".repeat(50);
        run(
            username,
            &[
                ("", Err(Rule::Required)),
                ("ab", Err(Rule::TooShort { min: 3 })),
                ("abc", Ok(())),
                (&at_limit, Ok(())),
                (&over, Err(Rule::TooLong { max: 50 })),
                (&huge, Err(Rule::TooLong { max: 50 })),
                (&accented_at_limit, Ok(())),
                (&decomposed_over, Err(Rule::TooLong { max: 50 })),
                (&fullwidth_at_limit, Ok(())),
                ("José", Ok(())),
                ("Jose\u{301}", Ok(())),
                ("ｆｏｏ", Ok(())),
                ("名前です", Ok(())),
                ("Ωμέγα", Ok(())),
                ("john.smith", Ok(())),
                ("john_smith", Ok(())),
                ("john-smith", Ok(())),
                ("12345", Ok(())),
                (".a.", Ok(())),
                ("...", Err(Rule::InvalidFormat)),
                ("-_-", Err(Rule::InvalidFormat)),
                (" alice", Err(Rule::InvalidCharacter)),
                ("alice ", Err(Rule::InvalidCharacter)),
                ("al ice", Err(Rule::InvalidCharacter)),
                ("al\u{a0}ice", Err(Rule::InvalidCharacter)),
                ("alice@example.com", Err(Rule::InvalidCharacter)),
                ("'; DROP TABLE users;--", Err(Rule::InvalidCharacter)),
                ("a%b", Err(Rule::InvalidCharacter)),
                ("%%%", Err(Rule::InvalidCharacter)),
                ("a_b", Ok(())),
                ("___", Err(Rule::InvalidFormat)),
                ("<script>", Err(Rule::InvalidCharacter)),
                ("a/b", Err(Rule::InvalidCharacter)),
                ("😀😀😀", Err(Rule::InvalidCharacter)),
                ("\0", Err(Rule::ControlCharacter)),
                ("\u{200B}", Err(Rule::InvisibleCharacter)),
            ],
        );
        run_hostile(username);
    }

    #[test]
    fn plant_code_table() {
        let at_limit = "P".repeat(32);
        let over = "P".repeat(33);
        run(
            plant_code,
            &[
                ("", Err(Rule::Required)),
                ("P", Ok(())),
                ("7", Ok(())),
                ("P-01", Ok(())),
                ("DE.MUC_2", Ok(())),
                ("Ｐ１", Ok(())),
                ("Zürich", Ok(())),
                (&at_limit, Ok(())),
                (&over, Err(Rule::TooLong { max: 32 })),
                ("-", Err(Rule::InvalidFormat)),
                ("P 01", Err(Rule::InvalidCharacter)),
                (" P01", Err(Rule::InvalidCharacter)),
                ("P01 ", Err(Rule::InvalidCharacter)),
                ("P%", Err(Rule::InvalidCharacter)),
                ("P_", Ok(())),
                ("'; DROP TABLE users;--", Err(Rule::InvalidCharacter)),
            ],
        );
        run_hostile(plant_code);
    }

    #[test]
    fn email_table() {
        // 64-character local part (the RFC limit) + "@" + domain, built up to exactly 254.
        let local = "l".repeat(64);
        let label = "d".repeat(61);
        let at_limit = format!("{local}@{label}.{label}.{label}.com");
        assert_eq!(at_limit.chars().count(), 254);
        let over = format!("{local}@{label}.{label}.{label}.comx");
        let huge = "a".repeat(10_000);
        run(
            email,
            &[
                ("", Err(Rule::Required)),
                ("   ", Err(Rule::Required)),
                ("ada@example.com", Ok(())),
                ("  ada@example.com\u{3000}", Ok(())),
                ("Ada.Lovelace+tag@Example.CO.uk", Ok(())),
                ("用户@例子.广告", Ok(())),
                (&at_limit, Ok(())),
                (&over, Err(Rule::TooLong { max: 254 })),
                (&huge, Err(Rule::TooLong { max: 254 })),
                ("ada", Err(Rule::InvalidFormat)),
                ("ada@", Err(Rule::InvalidFormat)),
                ("@example.com", Err(Rule::InvalidFormat)),
                ("ada@localhost", Err(Rule::InvalidFormat)),
                ("ada@[127.0.0.1]", Err(Rule::InvalidFormat)),
                ("Ada <ada@example.com>", Err(Rule::InvalidFormat)),
                ("<ada@example.com>", Err(Rule::InvalidFormat)),
                ("ada@@example.com", Err(Rule::InvalidFormat)),
                ("ada lovelace@example.com", Err(Rule::InvalidFormat)),
                ("mailto:ada@example.com", Err(Rule::InvalidFormat)),
                ("ada@example..com", Err(Rule::InvalidFormat)),
                ("ada@example.com.", Err(Rule::InvalidFormat)),
                ("ada@-example.com", Err(Rule::InvalidFormat)),
                ("'; DROP TABLE users;--@x.com", Err(Rule::InvalidFormat)),
                ("a%b@example.com", Ok(())),
                ("a_b@example.com", Ok(())),
                ("ada@exam\0ple.com", Err(Rule::ControlCharacter)),
                ("ada@example.com\n", Ok(())),
                ("ada\n@example.com", Err(Rule::ControlCharacter)),
                ("ada\u{200B}@example.com", Err(Rule::InvisibleCharacter)),
                ("\u{FEFF}ada@example.com", Err(Rule::InvisibleCharacter)),
                ("ada@exa\u{202E}mple.com", Err(Rule::InvisibleCharacter)),
            ],
        );
    }

    #[test]
    fn email_key_must_fit_too() {
        // U+FDFA is one character that NFKC expands to eighteen.
        let value = format!("{}@example.com", "\u{FDFA}".repeat(14));
        assert!(value.chars().count() <= 254);
        assert_eq!(email(&value), Err(Rule::TooLong { max: 254 }));
    }

    #[test]
    fn display_name_table() {
        let at_limit = "x".repeat(100);
        let over = "x".repeat(101);
        let wide_at_limit = "名".repeat(100);
        run(
            display_name,
            &[
                ("", Err(Rule::Required)),
                ("   ", Err(Rule::Required)),
                ("\u{3000}", Err(Rule::Required)),
                ("A", Ok(())),
                ("Ada Lovelace", Ok(())),
                ("José Ñúñez-O'Brien", Ok(())),
                ("名前 です", Ok(())),
                ("Ada 😀", Ok(())),
                (&at_limit, Ok(())),
                (&wide_at_limit, Ok(())),
                (&over, Err(Rule::TooLong { max: 100 })),
                ("'; DROP TABLE users;--", Ok(())),
                ("100% _real_", Ok(())),
                ("%", Ok(())),
                ("_", Ok(())),
                ("<b>bold</b>", Ok(())),
                (" Ada", Err(Rule::InvalidCharacter)),
                ("Ada ", Err(Rule::InvalidCharacter)),
                ("Ada\0", Err(Rule::ControlCharacter)),
                ("Ada\r\nEvil", Err(Rule::ControlCharacter)),
                ("Ada\u{200B}", Err(Rule::InvisibleCharacter)),
                ("Ada\u{202E}gnp.exe", Err(Rule::InvisibleCharacter)),
            ],
        );
        run_hostile(display_name);
    }

    #[test]
    fn name_table() {
        let at_limit = "n".repeat(100);
        let over = "n".repeat(101);
        run(
            name,
            &[
                ("", Err(Rule::Required)),
                (" ", Err(Rule::Required)),
                ("Acme", Ok(())),
                ("Werk München 2", Ok(())),
                (&at_limit, Ok(())),
                (&over, Err(Rule::TooLong { max: 100 })),
                ("'; DROP TABLE users;--", Ok(())),
                ("50% off_", Ok(())),
                ("Acme\u{FEFF}", Err(Rule::InvisibleCharacter)),
                ("Acme\u{7}", Err(Rule::ControlCharacter)),
                ("Acme\t", Err(Rule::ControlCharacter)),
                ("Acme ", Err(Rule::InvalidCharacter)),
            ],
        );
        run_hostile(name);
    }

    #[test]
    fn tenant_slug_table() {
        let at_limit = "a".repeat(63);
        let over = "a".repeat(64);
        run(
            tenant_slug,
            &[
                ("", Err(Rule::Required)),
                ("ab", Err(Rule::TooShort { min: 3 })),
                ("abc", Ok(())),
                ("acme-corp", Ok(())),
                ("a--b", Ok(())),
                ("123", Ok(())),
                (&at_limit, Ok(())),
                (&over, Err(Rule::TooLong { max: 63 })),
                ("Acme", Err(Rule::InvalidCharacter)),
                ("acme_corp", Err(Rule::InvalidCharacter)),
                ("acme.corp", Err(Rule::InvalidCharacter)),
                ("acme corp", Err(Rule::InvalidCharacter)),
                (" acme", Err(Rule::InvalidCharacter)),
                ("acmé", Err(Rule::InvalidCharacter)),
                ("ａｃｍｅ", Err(Rule::InvalidCharacter)),
                ("acme%", Err(Rule::InvalidCharacter)),
                ("'; DROP TABLE users;--", Err(Rule::InvalidCharacter)),
                ("-acme", Err(Rule::InvalidFormat)),
                ("acme-", Err(Rule::InvalidFormat)),
                ("---", Err(Rule::InvalidFormat)),
            ],
        );
        run_hostile(tenant_slug);
    }

    #[test]
    fn rule_display_names_the_limit() {
        assert_eq!(Rule::Required.to_string(), "required");
        assert_eq!(
            Rule::TooShort { min: 3 }.to_string(),
            "shorter than 3 characters"
        );
        assert_eq!(
            Rule::TooLong { max: 50 }.to_string(),
            "longer than 50 characters"
        );
        for rule in [
            Rule::InvalidCharacter,
            Rule::ControlCharacter,
            Rule::InvisibleCharacter,
            Rule::InvalidFormat,
            Rule::Weak,
            Rule::ContainsPersonalInfo,
            Rule::UnsupportedHash,
        ] {
            assert!(!rule.to_string().is_empty());
        }
        let format = HashFormat::DjangoPbkdf2Sha256;
        assert_eq!(
            Rule::MalformedHash { format }.to_string(),
            "not a well-formed Django pbkdf2_sha256 hash"
        );
        assert_eq!(
            Rule::HashOutOfBounds { format }.to_string(),
            "a Django pbkdf2_sha256 hash with a work factor beyond tenantry's bounds"
        );
        assert_eq!(
            serde_json::to_string(&Rule::HashOutOfBounds { format }).unwrap_or_default(),
            r#"{"rule":"hash_out_of_bounds","format":"django_pbkdf2_sha256"}"#
        );
        assert_eq!(
            Rule::HashFormatNotEnabled { format }.to_string(),
            "a Django pbkdf2_sha256 hash, which this build verifies only with \
             tenantry-service's `legacy-hashes` feature"
        );
        assert_eq!(
            serde_json::to_string(&Rule::HashFormatNotEnabled { format }).unwrap_or_default(),
            r#"{"rule":"hash_format_not_enabled","format":"django_pbkdf2_sha256"}"#
        );
    }

    #[test]
    fn rule_serializes_snake_case() {
        let json = |rule: Rule| serde_json::to_string(&rule).unwrap_or_default();
        assert_eq!(json(Rule::Required), r#"{"rule":"required"}"#);
        assert_eq!(
            json(Rule::TooLong { max: 50 }),
            r#"{"rule":"too_long","max":50}"#
        );
        assert_eq!(
            json(Rule::TooShort { min: 3 }),
            r#"{"rule":"too_short","min":3}"#
        );
        assert_eq!(
            json(Rule::InvisibleCharacter),
            r#"{"rule":"invisible_character"}"#
        );
        assert_eq!(
            json(Rule::ContainsPersonalInfo),
            r#"{"rule":"contains_personal_info"}"#
        );
    }

    #[test]
    fn validator_collects_every_error_in_order() {
        let long_name = "n".repeat(51);
        let mut v = Validator::new();
        v.check("username", username(&long_name))
            .check("email", email("not-an-email"))
            .check("display_name", display_name("Ada"));
        v.add("password", Rule::Weak);
        let Err(errors) = v.finish() else {
            panic!("expected errors")
        };
        assert_eq!(errors.errors().len(), 3);
        assert!(errors.has("username", Rule::TooLong { max: 50 }));
        assert!(errors.has("email", Rule::InvalidFormat));
        assert!(errors.has("password", Rule::Weak));
        assert!(!errors.has("display_name", Rule::Required));
        assert!(!errors.has("username", Rule::TooLong { max: 49 }));
        assert!(!errors.is_empty());
        assert_eq!(
            errors.to_string(),
            "username: longer than 50 characters; email: not in a valid format; \
             password: too easy to guess"
        );
    }

    #[test]
    fn validator_without_errors_finishes_ok() {
        let mut v = Validator::new();
        v.check("username", username("ada"))
            .check("email", email("ada@example.com"));
        assert_eq!(v.finish(), Ok(()));
    }

    #[test]
    fn errors_never_echo_the_value() {
        let secret = "'; DROP TABLE users;--";
        let mut v = Validator::new();
        v.check("username", username(secret))
            .check("email", email(secret))
            .check("tenant", tenant_slug(secret));
        let Err(errors) = v.finish() else {
            panic!("expected errors")
        };
        let shown = errors.to_string();
        let json = serde_json::to_string(&errors).unwrap_or_default();
        for fragment in ["DROP", "users", "--"] {
            assert!(!shown.contains(fragment), "{shown}");
            assert!(!json.contains(fragment), "{json}");
        }
        assert!(!format!("{errors:?}").contains("DROP"));
    }

    #[test]
    fn validation_errors_serialize_as_a_list() {
        let errors = ValidationErrors::single("username", Rule::TooLong { max: 50 });
        assert_eq!(
            serde_json::to_string(&errors).unwrap_or_default(),
            r#"[{"field":"username","rule":"too_long","max":50}]"#
        );
        assert_eq!(errors.to_string(), "username: longer than 50 characters");
    }
}
