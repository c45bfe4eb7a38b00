//! tenantry in one story: migrate, create a tenant with two plants and users with plant and
//! tenant roles, log one in, reset a password with a one-time token, and print the users with
//! their effective roles and last login. Then the same from a single-tenant service's side: a
//! scope of the `default` tenant, made on first use, whose calls take no tenant.
//!
//! `cargo run --example quickstart` uses `tenantry.db` in the current directory (or
//! `DATABASE_URL`). It can run any number of times: each run works in a tenant of its own.

use std::error::Error;
use std::sync::Arc;
use tenantry_service::prelude::*;
use tenantry_service::{
    Config, LoginContext, LoginSource, NewPlant, NewTenant, NewUser, Password, PlantRole,
    SeaOrmUserRepository, TenantScope, UserFilter, UserQuery, UserRepository, UserRole,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "sqlite://tenantry.db?mode=rwc".to_owned());
    let db = tenantry_service::connect(&url).await?;
    tenantry_service::migrate(&db).await?;
    let users = SeaOrmUserRepository::open(db, Config::default()).await?;

    // A tenant of this run's own, so the story can be told again on the same database.
    let run = chrono::Utc::now().format("%Y%m%d%H%M%S%3f");
    let tenant = users
        .create_tenant(
            NewTenant {
                slug: format!("acme-{run}"),
                name: "Acme Plastics".into(),
            },
            None,
        )
        .await?;
    println!("tenant {} ({})", tenant.slug, tenant.pid);

    let north = users
        .create_plant(
            tenant.id,
            NewPlant {
                code: "NORTH".into(),
                name: "North Works".into(),
            },
            None,
        )
        .await?;
    let south = users
        .create_plant(
            tenant.id,
            NewPlant {
                code: "SOUTH".into(),
                name: "South Works".into(),
            },
            None,
        )
        .await?;

    let admin = users
        .create_user(
            tenant.id,
            NewUser {
                username: "ada".into(),
                email: Some("ada@acme.example".into()),
                display_name: "Ada Admin".into(),
                password: Some(Password::new("copper kettle whistles at dawn")),
                tenant_roles: vec![UserRole::Admin.into()],
                ..Default::default()
            },
            None,
        )
        .await?;
    let actor = Some(admin.id);
    users
        .create_user(
            tenant.id,
            NewUser {
                username: "Otto".into(),
                email: Some("otto@acme.example".into()),
                display_name: "Otto Operator".into(),
                password: Some(Password::new("seven purple lanterns drift")),
                plant_roles: vec![
                    PlantRole {
                        plant_id: north.id,
                        role: UserRole::Operator.into(),
                    },
                    PlantRole {
                        plant_id: south.id,
                        role: UserRole::Supervisor.into(),
                    },
                ],
                ..Default::default()
            },
            actor,
        )
        .await?;
    let erin = users
        .create_user(
            tenant.id,
            NewUser {
                username: "erin".into(),
                display_name: "Erin Engineer".into(),
                password: Some(Password::new("granite owls debate quietly")),
                tenant_roles: vec![UserRole::Supervisor.into()],
                plant_roles: vec![PlantRole {
                    plant_id: north.id,
                    role: UserRole::Engineer.into(),
                }],
                ..Default::default()
            },
            actor,
        )
        .await?;

    // Logins are case-insensitive on the username; a wrong password is one uniform error.
    let session = users
        .authenticate(
            tenant.id,
            "OTTO",
            &Password::new("seven purple lanterns drift"),
            LoginContext::from(LoginSource::cli()),
        )
        .await?;
    println!(
        "logged in {} (security stamp kept in the session)",
        session.user.display_name
    );
    let refused = users
        .authenticate(
            tenant.id,
            "otto",
            &Password::new("wrong"),
            LoginContext::from(LoginSource::cli()),
        )
        .await;
    println!(
        "wrong password: {}",
        refused.err().map(|e| e.to_string()).unwrap_or_default()
    );

    // An administrator issues a one-time reset token; the user redeems it once.
    let reset = users
        .issue_password_reset(tenant.id, erin.id, None, actor)
        .await?;
    println!(
        "reset token for erin expires at {}",
        reset.expires_at.format("%H:%M:%S UTC")
    );
    let new_password = Password::new("velvet comets hum softly");
    users
        .redeem_password_reset(Some(tenant.id), reset.token.expose(), &new_password)
        .await?;
    let replay = users
        .redeem_password_reset(Some(tenant.id), reset.token.expose(), &new_password)
        .await;
    println!(
        "the same token again: {}",
        replay.err().map(|e| e.to_string()).unwrap_or_default()
    );
    users
        .authenticate(
            tenant.id,
            "erin",
            &new_password,
            LoginContext::from(LoginSource::cli()),
        )
        .await?;

    print_users(
        &users,
        tenant.id,
        &[(north.id, "NORTH"), (south.id, "SOUTH")],
    )
    .await?;

    // A service with one tenant need not think about tenants: the scope of the `default`
    // tenant (created on first use, found on every later start) takes no `TenantId`.
    let repo: Arc<dyn UserRepository> = Arc::new(users);
    let single = TenantScope::default_tenant(repo).await?;
    let grace = single
        .create_user(
            NewUser {
                username: format!("grace-{run}"),
                display_name: "Grace Hopper".into(),
                password: Some(Password::new("compiler nanoseconds cobol bugs")),
                tenant_roles: vec![UserRole::Admin.into()],
                ..NewUser::default()
            },
            None,
        )
        .await?;
    let signed_in = single
        .authenticate(
            grace.username.as_deref().unwrap_or_default(),
            &Password::new("compiler nanoseconds cobol bugs"),
            LoginContext::from(LoginSource::web()),
        )
        .await?;
    let everyone = single.count_users(&UserFilter::default()).await?;
    println!(
        "\nsingle tenant: {} signed in to tenant `default` ({everyone} users there)",
        signed_in.user.display_name
    );
    Ok(())
}

/// The tenant's users with their effective role at each plant and their last login.
async fn print_users(
    users: &SeaOrmUserRepository,
    tenant: tenantry_service::TenantId,
    plants: &[(tenantry_service::PlantId, &str)],
) -> Result<(), Box<dyn Error>> {
    let page = users.list_users(tenant, &UserQuery::default()).await?;
    println!();
    print!(
        "{:<10} {:<16} {:<12}",
        "username", "display name", "tenant roles"
    );
    for (_, code) in plants {
        print!(" {code:<11}");
    }
    println!(" last login");
    for user in &page.items {
        let tenant_roles = match user.tenant_roles.as_slice() {
            [] => "-".to_owned(),
            roles => roles
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(","),
        };
        print!(
            "{:<10} {:<16} {:<12}",
            user.username.as_deref().unwrap_or("-"),
            user.display_name,
            tenant_roles
        );
        for (plant, _) in plants {
            print!(
                " {:<11}",
                user.effective_role(*plant).map_or("-", |r| r.as_str())
            );
        }
        let last_login = user.last_login_at.map_or("never".to_owned(), |at| {
            at.format("%Y-%m-%d %H:%M:%S").to_string()
        });
        println!(" {last_login}");
    }
    println!("{} users", page.total);
    Ok(())
}
