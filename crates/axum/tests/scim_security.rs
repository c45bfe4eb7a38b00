//! What a SCIM client cannot do: reach another tenant, use a revoked or forged token, write
//! with a bad request, or make a 500 — on every backend (`DATABASE_URL`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "scim_common/mod.rs"]
mod common;

use axum::http::{Method, StatusCode};
use common::Env;
use serde_json::json;
use tenantry_service::NewTenant;

fn user(name: &str) -> serde_json::Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": name,
        "displayName": "Someone",
        "emails": [{ "value": format!("{name}@example.com"), "type": "work", "primary": true }]
    })
}

#[tokio::test]
async fn a_token_opens_its_own_tenant_only_and_revoked_or_forged_tokens_nothing() {
    let env = Env::new().await;
    let beta = env
        .users
        .create_tenant(
            NewTenant {
                slug: "beta".into(),
                name: "Beta".into(),
            },
            None,
        )
        .await
        .unwrap();
    let (beta_token, beta_raw) = env
        .users
        .create_scim_token(beta.id, "okta", None)
        .await
        .unwrap();
    let beta_raw = beta_raw.into_string();

    let ok = env.call(Method::GET, "/scim/v2/acme/Users", None).await;
    assert_eq!(ok.status, StatusCode::OK);
    // Acme's token on beta, beta's on acme, none, garbage, a well-formed stranger, a tenant
    // that does not exist: the same 401.
    let stranger = "A".repeat(42) + "A";
    for (token, uri) in [
        (Some(env.token.as_str()), "/scim/v2/beta/Users"),
        (Some(beta_raw.as_str()), "/scim/v2/acme/Users"),
        (None, "/scim/v2/acme/Users"),
        (Some("not a token"), "/scim/v2/acme/Users"),
        (Some(stranger.as_str()), "/scim/v2/acme/Users"),
        (Some(env.token.as_str()), "/scim/v2/nobody/Users"),
    ] {
        let reply = env.call_as(token, Method::GET, uri, None).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{uri}");
    }
    // Nothing written through another tenant's token.
    let reply = env
        .call_as(
            Some(&env.token),
            Method::POST,
            "/scim/v2/beta/Users",
            Some(user("intruder").to_string()),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        env.users
            .count_users(beta.id, &Default::default())
            .await
            .unwrap(),
        0
    );

    let ok = env
        .call_as(Some(&beta_raw), Method::GET, "/scim/v2/beta/Users", None)
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    env.users
        .revoke_scim_token(beta.id, beta_token.pid, None)
        .await
        .unwrap();
    let revoked = env
        .call_as(Some(&beta_raw), Method::GET, "/scim/v2/beta/Users", None)
        .await;
    assert_eq!(revoked.status, StatusCode::UNAUTHORIZED);
    let listed = env.users.list_scim_tokens(beta.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].revoked_at.is_some() && listed[0].last_used_at.is_some());
    assert_eq!(env.users.scim_tenant(&beta_raw).await.unwrap(), None);
}

/// A request and what it must answer: method, URI, body, status, `scimType`.
type Case = (
    Method,
    String,
    Option<String>,
    StatusCode,
    Option<&'static str>,
);

