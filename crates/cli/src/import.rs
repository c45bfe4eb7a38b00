//! `tenantry user import --tenant T FILE`: users moved in from another system with the password
//! hashes they have, all or nothing.
//!
//! The file's shape is read from its first character (after a byte-order mark and
//! whitespace):
//! - `[`: a JSON array — Django's `manage.py dumpdata auth.user` (its default format);
//! - `{`: JSON lines, one object per line — `dumpdata auth.user --format jsonl`, or rows of
//!   this command's own fields;
//! - anything else: CSV with a header row.
//!
//! The fields (CSV columns, JSON keys): `username` and `password_hash` (required), `email`,
//! `display_name` (default: the username) and `roles`. A role is `KEY` tenant-wide or
//! `KEY@PLANTCODE` at one plant; CSV separates them with `;` (`operator;engineer@NORTH`), JSON
//! gives an array (`["operator", "engineer@NORTH"]`). Hashes: every format
//! `tenantry_service::hashing::parse_imported_hash` accepts.
//!
//! A Django record (`{"model": "auth.user", "fields": {…}}`) becomes: `username`; `email`
//! (empty: none); display name `first_name last_name`, or the username when both are empty;
//! `password` as the hash. An inactive user (`is_active: false`) and one without a usable
//! password (`!…`, e.g. single sign-on) are skipped and listed, not imported. `groups` and
//! `user_permissions` are not carried over; a superuser gets the catalogue's default roles,
//! or `--superuser-role ROLE` tenant-wide.
//!
//! Every row is checked before anything is written — by this command (the file's shape,
//! roles, plant codes) and by the library (every field, the hash, names taken in the tenant or
//! by another row) — and every problem of every row is printed to stderr, by line (the
//! record's number in a JSON array), then `error: …` and exit status 1: nothing is written.
//! Otherwise all users are written in one transaction.

use std::collections::HashMap;
use std::io::IsTerminal as _;
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use serde_json::Value;
use tenantry_service::{
    ImportProgress, ImportStage, ImportedHash, ImportedUser, PlantRole, Problem, RoleKey,
    TenantView, UserRepository,
};

use crate::error::{CliError, CliResult};

/// The fields of a row (CSV columns, JSON keys).
const FIELDS: [&str; 5] = [
    "username",
    "email",
    "display_name",
    "password_hash",
    "roles",
];

/// What a successful import reports.
#[derive(Debug, Serialize)]
pub(crate) struct ImportReport {
    /// Users imported (with `--dry-run`: that would be).
    pub(crate) imported: usize,
    /// `--dry-run`: checked only, nothing written.
    pub(crate) dry_run: bool,
    /// Records not imported, and why (Django's inactive and password-less users).
    pub(crate) skipped: Vec<Skipped>,
}

/// A record left out on purpose.
#[derive(Debug, Serialize)]
pub(crate) struct Skipped {
    /// Where it is: `line 4`, or `record 4` in a JSON array.
    pub(crate) at: String,
    /// Its username.
    pub(crate) username: String,
    /// `inactive` or `no_usable_password`.
    pub(crate) reason: &'static str,
}

/// Where a record is in the file.
#[derive(Clone, Copy, Debug)]
enum At {
    Line(u64),
    Record(usize),
}

impl std::fmt::Display for At {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Line(n) => write!(f, "line {n}"),
            Self::Record(n) => write!(f, "record {n}"),
        }
    }
}

/// One record's fields, before roles are resolved.
#[derive(Default)]
struct Fields {
    username: String,
    email: Option<String>,
    display_name: Option<String>,
    password_hash: String,
    roles: Vec<String>,
}

/// What a record turned into.
enum Parsed {
    Row(Fields),
    Skip(Skipped),
}

/// The options of the command.
pub(crate) struct Options<'a> {
    pub(crate) file: &'a std::path::Path,
    pub(crate) superuser_role: Option<RoleKey>,
    pub(crate) dry_run: bool,
}

