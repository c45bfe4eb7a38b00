#![allow(clippy::unwrap_used, clippy::expect_used)]
//! After every credential flow, a dump of every column of every table holds no plaintext
//! password and no raw token: not as given, not in hex, not in base64.

mod common;

use argon2::PasswordHasher as _;
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use common::*;
use sea_orm::{EntityTrait, FromQueryResult, IdenStatic, Iterable, JsonValue, Statement};
use sha2::{Digest, Sha256};
use tenantry_service::entity::{
    audit_events, authenticators, credential_tokens, group_members, groups, identity_providers,
    login_challenges, login_events, plants, recovery_codes, role_catalogue, roles, scim_tokens,
    second_factor_policies, session_usage, sessions, tenant_locks, tenants, user_identities,
    user_plant_roles, user_tenant_roles, users,
};
use tenantry_service::migration::TABLES;
use tenantry_service::prelude::*;
use tenantry_service::session_store::SeaOrmSessionStore;
use tenantry_service::{
    IdentityUser, ImportedHash, ImportedUser, Invitation, LoginSource, NewIdentity, NewPlant,
    NewUser, PlantRole, UserRole,
};
use tower_sessions_core::SessionStore as _;
use tower_sessions_core::session::{Id, Record};

/// Records every secret a flow handles.
#[derive(Default)]
struct Secrets {
    passwords: Vec<String>,
    tokens: Vec<String>,
}

impl Secrets {
    fn password(&mut self, password: &str) -> tenantry_service::Password {
        self.passwords.push(password.to_owned());
        pw(password)
    }