#[tokio::test]
async fn bad_requests_are_scim_errors_and_write_nothing() {
    let env = Env::new().await;
    let big = format!(
        "{{\"userName\": \"big\", \"x\": \"{}\"}}",
        "a".repeat(1024 * 1024 + 10)
    );
    let deep = format!("{}userName eq \"a\"{}", "(".repeat(30), ")".repeat(30));
    let long = format!("userName eq \"{}\"", "a".repeat(5_000));
    let cases: Vec<Case> = vec![
        (
            Method::POST,
            "/scim/v2/acme/Users".into(),
            Some(big),
            StatusCode::PAYLOAD_TOO_LARGE,
            None,
        ),
        (
            Method::POST,
            "/scim/v2/acme/Users".into(),
            Some("{not json".into()),
            StatusCode::BAD_REQUEST,
            Some("invalidSyntax"),
        ),
        (
            Method::POST,
            "/scim/v2/acme/Users".into(),
            Some("[1, 2]".into()),
            StatusCode::BAD_REQUEST,
            Some("invalidSyntax"),
        ),
        (
            Method::POST,
            "/scim/v2/acme/Users".into(),
            Some(json!({"displayName": "x"}).to_string()),
            StatusCode::BAD_REQUEST,
            Some("invalidValue"),
        ),
        (
            Method::POST,
            "/scim/v2/acme/Users".into(),
            Some(user("nul\u{0}byte").to_string()),
            StatusCode::BAD_REQUEST,
            Some("invalidValue"),
        ),
        (
            Method::POST,
            "/scim/v2/acme/Users".into(),
            Some(user("rtl\u{202e}name").to_string()),
            StatusCode::BAD_REQUEST,
            Some("invalidValue"),
        ),
        (
            Method::POST,
            "/scim/v2/acme/Users".into(),
            Some(user("zero\u{200b}width").to_string()),
            StatusCode::BAD_REQUEST,
            Some("invalidValue"),
        ),
        (
            Method::POST,
            "/scim/v2/acme/Users".into(),
            Some(json!({"userName": "ok_name", "active": "maybe"}).to_string()),
            StatusCode::BAD_REQUEST,
            Some("invalidValue"),
        ),
        (
            Method::POST,
            "/scim/v2/acme/Users".into(),
            Some(json!({"userName": 7}).to_string()),
            StatusCode::BAD_REQUEST,
            Some("invalidValue"),
        ),
        (
            Method::GET,
            format!("/scim/v2/acme/Users?filter={}", enc(&deep)),
            None,
            StatusCode::BAD_REQUEST,
            Some("invalidFilter"),
        ),
        (
            Method::GET,
            format!("/scim/v2/acme/Users?filter={}", enc(&long)),
            None,
            StatusCode::BAD_REQUEST,
            Some("invalidFilter"),
        ),
        (
            Method::GET,
            format!("/scim/v2/acme/Users?filter={}", enc("userName eq")),
            None,
            StatusCode::BAD_REQUEST,
            Some("invalidFilter"),
        ),
        (
            Method::GET,
            format!("/scim/v2/acme/Users?filter={}", enc("title co \"x\"")),
            None,
            StatusCode::BAD_REQUEST,
            Some("invalidFilter"),
        ),
        (
            Method::GET,
            "/scim/v2/acme/Users?startIndex=99999999999999999999999".into(),
            None,
            StatusCode::BAD_REQUEST,
            Some("invalidValue"),
        ),
        (
            Method::GET,
            "/scim/v2/acme/Users?count=abc".into(),
            None,
            StatusCode::BAD_REQUEST,
            Some("invalidValue"),
        ),
        (
            Method::GET,
            "/scim/v2/acme/Users/not-a-uuid".into(),
            None,
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            Method::GET,
            "/scim/v2/acme/Nothing".into(),
            None,
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            Method::PUT,
            "/scim/v2/acme/Users".into(),
            None,
            StatusCode::METHOD_NOT_ALLOWED,
            None,
        ),
    ];
    for (method, uri, body, status, scim_type) in cases {
        let reply = env
            .call_as(Some(&env.token), method.clone(), &uri, body)
            .await;
        assert_eq!(
            reply.status,
            status,
            "{method} {}: {}",
            &uri[..uri.len().min(80)],
            reply.body
        );
        assert_eq!(reply.body["scimType"].as_str(), scim_type, "{}", reply.body);
        assert!(!reply.body.to_string().contains("SQL"), "{}", reply.body);
    }
    assert_eq!(env.user_count().await, 0, "nothing was written");

    // Absurd pages are bounded, not errors: startIndex 0 is 1, count is clamped.
    let page = env
        .call(
            Method::GET,
            "/scim/v2/acme/Users?startIndex=-5&count=100000",
            None,
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body["startIndex"], 1);
    let far = env
        .call(
            Method::GET,
            "/scim/v2/acme/Users?startIndex=9223372036854775000&count=5",
            None,
        )
        .await;
    assert_eq!(far.status, StatusCode::OK);
    assert_eq!(far.body["Resources"], json!([]));

    // Unknown attributes are ignored; a bad PATCH of a real user changes nothing.
    let mut body = user("ada");
    body["favouriteColour"] = "teal".into();
    body["urn:example:custom:2.0:User"] = json!({"badge": 7});
    let created = env
        .call(Method::POST, "/scim/v2/acme/Users", Some(body))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert!(created.body.get("favouriteColour").is_none());
    let id = created.body["id"].as_str().unwrap();
    for (patch, scim_type) in [
        (
            json!({"Operations": [{"op": "replace", "path": "id", "value": "x"}]}),
            "mutability",
        ),
        (
            json!({"Operations": [{"op": "replace", "path": "userName", "value": "bad name"}]}),
            "invalidValue",
        ),
        (
            json!({"Operations": [{"op": "replace", "path": "displayName", "value": "fine"}, {"op": "replace", "path": "active", "value": 3}]}),
            "invalidValue",
        ),
        (
            json!({"Operations": [{"op": "remove", "path": "userName"}]}),
            "invalidValue",
        ),
        (
            json!({"Operations": [{"op": "remove", "path": "emails[value eq"}]}),
            "invalidPath",
        ),
        (json!({"Operations": "none"}), "invalidSyntax"),
    ] {
        let reply = env
            .call(
                Method::PATCH,
                &format!("/scim/v2/acme/Users/{id}"),
                Some(patch.clone()),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{patch}: {}",
            reply.body
        );
        assert_eq!(reply.body["scimType"], scim_type, "{patch}");
    }
    let after = env
        .call(Method::GET, &format!("/scim/v2/acme/Users/{id}"), None)
        .await;
    assert_eq!(after.body["displayName"], "Someone");
    assert_eq!(after.body["userName"], "ada");
}

