//! Signing in and out, and who is signed in.

use crate::admin::AppState;
use crate::admin::error::ApiError;
use crate::admin::extract::{ApiJson, Auth, ClientIp, SignedIn};
use crate::admin::json::{AccountJson, LoginBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum_login::AuthSession;
use tenantry_service::axum_login::{LoginCredentials, TenantryBackend};
use tenantry_service::{LoginSource, Password};

/// `POST /api/auth/login`: 200 with the account and a fresh session, or the one 401 that
/// every failure gets.
pub(crate) async fn login(
    State(state): State<AppState>,
    Auth(mut auth): Auth,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<LoginBody>,
) -> Result<Json<AccountJson>, ApiError> {
    let credentials = LoginCredentials {
        tenant: body.tenant,
        login: body.login,
        // A missing password is a wrong one, and costs the same hashing.
        password: body
            .password
            .unwrap_or_else(|| Password::new(String::new())),
        // The cookie session is a browser's.
        source: LoginSource::Web,
        ip,
    };
    let Some(user) = auth.authenticate(credentials).await? else {
        return Err(ApiError::invalid_credentials());
    };
    let Some(tenant) = state.users.get_tenant(user.user.tenant_id).await? else {
        return Err(ApiError::invalid_credentials());
    };
    fresh_session(&auth).await?;
    auth.login(&user).await?;
    Ok(Json(AccountJson::new(user.user, tenant)))
}

/// Empties the request's session and gives it a new id, deleting the old one from the store.
///
/// axum-login 0.18 only cycles the id of a session that is not signed in yet; over a cookie
/// that is already signed in it would keep the id, so whoever planted that cookie in this
/// browser (another user, of any tenant) would share the session of the user who signs in
/// now. With a new id every time, the planted id names no session any more.
async fn fresh_session(auth: &AuthSession<TenantryBackend>) -> Result<(), ApiError> {
    // Nothing of the previous session (its user, anything a host stored) carries over.
    auth.session.clear().await;
    auth.session
        .cycle_id()
        .await
        .map_err(axum_login::Error::<TenantryBackend>::Session)?;
    Ok(())
}

/// `POST /api/auth/logout`: 204; the session is gone (with or without one before).
pub(crate) async fn logout(Auth(mut auth): Auth) -> Result<StatusCode, ApiError> {
    auth.logout().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/me`: the signed-in account.
pub(crate) async fn me(SignedIn { user, tenant }: SignedIn) -> Json<AccountJson> {
    Json(AccountJson::new(user, tenant))
}
