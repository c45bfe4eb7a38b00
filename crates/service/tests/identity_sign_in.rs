#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Signing in through an identity provider under the tenant's policy: users made just in time,
//! invitations accepted by a verified email, allowed domains, and the refusals — none of which
//! writes anything.

mod common;

use common::*;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use tenantry_service::entity::user_identities;
use tenantry_service::prelude::*;
use tenantry_service::validation::Rule;
use tenantry_service::{
    Config, Error, IdentityProviderPolicy, IdentityRefusal, Invitation, LoginContext, LoginOutcome,
    LoginSource, NewIdentity, ProviderClaims, SignInPath, TenantId, UserStatus,
};

/// A SaaS's rules: no usernames, the email is the login.
async fn saas() -> Env {
    let mut config = Config::insecure_fast_for_tests();
    config.profile = "username=optional,email=required".parse().unwrap();
    env_with(config).await
}

fn sso() -> LoginContext {
    LoginContext {
        source: LoginSource::sso(),
        ip: Some(IP.to_owned()),
    }
}

fn entra(domains: &[&str]) -> IdentityProviderPolicy {
    IdentityProviderPolicy {
        provider: "entra".into(),
        provisions_users: true,
        accepts_invitations: true,
        email_domains: domains.iter().map(|d| (*d).to_owned()).collect(),
        satisfies_second_factor: false,
    }
}

fn claims(subject: &str, email: &str, verified: bool) -> ProviderClaims {
    ProviderClaims {
        provider: "entra".into(),
        subject: subject.into(),
        email: Some(email.into()),
        email_verified: verified,
        display_name: format!("User {subject}"),
        username: String::new(),
    }
}

/// What a refused sign-in must leave alone: users, identities, audit and login events.
async fn footprint(env: &Env, tenant: TenantId) -> (u64, usize, usize, u64) {
    let users = env
        .repo
        .count_users(tenant, &Default::default())
        .await
        .unwrap();
    let audit = env
        .repo
        .list_audit_events(tenant, tenantry_service::PageRequest::first(500))
        .await
        .unwrap()
        .items
        .len();
    let logins = env
        .repo
        .list_login_events(tenant, None, tenantry_service::PageRequest::first(500))
        .await
        .unwrap()
        .items
        .len();
    let identities = user_identities::Entity::find()
        .filter(user_identities::Column::TenantId.eq(tenant))
        .count(env.conn())
        .await
        .unwrap();
    (users, audit, logins, identities)
}

async fn refused(env: &Env, claims: ProviderClaims, why: IdentityRefusal) {
    let before = footprint(env, env.tid()).await;
    let result = env
        .repo
        .sign_in_with_identity(env.tid(), claims.clone(), sso())
        .await;
    assert!(
        matches!(&result, Err(Error::IdentityRefused(w)) if *w == why),
        "{claims:?}: {result:?}"
    );
    assert_eq!(footprint(env, env.tid()).await, before, "{claims:?} wrote");
}

#[tokio::test]
async fn a_first_sign_in_makes_the_user_and_later_ones_find_it() {
    let env = saas().await;
    env.repo
        .set_identity_provider(env.tid(), entra(&["acme.example"]), None)
        .await
        .unwrap();
    env.advance(10);
    let first = env
        .repo
        .sign_in_with_identity(env.tid(), claims("s-1", "Dana@ACME.example", true), sso())
        .await
        .unwrap();
    assert_eq!(first.path, SignInPath::Provisioned);
    let dana = &first.login.user;
    assert_eq!(
        (
            dana.username.as_deref(),
            dana.email.as_deref(),
            dana.display_name.as_str()
        ),
        (None, Some("Dana@ACME.example"), "User s-1")
    );
    assert_eq!(dana.status, UserStatus::Active);
    assert_eq!((dana.login_count, dana.last_login_at), (1, Some(env.now())));
    assert!(!dana.has_password);
    let audit = env.audit_actions().await;
    assert!(
        audit.ends_with(&["user.provisioned".to_owned()]),
        "{audit:?}"
    );
    let identities = env.repo.list_identities(env.tid(), dana.id).await.unwrap();
    assert_eq!(identities.len(), 1);
    assert_eq!(identities[0].subject, "s-1");

    env.advance(10);
    let again = env
        .repo
        .sign_in_with_identity(env.tid(), claims("s-1", "dana@acme.example", true), sso())
        .await
        .unwrap();
    assert_eq!(
        (again.path, again.login.user.id),
        (SignInPath::Linked, dana.id)
    );
    assert_eq!(again.login.user.login_count, 2);
    let events = env.login_events(Some(dana.id)).await;
    assert!(
        events
            .iter()
            .all(|e| e.outcome == LoginOutcome::Success && e.source.as_str() == "sso")
    );
    assert_eq!(events.len(), 2);
    // The email is the login: a password reset or lookup by it finds the same user.
    let found = env
        .repo
        .get_user_by_email(env.tid(), "DANA@acme.example")
        .await
        .unwrap();
    assert_eq!(found.map(|u| u.id), Some(dana.id));
}