#[tokio::test]
async fn concurrent_creates_of_one_user_name_make_one_user() {
    let env = Env::new().await;
    let replies = futures_join(&env, 6).await;
    let created = replies
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1);
    for reply in replies.iter().filter(|r| r.status != StatusCode::CREATED) {
        assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
        assert_eq!(reply.body["scimType"], "uniqueness");
    }
    assert_eq!(env.user_count().await, 1);
}

async fn futures_join(env: &Env, n: usize) -> Vec<common::Reply> {
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let app = env.app.clone();
        let token = env.token.clone();
        tasks.spawn(Env::detached_call(app, token, user("same.name"), i));
    }
    let mut replies = Vec::new();
    while let Some(reply) = tasks.join_next().await {
        replies.push(reply.unwrap());
    }
    replies
}

fn enc(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The audit events of acme so far.
async fn audit_total(env: &Env) -> u64 {
    env.users
        .list_audit_events(env.tenant.id, tenantry_service::PageRequest::first(1))
        .await
        .unwrap()
        .total
}

#[tokio::test]
async fn a_write_refused_half_way_leaves_the_user_as_it_was() {
    let env = Env::new().await;
    let mut taken = user("taken");
    taken["externalId"] = json!("ext-taken");
    let reply = env
        .call(Method::POST, "/scim/v2/acme/Users", Some(taken))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let mut ada = user("ada");
    ada["externalId"] = json!("ext-ada");
    let created = env
        .call(Method::POST, "/scim/v2/acme/Users", Some(ada.clone()))
        .await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    let uri = format!("/scim/v2/acme/Users/{id}");
    let audited = audit_total(&env).await;

    // A PUT that renames, suspends and takes another user's externalId: refused whole.
    let mut put = ada.clone();
    put["displayName"] = json!("Renamed");
    put["active"] = json!(false);
    put["externalId"] = json!("ext-taken");
    let reply = env.call(Method::PUT, &uri, Some(put)).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert_eq!(reply.body["scimType"], "uniqueness");

    // A PATCH whose externalId cannot be stored, beside good changes: refused whole.
    for bad in [
        "ext\u{0}nul".to_owned(),
        "x".repeat(300),
        " padded".to_owned(),
    ] {
        let patch = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{ "op": "replace", "value": {
                "displayName": "Renamed", "active": false, "externalId": bad
            }}]
        });
        let reply = env.call(Method::PATCH, &uri, Some(patch)).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{bad:?}: {}",
            reply.body
        );
        assert_eq!(reply.body["scimType"], "invalidValue");
    }

    let after = env.call(Method::GET, &uri, None).await;
    assert_eq!(after.body["displayName"], "Someone");
    assert_eq!(after.body["active"], true);
    assert_eq!(after.body["externalId"], "ext-ada");
    assert_eq!(
        audit_total(&env).await,
        audited,
        "nothing audited: nothing done"
    );

    // A create refused for its externalId makes no user, active or not.
    for active in [true, false] {
        let mut newcomer = user("newcomer");
        newcomer["externalId"] = json!("ext-taken");
        newcomer["active"] = json!(active);
        let reply = env
            .call(Method::POST, "/scim/v2/acme/Users", Some(newcomer))
            .await;
        assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    }
    assert_eq!(env.user_count().await, 2);
    assert_eq!(audit_total(&env).await, audited);
}