    fn token(&mut self, token: tenantry_service::IssuedToken) -> String {
        let raw = token.token.into_string();
        self.tokens.push(raw.clone());
        raw
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every form in which `bytes` would give itself away (lowercase where case does not matter).
fn encodings(bytes: &[u8]) -> Vec<String> {
    vec![
        hex(bytes),
        STANDARD.encode(bytes),
        STANDARD_NO_PAD.encode(bytes),
        URL_SAFE.encode(bytes),
        URL_SAFE_NO_PAD.encode(bytes),
    ]
}

/// The column names of an entity.
fn entity_columns<E: EntityTrait>() -> Vec<String> {
    E::Column::iter().map(|c| c.as_str().to_owned()).collect()
}

/// Every leaf of a JSON value, as text.
fn leaves(value: &JsonValue, out: &mut Vec<String>) {
    match value {
        JsonValue::Object(map) => map.values().for_each(|v| leaves(v, out)),
        JsonValue::Array(items) => {
            // A byte column (a UUID on MySQL) dumps as an array of numbers: keep its bytes too.
            let bytes: Option<Vec<u8>> = items
                .iter()
                .map(|v| v.as_u64().and_then(|n| u8::try_from(n).ok()))
                .collect();
            if let Some(bytes) = bytes.filter(|b| !b.is_empty()) {
                out.push(String::from_utf8_lossy(&bytes).into_owned());
                out.push(hex(&bytes));
            }
            items.iter().for_each(|v| leaves(v, out));
        }
        JsonValue::String(s) => {
            out.push(s.clone());
            // A JSON column may hold JSON as text: look inside it too.
            if let Ok(inner) = serde_json::from_str::<JsonValue>(s)
                && (inner.is_object() || inner.is_array())
            {
                leaves(&inner, out);
            }
        }
        other => out.push(other.to_string()),
    }
}

/// `SELECT *` from every tenantry table, every column of every row, as text.
async fn dump(env: &Env) -> Vec<(String, String)> {
    let expected_columns: Vec<(&str, Vec<String>)> = vec![
        ("tenantry_tenants", entity_columns::<tenants::Entity>()),
        ("tenantry_plants", entity_columns::<plants::Entity>()),
        ("tenantry_users", entity_columns::<users::Entity>()),
        (
            "tenantry_user_plant_roles",
            entity_columns::<user_plant_roles::Entity>(),
        ),
        (
            "tenantry_user_tenant_roles",
            entity_columns::<user_tenant_roles::Entity>(),
        ),
        (
            "tenantry_audit_events",
            entity_columns::<audit_events::Entity>(),
        ),
        (
            "tenantry_credential_tokens",
            entity_columns::<credential_tokens::Entity>(),
        ),
        (
            "tenantry_login_events",
            entity_columns::<login_events::Entity>(),
        ),
        (
            "tenantry_user_identities",
            entity_columns::<user_identities::Entity>(),
        ),
        ("tenantry_roles", entity_columns::<roles::Entity>()),
        (
            "tenantry_role_catalogue",
            entity_columns::<role_catalogue::Entity>(),
        ),
        (
            "tenantry_tenant_locks",
            entity_columns::<tenant_locks::Entity>(),
        ),
        (
            "tenantry_identity_providers",
            entity_columns::<identity_providers::Entity>(),
        ),
        ("tenantry_sessions", entity_columns::<sessions::Entity>()),
        (
            "tenantry_authenticators",
            entity_columns::<authenticators::Entity>(),
        ),
        (
            "tenantry_recovery_codes",
            entity_columns::<recovery_codes::Entity>(),
        ),
        (
            "tenantry_login_challenges",
            entity_columns::<login_challenges::Entity>(),
        ),
        (
            "tenantry_second_factor_policies",
            entity_columns::<second_factor_policies::Entity>(),
        ),
        (
            "tenantry_session_usage",
            entity_columns::<session_usage::Entity>(),
        ),
        (
            "tenantry_scim_tokens",
            entity_columns::<scim_tokens::Entity>(),
        ),
        ("tenantry_groups", entity_columns::<groups::Entity>()),
        (
            "tenantry_group_members",
            entity_columns::<group_members::Entity>(),
        ),
    ];
    let mut sorted_tables: Vec<&str> = TABLES.to_vec();
    sorted_tables.sort_unstable();
    let mut known: Vec<&str> = expected_columns.iter().map(|(t, _)| *t).collect();
    known.sort_unstable();
    assert_eq!(sorted_tables, known, "a table the dump does not know");

    let backend = env.conn().get_database_backend();
    let mut out = Vec::new();
    for (table, columns) in &expected_columns {
        let rows = JsonValue::find_by_statement(Statement::from_string(
            backend,
            format!("SELECT * FROM {table}"),
        ))
        .all(env.conn())
        .await
        .unwrap_or_else(|e| panic!("dumping {table}: {e}"));
        assert!(!rows.is_empty(), "the flows should leave rows in {table}");
        for row in rows {
            let object = row.as_object().expect("a row is an object");
            for column in columns {
                assert!(
                    object.contains_key(column),
                    "{table}.{column} missing from the dump (its type was not read)"
                );
            }
            let mut texts = Vec::new();
            leaves(&row, &mut texts);
            texts.push(row.to_string());
            for text in texts {
                out.push((table.to_string(), text));
            }
        }
    }
    out
}

#[tokio::test]
async fn no_password_or_token_is_stored_in_any_form() {
    let env = env().await;
    let mut secrets = Secrets::default();
    let t = env.tid();
    let repo = &env.repo;
    let plant = repo
        .create_plant(
            t,
            NewPlant {
                code: "P1".into(),
                name: "Plant One".into(),
            },
            None,
        )
        .await
        .unwrap();

    // Create with a password; log in right and wrong (a wrong guess is a secret too).
    let owner = repo
        .create_user(
            t,
            NewUser {
                password: Some(secrets.password("glossy pelican debates loudly")),
                tenant_roles: vec![UserRole::Admin.into()],
                plant_roles: vec![PlantRole {
                    plant_id: plant.id,
                    role: UserRole::Engineer.into(),
                }],
                ..user_input("owner", None)
            },
            None,
        )
        .await
        .unwrap();
    repo.authenticate(
        t,
        "owner",
        &secrets.password("glossy pelican debates loudly"),
        web(),
    )
    .await
    .unwrap();
    assert!(
        repo.authenticate(
            t,
            "owner",
            &secrets.password("glossy pelican debates quietly"),
            web()
        )
        .await
        .is_err()
    );
    assert!(
        repo.authenticate(
            t,
            "ghost",
            &secrets.password("phantom guess number nine"),
            web()
        )
        .await
        .is_err()
    );

    // Change and set.
    repo.change_password(
        t,
        owner.id,
        &secrets.password("glossy pelican debates loudly"),
        &secrets.password("rusty anchor sings at dawn"),
    )
    .await
    .unwrap();
    assert!(
        repo.change_password(
            t,
            owner.id,
            &secrets.password("wrong current guess here"),
            &secrets.password("never stored passphrase one"),
        )
        .await
        .is_err()
    );
    repo.set_password(
        t,
        owner.id,
        &secrets.password("velvet comet drifts northward"),
        None,
    )
    .await
    .unwrap();

    // Reset: issued and redeemed; requested and left outstanding.
    let reset = repo
        .issue_password_reset(t, owner.id, None, None)
        .await
        .unwrap();
    let reset = secrets.token(reset);
    repo.redeem_password_reset(
        Some(t),
        &reset,
        &secrets.password("quiet harbor lamps flicker"),
    )
    .await
    .unwrap();
    let outbox = Outbox::default();
    repo.request_password_reset(t, "owner@example.com", &outbox)
        .await
        .unwrap();
    let requested = outbox.take().remove(0).token;
    secrets.token(requested);

    // Invitation accepted; another left pending.
    let invited = repo
        .invite_user(
            t,
            Invitation {
                email: "guest@example.com".into(),
                username: None,
                display_name: "Guest".into(),
                ..Invitation::default()
            },
            None,
        )
        .await
        .unwrap();
    let invitation = secrets.token(invited.invitation);
    repo.accept_invitation(
        Some(t),
        &invitation,
        Some("guest".into()),
        &secrets.password("mellow badger counts pebbles"),
    )
    .await
    .unwrap();
    repo.authenticate(
        t,
        "guest",
        &secrets.password("mellow badger counts pebbles"),
        web(),
    )
    .await
    .unwrap();
    let pending = repo
        .invite_user(
            t,
            Invitation {
                email: "later@example.com".into(),
                username: Some("later".into()),
                display_name: "Later".into(),
                ..Invitation::default()
            },
            None,
        )
        .await
        .unwrap();
    secrets.token(pending.invitation);

    // Email verification: one redeemed, one outstanding.
    let verification = repo
        .issue_email_verification(t, owner.id, None)
        .await
        .unwrap();
    let verification = secrets.token(verification);
    repo.verify_email(Some(t), &verification).await.unwrap();
    let outstanding = repo
        .issue_email_verification(t, invited.user.id, None)
        .await
        .unwrap();
    secrets.token(outstanding);

    // SCIM tokens: one live, one revoked.
    let mut scim_raw = Vec::new();
    for name in ["entra", "okta"] {
        let (made, raw) = repo.create_scim_token(t, name, None).await.unwrap();
        assert_eq!(
            repo.scim_tenant(raw.expose()).await.unwrap().map(|t| t.id),
            Some(t)
        );
        scim_raw.push(raw.into_string());
        if name == "okta" {
            repo.revoke_scim_token(t, made.pid, None).await.unwrap();
        }
    }

    // A directory group with a member.
    repo.create_directory_group(
        t,
        tenantry_service::api::NewDirectoryGroup {
            display_name: "Night Shift".into(),
            external_id: Some("entra-group".into()),
            members: vec![owner.pid],
        },
    )
    .await
    .unwrap();

    // Identities: linked, provisioned, used.
    repo.link_identity(
        t,
        owner.id,
        NewIdentity {
            provider: "google".into(),
            subject: "owner-sub".into(),
            email: Some("owner@gmail.example".into()),
        },
        None,
    )
    .await
    .unwrap();
    repo.provision_from_identity(
        t,
        IdentityUser {
            identity: NewIdentity {
                provider: "okta".into(),
                subject: "sso-sub".into(),
                email: None,
            },
            username: "ssouser".into(),
            email: Some("sso@example.com".into()),
            display_name: "SSO".into(),
            tenant_roles: vec![],
        },
        None,
    )
    .await
    .unwrap();
    let sso = tenantry_service::LoginContext::from(LoginSource::sso());
    repo.authenticate_identity("google", "owner-sub", sso.clone())
        .await
        .unwrap();
    repo.authenticate_identity("okta", "sso-sub", sso.clone())
        .await
        .unwrap();
    // A first sign-in under the tenant's policy for a provider.
    let policy = tenantry_service::IdentityProviderPolicy {
        provider: "entra".into(),
        provisions_users: true,
        accepts_invitations: true,
        email_domains: vec!["example.com".into()],
        satisfies_second_factor: false,
    };
    repo.set_identity_provider(t, policy, None).await.unwrap();
    let claims = tenantry_service::ProviderClaims {
        provider: "entra".into(),
        subject: "entra-sub".into(),
        email: Some("entra@example.com".into()),
        email_verified: true,
        display_name: "Entra".into(),
        username: "entrauser".into(),
    };
    repo.sign_in_with_identity(t, claims, sso).await.unwrap();

    // Import, then the login that rehashes.
    let imported_password = secrets
        .password("tangled kite over marshes")
        .expose()
        .to_owned();
    let phc = Argon2::new(
        Algorithm::Argon2i,
        Version::V0x13,
        Params::new(8, 1, 1, None).unwrap(),
    )
    .hash_password(imported_password.as_bytes())
    .unwrap()
    .to_string();
    repo.import_user(
        t,
        ImportedUser {
            username: "imported".into(),
            email: None,
            display_name: "Imported".into(),
            password_hash: ImportedHash::new(phc),
            ..ImportedUser::default()
        },
        None,
    )
    .await
    .unwrap();
    repo.authenticate(t, "imported", &pw(&imported_password), web())
        .await
        .unwrap();
    repo.record_activity(t, owner.id).await.unwrap();

    // Second factors: a TOTP authenticator enrolled and used at a two-step sign-in, its
    // recovery codes (one used), the tenant's policy. Their secrets: the TOTP secret, every
    // recovery code, the challenge token.
    let mut second_factor_secrets: Vec<(String, &str)> = Vec::new();
    let totp_user = repo
        .create_user(
            t,
            NewUser {
                password: Some(secrets.password("mossy lantern drifts westward")),
                ..user_input("totp", None)
            },
            None,
        )
        .await
        .unwrap();
    let enrolment = repo.enrol_totp(t, totp_user.id, "phone").await.unwrap();
    let totp_secret = enrolment.secret.expose().to_owned();
    let code = |at: chrono::DateTime<chrono::Utc>| {
        totp_rs::Builder::new()
            .with_secret(totp_rs::Secret::try_from_base32(&totp_secret).unwrap())
            .with_digits(6)
            .with_step_duration(30)
            .build_noncompliant()
            .generate(u64::try_from(at.timestamp()).unwrap())
            .to_string()
    };
    let codes = repo
        .confirm_totp(
            t,
            totp_user.id,
            enrolment.authenticator,
            &code(env.now()),
            None,
        )
        .await
        .unwrap()
        .unwrap();
    env.advance(30);
    let step = match repo
        .sign_in(t, "totp", &pw("mossy lantern drifts westward"), web())
        .await
        .unwrap()
    {
        tenantry_service::SignIn::SecondFactor(step) => step,
        other => panic!("a second step, not {other:?}"),
    };
    repo.complete_sign_in(
        t,
        step.challenge.expose(),
        tenantry_service::SecondFactorProof::RecoveryCode(codes.expose()[0].clone()),
        web(),
    )
    .await
    .unwrap();
    repo.set_second_factor_policy(
        t,
        tenantry_service::SecondFactorPolicy::Roles(vec![UserRole::Admin.into()]),
        None,
    )
    .await
    .unwrap();
    second_factor_secrets.push((totp_secret.clone(), "TOTP secret (base32)"));
    let secret_bytes = totp_rs::Secret::try_from_base32(&totp_secret).unwrap();
    for form in encodings(secret_bytes.as_ref()) {
        second_factor_secrets.push((form, "TOTP secret encoding"));
    }
    for code in codes.expose() {
        second_factor_secrets.push((code.clone(), "recovery code"));
        second_factor_secrets.push((code.replace('-', ""), "recovery code (normalized)"));
    }
    second_factor_secrets.push((step.challenge.expose().to_owned(), "challenge token"));

    // Sessions through the store: one live, one signed out and pruned into its user's usage.
    let store = SeaOrmSessionStore::new(repo.clone());
    let mut session_ids = Vec::new();
    for _ in 0..2 {
        let signed_in = serde_json::json!({ "user_id": { "tenant": t, "user": owner.id } });
        let mut record = Record {
            id: Id::default(),
            data: [("axum-login.data".to_owned(), signed_in)].into(),
            expiry_date: time::OffsetDateTime::now_utc() + time::Duration::hours(1),
        };
        store.create(&mut record).await.unwrap();
        session_ids.push(record.id);
    }
    store.delete(&session_ids[1]).await.unwrap();
    assert_eq!(repo.prune_sessions().await.unwrap(), 1);

    // ---- Passkeys (issue 18, point 4): a registration and a sign-in with the software
    // passkey; their ceremony tokens are secrets too (checked apart from `secrets` below). ----
    let passkey_repo = repo.clone().with_passkeys(passkey_config()).unwrap();
    let mut device = Device::new();
    let mut passkey_tokens = Vec::new();
    let registration = passkey_repo
        .start_passkey_registration(t, owner.id)
        .await
        .unwrap();
    let token = registration.token.expose().to_owned();
    let credential = device.register(registration.options);
    passkey_repo
        .finish_passkey_registration(t, owner.id, &token, &credential, "Owner's key")
        .await
        .unwrap();
    passkey_tokens.push(token);
    let sign_in = passkey_repo.start_passkey_sign_in(t, web()).await.unwrap();
    let token = sign_in.token.expose().to_owned();
    let assertion = device.sign_in(sign_in.options);
    passkey_repo
        .finish_passkey_sign_in(t, &token, &assertion, web())
        .await
        .unwrap();
    passkey_tokens.push(token);
    // ---- end of passkeys ----

    // The dump.
    let dumped = dump(&env).await;
    let haystack: Vec<(String, String, String)> = dumped
        .into_iter()
        .map(|(table, text)| {
            let lower = text.to_lowercase();
            (table, text, lower)
        })
        .collect();
    let find = |needle: &str| -> Option<String> {
        let lower = needle.to_lowercase();
        haystack
            .iter()
            .find(|(_, text, text_lower)| text.contains(needle) || text_lower.contains(&lower))
            .map(|(table, _, _)| table.clone())
    };

    // The dump sees what it should: token digests, password hashes, names.
    for token in &secrets.tokens {
        let bytes = URL_SAFE_NO_PAD.decode(token).unwrap();
        let digest = hex(&Sha256::digest(&bytes));
        assert_eq!(find(&digest).as_deref(), Some("tenantry_credential_tokens"));
    }
    for token in &scim_raw {
        let bytes = URL_SAFE_NO_PAD.decode(token).unwrap();
        let digest = hex(&Sha256::digest(&bytes));
        assert_eq!(find(&digest).as_deref(), Some("tenantry_scim_tokens"));
    }
    let live_session = hex(&Sha256::digest(session_ids[0].0.to_le_bytes()));
    assert_eq!(find(&live_session).as_deref(), Some("tenantry_sessions"));
    assert!(find("$argon2id$v=19$m=8,t=1,p=1$").is_some());
    assert!(find("okta").is_some() && find("owner@gmail.example").is_some());

    // Passkeys: a ceremony's token is stored as its digest only, in `login_challenges`.
    for token in &passkey_tokens {
        let bytes = URL_SAFE_NO_PAD.decode(token).unwrap();
        let digest = hex(&Sha256::digest(&bytes));
        assert_eq!(find(&digest).as_deref(), Some("tenantry_login_challenges"));
        let forms = std::iter::once(token.clone())
            .chain(encodings(&bytes))
            .chain(encodings(token.as_bytes()));
        for form in forms {
            assert_eq!(find(&form), None, "a passkey ceremony token was stored");
        }
    }

    let mut forms = Vec::new();
    for password in &secrets.passwords {
        forms.push((password.clone(), "password"));
        for form in encodings(password.as_bytes()) {
            forms.push((form, "password encoding"));
        }
    }
    for token in secrets.tokens.iter().chain(&scim_raw) {
        let bytes = URL_SAFE_NO_PAD.decode(token).unwrap();
        forms.push((token.clone(), "raw token"));
        for form in encodings(&bytes) {
            forms.push((form, "token bytes encoding"));
        }
        for form in encodings(token.as_bytes()) {
            forms.push((form, "token string encoding"));
        }
    }
    for id in &session_ids {
        let cookie = id.to_string();
        forms.push((cookie.clone(), "raw session id"));
        forms.push((id.0.to_string(), "session id as a number"));
        for form in encodings(&id.0.to_le_bytes()) {
            forms.push((form, "session id bytes encoding"));
        }
        for form in encodings(cookie.as_bytes()) {
            forms.push((form, "session id string encoding"));
        }
    }
    for (form, kind) in &second_factor_secrets {
        forms.push((form.clone(), kind));
    }
    assert!(secrets.passwords.len() >= 10 && secrets.tokens.len() == 6);
    for (form, kind) in &forms {
        if let Some(table) = find(form) {
            panic!("a {kind} was found in table {table}");
        }
    }
}
