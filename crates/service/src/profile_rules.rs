//! What a user's profile must hold: the host's choice, within safe bounds.
//!
//! The defaults are tenantry's rules since the first release: a username is required (3–50
//! letters, digits, `.`, `_`, `-`), the email is optional, a display name is required (1–100
//! characters). A host whose users sign in with their email, or come from a system with looser
//! names, relaxes them:
//!
//! ```
//! use tenantry_service::config::Config;
//! use tenantry_service::profile_rules::{ProfileRules, Requirement, UsernameChars};
//!
//! let mut config = Config::default();
//! config.profile = ProfileRules {
//!     email: Requirement::Required,
//!     username: Requirement::Optional,
//!     username_chars: UsernameChars::Printable,
//!     display_name: Requirement::Optional,
//!     display_name_max_chars: 255,
//! };
//! ```
//!
//! Decisions:
//! - **Not given is empty.** `NewUser::username` and `display_name` stay `String`s: an empty
//!   one is "not given", refused as [`Rule::Required`] unless the rule is
//!   [`Requirement::Optional`]. A user without a username stores `NULL` (its key too); one
//!   without a display name stores an empty one, and views show the username, else the email,
//!   in its place.
//! - **Every user can log in.** A user with no username must have an email: its email is its
//!   login, unique per tenant by its key as every email is. A change that would leave a user
//!   with neither is refused (`email: required`).
//! - **No username holds `@`**, under either character rule: a login with an `@` is looked up
//!   as an email, so a username `bo@x.example` could be another user's login. Username keys and
//!   confusable skeletons are the same under both rules, so switching rules on a database in use
//!   never makes two users share a login, and `Ada` and `аda` (Cyrillic `а`) still collide.
//! - **Turning a rule on checks the database.** Opening the repository with the email (or the
//!   username) required while any user, deleted ones included (they can be restored), has
//!   none fails with [`Error::ProfileRuleUnmet`](crate::Error::ProfileRuleUnmet) naming the field and how
//!   many users lack it; nothing is written. That check reads the users table once per
//!   required field at startup.
//! - **A rule binds what is written after it.** Values stored under an earlier rule stay; a
//!   change to a user re-checks only the fields it changes.

use crate::validation::{self, Rule, Validator};

/// Whether a field must be given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Requirement {
    /// Every user has one.
    Required,
    /// A user may have none.
    Optional,
}

/// Which characters a username may hold.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UsernameChars {
    /// 3–50 letters, digits, `.`, `_` and `-` ([`validation::username`]). The default.
    #[default]
    Strict,
    /// 1–50 characters of printable text without `@`, control or invisible characters
    /// ([`validation::printable_username`]): `Ada Lovelace`, `o'brien`, `j+smith`.
    Printable,
}

/// What a user's profile must hold. See the [module docs](self).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProfileRules {
    /// Whether every user has an email address. Default: optional.
    pub email: Requirement,
    /// Whether every user has a username. Default: required. When optional, a user without
    /// one logs in with its email.
    pub username: Requirement,
    /// The characters a username may hold. Default: [`UsernameChars::Strict`].
    pub username_chars: UsernameChars,
    /// Whether every user has a display name. Default: required.
    pub display_name: Requirement,
    /// The most characters in a display name, 1–255 (the column's size). Default: 100.
    pub display_name_max_chars: usize,
}

/// The most a host may set [`ProfileRules::display_name_max_chars`] to: the column's size.
pub const DISPLAY_NAME_COLUMN_CHARS: usize = 255;

impl Default for ProfileRules {
    fn default() -> Self {
        Self {
            email: Requirement::Optional,
            username: Requirement::Required,
            username_chars: UsernameChars::Strict,
            display_name: Requirement::Required,
            display_name_max_chars: validation::DISPLAY_NAME_MAX_CHARS,
        }
    }
}

impl ProfileRules {
    /// Whether the rules themselves are possible: the display name's maximum must be 1–255.
    pub(crate) fn is_valid(&self) -> bool {
        (1..=DISPLAY_NAME_COLUMN_CHARS).contains(&self.display_name_max_chars)
    }

    /// Checks a username that is given (not empty) against the character rule.
    pub(crate) fn username(&self, value: &str) -> Result<(), Rule> {
        match self.username_chars {
            UsernameChars::Strict => validation::username(value),
            UsernameChars::Printable => validation::printable_username(value),
        }
    }

    /// Checks the profile fields of a new user, or the fields a change sets: `None` is a
    /// field the change leaves alone, `Some("")` a field given empty (not given, for a new
    /// user; removed, for a change). `email` is already trimmed.
    pub(crate) fn check(
        &self,
        validator: &mut Validator,
        username: Option<&str>,
        email: Option<Option<&str>>,
        display_name: Option<&str>,
    ) {
        match username {
            Some("") if self.username == Requirement::Required => {
                validator.add("username", Rule::Required);
            }
            Some("") | None => {}
            Some(value) => {
                validator.check("username", self.username(value));
            }
        }
        match email {
            Some(None) if self.email == Requirement::Required => {
                validator.add("email", Rule::Required);
            }
            Some(Some(value)) => {
                validator.check("email", validation::email(value));
            }
            _ => {}
        }
        match display_name {
            Some("") if self.display_name == Requirement::Required => {
                validator.add("display_name", Rule::Required);
            }
            Some("") | None => {}
            Some(value) => {
                validator.check(
                    "display_name",
                    validation::display_name_at_most(value, self.display_name_max_chars),
                );
            }
        }
    }

    /// Adds `email: required` when a user would be left with neither a username nor an email:
    /// it could not log in. Not when either field is reported already (a required username
    /// that is missing says enough).
    pub(crate) fn check_login(validator: &mut Validator, has_username: bool, has_email: bool) {
        if !has_username
            && !has_email
            && !validator.has_error("email")
            && !validator.has_error("username")
        {
            validator.add("email", Rule::Required);
        }
    }
}