#[tokio::test]
async fn a_user_created_inactive_is_suspended_from_its_first_row() {
    let env = Env::new().await;
    for (name, external) in [("ina", Some("ext-ina")), ("otto", None)] {
        let mut body = user(name);
        body["active"] = json!(false);
        if let Some(external) = external {
            body["externalId"] = json!(external);
        }
        let before = audit_total(&env).await;
        let reply = env
            .call(Method::POST, "/scim/v2/acme/Users", Some(body))
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        assert_eq!(reply.body["active"], false);
        let stored = env
            .users
            .get_user_by_username(env.tenant.id, name)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.status, tenantry_service::UserStatus::Suspended);
        // One event, the creation: never an active user that a second step suspended.
        assert_eq!(audit_total(&env).await, before + 1);
    }

    // And a PUT brings one back, audited as a reactivation.
    let ina = env
        .users
        .get_user_by_username(env.tenant.id, "ina")
        .await
        .unwrap()
        .unwrap();
    let mut body = user("ina");
    body["externalId"] = json!("ext-ina");
    body["active"] = json!(true);
    let reply = env
        .call(
            Method::PUT,
            &format!("/scim/v2/acme/Users/{}", ina.pid),
            Some(body),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["active"], true);
    let events = env
        .users
        .list_audit_events(env.tenant.id, tenantry_service::PageRequest::first(1))
        .await
        .unwrap()
        .items;
    assert_eq!(events[0].action, "user.reactivated");
}

/// The status of `GET /Users` with `token`.
async fn status_with(env: &Env, token: &str) -> StatusCode {
    env.call_as(Some(token), Method::GET, "/scim/v2/acme/Users", None)
        .await
        .status
}

#[tokio::test]
async fn revocations_and_suspensions_hold_at_once_here_and_within_a_second_from_elsewhere() {
    use tenantry_service::{ScimTokens, Tenants};
    let env = Env::new().await;
    let list = "/scim/v2/acme/Users";
    // Accepted, so this repository now keeps the token's tenant for a second.
    assert_eq!(
        env.call(Method::GET, list, None).await.status,
        StatusCode::OK
    );

    // Another process (a second repository on the same database, as the CLI is) revokes it.
    let elsewhere = tenantry_service::SeaOrmUserRepository::new(
        env.db.conn().clone(),
        tenantry_service::Config::insecure_fast_for_tests(),
    )
    .unwrap();
    let token = elsewhere.list_scim_tokens(env.tenant.id).await.unwrap()[0].pid;
    elsewhere
        .revoke_scim_token(env.tenant.id, token, None)
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(
        env.call(Method::GET, list, None).await.status,
        StatusCode::UNAUTHORIZED
    );

    // A new token; the tenant suspended here: refused at once.
    let (_, raw) = env
        .users
        .create_scim_token(env.tenant.id, "okta", None)
        .await
        .unwrap();
    let raw = raw.into_string();
    assert_eq!(status_with(&env, &raw).await, StatusCode::OK);
    env.users.suspend_tenant(env.tenant.id, None).await.unwrap();
    assert_eq!(status_with(&env, &raw).await, StatusCode::FORBIDDEN);
    // Reactivated elsewhere: accepted again within the second.
    elsewhere
        .reactivate_tenant(env.tenant.id, None)
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(status_with(&env, &raw).await, StatusCode::OK);
    // Suspended elsewhere: refused within the second.
    elsewhere.suspend_tenant(env.tenant.id, None).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(status_with(&env, &raw).await, StatusCode::FORBIDDEN);
}
