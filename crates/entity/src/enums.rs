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
    /// The account is deleted (a login recorded for it by id, from a sign-in elsewhere).
    #[sea_orm(string_value = "deleted")]
    Deleted,
    /// The password was right and the user has a second factor: a second-step challenge was
    /// issued. Not a login yet; only completing the challenge is.
    #[sea_orm(string_value = "second_factor_required")]
    SecondFactorRequired,
    /// The password was right, but the tenant requires a second factor the user has not
    /// enrolled: an enrolment challenge was issued.
    #[sea_orm(string_value = "enrolment_required")]
    EnrolmentRequired,
    /// A second step with a wrong, reused or malformed code.
    #[sea_orm(string_value = "wrong_second_factor")]
    WrongSecondFactor,
    /// A passkey sign-in whose ceremony (unknown, expired, used, or begun elsewhere), credential
    /// (unknown, of another tenant, removed) or signature failed.
    #[sea_orm(string_value = "wrong_passkey")]
    WrongPasskey,
}

/// What an audit event records: `audit_events.action`, stored as the string of
/// [`AuditAction::as_str`] (e.g. `user.created`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(64))")]
#[non_exhaustive]
pub enum AuditAction {
    /// `tenant.created`
    #[sea_orm(string_value = "tenant.created")]
    TenantCreated,
    /// `tenant.suspended`
    #[sea_orm(string_value = "tenant.suspended")]
    TenantSuspended,
    /// `tenant.reactivated`
    #[sea_orm(string_value = "tenant.reactivated")]
    TenantReactivated,
    /// `plant.created`
    #[sea_orm(string_value = "plant.created")]
    PlantCreated,
    /// `plant.deactivated`
    #[sea_orm(string_value = "plant.deactivated")]
    PlantDeactivated,
    /// `plant.reactivated`
    #[sea_orm(string_value = "plant.reactivated")]
    PlantReactivated,
    /// `plant.updated`: code, name or host identifier changed.
    #[sea_orm(string_value = "plant.updated")]
    PlantUpdated,
    /// `plant.deleted`, with the grants that went with it.
    #[sea_orm(string_value = "plant.deleted")]
    PlantDeleted,
    /// `user.created`
    #[sea_orm(string_value = "user.created")]
    UserCreated,
    /// `user.updated`
    #[sea_orm(string_value = "user.updated")]
    UserUpdated,
    /// `user.deactivated`
    #[sea_orm(string_value = "user.deactivated")]
    UserDeactivated,
    /// `user.reactivated`
    #[sea_orm(string_value = "user.reactivated")]
    UserReactivated,
    /// `user.deleted` (soft)
    #[sea_orm(string_value = "user.deleted")]
    UserDeleted,
    /// `user.restored`
    #[sea_orm(string_value = "user.restored")]
    UserRestored,
    /// `user.purged` (hard delete)
    #[sea_orm(string_value = "user.purged")]
    UserPurged,
    /// `role.assigned` (a role granted, at a plant or tenant-wide; in an exclusive catalogue it
    /// replaces the role held there)
    #[sea_orm(string_value = "role.assigned")]
    PlantRoleAssigned,
    /// `role.removed` (a role, or every role at one scope, revoked)
    #[sea_orm(string_value = "role.removed")]
    PlantRoleRemoved,
    /// `roles.replaced` (a user's whole set of roles, or of its plant or tenant-wide roles)
    #[sea_orm(string_value = "roles.replaced")]
    PlantRolesReplaced,
    /// `tenant_role.set` (written before roles were a catalogue's; tenant-wide changes are now
    /// `role.assigned`, `role.removed` or `roles.replaced`)
    #[sea_orm(string_value = "tenant_role.set")]
    TenantRoleSet,
    /// `user.invited`
    #[sea_orm(string_value = "user.invited")]
    UserInvited,
    /// `invitation.accepted`
    #[sea_orm(string_value = "invitation.accepted")]
    InvitationAccepted,
    /// `user.imported` (with an existing password hash)
    #[sea_orm(string_value = "user.imported")]
    UserImported,
    /// `user.provisioned` (on first sign-in through an identity provider)
    #[sea_orm(string_value = "user.provisioned")]
    UserProvisioned,
    /// `user.unlocked` (lockout cleared by an administrator)
    #[sea_orm(string_value = "user.unlocked")]
    UserUnlocked,
    /// `password.changed` (by the user, knowing the current one)
    #[sea_orm(string_value = "password.changed")]
    PasswordChanged,
    /// `password.set` (by an administrator)
    #[sea_orm(string_value = "password.set")]
    PasswordSet,
    /// `password.reset` (through a reset token)
    #[sea_orm(string_value = "password.reset")]
    PasswordReset,
    /// `token.issued` (the purpose is in the details; never the token)
    #[sea_orm(string_value = "token.issued")]
    TokenIssued,
    /// `email.verified`
    #[sea_orm(string_value = "email.verified")]
    EmailVerified,
    /// `identity.linked`
    #[sea_orm(string_value = "identity.linked")]
    IdentityLinked,
    /// `identity.unlinked`
    #[sea_orm(string_value = "identity.unlinked")]
    IdentityUnlinked,
    /// `identity_provider.set` (a tenant's policy for an identity provider, created or changed)
    #[sea_orm(string_value = "identity_provider.set")]
    IdentityProviderSet,
    /// `identity_provider.removed`
    #[sea_orm(string_value = "identity_provider.removed")]
    IdentityProviderRemoved,
    /// `role.revoked_by_catalogue` (grants of a role the declared catalogue no longer has, or
    /// no longer allows at their scope, removed at startup because the host asked for it)
    #[sea_orm(string_value = "role.revoked_by_catalogue")]
    RoleRevokedByCatalogue,
    /// `sessions.revoked` (one of a user's sessions, all but the current one, or all; the
    /// details say which and how many)
    #[sea_orm(string_value = "sessions.revoked")]
    SessionsRevoked,
    /// `second_factor.enrolled` (a TOTP authenticator confirmed)
    #[sea_orm(string_value = "second_factor.enrolled")]
    SecondFactorEnrolled,
    /// `second_factor.removed` (one authenticator, by its user or an admin)
    #[sea_orm(string_value = "second_factor.removed")]
    SecondFactorRemoved,
    /// `recovery_codes.generated` (a new set; the old one is void)
    #[sea_orm(string_value = "recovery_codes.generated")]
    RecoveryCodesGenerated,
    /// `second_factors.reset` (an admin removed every factor and recovery code of a user;
    /// its sessions ended)
    #[sea_orm(string_value = "second_factors.reset")]
    SecondFactorsReset,
    /// `second_factor_policy.set` (who of the tenant must have a second factor)
    #[sea_orm(string_value = "second_factor_policy.set")]
    SecondFactorPolicySet,
    /// `scim_token.created` (a SCIM bearer token of the tenant; the details name it, never
    /// its value)
    #[sea_orm(string_value = "scim_token.created")]
    ScimTokenCreated,
    /// `scim_token.revoked`
    #[sea_orm(string_value = "scim_token.revoked")]
    ScimTokenRevoked,
    /// `passkey.registered` (details: the passkey's id and name)
    #[sea_orm(string_value = "passkey.registered")]
    PasskeyRegistered,
    /// `passkey.renamed` (details: the passkey's id, old and new name)
    #[sea_orm(string_value = "passkey.renamed")]
    PasskeyRenamed,
    /// `passkey.removed` (details: the passkey's id and name)
    #[sea_orm(string_value = "passkey.removed")]
    PasskeyRemoved,
    /// `group.created` (a directory group; details: its id, name and external id)
    #[sea_orm(string_value = "group.created")]
    GroupCreated,
    /// `group.changed` (its name or external id; details: old and new)
    #[sea_orm(string_value = "group.changed")]
    GroupChanged,
    /// `group.deleted` (details: its id and name; its memberships went with it)
    #[sea_orm(string_value = "group.deleted")]
    GroupDeleted,
    /// `group.member_added` (the user is the target; details: the group's id and name)
    #[sea_orm(string_value = "group.member_added")]
    GroupMemberAdded,
    /// `group.member_removed` (the user is the target; details: the group's id and name)
    #[sea_orm(string_value = "group.member_removed")]
    GroupMemberRemoved,
}

