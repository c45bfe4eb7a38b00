//! Directory groups over SCIM: the groups a provider pushes that are not roles — created,
//! read, filtered, replaced, patched the way Entra ID does it, deleted; the root `/.search`
//! lists them after the users. Attacks: another tenant's ids, hostile names and member
//! values, 100 concurrent creations of one name, 50 concurrent member additions; a refused
//! request writes nothing. Every backend.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "scim_common/mod.rs"]
mod common;

use axum::http::{Method, StatusCode};
use common::Env;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use tenantry_service::NewTenant;
use tenantry_service::api::NewDirectoryGroup;

async fn user(env: &Env, name: &str) -> String {
    let made = env
        .call(
            Method::POST,
            "/scim/v2/acme/Users",
            Some(json!({ "userName": name, "displayName": name })),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    made.body["id"].as_str().unwrap().to_owned()
}

fn member_values(group: &Value) -> BTreeSet<String> {
    group["members"]
        .as_array()
        .map(|members| {
            members
                .iter()
                .map(|m| m["value"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn set(values: &[&String]) -> BTreeSet<String> {
    values.iter().map(|v| (*v).clone()).collect()
}

#[tokio::test]
async fn a_directory_group_lives_through_the_entra_sequence() {
    let env = Env::new().await;
    let (ada, bob) = (user(&env, "ada").await, user(&env, "bob").await);

    // Entra ID: POST /Groups with its object id as externalId, no members yet.
    let made = env
        .call(
            Method::POST,
            "/scim/v2/acme/Groups",
            Some(json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
                "displayName": "Plant Managers",
                "members": [],
            })),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let id = made.body["id"].as_str().unwrap().to_owned();
    let path = format!("/scim/v2/acme/Groups/{id}");
    assert_eq!(made.body["displayName"], "Plant Managers");
    assert_eq!(
        made.body["meta"]["location"],
        format!("http://scim.test{path}")
    );

    // Entra ID: found by externalId, then by displayName, with members excluded.
    for filter in [
        "externalId%20eq%20%228aa1a0c0-c4c3-4bc0-b4a5-2ef676900159%22",
        "displayName%20eq%20%22plant%20managers%22",
    ] {
        let found = env
            .call(
                Method::GET,
                &format!("/scim/v2/acme/Groups?excludedAttributes=members&filter={filter}"),
                None,
            )
            .await;
        assert_eq!(found.body["totalResults"], 1, "{filter}: {}", found.body);
        assert_eq!(found.body["Resources"][0]["id"], id.as_str());
    }

    // Entra ID: PATCH with PascalCase ops — members added, the name replaced.
    let patched = env
        .call(
            Method::PATCH,
            &path,
            Some(json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [
                    { "op": "Add", "path": "members", "value": [{ "value": ada }, { "value": bob }] },
                    { "op": "Replace", "path": "displayName", "value": "Site Leads" },
                ]
            })),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
    assert_eq!(patched.body["displayName"], "Site Leads");
    assert_eq!(member_values(&patched.body), set(&[&ada, &bob]));

    // Entra ID: a member removed by filter path.
    let removed = env
        .call(
            Method::PATCH,
            &path,
            Some(json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{ "op": "Remove", "path": format!("members[value eq \"{ada}\"]") }]
            })),
        )
        .await;
    assert_eq!(member_values(&removed.body), set(&[&bob]));

    // PUT: the whole group.
    let replaced = env
        .call(
            Method::PUT,
            &path,
            Some(json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": "Night Shift",
                "members": [{ "value": ada }],
            })),
        )
        .await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.body);
    assert_eq!(replaced.body["displayName"], "Night Shift");
    assert!(replaced.body.get("externalId").is_none());
    assert_eq!(member_values(&replaced.body), set(&[&ada]));

    // The root search lists users, then role groups and this one.
    let all = env
        .call(Method::POST, "/scim/v2/acme/.search", Some(json!({})))
        .await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    assert_eq!(all.body["totalResults"], 2 + 4 + 1);
    let kinds: Vec<&str> = all.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["meta"]["resourceType"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["User", "User", "Group", "Group", "Group", "Group", "Group"]
    );
    let second_page = env
        .call(
            Method::POST,
            "/scim/v2/acme/.search",
            Some(json!({ "startIndex": 6, "count": 5 })),
        )
        .await;
    let ids: Vec<&str> = second_page.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["admin", id.as_str()]);

    // A deleted user leaves the group; DELETE takes the group.
    let gone = env
        .call(Method::DELETE, &format!("/scim/v2/acme/Users/{ada}"), None)
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    let read = env.call(Method::GET, &path, None).await;
    assert_eq!(member_values(&read.body), BTreeSet::new());
    let deleted = env.call(Method::DELETE, &path, None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(
        env.call(Method::GET, &path, None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        env.call(Method::DELETE, &path, None).await.status,
        StatusCode::NOT_FOUND
    );
    let events = env
        .users
        .list_audit_events(env.tenant.id, tenantry_service::PageRequest::first(100))
        .await
        .unwrap();
    for action in [
        "group.created",
        "group.changed",
        "group.member_added",
        "group.member_removed",
        "group.deleted",
    ] {
        assert!(events.items.iter().any(|e| e.action == action), "{action}");
    }
}

#[tokio::test]
async fn hostile_requests_get_scim_errors_and_write_nothing() {
    let env = Env::new().await;
    let ada = user(&env, "ada").await;
    let made = env
        .call(
            Method::POST,
            "/scim/v2/acme/Groups",
            Some(json!({ "displayName": "Auditors", "externalId": "x-1", "members": [{ "value": ada }] })),
        )
        .await;
    let id = made.body["id"].as_str().unwrap().to_owned();
    let path = format!("/scim/v2/acme/Groups/{id}");
    let before = env.call(Method::GET, &path, None).await.body;

    // Another tenant's user as a member, and that tenant's group under this tenant.
    let other = env
        .users
        .create_tenant(
            NewTenant {
                slug: "other".into(),
                name: "Other".into(),
            },
            None,
        )
        .await
        .unwrap();
    let stranger = env
        .users
        .create_user(
            other.id,
            tenantry_service::NewUser {
                username: "stranger".into(),
                display_name: "Stranger".into(),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
    let theirs = env
        .users
        .create_directory_group(
            other.id,
            NewDirectoryGroup {
                display_name: "Theirs".into(),
                external_id: None,
                members: vec![stranger.pid],
            },
        )
        .await
        .unwrap();
    for method in [Method::GET, Method::DELETE] {
        let reply = env
            .call(
                method.clone(),
                &format!("/scim/v2/acme/Groups/{}", theirs.pid),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{method}");
    }
    let patch_theirs = env
        .call(
            Method::PATCH,
            &format!("/scim/v2/acme/Groups/{}", theirs.pid),
            Some(json!({ "Operations": [{ "op": "add", "path": "members", "value": [{ "value": ada }] }] })),
        )
        .await;
    assert_eq!(patch_theirs.status, StatusCode::NOT_FOUND);

    let long = "x".repeat(10_000);
    let bodies = [
        // Not a user of this tenant; not a UUID; NUL in the name; an over-long name; a
        // name of invisible characters; the name or external id of another group; the
        // displayName missing or of the wrong type.
        (
            json!({ "displayName": "A", "members": [{ "value": stranger.pid }] }),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({ "displayName": "A", "members": [{ "value": "'; DROP TABLE x; --" }] }),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({ "displayName": "nul\u{0}name" }),
            StatusCode::BAD_REQUEST,
        ),
        (json!({ "displayName": long }), StatusCode::BAD_REQUEST),
        (
            json!({ "displayName": "\u{200b}\u{2060}" }),
            StatusCode::BAD_REQUEST,
        ),
        (json!({ "displayName": "AUDITORS" }), StatusCode::CONFLICT),
        (
            json!({ "displayName": "B", "externalId": "x-1" }),
            StatusCode::CONFLICT,
        ),
        (json!({ "members": [] }), StatusCode::BAD_REQUEST),
        (json!({ "displayName": 12 }), StatusCode::BAD_REQUEST),
    ];
    for (body, status) in &bodies {
        let created = env
            .call(Method::POST, "/scim/v2/acme/Groups", Some(body.clone()))
            .await;
        assert_eq!(created.status, *status, "POST {body}: {}", created.body);
        // The same as a PUT over the existing group (the conflicts are with itself there).
        if *status == StatusCode::BAD_REQUEST {
            let replaced = env.call(Method::PUT, &path, Some(body.clone())).await;
            assert_eq!(replaced.status, *status, "PUT {body}: {}", replaced.body);
        }
    }
    // A patch refused half-way: a fine rename beside a stranger as member.
    let refused = env
        .call(
            Method::PATCH,
            &path,
            Some(json!({ "Operations": [
                { "op": "replace", "path": "displayName", "value": "Renamed" },
                { "op": "add", "path": "members", "value": [{ "value": stranger.pid }] },
            ] })),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(env.call(Method::GET, &path, None).await.body, before);
    let listed = env.users.directory_groups(env.tenant.id).await.unwrap();
    assert_eq!(listed.len(), 1, "nothing else was made");
}

#[tokio::test]
async fn concurrent_creations_and_additions_hold() {
    let env = Env::new().await;
    let mut users = Vec::new();
    for i in 0..50 {
        users.push(user(&env, &format!("user{i:02}")).await);
    }
    // 100 POSTs of one name at once: one 201, the rest 409.
    let mut tasks = Vec::new();
    for i in 0..100 {
        let app = env.app.clone();
        let token = env.token.clone();
        tasks.push(tokio::spawn(async move {
            send(
                app,
                token,
                Method::POST,
                "/scim/v2/acme/Groups".into(),
                json!({ "displayName": if i % 2 == 0 { "Shift" } else { "SHIFT" } }),
            )
            .await
        }));
    }
    let mut statuses = Vec::new();
    let mut id = None;
    for task in tasks {
        let (status, body) = task.await.unwrap();
        if status == StatusCode::CREATED {
            id = body["id"].as_str().map(str::to_owned);
        }
        statuses.push(status);
    }
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1
    );
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT)
    );
    let path = format!("/scim/v2/acme/Groups/{}", id.unwrap());

    // 50 PATCHes adding one member each, at once: all 50 kept.
    let mut tasks = Vec::new();
    for pid in &users {
        let (app, token, path) = (env.app.clone(), env.token.clone(), path.clone());
        let body = json!({ "Operations": [{ "op": "add", "path": "members", "value": [{ "value": pid }] }] });
        tasks.push(tokio::spawn(async move {
            send(app, token, Method::PATCH, path, body).await
        }));
    }
    for task in tasks {
        let (status, body) = task.await.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let read = env.call(Method::GET, &path, None).await;
    assert_eq!(member_values(&read.body), users.iter().cloned().collect());
}

async fn send(
    app: axum::Router,
    token: String,
    method: Method,
    uri: String,
    body: Value,
) -> (StatusCode, Value) {
    use tower::ServiceExt as _;
    let request = axum::http::Request::builder()
        .method(method)
        .uri(uri)
        .header("host", "scim.test")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/scim+json")
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    let response = app.oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}
