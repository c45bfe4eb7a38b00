//! The service's configuration, with safe production defaults.
//!
//! Every field is public: start from [`Config::default`] and change what the host needs.
//!
//! ```
//! use std::time::Duration;
//! use tenantry_service::config::Config;
//!
//! let mut config = Config::default();
//! config.lockout.max_failed_attempts = 5;
//! config.tokens.password_reset_ttl = Duration::from_secs(30 * 60);
//! config.password_policy = config.password_policy.with_min_length(12);
//! ```

use crate::second_factor_config::{SealingKey, SealingKeys, SecondFactorConfig};
use std::time::Duration;

use crate::hashing::HashingConfig;
use crate::password_policy::PasswordPolicy;
use crate::profile_rules::ProfileRules;
use crate::role_catalogue::RoleCatalogue;
#[cfg(doc)]
use crate::{Error, SeaOrmUserRepository};

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(60 * 60);
const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// Everything the service can be configured with.
#[derive(Clone, Debug)]
pub struct Config {
    /// argon2 parameters and pepper. Default: OWASP's parameters, no pepper.
    pub hashing: HashingConfig,
    /// Rules for new passwords. Default: 8–128 characters, zxcvbn score at least 3.
    pub password_policy: PasswordPolicy,
    /// When repeated failed logins lock an account.
    pub lockout: LockoutConfig,
    /// How long one-time tokens stay valid.
    pub tokens: TokenConfig,
    /// A user's `last_active_at` is written at most once per this interval, so a busy user does
    /// not cost a write per request. Default: 60 seconds.
    pub activity_interval: Duration,
    /// The role catalogue the host declares. [`SeaOrmUserRepository::open`] writes it to the
    /// `roles` table at startup (see [`crate::sync_role_catalogue`]), where the CLI and admin
    /// API read it back ([`crate::load_role_catalogue`]). Default: [`RoleCatalogue::default`],
    /// tenantry's four ordered roles. Every grant names one of its keys, and is checked
    /// against it (scope, delegation) before it is written.
    pub roles: RoleCatalogue,
    /// What startup does with grants of roles the declared catalogue no longer has (or no
    /// longer allows at their scope). Default: [`MissingRoles::Refuse`].
    pub missing_roles: MissingRoles,
    /// What a user's profile must hold: username, email, display name and their rules.
    /// Default: [`ProfileRules::default`], a username (strict characters) and a display name
    /// (≤ 100) required, the email optional.
    pub profile: ProfileRules,
    /// Second factors: the keys that seal TOTP secrets, issuer, code length, challenge
    /// lifetime, recovery codes. Default: no sealing key (enrolling TOTP is refused until the
    /// host sets one), issuer `tenantry`, 6 digits, 5 minutes, 10 codes.
    pub second_factors: SecondFactorConfig,
}

/// What reconciling the role catalogue does with grants the declared catalogue refuses: grants
/// of a role it no longer declares, and grants at a scope its role may no longer be granted at
/// (a role that became plant-only but is held tenant-wide).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MissingRoles {
    /// Change nothing and fail with [`Error::RoleStillGranted`] or
    /// [`Error::RoleGrantedOutOfScope`], naming the role and how many grants hold it, so the
    /// host's operator decides. The default.
    #[default]
    Refuse,
    /// Revoke those grants, in the same transaction: each affected user's security stamp is
    /// rotated (its sessions end) and one `role.revoked_by_catalogue` audit event records
    /// what it lost. The last-admin guard does not apply: revoking a removed `admin` role can
    /// leave a tenant without an administrator, which is what the host asked for.
    Revoke,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            hashing: HashingConfig::default(),
            password_policy: PasswordPolicy::default(),
            lockout: LockoutConfig::default(),
            tokens: TokenConfig::default(),
            activity_interval: MINUTE,
            roles: RoleCatalogue::default(),
            missing_roles: MissingRoles::Refuse,
            profile: ProfileRules::default(),
            second_factors: SecondFactorConfig::default(),
        }
    }
}

impl Config {
    /// The defaults, but with [`HashingConfig::insecure_fast_for_tests`], so a test suite that
    /// creates many users runs in seconds.
    ///
    /// The password policy stays the production one, so tests exercise the real rules (use
    /// strong passwords in fixtures). NEVER USE THIS IN PRODUCTION: ITS PASSWORD HASHES ARE
    /// CHEAP TO CRACK.
    pub fn insecure_fast_for_tests() -> Self {
        Self {
            hashing: HashingConfig::insecure_fast_for_tests(),
            second_factors: SecondFactorConfig {
                keys: SealingKeys::new(SealingKey::insecure_for_tests()),
                ..SecondFactorConfig::default()
            },
            ..Self::default()
        }
    }
}

/// When repeated failed logins lock an account, and for how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockoutConfig {
    /// Consecutive failed logins that lock the account. Default: 10.
    pub max_failed_attempts: u32,
    /// How long the first lock lasts. Default: 15 minutes.
    pub base_lock: Duration,
    /// The longest a lock lasts, however often the account was locked. Default: 24 hours.
    pub max_lock: Duration,
}

impl Default for LockoutConfig {
    fn default() -> Self {
        Self {
            max_failed_attempts: 10,
            base_lock: 15 * MINUTE,
            max_lock: DAY,
        }
    }
}