/// Where a role of the catalogue may be granted: `roles.scope`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "lowercase")]
pub enum RoleScopeValue {
    /// Only tenant-wide.
    #[sea_orm(string_value = "tenant")]
    Tenant,
    /// Only at a plant.
    #[sea_orm(string_value = "plant")]
    Plant,
    /// Tenant-wide and at a plant.
    #[sea_orm(string_value = "both")]
    Both,
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
    Deleted => "deleted",
    SecondFactorRequired => "second_factor_required",
    EnrolmentRequired => "enrolment_required",
    WrongSecondFactor => "wrong_second_factor",
    WrongPasskey => "wrong_passkey",
});

string_enum!(AuditAction {
    TenantCreated => "tenant.created",
    TenantSuspended => "tenant.suspended",
    TenantReactivated => "tenant.reactivated",
    PlantCreated => "plant.created",
    PlantDeactivated => "plant.deactivated",
    PlantReactivated => "plant.reactivated",
    PlantUpdated => "plant.updated",
    PlantDeleted => "plant.deleted",
    UserCreated => "user.created",
    UserUpdated => "user.updated",
    UserDeactivated => "user.deactivated",
    UserReactivated => "user.reactivated",
    UserDeleted => "user.deleted",
    UserRestored => "user.restored",
    UserPurged => "user.purged",
    PlantRoleAssigned => "role.assigned",
    PlantRoleRemoved => "role.removed",
    PlantRolesReplaced => "roles.replaced",
    TenantRoleSet => "tenant_role.set",
    UserInvited => "user.invited",
    InvitationAccepted => "invitation.accepted",
    UserImported => "user.imported",
    UserProvisioned => "user.provisioned",
    UserUnlocked => "user.unlocked",
    PasswordChanged => "password.changed",
    PasswordSet => "password.set",
    PasswordReset => "password.reset",
    TokenIssued => "token.issued",
    EmailVerified => "email.verified",
    IdentityLinked => "identity.linked",
    IdentityUnlinked => "identity.unlinked",
    IdentityProviderSet => "identity_provider.set",
    IdentityProviderRemoved => "identity_provider.removed",
    RoleRevokedByCatalogue => "role.revoked_by_catalogue",
    SessionsRevoked => "sessions.revoked",
    SecondFactorEnrolled => "second_factor.enrolled",
    SecondFactorRemoved => "second_factor.removed",
    RecoveryCodesGenerated => "recovery_codes.generated",
    SecondFactorsReset => "second_factors.reset",
    SecondFactorPolicySet => "second_factor_policy.set",
    ScimTokenCreated => "scim_token.created",
    ScimTokenRevoked => "scim_token.revoked",
    PasskeyRegistered => "passkey.registered",
    PasskeyRenamed => "passkey.renamed",
    PasskeyRemoved => "passkey.removed",
    GroupCreated => "group.created",
    GroupChanged => "group.changed",
    GroupDeleted => "group.deleted",
    GroupMemberAdded => "group.member_added",
    GroupMemberRemoved => "group.member_removed",
});
string_enum!(RoleScopeValue { Tenant => "tenant", Plant => "plant", Both => "both" });

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
        for outcome in LoginOutcome::iter() {
            assert_eq!(LoginOutcome::from_str(outcome.as_str()), Ok(outcome));
            assert_eq!(outcome.to_value(), outcome.as_str());
        }
        for scope in RoleScopeValue::iter() {
            assert_eq!(RoleScopeValue::from_str(scope.as_str()), Ok(scope));
            assert_eq!(scope.to_value(), scope.as_str());
        }
        for action in AuditAction::iter() {
            assert_eq!(AuditAction::from_str(action.as_str()), Ok(action));
            assert_eq!(action.to_value(), action.as_str());
            // The column is `VARCHAR(64)`.
            assert!(action.as_str().len() <= 64);
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
