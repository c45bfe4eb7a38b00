#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The admin and sign-in service (`tenantry_axum::router`), started on an ephemeral port and driven
//! over real HTTP with a cookie-keeping client, on a fresh database per test (SQLite, or the
//! server `DATABASE_URL` names).
//!
//! Every response goes through [`Client::send`], which checks that its body is JSON and holds
//! no password hash and none of the test's passwords.

use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;
use tenantry_axum::{self as admin, AdminConfig};
use tenantry_service::session_store::SeaOrmSessionStore;
use tenantry_service::{
    Config, NewPlant, NewTenant, NewUser, Password, PlantRole, PlantView, RoleCatalogue, RoleKey,
    SeaOrmUserRepository, TenantView, UserRepository, UserRole, UserView,
};
use tenantry_testkit::TestDb;

const PUBLIC_URL: &str = "https://admin.acme.example";

const ADA_PASSWORD: &str = "copper kettle whistles at dawn";
const OTTO_PASSWORD: &str = "seven purple lanterns drift";
const GINA_PASSWORD: &str = "quiet harbor maps unfold slowly";
const INVITEE_PASSWORD: &str = "marble falcon sings underwater";
const NEW_PASSWORD: &str = "velvet thunder crosses rivers";
const WRONG_PASSWORD: &str = "definitely not the right one";
const GUS_PASSWORD: &str = "amber otter juggles nine moons";

