//! The JSON the API answers, built from the library's views field by field, so nothing else
//! can leak; each with its OpenAPI schema.

use chrono::{DateTime, Utc};
use serde::Serialize;
use tenantry_service::{
    AuthenticatorView, FactorKind, IssuedToken, RecoveryCodes, RoleKey, SecondStep, TenantView,
    TotpEnrolment, UserStatus, UserView,
};
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use uuid::Uuid;

/// The schema of a user's status: one of its stored names.
pub(crate) fn status_schema() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(["invited", "active", "suspended"]))
        .description(Some(
            "`invited` (has not accepted its invitation), `active`, `suspended`",
        ))
        .build()
        .into()
}

/// A user, as every route shows it.
#[derive(Serialize, ToSchema)]
#[schema(as = User)]
pub(crate) struct UserJson {
    /// The user's public id.
    id: Uuid,
    /// Absent (`null`) for a user who signs in by email.
    username: Option<String>,
    display_name: String,
    email: Option<String>,
    #[schema(schema_with = status_schema)]
    status: UserStatus,
    /// Tenant-wide role keys of the catalogue.
    #[schema(value_type = Vec<String>)]
    roles: Vec<RoleKey>,
    /// Roles held at plants.
    plant_roles: Vec<PlantRoleJson>,
    last_login_at: Option<DateTime<Utc>>,
}

/// A role held at one plant.
#[derive(Serialize, ToSchema)]
#[schema(as = PlantRole)]
struct PlantRoleJson {
    /// The plant's code.
    plant: String,
    plant_name: String,
    /// A role key of the catalogue.
    #[schema(value_type = String)]
    role: RoleKey,
}

impl From<UserView> for UserJson {
    fn from(user: UserView) -> Self {
        Self {
            id: user.pid,
            username: user.username,
            display_name: user.display_name,
            email: user.email,
            status: user.status,
            roles: user.tenant_roles,
            plant_roles: user
                .plant_roles
                .into_iter()
                .map(|r| PlantRoleJson {
                    plant: r.plant_code,
                    plant_name: r.plant_name,
                    role: r.role,
                })
                .collect(),
            last_login_at: user.last_login_at,
        }
    }
}

/// A signed-in (or just activated) user with its tenant.
#[derive(Serialize, ToSchema)]
#[schema(as = Account)]
pub(crate) struct AccountJson {
    user: UserJson,
    tenant: TenantJson,
}

/// The tenant of an account.
#[derive(Serialize, ToSchema)]
#[schema(as = Tenant)]
struct TenantJson {
    slug: String,
    name: String,
}

impl AccountJson {
    pub(crate) fn new(user: UserView, tenant: TenantView) -> Self {
        Self {
            user: user.into(),
            tenant: TenantJson {
                slug: tenant.slug,
                name: tenant.name,
            },
        }
    }
}

/// A page of users.
#[derive(Serialize, ToSchema)]
#[schema(as = UserList)]
pub(crate) struct UserListJson {
    pub users: Vec<UserJson>,
    pub total: u64,
    /// The cursor of the next page (pass it as `after`), on cursor-paged responses.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub next: Option<String>,
}

/// A one-time token, shown once: the raw token, its lifetime and the link that redeems it.
#[derive(Serialize, ToSchema)]
#[schema(as = Token)]
pub(crate) struct TokenJson {
    token: String,
    /// Whole seconds until `expires_at`.
    ttl: i64,
    expires_at: DateTime<Utc>,
    reset_url: String,
}

impl TokenJson {
    /// `page` is the front end's page that redeems the token, e.g. `reset-password`.
    pub(crate) fn new(issued: IssuedToken, public_url: &str, page: &str) -> Self {
        let token = issued.token.into_string();
        // Rounded: the token was issued a moment ago.
        let ttl_ms = (issued.expires_at - Utc::now()).num_milliseconds().max(0);
        Self {
            // A token is base64url: it goes into a query string as it is.
            reset_url: format!("{public_url}/{page}?token={token}"),
            token,
            ttl: (ttl_ms + 500) / 1000,
            expires_at: issued.expires_at,
        }
    }
}

/// An invited user and its invitation.
#[derive(Serialize, ToSchema)]
#[schema(as = Invited)]
pub(crate) struct InvitedJson {
    pub user: UserJson,
    #[serde(flatten)]
    pub invitation: TokenJson,
}

/// A sign-in's second step: the password was right; no session yet.
#[derive(Serialize, ToSchema)]
#[schema(as = SecondStep)]
pub(crate) struct SecondStepJson {
    /// `second_factor` (complete it with a code) or `enrolment` (the tenant requires a
    /// factor the user has none of: enrol one, then complete it with its code).
    step: &'static str,
    /// The challenge, single-use, for this device only.
    challenge: String,
    expires_at: DateTime<Utc>,
    /// What completes it: `totp`, `recovery_code` (and `passkey`).
    #[schema(value_type = Vec<String>)]
    factors: Vec<FactorKind>,
}

