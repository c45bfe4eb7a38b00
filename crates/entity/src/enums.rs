//! The short-string enums stored in tenantry's tables.
//!
//! They are stored as plain strings (not native PostgreSQL enums) so the schema is the same on
//! every backend.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A user's role, at one plant or across the whole tenant.
///
/// Roles are ordered by declaration: `Operator < Supervisor < Engineer < Admin`. A user's
/// effective role at a plant is the higher of its plant role and its tenant role.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "lowercase")]
pub enum UserRole {
    /// Runs the process; the lowest role.
    #[sea_orm(string_value = "operator")]
    Operator,
    /// Oversees operators.
    #[sea_orm(string_value = "supervisor")]
    Supervisor,
    /// Configures the plant.
    #[sea_orm(string_value = "engineer")]
    Engineer,
    /// Administers users and roles; the highest role.
    #[sea_orm(string_value = "admin")]
    Admin,
}

/// The lifecycle state of a user.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "lowercase")]
pub enum UserStatus {
    /// Created by an invitation and not yet accepted; cannot log in.
    #[sea_orm(string_value = "invited")]
    Invited,
    /// May log in.
    #[sea_orm(string_value = "active")]
    Active,
    /// Deactivated by an administrator; cannot log in.
    #[sea_orm(string_value = "suspended")]
    Suspended,
}

/// The lifecycle state of a tenant.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "lowercase")]
pub enum TenantStatus {
    /// In service.
    #[sea_orm(string_value = "active")]
    Active,
    /// Suspended: none of its users can log in.
    #[sea_orm(string_value = "suspended")]
    Suspended,
}

/// What a one-time credential token is for. A token is only ever redeemed for its purpose.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "snake_case")]
pub enum TokenPurpose {
    /// Sets a new password.
    #[sea_orm(string_value = "password_reset")]
    PasswordReset,
    /// Activates an invited user.
    #[sea_orm(string_value = "invitation")]
    Invitation,
    /// Confirms the user's email address.
    #[sea_orm(string_value = "email_verification")]
    EmailVerification,
}

/// Where a login attempt came from.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "lowercase")]
pub enum LoginSource {
    /// A browser session.
    #[sea_orm(string_value = "web")]
    Web,
    /// An API client.
    #[sea_orm(string_value = "api")]
    Api,
    /// The operator CLI.
    #[sea_orm(string_value = "cli")]
    Cli,
    /// An external identity provider (single sign-on).
    #[sea_orm(string_value = "sso")]
    Sso,
    /// Anything else.
    #[sea_orm(string_value = "other")]
    Other,
}

/// How a login attempt ended. The caller of `authenticate` only ever sees success or one
/// uniform failure; the reason is kept here, for administrators.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "snake_case")]
pub enum LoginOutcome {
    /// Logged in.
    #[sea_orm(string_value = "success")]
    Success,
    /// No such (live) user in the tenant.
    #[sea_orm(string_value = "unknown_user")]
    UnknownUser,
    /// The password did not match.
    #[sea_orm(string_value = "wrong_password")]
    WrongPassword,
    /// The account is locked after repeated failures.
    #[sea_orm(string_value = "locked")]
    Locked,
    /// The user is invited or suspended.
    #[sea_orm(string_value = "inactive")]
    Inactive,
    /// The account is past its `expires_at`.
    #[sea_orm(string_value = "expired")]
    Expired,
    /// The user has no password (SSO-only).
    #[sea_orm(string_value = "no_password")]
    NoPassword,
    /// The tenant is suspended.
    #[sea_orm(string_value = "tenant_suspended")]
    TenantSuspended,
    /// No tenant has the id or slug the attempt named.
    #[sea_orm(string_value = "unknown_tenant")]
    UnknownTenant,
}

/// A string that names none of the enum's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseEnumError;

impl std::fmt::Display for ParseEnumError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not a known value (expected one of the documented lowercase names)")
    }
}

