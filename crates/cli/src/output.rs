//! What a command prints: aligned tables for people, JSON (`--json`) for scripts.
//!
//! A command returns a [`Report`] and prints nothing itself; `main` renders the report only
//! once the command has succeeded, so a failing command never leaves half an answer on stdout.

use crate::error::{CliError, CliResult};
use crate::factor::{FactorList, Shown};
use crate::import::ImportReport;
use crate::migrate::{MigrationChanges, MigrationState};
use crate::scim::ScimTokenReport;
use crate::session::SessionsEnded;
use crate::token::IssuedTokenReport;
use crate::user::{DeletedUser, Done};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use tenantry_service::{
    Delegation, PasskeyView, PlantView, RoleCatalogue, RoleKey, RoleScope, ScimTokenView,
    SecondFactorPolicy, SessionView, TenantView, UserView,
};
use unicode_width::UnicodeWidthStr;

/// What a successful command has to say.
#[derive(Debug)]
pub(crate) enum Report {
    /// One tenant (created).
    Tenant(TenantView),
    /// A listing of tenants.
    Tenants(Vec<TenantView>),
    /// One plant (created).
    Plant(PlantView),
    /// A listing of plants.
    Plants(Vec<PlantView>),
    /// One user, in full (shown, created or changed).
    User(Box<UserView>),
    /// A listing of users.
    Users(Vec<UserView>),
    /// A user that was deleted.
    Deleted(DeletedUser),
    /// A credential command that succeeded.
    Done(Done),
    /// A token, shown once.
    Token(IssuedTokenReport),
    /// What `migrate up|down|fresh` applied and reverted.
    Migrations(MigrationChanges),
    /// Every migration and whether it is applied.
    MigrationStatus(Vec<MigrationState>),
    /// The stored role catalogue.
    Roles(RoleCatalogue),
    /// What `user import` imported (or, with `--dry-run`, would import) and skipped.
    Imported(ImportReport),
    /// A user's live sessions.
    Sessions(Vec<SessionView>),
    /// How many sessions `session revoke` or `session prune` ended.
    SessionsEnded(SessionsEnded),
    /// A user's second factors.
    Factors(FactorList),
    /// What `factor enrol` or `factor confirm` shows once.
    Shown(Shown),
    /// The tenant's second-factor policy.
    FactorPolicy(SecondFactorPolicy),
    /// A SCIM token just made, shown once.
    ScimToken(ScimTokenReport),
    /// SCIM tokens (listed, or the one revoked).
    ScimTokens(Vec<ScimTokenView>),
    /// A user's passkeys.
    Passkeys(Vec<PasskeyView>),
}

