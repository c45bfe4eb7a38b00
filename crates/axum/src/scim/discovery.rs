//! `ServiceProviderConfig`, `ResourceTypes` and `Schemas` (RFC 7644 §4, RFC 7643 §5–7): what
//! this server supports, described for a client to discover.

use super::error::ScimError;
use super::{
    GROUP_SCHEMA, MAX_BODY_BYTES, MAX_COUNT, ScimTenant, USER_SCHEMA, list_response, scim_json,
};
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

const SPC_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

/// `GET /ServiceProviderConfig`.
pub(crate) async fn service_provider_config(scim: ScimTenant) -> Response {
    scim_json(
        StatusCode::OK,
        &json!({
            "schemas": [SPC_SCHEMA],
            "patch": { "supported": true },
            "bulk": { "supported": false, "maxOperations": 0, "maxPayloadSize": MAX_BODY_BYTES },
            "filter": { "supported": true, "maxResults": MAX_COUNT },
            "changePassword": { "supported": false },
            "sort": { "supported": false },
            "etag": { "supported": false },
            "authenticationSchemes": [{
                "type": "oauthbearertoken",
                "name": "Bearer token",
                "description": "A tenant's SCIM token (`tenantry scim token create --tenant T`) in `Authorization: Bearer`.",
                "primary": true,
            }],
            "meta": {
                "resourceType": "ServiceProviderConfig",
                "location": format!("{}/ServiceProviderConfig", scim.base),
            },
        }),
    )
}

fn resource_type_list(scim: &ScimTenant) -> Vec<Value> {
    vec![
        json!({
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "A user of the tenant",
            "schema": USER_SCHEMA,
            "schemaExtensions": [],
            "meta": { "resourceType": "ResourceType", "location": format!("{}/ResourceTypes/User", scim.base) },
        }),
        json!({
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": "Group",
            "name": "Group",
            "endpoint": "/Groups",
            "description": GROUP_DESCRIPTION,
            "schema": GROUP_SCHEMA,
            "schemaExtensions": [],
            "meta": { "resourceType": "ResourceType", "location": format!("{}/ResourceTypes/Group", scim.base) },
        }),
    ]
}

/// `GET /ResourceTypes`.
pub(crate) async fn resource_types(scim: ScimTenant) -> Response {
    let all = resource_type_list(&scim);
    list_response(all.len() as u64, 1, all)
}

/// `GET /ResourceTypes/{id}`.
pub(crate) async fn resource_type(
    scim: ScimTenant,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ScimError> {
    resource_type_list(&scim)
        .into_iter()
        .find(|t| t["id"] == id.as_str())
        .map(|t| scim_json(StatusCode::OK, &t))
        .ok_or_else(|| ScimError::not_found("no such resource type"))
}

/// What a Group is here.
const GROUP_DESCRIPTION: &str = "A role of the catalogue held tenant-wide (id: the role's key; \
    only its members change), or a directory group of the tenant (id: a UUID)";

fn attribute(name: &str, kind: &str, mutability: &str, required: bool, uniqueness: &str) -> Value {
    json!({
        "name": name,
        "type": kind,
        "multiValued": false,
        "description": name,
        "required": required,
        "caseExact": false,
        "mutability": mutability,
        "returned": "default",
        "uniqueness": uniqueness,
    })
}

fn complex(name: &str, mutability: &str, sub_attributes: Vec<Value>) -> Value {
    json!({
        "name": name,
        "type": "complex",
        "multiValued": true,
        "description": name,
        "required": false,
        "mutability": mutability,
        "returned": "default",
        "uniqueness": "none",
        "subAttributes": sub_attributes,
    })
}

fn schema_list(scim: &ScimTenant) -> Vec<Value> {
    vec![
        json!({
            "schemas": [SCHEMA_SCHEMA],
            "id": USER_SCHEMA,
            "name": "User",
            "description": "A user of the tenant",
            "attributes": [
                attribute("userName", "string", "readWrite", true, "server"),
                // Always present: a user without one shows its userName (the profile rules'
                // fallback), so removing it cannot leave it unassigned.
                attribute("displayName", "string", "readWrite", true, "none"),
                // Always present: a user is active or suspended (absent in a request: true).
                attribute("active", "boolean", "readWrite", true, "none"),
                // One email per user: the `primary` one of those sent, else the `work` one,
                // else the first; it comes back as `[{"value": …}]`.
                complex("emails", "readWrite", vec![
                    attribute("value", "string", "readWrite", false, "none"),
                ]),
                complex("groups", "readOnly", vec![
                    attribute("value", "string", "readOnly", false, "none"),
                    attribute("display", "string", "readOnly", false, "none"),
                ]),
            ],
            "meta": { "resourceType": "Schema", "location": format!("{}/Schemas/{USER_SCHEMA}", scim.base) },
        }),
        json!({
            "schemas": [SCHEMA_SCHEMA],
            "id": GROUP_SCHEMA,
            "name": "Group",
            "description": GROUP_DESCRIPTION,
            "attributes": [
                // Read-only on a role group (403 on a change), read-write on a directory group.
                attribute("displayName", "string", "readWrite", true, "server"),
                complex("members", "readWrite", vec![
                    attribute("value", "string", "immutable", false, "none"),
                    json!({
                        "name": "$ref",
                        "type": "reference",
                        "referenceTypes": ["User"],
                        "multiValued": false,
                        "description": "The member's URI",
                        "required": false,
                        "caseExact": true,
                        "mutability": "immutable",
                        "returned": "default",
                        "uniqueness": "none",
                    }),
                ]),
            ],
            "meta": { "resourceType": "Schema", "location": format!("{}/Schemas/{GROUP_SCHEMA}", scim.base) },
        }),
    ]
}

/// `GET /Schemas`.
pub(crate) async fn schemas(scim: ScimTenant) -> Response {
    let all = schema_list(&scim);
    list_response(all.len() as u64, 1, all)
}

/// `GET /Schemas/{id}`.
pub(crate) async fn schema(
    scim: ScimTenant,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ScimError> {
    schema_list(&scim)
        .into_iter()
        .find(|s| s["id"] == id.as_str())
        .map(|s| scim_json(StatusCode::OK, &s))
        .ok_or_else(|| ScimError::not_found("no such schema"))
}
