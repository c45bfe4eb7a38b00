//! [`Env`], the fixture of the credential tests (login, lockout, tokens, invitations, identities,
//! lifecycle, import, dump): a repository on a fresh database with a [`ManualClock`], and the
//! concrete [`SeaOrmUserRepository`] handle so tests can read the hasher's run counter.

use std::sync::{Arc, Mutex};
use tenantry_service::prelude::*;

use async_trait::async_trait;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use tenantry_service::clock::{Clock, ManualClock};
use tenantry_service::entity::{SecretHash, users};
use tenantry_service::{
    AuthenticatedUser, Config, Error, LoginContext, LoginEventView, LoginSource, NewTenant,
    NewUser, PageRequest, Password, Result, SeaOrmUserRepository, TenantId, TenantView,
    TokenDelivery, TokenSender, UserId, UserRepository, UserView,
};
use tenantry_testkit::TestDb;

use super::{STRONG, assert_invalid_credentials, create_other_tenant, new_tenant, pw, user_input};

/// The address every test login comes from.
pub const IP: &str = "203.0.113.7";

/// A fresh database, a repository on it reading time from `clock`, and tenant `acme`.
pub struct Env {
    pub db: TestDb,
    pub repo: SeaOrmUserRepository,
    pub clock: ManualClock,
    pub tenant: TenantView,
}

/// [`env_with`] the test configuration.
pub async fn env() -> Env {
    env_with(Config::insecure_fast_for_tests()).await
}

/// A fresh database and a repository with `config` and a [`ManualClock`] started now.
pub async fn env_with(config: Config) -> Env {
    let db = TestDb::migrated().await;
    let clock = ManualClock::starting_now();
    let repo = SeaOrmUserRepository::new(db.conn().clone(), config)
        .expect("building the repository")
        .with_clock(Arc::new(clock.clone()));
    let tenant = repo
        .create_tenant(new_tenant("acme", "Acme"), None)
        .await
        .expect("creating tenant acme");
    Env {
        db,
        repo,
        clock,
        tenant,
    }
}

impl Env {
    /// The same database, tenant and clock under another configuration (as after a restart
    /// with changed settings).
    pub fn with_config(self, config: Config) -> Env {
        let repo = SeaOrmUserRepository::new(self.db.conn().clone(), config)
            .expect("building the repository")
            .with_clock(Arc::new(self.clock.clone()));
        Env { repo, ..self }
    }
}

/// A login from the web at [`IP`].
pub fn web() -> LoginContext {
    LoginContext {
        source: LoginSource::web(),
        ip: Some(IP.to_owned()),
    }
}

impl Env {
    pub fn tid(&self) -> TenantId {
        self.tenant.id
    }

    pub fn conn(&self) -> &DatabaseConnection {
        self.db.conn()
    }

    /// Creates a second tenant `slug` (see [`create_other_tenant`]).
    pub async fn other_tenant(&self, slug: &str) -> TenantView {
        create_other_tenant(&self.repo, slug).await
    }

    /// The repository as a host holds it.
    pub fn dyn_repo(&self) -> Arc<dyn UserRepository> {
        Arc::new(self.repo.clone())
    }

    /// The hasher's run counter.
    pub fn runs(&self) -> u64 {
        self.repo.hasher().hasher_runs()
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// Moves the clock by `seconds`.
    pub fn advance(&self, seconds: i64) {
        self.clock.advance(chrono::Duration::seconds(seconds));
    }

    /// Creates `input` in `acme`, panicking on error.
    pub async fn create(&self, input: NewUser) -> UserView {
        let username = input.username.clone();
        self.repo
            .create_user(self.tid(), input, None)
            .await
            .unwrap_or_else(|e| panic!("creating user {username:?}: {e:?}"))
    }

    /// An active user with password [`STRONG`] and email `<username>@example.com`.
    pub async fn user(&self, username: &str) -> UserView {
        self.create(user_input(username, Some(STRONG))).await
    }

    /// An active user without a password.
    pub async fn passwordless(&self, username: &str) -> UserView {
        self.create(user_input(username, None)).await
    }

    /// Logs in to `acme` from the web.
    pub async fn login(&self, login: &str, password: &str) -> Result<AuthenticatedUser> {
        self.repo
            .authenticate(self.tid(), login, &pw(password), web())
            .await
    }

    /// Logs in, asserting it works.
    pub async fn login_ok(&self, login: &str, password: &str) -> AuthenticatedUser {
        self.login(login, password)
            .await
            .unwrap_or_else(|e| panic!("login {login:?} should succeed, got {e:?}"))
    }

    /// Logs in, asserting it fails with `InvalidCredentials` after exactly one hasher run.
    pub async fn login_refused(&self, login: &str, password: &str) {
        let before = self.runs();
        let result = self.login(login, password).await;
        assert_invalid_credentials(result, login);
        assert_eq!(
            self.runs() - before,
            1,
            "login {login:?}: the hasher must run exactly once"
        );
    }

    /// The user's row, read through the entity (deleted rows included).
    pub async fn row(&self, id: UserId) -> users::Model {
        users::Entity::find_by_id(id)
            .one(self.conn())
            .await
            .expect("reading a user row")
            .expect("the user row exists")
    }

    /// The stored PHC string of the user.
    pub async fn stored_hash(&self, id: UserId) -> Option<String> {
        self.row(id)
            .await
            .password_hash
            .map(|h| h.expose().to_owned())
    }

    /// Writes `phc` straight into the user's `password_hash`, bypassing the service.
    pub async fn write_hash(&self, id: UserId, phc: &str) {
        users::Entity::update_many()
            .col_expr(
                users::Column::PasswordHash,
                Expr::value(Some(SecretHash::new(phc))),
            )
            .filter(users::Column::Id.eq(id))
            .exec(self.conn())
            .await
            .expect("writing a password hash");
    }

    /// The tenant's login events (of one user, when given), newest first.
    pub async fn login_events(&self, user: Option<UserId>) -> Vec<LoginEventView> {
        self.repo
            .list_login_events(self.tid(), user, PageRequest::first(500))
            .await
            .expect("listing login events")
            .items
    }

    /// Audit actions of the tenant, oldest first.
    pub async fn audit_actions(&self) -> Vec<String> {
        let mut actions: Vec<String> = self
            .repo
            .list_audit_events(self.tid(), PageRequest::first(500))
            .await
            .expect("listing audit events")
            .items
            .into_iter()
            .map(|e| e.action)
            .collect();
        actions.reverse();
        actions
    }
}

/// A [`TokenSender`] that keeps every delivery, as a test mailer.
#[derive(Default)]
pub struct Outbox {
    pub sent: Mutex<Vec<TokenDelivery>>,
}

#[async_trait]
impl TokenSender for Outbox {
    async fn send(&self, delivery: TokenDelivery) {
        self.sent.lock().unwrap().push(delivery);
    }
}

impl Outbox {
    /// The deliveries so far, taken out of the outbox.
    pub fn take(&self) -> Vec<TokenDelivery> {
        std::mem::take(&mut *self.sent.lock().unwrap())
    }
}
