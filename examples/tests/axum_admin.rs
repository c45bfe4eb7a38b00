#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The axum admin service (`tenantry_examples::admin`), started on an ephemeral port and driven
//! over real HTTP with a cookie-keeping client, on a fresh database per test (SQLite, or the
//! server `DATABASE_URL` names).
//!
//! Every response goes through [`Client::send`], which checks that its body is JSON and holds
//! no password hash and none of the test's passwords.

use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;
use tenantry_examples::admin::{self, AdminConfig};
use tenantry_service::{
    Config, NewPlant, NewTenant, NewUser, Password, PlantRole, PlantView, SeaOrmUserRepository,
    TenantView, UserRepository, UserRole, UserView,
};
use tenantry_testkit::TestDb;

const PUBLIC_URL: &str = "https://admin.acme.example";

const ADA_PASSWORD: &str = "copper kettle whistles at dawn";
const OTTO_PASSWORD: &str = "seven purple lanterns drift";
const GINA_PASSWORD: &str = "quiet harbor maps unfold slowly";
const INVITEE_PASSWORD: &str = "marble falcon sings underwater";
const NEW_PASSWORD: &str = "velvet thunder crosses rivers";
const WRONG_PASSWORD: &str = "definitely not the right one";

/// Every password any test sends: none may ever come back.
const PASSWORDS: &[&str] = &[
    ADA_PASSWORD,
    OTTO_PASSWORD,
    GINA_PASSWORD,
    INVITEE_PASSWORD,
    NEW_PASSWORD,
    WRONG_PASSWORD,
];

/// A running service over a seeded database: tenant `acme` with plants `NORTH` and `SOUTH`,
/// tenant admin `ada`, operator `otto` (operator at `NORTH`); tenant `globex` with admin `gina`.
struct Server {
    base: String,
    users: Arc<dyn UserRepository>,
    acme: TenantView,
    north: PlantView,
    south: PlantView,
    ada: UserView,
    otto: UserView,
    gina: UserView,
    db: TestDb,
}

impl Server {
    async fn start() -> Self {
        let db = TestDb::migrated().await;
        let repository =
            SeaOrmUserRepository::new(db.conn().clone(), Config::insecure_fast_for_tests())
                .unwrap();
        let users: Arc<dyn UserRepository> = Arc::new(repository);

        let acme = tenant(&users, "acme").await;
        let north = plant(&users, &acme, "NORTH", "North Works").await;
        let south = plant(&users, &acme, "SOUTH", "South Works").await;
        let ada = user(
            &users,
            &acme,
            "ada",
            ADA_PASSWORD,
            Some(UserRole::Admin),
            vec![],
        )
        .await;
        let otto = user(
            &users,
            &acme,
            "otto",
            OTTO_PASSWORD,
            None,
            vec![PlantRole {
                plant_id: north.id,
                role: UserRole::Operator,
            }],
        )
        .await;
        let globex = tenant(&users, "globex").await;
        let gina = user(
            &users,
            &globex,
            "gina",
            GINA_PASSWORD,
            Some(UserRole::Admin),
            vec![],
        )
        .await;

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = admin::router(Arc::clone(&users), AdminConfig::new(PUBLIC_URL));
        tokio::spawn(admin::serve(listener, app, std::future::pending()));
        Self {
            base,
            users,
            acme,
            north,
            south,
            ada,
            otto,
            gina,
            db,
        }
    }

    /// A new client with an empty cookie jar.
    fn client(&self) -> Client {
        Client {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .build()
                .unwrap(),
            base: self.base.clone(),
        }
    }

    /// A client signed in as `login` of tenant `tenant`.
    async fn signed_in(&self, tenant: &str, login: &str, password: &str) -> Client {
        let client = self.client();
        let (status, body) = client.login(tenant, login, password).await;
        assert_eq!(status, StatusCode::OK, "login failed: {body}");
        client
    }

    async fn admin(&self) -> Client {
        self.signed_in("acme", "ada", ADA_PASSWORD).await
    }
}

