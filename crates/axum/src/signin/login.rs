//! Signing in and out, and who is signed in.

use crate::ApiState;
use crate::body::ApiJson;
use crate::error::{ApiError, ErrorJson};
use crate::extract::ClientIp;
use crate::json::AccountJson;
use crate::requests::LoginBody;
use crate::session::{Auth, SignedIn};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use tenantry_service::axum_login::{LoginCredentials, login_fresh};
use tenantry_service::session_meta::SessionMeta;
use tenantry_service::{LoginSource, Password};

/// `POST /api/auth/login`: 200 with the account and a fresh session, or the one 401 that
/// every failure gets.
#[utoipa::path(
    post,
    path = "/api/auth/login",
    tag = "sign-in",
    request_body = LoginBody,
    responses(
        (status = 200, description = "Signed in: the account, and the session cookie", body = AccountJson,
            headers(("set-cookie" = String, description = "The session cookie `tenantry_admin`"))),
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
) -> Result<Json<AccountJson>, ApiError> {
    // What "my sessions" shows of this device: checked and cut by SessionMeta.
    let meta = SessionMeta::new(
        ip.as_deref().and_then(|ip| ip.parse().ok()),
        headers
            .get(header::USER_AGENT)
            .and_then(|agent| agent.to_str().ok()),
    );
    let credentials = LoginCredentials {
        tenant: body.tenant,
        login: body.login,
        // A missing password is a wrong one, and costs the same hashing.
        password: body
            .password
            .unwrap_or_else(|| Password::new(String::new())),
        // The cookie session is a browser's.
        source: LoginSource::web(),
        ip,
    };
    let Some(user) = auth.authenticate(credentials).await? else {
        return Err(ApiError::invalid_credentials());
    };
    let Some(tenant) = state.users.get_tenant(user.user.tenant_id).await? else {
        return Err(ApiError::invalid_credentials());
    };
    // A new session id at every login: no planted cookie becomes this user's session.
    login_fresh(&mut auth, &user).await?;
    meta.attach(&auth.session).await.map_err(|e| {
        tracing::error!(error = %e, "session store failed");
        ApiError::internal()
    })?;
    Ok(Json(AccountJson::new(user.user, tenant)))
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