/// Runs `user import`.
///
/// # Errors
///
/// The file cannot be read; [`CliError::Rows`] with every problem of every row; the
/// library's (the tenant, a database failure).
pub(crate) async fn run(
    repo: &dyn UserRepository,
    tenant: &TenantView,
    options: Options<'_>,
) -> CliResult<ImportReport> {
    let text = std::fs::read_to_string(options.file).map_err(|e| {
        CliError::msg(format!(
            "cannot read {:?}: {e}",
            options.file.display().to_string()
        ))
    })?;
    let records = read_records(&text, options.superuser_role.as_ref());
    let mut problems: Vec<(At, String)> = Vec::new();
    let mut skipped = Vec::new();
    let mut rows: Vec<ImportedUser> = Vec::new();
    let mut row_at: Vec<At> = Vec::new();
    let mut plants = HashMap::new();
    for (at, record) in records {
        match record {
            Err(problem) => problems.push((at, problem)),
            Ok(Parsed::Skip(skip)) => skipped.push(Skipped {
                at: at.to_string(),
                ..skip
            }),
            Ok(Parsed::Row(fields)) => match user_of(repo, tenant, &mut plants, fields).await? {
                Ok(user) => {
                    rows.push(user);
                    row_at.push(at);
                }
                Err(these) => problems.extend(these.into_iter().map(|p| (at, p))),
            },
        }
    }
    let total = rows.len();
    let problems_of_rows = |found: Vec<tenantry_service::RowProblem>| {
        found.into_iter().map(|p| {
            let at = row_at
                .get(p.index)
                .copied()
                .unwrap_or(At::Record(p.index + 1));
            let what = match p.problem {
                Problem::SameAsRow { row } => match row_at.get(row) {
                    Some(other) => format!("{}: the same as {other}'s", p.field),
                    None => format!("{}: the same as another row's", p.field),
                },
                // "row N: field: why" without the row: the place in the file replaces it.
                _ => {
                    let shown = p.to_string();
                    shown
                        .split_once(": ")
                        .map_or_else(|| shown.clone(), |(_, rest)| rest.to_owned())
                }
            };
            (at, what)
        })
    };
    if !problems.is_empty() || options.dry_run {
        let found = repo.check_import(tenant.id, rows).await?;
        problems.extend(problems_of_rows(found));
        return refuse(problems, skipped, total);
    }
    let progress = Progress::start(total);
    let result = repo
        .import_users_all_or_nothing(tenant.id, rows, None, Some(progress.callback()))
        .await;
    progress.finish();
    match result {
        Ok(ids) => Ok(ImportReport {
            imported: ids.len(),
            dry_run: false,
            skipped,
        }),
        Err(tenantry_service::Error::ImportRefused { problems: found }) => {
            problems.extend(problems_of_rows(found));
            refuse(problems, skipped, total)
        }
        Err(tenantry_service::Error::ImportRow { index, source, .. }) => {
            let at = row_at.get(index).copied().unwrap_or(At::Record(index + 1));
            problems.push((at, source.to_string()));
            refuse(problems, skipped, total)
        }
        Err(error) => Err(error.into()),
    }
}

/// Every problem by place in the file, or (a dry run without any) the report of what would
/// be imported.
fn refuse(
    mut problems: Vec<(At, String)>,
    skipped: Vec<Skipped>,
    rows: usize,
) -> CliResult<ImportReport> {
    if problems.is_empty() {
        return Ok(ImportReport {
            imported: rows,
            dry_run: true,
            skipped,
        });
    }
    problems.sort_by_key(|(at, _)| match at {
        At::Line(n) => *n,
        At::Record(n) => *n as u64,
    });
    let lines = problems
        .iter()
        .map(|(at, problem)| format!("{at}: {problem}"))
        .collect();
    Err(CliError::Rows {
        lines,
        summary: format!(
            "import refused: {} problem(s) in the file; nothing was written",
            problems.len()
        ),
    })
}

