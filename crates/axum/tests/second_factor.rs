#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The two-step sign-in over HTTP: a user's own factors, the login that answers 202 and no
//! session, the second step, an admin's reset, the tenant's policy with enrolment at sign-in,
//! and hostile input — on every backend.

mod common;

use common::PASSWORD;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tenantry_axum::AdminConfig;
use tenantry_service::{SecondFactorPolicy, UserRole};

/// The code an authenticator app shows now for `secret` (base32), `offset` steps away.
fn code(secret: &str, offset: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    totp_rs::Builder::new()
        .with_secret(totp_rs::Secret::try_from_base32(secret).unwrap())
        .with_digits(6)
        .with_step_duration(30)
        .build_noncompliant()
        .generate(now.checked_add_signed(offset * 30).unwrap())
        .to_string()
}

struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    fn new(base: &str) -> Self {
        Self {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .build()
                .unwrap(),
            base: base.to_owned(),
        }
    }

    async fn send(&self, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let url = format!("{}{path}", self.base);
        let request = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url),
        };
        let request = match body {
            Some(body) => request.json(&body),
            None => request,
        };
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn login(&self, login: &str) -> (StatusCode, Value) {
        let body = json!({ "tenant": "acme", "login": login, "password": PASSWORD });
        self.send("POST", "/api/auth/login", Some(body)).await
    }
}

