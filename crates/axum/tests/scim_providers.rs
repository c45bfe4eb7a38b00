//! The provisioning sequences of Entra ID and Okta, as their public documentation shows them,
//! replayed against the SCIM router on every backend (`DATABASE_URL`).
//!
//! Entra ID: "Tutorial: Develop and plan provisioning for a SCIM endpoint in Microsoft Entra
//! ID" (the requests of its "User operations" section). Okta: "SCIM 2.0 provisioning"
//! (Okta's SCIM 2.0 protocol reference: create, read, deactivate by PUT and by PATCH).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "scim_common/mod.rs"]
mod common;

use axum::http::{Method, StatusCode};
use common::Env;
use serde_json::json;
use tenantry_service::{Config, UserStatus};

#[tokio::test]
async fn entra_id_provisions_updates_disables_and_deletes_a_user() {
    let env = Env::new().await;
    let user_name = "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1";
    // Entra first asks whether the user exists: an empty list, not a 404.
    let found = env
        .call(
            Method::GET,
            &format!("/scim/v2/acme/Users?filter=userName+eq+%22{user_name}%22"),
            None,
        )
        .await;
    assert_eq!(found.status, StatusCode::OK);
    assert_eq!(found.content_type.as_deref(), Some("application/scim+json"));
    assert_eq!(found.body["totalResults"], 0);
    assert_eq!(found.body["Resources"], json!([]));

    let created = env
        .call(
            Method::POST,
            "/scim/v2/acme/Users",
            Some(json!({
                "schemas": [
                    "urn:ietf:params:scim:schemas:core:2.0:User",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
                ],
                "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
                "userName": user_name,
                "active": true,
                "emails": [{
                    "primary": true,
                    "type": "work",
                    "value": "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com"
                }],
                "meta": { "resourceType": "User" },
                "name": { "formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName" },
                "roles": []
            })),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(created.body["userName"], user_name);
    assert_eq!(
        created.body["externalId"],
        "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"
    );
    assert_eq!(created.body["displayName"], "givenName familyName");
    assert_eq!(created.body["active"], true);
    assert_eq!(
        created.body["meta"]["location"],
        format!("http://scim.test/scim/v2/acme/Users/{id}")
    );

    let read = env
        .call(Method::GET, &format!("/scim/v2/acme/Users/{id}"), None)
        .await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(
        read.body["emails"][0]["value"],
        "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com"
    );
    for filter in [
        format!("userName eq \"{user_name}\""),
        "externalId eq \"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef\"".to_owned(),
        "emails[type eq \"work\"].value eq \"test_user_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com\"".to_owned(),
        format!("userName eq \"{user_name}\" and externalId eq \"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef\""),
    ] {
        let listed = env
            .call(Method::GET, &format!("/scim/v2/acme/Users?filter={}", urlencode(&filter)), None)
            .await;
        assert_eq!(listed.body["totalResults"], 1, "{filter}");
        assert_eq!(listed.body["Resources"][0]["id"], id.as_str(), "{filter}");
    }
    let other = env
        .call(
            Method::GET,
            &format!(
                "/scim/v2/acme/Users?filter={}",
                urlencode(&format!(
                    "userName eq \"{user_name}\" and externalId eq \"nope\""
                ))
            ),
            None,
        )
        .await;
    assert_eq!(other.body["totalResults"], 0);

    // Update: the work email and the family name, as Entra sends them (PascalCase ops).
    let patched = env
        .call(
            Method::PATCH,
            &format!("/scim/v2/acme/Users/{id}"),
            Some(json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [
                    { "op": "Replace", "path": "emails[type eq \"work\"].value", "value": "updatedEmail@microsoft.com" },
                    { "op": "Replace", "path": "name.familyName", "value": "updatedFamilyName" }
                ]
            })),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
    assert_eq!(
        patched.body["emails"],
        json!([{ "value": "updatedEmail@microsoft.com" }])
    );

    // Disable: Entra sends the boolean as the string "False".
    let disabled = env
        .call(
            Method::PATCH,
            &format!("/scim/v2/acme/Users/{id}"),
            Some(json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{ "op": "Replace", "path": "active", "value": "False" }]
            })),
        )
        .await;
    assert_eq!(disabled.status, StatusCode::OK);
    assert_eq!(disabled.body["active"], false);
    let stored = env
        .users
        .get_user_by_username(env.tenant.id, user_name)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, UserStatus::Suspended);

    // Enable again, path-less as Entra also does.
    let enabled = env
        .call(
            Method::PATCH,
            &format!("/scim/v2/acme/Users/{id}"),
            Some(json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{ "op": "replace", "value": { "active": true, "displayName": "Updated Name" } }]
            })),
        )
        .await;
    assert_eq!(enabled.body["active"], true);
    assert_eq!(enabled.body["displayName"], "Updated Name");

    let deleted = env
        .call(Method::DELETE, &format!("/scim/v2/acme/Users/{id}"), None)
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let gone = env
        .call(Method::GET, &format!("/scim/v2/acme/Users/{id}"), None)
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(env.user_count().await, 0);
}