/// The file's records, each where it is and what it holds (or what is wrong with it).
fn read_records(text: &str, superuser_role: Option<&RoleKey>) -> Vec<(At, Result<Parsed, String>)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match text.trim_start().chars().next() {
        Some('[') => match serde_json::from_str::<Vec<Value>>(text) {
            Ok(values) => values
                .into_iter()
                .enumerate()
                .map(|(n, value)| (At::Record(n + 1), from_json(value, superuser_role)))
                .collect(),
            Err(e) => vec![(
                At::Line(e.line() as u64),
                Err(format!("not a JSON array of objects: {e}")),
            )],
        },
        Some('{') => text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(n, line)| {
                let parsed = serde_json::from_str::<Value>(line)
                    .map_err(|e| format!("not a JSON object: {e}"))
                    .and_then(|value| from_json(value, superuser_role));
                (At::Line(n as u64 + 1), parsed)
            })
            .collect(),
        _ => from_csv(text),
    }
}

/// A JSON record: a Django `auth.user` one, or this command's own fields.
fn from_json(value: Value, superuser_role: Option<&RoleKey>) -> Result<Parsed, String> {
    let Value::Object(mut object) = value else {
        return Err("not a JSON object".into());
    };
    if let Some(model) = object.get("model") {
        if model != "auth.user" {
            return Err("model: not auth.user".into());
        }
        let Some(Value::Object(fields)) = object.remove("fields") else {
            return Err("fields: missing".into());
        };
        return from_django(&fields, superuser_role);
    }
    if let Some(unknown) = object.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(format!("{unknown:?}: not a field of an import"));
    }
    let roles = match object.remove("roles") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(roles)) => roles
            .into_iter()
            .map(|r| match r {
                Value::String(r) => Ok(r),
                _ => Err("roles: not an array of strings".to_owned()),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("roles: not an array of strings".into()),
    };
    Ok(Parsed::Row(Fields {
        username: required(&object, "username")?,
        email: optional(&object, "email")?,
        display_name: optional(&object, "display_name")?,
        password_hash: required(&object, "password_hash")?,
        roles,
    }))
}

/// A Django `auth.user` record's fields (see the module docs for the mapping).
fn from_django(
    fields: &serde_json::Map<String, Value>,
    superuser_role: Option<&RoleKey>,
) -> Result<Parsed, String> {
    let username = required(fields, "username")?;
    let password = required(fields, "password")?;
    let flag = |name: &str| fields.get(name).and_then(Value::as_bool);
    if flag("is_active") == Some(false) {
        return Ok(Parsed::Skip(skipped(username, "inactive")));
    }
    if password.starts_with('!') {
        return Ok(Parsed::Skip(skipped(username, "no_usable_password")));
    }
    let name = |key: &str| optional(fields, key).map(Option::unwrap_or_default);
    let display_name = format!("{} {}", name("first_name")?, name("last_name")?);
    let display_name = Some(display_name.trim().to_owned()).filter(|n| !n.is_empty());
    let roles = match (flag("is_superuser"), superuser_role) {
        (Some(true), Some(role)) => vec![role.to_string()],
        _ => Vec::new(),
    };
    Ok(Parsed::Row(Fields {
        username,
        email: optional(fields, "email")?,
        display_name,
        password_hash: password,
        roles,
    }))
}

fn skipped(username: String, reason: &'static str) -> Skipped {
    Skipped {
        at: String::new(),
        username,
        reason,
    }
}

fn required(object: &serde_json::Map<String, Value>, key: &str) -> Result<String, String> {
    match object.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        None | Some(Value::Null) => Err(format!("{key}: missing")),
        Some(_) => Err(format!("{key}: not a string")),
    }
}

/// A string field; empty counts as absent.
fn optional(object: &serde_json::Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match object.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
        None | Some(Value::Null | Value::String(_)) => Ok(None),
        Some(_) => Err(format!("{key}: not a string")),
    }
}

