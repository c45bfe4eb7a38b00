#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The user's own passkeys and signing in with a passkey alone, over HTTP (feature `passkeys`,
//! on for the crate's own tests), with webauthn-rs's software authenticator in place of a
//! browser, on every backend: register, list, rename, remove, sign in; and the attacks — another
//! user's passkey, a registration answered twice or from another session, a sign-in answer
//! replayed (also 50 at once), a token taken to another tenant, hostile names and bodies.

mod common;

#[path = "../../service/tests/common/passkey_device.rs"]
mod passkey_device;

use common::{PASSWORD, Seeded};
use passkey_device::{Device, passkey_config};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use tenantry_axum::AdminConfig;
use tenantry_service::{NewTenant, UserRole};

/// A served router over a store with passkeys, with `ada` and `bob` (operators) in `acme`.
struct Service {
    base: String,
    seeded: Seeded,
}

async fn start() -> Service {
    let seeded = common::seed_with(
        &[("ada", UserRole::Operator), ("bob", UserRole::Operator)],
        |repository| repository.with_passkeys(passkey_config()).unwrap(),
    )
    .await;
    let app = tenantry_axum::router(
        seeded.users.clone(),
        seeded.sessions.clone(),
        AdminConfig::new("http://x"),
    );
    Service {
        base: common::serve(app).await,
        seeded,
    }
}

/// A client with a cookie jar (a browser).
fn browser() -> Client {
    Client::builder().cookie_store(true).build().unwrap()
}