/// The report as printed: JSON when `json`, else a table; ends with a newline.
///
/// # Errors
///
/// Encoding JSON failed (the views always encode, so this does not happen in practice).
pub(crate) fn render(report: &Report, json: bool) -> CliResult<String> {
    if json {
        return render_json(report);
    }
    Ok(match report {
        Report::Tenant(tenant) => tenants_table(std::slice::from_ref(tenant)),
        Report::Tenants(tenants) => tenants_table(tenants),
        Report::Plant(plant) => plants_table(std::slice::from_ref(plant)),
        Report::Plants(plants) => plants_table(plants),
        Report::User(user) => user_details(user),
        Report::Users(users) => users_table(users),
        Report::Deleted(deleted) => {
            format!("deleted user {}\n", or_dash(deleted.username.as_deref()))
        }
        Report::Done(done) => format!(
            "{}: {}\n",
            done.outcome.replace('_', " "),
            or_dash(done.username.as_deref())
        ),
        Report::Token(token) => format!(
            "{}\n(password reset for {}, expires {}; shown once)\n",
            token.token,
            or_dash(token.username.as_deref()),
            token.expires_at.to_rfc3339_opts(SecondsFormat::Secs, true)
        ),
        Report::Migrations(changes) => migration_changes(changes),
        Report::MigrationStatus(states) => migration_status_table(states),
        Report::Roles(catalogue) => roles_table(catalogue),
        Report::Imported(report) => import_summary(report),
        Report::Sessions(sessions) => sessions_table(sessions),
        Report::SessionsEnded(ended) => match &ended.username {
            Some(username) => format!(
                "{} {} sessions of {username}\n",
                ended.outcome, ended.sessions
            ),
            None => format!("{} {} sessions\n", ended.outcome, ended.sessions),
        },
        Report::Factors(list) => factors_table(list),
        Report::Shown(shown) => {
            let mut text = format!("{} authenticator {}\n", shown.outcome, shown.authenticator);
            for (label, value) in &shown.secrets {
                text.push_str(&format!("{label}: {value}\n"));
            }
            text
        }
        Report::FactorPolicy(policy) => match policy {
            SecondFactorPolicy::Nobody => "second factor required of: nobody\n".to_owned(),
            SecondFactorPolicy::Everyone => "second factor required of: everyone\n".to_owned(),
            SecondFactorPolicy::Roles(keys) => {
                let keys: Vec<&str> = keys.iter().map(RoleKey::as_str).collect();
                format!(
                    "second factor required of: holders of {}\n",
                    keys.join(", ")
                )
            }
        },
        // The token alone on the last line, so a script takes it with `tail -n 1`.
        Report::ScimToken(made) => format!(
            "SCIM token {:?} ({}) for tenant {}; shown once:\n{}\n",
            made.name, made.pid, made.tenant, made.token
        ),
        Report::ScimTokens(tokens) => scim_tokens_table(tokens),
        Report::Passkeys(passkeys) => passkeys_table(passkeys),
    })
}

/// `imported 4 users` (or `would import`), then each skipped record on its own line.
fn import_summary(report: &ImportReport) -> String {
    let verb = if report.dry_run {
        "dry run: would import"
    } else {
        "imported"
    };
    let mut text = format!("{verb} {} users\n", report.imported);
    for skipped in &report.skipped {
        text.push_str(&format!(
            "skipped {}: {:?} ({})\n",
            skipped.at,
            skipped.username,
            skipped.reason.replace('_', " ")
        ));
    }
    text
}

fn render_json(report: &Report) -> CliResult<String> {
    let encoded = match report {
        Report::Tenant(tenant) => to_json(tenant),
        Report::Tenants(tenants) => to_json(tenants),
        Report::Plant(plant) => to_json(plant),
        Report::Plants(plants) => to_json(plants),
        Report::User(user) => to_json(user),
        Report::Users(users) => to_json(users),
        Report::Deleted(deleted) => to_json(deleted),
        Report::Done(done) => to_json(done),
        Report::Token(token) => to_json(token),
        Report::Migrations(changes) => to_json(changes),
        Report::MigrationStatus(states) => to_json(states),
        Report::Roles(catalogue) => to_json(catalogue),
        Report::Imported(report) => to_json(report),
        Report::Sessions(sessions) => to_json(sessions),
        Report::SessionsEnded(ended) => to_json(ended),
        Report::Factors(list) => to_json(list),
        Report::Shown(shown) => to_json(shown),
        Report::FactorPolicy(policy) => to_json(policy),
        Report::ScimToken(made) => to_json(made),
        Report::ScimTokens(tokens) => to_json(tokens),
        Report::Passkeys(passkeys) => to_json(passkeys),
    };
    encoded
        .map(|text| text + "\n")
        .map_err(|e| CliError::msg(format!("cannot encode the output as JSON: {e}")))
}

fn factors_table(list: &FactorList) -> String {
    let mut text = String::from("ID\tKIND\tNAME\tCONFIRMED\tLAST USED\n");
    for factor in &list.authenticators {
        let kind = serde_json::to_value(factor.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        text.push_str(&format!(
            "{}\t{kind}\t{}\t{}\t{}\n",
            factor.id,
            factor.name,
            if factor.confirmed { "yes" } else { "pending" },
            factor
                .last_used_at
                .map_or_else(|| "-".to_owned(), |at| at.to_rfc3339()),
        ));
    }
    text.push_str(&format!(
        "recovery codes left: {}\n",
        list.recovery_codes_left
    ));
    text
}

fn to_json<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    serde_json::to_string_pretty(value)
}