async fn tenant(users: &Arc<dyn UserRepository>, slug: &str) -> TenantView {
    users
        .create_tenant(
            NewTenant {
                slug: slug.into(),
                name: format!("{slug} Inc."),
            },
            None,
        )
        .await
        .unwrap()
}

async fn plant(
    users: &Arc<dyn UserRepository>,
    tenant: &TenantView,
    code: &str,
    name: &str,
) -> PlantView {
    users
        .create_plant(
            tenant.id,
            NewPlant {
                code: code.into(),
                name: name.into(),
            },
            None,
        )
        .await
        .unwrap()
}

async fn user(
    users: &Arc<dyn UserRepository>,
    tenant: &TenantView,
    username: &str,
    password: &str,
    tenant_role: Option<UserRole>,
    plant_roles: Vec<PlantRole>,
) -> UserView {
    users
        .create_user(
            tenant.id,
            NewUser {
                username: username.into(),
                email: Some(format!("{username}@{}.example", tenant.slug)),
                display_name: format!("{username} of {}", tenant.slug),
                password: Some(Password::new(password)),
                tenant_role,
                plant_roles,
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap()
}

struct Response {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    text: String,
}

struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    /// Sends a request; checks the body holds no secret and is JSON (or empty for a 204).
    async fn send(&self, method: reqwest::Method, path: &str, body: Option<&Value>) -> Response {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        assert_no_secret(&text);
        if status == StatusCode::NO_CONTENT {
            assert!(text.is_empty());
        } else {
            serde_json::from_str::<Value>(&text)
                .unwrap_or_else(|e| panic!("{path}: body is not JSON ({e}): {text}"));
            assert_eq!(
                headers.get("content-type").unwrap(),
                "application/json",
                "{path}"
            );
        }
        assert_eq!(headers.get("cache-control").unwrap(), "no-store");
        Response {
            status,
            headers,
            text,
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let response = self.send(method, path, body).await;
        let value = if response.text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&response.text).unwrap()
        };
        (response.status, value)
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(reqwest::Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    async fn post_empty(&self, path: &str) -> (StatusCode, Value) {
        self.call(reqwest::Method::POST, path, None).await
    }

    async fn put(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.call(reqwest::Method::PUT, path, Some(body)).await
    }

    async fn login(&self, tenant: &str, login: &str, password: &str) -> (StatusCode, Value) {
        self.post(
            "/api/auth/login",
            &json!({ "tenant": tenant, "login": login, "password": password }),
        )
        .await
    }
}

fn assert_no_secret(text: &str) {
    let lower = text.to_lowercase();
    assert!(!lower.contains("argon2"), "a hash leaked: {text}");
    assert!(!text.contains("$argon"), "a hash leaked: {text}");
    for password in PASSWORDS {
        assert!(!text.contains(password), "a password leaked: {text}");
    }
}

fn user_path(user: &UserView) -> String {
    format!("/api/users/{}", user.pid)
}

/// An error body's code, after checking the body has exactly the error format's keys.
fn error_code(body: &Value) -> &str {
    let object = body.as_object().unwrap();
    assert!(object["message"].is_string(), "{body}");
    assert!(
        object
            .keys()
            .all(|k| ["error", "message", "fields"].contains(&k.as_str())),
        "{body}"
    );
    object["error"].as_str().unwrap()
}

/// Whether an `invalid_input` body lists `field` as breaking `rule`.
fn has_field_error(body: &Value, field: &str, rule: &str) -> bool {
    body["fields"].as_array().is_some_and(|fields| {
        fields
            .iter()
            .any(|f| f["field"] == field && f["rule"] == rule)
    })
}

fn usernames(body: &Value) -> Vec<String> {
    body["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_owned())
        .collect()
}

// ---- the service and sessions -------------------------------------------------------------------

#[tokio::test]
async fn the_root_answers() {
    let server = Server::start().await;
    let (status, body) = server.client().get("/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn login_sets_a_session_cookie_and_me_shows_the_account() {
    let server = Server::start().await;
    let client = server.client();
    let response = client
        .send(
            reqwest::Method::POST,
            "/api/auth/login",
            Some(&json!({ "tenant": "acme", "login": "ADA", "password": ADA_PASSWORD })),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    let cookie = response
        .headers
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(cookie.starts_with("tenantry_admin="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    // PUBLIC_URL is https (loopback counts as a secure origin for the cookie jar too).
    assert!(cookie.contains("Secure"), "{cookie}");
    let account: Value = serde_json::from_str(&response.text).unwrap();
    assert_eq!(account["user"]["id"], server.ada.pid.to_string());
    assert_eq!(account["tenant"]["slug"], "acme");

    let (status, me) = client.get("/api/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["user"]["id"], server.ada.pid.to_string());
    assert_eq!(me["user"]["username"], "ada");
    assert_eq!(me["user"]["tenant_role"], "admin");
    assert_eq!(me["user"]["status"], "active");
    assert!(me["user"]["last_login_at"].is_string());
    assert_eq!(me["tenant"], json!({ "slug": "acme", "name": "acme Inc." }));

    // The login event has the client's address.
    let events = server
        .users
        .list_login_events(
            server.acme.id,
            Some(server.ada.id),
            tenantry_service::PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(events.items[0].ip.as_deref(), Some("127.0.0.1"));

    let (status, _) = client.post_empty("/api/auth/logout").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = client.get("/api/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "unauthenticated");
}

#[tokio::test]
async fn every_failed_login_gets_one_identical_401() {
    let server = Server::start().await;
    let attempts = [
        json!({ "tenant": "acme", "login": "ada", "password": WRONG_PASSWORD }),
        json!({ "tenant": "acme", "login": "nobody", "password": WRONG_PASSWORD }),
        json!({ "tenant": "no-such-tenant", "login": "ada", "password": ADA_PASSWORD }),
        // A user of another tenant, with its right password.
        json!({ "tenant": "acme", "login": "gina", "password": GINA_PASSWORD }),
        json!({ "tenant": "ACME", "login": "ada", "password": ADA_PASSWORD }),
        json!({ "tenant": "acme", "login": "ada" }),
        json!({}),
    ];
    let mut bodies = Vec::new();
    for attempt in &attempts {
        let client = server.client();
        let response = client
            .send(reqwest::Method::POST, "/api/auth/login", Some(attempt))
            .await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{attempt}");
        assert!(response.headers.get("set-cookie").is_none(), "{attempt}");
        bodies.push(response.text);
        // No session came of it.
        let (status, _) = client.get("/api/me").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    assert!(bodies.iter().all(|b| b == &bodies[0]), "{bodies:?}");
    let body: Value = serde_json::from_str(&bodies[0]).unwrap();
    assert_eq!(error_code(&body), "invalid_credentials");
}

#[tokio::test]
async fn user_routes_need_a_session_and_a_tenant_admin() {
    let server = Server::start().await;
    let otto = user_path(&server.otto);
    let routes: Vec<(reqwest::Method, String, Option<Value>)> = vec![
        (reqwest::Method::GET, "/api/users".into(), None),
        (
            reqwest::Method::POST,
            "/api/users".into(),
            Some(json!({ "username": "eve", "display_name": "Eve", "email": "eve@acme.example" })),
        ),
        (reqwest::Method::GET, otto.clone(), None),
        (reqwest::Method::POST, format!("{otto}/deactivate"), None),
        (reqwest::Method::POST, format!("{otto}/reactivate"), None),
        (
            reqwest::Method::PUT,
            format!("{otto}/roles"),
            Some(json!({ "tenant_role": "admin", "roles": [] })),
        ),
        (
            reqwest::Method::POST,
            format!("{otto}/reset-password"),
            None,
        ),
    ];

    let anonymous = server.client();
    let (status, body) = anonymous.get("/api/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "unauthenticated");

    // otto is an operator at NORTH; gina a tenant admin of another tenant; a plant-level admin
    // role is not a tenant admin either.
    server
        .users
        .assign_plant_role(
            server.acme.id,
            server.otto.id,
            server.south.id,
            UserRole::Admin,
            None,
        )
        .await
        .unwrap();
    let operator = server.signed_in("acme", "otto", OTTO_PASSWORD).await;
    for (method, path, body) in &routes {
        let (status, answer) = anonymous.call(method.clone(), path, body.as_ref()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}");
        assert_eq!(error_code(&answer), "unauthenticated");
        let (status, answer) = operator.call(method.clone(), path, body.as_ref()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}");
        assert_eq!(error_code(&answer), "forbidden");
    }
    // Nothing changed.
    let otto_now = server
        .users
        .get_user(server.acme.id, server.otto.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(otto_now.tenant_role, None);
    assert!(
        server
            .users
            .get_user_by_username(server.acme.id, "eve")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_deactivated_users_session_stops_working() {
    let server = Server::start().await;
    let admin = server.admin().await;
    let otto = server.signed_in("acme", "otto", OTTO_PASSWORD).await;
    assert_eq!(otto.get("/api/me").await.0, StatusCode::OK);

    let (status, body) = admin
        .post_empty(&format!("{}/deactivate", user_path(&server.otto)))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = otto.get("/api/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "unauthenticated");
    // And it cannot log in again while suspended.
    assert_eq!(
        otto.login("acme", "otto", OTTO_PASSWORD).await.0,
        StatusCode::UNAUTHORIZED
    );

    // Reactivated, it logs in again; a role change ends that session too.
    let (status, _) = admin
        .post_empty(&format!("{}/reactivate", user_path(&server.otto)))
        .await;
    assert_eq!(status, StatusCode::OK);
    let otto = server.signed_in("acme", "otto", OTTO_PASSWORD).await;
    assert_eq!(otto.get("/api/me").await.0, StatusCode::OK);
    let (status, _) = admin
        .put(
            &format!("{}/roles", user_path(&server.otto)),
            &json!({ "roles": [{ "plant": "SOUTH", "role": "supervisor" }] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(otto.get("/api/me").await.0, StatusCode::UNAUTHORIZED);
    // The admin's own session is untouched.
    assert_eq!(admin.get("/api/me").await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_suspended_tenants_sessions_stop_working() {
    let server = Server::start().await;
    let admin = server.admin().await;
    server
        .users
        .suspend_tenant(server.acme.id, None)
        .await
        .unwrap();
    assert_eq!(admin.get("/api/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(admin.get("/api/users").await.0, StatusCode::UNAUTHORIZED);
}

// ---- users ----------------------------------------------------------------------------------

#[tokio::test]
async fn creating_a_user_invites_it_and_the_invitee_accepts_then_logs_in() {
    let server = Server::start().await;
    let admin = server.admin().await;
    let (status, body) = admin
        .post(
            "/api/users",
            &json!({
                "username": "ines",
                "display_name": "Ines Engineer",
                "email": "ines@acme.example",
                "tenant_role": "supervisor",
                "roles": [{ "plant": "north", "role": "engineer" }]
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let user = &body["user"];
    assert_eq!(user["username"], "ines");
    assert_eq!(user["status"], "invited");
    assert_eq!(user["tenant_role"], "supervisor");
    assert_eq!(
        user["plant_roles"],
        json!([{ "plant": "NORTH", "plant_name": "North Works", "role": "engineer" }])
    );
    assert_eq!(user["last_login_at"], Value::Null);
    let token = body["token"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 43);
    let ttl = body["ttl"].as_i64().unwrap();
    assert!((7 * 24 * 3600 - 5..=7 * 24 * 3600).contains(&ttl), "{ttl}");
    assert_eq!(
        body["reset_url"],
        format!("{PUBLIC_URL}/accept-invitation?token={token}")
    );

    // The admin sees it; it cannot log in before accepting.
    let id = user["id"].as_str().unwrap();
    let (status, fetched) = admin.get(&format!("/api/users/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&fetched, user);
    let invitee = server.client();
    assert_eq!(
        invitee.login("acme", "ines", INVITEE_PASSWORD).await.0,
        StatusCode::UNAUTHORIZED
    );

    // A weak password is refused, and the token still works afterwards.
    let (status, body) = invitee
        .post(
            "/api/invitations/accept",
            &json!({ "token": token, "password": "password1" }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(has_field_error(&body, "password", "weak"), "{body}");

    let (status, body) = invitee
        .post(
            "/api/invitations/accept",
            &json!({ "token": token, "password": INVITEE_PASSWORD, "username": "ines.e" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["status"], "active");
    assert_eq!(body["user"]["username"], "ines.e");
    assert_eq!(body["tenant"]["slug"], "acme");
    // Accepting does not sign in.
    assert_eq!(invitee.get("/api/me").await.0, StatusCode::UNAUTHORIZED);

    let (status, body) = invitee.login("acme", "ines.e", INVITEE_PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, me) = invitee.get("/api/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["user"]["id"], id);

    // The token was used.
    let (status, body) = server
        .client()
        .post(
            "/api/invitations/accept",
            &json!({ "token": token, "password": NEW_PASSWORD }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "invalid_token");
}

#[tokio::test]
async fn listing_filters_pages_and_counts() {
    let server = Server::start().await;
    let users = &server.users;
    let acme = &server.acme;
    // ada (admin), otto (operator at NORTH), plus:
    user(
        users,
        acme,
        "erin",
        NEW_PASSWORD,
        None,
        vec![
            PlantRole {
                plant_id: server.north.id,
                role: UserRole::Engineer,
            },
            PlantRole {
                plant_id: server.south.id,
                role: UserRole::Operator,
            },
        ],
    )
    .await;
    let sam = user(
        users,
        acme,
        "sam",
        NEW_PASSWORD,
        None,
        vec![PlantRole {
            plant_id: server.south.id,
            role: UserRole::Supervisor,
        }],
    )
    .await;
    users
        .deactivate_user(acme.id, sam.id, Some(server.ada.id))
        .await
        .unwrap();
    let admin = server.admin().await;

    let (status, body) = admin.get("/api/users").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["total"], 4);
    assert_eq!(usernames(&body), ["ada", "erin", "otto", "sam"]);
    // gina, of another tenant, is not there.
    let erin = &body["users"][1];
    assert_eq!(
        erin["plant_roles"],
        json!([
            { "plant": "NORTH", "plant_name": "North Works", "role": "engineer" },
            { "plant": "SOUTH", "plant_name": "South Works", "role": "operator" }
        ])
    );
    let mut keys: Vec<_> = erin.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "display_name",
            "email",
            "id",
            "last_login_at",
            "plant_roles",
            "status",
            "tenant_role",
            "username"
        ]
    );

    let cases: &[(&str, &[&str])] = &[
        ("status=active", &["ada", "erin", "otto"]),
        ("status=suspended", &["sam"]),
        // A tenant role counts at every plant.
        ("plant=NORTH", &["ada", "erin", "otto"]),
        ("plant=south", &["ada", "erin", "sam"]),
        ("role=engineer", &["ada", "erin"]),
        ("plant=SOUTH&role=supervisor", &["ada", "sam"]),
        ("q=OTT", &["otto"]),
        ("q=acme.example&status=active&role=admin", &["ada"]),
        (
            "status=&plant=&role=&q=&offset=&limit=",
            &["ada", "erin", "otto", "sam"],
        ),
    ];
    for (query, expected) in cases {
        let (status, body) = admin.get(&format!("/api/users?{query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
        assert_eq!(usernames(&body), *expected, "{query}");
        assert_eq!(body["total"], expected.len(), "{query}");
    }

    // A page holds `limit` users; the total counts them all.
    let (_, page) = admin.get("/api/users?offset=1&limit=2").await;
    assert_eq!(usernames(&page), ["erin", "otto"]);
    assert_eq!(page["total"], 4);
    let (_, page) = admin.get("/api/users?offset=3&limit=2").await;
    assert_eq!(usernames(&page), ["sam"]);
    assert_eq!(page["total"], 4);

    // Without an offset, pages go by cursor: `next` is the following page's `after`.
    let (_, page) = admin.get("/api/users?limit=3").await;
    assert_eq!(usernames(&page), ["ada", "erin", "otto"]);
    let next = page["next"].as_str().expect("a next cursor").to_owned();
    let (_, page) = admin.get(&format!("/api/users?limit=3&after={next}")).await;
    assert_eq!(usernames(&page), ["sam"]);
    assert_eq!(page["total"], 4);
    assert!(page.get("next").is_none(), "{page}");
    // A cursor of another filter, or a garbled one, is a bad request naming `after`.
    for bad in [format!("{next}&status=active"), "garbled!".to_owned()] {
        let (status, body) = admin.get(&format!("/api/users?after={bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(
            has_field_error(&body, "after", "not_allowed")
                || has_field_error(&body, "after", "invalid_format"),
            "{body}"
        );
    }

    // Bad parameters are reported together.
    let (status, body) = admin
        .get("/api/users?status=gone&role=king&plant=EAST&limit=-1")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "invalid_input");
    assert!(has_field_error(&body, "status", "invalid_format"), "{body}");
    assert!(has_field_error(&body, "role", "invalid_format"), "{body}");
    assert!(has_field_error(&body, "plant", "not_found"), "{body}");
    assert!(has_field_error(&body, "limit", "invalid_format"), "{body}");
}

#[tokio::test]
async fn users_are_found_by_id_within_the_sessions_tenant_only() {
    let server = Server::start().await;
    let admin = server.admin().await;
    let (status, body) = admin.get(&user_path(&server.otto)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["id"], server.otto.pid.to_string());
    assert_eq!(body["username"], "otto");
    assert_eq!(body["email"], "otto@acme.example");
    assert_eq!(body["display_name"], "otto of acme");

    // gina exists, in another tenant: every route answers as if she did not.
    let gina = user_path(&server.gina);
    let attempts = [
        admin.get(&gina).await,
        admin.post_empty(&format!("{gina}/deactivate")).await,
        admin.post_empty(&format!("{gina}/reactivate")).await,
        admin.post_empty(&format!("{gina}/reset-password")).await,
        admin
            .put(&format!("{gina}/roles"), &json!({ "roles": [] }))
            .await,
        admin.get("/api/users/not-a-uuid").await,
        admin
            .get(&format!("/api/users/{}", uuid::Uuid::now_v7()))
            .await,
    ];
    for (status, body) in attempts {
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert_eq!(error_code(&body), "not_found");
    }
    let gina_now = server
        .users
        .get_user(server.gina.tenant_id, server.gina.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(gina_now.status, tenantry_service::UserStatus::Active);
    assert_eq!(gina_now.tenant_role, Some(UserRole::Admin));
}

#[tokio::test]
async fn deactivate_and_reactivate() {
    let server = Server::start().await;
    let admin = server.admin().await;
    let otto = user_path(&server.otto);

    let (status, body) = admin.post_empty(&format!("{otto}/deactivate")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "suspended");
    // Idempotent.
    let (status, body) = admin.post_empty(&format!("{otto}/deactivate")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "suspended");
    let (status, body) = admin.post_empty(&format!("{otto}/reactivate")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "active");
    assert_eq!(
        server.client().login("acme", "otto", OTTO_PASSWORD).await.0,
        StatusCode::OK
    );

    // The last active tenant admin stays.
    let (status, body) = admin
        .post_empty(&format!("{}/deactivate", user_path(&server.ada)))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_code(&body), "last_admin");

    // An invited user accepts its invitation; it is not reactivated.
    let (_, invited) = admin
        .post(
            "/api/users",
            &json!({ "display_name": "Ivo", "email": "ivo@acme.example" }),
        )
        .await;
    let ivo = invited["user"]["id"].as_str().unwrap();
    assert!(
        invited["user"]["username"]
            .as_str()
            .unwrap()
            .starts_with("invited-")
    );
    let (status, body) = admin
        .post_empty(&format!("/api/users/{ivo}/reactivate"))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_code(&body), "conflict");
}

#[tokio::test]
async fn put_roles_replaces_them_exactly() {
    let server = Server::start().await;
    let admin = server.admin().await;
    let roles = format!("{}/roles", user_path(&server.otto));

    let (status, body) = admin
        .put(
            &roles,
            &json!({
                "tenant_role": "supervisor",
                "roles": [
                    { "plant": "south", "role": "engineer" },
                    { "plant": "NORTH", "role": "admin" }
                ]
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["tenant_role"], "supervisor");
    assert_eq!(
        body["plant_roles"],
        json!([
            { "plant": "NORTH", "plant_name": "North Works", "role": "admin" },
            { "plant": "SOUTH", "plant_name": "South Works", "role": "engineer" }
        ])
    );

    // No tenant_role: none. The plant roles are exactly the new list.
    let (status, body) = admin
        .put(
            &roles,
            &json!({ "roles": [{ "plant": "SOUTH", "role": "operator" }] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["tenant_role"], Value::Null);
    assert_eq!(
        body["plant_roles"],
        json!([{ "plant": "SOUTH", "plant_name": "South Works", "role": "operator" }])
    );
    let (_, fetched) = admin.get(&user_path(&server.otto)).await;
    assert_eq!(fetched, body);

    // Refused lists change nothing.
    let (status, refused) = admin
        .put(
            &roles,
            &json!({
                "tenant_role": "admin",
                "roles": [
                    { "plant": "EAST", "role": "operator" },
                    { "plant": "north", "role": "operator" },
                    { "plant": "NORTH", "role": "engineer" },
                    { "plant": "SOUTH" }
                ]
            }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert!(has_field_error(&refused, "roles[0].plant", "not_found"));
    assert!(has_field_error(&refused, "roles[2].plant", "duplicate"));
    assert!(has_field_error(&refused, "roles[3].role", "required"));
    let (status, refused) = admin
        .put(
            &roles,
            &json!({ "roles": [{ "plant": "SOUTH", "role": "boss" }] }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        has_field_error(&refused, "roles[0].role", "invalid_format"),
        "{refused}"
    );
    let (_, fetched) = admin.get(&user_path(&server.otto)).await;
    assert_eq!(fetched, body);

    // Empty: no roles at all.
    let (status, body) = admin.put(&roles, &json!({ "roles": [] })).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["plant_roles"], json!([]));
    assert_eq!(body["tenant_role"], Value::Null);

    // The last tenant admin cannot demote itself.
    let (status, body) = admin
        .put(
            &format!("{}/roles", user_path(&server.ada)),
            &json!({ "roles": [] }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_code(&body), "last_admin");
}

#[tokio::test]
async fn a_reset_token_is_redeemed_once_for_a_new_password() {
    let server = Server::start().await;
    let admin = server.admin().await;
    let (status, body) = admin
        .post_empty(&format!("{}/reset-password", user_path(&server.otto)))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["token"].as_str().unwrap().to_owned();
    let ttl = body["ttl"].as_i64().unwrap();
    assert!((3595..=3600).contains(&ttl), "{ttl}");
    assert!(body["expires_at"].is_string());
    assert_eq!(
        body["reset_url"],
        format!("{PUBLIC_URL}/reset-password?token={token}")
    );

    let otto = server.client();
    let (status, body) = otto
        .post(
            "/api/password-reset",
            &json!({ "token": token, "new_password": "otto-otto-otto" }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        has_field_error(&body, "new_password", "contains_personal_info"),
        "{body}"
    );
    let (status, body) = otto
        .post(
            "/api/password-reset",
            &json!({ "token": token, "new_password": NEW_PASSWORD }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["username"], "otto");

    assert_eq!(
        otto.login("acme", "otto", OTTO_PASSWORD).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        otto.login("acme", "otto", NEW_PASSWORD).await.0,
        StatusCode::OK
    );
    let (status, body) = server
        .client()
        .post(
            "/api/password-reset",
            &json!({ "token": token, "new_password": ADA_PASSWORD }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "invalid_token");
    let (status, body) = server
        .client()
        .post(
            "/api/password-reset",
            &json!({ "token": "forged", "new_password": ADA_PASSWORD }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "invalid_token");
}

#[tokio::test]
async fn taken_usernames_and_emails_are_409() {
    let server = Server::start().await;
    let admin = server.admin().await;
    let (status, body) = admin
        .post(
            "/api/users",
            &json!({ "username": "OTTO", "display_name": "Otto 2", "email": "otto2@acme.example" }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_code(&body), "username_taken");
    let (status, body) = admin
        .post(
            "/api/users",
            &json!({ "username": "otto2", "display_name": "Otto 2", "email": "Otto@ACME.example" }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_code(&body), "email_taken");
    // The same names in another tenant are free.
    let (status, body) = server
        .signed_in("globex", "gina", GINA_PASSWORD)
        .await
        .post(
            "/api/users",
            &json!({ "username": "otto", "display_name": "Otto", "email": "otto@acme.example" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

#[tokio::test]
async fn invalid_input_is_400_with_every_field_error() {
    let server = Server::start().await;
    let admin = server.admin().await;
    let (status, body) = admin
        .post(
            "/api/users",
            &json!({
                "username": "x",
                "display_name": "",
                "email": "not-an-email",
                "roles": [{ "plant": "EAST", "role": "operator" }]
            }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(error_code(&body), "invalid_input");
    assert!(
        has_field_error(&body, "roles[0].plant", "not_found"),
        "{body}"
    );
    let (status, body) = admin
        .post(
            "/api/users",
            &json!({ "username": "x", "display_name": "", "email": "not-an-email" }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(has_field_error(&body, "username", "too_short"), "{body}");
    assert!(has_field_error(&body, "display_name", "required"), "{body}");
    assert!(has_field_error(&body, "email", "invalid_format"), "{body}");
    let min = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "username")
        .unwrap()["min"]
        .clone();
    assert_eq!(min, 3);

    // Missing fields are `required`; unknown ones and wrong types are named.
    let (status, body) = admin.post("/api/users", &json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(has_field_error(&body, "email", "required"), "{body}");
    assert!(has_field_error(&body, "display_name", "required"), "{body}");
    let (_, body) = admin
        .post(
            "/api/users",
            &json!({ "username": "eve", "display_name": "Eve", "email": "eve@acme.example", "password": ADA_PASSWORD }),
        )
        .await;
    assert!(
        has_field_error(&body, "password", "unknown_field"),
        "{body}"
    );
    let (_, body) = admin
        .post(
            "/api/users",
            &json!({ "username": 7, "display_name": "Eve", "email": "eve@acme.example" }),
        )
        .await;
    assert!(
        has_field_error(&body, "username", "invalid_format"),
        "{body}"
    );

    // A body that is not JSON, or not declared as JSON.
    let raw = admin
        .http
        .post(format!("{}/api/users", server.base))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), StatusCode::BAD_REQUEST);
    let body: Value = raw.json().await.unwrap();
    assert_eq!(error_code(&body), "invalid_input");
    let raw = admin
        .http
        .post(format!("{}/api/users", server.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("username=eve")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), StatusCode::BAD_REQUEST);

    // Nothing was created.
    let (_, list) = admin.get("/api/users").await;
    assert_eq!(list["total"], 2);
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_the_error_format() {
    let server = Server::start().await;
    let client = server.client();
    let (status, body) = client.get("/api/nothing-here").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "not_found");
    let (status, body) = client.call(reqwest::Method::DELETE, "/api/me", None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(error_code(&body), "method_not_allowed");
}

#[tokio::test]
async fn a_database_failure_is_a_bare_500() {
    let server = Server::start().await;
    let admin = server.admin().await;
    // The repository's pool is this one: close it under the running service.
    server.db.conn().clone().close().await.unwrap();
    let internal = json!({ "error": "internal", "message": "internal error" });
    // Through a handler (the login) and through the session layer (loading the user).
    let (status, body) = server.client().login("acme", "ada", ADA_PASSWORD).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body, internal);
    let (status, body) = admin.get("/api/me").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body, internal);
}
