//! The API's one error type and its JSON body: `{"error": code, "message": text}`, plus
//! `"fields"` for invalid input; and that body's OpenAPI schema.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value};
use std::borrow::Cow;
use tenantry_service::Error;
use tenantry_service::validation::{Rule, ValidationErrors};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

/// An error answer: a status with the body `{"error": code, "message": text}` (and `"fields"`
/// for invalid input), as every route of this crate answers. Its message is always a fixed
/// phrase or built from field names and rule descriptions, never from a submitted value or
/// database text. A host's own handlers return it too; a library [`Error`] converts into it
/// (`?`), an unexpected one as a 500 `internal` whose cause goes to the log only.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: Cow<'static, str>,
    fields: Vec<FieldProblem>,
}

/// One broken rule of one field: serialized as `{"field", "rule", …limits}`.
#[derive(Debug)]
pub(crate) struct FieldProblem {
    field: String,
    /// `rule` and any limit (`min`, `max`), as the library serializes its rules.
    rule: Map<String, Value>,
    /// The rule in words, for the message.
    text: Cow<'static, str>,
}

impl FieldProblem {
    /// A rule of this API's own (`not_found`, `duplicate`, `invalid_format`, `unknown_field`).
    pub(crate) fn new(field: impl Into<String>, rule: &'static str, text: &'static str) -> Self {
        let mut map = Map::new();
        map.insert("rule".into(), Value::from(rule));
        Self {
            field: field.into(),
            rule: map,
            text: Cow::Borrowed(text),
        }
    }

    /// Adds what the field takes (`"expected"`, e.g. "a string"), shown in the message too.
    /// Only text from the field's type belongs here, never a submitted value.
    pub(crate) fn expecting(mut self, expected: String) -> Self {
        self.text = Cow::Owned(format!("{} (expected {expected})", self.text));
        self.rule.insert("expected".into(), Value::from(expected));
        self
    }

    /// A broken rule of the library's vocabulary (`required`, `duplicate`, `too_long`, …).
    pub(crate) fn rule(field: impl Into<String>, rule: Rule) -> Self {
        let map = match serde_json::to_value(rule) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        Self {
            field: field.into(),
            rule: map,
            text: Cow::Owned(rule.to_string()),
        }
    }
}

/// The body of every error answer.
#[derive(Serialize, ToSchema)]
#[schema(as = Error)]
pub(crate) struct ErrorJson {
    /// The error's code: `invalid_input`, `invalid_token`, `unauthenticated`,
    /// `invalid_credentials`, `forbidden`, `login_refused`, `sign_in_refused`, `not_found`,
    /// `method_not_allowed`, `username_taken`, `email_taken`, `conflict`, `last_admin`,
    /// `role_refused`, `payload_too_large`, `internal`, … (`error` for a status a layer
    /// answered).
    error: &'static str,
    /// A fixed English phrase; never database text, a hash or a submitted value.
    message: String,
    /// With `invalid_input`: every broken rule of every field.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    fields: Option<Vec<FieldErrorJson>>,
}

/// One broken rule of one field: `{"field", "rule", …}` with the rule's limit when it has one.
#[derive(Serialize)]
#[serde(transparent)]
pub(crate) struct FieldErrorJson(Map<String, Value>);

impl PartialSchema for FieldErrorJson {
    fn schema() -> RefOr<Schema> {
        let text = |description: &str| {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some(description))
        };
        let count = |description: &str| {
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0))
                .description(Some(description))
        };
        ObjectBuilder::new()
            .description(Some("One broken rule of one field."))
            .property("field", text("The field's path in the request, e.g. `roles[0]`."))
            .required("field")
            .property(
                "rule",
                text("The rule: `required`, `too_short`, `too_long`, `invalid_format`, `duplicate`, `not_found`, `unknown_field`, `scope_not_allowed`, `out_of_range`, `weak`, …"),
            )
            .required("rule")
            .property("min", count("With `too_short`: the fewest characters allowed."))
            .property("max", count("With `too_long`: the most characters allowed."))
            .property("expected", text("What the field takes, e.g. `a string`."))
            .property("format", text("With the hash rules: the hash's format."))
            .build()
            .into()
    }
}

impl ToSchema for FieldErrorJson {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("FieldError")
    }
}

impl ApiError {
    /// An error with this status, code and fixed message.
    pub fn new(status: StatusCode, code: &'static str, message: &'static str) -> Self {
        Self {
            status,
            code,
            message: Cow::Borrowed(message),
            fields: Vec::new(),
        }
    }

