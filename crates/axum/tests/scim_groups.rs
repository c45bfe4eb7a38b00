//! Role groups — the role catalogue's tenant-wide roles: listed, read, and their members
//! changed by PATCH (grants and revocations); never renamed, replaced or deleted, and no
//! directory group takes their names. Every backend.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "scim_common/mod.rs"]
mod common;

use axum::http::{Method, StatusCode};
use common::Env;
use serde_json::json;
use tenantry_service::{GrantScope, PageRequest, RoleKey};

#[tokio::test]
async fn groups_are_catalogue_roles_and_membership_is_a_tenant_wide_grant() {
    let env = Env::new().await;
    let created = env
        .call(
            Method::POST,
            "/scim/v2/acme/Users",
            Some(json!({ "userName": "ada", "displayName": "Ada" })),
        )
        .await;
    let ada = created.body["id"].as_str().unwrap().to_owned();

    let groups = env.call(Method::GET, "/scim/v2/acme/Groups", None).await;
    assert_eq!(groups.status, StatusCode::OK);
    let ids: Vec<&str> = groups.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["operator", "supervisor", "engineer", "admin"]);
    let by_name = env
        .call(
            Method::GET,
            "/scim/v2/acme/Groups?filter=displayName%20eq%20%22engineer%22",
            None,
        )
        .await;
    assert_eq!(by_name.body["totalResults"], 1);
    assert_eq!(by_name.body["Resources"][0]["id"], "engineer");

    let added = env
        .call(
            Method::PATCH,
            "/scim/v2/acme/Groups/engineer",
            Some(json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{ "op": "Add", "path": "members", "value": [{ "value": ada }] }]
            })),
        )
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    assert_eq!(
        added.body["members"],
        json!([{ "value": ada, "$ref": format!("http://scim.test/scim/v2/acme/Users/{ada}") }])
    );
    let user = env
        .users
        .get_user_by_username(env.tenant.id, "ada")
        .await
        .unwrap()
        .unwrap();
    let engineer = RoleKey::new("engineer").unwrap();
    assert!(
        env.users
            .has_role(env.tenant.id, user.id, GrantScope::Tenant, &engineer)
            .await
            .unwrap()
    );
    let read = env
        .call(Method::GET, &format!("/scim/v2/acme/Users/{ada}"), None)
        .await;
    assert_eq!(
        read.body["groups"],
        json!([{ "value": "engineer", "display": "Engineer" }])
    );

    let removed = env
        .call(
            Method::PATCH,
            "/scim/v2/acme/Groups/engineer",
            Some(json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{ "op": "remove", "path": format!("members[value eq \"{ada}\"]") }]
            })),
        )
        .await;
    assert_eq!(removed.body["members"], json!([]));
    assert!(
        !env.users
            .has_role(env.tenant.id, user.id, GrantScope::Tenant, &engineer)
            .await
            .unwrap()
    );
    let events = env
        .users
        .list_audit_events(env.tenant.id, PageRequest::first(50))
        .await
        .unwrap();
    assert!(events.items.iter().any(|e| e.action == "role.assigned"));

    // Not in the catalogue: 404; a stranger as member: 400, nothing granted; groups are
    // not made, replaced or deleted.
    let missing = env
        .call(Method::GET, "/scim/v2/acme/Groups/wizard", None)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let stranger = env
        .call(
            Method::PATCH,
            "/scim/v2/acme/Groups/engineer",
            Some(json!({ "Operations": [{ "op": "add", "path": "members", "value": [{ "value": uuid::Uuid::nil() }] }] })),
        )
        .await;
    assert_eq!(stranger.status, StatusCode::BAD_REQUEST);
    assert_eq!(stranger.body["scimType"], "invalidValue");
    let rename = env
        .call(
            Method::PATCH,
            "/scim/v2/acme/Groups/engineer",
            Some(json!({ "Operations": [{ "op": "replace", "path": "displayName", "value": "Wizards" }] })),
        )
        .await;
    assert_eq!(rename.body["scimType"], "mutability");
    for method in [Method::PUT, Method::DELETE] {
        let refused = env
            .call(method, "/scim/v2/acme/Groups/engineer", Some(json!({})))
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    }
    // A directory group may not take a role's name, in any case.
    for name in ["Engineer", "ADMINISTRATOR"] {
        let made = env
            .call(
                Method::POST,
                "/scim/v2/acme/Groups",
                Some(json!({ "displayName": name })),
            )
            .await;
        assert_eq!(made.status, StatusCode::CONFLICT, "{name}");
        assert_eq!(made.body["scimType"], "uniqueness");
    }
}