/// Enrols an authenticator app for the signed-in `client`; its secret.
async fn enrol(client: &Client) -> String {
    let (status, begun) = client
        .send(
            "POST",
            "/api/me/factors/totp",
            Some(json!({ "name": "phone" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{begun}");
    let secret = begun["secret"].as_str().unwrap().to_owned();
    assert!(
        begun["uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/")
    );
    let id = begun["id"].as_i64().unwrap();
    let path = format!("/api/me/factors/{id}/confirm");
    let (wrong, _) = client
        .send("POST", &path, Some(json!({ "code": "12345" })))
        .await;
    assert_eq!(wrong, StatusCode::UNAUTHORIZED);
    let (status, codes) = client
        .send("POST", &path, Some(json!({ "code": code(&secret, 0) })))
        .await;
    assert_eq!(status, StatusCode::OK, "{codes}");
    assert_eq!(codes["recovery_codes"].as_array().unwrap().len(), 10);
    secret
}

#[tokio::test]
async fn a_user_with_a_factor_signs_in_in_two_steps_and_a_skipped_step_gives_no_session() {
    let seeded = common::seed(&[("ada", UserRole::Admin), ("otto", UserRole::Operator)]).await;
    let users = seeded.users.clone();
    let otto = seeded.accounts[1].clone();
    let app = tenantry_axum::router(seeded.users, seeded.sessions, AdminConfig::new("http://x"));
    let base = common::serve(app).await;

    let first = Client::new(&base);
    assert_eq!(first.login("otto").await.0, StatusCode::OK);
    let secret = enrol(&first).await;
    let (_, listed) = first.send("GET", "/api/me/factors", None).await;
    assert_eq!(listed["factors"][0]["confirmed"], true);
    assert_eq!(listed["recovery_codes_left"], 10);
    assert!(!listed.to_string().contains(&secret));

    // The password alone: 202, a challenge, and no session.
    let device = Client::new(&base);
    let (status, step) = device.login("otto").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{step}");
    assert_eq!(step["step"], "second_factor");
    let challenge = step["challenge"].as_str().unwrap().to_owned();
    assert_eq!(
        device.send("GET", "/api/me", None).await.0,
        StatusCode::UNAUTHORIZED
    );

    let complete = |body: Value| {
        let device = &device;
        async move {
            device
                .send("POST", "/api/auth/second-factor", Some(body))
                .await
        }
    };
    let (neither, _) = complete(json!({ "tenant": "acme", "challenge": challenge })).await;
    assert_eq!(neither, StatusCode::BAD_REQUEST);
    let (forged, body) =
        complete(json!({ "tenant": "acme", "challenge": "A".repeat(43), "code": "123456" })).await;
    assert_eq!(
        (forged, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_token"))
    );
    let (other_tenant, _) =
        complete(json!({ "tenant": "globex", "challenge": challenge, "code": code(&secret, 0) }))
            .await;
    assert_eq!(other_tenant, StatusCode::BAD_REQUEST);
    for hostile in ["12345\u{0}", " 123456", "١٢٣٤٥٦", "12345678"] {
        let (status, body) =
            complete(json!({ "tenant": "acme", "challenge": challenge, "code": hostile })).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{hostile:?}: {body}");
    }
    assert_eq!(
        device.send("GET", "/api/me", None).await.0,
        StatusCode::UNAUTHORIZED
    );
    let big = "9".repeat(10 * 1024 * 1024);
    let (too_big, _) =
        complete(json!({ "tenant": "acme", "challenge": challenge, "code": big })).await;
    assert_eq!(too_big, StatusCode::PAYLOAD_TOO_LARGE);
    // Each wrong code was counted; the right one still signs in (the threshold is 5, and the
    // password's check plus four wrong codes... the admin unlocks first to keep this about the
    // second step).
    users
        .unlock_user(otto.tenant_id, otto.id, None)
        .await
        .unwrap();
    let (status, account) =
        complete(json!({ "tenant": "acme", "challenge": challenge, "code": code(&secret, 1) }))
            .await;
    assert_eq!(status, StatusCode::OK, "{account}");
    assert_eq!(account["user"]["username"], "otto");
    assert_eq!(device.send("GET", "/api/me", None).await.0, StatusCode::OK);
    // The challenge is used up.
    let (reused, _) =
        complete(json!({ "tenant": "acme", "challenge": challenge, "code": code(&secret, 0) }))
            .await;
    assert_eq!(reused, StatusCode::BAD_REQUEST);

    // An admin resets Otto's factors: his sessions end; the password alone signs in again.
    let admin = Client::new(&base);
    assert_eq!(admin.login("ada").await.0, StatusCode::OK);
    let (not_admin, _) = device
        .send(
            "POST",
            &format!("/api/users/{}/factors/reset", otto.pid),
            None,
        )
        .await;
    assert_eq!(not_admin, StatusCode::FORBIDDEN);
    let (reset, _) = admin
        .send(
            "POST",
            &format!("/api/users/{}/factors/reset", otto.pid),
            None,
        )
        .await;
    assert_eq!(reset, StatusCode::NO_CONTENT);
    assert_eq!(
        device.send("GET", "/api/me", None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        first.send("GET", "/api/me", None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(Client::new(&base).login("otto").await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_tenant_that_requires_a_factor_has_it_enrolled_at_sign_in() {
    let seeded = common::seed(&[("ada", UserRole::Admin)]).await;
    let ada = seeded.accounts[0].clone();
    seeded
        .users
        .set_second_factor_policy(ada.tenant_id, SecondFactorPolicy::Everyone, None)
        .await
        .unwrap();
    let app = tenantry_axum::router(seeded.users, seeded.sessions, AdminConfig::new("http://x"));
    let base = common::serve(app).await;
    let device = Client::new(&base);
    let (status, step) = device.login("ada").await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(step["step"], "enrolment");
    let challenge = step["challenge"].as_str().unwrap();
    let (status, begun) = device
        .send(
            "POST",
            "/api/auth/enrolment",
            Some(json!({ "tenant": "acme", "challenge": challenge })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{begun}");
    let secret = begun["secret"].as_str().unwrap();
    assert_eq!(
        device.send("GET", "/api/me", None).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, account) = device
        .send(
            "POST",
            "/api/auth/second-factor",
            Some(json!({ "tenant": "acme", "challenge": challenge, "code": code(secret, 0) })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{account}");
    let (_, listed) = device.send("GET", "/api/me/factors", None).await;
    assert_eq!(listed["factors"].as_array().unwrap().len(), 1);
    // Recovery codes come separately after an enrolment at sign-in.
    let (status, codes) = device.send("POST", "/api/me/recovery-codes", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(codes["recovery_codes"].as_array().unwrap().len(), 10);
}