    /// 500 `internal`: something failed that the client cannot fix (log the cause).
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error",
        )
    }

    /// 404 `not_found`.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "not found")
    }

    /// 401 `unauthenticated`: no valid session.
    pub fn unauthenticated() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", "sign in first")
    }

    /// 403 `forbidden`: signed in, but not a tenant admin.
    pub fn forbidden() -> Self {
        Self::forbidden_because("this needs the tenant admin role")
    }

    /// 403 `forbidden` with this fixed message (what the request needed).
    pub fn forbidden_because(message: &'static str) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// The one answer to every failed login.
    pub(crate) fn invalid_credentials() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "invalid credentials",
        )
    }

    /// A request whose body could not be read as the JSON the route takes.
    pub(crate) fn bad_body(message: &'static str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_input", message)
    }

    /// 400 `invalid_input`: `field` is required (a body without it).
    pub(crate) fn required(field: &'static str) -> Self {
        from_validation(&ValidationErrors::single(field, Rule::Required))
    }

    /// Invalid input: every broken field at once.
    pub(crate) fn invalid(fields: Vec<FieldProblem>) -> Self {
        let described: Vec<String> = fields
            .iter()
            .map(|f| format!("{}: {}", f.field, f.text))
            .collect();
        Self {
            status: StatusCode::BAD_REQUEST,
            code: "invalid_input",
            message: Cow::Owned(format!("invalid input: {}", described.join("; "))),
            fields,
        }
    }

    /// The generic body of a status that a layer answered without one.
    pub fn from_status(status: StatusCode) -> Self {
        match status {
            StatusCode::BAD_REQUEST => Self::bad_body("bad request"),
            StatusCode::UNAUTHORIZED => Self::unauthenticated(),
            StatusCode::FORBIDDEN => Self::forbidden(),
            StatusCode::NOT_FOUND => Self::not_found(),
            StatusCode::PAYLOAD_TOO_LARGE => Self::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the body is larger than this service takes",
            ),
            s if s.is_server_error() => Self::internal(),
            s => Self {
                status: s,
                code: "error",
                message: Cow::Borrowed(s.canonical_reason().unwrap_or("error")),
                fields: Vec::new(),
            },
        }
    }

    /// Renames a field in the field errors (the library's name for a field that this API
    /// calls otherwise, e.g. `plant_roles` → `roles`), and rebuilds the message.
    pub(crate) fn rename_field(self, from: &str, to: &str) -> Self {
        if self.fields.iter().all(|f| f.field != from) {
            return self;
        }
        let fields = self
            .fields
            .into_iter()
            .map(|mut f| {
                if f.field == from {
                    to.clone_into(&mut f.field);
                }
                f
            })
            .collect();
        Self::invalid(fields)
    }
}

fn from_validation(errors: &ValidationErrors) -> ApiError {
    let fields = errors
        .errors()
        .iter()
        .map(|e| FieldProblem::rule(e.field, e.rule))
        .collect();
    ApiError::invalid(fields)
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        let conflict = |code, message| Self::new(StatusCode::CONFLICT, code, message);
        match error {
            Error::NotFound => Self::not_found(),
            Error::UsernameTaken => conflict("username_taken", "username is already taken"),
            Error::EmailTaken => conflict("email_taken", "email is already taken"),
            Error::SlugTaken => conflict("slug_taken", "tenant slug is already taken"),
            Error::PlantCodeTaken => conflict("plant_code_taken", "plant code is already taken"),
            Error::PlantIdentifierTaken => conflict(
                "plant_identifier_taken",
                "plant identifier is already taken",
            ),
            Error::InvalidInput(errors) => from_validation(&errors),
            Error::InvalidCredentials => Self::invalid_credentials(),
            // Only `authenticate` says this; the sign-in routes use `sign_in`.
            Error::SecondFactorRequired => Self::new(
                StatusCode::UNAUTHORIZED,
                "second_factor_required",
                "a second factor is required",
            ),
            Error::SecondFactorsNotConfigured => conflict(
                "second_factors_not_configured",
                "second factors are not configured on this service",
            ),
            // A sign-in vouched for elsewhere that the account or the tenant's policy refuses.
            Error::LoginRefused(_) => Self::new(
                StatusCode::FORBIDDEN,
                "login_refused",
                "the account may not sign in",
            ),
            Error::IdentityRefused(_) => Self::new(
                StatusCode::FORBIDDEN,
                "sign_in_refused",
                "this sign-in is not allowed for the tenant",
            ),
            Error::InvalidToken => Self::new(
                StatusCode::BAD_REQUEST,
                "invalid_token",
                "invalid or expired token",
            ),
            Error::Conflict(reason) => Self {
                status: StatusCode::CONFLICT,
                code: "conflict",
                message: Cow::Borrowed(reason),
                fields: Vec::new(),
            },
            Error::LastAdmin => conflict(
                "last_admin",
                "the last active tenant admin cannot be removed, demoted or deactivated",
            ),
            // The admin's own roles may not make this change (delegated administration).
            Error::NotPermitted { .. } => Self::forbidden(),
            // The handlers check roles against the catalogue first; this is the library's
            // word on one that slipped past (the catalogue changed in between).
            Error::RoleRefused(_) => Self::new(
                StatusCode::BAD_REQUEST,
                "role_refused",
                "a role is not in the catalogue or not grantable there",
            ),
            other => {
                // The cause is for operators only; the client learns nothing of it.
                let cause = std::error::Error::source(&other).map(ToString::to_string);
                tracing::error!(error = %other, cause = cause.as_deref(), "request failed");
                Self::internal()
            }
        }
    }
}

impl From<axum_login::Error<tenantry_service::axum_login::TenantryBackend>> for ApiError {
    fn from(error: axum_login::Error<tenantry_service::axum_login::TenantryBackend>) -> Self {
        match error {
            axum_login::Error::Backend(e) => e.into(),
            axum_login::Error::Session(e) => {
                tracing::error!(error = %e, "session store failed");
                Self::internal()
            }
        }
    }
}

impl From<tower_sessions::session::Error> for ApiError {
    fn from(error: tower_sessions::session::Error) -> Self {
        // The store's or the data's failure: for operators only.
        tracing::error!(error = %error, "session store failed");
        Self::internal()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let fields = (!self.fields.is_empty()).then(|| {
            self.fields
                .into_iter()
                .map(|f| {
                    let mut map = Map::new();
                    map.insert("field".into(), Value::from(f.field));
                    map.extend(f.rule);
                    FieldErrorJson(map)
                })
                .collect()
        });
        let body = ErrorJson {
            error: self.code,
            message: self.message.into_owned(),
            fields,
        };
        (self.status, Json(body)).into_response()
    }
}
