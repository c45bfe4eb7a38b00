//! The `tenantry-migration` binary, run as an operator would run it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

use std::process::{Command, Output};
use tenantry_migration::{Migrator, MigratorTrait};
use tenantry_testkit::TestDb;

fn migration_count() -> usize {
    Migrator::migrations().len()
}

fn migration_binary(dir: &std::path::Path, database_url: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tenantry-migration"));
    command
        .current_dir(dir)
        .args(args)
        .env_remove("DATABASE_URL");
    if let Some(url) = database_url {
        command.env("DATABASE_URL", url);
    }
    command.output().expect("run tenantry-migration")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn without_database_url_it_creates_tenantry_db_in_the_current_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let up = migration_binary(dir.path(), None, &["up"]);
    assert!(up.status.success(), "up failed: {up:?}");
    assert!(dir.path().join("tenantry.db").exists());
    let printed = stdout(&up);
    for name in [
        "create_tenants",
        "create_plants",
        "create_users",
        "create_user_plant_roles",
    ] {
        assert!(
            printed.contains("applied  m") && printed.contains(name),
            "{printed}"
        );
    }

    let status = migration_binary(dir.path(), None, &["status"]);
    assert!(status.status.success());
    assert_eq!(
        stdout(&status)
            .lines()
            .filter(|l| l.starts_with("Applied"))
            .count(),
        migration_count()
    );

    let again = migration_binary(dir.path(), None, &["up"]);
    assert_eq!(stdout(&again).trim(), "nothing to do");

    let down = migration_binary(dir.path(), None, &["down"]);
    assert!(down.status.success());
    let last = Migrator::migrations().pop().expect("a migration");
    assert!(stdout(&down).contains(&format!("reverted {}", last.name())));
    let status = migration_binary(dir.path(), None, &["status"]);
    assert_eq!(
        stdout(&status)
            .lines()
            .filter(|l| l.starts_with("Pending"))
            .count(),
        1
    );

    for command in ["fresh", "refresh", "reset", "up"] {
        let output = migration_binary(dir.path(), None, &[command]);
        assert!(output.status.success(), "{command}: {output:?}");
    }
}

#[test]
fn a_bad_url_or_an_unreachable_server_is_one_line_and_a_failure() {
    let dir = tempfile::tempdir().expect("tempdir");
    let urls = [
        "nosuchdriver://x",
        "postgres://postgres@127.0.0.1:1/nothing",
        "mysql://root@127.0.0.1:1/nothing",
        "sqlite:///nonexistent-directory/x/y.db",
    ];
    // In parallel: an unreachable server takes the connect timeout to give up.
    let outputs = std::thread::scope(|scope| {
        let runs: Vec<_> = urls
            .iter()
            .map(|url| scope.spawn(|| migration_binary(dir.path(), Some(url), &["up"])))
            .collect();
        runs.into_iter()
            .map(|run| run.join().expect("join"))
            .collect::<Vec<_>>()
    });
    for (url, output) in urls.iter().zip(outputs) {
        assert_eq!(output.status.code(), Some(1), "{url}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.trim_end().lines().count(), 1, "{url}: {stderr}");
        assert!(stderr.starts_with("error: "), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[tokio::test]
async fn it_migrates_the_database_named_by_database_url() {
    // On PostgreSQL and MariaDB this is a fresh database of this test's own.
    let test_db = TestDb::empty().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let url = test_db.url().to_owned();
    let run = |args: &'static [&'static str]| {
        let (dir, url) = (dir.path().to_owned(), url.clone());
        tokio::task::spawn_blocking(move || migration_binary(&dir, Some(&url), args))
    };
    let up = run(&["up"]).await.expect("join");
    assert!(up.status.success(), "{up:?}");
    assert_eq!(
        stdout(&up)
            .lines()
            .filter(|l| l.starts_with("applied"))
            .count(),
        migration_count()
    );
    let fresh = run(&["fresh"]).await.expect("join");
    assert!(fresh.status.success(), "{fresh:?}");
    let reset = run(&["reset"]).await.expect("join");
    assert_eq!(
        stdout(&reset)
            .lines()
            .filter(|l| l.starts_with("reverted"))
            .count(),
        migration_count()
    );
    let status = run(&["status"]).await.expect("join");
    assert_eq!(
        stdout(&status)
            .lines()
            .filter(|l| l.starts_with("Pending"))
            .count(),
        migration_count()
    );
    assert!(!dir.path().join("tenantry.db").exists() || std::env::var("DATABASE_URL").is_err());
}