/// Every password any test sends: none may ever come back.
const PASSWORDS: &[&str] = &[
    ADA_PASSWORD,
    OTTO_PASSWORD,
    GINA_PASSWORD,
    INVITEE_PASSWORD,
    NEW_PASSWORD,
    WRONG_PASSWORD,
    GUS_PASSWORD,
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
        Self::start_with(RoleCatalogue::default()).await
    }

    /// The service with a host's own role catalogue.
    async fn start_with(roles: RoleCatalogue) -> Self {
        let config = AdminConfig::new(PUBLIC_URL);
        let db = TestDb::migrated().await;
        let repository = SeaOrmUserRepository::open(
            db.conn().clone(),
            Config {
                roles,
                ..Config::insecure_fast_for_tests()
            },
        )
        .await
        .unwrap();
        let sessions = SeaOrmSessionStore::new(repository.clone());
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
                role: UserRole::Operator.into(),
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
        let app = admin::router(Arc::clone(&users), sessions, config);
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
    let tenant_roles = tenant_role.map(RoleKey::from).into_iter().collect();
    users
        .create_user(
            tenant.id,
            NewUser {
                username: username.into(),
                email: Some(format!("{username}@{}.example", tenant.slug)),
                display_name: format!("{username} of {}", tenant.slug),
                password: Some(Password::new(password)),
                tenant_roles,
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
    assert_eq!(me["user"]["roles"], json!(["admin"]));
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
async fn the_role_catalogue_is_listed_to_signed_in_users() {
    let server = Server::start().await;
    let (status, body) = server.client().get("/api/roles").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "unauthenticated");

    // Not only admins: a front end needs the roles to show any user's.
    let otto = server.signed_in("acme", "otto", OTTO_PASSWORD).await;
    let (status, body) = otto.get("/api/roles").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["exclusive_per_scope"], true);
    let roles = body["roles"].as_array().unwrap();
    let keys: Vec<&str> = roles.iter().map(|r| r["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["operator", "supervisor", "engineer", "admin"]);
    let admin = &roles[3];
    assert_eq!(admin["scope"], "both");
    assert_eq!(admin["administers_users"], true);
    assert_eq!(admin["implies"], json!(["engineer"]));
    assert_eq!(roles[0]["administers_users"], false);
    assert_eq!(roles[0]["implies"], json!([]));
    // Exactly the catalogue's own serialization.
    assert_eq!(
        body,
        serde_json::to_value(RoleCatalogue::default()).unwrap()
    );
}

#[tokio::test]
async fn the_tenants_plants_are_listed_to_signed_in_users_and_added_by_its_admin() {
    let server = Server::start().await;
    let (status, body) = server.client().get("/api/plants").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "unauthenticated");

    let otto = server.signed_in("acme", "otto", OTTO_PASSWORD).await;
    let (status, body) = otto.get("/api/plants").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({ "plants": [
            { "id": server.north.pid, "code": "NORTH", "name": "North Works", "active": true },
            { "id": server.south.pid, "code": "SOUTH", "name": "South Works", "active": true },
        ]})
    );
    // Only a tenant admin adds one; its code is unique in the tenant, case-insensitively.
    let new_plant = json!({ "code": "EAST", "name": "East Works" });
    let (status, body) = otto.post("/api/plants", &new_plant).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let ada = server.admin().await;
    let (status, body) = ada.post("/api/plants", &new_plant).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["code"], "EAST");
    assert_eq!(body["name"], "East Works");
    assert_eq!(body["active"], true);
    let (status, body) = ada
        .post("/api/plants", &json!({ "code": "east", "name": "Again" }))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(error_code(&body), "plant_code_taken");
    let (status, body) = ada.post("/api/plants", &json!({ "code": "" })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(error_code(&body), "invalid_input");
    let (_, body) = otto.get("/api/plants").await;
    let codes: Vec<&str> = body["plants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["EAST", "NORTH", "SOUTH"]);

    // Another tenant's admin sees its own tenant's plants: none.
    let gina = server.signed_in("globex", "gina", GINA_PASSWORD).await;
    let (status, body) = gina.get("/api/plants").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({ "plants": [] }));
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
            Some(json!({ "roles": ["admin"], "plant_roles": [] })),
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
    assert!(otto_now.tenant_roles.is_empty());
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
            &json!({ "plant_roles": [{ "plant": "SOUTH", "role": "supervisor" }] }),
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
                "roles": ["supervisor"],
                "plant_roles": [{ "plant": "north", "role": "engineer" }]
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let user = &body["user"];
    assert_eq!(user["username"], "ines");
    assert_eq!(user["status"], "invited");
    assert_eq!(user["roles"], json!(["supervisor"]));
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
                role: UserRole::Engineer.into(),
            },
            PlantRole {
                plant_id: server.south.id,
                role: UserRole::Operator.into(),
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
            role: UserRole::Supervisor.into(),
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
            "roles",
            "status",
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
        ("q=acme.example&status=active&role=admin", &[]),
        (
            "q=acme.example&match=contains&status=active&role=admin",
            &["ada"],
        ),
        ("q=ADA@&match=prefix", &["ada"]),
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
        .get("/api/users?status=gone&role=King&plant=EAST&limit=-1&match=fuzzy")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "invalid_input");
    assert!(has_field_error(&body, "match", "invalid_format"), "{body}");
    assert!(has_field_error(&body, "status", "invalid_format"), "{body}");
    assert!(has_field_error(&body, "role", "invalid_format"), "{body}");
    assert!(has_field_error(&body, "plant", "not_found"), "{body}");
    assert!(has_field_error(&body, "limit", "invalid_format"), "{body}");
    // A well-formed key the catalogue does not declare.
    let (status, body) = admin.get("/api/users?role=king").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(has_field_error(&body, "role", "not_found"), "{body}");
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
    assert_eq!(gina_now.tenant_roles, [UserRole::Admin]);
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

/// Delegated administration: a host whose catalogue lets its admins grant every role but
/// `engineer` (and so not `admin`, which implies it) gets a 403 for any change that would add or
/// take away such a grant, and nothing is written; other changes pass.
#[tokio::test]
async fn role_changes_are_checked_against_the_catalogues_delegation() {
    let roles = RoleCatalogue::ordered([
        ("operator", "Operator"),
        ("supervisor", "Supervisor"),
        ("engineer", "Engineer"),
        ("admin", "Administrator"),
    ])
    .amend("admin", |role| role.grants_all_except(["engineer"]))
    .administrator("admin")
    .exclusive_per_scope()
    .build()
    .unwrap();
    let server = Server::start_with(roles).await;
    let admin = server.admin().await;
    let roles = format!("{}/roles", user_path(&server.otto));

    // Allowed: operator at NORTH (unchanged) and supervisor at SOUTH (added).
    let allowed = json!({ "plant_roles": [
        { "plant": "NORTH", "role": "operator" },
        { "plant": "SOUTH", "role": "supervisor" }
    ] });
    let (status, body) = admin.put(&roles, &allowed).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    for refused in [
        json!({ "plant_roles": [{ "plant": "NORTH", "role": "engineer" }] }),
        json!({ "roles": ["admin"], "plant_roles": [] }),
        json!({ "roles": ["engineer"], "plant_roles": [
            { "plant": "NORTH", "role": "operator" },
            { "plant": "SOUTH", "role": "supervisor" }
        ] }),
    ] {
        let (status, body) = admin.put(&roles, &refused).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{refused}: {body}");
        assert_eq!(error_code(&body), "forbidden");
    }
    let (_, otto) = admin.get(&user_path(&server.otto)).await;
    assert_eq!(otto["roles"], json!([]), "nothing written");
    assert_eq!(otto["plant_roles"].as_array().map(Vec::len), Some(2));

    // Creating a user with a role the admin may not grant is refused too, and creates no one.
    let (status, _) = admin
        .post(
            "/api/users",
            &json!({ "display_name": "Ed", "email": "ed@example.com", "username": "eddie",
                     "plant_roles": [{ "plant": "NORTH", "role": "engineer" }] }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let found = server
        .users
        .get_user_by_username(server.acme.id, "eddie")
        .await
        .unwrap();
    assert!(found.is_none());

    // Taking away a grant the admin may not change is refused as well: give otto engineer
    // directly through the library, then try to remove it over HTTP.
    server
        .users
        .assign_plant_role(
            server.acme.id,
            server.otto.id,
            server.south.id,
            UserRole::Engineer,
            None,
        )
        .await
        .unwrap();
    let (status, _) = admin.put(&roles, &allowed).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
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
                "roles": ["supervisor"],
                "plant_roles": [
                    { "plant": "south", "role": "engineer" },
                    { "plant": "NORTH", "role": "admin" }
                ]
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["roles"], json!(["supervisor"]));
    assert_eq!(
        body["plant_roles"],
        json!([
            { "plant": "NORTH", "plant_name": "North Works", "role": "admin" },
            { "plant": "SOUTH", "plant_name": "South Works", "role": "engineer" }
        ])
    );

    // No roles: none tenant-wide. The plant roles are exactly the new list.
    let (status, body) = admin
        .put(
            &roles,
            &json!({ "plant_roles": [{ "plant": "SOUTH", "role": "operator" }] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["roles"], json!([]));
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
                "roles": ["admin"],
                "plant_roles": [
                    { "plant": "EAST", "role": "operator" },
                    { "plant": "north", "role": "operator" },
                    { "plant": "NORTH", "role": "engineer" },
                    { "plant": "SOUTH" }
                ]
            }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert!(has_field_error(
        &refused,
        "plant_roles[0].plant",
        "not_found"
    ));
    assert!(has_field_error(
        &refused,
        "plant_roles[2].plant",
        "duplicate"
    ));
    assert!(has_field_error(&refused, "plant_roles[3].role", "required"));
    let (status, refused) = admin
        .put(
            &roles,
            &json!({ "plant_roles": [{ "plant": "SOUTH", "role": "boss" }] }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        has_field_error(&refused, "plant_roles[0].role", "not_found"),
        "{refused}"
    );
    let (_, fetched) = admin.get(&user_path(&server.otto)).await;
    assert_eq!(fetched, body);

    // Empty: no roles at all.
    let (status, body) = admin.put(&roles, &json!({ "roles": [] })).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["plant_roles"], json!([]));
    assert_eq!(body["roles"], json!([]));

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
                "plant_roles": [{ "plant": "EAST", "role": "operator" }]
            }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(error_code(&body), "invalid_input");
    assert!(
        has_field_error(&body, "plant_roles[0].plant", "not_found"),
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

// ---- session fixation (issue 12, finding 2) ---------------------------------------------------

/// The session id a response's `Set-Cookie` gives, if it sets the session cookie.
fn session_id(response: &Response) -> Option<String> {
    response
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|cookie| cookie.strip_prefix("tenantry_admin="))
        .and_then(|rest| rest.split(';').next())
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
}

impl Server {
    /// A client that sends exactly this session cookie on every request and keeps no other:
    /// an attacker replaying a cookie it saved.
    fn with_cookie(&self, id: &str) -> Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::COOKIE,
            format!("tenantry_admin={id}").parse().unwrap(),
        );
        Client {
            http: reqwest::Client::builder()
                .default_headers(headers)
                .build()
                .unwrap(),
            base: self.base.clone(),
        }
    }

    /// `gus`, a user of tenant `globex` without any role.
    async fn gus(&self) -> UserView {
        let globex = self
            .users
            .get_tenant_by_slug("globex")
            .await
            .unwrap()
            .unwrap();
        user(&self.users, &globex, "gus", GUS_PASSWORD, None, vec![]).await
    }
}

impl Client {
    /// Logs in and returns the response with the session id it set.
    async fn login_response(
        &self,
        tenant: &str,
        login: &str,
        password: &str,
    ) -> (Response, String) {
        let response = self
            .send(
                reqwest::Method::POST,
                "/api/auth/login",
                Some(&json!({ "tenant": tenant, "login": login, "password": password })),
            )
            .await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text);
        let id = session_id(&response).expect("a login sets the session cookie");
        (response, id)
    }
}

