//! tenantry's HTTP layer on axum 0.8: a sign-in API and an admin API over a
//! [`UserRepository`], with `axum-login` sessions kept in the database by `tower-sessions`, and
//! the OpenAPI 3.1 document of both.
//!
//! - [`router`] is the whole service, every route below (what `cargo run --example axum_admin`
//!   serves); [`serve`] runs it with the client addresses login events record.
//! - A host that has routes of its own mounts the parts: [`signin::router`] (login, logout,
//!   me, my sessions, my second factors and passkeys, password reset, invitation acceptance)
//!   and [`admin::router`] (users, roles, plants, invitations, resets, sessions), each over an
//!   [`ApiState`], under the
//!   session layer [`auth_layer`] makes, with [`BODY_LIMIT`] (`DefaultBodyLimit`) and
//!   [`finish_response`] (`axum::middleware::map_response`) as [`router`] has them;
//!   [`openapi()`] is their document.
//! - Its own handlers take the signed-in user with the extractors of [`session`]
//!   ([`SignedIn`], [`SessionUser`], [`SessionTenant`]) and require roles of the store's
//!   catalogue with [`guard`] ([`TenantAdmin`], [`HasRole`], the [`guard::require_role`]
//!   middleware): 401 without a session, 403 without the role, in this API's error format.
//!
//! # Routes
//!
//! | route | who | answer |
//! |---|---|---|
//! | `GET /` | anyone | 200 `{"service":"tenantry-admin","status":"ok"}` |
//! | `GET /api/openapi.json` | anyone | 200 the OpenAPI 3.1 document of every route here |
//! | `POST /api/auth/login` `{"tenant","login","password"}` | anyone | 200 account + session cookie; 401 |
//! | `POST /api/auth/logout` | anyone | 204, the session is gone |
//! | `GET /api/me` | signed in | 200 account |
//! | `GET /api/me/sessions` | signed in | 200 `{"sessions":[{"id","created_at","last_seen_at","expires_at","ip","user_agent"}]}`, newest first (`id` is the session's public id, never its cookie) |
//! | `DELETE /api/me/sessions/{id}` | signed in | 204; that session (another device's, or this one) is over; 404 for an id that is not one of the user's live sessions |
//! | `POST /api/auth/passkey/start` `{"tenant"}` | anyone (feature `passkeys`) | 200 `{"token","options"}`: the options for `navigator.credentials.get()`; 404 `not_found` for an unknown tenant |
//! | `POST /api/auth/passkey/finish` `{"tenant","token","credential"}` | anyone with the token (feature `passkeys`) | 200 account + session cookie; 401 `invalid_credentials` for every failure (the token included: malformed, used, expired, another tenant's) |
//! | `POST /api/me/passkeys/registration` | signed in (feature `passkeys`) | 200 the options for `navigator.credentials.create()`; the ceremony's token stays in the session |
//! | `POST /api/me/passkeys` `{"name","credential"}` | signed in, in the session that began the registration | 201 passkey; 400 `invalid_token` when this session has no registration pending |
//! | `GET /api/me/passkeys` | signed in (feature `passkeys`) | 200 `{"passkeys":[passkey…]}`, oldest first |
//! | `PATCH /api/me/passkeys/{id}` `{"name"}` | signed in (feature `passkeys`) | 200 passkey; 404 for an id that is not one of the user's passkeys |
//! | `DELETE /api/me/passkeys/{id}` | signed in (feature `passkeys`) | 204; it signs in no more; 404 as above |
//! | `GET /api/roles` | signed in | 200 the role catalogue: `{"exclusive_per_scope",`<br>`"roles":[{"key","name","scope","implies","administers_users","default","grants"}]}` in declaration order (`scope`: `tenant`, `plant` or `both`) |
//! | `GET /api/plants` | signed in | 200 the tenant's plants: `{"plants":[{"id","code","name","active"}]}` by code (`id` is the plant's public id) |
//! | `POST /api/plants` `{"code","name"}` | tenant admin | 201 the plant `{"id","code","name","active"}`; 409 `plant_code_taken` |
//! | `GET /api/users?status=&plant=&role=&q=&offset=&limit=&after=` | tenant admin | 200 `{"users":[user…],"total":N,"next"?}` (without `offset`: by cursor, `next` is the following page's `after`) |
//! | `GET /api/users/{id}` | tenant admin | 200 user |
//! | `POST /api/users` `{"username"?,"display_name","email","roles":[…]?,"plant_roles":[{"plant","role"}]?}` | tenant admin | 201 `{"user","token","ttl","expires_at","reset_url"}` |
//! | `POST /api/users/{id}/deactivate`, `…/reactivate` | tenant admin | 200 user |
//! | `PUT /api/users/{id}/roles` `{"roles":["admin","project_manager"],"plant_roles":[{"plant","role"}]}` | tenant admin | 200 user |
//! | `POST /api/users/{id}/reset-password` | tenant admin | 200 `{"token","ttl","expires_at","reset_url"}` |
//! | `DELETE /api/users/{id}/sessions` | tenant admin | 200 `{"revoked":N}`: every session of the user is over |
//! | `POST /api/invitations/accept` `{"token","password","username"?}` | anyone with the token | 200 account |
//! | `POST /api/password-reset` `{"token","new_password"}` | anyone with the token | 200 account |
//!
//! A **passkey** is `{"id","kind":"passkey","name","created_at","confirmed_at","last_used_at"}`
//! (never its credential); its name is 1–100 characters without control or invisible
//! characters.
//!
//! A **user** is `{"id","username","display_name","email","status","roles",
//! "plant_roles":[{"plant","plant_name","role"}],"last_login_at"}`, where `id` is the user's
//! public id (its `pid`, a UUID; row ids never leave the service), `roles` its tenant-wide role
//! keys and `plant` the plant's code. An **account** is `{"user": user, "tenant":
//! {"slug","name"}}`. Roles are the keys of the store's role catalogue (`GET /api/roles`; by
//! default `operator`, `supervisor`, `engineer`, `admin`); statuses are `invited`, `active`, `suspended`; times are
//! RFC 3339 UTC; `ttl` is whole seconds until `expires_at`.
//!
//! # Errors
//!
//! Every error is `{"error": code, "message": text}`; `message` is a fixed English phrase that
//! never holds database text, a hash or a submitted value.
//!
//! | status | `error` |
//! |---|---|
//! | 400 | `invalid_input`, with `"fields":[{"field","rule",…}]` (the library's rules, e.g. `{"field":"username","rule":"too_short","min":3}` or `{"field":"offset","rule":"out_of_range"}`, plus `not_found` for an unknown plant code; for a body of the wrong shape `unknown_field`, `duplicate` or `invalid_format`, each with `"expected"`, e.g. `{"field":"username","rule":"invalid_format","expected":"a string"}`); `invalid_token` |
//! | 401 | `unauthenticated` (no valid session), `invalid_credentials` (login) |
//! | 403 | `forbidden` (signed in, but not a tenant admin) |
//! | 404 | `not_found` (no such user *in the session's tenant*, or no such route) |
//! | 405 | `method_not_allowed` (a known route, another method) |
//! | 409 | `username_taken`, `email_taken`, `plant_code_taken`, `conflict`, `last_admin` |
//! | 413 | `payload_too_large` (a body over 64 KiB, [`BODY_LIMIT`]) |
//! | other 4xx | `error`, with the status's reason as the message (answered by a layer, not by this API) |
//! | 500 | `internal`, always with the message `internal error`; the cause goes to the log |
//!
//! # Decisions
//!
//! - **Tenancy.** Every `/api/users` route acts in the session user's tenant and requires a
//!   tenant-wide role that administers users (by default `admin`; a plant-level `admin` role is
//!   not enough: user management is tenant-wide). A user id of another tenant is 404, exactly like an id that does not exist;
//!   so is a malformed id.
//! - **Delegated administration.** `PUT /api/users/{id}/roles` and `POST /api/users` are
//!   also checked grant by grant against the store's role catalogue, by the library (the
//!   signed-in admin is the change's actor): every grant the change adds or takes away must be
//!   one the admin's own roles may grant (`RoleCatalogue::may_change`), else 403 `forbidden`
//!   and nothing is written. With the
//!   default catalogue a tenant admin may change every grant; a host's catalogue can say less
//!   (e.g. "every role but owner").
//! - **Login failures** (unknown tenant, unknown user, wrong password, locked, suspended,
//!   invited, expired, suspended tenant) are one identical 401 body, and take the same work:
//!   the library runs the hasher once for each. Missing fields count as wrong credentials;
//!   only a body that is not JSON is a 400. The client address (from the TCP connection, never
//!   from a header: put a trusted proxy's address handling in front if there is one) goes into
//!   the login event.
//! - **Sessions** are `axum-login` over tenantry's database store
//!   (`tenantry_service::session_store::SeaOrmSessionStore`, in `tenantry_sessions`): they
//!   survive a restart and every instance on the database shares them. A session's id is
//!   stored only as its SHA-256; its row records the address and user agent of its login. A
//!   request costs one read, and an unchanged session is written at most once a minute.
//!   `main` prunes ended sessions hourly (`Sessions::prune_sessions`). Every successful login empties the session and gives it a new id, deleting
//!   the old one, even when the cookie was already signed in (axum-login itself only does so
//!   for a session without a user): a cookie planted beforehand by someone else — another
//!   user, of any tenant — never becomes the session of whoever signs in next. The cookie (`tenantry_admin`) is `HttpOnly`, `SameSite=Strict`, `Secure` when
//!   the public URL is `https://`, and expires after 8 hours without a request. The session's
//!   auth hash is the user's security stamp, so a password, status or role change ends every
//!   session of that user on its next request (including an admin's own, when it changes its
//!   own roles). On every request the session is also refused when the user's account expired
//!   or its tenant was suspended, since neither rotates the stamp.
//! - **Passkeys** (feature `passkeys`). A registration's ceremony token is kept in the
//!   session — sealed with a pad derived from the session's raw id, which the database never
//!   holds, so no session row holds a raw token — and never shown to the client: the client
//!   has nothing to leak, a registration begun
//!   in one session cannot be finished in another, and the first answer takes the token out of
//!   the session (the library spends it too), so an answer cannot be replayed. A sign-in with a
//!   passkey alone has no session yet, so its token goes to the client beside the options; the
//!   library binds it to the tenant and the client's address, spends it on any answer and lets
//!   it live five minutes. A finished sign-in starts a session like a login (a new session id).
//!   Every failed passkey sign-in is the login's one 401, the token's failures included.
//! - **CSRF.** Bodies must be `Content-Type: application/json` (a cross-site form cannot send
//!   that without a CORS preflight, which this service never grants), and the cookie is
//!   `SameSite=Strict`, which also covers the body-less `POST`s.
//! - **Creating a user invites it** (`UserRepository::invite_user`): the user is `invited`,
//!   has no password, and activates itself with the returned token at
//!   `POST /api/invitations/accept`, choosing its password (and, optionally, a new username).
//!   `username` may be left out: the invitee then has an `invited-…` placeholder until it
//!   chooses one on acceptance. The response's `reset_url` is
//!   `{public_url}/accept-invitation?token=…` for an invitation and
//!   `{public_url}/reset-password?token=…` for a reset: pages of a front end, not of this API.
//!   Tokens are shown once, in that response, and never again.
//! - **Plants are named by code**, case-insensitively, within the session's tenant. An unknown
//!   code in a body or in the `plant` filter is a 400 `invalid_input` whose field error is
//!   `{"field":"plant_roles[0].plant","rule":"not_found"}` (or `"plant"`): the request is
//!   wrong, not the addressed resource. A role key that is malformed is `invalid_format`, one
//!   the catalogue lacks `not_found`, one it may not grant there `scope_not_allowed` (fields
//!   `roles[i]`, `plant_roles[i].role`). The same grant twice, or a second role in one scope
//!   of an exclusive catalogue, is `duplicate`.
//! - **`PUT …/roles` replaces exactly**: the tenant-wide roles become exactly `roles` and the
//!   plant roles exactly `plant_roles` (either absent: none), in one transaction
//!   (`Roles::replace_roles`): concurrent `PUT`s end with one caller's exact roles.
//! - **Listing**: empty query values count as absent (`?status=&q=` lists everyone); `role`
//!   is a role key, matching its holders and the holders of every role implying it (at `plant`
//!   when given, else anywhere; an unknown key is `not_found`); `q` searches username, email
//!   and display name by prefix (`match=contains` for a substring, which reads the whole
//!   tenant); `limit` defaults to 50 and is capped at 500; `offset` above
//!   9223372036854775807 (`PageRequest::MAX_OFFSET`) is `out_of_range`, and an `offset` or
//!   `limit` that is not a whole number from 0 to 18446744073709551615 (`-1`, `1e99`) is
//!   `invalid_format`; the order is by username.
//! - **Bodies** are JSON objects of at most [`BODY_LIMIT`] bytes; an array, even one holding
//!   the right values in the right order, is not an object.
//! - **Deactivating** suspends the user and ends its sessions; refusing to remove the last
//!   active tenant admin is the library's (`last_admin`). Reactivating an invited user is a
//!   `conflict`: it has to accept its invitation. Deleting users is not part of this API.
//! - Every response carries `Cache-Control: no-store` (some hold tokens).

