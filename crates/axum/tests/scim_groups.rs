//! Role groups — the role catalogue's tenant-wide roles: listed, read, and their members
//! changed by PATCH or a PUT keeping the name (grants and revocations); never renamed or
//! deleted, and no directory group takes their names. Every backend.

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
    let refused = env
        .call(Method::DELETE, "/scim/v2/acme/Groups/engineer", None)
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    for body in [
        json!({ "displayName": "Wizards", "members": [] }),
        json!({ "displayName": "Engineer", "externalId": "okta-1", "members": [] }),
    ] {
        let renamed = env
            .call(Method::PUT, "/scim/v2/acme/Groups/engineer", Some(body))
            .await;
        assert_eq!(renamed.body["scimType"], "mutability");
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

/// Okta's Group Push linked to an existing group: found by name, then its whole membership
/// sent by `PUT` (the name unchanged): grants and revocations of the role, nothing else.
#[tokio::test]
async fn okta_pushes_a_role_groups_membership_by_put() {
    let env = Env::new().await;
    let mut ids = Vec::new();
    for name in ["ada", "bob", "cyd"] {
        let created = env
            .call(
                Method::POST,
                "/scim/v2/acme/Users",
                Some(json!({ "userName": name, "displayName": name })),
            )
            .await;
        ids.push(created.body["id"].as_str().unwrap().to_owned());
    }
    let found = env
        .call(
            Method::GET,
            "/scim/v2/acme/Groups?filter=displayName%20eq%20%22Supervisor%22",
            None,
        )
        .await;
    assert_eq!(found.body["Resources"][0]["id"], "supervisor");
    let supervisor = RoleKey::new("supervisor").unwrap();
    let holders = |env: &Env| {
        let (users, tenant) = (env.users.clone(), env.tenant.id);
        let supervisor = supervisor.clone();
        async move {
            let mut names = Vec::new();
            for name in ["ada", "bob", "cyd"] {
                let user = users
                    .get_user_by_username(tenant, name)
                    .await
                    .unwrap()
                    .unwrap();
                if users
                    .has_role(tenant, user.id, GrantScope::Tenant, &supervisor)
                    .await
                    .unwrap()
                {
                    names.push(name);
                }
            }
            names
        }
    };
    for (members, expected) in [
        (vec![&ids[0], &ids[1]], vec!["ada", "bob"]),
        (vec![&ids[1], &ids[2]], vec!["bob", "cyd"]),
        (vec![], vec![]),
    ] {
        let members: Vec<_> = members.iter().map(|id| json!({ "value": id })).collect();
        let put = env
            .call(
                Method::PUT,
                "/scim/v2/acme/Groups/supervisor",
                Some(json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                    "id": "supervisor",
                    "displayName": "Supervisor",
                    "members": members,
                })),
            )
            .await;
        assert_eq!(put.status, StatusCode::OK, "{}", put.body);
        assert_eq!(holders(&env).await, expected);
    }
}
