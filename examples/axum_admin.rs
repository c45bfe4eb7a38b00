//! The admin and sign-in API of a multi-tenant service, on axum with axum-login sessions: a
//! thin `main` over the `tenantry-axum` crate (see its docs for the routes, JSON and
//! decisions; `GET /api/openapi.json` is its OpenAPI 3.1 document).
//!
//! `cargo run --example axum_admin` serves it on `BIND_ADDR` (default `127.0.0.1:3000`) over
//! `DATABASE_URL` (default: `tenantry.db` in the current directory), migrating at start, with
//! its sessions in that database.
//! Invitation and reset links point at `PUBLIC_URL` (default `http://{BIND_ADDR}`); the
//! session cookie is `Secure` when it is `https://`. Bootstrap the first tenant admin with the
//! `tenantry` CLI (or the quickstart), then `POST /api/auth/login`. SCIM 2.0 provisioning is
//! served per tenant at `/scim/v2/{tenant-slug}/` with tokens from `tenantry scim token create`.

use std::error::Error;
use std::sync::Arc;
use tenantry_axum::AdminConfig;
use tenantry_service::session_store::SeaOrmSessionStore;
use tenantry_service::{Config, SeaOrmUserRepository, SealingKey, SealingKeys, Sessions};

/// The keys that seal TOTP secrets: `TENANTRY_SECOND_FACTOR_KEYS` (`id:base64` entries, the
/// current one first; `openssl rand -base64 32` makes a key). Without it, a key made now, for
/// trying the service out: authenticator apps enrolled with it stop working at the next start.
fn sealing_keys() -> Result<SealingKeys, Box<dyn Error>> {
    if let Ok(setting) = std::env::var("TENANTRY_SECOND_FACTOR_KEYS") {
        return Ok(SealingKeys::parse(&setting)
            .map_err(|e| format!("TENANTRY_SECOND_FACTOR_KEYS: {e}"))?);
    }
    tracing::warn!(
        "TENANTRY_SECOND_FACTOR_KEYS is not set: second factors enrolled now are sealed with a \
         key that lasts until this process ends"
    );
    let mut key = [0u8; 32];
    getrandom::getrandom(&mut key)?;
    Ok(SealingKeys::new(SealingKey::new("ephemeral", key)?))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "sqlite://tenantry.db?mode=rwc".to_owned());
    let bind = std::env::var("BIND_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let public_url = std::env::var("PUBLIC_URL").unwrap_or_else(|_| format!("http://{bind}"));

    let db = tenantry_service::connect(&url).await?;
    tenantry_service::migrate(&db).await?;
    let mut config = Config::default();
    config.second_factors.keys = sealing_keys()?;
    let repository = SeaOrmUserRepository::open(db, config).await?;
    // Sessions live in the database: they survive a restart and are shared by every instance.
    let sessions = SeaOrmSessionStore::new(repository.clone());
    let users = Arc::new(repository);
    // Ended sessions are pruned hourly (their usage minutes are kept per user).
    let pruning = Arc::clone(&users);
    tokio::spawn(async move {
        let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            hourly.tick().await;
            if let Err(error) = pruning.prune_sessions().await {
                tracing::warn!(%error, "pruning sessions failed");
            }
        }
    });

    // SCIM 2.0 per tenant at /scim/v2/{tenant-slug}/ (bearer tokens: `tenantry scim token`).
    let scim = tenantry_axum::scim::router(users.clone());
    let app =
        tenantry_axum::router(users, sessions, AdminConfig::new(public_url)).nest("/scim/v2", scim);
    let listener = tokio::net::TcpListener::bind(&bind).await?;
    tracing::info!(address = %listener.local_addr()?, "tenantry admin listening");
    tenantry_axum::serve(listener, app, async {
        // Without a signal handler the service simply runs until killed.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    })
    .await?;
    Ok(())
}
