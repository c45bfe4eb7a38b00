//! The tenant's plants: what a front end's plant pickers offer (roles name plants by code), and
//! a tenant admin adding one.

use crate::ApiState;
use crate::body::ApiJson;
use crate::error::{ApiError, ErrorJson};
use crate::guard::TenantAdmin;
use crate::requests::NewPlantBody;
use crate::session::SignedIn;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use tenantry_service::{NewPlant, PlantView};
use utoipa::ToSchema;
use uuid::Uuid;

/// The tenant's plants, by code.
#[derive(Serialize, ToSchema)]
#[schema(as = Plants)]
pub(crate) struct PlantsJson {
    plants: Vec<PlantJson>,
}

/// A plant.
#[derive(Serialize, ToSchema)]
#[schema(as = Plant)]
pub(crate) struct PlantJson {
    /// The plant's public id.
    id: Uuid,
    /// Its code, which role grants name it by.
    code: String,
    name: String,
    /// In service: an inactive plant's grants count for nothing.
    active: bool,
}

impl From<PlantView> for PlantJson {
    fn from(plant: PlantView) -> Self {
        Self {
            id: plant.pid,
            code: plant.code,
            name: plant.name,
            active: plant.is_active,
        }
    }
}

/// `GET /api/plants`: the signed-in user's tenant's plants, by code.
#[utoipa::path(
    get,
    path = "/api/plants",
    tag = "admin",
    security(("session" = [])),
    responses(
        (status = 200, description = "The tenant's plants, by code", body = PlantsJson),
        (status = 401, description = "`unauthenticated`", body = ErrorJson),
        (status = 500, description = "`internal`", body = ErrorJson),
    ),
)]
pub(crate) async fn list_plants(
    SignedIn { tenant, .. }: SignedIn,
    State(state): State<ApiState>,
) -> Result<Json<PlantsJson>, ApiError> {
    let mut plants = state.users.list_plants(tenant.id).await?;
    plants.sort_by_cached_key(|plant| plant.code.to_lowercase());
    Ok(Json(PlantsJson {
        plants: plants.into_iter().map(PlantJson::from).collect(),
    }))
}

/// `POST /api/plants`: a new plant of the admin's tenant; 201 with it.
#[utoipa::path(
    post,
    path = "/api/plants",
    tag = "admin",
    security(("session" = [])),
    request_body = NewPlantBody,
    responses(
        (status = 201, description = "The new plant", body = PlantJson),
        (status = 400, description = "`invalid_input` (with `fields`)", body = ErrorJson),
        (status = 401, description = "`unauthenticated`", body = ErrorJson),
        (status = 403, description = "`forbidden`: not a tenant admin", body = ErrorJson),
        (status = 409, description = "`plant_code_taken`", body = ErrorJson),
        (status = 413, description = "The body is over 64 KiB", body = ErrorJson),
        (status = 500, description = "`internal`", body = ErrorJson),
    ),
)]
pub(crate) async fn create_plant(
    TenantAdmin(admin): TenantAdmin,
    State(state): State<ApiState>,
    ApiJson(body): ApiJson<NewPlantBody>,
) -> Result<(StatusCode, Json<PlantJson>), ApiError> {
    let plant = state
        .users
        .create_plant(
            admin.tenant.id,
            NewPlant {
                code: body.code,
                name: body.name,
            },
            Some(admin.user.id),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(plant.into())))
}
