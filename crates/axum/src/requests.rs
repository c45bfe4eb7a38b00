//! The JSON and query strings the API takes, each with its OpenAPI schema.
//!
//! Missing strings default to empty, so the library reports them as `required` fields together
//! with every other broken rule; unknown fields are refused, so a typo never goes unnoticed.
//! Every body, and every object inside one, must be a JSON object: see
//! [`Object`](crate::body::Object).

use crate::body::objects;
use serde::Deserialize;
use tenantry_service::Password;
use utoipa::{IntoParams, ToSchema};

/// `POST /api/auth/login`. Missing fields are wrong credentials like any other.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Login)]
pub(crate) struct LoginBody {
    #[serde(default)]
    pub tenant: String,
    #[serde(default)]
    pub login: String,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub password: Option<Password>,
}

/// A role at a plant named by its code.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = PlantRoleGrant)]
pub(crate) struct RoleBody {
    #[serde(default)]
    pub plant: String,
    #[serde(default)]
    pub role: Option<String>,
}

/// `POST /api/users`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NewUser)]
pub(crate) struct NewUserBody {
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub email: String,
    /// Tenant-wide role keys.
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default, deserialize_with = "objects")]
    pub plant_roles: Vec<RoleBody>,
}

/// `PUT /api/users/{id}/roles`: the complete set of roles.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Roles)]
pub(crate) struct RolesBody {
    /// Tenant-wide role keys.
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default, deserialize_with = "objects")]
    pub plant_roles: Vec<RoleBody>,
}

/// `POST /api/invitations/accept`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = AcceptInvitation)]
pub(crate) struct AcceptBody {
    #[serde(default)]
    pub token: String,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub password: Option<Password>,
    #[serde(default)]
    pub username: Option<String>,
}

/// `POST /api/password-reset`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = PasswordReset)]
pub(crate) struct ResetBody {
    #[serde(default)]
    pub token: String,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub new_password: Option<Password>,
}

/// `POST /api/plants`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NewPlant)]
pub(crate) struct NewPlantBody {
    /// Unique in the tenant, case-insensitively.
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
}

/// `GET /api/users` query parameters; empty values count as absent.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListParams {
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub plant: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub q: Option<String>,
    /// How `q` matches: `prefix` (the default) or `contains`.
    #[serde(default, rename = "match")]
    pub search_mode: Option<String>,
    #[serde(default)]
    pub offset: Option<String>,
    #[serde(default)]
    pub limit: Option<String>,
    #[serde(default)]
    pub after: Option<String>,
}

/// `POST /api/auth/second-factor`: the second step of a sign-in, with one proof.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = SecondFactor)]
pub(crate) struct SecondFactorBody {
    /// The tenant's slug, as at login.
    #[serde(default)]
    pub tenant: String,
    /// The challenge the login answered with.
    #[serde(default)]
    pub challenge: String,
    /// A code of the authenticator app.
    #[serde(default)]
    pub code: Option<String>,
    /// Or one of the recovery codes.
    #[serde(default)]
    pub recovery_code: Option<String>,
    /// Or a passkey: the browser's answer (`navigator.credentials.get()`, as JSON) to the
    /// options of `POST /api/auth/second-factor/passkey` (feature `passkeys`).
    #[cfg(feature = "passkeys")]
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub passkey: Option<Box<tenantry_service::webauthn_rs::prelude::PublicKeyCredential>>,
}

/// `POST /api/auth/second-factor/passkey`: begin a passkey as the second step.
#[cfg(feature = "passkeys")]
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = PasskeyStep)]
pub(crate) struct PasskeyStepBody {
    /// The tenant's slug, as at login.
    #[serde(default)]
    pub tenant: String,
    /// The challenge the login answered with.
    #[serde(default)]
    pub challenge: String,
}

/// `POST /api/auth/enrolment`: enrol an authenticator app through an enrolment challenge.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = EnrolmentAtSignIn)]
pub(crate) struct EnrolmentBody {
    #[serde(default)]
    pub tenant: String,
    #[serde(default)]
    pub challenge: String,
    /// The authenticator's name; "authenticator app" when empty.
    #[serde(default)]
    pub name: String,
}

/// `POST /api/me/factors/totp`: begin enrolling an authenticator app.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NewTotp)]
pub(crate) struct NewTotpBody {
    /// The authenticator's name; "authenticator app" when empty.
    #[serde(default)]
    pub name: String,
}

/// `POST /api/me/factors/{id}/confirm`: a current code of the app being enrolled.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = TotpCode)]
pub(crate) struct CodeBody {
    #[serde(default)]
    pub code: String,
}

/// `POST /api/me/passkeys`: finish registering a passkey (the ceremony's token is in the
/// session, see [`crate::signin::my_passkeys`]).
#[cfg(feature = "passkeys")]
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NewPasskey)]
pub(crate) struct NewPasskeyBody {
    /// The user's name for it: 1–100 characters, no control or invisible characters.
    #[serde(default)]
    pub name: String,
    /// The browser's answer (`navigator.credentials.create()`, as JSON) to the options of
    /// `POST /api/me/passkeys/registration`.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub credential:
        Option<Box<tenantry_service::webauthn_rs::prelude::RegisterPublicKeyCredential>>,
}

/// `PATCH /api/me/passkeys/{id}`: a passkey's new name.
#[cfg(feature = "passkeys")]
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = PasskeyName)]
pub(crate) struct PasskeyNameBody {
    /// 1–100 characters, no control or invisible characters.
    #[serde(default)]
    pub name: String,
}

/// `POST /api/auth/passkey/start`: begin signing in with a passkey alone.
#[cfg(feature = "passkeys")]
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = PasskeySignInStart)]
pub(crate) struct PasskeyStartBody {
    /// The tenant's slug.
    #[serde(default)]
    pub tenant: String,
}

/// `POST /api/auth/passkey/finish`: the browser's answer to a passkey sign-in.
#[cfg(feature = "passkeys")]
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = PasskeySignIn)]
pub(crate) struct PasskeyFinishBody {
    /// The tenant's slug, as at the start.
    #[serde(default)]
    pub tenant: String,
    /// The token the start answered with.
    #[serde(default)]
    pub token: String,
    /// The browser's answer (`navigator.credentials.get()`, as JSON) to the start's options.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub credential: Option<Box<tenantry_service::webauthn_rs::prelude::PublicKeyCredential>>,
}