#[tokio::test]
async fn okta_imports_creates_deactivates_by_put_and_patch_and_reactivates() {
    // Okta's userName is the user's email: the tenant's rules make usernames optional.
    let mut config = Config::insecure_fast_for_tests();
    config.profile = "username=optional,email=required".parse().unwrap();
    let env = Env::with_config(config).await;
    let found = env
        .call(
            Method::GET,
            "/scim/v2/acme/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100",
            None,
        )
        .await;
    assert_eq!(found.body["totalResults"], 0);
    assert_eq!(found.body["startIndex"], 1);

    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "test.user@okta.local",
        "name": { "givenName": "Test", "familyName": "User" },
        "emails": [{ "primary": true, "value": "test.user@okta.local", "type": "work" }],
        "displayName": "Test User",
        "locale": "en-US",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [],
        "password": "1mz050nq",
        "active": true
    });
    let created = env
        .call(Method::POST, "/scim/v2/acme/Users", Some(body.clone()))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(created.body["userName"], "test.user@okta.local");
    let stored = env
        .users
        .get_user_by_email(env.tenant.id, "test.user@okta.local")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.username, None);
    assert!(!stored.has_password, "a provisioned password is not taken");

    // The same user again: 409 uniqueness.
    let again = env
        .call(Method::POST, "/scim/v2/acme/Users", Some(body.clone()))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.body["scimType"], "uniqueness");

    // Import: every user, paged.
    let listed = env
        .call(
            Method::GET,
            "/scim/v2/acme/Users?startIndex=1&count=100",
            None,
        )
        .await;
    assert_eq!(listed.body["totalResults"], 1);
    assert_eq!(
        listed.body["Resources"][0]["externalId"],
        "00ujl29u0le5T6Aj10h7"
    );

    // Deactivate by PUT of the whole user.
    let mut put = body.clone();
    put["id"] = id.clone().into();
    put["active"] = false.into();
    let replaced = env
        .call(Method::PUT, &format!("/scim/v2/acme/Users/{id}"), Some(put))
        .await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.body);
    assert_eq!(replaced.body["active"], false);

    // Reactivate and deactivate by PATCH, as Okta's newer integrations do.
    for active in [true, false] {
        let patched = env
            .call(
                Method::PATCH,
                &format!("/scim/v2/acme/Users/{id}"),
                Some(json!({
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                    "Operations": [{ "op": "replace", "value": { "active": active } }]
                })),
            )
            .await;
        assert_eq!(patched.body["active"], active);
        let stored = env
            .users
            .get_user(env.tenant.id, stored.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.status == UserStatus::Suspended, !active);
    }

    // A profile change by PUT: the name, a new email as userName.
    let mut put = body;
    put["userName"] = "test.user2@okta.local".into();
    put["emails"] = json!([{ "primary": true, "value": "test.user2@okta.local", "type": "work" }]);
    put["displayName"] = "Test User Two".into();
    let renamed = env
        .call(Method::PUT, &format!("/scim/v2/acme/Users/{id}"), Some(put))
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    assert_eq!(renamed.body["userName"], "test.user2@okta.local");
    assert_eq!(renamed.body["displayName"], "Test User Two");
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