impl std::error::Error for ParseEnumError {}

/// `as_str`, `Display` and `FromStr` over the stored string of each variant.
macro_rules! string_enum {
    ($name:ident { $($variant:ident => $s:literal),* $(,)? }) => {
        impl $name {
            /// The value as stored in the database (lowercase).
            pub fn as_str(&self) -> &'static str {
                match self {
                    $(Self::$variant => $s,)*
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = ParseEnumError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($s => Ok(Self::$variant),)*
                    _ => Err(ParseEnumError),
                }
            }
        }
    };
}

string_enum!(UserRole { Operator => "operator", Supervisor => "supervisor", Engineer => "engineer", Admin => "admin" });
string_enum!(UserStatus { Invited => "invited", Active => "active", Suspended => "suspended" });
string_enum!(TenantStatus { Active => "active", Suspended => "suspended" });
string_enum!(TokenPurpose {
    PasswordReset => "password_reset",
    Invitation => "invitation",
    EmailVerification => "email_verification",
});
string_enum!(LoginSource { Web => "web", Api => "api", Cli => "cli", Sso => "sso", Other => "other" });
string_enum!(LoginOutcome {
    Success => "success",
    UnknownUser => "unknown_user",
    WrongPassword => "wrong_password",
    Locked => "locked",
    Inactive => "inactive",
    Expired => "expired",
    NoPassword => "no_password",
    TenantSuspended => "tenant_suspended",
    UnknownTenant => "unknown_tenant",
});

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::Iterable;
    use std::str::FromStr;

    #[test]
    fn roles_are_ordered_operator_supervisor_engineer_admin() {
        use UserRole::*;
        assert!(Operator < Supervisor && Supervisor < Engineer && Engineer < Admin);
        let mut roles = vec![Admin, Operator, Engineer, Supervisor];
        roles.sort();
        assert_eq!(roles, vec![Operator, Supervisor, Engineer, Admin]);
        assert_eq!(Operator.max(Engineer), Engineer);
    }

    #[test]
    fn every_enum_round_trips_through_its_stored_string() {
        for role in UserRole::iter() {
            assert_eq!(UserRole::from_str(role.as_str()), Ok(role));
            assert_eq!(role.to_value(), role.as_str());
            assert_eq!(UserRole::try_from_value(&role.to_value()), Ok(role));
        }
        for status in UserStatus::iter() {
            assert_eq!(UserStatus::from_str(status.as_str()), Ok(status));
            assert_eq!(status.to_value(), status.as_str());
        }
        for status in TenantStatus::iter() {
            assert_eq!(TenantStatus::from_str(status.as_str()), Ok(status));
            assert_eq!(status.to_value(), status.as_str());
        }
        for purpose in TokenPurpose::iter() {
            assert_eq!(TokenPurpose::from_str(purpose.as_str()), Ok(purpose));
            assert_eq!(purpose.to_value(), purpose.as_str());
        }
        for source in LoginSource::iter() {
            assert_eq!(LoginSource::from_str(source.as_str()), Ok(source));
            assert_eq!(source.to_value(), source.as_str());
        }
        for outcome in LoginOutcome::iter() {
            assert_eq!(LoginOutcome::from_str(outcome.as_str()), Ok(outcome));
            assert_eq!(outcome.to_value(), outcome.as_str());
        }
        assert_eq!(UserRole::Admin.to_string(), "admin");
        assert_eq!(
            serde_json::to_string(&UserRole::Supervisor).ok().as_deref(),
            Some("\"supervisor\"")
        );
    }

    #[test]
    fn unknown_strings_are_refused() {
        for s in ["", "Admin", "ADMIN", "root", "admin ", "operator\0"] {
            assert_eq!(UserRole::from_str(s), Err(ParseEnumError), "{s:?}");
        }
        assert!(UserStatus::from_str("deleted").is_err());
        assert!(TenantStatus::from_str("closed").is_err());
    }
}