impl SecondStepJson {
    pub(crate) fn new(step: &'static str, second: SecondStep) -> Self {
        Self {
            step,
            challenge: second.challenge.into_string(),
            expires_at: second.expires_at,
            factors: second.factors,
        }
    }
}

/// An authenticator app being enrolled: shown once.
#[derive(Serialize, ToSchema)]
#[schema(as = TotpEnrolment)]
pub(crate) struct EnrolmentJson {
    /// Its id, to confirm it with.
    id: i64,
    /// The secret in base32, to type into the app.
    secret: String,
    /// `otpauth://totp/…`, to show as a QR code.
    uri: String,
}

impl From<TotpEnrolment> for EnrolmentJson {
    fn from(enrolment: TotpEnrolment) -> Self {
        Self {
            id: enrolment.authenticator,
            secret: enrolment.secret.expose().to_owned(),
            uri: enrolment.uri.expose().to_owned(),
        }
    }
}

/// Recovery codes: shown once.
#[derive(Serialize, ToSchema)]
#[schema(as = RecoveryCodes)]
pub(crate) struct RecoveryCodesJson {
    /// Each usable once instead of a code of the app; empty when the user already had some.
    recovery_codes: Vec<String>,
}

impl RecoveryCodesJson {
    pub(crate) fn new(codes: Option<RecoveryCodes>) -> Self {
        Self {
            recovery_codes: codes.map(|c| c.expose().to_vec()).unwrap_or_default(),
        }
    }
}

/// One of the user's second factors.
#[derive(Serialize, ToSchema)]
#[schema(as = Factor)]
pub(crate) struct FactorJson {
    id: i64,
    /// `totp` or `passkey`.
    #[schema(value_type = String)]
    kind: FactorKind,
    name: String,
    /// Enrolment finished.
    confirmed: bool,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
}

impl From<AuthenticatorView> for FactorJson {
    fn from(view: AuthenticatorView) -> Self {
        Self {
            id: view.id,
            kind: view.kind,
            name: view.name,
            confirmed: view.confirmed,
            created_at: view.created_at,
            last_used_at: view.last_used_at,
        }
    }
}

/// The signed-in user's second factors.
#[derive(Serialize, ToSchema)]
#[schema(as = Factors)]
pub(crate) struct FactorsJson {
    pub(crate) factors: Vec<FactorJson>,
    pub(crate) recovery_codes_left: u64,
}

/// One of the signed-in user's passkeys; never its credential.
#[cfg(feature = "passkeys")]
#[derive(Serialize, ToSchema)]
#[schema(as = Passkey)]
pub(crate) struct PasskeyJson {
    /// Its id, to rename or remove it by.
    id: i64,
    /// Always `passkey`.
    kind: &'static str,
    name: String,
    /// When its registration began.
    created_at: DateTime<Utc>,
    /// When its registration finished.
    confirmed_at: Option<DateTime<Utc>>,
    /// When it last signed in or passed a second step.
    last_used_at: Option<DateTime<Utc>>,
}

#[cfg(feature = "passkeys")]
impl From<tenantry_service::PasskeyView> for PasskeyJson {
    fn from(view: tenantry_service::PasskeyView) -> Self {
        Self {
            id: view.id,
            kind: view.kind,
            name: view.name,
            created_at: view.created_at,
            confirmed_at: view.confirmed_at,
            last_used_at: view.last_used_at,
        }
    }
}

/// The signed-in user's passkeys, oldest first.
#[cfg(feature = "passkeys")]
#[derive(Serialize, ToSchema)]
#[schema(as = Passkeys)]
pub(crate) struct PasskeysJson {
    pub(crate) passkeys: Vec<PasskeyJson>,
}

/// The first step of a passkey sign-in: the options for the browser and the token that names
/// the ceremony (single-use, five minutes, this tenant and address only).
#[cfg(feature = "passkeys")]
#[derive(Serialize, ToSchema)]
#[schema(as = PasskeySignInChallenge)]
pub(crate) struct PasskeyChallengeJson {
    /// Send it back with the answer to `POST /api/auth/passkey/finish`.
    token: String,
    /// The options for `navigator.credentials.get()` (WebAuthn
    /// `PublicKeyCredentialRequestOptions`, as webauthn-rs serializes them).
    #[schema(value_type = Object)]
    options: tenantry_service::webauthn_rs::prelude::RequestChallengeResponse,
}

#[cfg(feature = "passkeys")]
impl
    From<
        tenantry_service::PasskeyChallenge<
            tenantry_service::webauthn_rs::prelude::RequestChallengeResponse,
        >,
    > for PasskeyChallengeJson
{
    fn from(
        challenge: tenantry_service::PasskeyChallenge<
            tenantry_service::webauthn_rs::prelude::RequestChallengeResponse,
        >,
    ) -> Self {
        Self {
            token: challenge.token.into_string(),
            options: challenge.options,
        }
    }
}