/// `method path` with `body` (JSON when given): the status and the JSON answer (`null` when
/// none).
async fn call(
    http: &Client,
    service: &Service,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = http.request(method, format!("{}{path}", service.base));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn post(http: &Client, service: &Service, path: &str, body: Value) -> (StatusCode, Value) {
    call(http, service, Method::POST, path, Some(body)).await
}

/// A browser signed in with the password (users here have no passkey yet when they do).
async fn signed_in(service: &Service, login: &str) -> Client {
    let http = browser();
    let (status, account) = post(
        &http,
        service,
        "/api/auth/login",
        json!({ "tenant": "acme", "login": login, "password": PASSWORD }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{account}");
    http
}

/// Begins a registration in `http`'s session and has `device` answer it.
async fn begin_registration(http: &Client, service: &Service, device: &mut Device) -> Value {
    let (status, options) = post(http, service, "/api/me/passkeys/registration", json!(null)).await;
    assert_eq!(status, StatusCode::OK, "{options}");
    let credential = device.register(serde_json::from_value(options).unwrap());
    serde_json::to_value(&credential).unwrap()
}

/// Registers a passkey of `device` for `http`'s user: its id.
async fn register(http: &Client, service: &Service, device: &mut Device, name: &str) -> i64 {
    let credential = begin_registration(http, service, device).await;
    let (status, passkey) = post(
        http,
        service,
        "/api/me/passkeys",
        json!({ "name": name, "credential": credential }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{passkey}");
    passkey["id"].as_i64().unwrap()
}

async fn list(http: &Client, service: &Service) -> Vec<Value> {
    let (status, list) = call(http, service, Method::GET, "/api/me/passkeys", None).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list["passkeys"].as_array().unwrap().clone()
}

/// The start of a passkey sign-in at `tenant` and `device`'s answer: `(token, answer)`.
async fn sign_in_answer(service: &Service, tenant: &str, device: &mut Device) -> (String, Value) {
    let (status, begun) = post(
        &Client::new(),
        service,
        "/api/auth/passkey/start",
        json!({ "tenant": tenant }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{begun}");
    let token = begun["token"].as_str().unwrap().to_owned();
    let answer = device.sign_in(serde_json::from_value(begun["options"].clone()).unwrap());
    (token, serde_json::to_value(&answer).unwrap())
}

fn finish_body(tenant: &str, token: &str, answer: &Value) -> Value {
    json!({ "tenant": tenant, "token": token, "credential": answer })
}

/// Finishes a passkey sign-in at `tenant` on a new browser.
async fn finish(
    service: &Service,
    tenant: &str,
    token: &str,
    answer: &Value,
) -> (StatusCode, Value) {
    let body = finish_body(tenant, token, answer);
    post(&browser(), service, "/api/auth/passkey/finish", body).await
}

/// The session cookie a response sets (`tenantry_admin=…`).
fn session_cookie(response: &reqwest::Response) -> String {
    let set = response.headers()["set-cookie"].to_str().unwrap();
    let (pair, _) = set.split_once(';').unwrap_or((set, ""));
    assert!(pair.starts_with("tenantry_admin="), "{set}");
    pair.to_owned()
}

/// Names the library refuses: a NUL, 10 000 characters, only invisible characters.
fn hostile_names() -> [String; 3] {
    [
        "Key\u{0}".to_owned(),
        "k".repeat(10_000),
        "\u{200B}\u{200D}\u{FEFF}".to_owned(),
    ]
}

fn assert_error(reply: &(StatusCode, Value), status: StatusCode, code: &str) {
    assert_eq!(
        (reply.0, reply.1["error"].as_str()),
        (status, Some(code)),
        "{}",
        reply.1
    );
}

#[tokio::test]
async fn a_passkey_registered_over_http_is_listed_renamed_signs_in_alone_and_is_removed() {
    let service = start().await;
    let ada = signed_in(&service, "ada").await;
    let mut device = Device::new();
    assert!(list(&ada, &service).await.is_empty());

    let id = register(&ada, &service, &mut device, "Laptop").await;
    let passkeys = list(&ada, &service).await;
    assert_eq!(passkeys.len(), 1);
    assert_eq!(passkeys[0]["id"], id);
    assert_eq!(passkeys[0]["kind"], "passkey");
    assert_eq!(passkeys[0]["name"], "Laptop");
    assert!(passkeys[0]["confirmed_at"].is_string());
    assert!(passkeys[0]["last_used_at"].is_null());
    // Never the credential.
    assert_eq!(passkeys[0].as_object().unwrap().len(), 6, "{}", passkeys[0]);

    // The passkey alone signs in, on a browser without a session: a new session cookie that
    // `GET /api/me` accepts.
    let phone = browser();
    let (token, answer) = sign_in_answer(&service, "acme", &mut device).await;
    let response = phone
        .post(format!("{}/api/auth/passkey/finish", service.base))
        .json(&finish_body("acme", &token, &answer))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().contains_key("set-cookie"));
    let account: Value = response.json().await.unwrap();
    assert_eq!(account["user"]["username"], "ada");
    assert_eq!(account["tenant"]["slug"], "acme");
    let (status, me) = call(&phone, &service, Method::GET, "/api/me", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["user"]["username"], "ada");
    assert!(list(&phone, &service).await[0]["last_used_at"].is_string());

    // Renamed; hostile names change nothing.
    let path = format!("/api/me/passkeys/{id}");
    let (status, renamed) = call(
        &ada,
        &service,
        Method::PATCH,
        &path,
        Some(json!({ "name": "Work key" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    assert_eq!(
        (renamed["id"].as_i64(), renamed["name"].as_str()),
        (Some(id), Some("Work key"))
    );
    for name in hostile_names() {
        let reply = call(
            &ada,
            &service,
            Method::PATCH,
            &path,
            Some(json!({ "name": name })),
        )
        .await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_input");
        assert_eq!(reply.1["fields"][0]["field"], "name", "{}", reply.1);
    }
    assert_eq!(list(&ada, &service).await[0]["name"], "Work key");

    // Removed: gone from the list, and it signs in no more.
    let (status, _) = call(&ada, &service, Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(list(&ada, &service).await.is_empty());
    let (status, _) = call(&ada, &service, Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (token, answer) = sign_in_answer(&service, "acme", &mut device).await;
    let reply = finish(&service, "acme", &token, &answer).await;
    assert_error(&reply, StatusCode::UNAUTHORIZED, "invalid_credentials");
}

#[tokio::test]
async fn another_users_passkey_is_not_found_and_stays_as_it_was() {
    let service = start().await;
    let ada = signed_in(&service, "ada").await;
    let bob = signed_in(&service, "bob").await;
    let mut device = Device::new();
    let id = register(&ada, &service, &mut device, "Ada's key").await;

    let path = format!("/api/me/passkeys/{id}");
    let reply = call(
        &bob,
        &service,
        Method::PATCH,
        &path,
        Some(json!({ "name": "mine now" })),
    )
    .await;
    assert_error(&reply, StatusCode::NOT_FOUND, "not_found");
    let reply = call(&bob, &service, Method::DELETE, &path, None).await;
    assert_error(&reply, StatusCode::NOT_FOUND, "not_found");
    // Ids that name nothing at all.
    for id in [
        "0",
        "-1",
        "abc",
        "99999999999999999999",
        &(id + 1000).to_string(),
    ] {
        let path = format!("/api/me/passkeys/{id}");
        let reply = call(&ada, &service, Method::DELETE, &path, None).await;
        assert_error(&reply, StatusCode::NOT_FOUND, "not_found");
    }
    // Bob's own authenticator app is not a passkey of his either.
    let (status, totp) = post(&bob, &service, "/api/me/factors/totp", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{totp}");
    let path = format!("/api/me/passkeys/{}", totp["id"]);
    let reply = call(&bob, &service, Method::DELETE, &path, None).await;
    assert_error(&reply, StatusCode::NOT_FOUND, "not_found");

    let passkeys = list(&ada, &service).await;
    assert_eq!(passkeys.len(), 1);
    assert_eq!(passkeys[0]["name"], "Ada's key");
    assert!(list(&bob, &service).await.is_empty());
    // And it still signs Ada in.
    let (token, answer) = sign_in_answer(&service, "acme", &mut device).await;
    let (status, account) = finish(&service, "acme", &token, &answer).await;
    assert_eq!(status, StatusCode::OK, "{account}");
    assert_eq!(account["user"]["username"], "ada");
}

#[tokio::test]
async fn a_registration_is_answered_once_and_only_in_the_session_that_began_it() {
    let service = start().await;
    let ada = signed_in(&service, "ada").await;
    let ada_elsewhere = signed_in(&service, "ada").await;
    let bob = signed_in(&service, "bob").await;
    let mut device = Device::new();
    let credential = begin_registration(&ada, &service, &mut device).await;
    let body = json!({ "name": "Key", "credential": credential });

    // Another session of the same user, and another user, have no registration pending.
    for http in [&ada_elsewhere, &bob] {
        let reply = post(http, &service, "/api/me/passkeys", body.clone()).await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_token");
    }
    // Bob's own ceremony does not take Ada's answer, and is spent by it.
    let mut bobs_device = Device::new();
    let bobs_credential = begin_registration(&bob, &service, &mut bobs_device).await;
    let reply = post(&bob, &service, "/api/me/passkeys", body.clone()).await;
    assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_input");
    assert_eq!(reply.1["fields"][0]["field"], "credential", "{}", reply.1);
    let reply = post(
        &bob,
        &service,
        "/api/me/passkeys",
        json!({ "name": "Key", "credential": bobs_credential }),
    )
    .await;
    assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_token");
    assert!(list(&bob, &service).await.is_empty());

    // Hostile names are refused before the ceremony is touched: it is still pending after.
    for name in hostile_names() {
        let reply = post(
            &ada,
            &service,
            "/api/me/passkeys",
            json!({ "name": name, "credential": credential }),
        )
        .await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_input");
        assert_eq!(reply.1["fields"][0]["field"], "name", "{}", reply.1);
    }
    assert!(list(&ada, &service).await.is_empty());

    let (status, passkey) = post(&ada, &service, "/api/me/passkeys", body.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{passkey}");
    // The same answer again: the session holds no registration any more.
    let reply = post(&ada, &service, "/api/me/passkeys", body.clone()).await;
    assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_token");
    // A new ceremony does not take the old answer (the passkey is registered already, and the
    // answer is to another challenge).
    begin_registration(&ada, &service, &mut Device::new()).await;
    let reply = post(&ada, &service, "/api/me/passkeys", body).await;
    assert_eq!(reply.0, StatusCode::BAD_REQUEST, "{}", reply.1);
    assert_eq!(list(&ada, &service).await.len(), 1);

    // Signed out, the session's pending registration is gone with it.
    begin_registration(&ada, &service, &mut Device::new()).await;
    let (status, _) = post(&ada, &service, "/api/auth/logout", json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let reply = post(
        &ada,
        &service,
        "/api/me/passkeys",
        json!({ "name": "Key", "credential": credential }),
    )
    .await;
    assert_error(&reply, StatusCode::UNAUTHORIZED, "unauthenticated");
}

#[tokio::test]
async fn a_passkey_sign_in_answer_signs_in_once() {
    let service = start().await;
    let ada = signed_in(&service, "ada").await;
    let mut device = Device::new();
    register(&ada, &service, &mut device, "Key").await;

    let (token, answer) = sign_in_answer(&service, "acme", &mut device).await;
    let (status, _) = finish(&service, "acme", &token, &answer).await;
    assert_eq!(status, StatusCode::OK);
    let reply = finish(&service, "acme", &token, &answer).await;
    assert_error(&reply, StatusCode::UNAUTHORIZED, "invalid_credentials");

    // Fifty at once with one token and one answer: exactly one session.
    let (token, answer) = sign_in_answer(&service, "acme", &mut device).await;
    let body = finish_body("acme", &token, &answer);
    let url = format!("{}/api/auth/passkey/finish", service.base);
    let attempts = (0..50).map(|_| {
        let (url, body) = (url.clone(), body.clone());
        tokio::spawn(async move {
            let response = browser().post(url).json(&body).send().await.unwrap();
            response.status()
        })
    });
    let mut statuses = Vec::new();
    for attempt in attempts.collect::<Vec<_>>() {
        statuses.push(attempt.await.unwrap());
    }
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(ok, 1, "{statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
    let row = service
        .seeded
        .users
        .get_user(
            service.seeded.accounts[0].tenant_id,
            service.seeded.accounts[0].id,
        )
        .await
        .unwrap()
        .unwrap();
    // The password login, and one per passkey sign-in that succeeded.
    assert_eq!(row.login_count, 3);
}

#[tokio::test]
async fn a_sign_in_token_of_one_tenant_fails_at_another() {
    let service = start().await;
    service
        .seeded
        .users
        .create_tenant(
            NewTenant {
                slug: "globex".into(),
                name: "Globex".into(),
            },
            None,
        )
        .await
        .unwrap();
    let ada = signed_in(&service, "ada").await;
    let mut device = Device::new();
    register(&ada, &service, &mut device, "Key").await;

    let (token, answer) = sign_in_answer(&service, "acme", &mut device).await;
    for tenant in ["globex", "nowhere", ""] {
        let reply = finish(&service, tenant, &token, &answer).await;
        assert_error(&reply, StatusCode::UNAUTHORIZED, "invalid_credentials");
    }
    // A token begun at globex does not sign in at acme either.
    let (token, answer) = sign_in_answer(&service, "globex", &mut device).await;
    let reply = finish(&service, "acme", &token, &answer).await;
    assert_error(&reply, StatusCode::UNAUTHORIZED, "invalid_credentials");
    // Forged and malformed tokens are the same 401.
    for token in ["A".repeat(43), String::new(), "x\u{0}".repeat(1000)] {
        let reply = finish(&service, "acme", &token, &answer).await;
        assert_error(&reply, StatusCode::UNAUTHORIZED, "invalid_credentials");
    }
    let reply = post(
        &browser(),
        &service,
        "/api/auth/passkey/start",
        json!({ "tenant": "nowhere" }),
    )
    .await;
    assert_error(&reply, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn without_a_session_my_passkeys_are_401() {
    let service = start().await;
    let http = browser();
    for (method, path, body) in [
        (Method::POST, "/api/me/passkeys/registration", None),
        (
            Method::POST,
            "/api/me/passkeys",
            Some(json!({ "name": "Key", "credential": {} })),
        ),
        (Method::GET, "/api/me/passkeys", None),
        (
            Method::PATCH,
            "/api/me/passkeys/1",
            Some(json!({ "name": "Key" })),
        ),
        (Method::DELETE, "/api/me/passkeys/1", None),
    ] {
        let reply = call(&http, &service, method, path, body).await;
        assert_error(&reply, StatusCode::UNAUTHORIZED, "unauthenticated");
    }
}

#[tokio::test]
async fn bodies_of_the_wrong_shape_are_400() {
    let service = start().await;
    let ada = signed_in(&service, "ada").await;
    let mut device = Device::new();
    let id = register(&ada, &service, &mut device, "Key").await;
    let credential = begin_registration(&ada, &service, &mut Device::new()).await;
    let rename = format!("/api/me/passkeys/{id}");
    let cases = [
        (Method::POST, "/api/me/passkeys", json!([])),
        (Method::POST, "/api/me/passkeys", json!({ "name": "Key" })),
        (
            Method::POST,
            "/api/me/passkeys",
            json!({ "name": "Key", "credential": 5 }),
        ),
        (
            Method::POST,
            "/api/me/passkeys",
            json!({ "name": "Key", "credential": { "id": 1 } }),
        ),
        (
            Method::POST,
            "/api/me/passkeys",
            json!({ "name": 5, "credential": credential }),
        ),
        (
            Method::POST,
            "/api/me/passkeys",
            json!({ "nom": "Key", "credential": credential }),
        ),
        (Method::PATCH, rename.as_str(), json!({ "name": ["Key"] })),
        (
            Method::PATCH,
            rename.as_str(),
            json!({ "name": "Key", "extra": 1 }),
        ),
        (Method::PATCH, rename.as_str(), json!("Key")),
        (
            Method::POST,
            "/api/auth/passkey/start",
            json!({ "tenant": [] }),
        ),
        (Method::POST, "/api/auth/passkey/start", json!(["acme"])),
        (
            Method::POST,
            "/api/auth/passkey/finish",
            json!({ "tenant": "acme", "token": "t" }),
        ),
        (
            Method::POST,
            "/api/auth/passkey/finish",
            json!({ "tenant": "acme", "token": "t", "credential": "nope" }),
        ),
        (
            Method::POST,
            "/api/auth/passkey/finish",
            json!({ "tenant": "acme", "token": "t", "credential": credential }),
        ),
    ];
    for (method, path, body) in cases {
        let case = format!("{method} {path} {body}");
        let (status, reply) = call(&ada, &service, method, path, Some(body)).await;
        assert_eq!(
            (status, reply["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_input")),
            "{case}: {reply}"
        );
    }
    // Not JSON at all.
    let response = ada
        .post(format!("{}/api/me/passkeys", service.base))
        .header("content-type", "text/plain")
        .body("name=Key")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    // Nothing was written: the one passkey, as named, and the pending registration still
    // finishes.
    let passkeys = list(&ada, &service).await;
    assert_eq!(passkeys.len(), 1);
    assert_eq!(passkeys[0]["name"], "Key");
    let (status, passkey) = post(
        &ada,
        &service,
        "/api/me/passkeys",
        json!({ "name": "Second", "credential": credential }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{passkey}");
}

#[tokio::test]
async fn a_passkey_sign_in_never_keeps_a_planted_session_cookie() {
    let service = start().await;
    let ada = signed_in(&service, "ada").await;
    let mut device = Device::new();
    register(&ada, &service, &mut device, "Key").await;
    // Bob's session cookie, planted in the browser Ada signs in on next.
    let http = Client::new();
    let response = http
        .post(format!("{}/api/auth/login", service.base))
        .json(&json!({ "tenant": "acme", "login": "bob", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let planted = session_cookie(&response);

    let (token, answer) = sign_in_answer(&service, "acme", &mut device).await;
    let response = http
        .post(format!("{}/api/auth/passkey/finish", service.base))
        .header("cookie", &planted)
        .json(&finish_body("acme", &token, &answer))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let fresh = session_cookie(&response);
    assert_ne!(fresh, planted, "the session id must change at sign-in");

    let me = |cookie: String| {
        let request = http.get(format!("{}/api/me", service.base));
        async move { request.header("cookie", cookie).send().await.unwrap() }
    };
    let response = me(fresh).await;
    assert_eq!(response.status(), StatusCode::OK);
    let account: Value = response.json().await.unwrap();
    assert_eq!(account["user"]["username"], "ada");
    // The planted id names no session any more: not Ada's, not Bob's.
    assert_eq!(me(planted).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn fifty_answers_at_once_to_one_registration_store_one_passkey() {
    let service = start().await;
    let ada = signed_in(&service, "ada").await;
    let credential = begin_registration(&ada, &service, &mut Device::new()).await;
    let url = format!("{}/api/me/passkeys", service.base);
    let body = json!({ "name": "Key", "credential": credential });
    let attempts: Vec<_> = (0..50)
        .map(|_| {
            // The same browser (one cookie jar, one session), fifty requests at once.
            let (http, url, body) = (ada.clone(), url.clone(), body.clone());
            tokio::spawn(async move { http.post(url).json(&body).send().await.unwrap().status() })
        })
        .collect();
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.unwrap());
    }
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1, "{statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::CREATED || *s == StatusCode::BAD_REQUEST),
        "{statuses:?}"
    );
    assert_eq!(list(&ada, &service).await.len(), 1);
}