/// Why a [`ProfileRules`] text did not parse: the part that is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid profile rule `{0}`: expected username=required|optional, \
         username_chars=strict|printable, email=required|optional, \
         display_name=required|optional or display_name_max=1..255, separated by commas"
)]
pub struct ProfileRulesParseError(String);

/// Reads rules written as `key=value` pairs separated by commas, each changing one default:
/// `username=optional,email=required,display_name_max=255`. For settings read from the
/// environment (the CLI's `TENANTRY_PROFILE_RULES`) or a host's configuration file. An empty
/// text is the defaults.
///
/// ```
/// use tenantry_service::profile_rules::{ProfileRules, Requirement, UsernameChars};
///
/// let rules: ProfileRules = "username=optional, username_chars=printable, email=required"
///     .parse()
///     .unwrap();
/// assert_eq!(rules.username, Requirement::Optional);
/// assert_eq!(rules.username_chars, UsernameChars::Printable);
/// assert_eq!(rules.email, Requirement::Required);
/// assert_eq!(rules.display_name_max_chars, 100);
/// assert!("username=sometimes".parse::<ProfileRules>().is_err());
/// ```
impl std::str::FromStr for ProfileRules {
    type Err = ProfileRulesParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut rules = Self::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let wrong = || ProfileRulesParseError(part.chars().take(100).collect());
            let (key, value) = part.split_once('=').ok_or_else(wrong)?;
            let requirement = || match value.trim() {
                "required" => Ok(Requirement::Required),
                "optional" => Ok(Requirement::Optional),
                _ => Err(wrong()),
            };
            match key.trim() {
                "username" => rules.username = requirement()?,
                "email" => rules.email = requirement()?,
                "display_name" => rules.display_name = requirement()?,
                "username_chars" => {
                    rules.username_chars = match value.trim() {
                        "strict" => UsernameChars::Strict,
                        "printable" => UsernameChars::Printable,
                        _ => return Err(wrong()),
                    }
                }
                "display_name_max" => {
                    rules.display_name_max_chars = value.trim().parse().map_err(|_| wrong())?;
                    if !rules.is_valid() {
                        return Err(wrong());
                    }
                }
                _ => return Err(wrong()),
            }
        }
        Ok(rules)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(
        rules: &ProfileRules,
        username: &str,
        email: Option<&str>,
        display: &str,
    ) -> Vec<(&'static str, Rule)> {
        let mut v = Validator::new();
        rules.check(&mut v, Some(username), Some(email), Some(display));
        ProfileRules::check_login(&mut v, !username.is_empty(), email.is_some());
        match v.finish() {
            Ok(()) => Vec::new(),
            Err(e) => e.errors().iter().map(|e| (e.field, e.rule)).collect(),
        }
    }

    #[test]
    fn defaults_are_the_first_release_rules() {
        let rules = ProfileRules::default();
        assert!(rules.is_valid());
        assert_eq!(errors(&rules, "ada", None, "Ada"), []);
        assert_eq!(
            errors(&rules, "", Some("a@b.example"), ""),
            [
                ("username", Rule::Required),
                ("display_name", Rule::Required)
            ]
        );
        assert_eq!(
            errors(&rules, "Ada Lovelace", None, &"x".repeat(101)),
            [
                ("username", Rule::InvalidCharacter),
                ("display_name", Rule::TooLong { max: 100 })
            ]
        );
    }

    #[test]
    fn relaxed_rules_still_need_a_login() {
        let rules = ProfileRules {
            email: Requirement::Optional,
            username: Requirement::Optional,
            username_chars: UsernameChars::Printable,
            display_name: Requirement::Optional,
            display_name_max_chars: 255,
        };
        assert_eq!(errors(&rules, "", Some("a@b.example"), ""), []);
        assert_eq!(errors(&rules, "Ada Lovelace", None, ""), []);
        assert_eq!(errors(&rules, "", None, "Ada"), [("email", Rule::Required)]);
        assert_eq!(
            errors(&rules, "ada@b.example", None, &"x".repeat(255)),
            [("username", Rule::InvalidCharacter)]
        );
        assert_eq!(
            errors(&rules, "ok", None, &"x".repeat(256)),
            [("display_name", Rule::TooLong { max: 255 })]
        );
    }

    #[test]
    fn required_email_is_required() {
        let rules = ProfileRules {
            email: Requirement::Required,
            ..ProfileRules::default()
        };
        assert_eq!(
            errors(&rules, "ada", None, "Ada"),
            [("email", Rule::Required)]
        );
    }

    #[test]
    fn parsing_refuses_what_it_does_not_know() {
        assert_eq!("".parse::<ProfileRules>(), Ok(ProfileRules::default()));
        assert_eq!(
            "display_name=optional,display_name_max=255".parse::<ProfileRules>(),
            Ok(ProfileRules {
                display_name: Requirement::Optional,
                display_name_max_chars: 255,
                ..ProfileRules::default()
            })
        );
        for bad in [
            "username",
            "username=maybe",
            "user=optional",
            "display_name_max=0",
            "display_name_max=256",
            "display_name_max=-1",
            "display_name_max=99999999999999999999999",
            "email=required\0",
        ] {
            assert!(bad.parse::<ProfileRules>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_maximum_beyond_the_column_is_invalid() {
        for (max, valid) in [(0, false), (1, true), (255, true), (256, false)] {
            let rules = ProfileRules {
                display_name_max_chars: max,
                ..ProfileRules::default()
            };
            assert_eq!(rules.is_valid(), valid, "{max}");
        }
    }
}
