//! A SCIM 2.0 server over tenantry, for the conformance check (`.ci/scim-conformance`) and
//! for trying a client against: `DATABASE_URL` (default `sqlite://tenantry.db?mode=rwc`),
//! `BIND_ADDR` (default `127.0.0.1:3001`); it migrates, then serves
//! `http://BIND_ADDR/scim/v2/{tenant-slug}/…`. Make the tenant and its token with the CLI:
//! `tenantry tenant create acme --name Acme` and `tenantry scim token create --tenant acme`.

use std::sync::Arc;
use tenantry_service::{Config, SeaOrmUserRepository, UserRepository};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "sqlite://tenantry.db?mode=rwc".to_owned());
    let addr = std::env::var("BIND_ADDR").unwrap_or_else(|_| "127.0.0.1:3001".to_owned());
    let db = tenantry_service::connect(&url).await?;
    tenantry_service::migrate(&db).await?;
    let users: Arc<dyn UserRepository> =
        Arc::new(SeaOrmUserRepository::open(db, Config::default()).await?);
    let app = axum::Router::new().nest("/scim/v2", tenantry_axum::scim::router(users));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("SCIM at http://{addr}/scim/v2/{{tenant}}");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