/// Everything a saved cookie could still do is refused as unauthenticated.
async fn assert_cookie_is_dead(server: &Server, id: &str) {
    let attacker = server.with_cookie(id);
    for path in [
        "/api/me".to_owned(),
        "/api/users".to_owned(),
        user_path(&server.otto),
    ] {
        let (status, body) = attacker.get(&path).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}: {body}");
        assert_eq!(error_code(&body), "unauthenticated");
    }
    let (status, _) = attacker
        .post_empty(&format!("{}/deactivate", user_path(&server.otto)))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = attacker
        .post(
            "/api/users",
            &json!({ "display_name": "Mallory", "email": "mallory@acme.example" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_planted_cookie_never_becomes_the_session_of_whoever_logs_in_next() {
    let server = Server::start().await;
    server.gus().await;
    // The attacker, a role-less user of globex, signs in on the victim's browser and keeps
    // the cookie.
    let browser = server.client();
    let (_, planted) = browser.login_response("globex", "gus", GUS_PASSWORD).await;
    let (status, me) = server.with_cookie(&planted).get("/api/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["user"]["username"], "gus");

    // acme's tenant admin signs in on that browser, which still sends the planted cookie.
    let (_, fresh) = browser.login_response("acme", "ada", ADA_PASSWORD).await;
    assert_ne!(fresh, planted, "the session id must change at login");
    let (status, me) = browser.get("/api/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["user"]["id"], server.ada.pid.to_string());
    assert_eq!(browser.get("/api/users").await.0, StatusCode::OK);

    // The planted id names no session: not the admin's, not even gus's any more.
    assert_cookie_is_dead(&server, &planted).await;
    let otto = server
        .users
        .get_user(server.acme.id, server.otto.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(otto.status, tenantry_service::UserStatus::Active);
    assert_eq!(
        server
            .users
            .count_users(server.acme.id, &Default::default())
            .await
            .unwrap(),
        2
    );
    // The victim's session is unharmed by the attacker's attempts.
    let (status, me) = server.with_cookie(&fresh).get("/api/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["user"]["username"], "ada");
}

#[tokio::test]
async fn every_login_issues_a_new_session_id() {
    let server = Server::start().await;
    let browser = server.client();
    let mut ids = Vec::new();
    for _ in 0..3 {
        let (_, id) = browser.login_response("acme", "ada", ADA_PASSWORD).await;
        ids.push(id);
    }
    for (i, id) in ids.iter().enumerate() {
        assert!(!ids[..i].contains(id), "login {i} reused an id: {ids:?}");
    }
    // Only the last one holds.
    for old in &ids[..2] {
        assert_cookie_is_dead(&server, old).await;
    }
    let (status, me) = server.with_cookie(&ids[2]).get("/api/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["user"]["username"], "ada");

    // A failed login over a signed-in cookie leaves that session as it was.
    let (status, _) = browser.login("acme", "ada", WRONG_PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(browser.get("/api/me").await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_planted_cookie_hammered_during_the_victims_login_never_acts_as_the_victim() {
    let server = Server::start().await;
    server.gus().await;
    let browser = server.client();
    let (_, planted) = browser.login_response("globex", "gus", GUS_PASSWORD).await;
    let attacker = Arc::new(server.with_cookie(&planted));
    let ada = server.ada.pid.to_string();

    // 200 tasks replay the planted cookie while the victim signs in on the browser.
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..200 {
        let attacker = Arc::clone(&attacker);
        let otto = user_path(&server.otto);
        tasks.spawn(async move {
            let mut seen = Vec::new();
            for _ in 0..3 {
                let (status, me) = attacker.get("/api/me").await;
                seen.push((status, me["user"]["id"].as_str().map(str::to_owned)));
                let path = if i % 2 == 0 {
                    "/api/users".to_owned()
                } else {
                    otto.clone()
                };
                seen.push((attacker.get(&path).await.0, None));
            }
            seen
        });
    }
    tokio::task::yield_now().await;
    let (_, fresh) = browser.login_response("acme", "ada", ADA_PASSWORD).await;

    let mut answers = 0;
    while let Some(seen) = tasks.join_next().await {
        for (status, id) in seen.unwrap() {
            answers += 1;
            // gus is not a tenant admin: before the login its cookie is 403 on user routes,
            // after it 401; never 200, and `me` is never the admin.
            assert!(
                [
                    StatusCode::OK,
                    StatusCode::FORBIDDEN,
                    StatusCode::UNAUTHORIZED
                ]
                .contains(&status),
                "{status}"
            );
            assert_ne!(
                id.as_deref(),
                Some(ada.as_str()),
                "the planted cookie acted as the admin"
            );
            if id.is_none() {
                assert_ne!(
                    status,
                    StatusCode::OK,
                    "a user route answered the planted cookie"
                );
            }
        }
    }
    assert_eq!(answers, 200 * 6);
    assert_ne!(fresh, planted);
    assert_cookie_is_dead(&server, &planted).await;
    assert_eq!(browser.get("/api/me").await.1["user"]["id"], ada);
}

// ---- absurd paging (issue 12, finding 3) ------------------------------------------------------

#[tokio::test]
async fn absurd_offsets_and_limits_are_400_and_the_service_keeps_answering() {
    let server = Server::start().await;
    let admin = server.admin().await;
    let cases = [
        ("offset=18446744073709551615", "offset", "out_of_range"),
        ("offset=9223372036854775808", "offset", "out_of_range"),
        ("offset=-1", "offset", "invalid_format"),
        ("offset=1e99", "offset", "invalid_format"),
        ("offset=184467440737095516150", "offset", "invalid_format"),
        ("offset=%00", "offset", "invalid_format"),
        ("offset=%EF%BC%91", "offset", "invalid_format"),
        ("limit=99999999999999999999", "limit", "invalid_format"),
        ("limit=-1", "limit", "invalid_format"),
        ("offset=1&limit=1e99", "limit", "invalid_format"),
    ];
    for (query, field, rule) in cases {
        let (status, body) = admin.get(&format!("/api/users?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(error_code(&body), "invalid_input", "{query}");
        assert!(has_field_error(&body, field, rule), "{query}: {body}");
        // Each of the other listing filters at once does not hide the paging error.
        let (status, body) = admin
            .get(&format!(
                "/api/users?{query}&status=active&q=a&role=operator"
            ))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        // The server still answers, on this session too.
        assert_eq!(server.client().get("/").await.0, StatusCode::OK);
        assert_eq!(
            admin.get("/api/users").await.0,
            StatusCode::OK,
            "after {query}"
        );
    }
    // The edges that are served: the largest offset is an empty page, any whole limit is
    // capped.
    let (status, body) = admin.get("/api/users?offset=9223372036854775807").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["users"], json!([]));
    assert_eq!(body["total"], 2);
    let (status, body) = admin
        .get("/api/users?offset=9223372036854775807&limit=18446744073709551615")
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = admin.get("/api/users?limit=18446744073709551615").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(usernames(&body), ["ada", "otto"]);
}

#[tokio::test]
async fn concurrent_absurd_pages_never_take_the_service_down() {
    let server = Server::start().await;
    let admin = Arc::new(server.admin().await);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..200_u64 {
        let admin = Arc::clone(&admin);
        tasks.spawn(async move {
            let offset = u64::MAX - i;
            admin.get(&format!("/api/users?offset={offset}")).await
        });
    }
    while let Some(result) = tasks.join_next().await {
        let (status, body) = result.unwrap();
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(has_field_error(&body, "offset", "out_of_range"), "{body}");
    }
    assert_eq!(admin.get("/api/users").await.1["total"], 2);
}

// ---- body shape (issue 12, finding 11) --------------------------------------------------------

impl Client {
    /// Posts `body` as it is, declared as JSON.
    async fn post_raw(&self, path: &str, body: impl Into<reqwest::Body>) -> (StatusCode, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        assert_eq!(response.headers().get("cache-control").unwrap(), "no-store");
        let text = response.text().await.unwrap();
        assert_no_secret(&text);
        (
            status,
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")),
        )
    }
}

/// The `expected` of the field error on `field`.
fn expected(body: &Value, field: &str) -> String {
    body["fields"]
        .as_array()
        .and_then(|fields| fields.iter().find(|f| f["field"] == field))
        .and_then(|f| f["expected"].as_str())
        .unwrap_or_else(|| panic!("no expected on {field}: {body}"))
        .to_owned()
}

#[tokio::test]
async fn an_array_is_not_an_object_body() {
    let server = Server::start().await;
    let client = server.client();
    // The login's fields, by position: serde's derive would read them as the object.
    for body in [
        json!(["acme", "ada", ADA_PASSWORD]),
        json!([["acme", "ada", ADA_PASSWORD]]),
        json!("acme"),
        json!(7),
        json!(null),
        json!([]),
    ] {
        let (status, answer) = client.post("/api/auth/login", &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_eq!(error_code(&answer), "invalid_input");
        assert_eq!(expected(&answer, "body"), "a JSON object", "{answer}");
        assert_eq!(client.get("/api/me").await.0, StatusCode::UNAUTHORIZED);
    }

    let admin = server.admin().await;
    let (status, body) = admin
        .post("/api/users", &json!(["eve", "Eve", "eve@acme.example"]))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    // Objects inside a body too: a role given as an array.
    let (status, body) = admin
        .post(
            "/api/users",
            &json!({ "display_name": "Eve", "email": "eve@acme.example", "plant_roles": [["NORTH", "operator"]] }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(expected(&body, "plant_roles[0]"), "a JSON object", "{body}");
    let (status, body) = admin
        .put(
            &format!("{}/roles", user_path(&server.otto)),
            &json!({ "plant_roles": [["SOUTH", "admin"]] }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        has_field_error(&body, "plant_roles[0]", "invalid_format"),
        "{body}"
    );
    // Nothing was created or changed.
    let (_, list) = admin.get("/api/users").await;
    assert_eq!(list["total"], 2);
    assert_eq!(
        server
            .users
            .get_user(server.acme.id, server.otto.id)
            .await
            .unwrap()
            .unwrap()
            .plant_roles
            .len(),
        1
    );
}

#[tokio::test]
async fn a_wrong_type_names_the_field_and_what_it_takes() {
    let server = Server::start().await;
    let admin = server.admin().await;
    let roles = format!("{}/roles", user_path(&server.otto));
    let cases = [
        (json!({ "roles": 5 }), "roles", "a sequence"),
        (json!({ "roles": [5] }), "roles[0]", "a string"),
        (json!({ "roles": [true] }), "roles[0]", "a string"),
        (json!({ "roles": [[]] }), "roles[0]", "a string"),
        (
            json!({ "plant_roles": [{ "plant": "NORTH", "role": 5 }] }),
            "plant_roles[0].role",
            "a string",
        ),
        (
            json!({ "plant_roles": "NORTH" }),
            "plant_roles",
            "a sequence",
        ),
        (
            json!({ "plant_roles": [{ "plant": 5, "role": "admin" }] }),
            "plant_roles[0].plant",
            "a string",
        ),
    ];
    for (body, field, what) in cases {
        let (status, answer) = admin.put(&roles, &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_eq!(error_code(&answer), "invalid_input");
        assert!(
            has_field_error(&answer, field, "invalid_format"),
            "{body}: {answer}"
        );
        assert_eq!(expected(&answer, field), what, "{body}");
        let message = answer["message"].as_str().unwrap();
        assert!(
            message.contains(field) && message.contains(what),
            "{message}"
        );
        assert!(!message.contains("not valid JSON"), "{message}");
        assert!(!answer.to_string().contains("EVIL"), "{answer}");
        assert!(!answer.to_string().contains("boss"), "{answer}");
    }
    let (_, answer) = admin
        .post(
            "/api/users",
            &json!({ "username": 7, "display_name": "Eve", "email": "eve@acme.example" }),
        )
        .await;
    assert_eq!(expected(&answer, "username"), "a string", "{answer}");
    // An unknown field says which ones there are; a field given twice is named.
    let (_, answer) = admin.put(&roles, &json!({ "role": "admin" })).await;
    assert!(
        has_field_error(&answer, "role", "unknown_field"),
        "{answer}"
    );
    assert_eq!(
        expected(&answer, "role"),
        "`roles` or `plant_roles`",
        "{answer}"
    );
    // A role that is not a key, or that the catalogue does not know: named, never echoed.
    for (role, rule) in [
        ("x`, expected EVIL", "invalid_format"),
        ("boss", "not_found"),
    ] {
        let (status, answer) = admin.put(&roles, &json!({ "roles": [role] })).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert!(has_field_error(&answer, "roles[0]", rule), "{answer}");
        assert!(!answer.to_string().contains("EVIL"), "{answer}");
        assert!(!answer.to_string().contains("boss"), "{answer}");
    }
    let (status, answer) = server
        .client()
        .post_raw(
            "/api/auth/login",
            r#"{"tenant":"acme","login":"ada","login":"otto","password":"x"}"#,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(has_field_error(&answer, "login", "duplicate"), "{answer}");
    // What is not JSON still says so.
    for raw in ["{\"roles\": 5", "{\"roles\": 5}}", "[1,", "{'a':1}"] {
        let (status, answer) = admin.post_raw("/api/users", raw).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{raw}");
        assert_eq!(answer["message"], "the body is not valid JSON", "{raw}");
    }
    // Nothing changed.
    let otto = server
        .users
        .get_user(server.acme.id, server.otto.id)
        .await
        .unwrap()
        .unwrap();
    assert!(otto.tenant_roles.is_empty());
}

/// Posts `body` to the login with `Transfer-Encoding: chunked` (no length announced, so only
/// reading tells how big it is) over a plain socket; returns what the server answered. The
/// server may stop reading and answer before the whole body is sent: write errors then end
/// the sending, not the test.
fn chunked_post(address: &str, body: &str) -> String {
    use std::io::{Read, Write};
    let mut socket = std::net::TcpStream::connect(address).unwrap();
    socket
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let head = format!(
        "POST /api/auth/login HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    let mut sent = socket.write_all(head.as_bytes());
    for chunk in body.as_bytes().chunks(64 * 1024) {
        if sent.is_err() {
            break;
        }
        sent = socket
            .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .and_then(|()| socket.write_all(chunk))
            .and_then(|()| socket.write_all(b"\r\n"));
    }
    if sent.is_ok() {
        let _ = socket.write_all(b"0\r\n\r\n");
    }
    let mut answer = Vec::new();
    let _ = socket.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_and_the_service_keeps_answering() {
    let server = Server::start().await;
    let admin = server.admin().await;
    let ten_mb = format!(
        r#"{{"display_name":"{}","email":"big@acme.example"}}"#,
        "a".repeat(10 * 1024 * 1024)
    );
    // With a Content-Length, and streamed without one.
    let (status, body) = admin.post_raw("/api/users", ten_mb.clone()).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(error_code(&body), "payload_too_large");
    let address = server.base.trim_start_matches("http://").to_owned();
    let body = ten_mb.clone();
    let answer = tokio::task::spawn_blocking(move || chunked_post(&address, &body))
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 413 "), "{answer}");
    assert!(
        answer.contains(r#""error":"payload_too_large""#),
        "{answer}"
    );
    // Anyone, signed in or not, on the login too.
    let (status, body) = server.client().post_raw("/api/auth/login", ten_mb).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    // Just under the limit it is read, and judged by the rules.
    let under = format!(
        r#"{{"display_name":"{}","email":"big@acme.example"}}"#,
        "a".repeat(admin::BODY_LIMIT - 100)
    );
    let (status, body) = admin.post_raw("/api/users", under).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(has_field_error(&body, "display_name", "too_long"), "{body}");
    assert_eq!(admin.get("/api/users").await.1["total"], 2);
}

#[tokio::test]
async fn a_nul_in_a_string_field_is_400() {
    let server = Server::start().await;
    let admin = server.admin().await;
    let cases = [
        (
            json!({ "display_name": "Eve\u{0}", "email": "eve@acme.example" }),
            "display_name",
        ),
        (
            json!({ "username": "ev\u{0}e", "display_name": "Eve", "email": "eve@acme.example" }),
            "username",
        ),
        (
            json!({ "display_name": "Eve", "email": "eve\u{0}@acme.example" }),
            "email",
        ),
    ];
    for (body, field) in cases {
        let (status, answer) = admin.post("/api/users", &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_eq!(error_code(&answer), "invalid_input");
        assert!(
            answer["fields"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["field"] == field),
            "{answer}"
        );
    }
    // A NUL in a field's name is an unknown field; a raw NUL byte in a string is not JSON.
    let (status, answer) = admin
        .post(
            "/api/users",
            &json!({ "display_name": "Eve", "email": "eve@acme.example", "x\u{0}": 1 }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        has_field_error(&answer, "x\u{0}", "unknown_field"),
        "{answer}"
    );
    let (status, answer) = admin
        .post_raw(
            "/api/users",
            b"{\"display_name\":\"Eve\0\",\"email\":\"eve@acme.example\"}".to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer["message"], "the body is not valid JSON");
    assert_eq!(admin.get("/api/users").await.1["total"], 2);
}

/// A NUL or a megabyte in a login, tenant, search or plant filter is the client's mistake:
/// the uniform 401 for a login, 400 for a listing — never a 500 (a NUL was a PostgreSQL error).
#[tokio::test]
async fn hostile_text_in_logins_and_filters_is_never_a_500() {
    let server = Server::start().await;
    let admin = server.admin().await;
    let long = "x".repeat(60_000);
    for (tenant, login) in [
        ("ac\u{0}me", "admin"),
        ("acme", "ad\u{0}min"),
        ("\u{0}", "\u{0}"),
        (long.as_str(), "admin"),
        ("acme", long.as_str()),
    ] {
        let (status, answer) = server
            .client()
            .login(tenant, login, "not the password at all")
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
        assert_eq!(error_code(&answer), "invalid_credentials");
    }
    for query in [
        "q=%00".to_string(),
        "q=a%00b".into(),
        format!("q={long}"),
        "plant=P%001".into(),
    ] {
        let (status, answer) = admin.get(&format!("/api/users?{query}")).await;
        assert!(
            status == StatusCode::BAD_REQUEST,
            "{} chars: {status} {answer}",
            query.len()
        );
        assert_eq!(error_code(&answer), "invalid_input", "{answer}");
    }
    assert_eq!(admin.get("/api/users?q=adm").await.0, StatusCode::OK);
}

impl Server {
    /// Another instance of the service on the same database: its own pool, repository and
    /// session store, as a second process (or this one after a restart) would have.
    async fn another_instance(&self) -> String {
        let conn = tenantry_service::connect(self.db.url()).await.unwrap();
        let repository = SeaOrmUserRepository::open(conn, Config::insecure_fast_for_tests())
            .await
            .unwrap();
        let sessions = SeaOrmSessionStore::new(repository.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = admin::router(Arc::new(repository), sessions, AdminConfig::new(PUBLIC_URL));
        tokio::spawn(admin::serve(listener, app, std::future::pending()));
        base
    }

    async fn delete(&self, client: &Client, path: &str) -> (StatusCode, Value) {
        let _ = self;
        client.call(reqwest::Method::DELETE, path, None).await
    }
}

#[tokio::test]
async fn a_session_survives_a_restart_and_is_shared_between_instances() {
    let server = Server::start().await;
    let browser = server.client();
    let (_, cookie) = browser.login_response("acme", "ada", ADA_PASSWORD).await;
    // A second instance on the same database knows the session at once.
    let second = server.another_instance().await;
    let elsewhere = Client {
        base: second,
        ..server.with_cookie(&cookie)
    };
    let (status, me) = elsewhere.get("/api/me").await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["user"]["username"], "ada");
    // A logout on one instance ends it on the other.
    let (_, cookie) = browser.login_response("acme", "ada", ADA_PASSWORD).await;
    let restarted = Client {
        base: server.another_instance().await,
        ..server.with_cookie(&cookie)
    };
    assert_eq!(restarted.get("/api/users").await.0, StatusCode::OK);
    assert_eq!(
        server
            .with_cookie(&cookie)
            .post_empty("/api/auth/logout")
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(restarted.get("/api/me").await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn my_sessions_are_listed_and_ended_one_by_one() {
    let server = Server::start().await;
    let laptop = server.admin().await;
    let phone = server.admin().await;
    let otto = server.signed_in("acme", "otto", OTTO_PASSWORD).await;

    let (status, body) = laptop.get("/api/me/sessions").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let sessions = body["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2, "{body}");
    for session in sessions {
        assert_eq!(session["ip"], "127.0.0.1");
        assert!(
            session["id"]
                .as_str()
                .unwrap()
                .parse::<uuid::Uuid>()
                .is_ok()
        );
        let keys: Vec<&String> = session.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "created_at",
                "expires_at",
                "id",
                "ip",
                "last_seen_at",
                "user_agent"
            ]
        );
    }
    // The newest first: the phone's.
    let phones = sessions[0]["id"].as_str().unwrap().to_owned();

    // Another user cannot end it, nor learn it exists.
    let (status, _) = server
        .delete(&otto, &format!("/api/me/sessions/{phones}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(phone.get("/api/me").await.0, StatusCode::OK);
    for bad in ["not-a-uuid", "00000000-0000-0000-0000-000000000000", "%00"] {
        let (status, _) = server
            .delete(&laptop, &format!("/api/me/sessions/{bad}"))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{bad}");
    }

    let (status, _) = server
        .delete(&laptop, &format!("/api/me/sessions/{phones}"))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(phone.get("/api/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(laptop.get("/api/me").await.0, StatusCode::OK);
    let (_, body) = laptop.get("/api/me/sessions").await;
    assert_eq!(body["sessions"].as_array().unwrap().len(), 1);
    // Twice is 404: it is no longer a live session.
    let (status, _) = server
        .delete(&laptop, &format!("/api/me/sessions/{phones}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(otto.get("/api/me").await.0, StatusCode::OK);
}

#[tokio::test]
async fn an_admin_ends_every_session_of_a_user_of_its_own_tenant_only() {
    let server = Server::start().await;
    let admin = server.admin().await;
    let otto_one = server.signed_in("acme", "otto", OTTO_PASSWORD).await;
    let otto_two = server.signed_in("acme", "otto", OTTO_PASSWORD).await;
    let gina = server.signed_in("globex", "gina", GINA_PASSWORD).await;
    let otto = user_path(&server.otto);

    // Not an admin, or another tenant's admin: refused, nothing ended.
    assert_eq!(
        server
            .delete(&otto_one, &format!("{otto}/sessions"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        server.delete(&gina, &format!("{otto}/sessions")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(otto_two.get("/api/me").await.0, StatusCode::OK);

    let (status, body) = server.delete(&admin, &format!("{otto}/sessions")).await;
    assert_eq!((status, &body), (StatusCode::OK, &json!({ "revoked": 2 })));
    assert_eq!(otto_one.get("/api/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(otto_two.get("/api/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(admin.get("/api/me").await.0, StatusCode::OK);
    assert_eq!(gina.get("/api/me").await.0, StatusCode::OK);
    // The sessions are gone, not the account.
    server.signed_in("acme", "otto", OTTO_PASSWORD).await;
}
