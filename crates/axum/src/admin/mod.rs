//! The admin API: a tenant admin's users (listing, invitations, roles, resets, deactivation,
//! sessions), and the role catalogue and plants every signed-in user may read. Mount it with
//! [`router`] under the session layer ([`auth_layer`](crate::auth_layer)).

pub(crate) mod factors;
pub(crate) mod grants;
pub(crate) mod invitations;
pub(crate) mod plants;
pub(crate) mod resets;
pub(crate) mod roles;
pub(crate) mod sessions;
pub(crate) mod users;

use crate::ApiState;
use axum::Router;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The admin routes with their OpenAPI operations (see [`crate::openapi()`]).
pub fn routes() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .routes(routes!(roles::role_catalogue))
        .routes(routes!(plants::list_plants, plants::create_plant))
        .routes(routes!(users::list_users, invitations::create))
        .routes(routes!(users::get_user))
        .routes(routes!(users::deactivate))
        .routes(routes!(users::reactivate))
        .routes(routes!(grants::set_roles))
        .routes(routes!(sessions::revoke_users))
        .routes(routes!(factors::reset_factors))
        .routes(routes!(resets::issue_password_reset))
}

/// The admin routes over `state`, to merge into a host's router under the session layer.
pub fn router(state: ApiState) -> Router {
    routes().split_for_parts().0.with_state(state)
}