#[tokio::test]
async fn the_policy_decides_who_may_come_in() {
    let env = saas().await;
    // No policy: only linked users sign in.
    refused(
        &env,
        claims("s-1", "a@acme.example", true),
        IdentityRefusal::ProviderNotAllowed,
    )
    .await;

    env.repo
        .set_identity_provider(
            env.tid(),
            entra(&["acme.example", "Acme.Example", "acme.test"]),
            None,
        )
        .await
        .unwrap();
    for (email, verified, why) in [
        ("a@other.example", true, IdentityRefusal::DomainNotAllowed),
        // Subdomains are other domains.
        ("a@eu.acme.example", true, IdentityRefusal::DomainNotAllowed),
        // A look-alike domain (Cyrillic а) is another domain.
        (
            "a@\u{0430}cme.example",
            true,
            IdentityRefusal::DomainNotAllowed,
        ),
        (
            "a@acme.example.evil.test",
            true,
            IdentityRefusal::DomainNotAllowed,
        ),
        ("acme.example", true, IdentityRefusal::DomainNotAllowed),
        ("a@acme.example", false, IdentityRefusal::EmailNotVerified),
    ] {
        refused(&env, claims("s-1", email, verified), why).await;
    }
    let mut no_email = claims("s-1", "", true);
    no_email.email = None;
    refused(&env, no_email, IdentityRefusal::DomainNotAllowed).await;

    // A policy that signs in linked users only.
    env.repo
        .set_identity_provider(
            env.tid(),
            IdentityProviderPolicy {
                provisions_users: false,
                ..entra(&[])
            },
            None,
        )
        .await
        .unwrap();
    refused(
        &env,
        claims("s-1", "a@acme.example", true),
        IdentityRefusal::ProviderNotAllowed,
    )
    .await;

    // Another provider's policy does not count for this one.
    env.repo
        .set_identity_provider(
            env.tid(),
            IdentityProviderPolicy {
                provider: "google".into(),
                ..entra(&[])
            },
            None,
        )
        .await
        .unwrap();
    refused(
        &env,
        claims("s-1", "a@acme.example", true),
        IdentityRefusal::ProviderNotAllowed,
    )
    .await;
}

#[tokio::test]
async fn an_invitation_is_accepted_by_signing_in_with_its_verified_email() {
    let env = saas().await;
    let admin = env.user("admin").await;
    let invited = env
        .repo
        .invite_user(
            env.tid(),
            Invitation {
                email: "erin@acme.example".into(),
                username: None,
                display_name: "Erin".into(),
                ..Default::default()
            },
            Some(admin.id),
        )
        .await
        .unwrap();
    let token = invited.invitation.token.into_string();
    let erin = invited.user.id;

    // Without the policy's consent, or with an unverified email, the invitee stays invited.
    env.repo
        .set_identity_provider(
            env.tid(),
            IdentityProviderPolicy {
                accepts_invitations: false,
                ..entra(&[])
            },
            None,
        )
        .await
        .unwrap();
    refused(
        &env,
        claims("s-erin", "Erin@acme.example", true),
        IdentityRefusal::AccountExists,
    )
    .await;
    env.repo
        .set_identity_provider(env.tid(), entra(&[]), None)
        .await
        .unwrap();
    refused(
        &env,
        claims("s-erin", "Erin@acme.example", false),
        IdentityRefusal::EmailNotVerified,
    )
    .await;
    assert_eq!(env.row(erin).await.status, UserStatus::Invited);

    env.advance(60);
    let accepted = env
        .repo
        .sign_in_with_identity(
            env.tid(),
            claims("s-erin", "Erin@acme.example", true),
            sso(),
        )
        .await
        .unwrap();
    assert_eq!(accepted.path, SignInPath::AcceptedInvitation);
    assert_eq!(accepted.login.user.id, erin);
    assert_eq!(accepted.login.user.status, UserStatus::Active);
    assert_eq!(accepted.login.user.email_verified_at, Some(env.now()));
    assert_eq!(accepted.login.user.login_count, 1);
    let row = env.row(erin).await;
    assert_eq!(accepted.login.security_stamp, row.security_stamp);
    assert!(
        env.audit_actions()
            .await
            .contains(&"invitation.accepted".to_owned())
    );
    // The invitation's token is spent: it cannot set a password now.
    assert_invalid_token(
        env.repo
            .accept_invitation(Some(env.tid()), &token, None, &pw(STRONG))
            .await,
        "the token of an invitation accepted by signing in",
    );
    let again = env
        .repo
        .sign_in_with_identity(
            env.tid(),
            claims("s-erin", "erin@acme.example", true),
            sso(),
        )
        .await
        .unwrap();
    assert_eq!(
        (again.path, again.login.user.id),
        (SignInPath::Linked, erin)
    );
}