pub mod admin;
mod body;
mod config;
mod error;
mod extract;
pub mod guard;
mod json;
mod openapi;
mod requests;
pub mod scim;
pub mod session;
pub mod signin;
mod state;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_login::{AuthManagerLayer, AuthManagerLayerBuilder};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tenantry_service::UserRepository;
use tenantry_service::axum_login::TenantryBackend;
use tenantry_service::session_store::SeaOrmSessionStore;
use tokio::net::TcpListener;
use tower_sessions::cookie::SameSite;
use tower_sessions::cookie::time::Duration;
use tower_sessions::{Expiry, SessionManagerLayer};

pub use config::AdminConfig;
pub use error::ApiError;
pub use guard::{HasRole, RequiredRole, TenantAdmin};
pub use openapi::{OPENAPI_PATH, openapi};
pub use session::{SessionTenant, SessionUser, SignedIn};
pub use state::ApiState;

/// The largest request body taken (64 KiB; the largest real body, a user with its roles, is
/// a few KiB): a larger one is a 413 `payload_too_large` before any of it is parsed.
pub const BODY_LIMIT: usize = 64 * 1024;

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "tenantry_admin";

/// The session layer every route of this crate runs under: `axum-login` with tenantry's
/// backend (the store's role catalogue as its permissions) over `sessions`, the cookie
/// [`SESSION_COOKIE`] as the [module docs](self) describe it.
pub fn auth_layer(
    users: Arc<dyn UserRepository>,
    sessions: SeaOrmSessionStore,
    config: &AdminConfig,
) -> AuthManagerLayer<TenantryBackend, SeaOrmSessionStore> {
    let roles = users.role_catalogue().clone();
    let sessions = SessionManagerLayer::new(sessions)
        .with_name(SESSION_COOKIE)
        .with_secure(config.secure_cookie)
        .with_same_site(SameSite::Strict)
        .with_http_only(true)
        .with_expiry(Expiry::OnInactivity(Duration::hours(8)));
    AuthManagerLayerBuilder::new(TenantryBackend::with_roles(users, roles), sessions).build()
}

