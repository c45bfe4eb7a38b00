#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

//! The `tenantry` binary, run as an operator runs it, against a database of each test's own
//! (SQLite, or the PostgreSQL/MariaDB server named by `DATABASE_URL`).

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Output, Stdio};
use tenantry_service::entity::{audit_events, plants, tenants, user_plant_roles, users};
use tenantry_service::migration::sea_orm::{
    ConnectionTrait, EntityTrait, QueryOrder, Statement, TryGetable,
};
use tenantry_service::migration::{Migrator, MigratorTrait};
use tenantry_testkit::TestDb;

const PASSWORD: &str = "vivid ocelot tangles quietly";

/// The whole content of tenantry's tables at one moment (password hashes included, which
/// `Debug` redacts but `PartialEq` compares).
#[derive(Debug, PartialEq)]
struct Snapshot {
    tenants: Option<Vec<tenants::Model>>,
    plants: Option<Vec<plants::Model>>,
    users: Option<Vec<users::Model>>,
    user_plant_roles: Option<Vec<user_plant_roles::Model>>,
    audit_events: Option<Vec<audit_events::Model>>,
    migrations: Option<i64>,
}

/// One test's database, and the binary pointed at it.
struct Tenantry {
    db: TestDb,
    dir: tempfile::TempDir,
}

impl Tenantry {
    /// A fresh, empty database (not migrated).
    async fn empty() -> Self {
        Self {
            db: TestDb::empty().await,
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// A fresh database migrated by the binary itself.
    async fn migrated() -> Self {
        let t = Self::empty().await;
        t.ok(&["migrate", "up"]);
        t
    }

    /// A migrated database with tenant `acme`, plants `P1` and `P2`, and `alice`, a tenant
    /// admin with a password.
    async fn acme() -> Self {
        let t = Self::migrated().await;
        t.ok(&["tenant", "create", "acme", "--name", "Acme"]);
        t.ok(&[
            "plant", "create", "--tenant", "acme", "P1", "--name", "Plant 1",
        ]);
        t.ok(&[
            "plant", "create", "--tenant", "acme", "P2", "--name", "Plant 2",
        ]);
        t.ok_stdin(
            &[
                "user",
                "create",
                "--tenant",
                "acme",
                "alice",
                "--email",
                "alice@example.com",
                "--display-name",
                "Alice Admin",
                "--tenant-role",
                "admin",
                "--password-stdin",
            ],
            &format!("{PASSWORD}\n"),
        );
        t
    }

    /// The binary, with `--database-url` naming the test's database and cheap hashing.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = self.bare_command();
        command
            .arg("--database-url")
            .arg(self.db.url())
            .args(args)
            .env("TENANTRY_INSECURE_FAST_HASHING", "1");
        command
    }

    /// The binary in the test's directory, with no database named anywhere.
    fn bare_command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_tenantry"));
        command
            .current_dir(self.dir.path())
            .env_remove("DATABASE_URL")
            .env_remove("TENANTRY_INSECURE_FAST_HASHING");
        command
    }

    /// Runs the binary with `stdin` piped in (or stdin closed when `None`).
    fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        run(self.command(args), stdin)
    }

    /// Runs a command that must succeed quietly; its stdout.
    fn ok(&self, args: &[&str]) -> String {
        succeeded(args, &self.run(args, None))
    }

    /// Runs a command with `stdin` piped in that must succeed quietly; its stdout.
    fn ok_stdin(&self, args: &[&str], stdin: &str) -> String {
        succeeded(args, &self.run(args, Some(stdin)))
    }

    /// Runs a command with `--json` that must succeed; its output, parsed.
    fn json(&self, args: &[&str]) -> Value {
        let mut with_json = vec!["--json"];
        with_json.extend_from_slice(args);
        let stdout = self.ok(&with_json);
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {stdout}"))
    }

    /// The users of `tenant`, as `user list --json` prints them.
    fn users(&self, tenant: &str) -> Vec<Value> {
        as_array(self.json(&["user", "list", "--tenant", tenant]))
    }

    /// One user, as `user show --json` prints it.
    fn user(&self, tenant: &str, username: &str) -> Value {
        self.json(&["user", "show", "--tenant", tenant, username])
    }

    /// Runs a command that must fail: exit status 1, nothing on stdout, exactly one line
    /// `error: …` on stderr, and no row of any table added, removed or changed. The line.
    async fn fails(&self, args: &[&str], stdin: Option<&str>) -> String {
        let before = self.snapshot().await;
        let output = self.run(args, stdin);
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(output.status.code(), Some(1), "{args:?}: {output:?}");
        assert!(output.stdout.is_empty(), "{args:?} printed: {output:?}");
        assert!(
            stderr.starts_with("error: ") && stderr.ends_with('\n') && stderr.lines().count() == 1,
            "{args:?}: stderr is not one error line: {stderr:?}"
        );
        assert_eq!(self.snapshot().await, before, "{args:?} wrote something");
        stderr.trim_end().to_owned()
    }

    /// Every row of every tenantry table, read straight from the database (`None` for a
    /// table that does not exist), and the number of applied migrations.
    async fn snapshot(&self) -> Snapshot {
        let conn = self.db.conn();
        Snapshot {
            tenants: tenants::Entity::find()
                .order_by_asc(tenants::Column::Id)
                .all(conn)
                .await
                .ok(),
            plants: plants::Entity::find()
                .order_by_asc(plants::Column::Id)
                .all(conn)
                .await
                .ok(),
            users: users::Entity::find()
                .order_by_asc(users::Column::Id)
                .all(conn)
                .await
                .ok(),
            user_plant_roles: user_plant_roles::Entity::find()
                .order_by_asc(user_plant_roles::Column::Id)
                .all(conn)
                .await
                .ok(),
            audit_events: audit_events::Entity::find()
                .order_by_asc(audit_events::Column::Id)
                .all(conn)
                .await
                .ok(),
            migrations: self
                .try_scalar("SELECT COUNT(*) FROM tenantry_migrations")
                .await,
        }
    }

    /// The first column of the first row `sql` returns.
    async fn scalar<T: TryGetable>(&self, sql: &str) -> T {
        self.try_scalar(sql)
            .await
            .unwrap_or_else(|| panic!("{sql}: no result"))
    }

    /// The first column of the first row `sql` returns, if the query succeeds.
    async fn try_scalar<T: TryGetable>(&self, sql: &str) -> Option<T> {
        let conn = self.db.conn();
        let statement = Statement::from_string(conn.get_database_backend(), sql);
        let row = conn.query_one_raw(statement).await.ok()??;
        row.try_get_by_index(0).ok()
    }
}

fn run(mut command: Command, stdin: Option<&str>) -> Output {
    command
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("run tenantry");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(input.as_bytes()).unwrap();
    }
    child.wait_with_output().unwrap()
}

fn succeeded(args: &[&str], output: &Output) -> String {
    assert!(output.status.success(), "{args:?} failed: {output:?}");
    assert!(
        output.stderr.is_empty(),
        "{args:?} wrote to stderr: {output:?}"
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn as_array(value: Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items,
        other => panic!("not an array: {other}"),
    }
}

fn usernames(users: &[Value]) -> Vec<&str> {
    users
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect()
}

/// The arguments of a command line written in a test table: split on spaces, except that
/// `'…'` is one argument, possibly empty or with spaces inside.
fn words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut rest = line.trim_start();
    while !rest.is_empty() {
        let (word, after) = match rest.strip_prefix('\'') {
            Some(quoted) => {
                let end = quoted
                    .find('\'')
                    .unwrap_or_else(|| panic!("unterminated quote in {line:?}"));
                (&quoted[..end], &quoted[end + 1..])
            }
            None => rest.split_at(rest.find(' ').unwrap_or(rest.len())),
        };
        words.push(word.to_owned());
        rest = after.trim_start();
    }
    words
}

#[test]
fn words_splits_a_table_command_line() {
    assert_eq!(
        words("tenant create 'Bad Slug!' --name ''"),
        ["tenant", "create", "Bad Slug!", "--name", ""]
    );
    assert_eq!(words("  user   list "), ["user", "list"]);
    assert!(words("").is_empty());
}

