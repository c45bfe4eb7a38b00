#![allow(clippy::unwrap_used, clippy::expect_used)]
//! A passkey as the second step of a sign-in over HTTP (feature `passkeys`, on for the crate's
//! own tests), with webauthn-rs's software authenticator in place of a browser: the login's
//! 202 offers it, `POST /api/auth/second-factor/passkey` gives the options, the answer to
//! `POST /api/auth/second-factor` starts the session — once; on every backend.

mod common;

#[path = "../../service/tests/common/passkey_device.rs"]
mod passkey_device;

use common::PASSWORD;
use passkey_device::{Device, passkey_config};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tenantry_axum::AdminConfig;
use tenantry_service::UserRole;

async fn post(http: &reqwest::Client, url: String, body: Value) -> (StatusCode, Value) {
    let response = http.post(url).json(&body).send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_passkey_completes_the_second_step_over_http() {
    let seeded = common::seed_with(&[("ada", UserRole::Operator)], |repository| {
        repository.with_passkeys(passkey_config()).unwrap()
    })
    .await;
    let (users, ada) = (seeded.users.clone(), seeded.accounts[0].clone());
    let tenant = users.get_tenant(ada.tenant_id).await.unwrap().unwrap();
    // Registered through the library (the browser's part played by the device).
    let mut device = Device::new();
    let begun = users
        .start_passkey_registration(tenant.id, ada.id)
        .await
        .unwrap();
    let credential = device.register(begun.options);
    users
        .finish_passkey_registration(tenant.id, ada.id, begun.token.expose(), &credential, "Key")
        .await
        .unwrap();

    let app = tenantry_axum::router(users.clone(), seeded.sessions, AdminConfig::new("http://x"));
    let base = common::serve(app).await;
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();

    let (status, step) = post(
        &http,
        format!("{base}/api/auth/login"),
        json!({ "tenant": "acme", "login": "ada", "password": PASSWORD }),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{step}");
    assert!(
        step["factors"]
            .as_array()
            .unwrap()
            .contains(&json!("passkey")),
        "{step}"
    );
    let challenge = step["challenge"].as_str().unwrap().to_owned();

    // Hostile starts: another tenant, a forged challenge, junk.
    for (body, expected) in [
        (
            json!({ "tenant": "globex", "challenge": challenge }),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({ "tenant": "acme", "challenge": "A".repeat(43) }),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({ "tenant": "acme", "challenge": "x\u{0}".repeat(1000) }),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let (status, reply) = post(
            &http,
            format!("{base}/api/auth/second-factor/passkey"),
            body,
        )
        .await;
        assert_eq!(status, expected, "{reply}");
    }

    let (status, options) = post(
        &http,
        format!("{base}/api/auth/second-factor/passkey"),
        json!({ "tenant": "acme", "challenge": challenge }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{options}");
    let answer = device.sign_in(serde_json::from_value(options).unwrap());
    let answer = serde_json::to_value(&answer).unwrap();

    // A body with two proofs is refused before anything is counted.
    let (status, _) = post(
        &http,
        format!("{base}/api/auth/second-factor"),
        json!({ "tenant": "acme", "challenge": challenge, "code": "123456", "passkey": answer }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, account) = post(
        &http,
        format!("{base}/api/auth/second-factor"),
        json!({ "tenant": "acme", "challenge": challenge, "passkey": answer }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{account}");
    assert_eq!(account["user"]["username"], "ada");
    let me = http.get(format!("{base}/api/me")).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::OK);

    // The same answer again: the challenge is spent.
    let (status, reply) = post(
        &http,
        format!("{base}/api/auth/second-factor"),
        json!({ "tenant": "acme", "challenge": challenge, "passkey": answer }),
    )
    .await;
    assert_eq!(
        (status, reply["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_token"))
    );
    let row = users.get_user(tenant.id, ada.id).await.unwrap().unwrap();
    assert_eq!(row.login_count, 1);
}