/// The admin service over `users`: every route of the [module docs](self), with its sessions
/// kept by `sessions` (a store on the same database: they survive a restart and are shared by
/// every instance).
///
/// Serve it with [`serve`], which provides the client addresses the login events record.
pub fn router(
    users: Arc<dyn UserRepository>,
    sessions: SeaOrmSessionStore,
    config: AdminConfig,
) -> Router {
    let auth = auth_layer(Arc::clone(&users), sessions, &config);
    let state = ApiState::new(users, &config);
    let (routes, _) = openapi::routes().split_for_parts();
    routes
        .with_state(state)
        .fallback(|| async { ApiError::not_found() })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "method not allowed",
            )
        })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(auth)
        .layer(axum::middleware::map_response(finish_response))
}

/// Serves `app` on `listener` until `shutdown` completes, telling handlers each client's
/// address.
///
/// # Errors
///
/// When accepting connections fails.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Gives the bare error responses of the layers (an empty 500 when the session store or the
/// user lookup fails) the JSON error body, and forbids caching any response (some hold
/// tokens). [`router`] runs it on every response
/// (`.layer(axum::middleware::map_response(finish_response))`); a host mounting the parts
/// adds it the same way.
pub async fn finish_response(response: Response) -> Response {
    let status = response.status();
    let mut response = if (status.is_client_error() || status.is_server_error())
        && !response.headers().contains_key(header::CONTENT_TYPE)
    {
        ApiError::from_status(status).into_response()
    } else {
        response
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