fn roles_table(catalogue: &RoleCatalogue) -> String {
    let keys = |keys: &[RoleKey]| match keys {
        [] => "-".to_owned(),
        keys => keys
            .iter()
            .map(RoleKey::as_str)
            .collect::<Vec<_>>()
            .join(","),
    };
    let mut text = table(
        &[
            "KEY",
            "NAME",
            "SCOPE",
            "IMPLIES",
            "ADMINISTERS USERS",
            "DEFAULT",
            "GRANTS",
        ],
        catalogue.roles().iter().map(|r| {
            vec![
                r.key().to_string(),
                r.name().to_owned(),
                // The words `--json` and the stored rows use.
                match r.scope() {
                    RoleScope::Tenant => "tenant",
                    RoleScope::Plant => "plant",
                    _ => "both",
                }
                .to_owned(),
                keys(r.implies()),
                yes_no(r.administers_users()),
                yes_no(r.is_default()),
                match r.delegation() {
                    Delegation::Everything => "everything".to_owned(),
                    Delegation::Nothing => "-".to_owned(),
                    Delegation::Only(only) => keys(only),
                    Delegation::AllExcept(except) => format!("all but {}", keys(except)),
                },
            ]
        }),
    );
    if catalogue.is_exclusive() {
        text.push_str("(one role per user per scope)\n");
    }
    text
}

fn yes_no(yes: bool) -> String {
    if yes { "yes" } else { "no" }.to_owned()
}

fn sessions_table(sessions: &[SessionView]) -> String {
    table(
        &[
            "ID",
            "STARTED",
            "LAST SEEN",
            "EXPIRES",
            "ADDRESS",
            "USER AGENT",
        ],
        sessions.iter().map(|s| {
            vec![
                s.pid.to_string(),
                time(s.created_at),
                time(s.last_seen_at),
                time(s.expires_at),
                or_dash(s.ip.as_deref()),
                or_dash(s.user_agent.as_deref()),
            ]
        }),
    )
}

fn scim_tokens_table(tokens: &[ScimTokenView]) -> String {
    table(
        &["ID", "NAME", "CREATED", "LAST USED", "REVOKED"],
        tokens.iter().map(|t| {
            vec![
                t.pid.to_string(),
                t.name.clone(),
                time(t.created_at),
                t.last_used_at.map_or_else(|| "-".to_owned(), time),
                t.revoked_at.map_or_else(|| "-".to_owned(), time),
            ]
        }),
    )
}

fn passkeys_table(passkeys: &[PasskeyView]) -> String {
    table(
        &["ID", "NAME", "REGISTERED", "LAST USED"],
        passkeys.iter().map(|p| {
            vec![
                p.id.to_string(),
                p.name.clone(),
                p.confirmed_at.map_or_else(|| "-".to_owned(), time),
                p.last_used_at.map_or_else(|| "-".to_owned(), time),
            ]
        }),
    )
}

fn tenants_table(tenants: &[TenantView]) -> String {
    table(
        &["SLUG", "NAME", "STATUS", "CREATED"],
        tenants.iter().map(|t| {
            vec![
                t.slug.clone(),
                t.name.clone(),
                t.status.to_string(),
                time(t.created_at),
            ]
        }),
    )
}

fn plants_table(plants: &[PlantView]) -> String {
    table(
        &["CODE", "NAME", "STATUS", "CREATED"],
        plants.iter().map(|p| {
            vec![
                p.code.clone(),
                p.name.clone(),
                if p.is_active { "active" } else { "inactive" }.to_owned(),
                time(p.created_at),
            ]
        }),
    )
}

fn users_table(users: &[UserView]) -> String {
    table(
        &[
            "USERNAME",
            "DISPLAY NAME",
            "EMAIL",
            "STATUS",
            "TENANT ROLES",
            "PLANT ROLES",
            "LAST LOGIN",
        ],
        users.iter().map(|u| {
            vec![
                or_dash(u.username.as_deref()),
                u.display_name.clone(),
                or_dash(u.email.as_deref()),
                u.status.to_string(),
                tenant_roles(u),
                plant_roles(u),
                u.last_login_at.map_or_else(|| "never".to_owned(), time),
            ]
        }),
    )
}

