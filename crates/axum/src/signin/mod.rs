//! The sign-in API: logging in and out, who is signed in and where ("my sessions"), and what a
//! one-time token's holder does without a session (accept an invitation, reset a password).
//! Mount it with [`router`] under the session layer ([`auth_layer`](crate::auth_layer)).

pub(crate) mod login;
pub(crate) mod my_factors;
#[cfg(feature = "passkeys")]
pub(crate) mod my_passkeys;
pub(crate) mod my_sessions;
#[cfg(feature = "passkeys")]
pub(crate) mod passkey_login;
pub(crate) mod second_step;
pub(crate) mod tokens;

use crate::ApiState;
use axum::Router;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The sign-in routes with their OpenAPI operations (see [`crate::openapi()`]).
pub fn routes() -> OpenApiRouter<ApiState> {
    let routes = OpenApiRouter::new()
        .routes(routes!(login::login))
        .routes(routes!(login::logout))
        .routes(routes!(login::me))
        .routes(routes!(second_step::complete_sign_in))
        .routes(routes!(second_step::enrol_at_sign_in))
        .routes(routes!(my_factors::list_factors))
        .routes(routes!(my_factors::enrol_totp))
        .routes(routes!(my_factors::confirm_factor))
        .routes(routes!(my_factors::remove_factor))
        .routes(routes!(my_factors::regenerate_codes))
        .routes(routes!(my_sessions::list_mine))
        .routes(routes!(my_sessions::revoke_mine))
        .routes(routes!(tokens::accept_invitation))
        .routes(routes!(tokens::redeem_password_reset));
    #[cfg(feature = "passkeys")]
    let routes = routes
        .routes(routes!(second_step::start_passkey_step))
        .routes(routes!(passkey_login::start_passkey_sign_in))
        .routes(routes!(passkey_login::finish_passkey_sign_in))
        .routes(routes!(my_passkeys::start_registration))
        .routes(routes!(my_passkeys::list_passkeys, my_passkeys::register))
        .routes(routes!(
            my_passkeys::rename_passkey,
            my_passkeys::remove_passkey
        ));
    routes
}

/// The sign-in routes over `state`, to merge into a host's router under the session layer.
pub fn router(state: ApiState) -> Router {
    routes().split_for_parts().0.with_state(state)
}
