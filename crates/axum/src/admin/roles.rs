//! The role catalogue, as the store declares it: what a front end's role pickers offer.

use crate::ApiState;
use crate::error::{ApiError, ErrorJson};
use crate::session::SignedIn;
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use tenantry_service::{Delegation, Role, RoleCatalogue, RoleScope};
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, Type,
};

/// The role catalogue: its roles in declaration order.
#[derive(Serialize, ToSchema)]
#[schema(as = RoleCatalogue)]
pub(crate) struct CatalogueJson {
    /// Whether a user holds at most one role per scope (tenant-wide, or at one plant).
    exclusive_per_scope: bool,
    roles: Vec<RoleJson>,
}

/// One role of the catalogue, as declared.
#[derive(Serialize, ToSchema)]
#[schema(as = Role)]
struct RoleJson {
    /// The key grants name.
    key: String,
    /// The name shown to people.
    name: String,
    /// Where it may be granted.
    #[schema(schema_with = scope_schema)]
    scope: RoleScope,
    /// The roles it implies directly.
    implies: Vec<String>,
    /// Whether it is declared to administer users.
    administers_users: bool,
    /// Whether every new user gets it, tenant-wide.
    default: bool,
    /// Which roles its holders may grant and revoke.
    #[schema(schema_with = grants_schema)]
    grants: Delegation,
}

impl From<&RoleCatalogue> for CatalogueJson {
    fn from(catalogue: &RoleCatalogue) -> Self {
        Self {
            exclusive_per_scope: catalogue.is_exclusive(),
            roles: catalogue.roles().iter().map(RoleJson::from).collect(),
        }
    }
}

impl From<&Role> for RoleJson {
    fn from(role: &Role) -> Self {
        Self {
            key: role.key().to_string(),
            name: role.name().to_owned(),
            scope: role.scope(),
            implies: role.implies().iter().map(ToString::to_string).collect(),
            administers_users: role.administers_users(),
            default: role.is_default(),
            grants: role.delegation().clone(),
        }
    }
}

fn scope_schema() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(["tenant", "plant", "both"]))
        .build()
        .into()
}

/// `"everything"`, `"nothing"`, `{"only": [keys]}` or `{"all_except": [keys]}`.
fn grants_schema() -> RefOr<Schema> {
    let keys = || ArrayBuilder::new().items(ObjectBuilder::new().schema_type(Type::String));
    let one_key = |name: &str| {
        ObjectBuilder::new()
            .property(name, keys())
            .required(name)
            .additional_properties(Some(AdditionalProperties::FreeForm(false)))
    };
    let one_of = OneOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(["everything", "nothing"])),
        )
        .item(one_key("only"))
        .item(one_key("all_except"))
        .build();
    RefOr::T(Schema::OneOf(one_of))
}

/// `GET /api/roles`: the role catalogue, for a front end's role pickers.
#[utoipa::path(
    get,
    path = "/api/roles",
    tag = "admin",
    security(("session" = [])),
    responses(
        (status = 200, description = "The role catalogue", body = CatalogueJson),
        (status = 401, description = "`unauthenticated`", body = ErrorJson),
        (status = 500, description = "`internal`", body = ErrorJson),
    ),
)]
pub(crate) async fn role_catalogue(
    _: SignedIn,
    State(state): State<ApiState>,
) -> Result<Json<CatalogueJson>, ApiError> {
    Ok(Json(CatalogueJson::from(state.roles.as_ref())))
}
