//! What second factors take and give: authenticators as listed, a TOTP enrolment (shown once),
//! the outcome of a password sign-in (done, or a second step to complete), the proof a second
//! step is completed with, and a tenant's policy.

use crate::role_catalogue::RoleKey;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tenantry_entity::authenticators;

/// What kind a second factor is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactorKind {
    /// Codes of an authenticator app (RFC 6238).
    Totp,
    /// A WebAuthn passkey.
    Passkey,
    /// One of the user's single-use recovery codes.
    RecoveryCode,
}

/// One of a user's second factors, as listed. Holds nothing secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuthenticatorView {
    /// Its id, to confirm or remove it.
    pub id: i64,
    /// TOTP or passkey.
    pub kind: FactorKind,
    /// The user's name for it.
    pub name: String,
    /// Enrolment finished; a pending one does not count as a factor.
    pub confirmed: bool,
    /// When enrolment began.
    pub created_at: DateTime<Utc>,
    /// When it last passed a login.
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<authenticators::Model> for AuthenticatorView {
    fn from(row: authenticators::Model) -> Self {
        Self {
            id: row.id,
            kind: if row.kind == authenticators::PASSKEY {
                FactorKind::Passkey
            } else {
                FactorKind::Totp
            },
            name: row.name,
            confirmed: row.confirmed_at.is_some(),
            created_at: row.created_at,
            last_used_at: row.last_used_at,
        }
    }
}

crate::redacted::redacted_secret! {
    /// A secret shown to its user once (a TOTP secret, its `otpauth://` URI): `Debug` prints
    /// `[redacted]`, no `Serialize`, zeroed on drop.
    pub struct ShownOnce(String);
}

impl ShownOnce {
    pub(crate) fn new(value: String) -> Self {
        Self(value)
    }

    /// The value, to show the user.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A TOTP enrolment begun: show the URI as a QR code (or the secret, to type in), then confirm
/// it with one code from the app. Until then it is pending and not a factor.
#[derive(Debug)]
pub struct TotpEnrolment {
    /// The pending authenticator's id, to confirm it with.
    pub authenticator: i64,
    /// The secret in base32.
    pub secret: ShownOnce,
    /// `otpauth://totp/{issuer}:{login}?secret=…&issuer=…`, what apps scan.
    pub uri: ShownOnce,
}

/// What completes a second step.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecondFactorProof {
    /// A code of the user's authenticator app: exactly the configured digits.
    Totp(String),
    /// One of the user's unused recovery codes (hyphens and case do not matter).
    RecoveryCode(String),
    /// The browser's answer to the options
    /// [`start_passkey_second_factor`](crate::api::Passkeys::start_passkey_second_factor)
    /// gave for this challenge (feature `passkeys`).
    #[cfg(feature = "passkeys")]
    Passkey(Box<webauthn_rs::prelude::PublicKeyCredential>),
}

impl std::fmt::Debug for SecondFactorProof {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Totp(_) => f.write_str("Totp([redacted])"),
            Self::RecoveryCode(_) => f.write_str("RecoveryCode([redacted])"),
            #[cfg(feature = "passkeys")]
            Self::Passkey(_) => f.write_str("Passkey([redacted])"),
        }
    }
}

/// Who of a tenant must have a second factor. A user it covers who has none gets
/// `SignIn::EnrolmentRequired` instead of a session.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "required", content = "roles")]
pub enum SecondFactorPolicy {
    /// Nobody (the default): second factors are the users' choice.
    #[default]
    Nobody,
    /// Every user.
    Everyone,
    /// Holders of any of these roles, tenant-wide or at any plant — e.g. the roles that
    /// administer users.
    Roles(Vec<RoleKey>),
}