/// One user as `field  value` lines.
fn user_details(u: &UserView) -> String {
    let optional_time = |t: Option<DateTime<Utc>>| t.map_or_else(|| "-".to_owned(), time);
    let fields: [(&str, String); 14] = [
        ("username", or_dash(u.username.as_deref())),
        ("display name", u.display_name.clone()),
        ("email", or_dash(u.email.as_deref())),
        ("status", u.status.to_string()),
        ("tenant roles", tenant_roles(u)),
        ("plant roles", plant_roles(u)),
        (
            "password",
            if u.has_password { "set" } else { "none" }.to_owned(),
        ),
        (
            "last login",
            u.last_login_at.map_or_else(|| "never".to_owned(), time),
        ),
        ("logins", u.login_count.to_string()),
        ("locked until", optional_time(u.locked_until)),
        ("expires", optional_time(u.expires_at)),
        ("id", u.pid.to_string()),
        ("created", time(u.created_at)),
        ("updated", time(u.updated_at)),
    ];
    aligned(
        fields
            .into_iter()
            .map(|(name, value)| vec![name.to_owned(), value])
            .collect(),
    )
}

fn migration_changes(changes: &MigrationChanges) -> String {
    let mut out = String::new();
    for name in &changes.reverted {
        out.push_str(&format!("reverted {name}\n"));
    }
    for name in &changes.applied {
        out.push_str(&format!("applied  {name}\n"));
    }
    if out.is_empty() {
        out.push_str("nothing to do\n");
    }
    out
}

fn migration_status_table(states: &[MigrationState]) -> String {
    table(
        &["MIGRATION", "STATUS"],
        states
            .iter()
            .map(|s| vec![s.name.clone(), s.status.to_owned()]),
    )
}

/// `admin,project_manager`, or `-` without tenant-wide roles.
fn tenant_roles(user: &UserView) -> String {
    if user.tenant_roles.is_empty() {
        return "-".to_owned();
    }
    user.tenant_roles
        .iter()
        .map(RoleKey::as_str)
        .collect::<Vec<_>>()
        .join(",")
}

/// `P1:admin,P2:operator`, or `-` without plant roles.
fn plant_roles(user: &UserView) -> String {
    if user.plant_roles.is_empty() {
        return "-".to_owned();
    }
    user.plant_roles
        .iter()
        .map(|r| format!("{}:{}", r.plant_code, r.role))
        .collect::<Vec<_>>()
        .join(",")
}

fn or_dash(value: Option<&str>) -> String {
    value.unwrap_or("-").to_owned()
}

/// A UTC time as RFC 3339 to the second: `2026-11-22T08:03:55Z`.
fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A header row and the rows under it, in aligned columns.
fn table(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut all = vec![header.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>()];
    all.extend(rows);
    aligned(all)
}

/// Rows in columns two spaces apart, padded by display width (so `José` and `山田` line up);
/// the last column is not padded, so no line ends in spaces.
fn aligned(rows: Vec<Vec<String>>) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|row| row.get(c))
                .map(|cell| cell.width())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in &rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c + 1 < row.len() {
                line.push_str(cell);
                line.push_str(&" ".repeat(widths[c] - cell.width() + 2));
            } else {
                line.push_str(cell);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::aligned;

    #[test]
    fn columns_align_by_display_width() {
        let rows = vec![
            vec!["A".to_owned(), "NAME".to_owned(), "X".to_owned()],
            vec!["long-one".to_owned(), "山田".to_owned(), "y".to_owned()],
            vec!["b".to_owned(), "José".to_owned(), "z".to_owned()],
        ];
        assert_eq!(
            aligned(rows),
            "A         NAME  X\nlong-one  山田  y\nb         José  z\n"
        );
    }
}