impl LockoutConfig {
    /// How long the `lock_number`-th lock in a row lasts: `base_lock` for the first, doubling
    /// with each further lock, never more than `max_lock`. Lock number 0 counts as the first.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tenantry_service::config::LockoutConfig;
    ///
    /// let lockout = LockoutConfig::default();
    /// assert_eq!(lockout.lock_duration(1), Duration::from_secs(15 * 60));
    /// assert_eq!(lockout.lock_duration(3), Duration::from_secs(60 * 60));
    /// assert_eq!(lockout.lock_duration(u32::MAX), Duration::from_secs(24 * 60 * 60));
    /// ```
    pub fn lock_duration(&self, lock_number: u32) -> Duration {
        let mut lock = self.base_lock.min(self.max_lock);
        // Doubling a non-zero duration reaches the cap within ~100 rounds (a Duration has 94
        // bits of nanoseconds), so a huge lock number costs no more than a small one.
        for _ in 1..lock_number {
            if lock.is_zero() || lock == self.max_lock {
                break;
            }
            lock = lock.saturating_mul(2).min(self.max_lock);
        }
        lock
    }
}

/// How long one-time tokens stay valid after they are issued.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenConfig {
    /// Password reset tokens. Default: 1 hour.
    pub password_reset_ttl: Duration,
    /// Invitations. Default: 7 days.
    pub invitation_ttl: Duration,
    /// Email verification tokens. Default: 48 hours.
    pub email_verification_ttl: Duration,
}

impl Default for TokenConfig {
    fn default() -> Self {
        Self {
            password_reset_ttl: HOUR,
            invitation_ttl: 7 * DAY,
            email_verification_ttl: 48 * HOUR,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_documented_ones() {
        let config = Config::default();
        assert_eq!(config.hashing.memory_kib, 19_456);
        assert_eq!(config.hashing.iterations, 2);
        assert_eq!(config.hashing.parallelism, 1);
        assert!(config.hashing.pepper.is_none());
        assert_eq!(config.password_policy, PasswordPolicy::default());
        assert_eq!(config.password_policy.min_length, 8);
        assert_eq!(config.password_policy.max_length, 128);
        assert_eq!(config.password_policy.min_strength, 3);
        assert_eq!(config.lockout.max_failed_attempts, 10);
        assert_eq!(config.lockout.base_lock, Duration::from_secs(900));
        assert_eq!(config.lockout.max_lock, Duration::from_secs(86_400));
        assert_eq!(config.tokens.password_reset_ttl, Duration::from_secs(3_600));
        assert_eq!(config.tokens.invitation_ttl, Duration::from_secs(604_800));
        assert_eq!(
            config.tokens.email_verification_ttl,
            Duration::from_secs(172_800)
        );
        assert_eq!(config.activity_interval, Duration::from_secs(60));
        assert_eq!(config.roles, RoleCatalogue::default());
        assert_eq!(config.missing_roles, MissingRoles::Refuse);
        assert_eq!(config.profile, ProfileRules::default());
    }

    #[test]
    fn test_config_only_cheapens_hashing() {
        let test = Config::insecure_fast_for_tests();
        let prod = Config::default();
        assert_eq!(
            (
                test.hashing.memory_kib,
                test.hashing.iterations,
                test.hashing.parallelism
            ),
            (8, 1, 1)
        );
        assert_eq!(test.password_policy, prod.password_policy);
        assert_eq!(test.lockout, prod.lockout);
        assert_eq!(test.tokens, prod.tokens);
        assert_eq!(test.activity_interval, prod.activity_interval);
    }

    #[test]
    fn lock_duration_doubles_then_caps() {
        let lockout = LockoutConfig::default();
        let minutes = |m: u64| Duration::from_secs(m * 60);
        let cases = [
            (0, minutes(15)),
            (1, minutes(15)),
            (2, minutes(30)),
            (3, minutes(60)),
            (4, minutes(120)),
            (5, minutes(240)),
            (6, minutes(480)),
            (7, minutes(960)),
            (8, minutes(1_440)),
            (9, minutes(1_440)),
            (31, minutes(1_440)),
            (32, minutes(1_440)),
            (33, minutes(1_440)),
            (64, minutes(1_440)),
            (u32::MAX - 1, minutes(1_440)),
            (u32::MAX, minutes(1_440)),
        ];
        for (lock_number, expected) in cases {
            assert_eq!(
                lockout.lock_duration(lock_number),
                expected,
                "lock {lock_number}"
            );
        }
    }

    #[test]
    fn lock_duration_never_overflows() {
        let lockout = LockoutConfig {
            max_failed_attempts: 3,
            base_lock: Duration::MAX,
            max_lock: Duration::MAX,
        };
        assert_eq!(lockout.lock_duration(1), Duration::MAX);
        assert_eq!(lockout.lock_duration(2), Duration::MAX);
        assert_eq!(lockout.lock_duration(u32::MAX), Duration::MAX);
        let huge_base = LockoutConfig {
            base_lock: Duration::from_secs(u64::MAX / 2 + 1),
            max_lock: Duration::MAX,
            ..lockout
        };
        assert_eq!(huge_base.lock_duration(3), Duration::MAX);
        for n in 0..=100 {
            assert!(LockoutConfig::default().lock_duration(n) <= Duration::from_secs(86_400));
        }
    }

    #[test]
    fn lock_duration_respects_a_cap_below_the_base() {
        let lockout = LockoutConfig {
            base_lock: Duration::from_secs(600),
            max_lock: Duration::from_secs(60),
            ..LockoutConfig::default()
        };
        assert_eq!(lockout.lock_duration(1), Duration::from_secs(60));
        let zero = LockoutConfig {
            base_lock: Duration::ZERO,
            ..LockoutConfig::default()
        };
        assert_eq!(zero.lock_duration(40), Duration::ZERO);
    }

    #[test]
    fn debug_redacts_the_pepper() {
        let mut config = Config::default();
        config.hashing.pepper = Some(crate::hashing::Pepper::new(b"pepper-bytes".to_vec()));
        let shown = format!("{config:?}");
        assert!(shown.contains("[redacted]"));
        assert!(!shown.contains("pepper-bytes"));
    }
}