#[tokio::test]
async fn an_existing_account_is_never_taken_over_by_its_email() {
    let env = saas().await;
    env.repo
        .set_identity_provider(env.tid(), entra(&[]), None)
        .await
        .unwrap();
    // amy@example.com has a password account; an identity claiming her address gets nothing.
    let amy = env.user("amy").await;
    refused(
        &env,
        claims("attacker", "AMY@example.com", true),
        IdentityRefusal::AccountExists,
    )
    .await;
    assert!(
        env.repo
            .list_identities(env.tid(), amy.id)
            .await
            .unwrap()
            .is_empty()
    );

    // An identity linked in another tenant does not sign in or provision here.
    let other = env.other_tenant("globex").await;
    let zed = env
        .repo
        .create_user(other.id, user_input("zed", None), None)
        .await
        .unwrap();
    env.repo
        .link_identity(
            other.id,
            zed.id,
            NewIdentity {
                provider: "entra".into(),
                subject: "zed-sub".into(),
                email: None,
            },
            None,
        )
        .await
        .unwrap();
    refused(
        &env,
        claims("zed-sub", "zed@acme.example", true),
        IdentityRefusal::LinkedElsewhere,
    )
    .await;
    assert_eq!(
        env.repo
            .get_user(other.id, zed.id)
            .await
            .unwrap()
            .unwrap()
            .login_count,
        0
    );
}

#[tokio::test]
async fn a_linked_user_who_may_not_sign_in_is_refused_and_recorded() {
    let env = saas().await;
    env.repo
        .set_identity_provider(env.tid(), entra(&[]), None)
        .await
        .unwrap();
    let first = env
        .repo
        .sign_in_with_identity(env.tid(), claims("s-1", "fay@acme.example", true), sso())
        .await
        .unwrap();
    let fay = first.login.user.id;
    env.repo
        .deactivate_user(env.tid(), fay, None)
        .await
        .unwrap();
    let result = env
        .repo
        .sign_in_with_identity(env.tid(), claims("s-1", "fay@acme.example", true), sso())
        .await;
    assert!(
        matches!(result, Err(Error::LoginRefused(LoginOutcome::Inactive))),
        "{result:?}"
    );
    assert_eq!(
        env.login_events(Some(fay)).await[0].outcome,
        LoginOutcome::Inactive
    );
    // Suspended, her address still belongs to her: no second account for a new subject.
    refused(
        &env,
        claims("s-2", "fay@acme.example", true),
        IdentityRefusal::AccountExists,
    )
    .await;
}

#[tokio::test]
async fn concurrent_first_sign_ins_make_one_user() {
    let env = saas().await;
    env.repo
        .set_identity_provider(env.tid(), entra(&["acme.example"]), None)
        .await
        .unwrap();
    let repo = env.dyn_repo();
    let tenant = env.tid();
    let results = futures::future::join_all((0..64).map(|_| {
        let repo = repo.clone();
        tokio::spawn(async move {
            repo.sign_in_with_identity(tenant, claims("s-race", "race@acme.example", true), sso())
                .await
        })
    }))
    .await;
    let results: Vec<_> = results.into_iter().map(Result::unwrap).collect();
    let ok: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(ok.len(), 64, "{results:?}");
    assert_eq!(
        ok.iter()
            .filter(|s| s.path == SignInPath::Provisioned)
            .count(),
        1
    );
    let id = ok[0].login.user.id;
    assert!(ok.iter().all(|s| s.login.user.id == id));
    assert_eq!(
        env.repo
            .count_users(tenant, &Default::default())
            .await
            .unwrap(),
        1
    );
    assert_eq!(env.row(id).await.login_count, 64);
}

