#![allow(clippy::unwrap_used, clippy::expect_used)]
//! A database that is down: at start it is a clear, typed error (never a panic); once it is
//! back, a new connection and the same repository work again.
//!
//! PostgreSQL and MariaDB are reached through a TCP relay of the test's own on 127.0.0.1, which
//! the test takes down (every connection cut, nothing listening) and brings back on the same
//! port. SQLite's version of "down" is a database file in a directory that does not exist yet.

use std::net::SocketAddr;
use std::time::Duration;
use tenantry_service::prelude::*;
use tenantry_service::{Config, Error, NewTenant, PageRequest, SeaOrmUserRepository};
use tenantry_testkit::TestDb;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A relay from a local port to the database server, which can be cut and restored.
struct Relay {
    port: u16,
    target: SocketAddr,
    tasks: Vec<JoinHandle<()>>,
}

impl Relay {
    /// A relay that is down: it owns a port, but nothing listens there yet.
    async fn down(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        Self {
            port,
            target,
            tasks: Vec::new(),
        }
    }

    /// Starts listening and relaying.
    async fn up(&mut self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await.unwrap();
        let target = self.target;
        self.tasks.push(tokio::spawn(async move {
            // Dropping this task (on `cut`) drops every relayed connection with it.
            struct AbortAll(Vec<JoinHandle<()>>);
            impl Drop for AbortAll {
                fn drop(&mut self) {
                    for task in &self.0 {
                        task.abort();
                    }
                }
            }
            let mut guard = AbortAll(Vec::new());
            while let Ok((mut client, _)) = listener.accept().await {
                let Ok(mut server) = TcpStream::connect(target).await else {
                    continue;
                };
                guard.0.push(tokio::spawn(async move {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                }));
            }
        }));
    }

    /// Cuts every connection and stops listening.
    async fn cut(&mut self) {
        for task in self.tasks.drain(..) {
            task.abort();
            let _ = task.await;
        }
    }
}

/// `url` with its host and port replaced by 127.0.0.1:`port`.
fn through(url: &str, port: u16) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (authority, path) = rest.split_once('/').unwrap();
    let credentials = authority.rsplit_once('@').map(|(c, _)| format!("{c}@"));
    format!(
        "{scheme}://{}127.0.0.1:{port}/{path}",
        credentials.unwrap_or_default()
    )
}

/// The database server's address, from its URL.
fn server_of(url: &str) -> SocketAddr {
    let rest = url.split_once("://").unwrap().1;
    let authority = rest.split('/').next().unwrap();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host_port = if host_port.contains(':') {
        host_port.to_owned()
    } else if url.starts_with("mysql") {
        format!("{host_port}:3306")
    } else {
        format!("{host_port}:5432")
    };
    std::net::ToSocketAddrs::to_socket_addrs(&host_port)
        .unwrap()
        .next()
        .unwrap()
}

fn acme() -> NewTenant {
    NewTenant {
        slug: "acme".into(),
        name: "Acme".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_down_at_start_is_a_clear_error_and_works_once_back() {
    let test_db = TestDb::migrated().await;
    if test_db.url().starts_with("sqlite:") {
        // SQLite: the file's directory does not exist yet.
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("not-yet");
        let url = format!("sqlite://{}/t.db?mode=rwc", missing.display());
        let refused = tenantry_service::connect(&url).await;
        let error = Error::from(refused.expect_err("a missing directory cannot be opened"));
        assert_eq!(error.to_string(), "database error");
        std::fs::create_dir(&missing).unwrap();
        let db = tenantry_service::connect(&url).await.unwrap();
        tenantry_service::migrate(&db).await.unwrap();
        let repo = SeaOrmUserRepository::new(db, Config::insecure_fast_for_tests()).unwrap();
        repo.create_tenant(acme(), None).await.unwrap();
        return;
    }

    let mut relay = Relay::down(server_of(test_db.url())).await;
    let url = through(test_db.url(), relay.port);

    // Down at start: a typed error whose message holds no driver text, and no panic.
    let refused = tenantry_service::connect(&url).await;
    let error = Error::from(refused.expect_err("nothing listens yet"));
    assert!(matches!(error, Error::Database(_)));
    assert_eq!(error.to_string(), "database error");

    // Back: connecting works, and so does the repository.
    relay.up().await;
    let db = tenantry_service::connect(&url).await.unwrap();
    let repo = SeaOrmUserRepository::new(db, Config::insecure_fast_for_tests()).unwrap();
    let tenant = repo.create_tenant(acme(), None).await.unwrap();

    // Down again, with the pool already built: calls fail cleanly...
    relay.cut().await;
    let during = repo.list_tenants(PageRequest::default()).await;
    assert!(
        matches!(during, Err(Error::Database(_))),
        "during the outage: {during:?}"
    );

    // ...and the same repository recovers when the server is back.
    relay.up().await;
    let mut recovered = None;
    for _ in 0..20 {
        match repo.get_tenant(tenant.id).await {
            Ok(found) => {
                recovered = found;
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(250)).await,
        }
    }
    assert_eq!(recovered.map(|t| t.slug), Some("acme".to_owned()));
    relay.cut().await;
}