/// CSV with a header naming the columns (any order; `username` and `password_hash` required).
fn from_csv(text: &str) -> Vec<(At, Result<Parsed, String>)> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers = match reader.headers() {
        Ok(headers) => headers.clone(),
        Err(e) => return vec![(At::Line(1), Err(format!("not CSV with a header: {e}")))],
    };
    if let Some(unknown) = headers.iter().find(|h| !FIELDS.contains(h)) {
        return vec![(
            At::Line(1),
            Err(format!("{unknown:?}: not a column of an import")),
        )];
    }
    for needed in ["username", "password_hash"] {
        if !headers.iter().any(|h| h == needed) {
            return vec![(At::Line(1), Err(format!("{needed}: no such column")))];
        }
    }
    let column = |name: &str| headers.iter().position(|h| h == name);
    let (username, email, display_name, hash, roles) = (
        column("username"),
        column("email"),
        column("display_name"),
        column("password_hash"),
        column("roles"),
    );
    reader
        .records()
        .map(|record| match record {
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                (At::Line(line), Err(format!("not a CSV row: {e}")))
            }
            Ok(record) => {
                let line = record.position().map_or(0, csv::Position::line);
                let get = |i: Option<usize>| {
                    i.and_then(|i| record.get(i))
                        .filter(|v| !v.is_empty())
                        .map(str::to_owned)
                };
                let fields = Fields {
                    username: get(username).unwrap_or_default(),
                    email: get(email),
                    display_name: get(display_name),
                    password_hash: get(hash).unwrap_or_default(),
                    roles: get(roles)
                        .map(|r| r.split(';').map(|r| r.trim().to_owned()).collect())
                        .unwrap_or_default(),
                };
                (At::Line(line), Ok(Parsed::Row(fields)))
            }
        })
        .collect()
}

/// The library's input for a record, or its problems (roles that do not parse, plants that
/// are not the tenant's).
async fn user_of(
    repo: &dyn UserRepository,
    tenant: &TenantView,
    plants: &mut HashMap<String, Option<tenantry_service::PlantId>>,
    fields: Fields,
) -> CliResult<Result<ImportedUser, Vec<String>>> {
    let mut problems = Vec::new();
    let mut tenant_roles = Vec::new();
    let mut plant_roles = Vec::new();
    for role in fields.roles.iter().filter(|r| !r.is_empty()) {
        let (key, plant) = match role.split_once('@') {
            Some((key, plant)) => (key, Some(plant)),
            None => (role.as_str(), None),
        };
        let Ok(key) = RoleKey::new(key) else {
            problems.push(format!("roles: {key:?} is not a role key"));
            continue;
        };
        let Some(code) = plant else {
            tenant_roles.push(key);
            continue;
        };
        let plant_id = match plants.get(code) {
            Some(id) => *id,
            None => {
                let id = repo.get_plant_by_code(tenant.id, code).await?.map(|p| p.id);
                plants.insert(code.to_owned(), id);
                id
            }
        };
        match plant_id {
            Some(plant_id) => plant_roles.push(PlantRole {
                plant_id,
                role: key,
            }),
            None => problems.push(format!("roles: no plant {code:?} in this tenant")),
        }
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    Ok(Ok(ImportedUser {
        display_name: fields
            .display_name
            .unwrap_or_else(|| fields.username.clone()),
        username: fields.username,
        email: fields.email,
        password_hash: ImportedHash::new(fields.password_hash),
        tenant_roles,
        plant_roles,
    }))
}

/// A progress bar on a terminal; plain lines on stderr otherwise.
struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    fn start(rows: usize) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(rows as u64);
            if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} users") {
                bar.set_style(style);
            }
            bar.set_message("checking");
            bar
        });
        Self { bar }
    }

    /// What the library calls as it goes.
    fn callback(&self) -> ImportProgress {
        let bar = self.bar.clone();
        Arc::new(move |stage| match (&bar, stage) {
            (Some(bar), ImportStage::Checked { .. }) => bar.set_message("writing"),
            (Some(bar), ImportStage::Written { written, .. }) => bar.set_position(written as u64),
            (None, ImportStage::Checked { rows }) => {
                eprintln!("checked {rows} rows; writing");
            }
            (None, ImportStage::Written { written, rows }) => {
                eprintln!("written {written}/{rows}");
            }
            _ => {}
        })
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