#[tokio::test]
async fn policies_are_set_listed_and_removed_per_tenant() {
    let env = saas().await;
    let admin = env.user("admin").await;
    let set = env
        .repo
        .set_identity_provider(
            env.tid(),
            entra(&[" ACME.example ", "acme.example", "b.test"]),
            Some(admin.id),
        )
        .await
        .unwrap();
    assert_eq!(set.email_domains, ["acme.example", "b.test"]);
    env.advance(5);
    let changed = env
        .repo
        .set_identity_provider(
            env.tid(),
            IdentityProviderPolicy {
                provisions_users: false,
                ..entra(&[])
            },
            Some(admin.id),
        )
        .await
        .unwrap();
    assert_eq!(
        (changed.provisions_users, changed.email_domains.len()),
        (false, 0)
    );
    assert_eq!(changed.created_at, set.created_at);
    assert_eq!(changed.updated_at, env.now());
    let listed = env.repo.identity_providers(env.tid()).await.unwrap();
    assert_eq!(listed, vec![changed]);

    let other = env.other_tenant("globex").await;
    assert!(
        env.repo
            .identity_providers(other.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        env.repo
            .remove_identity_provider(other.id, "entra", None)
            .await,
        Err(Error::NotFound)
    ));
    // Another tenant's admin cannot act here.
    assert!(matches!(
        env.repo
            .set_identity_provider(other.id, entra(&[]), Some(admin.id))
            .await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        env.repo
            .set_identity_provider(TenantId(i64::MAX), entra(&[]), None)
            .await,
        Err(Error::NotFound)
    ));

    env.repo
        .remove_identity_provider(env.tid(), "entra", Some(admin.id))
        .await
        .unwrap();
    assert!(
        env.repo
            .identity_providers(env.tid())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        env.repo
            .remove_identity_provider(env.tid(), "entra", None)
            .await,
        Err(Error::NotFound)
    ));
    let audit = env.audit_actions().await;
    assert_eq!(
        audit
            .iter()
            .filter(|a| a.starts_with("identity_provider."))
            .collect::<Vec<_>>(),
        [
            "identity_provider.set",
            "identity_provider.set",
            "identity_provider.removed"
        ]
    );
}

#[tokio::test]
async fn hostile_policies_and_claims_are_refused_before_anything_is_written() {
    let env = saas().await;
    let huge = "a".repeat(10 * 1024 * 1024);
    for (policy, field, rule) in [
        (
            IdentityProviderPolicy {
                provider: String::new(),
                ..entra(&[])
            },
            "provider",
            Rule::Required,
        ),
        (
            IdentityProviderPolicy {
                provider: "en\0tra".into(),
                ..entra(&[])
            },
            "provider",
            Rule::ControlCharacter,
        ),
        (
            IdentityProviderPolicy {
                provider: huge.clone(),
                ..entra(&[])
            },
            "provider",
            Rule::TooLong { max: 100 },
        ),
        (
            entra(&["exa mple.com"]),
            "email_domains",
            Rule::InvalidFormat,
        ),
        (
            entra(&["-acme.example"]),
            "email_domains",
            Rule::InvalidFormat,
        ),
        (
            entra(&["acme..example"]),
            "email_domains",
            Rule::InvalidFormat,
        ),
        (
            entra(&["ac\0me.example"]),
            "email_domains",
            Rule::InvalidFormat,
        ),
        (
            entra(&["\u{0430}cme.example"]),
            "email_domains",
            Rule::InvalidFormat,
        ),
        (entra(&[""]), "email_domains", Rule::Required),
        (entra(&[&huge]), "email_domains", Rule::TooLong { max: 253 }),
    ] {
        check_case(
            field,
            "policy",
            Err(rule),
            env.repo
                .set_identity_provider(env.tid(), policy, None)
                .await,
        );
    }
    let many: Vec<String> = (0..200)
        .map(|i| format!("domain-number-{i}.example"))
        .collect();
    let policy = IdentityProviderPolicy {
        email_domains: many,
        ..entra(&[])
    };
    check_case(
        "email_domains",
        "200 domains",
        Err(Rule::TooLong { max: 2000 }),
        env.repo
            .set_identity_provider(env.tid(), policy, None)
            .await,
    );
    assert!(
        env.repo
            .identity_providers(env.tid())
            .await
            .unwrap()
            .is_empty()
    );

    env.repo
        .set_identity_provider(env.tid(), entra(&[]), None)
        .await
        .unwrap();
    let before = footprint(&env, env.tid()).await;
    for (claims, field) in [
        (claims("s\0ub", "a@acme.example", true), "subject"),
        (claims(&huge, "a@acme.example", true), "subject"),
        (claims("", "a@acme.example", true), "subject"),
        (
            ProviderClaims {
                provider: "ent\nra".into(),
                ..claims("s", "a@acme.example", true)
            },
            "provider",
        ),
    ] {
        let result = env
            .repo
            .sign_in_with_identity(env.tid(), claims, sso())
            .await;
        assert!(
            matches!(&result, Err(Error::InvalidInput(e)) if e.errors().iter().any(|e| e.field == field)),
            "{result:?}"
        );
    }
    // Claims a user cannot be made from: the profile's own rules answer.
    let mut bad_email = claims("s-9", "not an email", true);
    bad_email.display_name = "Nine".into();
    assert!(matches!(
        env.repo
            .sign_in_with_identity(env.tid(), bad_email, sso())
            .await,
        Err(Error::InvalidInput(_))
    ));
    assert_eq!(footprint(&env, env.tid()).await, before);
}
