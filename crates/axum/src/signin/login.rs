//! Signing in and out, and who is signed in.

use crate::ApiState;
use crate::body::ApiJson;
use crate::error::{ApiError, ErrorJson};
use crate::extract::ClientIp;
use crate::json::{AccountJson, SecondStepJson};
use crate::requests::LoginBody;
use crate::session::{Auth, SignedIn};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_login::AuthSession;
use tenantry_service::axum_login::{SessionUser, TenantryBackend, login_fresh};
use tenantry_service::session_meta::SessionMeta;
use tenantry_service::{AuthenticatedUser, LoginContext, LoginSource, Password, SignIn, TenantId};

/// `POST /api/auth/login`: 200 with the account and a fresh session; 202 with a second-step
/// challenge (and no session) when the user has a second factor or the tenant requires one;
/// or the one 401 that every failure gets.
#[utoipa::path(
    post,
    path = "/api/auth/login",
    tag = "sign-in",
    request_body = LoginBody,
    responses(
        (status = 200, description = "Signed in: the account, and the session cookie", body = AccountJson,
            headers(("set-cookie" = String, description = "The session cookie `tenantry_admin`"))),
        (status = 202, description = "The password was right; complete the second step (`POST /api/auth/second-factor`, or enrol first: `POST /api/auth/enrolment`). No session yet.", body = SecondStepJson),
        (status = 400, description = "The body is not a JSON object", body = ErrorJson),
        (status = 401, description = "`invalid_credentials`: every failed login alike", body = ErrorJson),
        (status = 403, description = "`login_refused`", body = ErrorJson),
        (status = 413, description = "The body is over 64 KiB", body = ErrorJson),
        (status = 500, description = "`internal`", body = ErrorJson),
    ),
)]
pub(crate) async fn login(
    State(state): State<ApiState>,
    Auth(mut auth): Auth,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(body): ApiJson<LoginBody>,
) -> Result<Response, ApiError> {
    // What "my sessions" shows of this device: checked and cut by SessionMeta.
    let meta = device(ip.as_deref(), &headers);
    // An unknown tenant still runs the whole check (one hash), so it costs what any failure
    // costs. The cookie session is a browser's.
    let (tenant, context) = web_sign_in(&state, &body.tenant, ip).await?;
    // A missing password is a wrong one, and costs the same hashing.
    let password = body
        .password
        .unwrap_or_else(|| Password::new(String::new()));
    match state
        .users
        .sign_in(tenant, &body.login, &password, context)
        .await?
    {
        SignIn::Complete(user) => {
            let account = start_session(&state, &mut auth, user, &meta).await?;
            Ok(Json(account).into_response())
        }
        SignIn::SecondFactor(step) => Ok((
            StatusCode::ACCEPTED,
            Json(SecondStepJson::new("second_factor", step)),
        )
            .into_response()),
        SignIn::EnrolmentRequired(step) => Ok((
            StatusCode::ACCEPTED,
            Json(SecondStepJson::new("enrolment", step)),
        )
            .into_response()),
    }
}

/// The id of the tenant a sign-in names by slug; one no tenant has when none does.
pub(crate) async fn tenant_id(state: &ApiState, slug: &str) -> Result<TenantId, ApiError> {
    Ok(state
        .users
        .get_tenant_by_slug(slug)
        .await?
        .map_or(TenantId(0), |tenant| tenant.id))
}

/// The tenant `slug` names ([`tenant_id`]) and the context of a browser's sign-in from `ip`:
/// what every step of a sign-in starts from.
pub(crate) async fn web_sign_in(
    state: &ApiState,
    slug: &str,
    ip: Option<String>,
) -> Result<(TenantId, LoginContext), ApiError> {
    let tenant = tenant_id(state, slug).await?;
    let context = LoginContext {
        source: LoginSource::web(),
        ip,
    };
    Ok((tenant, context))
}

/// A finished login's session: a new session id (no planted cookie becomes this user's
/// session), the device's address and agent attached. The account, as the API shows it.
pub(crate) async fn start_session(
    state: &ApiState,
    auth: &mut AuthSession<TenantryBackend>,
    signed_in: AuthenticatedUser,
    meta: &SessionMeta,
) -> Result<AccountJson, ApiError> {
    let Some(tenant) = state.users.get_tenant(signed_in.user.tenant_id).await? else {
        return Err(ApiError::invalid_credentials());
    };
    let user = SessionUser::from(signed_in);
    login_fresh(auth, &user).await?;
    meta.attach(&auth.session).await?;
    Ok(AccountJson::new(user.user, tenant))
}

/// What the device says of itself, for "my sessions".
pub(crate) fn device(ip: Option<&str>, headers: &HeaderMap) -> SessionMeta {
    SessionMeta::new(
        ip.and_then(|ip| ip.parse().ok()),
        headers
            .get(header::USER_AGENT)
            .and_then(|agent| agent.to_str().ok()),
    )
}

/// `POST /api/auth/logout`: 204; the session is gone (with or without one before).
#[utoipa::path(
    post,
    path = "/api/auth/logout",
    tag = "sign-in",
    responses(
        (status = 204, description = "The session is over (or there was none)"),
        (status = 500, description = "`internal`", body = ErrorJson),
    ),
)]
pub(crate) async fn logout(Auth(mut auth): Auth) -> Result<StatusCode, ApiError> {
    auth.logout().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/me`: the signed-in account.
#[utoipa::path(
    get,
    path = "/api/me",
    tag = "sign-in",
    security(("session" = [])),
    responses(
        (status = 200, description = "The signed-in account", body = AccountJson),
        (status = 401, description = "`unauthenticated`", body = ErrorJson),
        (status = 500, description = "`internal`", body = ErrorJson),
    ),
)]
pub(crate) async fn me(SignedIn { user, tenant }: SignedIn) -> Json<AccountJson> {
    Json(AccountJson::new(user, tenant))
}