/// The cells of a table's lines: columns are two or more spaces apart.
fn cells(table: &str) -> Vec<Vec<String>> {
    table
        .lines()
        .map(|line| {
            line.split("  ")
                .map(str::trim)
                .filter(|cell| !cell.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn migrate_up_status_down_and_fresh() {
    let t = Tenantry::empty().await;
    let names: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();

    let status = as_array(t.json(&["migrate", "status"]));
    assert_eq!(status.len(), names.len());
    assert!(status.iter().all(|m| m["status"] == "pending"));

    // Store commands refuse an unmigrated database.
    let refused = t.fails(&["tenant", "list"], None).await;
    assert!(refused.contains("tenantry migrate up"), "{refused}");

    let up = t.ok(&["migrate", "up"]);
    for name in &names {
        assert!(up.contains(&format!("applied  {name}")), "{up}");
    }
    let status = t.ok(&["migrate", "status"]);
    let rows = cells(&status);
    assert_eq!(rows[0], ["MIGRATION", "STATUS"]);
    assert_eq!(rows.len(), names.len() + 1);
    for (row, name) in rows[1..].iter().zip(&names) {
        assert_eq!(row, &[name.as_str(), "applied"]);
    }
    assert_eq!(t.ok(&["migrate", "up"]), "nothing to do\n");

    let down = t.json(&["migrate", "down"]);
    assert_eq!(down["reverted"], serde_json::json!([names.last().unwrap()]));
    assert_eq!(down["applied"], serde_json::json!([]));
    let refused = t.fails(&["tenant", "list"], None).await;
    assert!(refused.contains("1 migration(s) behind"), "{refused}");
    let pending: Vec<Value> = as_array(t.json(&["migrate", "status"]))
        .into_iter()
        .filter(|m| m["status"] == "pending")
        .collect();
    assert_eq!(pending.len(), 1);

    t.ok(&["migrate", "up", "-n", "1"]);
    t.ok(&["tenant", "create", "acme", "--name", "Acme"]);
    assert_eq!(as_array(t.json(&["tenant", "list"])).len(), 1);
    let fresh = t.json(&["migrate", "fresh"]);
    assert_eq!(as_array(fresh["applied"].clone()).len(), names.len());
    assert!(as_array(t.json(&["tenant", "list"])).is_empty());
}

#[tokio::test]
async fn an_unmigrated_database_stays_empty_on_status_and_refused_commands() {
    let t = Tenantry::empty().await;
    t.ok(&["migrate", "status"]);
    t.fails(&["user", "list", "--tenant", "acme"], None).await;
    let backend = t.db.backend();
    let tables = match backend {
        tenantry_service::migration::sea_orm::DatabaseBackend::Sqlite => {
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'"
        }
        tenantry_service::migration::sea_orm::DatabaseBackend::Postgres => {
            "SELECT COUNT(*) FROM information_schema.tables \
             WHERE table_schema = current_schema()"
        }
        _ => {
            "SELECT COUNT(*) FROM information_schema.tables \
             WHERE table_schema = DATABASE()"
        }
    };
    assert_eq!(t.scalar::<i64>(tables).await, 0);
}

#[tokio::test]
async fn tenants_are_created_and_listed() {
    let t = Tenantry::migrated().await;
    assert_eq!(
        cells(&t.ok(&["tenant", "list"])),
        [["SLUG", "NAME", "STATUS", "CREATED"]]
    );

    let created = t.ok(&["tenant", "create", "zeta", "--name", "Zeta Works"]);
    let rows = cells(&created);
    assert_eq!(rows[1][..3], ["zeta", "Zeta Works", "active"]);
    let acme = t.json(&["tenant", "create", "acme", "--name", "Acme"]);
    assert_eq!(acme["slug"], "acme");
    assert_eq!(acme["name"], "Acme");
    assert_eq!(acme["status"], "active");
    assert!(acme["pid"].is_string());

    let rows = cells(&t.ok(&["tenant", "list"]));
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1][..3], ["acme", "Acme", "active"]);
    assert_eq!(rows[2][..3], ["zeta", "Zeta Works", "active"]);
    let listed = as_array(t.json(&["tenant", "list"]));
    let slugs: Vec<&str> = listed.iter().map(|t| t["slug"].as_str().unwrap()).collect();
    assert_eq!(slugs, ["acme", "zeta"]);
    assert_eq!(listed[0], acme);
}

#[tokio::test]
async fn plants_are_created_and_listed_per_tenant() {
    let t = Tenantry::migrated().await;
    t.ok(&["tenant", "create", "acme", "--name", "Acme"]);
    t.ok(&["tenant", "create", "other", "--name", "Other"]);

    let created = cells(&t.ok(&["plant", "create", "--tenant", "acme", "P2", "--name", "Two"]));
    assert_eq!(created[0], ["CODE", "NAME", "STATUS", "CREATED"]);
    assert_eq!(created[1][..3], ["P2", "Two", "active"]);
    let p1 = t.json(&["plant", "create", "--tenant", "acme", "P1", "--name", "One"]);
    assert_eq!(p1["code"], "P1");
    assert_eq!(p1["is_active"], true);
    // The same code in another tenant is another plant.
    t.ok(&[
        "plant",
        "create",
        "--tenant",
        "other",
        "p1",
        "--name",
        "Elsewhere",
    ]);

    let rows = cells(&t.ok(&["plant", "list", "--tenant", "acme"]));
    let codes: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(codes, ["P1", "P2"]);
    let listed = as_array(t.json(&["plant", "list", "--tenant", "other"]));
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["name"], "Elsewhere");
}

#[tokio::test]
async fn users_are_created_listed_and_shown() {
    let t = Tenantry::acme().await;

    let alice = t.user("acme", "ALICE");
    assert_eq!(alice["username"], "alice");
    assert_eq!(alice["display_name"], "Alice Admin");
    assert_eq!(alice["email"], "alice@example.com");
    assert_eq!(alice["status"], "active");
    assert_eq!(alice["tenant_roles"], serde_json::json!(["admin"]));
    assert_eq!(alice["has_password"], true);
    assert_eq!(alice["last_login_at"], Value::Null);
    let text = alice.to_string();
    assert!(
        !text.contains("password_hash") && !text.contains("argon2"),
        "{text}"
    );

    // Stdin is not a terminal and there is no --password-stdin: no password, no prompt.
    let bob = t.json(&["user", "create", "--tenant", "acme", "bob"]);
    assert_eq!(bob["has_password"], false);
    assert_eq!(bob["display_name"], "bob");
    assert_eq!(bob["tenant_roles"], serde_json::json!([]));
    t.ok(&[
        "role", "assign", "--tenant", "acme", "bob", "--plant", "P2", "operator",
    ]);
    t.ok(&[
        "role", "assign", "--tenant", "acme", "bob", "--plant", "p1", "engineer",
    ]);

    // A password without a trailing newline, and a human-readable answer.
    let carol = t.ok_stdin(
        &[
            "user",
            "create",
            "--tenant",
            "acme",
            "carol",
            "--display-name",
            "Carol Ünal",
            "--password-stdin",
        ],
        PASSWORD,
    );
    let fields = cells(&carol);
    assert!(fields.contains(&vec!["username".to_owned(), "carol".to_owned()]));
    assert!(fields.contains(&vec!["display name".to_owned(), "Carol Ünal".to_owned()]));
    assert!(fields.contains(&vec!["password".to_owned(), "set".to_owned()]));

    let table = t.ok(&["user", "list", "--tenant", "acme"]);
    let rows = cells(&table);
    assert_eq!(
        rows[0],
        [
            "USERNAME",
            "DISPLAY NAME",
            "EMAIL",
            "STATUS",
            "TENANT ROLES",
            "PLANT ROLES",
            "LAST LOGIN"
        ]
    );
    assert_eq!(
        rows[1],
        [
            "alice",
            "Alice Admin",
            "alice@example.com",
            "active",
            "admin",
            "-",
            "never"
        ]
    );
    assert_eq!(
        rows[2],
        [
            "bob",
            "bob",
            "-",
            "active",
            "-",
            "P1:engineer,P2:operator",
            "never"
        ]
    );
    assert_eq!(
        rows[3],
        ["carol", "Carol Ünal", "-", "active", "-", "-", "never"]
    );
    // Columns line up: every header starts where its cells start.
    let lines: Vec<&str> = table.lines().collect();
    let column = lines[0].find("STATUS").unwrap();
    for line in &lines[1..] {
        assert_eq!(
            &line[line.char_indices().nth(column).unwrap().0..][..6],
            "active"
        );
    }

    let listed = t.users("acme");
    assert_eq!(usernames(&listed), ["alice", "bob", "carol"]);
    assert_eq!(listed[1]["plant_roles"][0]["plant_code"], "P1");
    assert_eq!(listed[1]["plant_roles"][0]["role"], "engineer");

    let shown = cells(&t.ok(&["user", "show", "--tenant", "acme", "bob"]));
    assert!(shown.contains(&vec![
        "plant roles".to_owned(),
        "P1:engineer,P2:operator".to_owned()
    ]));
    assert!(shown.contains(&vec!["password".to_owned(), "none".to_owned()]));
}

#[tokio::test]
async fn user_list_filters_by_status_plant_and_search() {
    let t = Tenantry::acme().await;
    for (name, email) in [("bob", "bob@site.test"), ("carol", "carol@example.com")] {
        t.ok(&["user", "create", "--tenant", "acme", name, "--email", email]);
    }
    t.ok(&[
        "user",
        "create",
        "--tenant",
        "acme",
        "dave",
        "--display-name",
        "Dave 100%",
    ]);
    t.ok(&[
        "role", "assign", "--tenant", "acme", "bob", "--plant", "P1", "operator",
    ]);
    t.ok(&[
        "role",
        "assign",
        "--tenant",
        "acme",
        "carol",
        "--plant",
        "P2",
        "supervisor",
    ]);
    t.ok(&["user", "deactivate", "--tenant", "acme", "carol"]);

    let list = |extra: &[&str]| {
        let mut args = vec!["--json", "user", "list", "--tenant", "acme"];
        args.extend_from_slice(extra);
        let users = as_array(serde_json::from_str(&t.ok(&args)).unwrap());
        usernames(&users)
            .into_iter()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(list(&[]), ["alice", "bob", "carol", "dave"]);
    assert_eq!(list(&["--status", "suspended"]), ["carol"]);
    assert_eq!(list(&["--status", "active"]), ["alice", "bob", "dave"]);
    assert!(list(&["--status", "invited"]).is_empty());
    // alice's tenant role counts at every plant.
    assert_eq!(list(&["--plant", "P1"]), ["alice", "bob"]);
    assert_eq!(list(&["--plant", "p2"]), ["alice", "carol"]);
    assert_eq!(
        list(&["--search", "EXAMPLE.com", "--contains"]),
        ["alice", "carol"]
    );
    assert!(
        list(&["--search", "EXAMPLE.com"]).is_empty(),
        "a prefix by default"
    );
    assert_eq!(list(&["--search", "ALI"]), ["alice"]);
    assert_eq!(list(&["--search", "100%", "--contains"]), ["dave"]);
    assert_eq!(list(&["--search", "%", "--contains"]), ["dave"]);
    assert!(list(&["--search", "%"]).is_empty());
    assert_eq!(list(&["--plant", "P2", "--status", "active"]), ["alice"]);
    assert_eq!(list(&["--plant", "P1", "--search", "bo"]), ["bob"]);

    let table = cells(&t.ok(&["user", "list", "--tenant", "acme", "--status", "suspended"]));
    assert_eq!(table.len(), 2);
    assert_eq!(table[1][0], "carol");
    assert_eq!(table[1][3], "suspended");
}

#[tokio::test]
async fn users_are_deactivated_reactivated_and_deleted() {
    let t = Tenantry::acme().await;
    t.ok_stdin(
        &[
            "user",
            "create",
            "--tenant",
            "acme",
            "bob",
            "--password-stdin",
        ],
        PASSWORD,
    );

    let deactivated = t.json(&["user", "deactivate", "--tenant", "acme", "bob"]);
    assert_eq!(deactivated["status"], "suspended");
    assert_eq!(t.user("acme", "bob")["status"], "suspended");
    let shown = cells(&t.ok(&["user", "reactivate", "--tenant", "acme", "bob"]));
    assert!(shown.contains(&vec!["status".to_owned(), "active".to_owned()]));
    assert_eq!(t.user("acme", "bob")["status"], "active");

    let pid = t.user("acme", "bob")["pid"].clone();
    let deleted = t.json(&["user", "delete", "--tenant", "acme", "bob"]);
    assert_eq!(deleted["deleted"], true);
    assert_eq!(deleted["username"], "bob");
    assert_eq!(deleted["pid"], pid);
    assert_eq!(usernames(&t.users("acme")), ["alice"]);
    let gone = t
        .fails(&["user", "show", "--tenant", "acme", "bob"], None)
        .await;
    assert_eq!(gone, r#"error: user "bob" not found"#);
    t.fails(&["user", "delete", "--tenant", "acme", "bob"], None)
        .await;
    // A deleted user's username stays reserved.
    let taken = t
        .fails(&["user", "create", "--tenant", "acme", "bob"], None)
        .await;
    assert_eq!(taken, "error: username is already taken");

    t.ok(&["user", "create", "--tenant", "acme", "carol"]);
    assert_eq!(
        t.ok(&["user", "delete", "--tenant", "acme", "Carol"]),
        "deleted user carol\n"
    );
}

#[tokio::test]
async fn roles_are_assigned_removed_and_set_tenant_wide() {
    let t = Tenantry::acme().await;
    t.ok(&["user", "create", "--tenant", "acme", "bob"]);

    let bob = t.json(&[
        "role", "assign", "--tenant", "acme", "bob", "--plant", "P1", "operator",
    ]);
    assert_eq!(bob["plant_roles"][0]["plant_code"], "P1");
    assert_eq!(bob["plant_roles"][0]["role"], "operator");
    // Assigning again changes the role there.
    t.ok(&[
        "role", "assign", "--tenant", "acme", "BOB", "--plant", "p1", "engineer",
    ]);
    let shown = cells(&t.ok(&[
        "role", "assign", "--tenant", "acme", "bob", "--plant", "P2", "admin",
    ]));
    assert!(shown.contains(&vec![
        "plant roles".to_owned(),
        "P1:engineer,P2:admin".to_owned()
    ]));

    let bob = t.json(&["role", "remove", "--tenant", "acme", "bob", "--plant", "P1"]);
    assert_eq!(as_array(bob["plant_roles"].clone()).len(), 1);
    assert_eq!(bob["plant_roles"][0]["plant_code"], "P2");
    // Nothing to remove is not an error.
    t.ok(&["role", "remove", "--tenant", "acme", "bob", "--plant", "P1"]);

    let bob = t.json(&["role", "tenant", "--tenant", "acme", "bob", "supervisor"]);
    assert_eq!(bob["tenant_roles"], serde_json::json!(["supervisor"]));
    let bob = t.json(&["role", "tenant", "--tenant", "acme", "bob", "admin"]);
    assert_eq!(bob["tenant_roles"], serde_json::json!(["admin"]));
    // With a second admin, alice may be demoted.
    let alice = t.json(&["role", "tenant", "--tenant", "acme", "alice", "none"]);
    assert_eq!(alice["tenant_roles"], serde_json::json!([]));
    let rows = cells(&t.ok(&["user", "list", "--tenant", "acme"]));
    assert_eq!(rows[1][4], "-");
    assert_eq!(rows[2][4], "admin");
    assert_eq!(rows[2][5], "P2:admin");
}

#[tokio::test]
async fn the_role_catalogue_is_listed_from_the_database() {
    let t = Tenantry::acme().await;
    let listed = t.json(&["role", "catalogue"]);
    assert_eq!(listed["exclusive_per_scope"], true);
    let keys: Vec<String> = as_array(listed["roles"].clone())
        .iter()
        .map(|r| r["key"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(keys, ["operator", "supervisor", "engineer", "admin"]);

    // A host declared another catalogue at its last start: the CLI shows it without the
    // host's Rust types.
    let declared = tenantry_service::RoleCatalogue::ordered([
        ("operator", "Operator"),
        ("supervisor", "Supervisor"),
        ("engineer", "Engineer"),
        ("admin", "Administrator"),
    ])
    .role(
        tenantry_service::RoleDef::new("auditor", "Auditor")
            .scope(tenantry_service::RoleScope::Tenant),
    )
    .administrator("admin")
    .exclusive_per_scope()
    .build()
    .unwrap();
    tenantry_service::sync_role_catalogue(
        t.db.conn(),
        &declared,
        tenantry_service::MissingRoles::Refuse,
    )
    .await
    .unwrap();
    let rows = cells(&t.ok(&["role", "catalogue"]));
    assert_eq!(
        rows[0],
        [
            "KEY",
            "NAME",
            "SCOPE",
            "IMPLIES",
            "ADMINISTERS USERS",
            "DEFAULT",
            "GRANTS"
        ]
    );
    assert_eq!(
        rows[4][..6],
        ["admin", "Administrator", "both", "engineer", "yes", "no"]
    );
    assert_eq!(rows[4][6], "everything");
    assert_eq!(
        rows[5][..6],
        ["auditor", "Auditor", "tenant", "-", "no", "no"]
    );
    assert_eq!(rows[1][3], "-", "operator implies nothing");
}

#[tokio::test]
async fn every_bad_input_is_one_line_exit_1_and_writes_nothing() {
    let t = Tenantry::acme().await;
    t.ok(&["tenant", "create", "other", "--name", "Other"]);
    t.ok(&["plant", "create", "--tenant", "other", "X1", "--name", "X"]);
    t.ok(&["user", "create", "--tenant", "other", "olga"]);
    t.ok(&[
        "user",
        "create",
        "--tenant",
        "acme",
        "bob",
        "--email",
        "bob@example.com",
    ]);

    // The snapshot sees writes.
    let before = t.snapshot().await;
    assert!(before.audit_events.as_ref().is_some_and(|a| !a.is_empty()));
    t.ok(&["role", "tenant", "--tenant", "acme", "bob", "operator"]);
    assert_ne!(t.snapshot().await, before);
    t.ok(&["role", "tenant", "--tenant", "acme", "bob", "none"]);

    // Each case: the command line (split on spaces; `'…'` quotes one argument), its stdin,
    // and what its one error line must contain.
    let cases: &[(&str, Option<&str>, &str)] = &[
        // Unknown names.
        (
            "user list --tenant nope",
            None,
            r#"error: tenant "nope" not found"#,
        ),
        ("plant create --tenant nope P9 --name N", None, "not found"),
        (
            "user create --tenant nope zed",
            None,
            r#"tenant "nope" not found"#,
        ),
        (
            "user show --tenant acme nobody",
            None,
            r#"user "nobody" not found"#,
        ),
        ("user deactivate --tenant acme nobody", None, "not found"),
        ("user reactivate --tenant acme nobody", None, "not found"),
        ("user delete --tenant acme nobody", None, "not found"),
        (
            "user list --tenant acme --plant P9",
            None,
            r#"plant "P9" not found"#,
        ),
        (
            "role assign --tenant acme bob --plant P9 admin",
            None,
            "plant",
        ),
        ("role remove --tenant acme bob --plant P9", None, "plant"),
        (
            "role assign --tenant acme nobody --plant P1 admin",
            None,
            "user",
        ),
        ("role tenant --tenant acme nobody admin", None, "user"),
        // Another tenant's user and plant are unknown here.
        (
            "user show --tenant acme olga",
            None,
            r#"user "olga" not found"#,
        ),
        ("user delete --tenant acme olga", None, "not found"),
        (
            "role assign --tenant acme bob --plant X1 admin",
            None,
            "plant",
        ),
        // Invalid role and status strings.
        (
            "role assign --tenant acme bob --plant P1 root",
            None,
            "no role \"root\" in the catalogue",
        ),
        (
            "role assign --tenant acme bob --plant P1 Root",
            None,
            "invalid value 'Root'",
        ),
        (
            "role assign --tenant acme bob --plant P1 Admin",
            None,
            "not an ASCII lowercase letter",
        ),
        (
            "role tenant --tenant acme bob superuser",
            None,
            "no role \"superuser\"",
        ),
        (
            "user create --tenant acme zed --tenant-role Boss",
            None,
            "invalid value 'Boss'",
        ),
        (
            "user list --tenant acme --status deleted",
            None,
            "invalid value 'deleted'",
        ),
        // Validation errors.
        (
            "tenant create 'Bad Slug!' --name N",
            None,
            "error: invalid input: slug",
        ),
        (
            "tenant create fine --name ''",
            None,
            "error: invalid input: name",
        ),
        (
            "plant create --tenant acme P3 --name ''",
            None,
            "invalid input",
        ),
        (
            "user create --tenant acme x",
            None,
            "error: invalid input: username",
        ),
        (
            "user create --tenant acme zed --email not-an-email",
            None,
            "email",
        ),
        (
            "user create --tenant acme zed --password-stdin",
            Some("password1\n"),
            "error: invalid input: password: too easy to guess",
        ),
        (
            "user create --tenant acme zed --password-stdin",
            Some("zed-zed-zed-zed-1\n"),
            "password",
        ),
        (
            "user create --tenant acme zed --password-stdin",
            Some(""),
            "error: no password on stdin",
        ),
        (
            "user create --tenant acme zed --password-stdin",
            Some("\n"),
            "error: no password on stdin",
        ),
        (
            "user create --tenant acme zed --password-stdin",
            Some("two\nlines of password text\n"),
            "control character",
        ),
        // Duplicates, compared case-insensitively.
        (
            "tenant create acme --name Again",
            None,
            "error: tenant slug is already taken",
        ),
        (
            "plant create --tenant acme p1 --name Again",
            None,
            "error: plant code is already taken",
        ),
        (
            "user create --tenant acme ALICE",
            None,
            "error: username is already taken",
        ),
        (
            "user create --tenant acme bobby --email BOB@example.com",
            None,
            "error: email is already taken",
        ),
        // The last active tenant admin stays.
        (
            "role tenant --tenant acme alice none",
            None,
            "error: the last active tenant admin",
        ),
        (
            "role tenant --tenant acme alice engineer",
            None,
            "last active tenant admin",
        ),
        (
            "user deactivate --tenant acme alice",
            None,
            "last active tenant admin",
        ),
        (
            "user delete --tenant acme alice",
            None,
            "last active tenant admin",
        ),
        // Usage errors are one line too.
        ("user", None, "'tenantry user' requires a subcommand"),
        (
            "user lst --tenant acme",
            None,
            "unrecognized subcommand 'lst'",
        ),
        ("user create zed", None, "--tenant <SLUG>"),
        ("tenant list --bogus", None, "unexpected argument '--bogus'"),
        ("role assign --tenant acme bob admin", None, "--plant"),
    ];
    for (command_line, stdin, expected) in cases {
        let words = words(command_line);
        let args: Vec<&str> = words.iter().map(String::as_str).collect();
        let line = t.fails(&args, *stdin).await;
        assert!(
            line.contains(expected),
            "{args:?}: {line:?} lacks {expected:?}"
        );
    }
    assert_eq!(usernames(&t.users("acme")), ["alice", "bob"]);
}

#[tokio::test]
async fn passwords_are_hashed_for_production_unless_told_otherwise() {
    let t = Tenantry::acme().await;
    let hash_of = |username: &str| {
        format!("SELECT password_hash FROM tenantry_users WHERE username = '{username}'")
    };
    let fast: String = t.scalar(&hash_of("alice")).await;
    assert!(fast.starts_with("$argon2id$v=19$m=8,t=1,p=1$"), "{fast}");

    let mut command = t.command(&[
        "user",
        "create",
        "--tenant",
        "acme",
        "bob",
        "--password-stdin",
    ]);
    command.env_remove("TENANTRY_INSECURE_FAST_HASHING");
    succeeded(&["user", "create"], &run(command, Some(PASSWORD)));
    let production: String = t.scalar(&hash_of("bob")).await;
    assert!(
        production.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{production}"
    );
}

#[tokio::test]
async fn the_database_comes_from_database_url_or_defaults_to_tenantry_db() {
    let t = Tenantry::migrated().await;
    let mut command = t.bare_command();
    command
        .env("DATABASE_URL", t.db.url())
        .args(["tenant", "create", "viaenv", "--name", "Env"]);
    succeeded(&["tenant", "create"], &run(command, None));
    assert_eq!(t.json(&["tenant", "list"])[0]["slug"], "viaenv");
    // --database-url wins over DATABASE_URL.
    let mut command = t.bare_command();
    command.env("DATABASE_URL", "sqlite::memory:").args([
        "--database-url",
        t.db.url(),
        "--json",
        "tenant",
        "list",
    ]);
    let listed = succeeded(&["tenant", "list"], &run(command, None));
    assert!(listed.contains("viaenv"), "{listed}");

    // Neither: tenantry.db in the current directory, created on first use.
    let mut command = t.bare_command();
    command.args(["migrate", "up"]);
    succeeded(&["migrate", "up"], &run(command, None));
    assert!(t.dir.path().join("tenantry.db").is_file());
    let mut command = t.bare_command();
    command.args(["--json", "tenant", "list"]);
    assert_eq!(
        succeeded(&["tenant", "list"], &run(command, None)).trim(),
        "[]"
    );
}

#[tokio::test]
async fn an_unreachable_database_is_one_line() {
    let t = Tenantry::empty().await;
    let mut command = t.bare_command();
    command.args(["--database-url", "nosuchdriver://x", "tenant", "list"]);
    let output = run(command, None);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    assert!(
        stderr.starts_with("error: cannot connect to the database") && stderr.lines().count() == 1,
        "{stderr}"
    );
}

/// Failed logins recorded against a user (`verify-password` is a real login).
async fn failed_logins(t: &Tenantry, username: &str) -> i32 {
    t.scalar(&format!(
        "SELECT failed_login_count FROM tenantry_users WHERE username = '{username}'"
    ))
    .await
}

#[tokio::test]
async fn passwords_are_set_verified_and_unlocked() {
    let t = Tenantry::acme().await;
    let verify = [
        "user",
        "verify-password",
        "--tenant",
        "acme",
        "alice",
        "--password-stdin",
    ];

    // The right password: exit 0, counted as a login.
    let out = t.ok_stdin(&verify, &format!("{PASSWORD}\n"));
    assert!(out.contains("password matches"), "{out}");
    assert_eq!(t.user("acme", "alice")["login_count"], 1);

    // A wrong one: exit 1, one line, and the failure is counted.
    let output = t.run(&verify, Some("not the password at all\n"));
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(output.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: invalid credentials\n"
    );
    assert_eq!(failed_logins(&t, "alice").await, 1);

    // An unknown user fails exactly like a wrong password.
    let unknown = [
        "user",
        "verify-password",
        "--tenant",
        "acme",
        "nobody",
        "--password-stdin",
    ];
    let output = t.run(&unknown, Some("whatever it is\n"));
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: invalid credentials\n"
    );

    // set-password through the policy: a weak one is refused and writes nothing.
    let set = [
        "user",
        "set-password",
        "--tenant",
        "acme",
        "alice",
        "--password-stdin",
    ];
    let refused = t.fails(&set, Some("password\n")).await;
    assert!(refused.contains("password"), "{refused}");
    let out = t.ok_stdin(&set, "amber walrus juggles slowly\n");
    assert!(out.contains("password set"), "{out}");
    assert_eq!(
        t.run(&verify, Some(&format!("{PASSWORD}\n"))).status.code(),
        Some(1)
    );
    t.ok_stdin(&verify, "amber walrus juggles slowly\n");

    // Passwords never come from the command line.
    let missing = t
        .fails(&["user", "set-password", "--tenant", "acme", "alice"], None)
        .await;
    assert!(missing.contains("--password-stdin"), "{missing}");

    // Enough failures lock the account; unlock clears it.
    for _ in 0..10 {
        t.run(&verify, Some("wrong again and again\n"));
    }
    let locked: Option<String> = t
        .try_scalar(
            "SELECT CAST(locked_until AS CHAR) FROM tenantry_users WHERE username = 'alice'",
        )
        .await;
    let output = t.run(&verify, Some("amber walrus juggles slowly\n"));
    assert_eq!(output.status.code(), Some(1), "locked: {locked:?}");
    let out = t.ok(&["user", "unlock", "--tenant", "acme", "alice"]);
    assert!(out.contains("unlocked"), "{out}");
    assert_eq!(failed_logins(&t, "alice").await, 0);
    t.ok_stdin(&verify, "amber walrus juggles slowly\n");
}

#[tokio::test]
async fn a_reset_token_is_printed_once_and_stored_only_as_a_digest() {
    let t = Tenantry::acme().await;
    let issued = t.json(&["token", "reset", "--tenant", "acme", "alice"]);
    let token = issued["token"].as_str().expect("token").to_owned();
    assert_eq!(token.len(), 43);
    assert_eq!(issued["purpose"], "password_reset");
    assert_eq!(issued["username"], "alice");
    let stored: String = t
        .scalar("SELECT token_hash FROM tenantry_credential_tokens")
        .await;
    assert_ne!(stored, token);
    assert!(!stored.contains(&token));

    let table = t.ok(&["token", "reset", "--tenant", "acme", "alice"]);
    let second = table.lines().next().expect("token line");
    assert_eq!(second.len(), 43);
    assert_ne!(second, token);
    // The newer token voided the older one.
    let outstanding: i64 = t
        .scalar("SELECT COUNT(*) FROM tenantry_credential_tokens WHERE used_at IS NULL")
        .await;
    assert_eq!(outstanding, 1);

    let unknown = t
        .fails(&["token", "reset", "--tenant", "acme", "nobody"], None)
        .await;
    assert_eq!(unknown, r#"error: user "nobody" not found"#);
}

// ---- `user import` ----

/// Hashes made by the real tools (crates/service/tests/fixtures/make_legacy_hashes.py).
fn legacy_hash(hasher: &str, password: &str) -> String {
    let all: Vec<Value> = serde_json::from_str(include_str!(
        "../../service/tests/fixtures/legacy_hashes.json"
    ))
    .unwrap();
    all.iter()
        .find(|f| f["hasher"] == hasher && f["password"] == password)
        .unwrap_or_else(|| panic!("no fixture {hasher} {password}"))["hash"]
        .as_str()
        .unwrap()
        .to_owned()
}

const ASCII: &str = "correct horse battery staple";
const NON_ASCII: &str = "Pässwörd-日本語-ß-€";

impl Tenantry {
    /// Writes `content` to `name` in the test's directory; its path.
    fn file(&self, name: &str, content: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        path.to_str().unwrap().to_owned()
    }

    /// `user import` that must succeed: its stdout, and its stderr (the plain progress lines).
    fn imports(&self, args: &[&str]) -> (String, String) {
        let output = self.run(args, None);
        assert!(output.status.success(), "{args:?} failed: {output:?}");
        (
            String::from_utf8(output.stdout).unwrap(),
            String::from_utf8(output.stderr).unwrap(),
        )
    }

    /// `user import` that must be refused: exit 1, nothing on stdout, nothing written; the
    /// lines on stderr, the `error: ` line last.
    async fn import_refused(&self, args: &[&str]) -> Vec<String> {
        let before = self.snapshot().await;
        let output = self.run(args, None);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {output:?}");
        assert!(output.stdout.is_empty(), "{args:?} printed: {output:?}");
        assert_eq!(self.snapshot().await, before, "{args:?} wrote something");
        let stderr = String::from_utf8(output.stderr).unwrap();
        let lines: Vec<String> = stderr.lines().map(str::to_owned).collect();
        assert!(
            lines.last().is_some_and(|l| l.starts_with("error: ")),
            "{stderr}"
        );
        lines
    }

    /// The stored hash of `username`, read straight from the database.
    async fn stored_hash(&self, username: &str) -> String {
        let users = self.snapshot().await.users.unwrap();
        let user = users
            .iter()
            .find(|u| u.username.as_deref() == Some(username))
            .unwrap();
        user.password_hash.as_ref().unwrap().expose().to_owned()
    }

    /// `user verify-password`: whether it matched (exit 0) or not (exit 1).
    fn password_matches(&self, tenant: &str, username: &str, password: &str) -> bool {
        let args = [
            "user",
            "verify-password",
            "--tenant",
            tenant,
            username,
            "--password-stdin",
        ];
        let output = self.run(&args, Some(&format!("{password}\n")));
        match output.status.code() {
            Some(0) => true,
            Some(1) => false,
            _ => panic!("{output:?}"),
        }
    }
}

#[tokio::test]
async fn user_import_reads_csv_and_json_lines_with_roles_and_upgrades_at_login() {
    let t = Tenantry::acme().await;
    let bcrypt = legacy_hash("bcrypt $2b$", ASCII);
    let scrypt = legacy_hash("scrypt", NON_ASCII);
    let csv = format!(
        "username,email,display_name,password_hash,roles\n\
         bob,bob@example.com,Bob Builder,{bcrypt},operator;engineer@P1\n\
         carol,,,\"{scrypt}\",\n"
    );
    let file = t.file("users.csv", &csv);
    let (stdout, stderr) = t.imports(&["user", "import", "--tenant", "acme", &file]);
    assert_eq!(stdout, "imported 2 users\n");
    assert_eq!(stderr, "checked 2 rows; writing\nwritten 2/2\n");
    let bob = t.user("acme", "bob");
    assert_eq!(bob["display_name"], "Bob Builder");
    assert_eq!(bob["tenant_roles"], serde_json::json!(["operator"]));
    assert_eq!(bob["plant_roles"][0]["plant_code"], "P1");
    assert_eq!(bob["plant_roles"][0]["role"], "engineer");
    let carol = t.user("acme", "carol");
    assert_eq!(carol["display_name"], "carol");
    assert_eq!(carol["email"], Value::Null);

    // A wrong password leaves the legacy hash; the right one upgrades it, once.
    assert!(!t.password_matches("acme", "bob", "not the password"));
    assert_eq!(t.stored_hash("bob").await, bcrypt);
    assert!(t.password_matches("acme", "bob", ASCII));
    assert!(t.stored_hash("bob").await.starts_with("$argon2id$"));
    assert!(t.password_matches("acme", "bob", ASCII));
    assert!(t.password_matches("acme", "carol", NON_ASCII));
    assert!(t.stored_hash("carol").await.starts_with("$argon2id$"));

    // JSON lines, with roles as an array; blank lines are fine.
    let bcrypt_sha256 = legacy_hash("bcrypt_sha256", ASCII);
    let jsonl = format!(
        "{}\n\n{}\n",
        serde_json::json!({"username": "dave", "password_hash": bcrypt_sha256,
                           "roles": ["supervisor@P2"]}),
        serde_json::json!({"username": "erin", "email": "erin@example.com",
                           "password_hash": legacy_hash("bcrypt $2y$", ASCII)}),
    );
    let file = t.file("users.jsonl", &jsonl);
    let (stdout, _) = t.imports(&["user", "import", "--tenant", "acme", &file]);
    assert_eq!(stdout, "imported 2 users\n");
    assert_eq!(
        t.user("acme", "dave")["plant_roles"][0]["role"],
        "supervisor"
    );
    assert!(t.password_matches("acme", "dave", ASCII));
    assert!(t.password_matches("acme", "erin", ASCII));
}

#[tokio::test]
async fn user_import_reports_every_bad_row_by_line_and_field_and_writes_nothing() {
    let t = Tenantry::acme().await;
    let good = legacy_hash("bcrypt $2a$", ASCII);
    let out_of_bounds = good.replacen("$12$", "$31$", 1);
    let csv = format!(
        "username,email,password_hash,roles\n\
         bob,bob@example.com,{good},operator\n\
         carl,not an email,{good},\n\
         BOB,,{good},\n\
         alice,,{good},\n\
         dina,dina@example.com,{out_of_bounds},\n\
         emil,,{good},operator@NOPE\n\
         fay,,{good},Root\n\
         gus,ALICE@example.com,{good} ,\n\
         hal,,hunter2,\n\
         ian,,{good}\n"
    );
    let file = t.file("bad.csv", &csv);
    let lines = t
        .import_refused(&["user", "import", "--tenant", "acme", &file])
        .await;
    let expected = [
        "line 3: email: not in a valid format",
        "line 4: username: the same as line 2's",
        "line 5: username: already taken in this tenant",
        "line 6: password_hash: a bcrypt hash with a work factor beyond tenantry's bounds",
        "line 7: roles: no plant \"NOPE\" in this tenant",
        "line 8: roles: \"Root\" is not a role key",
        "line 9: password_hash: not a well-formed bcrypt hash",
        "line 9: email: already taken in this tenant",
        "line 10: password_hash: not an argon2, PBKDF2, bcrypt or scrypt password hash",
    ];
    assert_eq!(&lines[..expected.len()], expected, "{lines:#?}");
    assert!(
        lines[expected.len()].starts_with("line 11: not a CSV row"),
        "{lines:#?}"
    );
    assert_eq!(lines.len(), expected.len() + 2, "{lines:#?}");
    assert!(lines.last().unwrap().contains("nothing was written"));
    // No hash and no password is ever shown.
    assert!(
        lines
            .iter()
            .all(|l| !l.contains('$') && !l.contains("hunter2"))
    );

    // The same rows, fixed, go through; a dry run checks them and writes nothing.
    let fixed = "username,password_hash\nbob,HASH\ncarl,HASH\n".replace("HASH", &good);
    let file = t.file("fixed.csv", &fixed);
    let before = t.snapshot().await;
    let stdout = t.ok(&["user", "import", "--tenant", "acme", "--dry-run", &file]);
    assert_eq!(stdout, "dry run: would import 2 users\n");
    assert_eq!(t.snapshot().await, before);

    // Broken JSON lines and unknown fields are reported by line too.
    let jsonl = format!(
        "{}\n{{\"username\": \"x\",\n{}\n",
        serde_json::json!({"username": "joe", "password_hash": good}),
        serde_json::json!({"username": "kim", "password": good}),
    );
    let file = t.file("bad.jsonl", &jsonl);
    let lines = t
        .import_refused(&["user", "import", "--tenant", "acme", &file])
        .await;
    assert!(
        lines[0].starts_with("line 2: not a JSON object"),
        "{lines:#?}"
    );
    assert_eq!(lines[1], "line 3: \"password\": not a field of an import");
    assert_eq!(lines.len(), 3, "{lines:#?}");
}

/// `manage.py dumpdata auth.user` of a real Django project (tests/fixtures/
/// make_django_dumpdata.py), in both of its formats, imports with one command.
#[tokio::test]
async fn a_django_dumpdata_of_auth_user_imports_with_one_command() {
    let t = Tenantry::acme().await;
    let jsonl = t.file("users.jsonl", include_str!("fixtures/django_users.jsonl"));
    let (stdout, _) = t.imports(&[
        "user",
        "import",
        "--tenant",
        "acme",
        "--superuser-role",
        "admin",
        &jsonl,
    ]);
    assert_eq!(
        stdout,
        "imported 4 users\n\
         skipped line 4: \"olga\" (inactive)\n\
         skipped line 5: \"sam.sso\" (no usable password)\n"
    );
    let ada = t.user("acme", "ada");
    assert_eq!(ada["display_name"], "Ada Lovelace");
    assert_eq!(ada["email"], "ada@example.com");
    assert_eq!(ada["status"], "active");
    let grace = t.user("acme", "grace");
    assert_eq!(grace["display_name"], "Grace Hopper");
    assert_eq!(grace["tenant_roles"], serde_json::json!(["admin"]));
    let linus = t.user("acme", "linus");
    assert_eq!(linus["display_name"], "linus");
    assert_eq!(linus["email"], Value::Null);
    assert_eq!(t.user("acme", "bea")["display_name"], "Bea");

    // Their Django passwords work (PBKDF2-SHA256 and bcrypt_sha256), and are upgraded.
    assert!(!t.password_matches("acme", "bea", ASCII));
    assert!(t.stored_hash("bea").await.starts_with("bcrypt_sha256$$2b$"));
    assert!(t.password_matches("acme", "bea", "vivid ocelot tangles quietly"));
    assert!(t.password_matches("acme", "grace", NON_ASCII));
    for username in ["bea", "grace"] {
        assert!(t.stored_hash(username).await.starts_with("$argon2id$"));
    }
    assert!(
        t.stored_hash("ada")
            .await
            .starts_with("pbkdf2_sha256$1000000$")
    );

    // The default format, a JSON array, into another tenant: records are numbered.
    t.ok(&["tenant", "create", "globex", "--name", "Globex"]);
    let json = t.file("users.json", include_str!("fixtures/django_users.json"));
    let (stdout, _) = t.imports(&["user", "import", "--tenant", "globex", &json]);
    assert_eq!(
        stdout,
        "imported 4 users\n\
         skipped record 4: \"olga\" (inactive)\n\
         skipped record 5: \"sam.sso\" (no usable password)\n"
    );
    assert_eq!(t.users("globex").len(), 4);
    // Without --superuser-role, a superuser gets the catalogue's defaults (none here).
    assert_eq!(
        t.user("globex", "grace")["tenant_roles"],
        serde_json::json!([])
    );

    // Again into acme: every user is already there, and nothing is written.
    let lines = t
        .import_refused(&["user", "import", "--tenant", "acme", &json])
        .await;
    // Four users, each username and (but linus) email, and the `error: ` line.
    assert_eq!(lines.len(), 8, "{lines:#?}");
    assert_eq!(lines[0], "record 1: username: already taken in this tenant");
    assert_eq!(lines[1], "record 1: email: already taken in this tenant");
}

// ---- profile rules ----

/// `TENANTRY_PROFILE_RULES` gives the CLI the host's rules: a user without a username is
/// created with its email only, found by that email, and listed; without the variable the
/// defaults refuse it, and a variable that does not parse is one error line.
#[tokio::test]
async fn profile_rules_come_from_the_environment() {
    let t = Tenantry::acme().await;
    let create = [
        "user",
        "create",
        "--tenant",
        "acme",
        "--email",
        "Bo@Example.com",
    ];
    let refused = t.fails(&create, None).await;
    assert!(refused.contains("username: required"), "{refused}");

    let rules = "username=optional, display_name=optional";
    let with_rules = |args: &[&str]| {
        let mut command = t.command(args);
        command.env("TENANTRY_PROFILE_RULES", rules);
        let output = run(command, None);
        succeeded(args, &output)
    };
    with_rules(&create);
    let mut show = vec![
        "--json",
        "user",
        "show",
        "--tenant",
        "acme",
        "bo@example.COM",
    ];
    let shown: Value = serde_json::from_str(&with_rules(&show)).unwrap();
    assert_eq!(shown["username"], Value::Null);
    assert_eq!(shown["email"], "Bo@Example.com");
    assert_eq!(shown["display_name"], "Bo@Example.com");
    let table = with_rules(&["user", "list", "--tenant", "acme"]);
    assert!(table.contains("Bo@Example.com"), "{table}");

    show.remove(0);
    let mut bad = t.command(&show);
    bad.env("TENANTRY_PROFILE_RULES", "username=sometimes");
    let output = run(bad, None);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(
            "error: TENANTRY_PROFILE_RULES: invalid profile rule `username=sometimes`"
        ) && stderr.lines().count() == 1,
        "{stderr}"
    );
}

// ---- `session` ----

impl Tenantry {
    /// A session row of `username` in `acme` (as the session store writes one), expiring in
    /// `expires_in` seconds; its public id.
    async fn session(&self, username: &str, hash: &str, agent: &str, expires_in: i64) -> String {
        use tenantry_service::entity::sessions;
        use tenantry_service::migration::sea_orm::{ActiveModelTrait, ActiveValue::Set};
        let user: i64 = self
            .scalar(&format!(
                "SELECT id FROM tenantry_users WHERE username_key = '{username}'"
            ))
            .await;
        let tenant: i64 = self
            .scalar(&format!(
                "SELECT tenant_id FROM tenantry_users WHERE id = {user}"
            ))
            .await;
        let now = chrono::Utc::now();
        let pid = uuid::Uuid::now_v7();
        sessions::ActiveModel {
            pid: Set(pid),
            id_hash: Set(hash.to_owned()),
            tenant_id: Set(Some(tenantry_service::TenantId(tenant))),
            user_id: Set(Some(tenantry_service::UserId(user))),
            data: Set("{}".to_owned()),
            security_stamp: Set(None),
            created_at: Set(now),
            last_seen_at: Set(now),
            expires_at: Set(now + chrono::Duration::seconds(expires_in)),
            ip: Set(Some("192.0.2.1".to_owned())),
            user_agent: Set(Some(agent.to_owned())),
            revoked_at: Set(None),
            active_seconds: Set(0),
            ..Default::default()
        }
        .insert(self.db.conn())
        .await
        .expect("a session row");
        pid.to_string()
    }
}

#[tokio::test]
async fn sessions_are_listed_revoked_and_pruned() {
    let t = Tenantry::acme().await;
    t.ok(&[
        "user",
        "create",
        "--tenant",
        "acme",
        "bob",
        "--display-name",
        "Bob",
    ]);
    let laptop = t
        .session("alice", &"1".repeat(64), "Firefox 140", 3600)
        .await;
    let phone = t
        .session("alice", &"2".repeat(64), "Safari Mobile", 3600)
        .await;
    t.session("alice", &"3".repeat(64), "Expired Browser", -60)
        .await;
    t.session("bob", &"4".repeat(64), "Bob's Browser", 3600)
        .await;

    let listed = as_array(t.json(&["session", "list", "--tenant", "acme", "--user", "alice"]));
    let mut pids: Vec<&str> = listed.iter().map(|s| s["pid"].as_str().unwrap()).collect();
    pids.sort_unstable();
    let mut live = vec![laptop.as_str(), phone.as_str()];
    live.sort_unstable();
    assert_eq!(pids, live, "only the live sessions, only alice's");
    let shown = serde_json::to_string(&listed).unwrap();
    assert!(!shown.contains("id_hash") && !shown.contains(&"1".repeat(64)));
    let table = t.ok(&["session", "list", "--tenant", "acme", "--user", "alice"]);
    let rows = cells(&table);
    assert_eq!(rows[0][0], "ID");
    assert!(table.contains("Firefox 140") && table.contains("192.0.2.1"));

    let revoked = t.ok(&[
        "session",
        "revoke",
        "--tenant",
        "acme",
        "--user",
        "alice",
        "--session",
        &laptop,
    ]);
    assert_eq!(revoked, "revoked 1 sessions of alice\n");
    let left = as_array(t.json(&["session", "list", "--tenant", "acme", "--user", "alice"]));
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["pid"], phone.as_str());

    // Another user's session, an ended one, no choice, both choices: refused, nothing written.
    let bobs = t
        .fails(
            &[
                "session",
                "revoke",
                "--tenant",
                "acme",
                "--user",
                "bob",
                "--session",
                &phone,
            ],
            None,
        )
        .await;
    assert_eq!(bobs, format!("error: live session {phone:?} not found"));
    t.fails(
        &[
            "session",
            "revoke",
            "--tenant",
            "acme",
            "--user",
            "alice",
            "--session",
            &laptop,
        ],
        None,
    )
    .await;
    t.fails(
        &["session", "revoke", "--tenant", "acme", "--user", "alice"],
        None,
    )
    .await;
    t.fails(
        &[
            "session",
            "revoke",
            "--tenant",
            "acme",
            "--user",
            "alice",
            "--all",
            "--session",
            &phone,
        ],
        None,
    )
    .await;
    t.fails(
        &["session", "list", "--tenant", "acme", "--user", "nobody"],
        None,
    )
    .await;

    let all = t.json(&[
        "session", "revoke", "--tenant", "acme", "--user", "alice", "--all",
    ]);
    assert_eq!(all["sessions"], 1);
    assert!(
        as_array(t.json(&["session", "list", "--tenant", "acme", "--user", "alice"])).is_empty()
    );
    let revocations: i64 = t
        .scalar("SELECT COUNT(*) FROM tenantry_audit_events WHERE action = 'sessions.revoked'")
        .await;
    assert_eq!(revocations, 2);

    let pruned = t.json(&["session", "prune"]);
    assert_eq!(pruned["outcome"], "pruned");
    assert_eq!(
        pruned["sessions"], 3,
        "alice's two revoked and her expired one"
    );
    let kept: i64 = t.scalar("SELECT COUNT(*) FROM tenantry_sessions").await;
    assert_eq!(kept, 1, "bob's live session stays");
    assert_eq!(t.ok(&["session", "prune"]), "pruned 0 sessions\n");
}

// ---- `factor` ----

/// The code an authenticator app shows now for `secret` (base32).
fn totp_now(secret: &str) -> String {
    totp_rs::Builder::new()
        .with_secret(totp_rs::Secret::try_from_base32(secret).unwrap())
        .with_digits(6)
        .with_step_duration(30)
        .build_noncompliant()
        .generate(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs(),
        )
        .to_string()
}

#[tokio::test]
async fn factors_are_enrolled_confirmed_listed_reset_and_the_policy_set() {
    let t = Tenantry::acme().await;
    let whose = ["--tenant", "acme", "--user", "alice"];
    let mut enrol = vec!["factor", "enrol", "--name", "phone"];
    enrol.extend_from_slice(&whose);
    let begun = t.json(&enrol);
    assert_eq!(begun["outcome"], "enrolment_begun");
    let id = begun["authenticator"].as_i64().unwrap().to_string();
    let secret = begun["secrets"][0][1].as_str().unwrap().to_owned();
    assert!(
        begun["secrets"][1][1]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/")
    );

    // A wrong code: one error line, nothing written.
    let mut wrong = vec!["factor", "confirm", "--id", &id, "--code", "12345x"];
    wrong.extend_from_slice(&whose);
    let refused = t.fails(&wrong, None).await;
    assert!(refused.contains("code is wrong"), "{refused}");

    let code = totp_now(&secret);
    let mut confirm = vec!["factor", "confirm", "--id", &id, "--code", &code];
    confirm.extend_from_slice(&whose);
    let confirmed = t.json(&confirm);
    assert_eq!(
        confirmed["secrets"].as_array().unwrap().len(),
        10,
        "recovery codes"
    );

    let mut list = vec!["factor", "list"];
    list.extend_from_slice(&whose);
    let listed = t.json(&list);
    assert_eq!(listed["recovery_codes_left"], 10);
    assert_eq!(listed["authenticators"][0]["confirmed"], true);
    assert!(
        !listed.to_string().contains(&secret),
        "the list holds no secret"
    );
    let table = t.ok(&list);
    assert!(table.contains("phone") && table.contains("recovery codes left: 10"));

    assert_eq!(
        t.ok(&["factor", "policy", "--tenant", "acme", "--roles", "admin"]),
        "second factor required of: holders of admin\n"
    );
    assert_eq!(
        t.ok(&["factor", "policy", "--tenant", "acme"]),
        "second factor required of: holders of admin\n"
    );
    t.fails(
        &[
            "factor",
            "policy",
            "--tenant",
            "acme",
            "--roles",
            "no-such-role",
        ],
        None,
    )
    .await;

    let mut reset = vec!["factor", "reset"];
    reset.extend_from_slice(&whose);
    assert_eq!(t.ok(&reset), "second factors reset: alice\n");
    let after = t.json(&list);
    assert_eq!(after["authenticators"].as_array().unwrap().len(), 0);
    assert_eq!(after["recovery_codes_left"], 0);

    // Without a usable key setting, enrolling is refused with the variable named.
    let mut command = t.command(&enrol);
    command.env("TENANTRY_SECOND_FACTOR_KEYS", "k1:not-a-key");
    let output = run(command, None);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("TENANTRY_SECOND_FACTOR_KEYS"));
}

// ---- `scim token` ----

#[tokio::test]
async fn scim_tokens_are_made_listed_and_revoked_by_id_or_name() {
    let t = Tenantry::acme().await;
    let made = t.ok(&[
        "scim", "token", "create", "--tenant", "acme", "--name", "entra",
    ]);
    let token = made.lines().last().unwrap();
    assert_eq!(token.len(), 43, "the token alone on the last line: {made}");
    assert!(made.starts_with("SCIM token \"entra\""));
    let json = t.json(&[
        "scim", "token", "create", "--tenant", "acme", "--name", "okta",
    ]);
    assert_eq!(json["name"], "okta");
    assert_eq!(json["tenant"], "acme");
    assert_eq!(json["token"].as_str().unwrap().len(), 43);
    let okta_pid = json["pid"].as_str().unwrap().to_owned();

    let listed = as_array(t.json(&["scim", "token", "list", "--tenant", "acme"]));
    assert_eq!(listed.len(), 2);
    let shown = serde_json::to_string(&listed).unwrap();
    assert!(!shown.contains(token) && !shown.contains("token_hash"));
    let table = t.ok(&["scim", "token", "list", "--tenant", "acme"]);
    assert_eq!(cells(&table)[0][0], "ID");

    let revoked = as_array(t.json(&["scim", "token", "revoke", "--tenant", "acme", "entra"]));
    assert!(revoked[0]["revoked_at"].is_string());
    let revoked = as_array(t.json(&["scim", "token", "revoke", "--tenant", "acme", &okta_pid]));
    assert_eq!(revoked[0]["name"], "okta");
    assert!(revoked[0]["revoked_at"].is_string());

    // A name with no live token, an unknown tenant, a bad name: refused, nothing written.
    let none = t
        .fails(
            &["scim", "token", "revoke", "--tenant", "acme", "entra"],
            None,
        )
        .await;
    assert!(
        none.contains("live SCIM token \"entra\" not found"),
        "{none}"
    );
    t.fails(&["scim", "token", "create", "--tenant", "nobody"], None)
        .await;
    t.fails(
        &[
            "scim", "token", "create", "--tenant", "acme", "--name", " padded ",
        ],
        None,
    )
    .await;
}

// ---- `passkey` ----

impl Tenantry {
    /// A registered passkey row of `username` in `acme` named `name` (as the service stores
    /// one; the CLI never registers one); its id.
    async fn passkey(&self, username: &str, name: &str, credential_hash: &str) -> i64 {
        use tenantry_service::entity::authenticators;
        use tenantry_service::migration::sea_orm::{ActiveModelTrait, ActiveValue::Set};
        let user: i64 = self
            .scalar(&format!(
                "SELECT id FROM tenantry_users WHERE username_key = '{username}'"
            ))
            .await;
        let tenant: i64 = self
            .scalar(&format!(
                "SELECT tenant_id FROM tenantry_users WHERE id = {user}"
            ))
            .await;
        let now = chrono::Utc::now();
        authenticators::ActiveModel {
            tenant_id: Set(tenantry_service::TenantId(tenant)),
            user_id: Set(tenantry_service::UserId(user)),
            kind: Set(authenticators::PASSKEY.to_owned()),
            name: Set(name.to_owned()),
            credential_id_hash: Set(Some(credential_hash.to_owned())),
            passkey: Set(Some(r#"{"cred":{"counter":0}}"#.to_owned())),
            confirmed_at: Set(Some(now)),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(self.db.conn())
        .await
        .expect("a passkey row")
        .id
    }
}

#[tokio::test]
async fn passkeys_are_listed_and_removed() {
    let t = Tenantry::acme().await;
    t.ok(&[
        "user",
        "create",
        "--tenant",
        "acme",
        "bob",
        "--display-name",
        "Bob",
    ]);
    let phone = t.passkey("alice", "Phone", &"a".repeat(64)).await;
    let key = t.passkey("alice", "YubiKey", &"b".repeat(64)).await;
    let bobs = t.passkey("bob", "Bob's key", &"c".repeat(64)).await;

    let listed = as_array(t.json(&["passkey", "list", "--tenant", "acme", "--user", "alice"]));
    let names: Vec<&str> = listed.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Phone", "YubiKey"]);
    let shown = serde_json::to_string(&listed).unwrap();
    assert!(!shown.contains("counter") && !shown.contains(&"a".repeat(64)));
    let table = t.ok(&["passkey", "list", "--tenant", "acme", "--user", "alice"]);
    assert_eq!(cells(&table)[0][..2], ["ID", "NAME"]);
    assert!(table.contains("YubiKey"));

    let removed = t.ok(&[
        "passkey",
        "remove",
        "--tenant",
        "acme",
        "--user",
        "alice",
        "--passkey",
        &phone.to_string(),
    ]);
    assert_eq!(removed, "passkey removed: alice\n");
    let left = as_array(t.json(&["passkey", "list", "--tenant", "acme", "--user", "alice"]));
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["id"], key);

    // Bob's passkey through alice, a removed one, an unknown user: refused, nothing written.
    let refused = t
        .fails(
            &[
                "passkey",
                "remove",
                "--tenant",
                "acme",
                "--user",
                "alice",
                "--passkey",
                &bobs.to_string(),
            ],
            None,
        )
        .await;
    assert_eq!(refused, format!("error: passkey \"{bobs}\" not found"));
    t.fails(
        &[
            "passkey",
            "remove",
            "--tenant",
            "acme",
            "--user",
            "alice",
            "--passkey",
            &phone.to_string(),
        ],
        None,
    )
    .await;
    t.fails(
        &["passkey", "list", "--tenant", "acme", "--user", "nobody"],
        None,
    )
    .await;
    let removals: i64 = t
        .scalar("SELECT COUNT(*) FROM tenantry_audit_events WHERE action = 'passkey.removed'")
        .await;
    assert_eq!(removals, 1);
    // The help says why there is no `passkey register`.
    let help = t.ok(&["passkey", "--help"]);
    assert!(help.contains("browser"), "{help}");
}
