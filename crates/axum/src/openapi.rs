//! The OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]` attributes and the
//! JSON types' schemas, and the service's own two routes: `GET /` and the document at
//! [`OPENAPI_PATH`].

use crate::error::ErrorJson;
use crate::{ApiState, SESSION_COOKIE, admin, signin};
use axum::Json;
use serde_json::{Value, json};
use std::sync::OnceLock;
use utoipa::openapi::OpenApi as Document;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Where [`router`](crate::router) serves the document.
pub const OPENAPI_PATH: &str = "/api/openapi.json";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "tenantry admin and sign-in API",
        description = "Sign-in (login, logout, me, my sessions, invitations, password resets) and \
            the tenant admin's user management over tenantry's user store. Every error answers \
            `{\"error\", \"message\"}` (the `Error` schema).",
    ),
    modifiers(&SessionCookie),
    components(schemas(ErrorJson)),
    tags(
        (name = "sign-in", description = "Signing in and out, the signed-in account, one-time tokens"),
        (name = "admin", description = "A tenant admin's users; the role catalogue and plants"),
        (name = "service", description = "The service itself"),
    ),
)]
struct ApiDoc;

/// The session cookie as a security scheme.
struct SessionCookie;

impl Modify for SessionCookie {
    fn modify(&self, openapi: &mut Document) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                SESSION_COOKIE,
                "The session cookie `POST /api/auth/login` sets",
            ))),
        );
    }
}

/// Every route of [`router`](crate::router) with its OpenAPI operation.
pub(crate) fn routes() -> OpenApiRouter<ApiState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(index))
        .routes(routes!(openapi_document))
        .merge(signin::routes())
        .merge(admin::routes())
}

/// The OpenAPI 3.1 document of every route [`router`](crate::router) serves: the sign-in and
/// admin routes with every status they answer and their bodies' schemas (the error body is
/// the component `Error`).
pub fn openapi() -> Document {
    routes().into_openapi()
}

/// The service's answer to `GET /`.
#[derive(serde::Serialize, ToSchema)]
#[schema(as = Service)]
struct ServiceJson {
    /// Always `tenantry-admin`.
    service: &'static str,
    /// Always `ok`.
    status: &'static str,
}

/// `GET /`: the service answers.
#[utoipa::path(
    get,
    path = "/",
    tag = "service",
    responses((status = 200, description = "The service answers", body = ServiceJson)),
)]
async fn index() -> Json<ServiceJson> {
    Json(ServiceJson {
        service: "tenantry-admin",
        status: "ok",
    })
}

/// `GET /api/openapi.json`: this document.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "service",
    responses((status = 200, description = "The OpenAPI 3.1 document", body = Object)),
)]
async fn openapi_document() -> Json<Value> {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    Json(
        DOCUMENT
            .get_or_init(|| {
                serde_json::to_value(openapi()).unwrap_or_else(|error| {
                    tracing::error!(%error, "the OpenAPI document does not serialize");
                    json!({})
                })
            })
            .clone(),
    )
}
