//! Good and bad inputs for every validated field, through the repository, with the exact error.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod common;

use common::*;
use tenantry_service::validation::Rule;
use tenantry_service::{Error, NewUser, Password, SearchMode, UserFilter, UserQuery, UserUpdate};
use tenantry_testkit::TestDb;

/// Inputs that every field refuses the same way, whatever its character set.
fn hostile() -> Vec<(String, Rule)> {
    [
        ("ab\0cd", Rule::ControlCharacter),
        ("ab\ncd", Rule::ControlCharacter),
        ("ab\tcd", Rule::ControlCharacter),
        ("ab\u{7f}cd", Rule::ControlCharacter),
        ("ab\u{2028}cd", Rule::ControlCharacter),
        ("ab\u{200B}cd", Rule::InvisibleCharacter),
        ("\u{FEFF}abcd", Rule::InvisibleCharacter),
        ("ab\u{202E}cd", Rule::InvisibleCharacter),
        ("ab\u{2066}cd\u{2069}", Rule::InvisibleCharacter),
    ]
    .into_iter()
    .map(|(s, r)| (s.to_owned(), r))
    .collect()
}

const DROP: &str = "Robert'); DROP TABLE users;--";

#[tokio::test]
async fn username_table() {
    let f = fixture().await;
    let mut cases: Vec<(String, Result<(), Rule>)> = vec![
        (String::new(), Err(Rule::Required)),
        ("ab".into(), Err(Rule::TooShort { min: 3 })),
        ("abc".into(), Ok(())),
        ("b".repeat(50), Ok(())),
        ("c".repeat(51), Err(Rule::TooLong { max: 50 })),
        ("d".repeat(10_000), Err(Rule::TooLong { max: 50 })),
        ("é".repeat(50), Ok(())),
        ("ａ".repeat(50), Ok(())),
        ("john.smith".into(), Ok(())),
        ("john_smith".into(), Ok(())),
        ("john-smith".into(), Ok(())),
        ("名前です".into(), Ok(())),
        ("12345".into(), Ok(())),
        ("...".into(), Err(Rule::InvalidFormat)),
        (" alice".into(), Err(Rule::InvalidCharacter)),
        ("alice ".into(), Err(Rule::InvalidCharacter)),
        ("al ice".into(), Err(Rule::InvalidCharacter)),
        ("alice@example.com".into(), Err(Rule::InvalidCharacter)),
        (DROP.into(), Err(Rule::InvalidCharacter)),
        ("a%b".into(), Err(Rule::InvalidCharacter)),
        ("<script>".into(), Err(Rule::InvalidCharacter)),
        ("\0".into(), Err(Rule::ControlCharacter)),
        ("\u{200B}".into(), Err(Rule::InvisibleCharacter)),
    ];
    cases.extend(hostile().into_iter().map(|(s, r)| (s, Err(r))));
    let mut accepted = 0;
    for (input, expected) in &cases {
        let result = f
            .repo
            .create_user(
                f.tid(),
                NewUser {
                    username: input.clone(),
                    display_name: "Test User".into(),
                    ..NewUser::default()
                },
                None,
            )
            .await;
        if let Err(Error::InvalidInput(errors)) = &result {
            assert_eq!(
                errors.errors().len(),
                1,
                "only the username is wrong: {errors:?}"
            );
        }
        if let Ok(user) = &result {
            assert_eq!(
                user.username.as_deref(),
                Some(input.as_str()),
                "stored as entered"
            );
            accepted += 1;
        }
        check_case("username", input, *expected, result);
    }
    assert_eq!(f.user_rows(f.tid()).await, accepted);
}

#[tokio::test]
async fn email_table() {
    let f = fixture().await;
    let local = "l".repeat(64);
    let label = "d".repeat(61);
    let at_limit = format!("{local}@{label}.{label}.{label}.com");
    assert_eq!(at_limit.chars().count(), 254);
    let over = format!("{local}@{label}.{label}.{label}.comx");
    let mut cases: Vec<(String, Result<(), Rule>)> = vec![
        (String::new(), Err(Rule::Required)),
        ("   ".into(), Err(Rule::Required)),
        ("ada@example.com".into(), Ok(())),
        ("Ada.Lovelace+tag@Example.CO.uk".into(), Ok(())),
        (at_limit, Ok(())),
        (over, Err(Rule::TooLong { max: 254 })),
        ("a".repeat(10_000), Err(Rule::TooLong { max: 254 })),
        ("ada".into(), Err(Rule::InvalidFormat)),
        ("ada@".into(), Err(Rule::InvalidFormat)),
        ("@example.com".into(), Err(Rule::InvalidFormat)),
        ("ada@localhost".into(), Err(Rule::InvalidFormat)),
        ("ada@[127.0.0.1]".into(), Err(Rule::InvalidFormat)),
        ("Ada <ada2@example.com>".into(), Err(Rule::InvalidFormat)),
        ("ada@@example.com".into(), Err(Rule::InvalidFormat)),
        (
            "'); DROP TABLE users;--@x.com".into(),
            Err(Rule::InvalidFormat),
        ),
        ("a%b@example.com".into(), Ok(())),
        ("a_b@example.com".into(), Ok(())),
        ("ada@exam\0ple.com".into(), Err(Rule::ControlCharacter)),
        ("ada\n@example.com".into(), Err(Rule::ControlCharacter)),
        (
            "ada\u{200B}@example.com".into(),
            Err(Rule::InvisibleCharacter),
        ),
        (
            "ada@exa\u{202E}mple.com".into(),
            Err(Rule::InvisibleCharacter),
        ),
    ];
    cases.extend(
        hostile()
            .into_iter()
            .map(|(s, r)| (format!("{s}@example.com"), Err(r))),
    );
    for (i, (input, expected)) in cases.iter().enumerate() {
        let result = f
            .repo
            .create_user(
                f.tid(),
                NewUser {
                    email: Some(input.clone()),
                    ..new_user(&format!("user{i}"))
                },
                None,
            )
            .await;
        if let Err(Error::InvalidInput(errors)) = &result {
            assert_eq!(
                errors.errors().len(),
                1,
                "only the email is wrong: {errors:?}"
            );
        }
        check_case("email", input, *expected, result);
    }
}

#[tokio::test]
async fn emails_are_stored_trimmed() {
    let f = fixture().await;
    let user = f
        .create(NewUser {
            email: Some("  Ada@Example.com\u{3000}".into()),
            ..new_user("ada")
        })
        .await;
    assert_eq!(user.email.as_deref(), Some("Ada@Example.com"));
    assert_eq!(
        f.repo
            .get_user_by_email(f.tid(), " ada@example.com ")
            .await
            .unwrap()
            .map(|u| u.id),
        Some(user.id)
    );
}

#[tokio::test]
async fn display_name_table() {
    let f = fixture().await;
    let mut cases: Vec<(String, Result<(), Rule>)> = vec![
        (String::new(), Err(Rule::Required)),
        ("   ".into(), Err(Rule::Required)),
        ("A".into(), Ok(())),
        ("José Ñúñez-O'Brien".into(), Ok(())),
        ("x".repeat(100), Ok(())),
        ("名".repeat(100), Ok(())),
        ("x".repeat(101), Err(Rule::TooLong { max: 100 })),
        (DROP.into(), Ok(())),
        ("100% _real_".into(), Ok(())),
        ("<b>bold</b>".into(), Ok(())),
        (" Ada".into(), Err(Rule::InvalidCharacter)),
        ("Ada ".into(), Err(Rule::InvalidCharacter)),
        ("Ada\0".into(), Err(Rule::ControlCharacter)),
        ("Ada\r\nEvil".into(), Err(Rule::ControlCharacter)),
        ("Ada\u{200B}".into(), Err(Rule::InvisibleCharacter)),
        ("Ada\u{202E}gnp.exe".into(), Err(Rule::InvisibleCharacter)),
    ];
    cases.extend(hostile().into_iter().map(|(s, r)| (s, Err(r))));
    for (i, (input, expected)) in cases.iter().enumerate() {
        let result = f
            .repo
            .create_user(
                f.tid(),
                NewUser {
                    username: format!("user{i}"),
                    display_name: input.clone(),
                    ..NewUser::default()
                },
                None,
            )
            .await;
        if let Ok(user) = &result {
            assert_eq!(&user.display_name, input, "stored verbatim");
            let read = f.repo.get_user(f.tid(), user.id).await.unwrap().unwrap();
            assert_eq!(&read.display_name, input, "read back verbatim");
        }
        check_case("display_name", input, *expected, result);
    }
}

/// Tenant and plant names share the free-text rules.
fn name_cases() -> Vec<(String, Result<(), Rule>)> {
    let mut cases: Vec<(String, Result<(), Rule>)> = vec![
        (String::new(), Err(Rule::Required)),
        (" ".into(), Err(Rule::Required)),
        ("Werk München 2".into(), Ok(())),
        ("n".repeat(100), Ok(())),
        ("n".repeat(101), Err(Rule::TooLong { max: 100 })),
        (DROP.into(), Ok(())),
        ("50% off_".into(), Ok(())),
        ("Acme ".into(), Err(Rule::InvalidCharacter)),
        ("Acme\0".into(), Err(Rule::ControlCharacter)),
        ("Acme\u{200B}".into(), Err(Rule::InvisibleCharacter)),
        ("Acme\u{202E}".into(), Err(Rule::InvisibleCharacter)),
    ];
    cases.extend(hostile().into_iter().map(|(s, r)| (s, Err(r))));
    cases
}

#[tokio::test]
async fn tenant_slug_and_name_tables() {
    let db = TestDb::migrated().await;
    let repo = repository(db.conn().clone());
    let mut slugs: Vec<(String, Result<(), Rule>)> = vec![
        (String::new(), Err(Rule::Required)),
        ("ab".into(), Err(Rule::TooShort { min: 3 })),
        ("abc".into(), Ok(())),
        ("acme-corp".into(), Ok(())),
        ("a--b".into(), Ok(())),
        ("123".into(), Ok(())),
        ("a".repeat(63), Ok(())),
        ("b".repeat(64), Err(Rule::TooLong { max: 63 })),
        ("Acme".into(), Err(Rule::InvalidCharacter)),
        ("acme_corp".into(), Err(Rule::InvalidCharacter)),
        ("acme corp".into(), Err(Rule::InvalidCharacter)),
        ("acmé".into(), Err(Rule::InvalidCharacter)),
        ("ａｃｍｅ".into(), Err(Rule::InvalidCharacter)),
        ("acme%".into(), Err(Rule::InvalidCharacter)),
        (
            "'); drop table tenants;--".into(),
            Err(Rule::InvalidCharacter),
        ),
        ("-acme".into(), Err(Rule::InvalidFormat)),
        ("acme-".into(), Err(Rule::InvalidFormat)),
        ("ac\0me".into(), Err(Rule::ControlCharacter)),
        ("ac\u{200B}me".into(), Err(Rule::InvisibleCharacter)),
        ("ac\u{202E}me".into(), Err(Rule::InvisibleCharacter)),
    ];
    slugs.extend(hostile().into_iter().map(|(s, r)| (s, Err(r))));
    for (input, expected) in &slugs {
        let result = repo.create_tenant(new_tenant(input, "Tenant"), None).await;
        if let Ok(tenant) = &result {
            assert_eq!(&tenant.slug, input);
        }
        check_case("slug", input, *expected, result);
    }
    for (i, (input, expected)) in name_cases().iter().enumerate() {
        let result = repo
            .create_tenant(new_tenant(&format!("name-{i}"), input), None)
            .await;
        if let Ok(tenant) = &result {
            assert_eq!(&tenant.name, input, "stored verbatim");
            let read = repo.get_tenant(tenant.id).await.unwrap().unwrap();
            assert_eq!(&read.name, input, "read back verbatim");
        }
        check_case("name", input, *expected, result);
    }
    // Both fields wrong: both reported at once.
    let errors = invalid(repo.create_tenant(new_tenant("A", ""), None).await);
    assert!(errors.errors().len() >= 2, "{errors:?}");
    assert!(errors.has("slug", Rule::TooShort { min: 3 }), "{errors:?}");
    assert!(errors.has("name", Rule::Required), "{errors:?}");
}

#[tokio::test]
async fn plant_code_and_name_tables() {
    let f = fixture().await;
    let mut codes: Vec<(String, Result<(), Rule>)> = vec![
        (String::new(), Err(Rule::Required)),
        ("Q".into(), Ok(())),
        ("7".into(), Ok(())),
        ("DE.MUC_2".into(), Ok(())),
        ("Zürich".into(), Ok(())),
        ("Q".repeat(32), Ok(())),
        ("R".repeat(33), Err(Rule::TooLong { max: 32 })),
        ("-".into(), Err(Rule::InvalidFormat)),
        ("P 01".into(), Err(Rule::InvalidCharacter)),
        (" P01".into(), Err(Rule::InvalidCharacter)),
        ("P%".into(), Err(Rule::InvalidCharacter)),
        (
            "'); DROP TABLE plants;--".into(),
            Err(Rule::InvalidCharacter),
        ),
        ("P\0".into(), Err(Rule::ControlCharacter)),
        ("P\u{200B}1".into(), Err(Rule::InvisibleCharacter)),
        ("P\u{202E}1".into(), Err(Rule::InvisibleCharacter)),
    ];
    codes.extend(hostile().into_iter().map(|(s, r)| (s, Err(r))));
    for (input, expected) in &codes {
        let result = f
            .repo
            .create_plant(f.tid(), new_plant(input, "Plant"), None)
            .await;
        if let Ok(plant) = &result {
            assert_eq!(&plant.code, input);
        }
        check_case("code", input, *expected, result);
    }
    for (i, (input, expected)) in name_cases().iter().enumerate() {
        let result = f
            .repo
            .create_plant(f.tid(), new_plant(&format!("N{i}"), input), None)
            .await;
        if let Ok(plant) = &result {
            assert_eq!(&plant.name, input, "stored verbatim");
            let read = f.repo.get_plant(f.tid(), plant.id).await.unwrap().unwrap();
            assert_eq!(&read.name, input, "read back verbatim");
        }
        check_case("name", input, *expected, result);
    }
    let errors = invalid(
        f.repo
            .create_plant(f.tid(), new_plant("x y", &"n".repeat(101)), None)
            .await,
    );
    assert!(errors.errors().len() >= 2, "{errors:?}");
    assert!(errors.has("code", Rule::InvalidCharacter), "{errors:?}");
    assert!(errors.has("name", Rule::TooLong { max: 100 }), "{errors:?}");
}

#[tokio::test]
async fn password_table() {
    let f = fixture().await;
    let at_max = format!("{STRONG} {}", "q".repeat(128 - STRONG.len() - 1));
    assert_eq!(at_max.chars().count(), 128);
    let cases: Vec<(String, Result<(), Rule>)> = vec![
        (String::new(), Err(Rule::Required)),
        ("q7#Vz!p".into(), Err(Rule::TooShort { min: 8 })),
        ("password1".into(), Err(Rule::Weak)),
        ("12345678".into(), Err(Rule::Weak)),
        (STRONG.into(), Ok(())),
        (at_max.clone(), Ok(())),
        (format!("{at_max}q"), Err(Rule::TooLong { max: 128 })),
        ("x".repeat(5000), Err(Rule::TooLong { max: 128 })),
        ("'; DROP TABLE users;-- x7Q".into(), Ok(())),
        ("100%_wild_cards_%%__".into(), Ok(())),
        ("vivid\u{200B}ocelot tangles quietly".into(), Ok(())),
        (
            "vivid ocelot\0 tangles quietly".into(),
            Err(Rule::ControlCharacter),
        ),
        (
            "vivid ocelot\ttangles quietly".into(),
            Err(Rule::ControlCharacter),
        ),
        // Built from the user's own names: username `jsmith`, email `zorro@…`, tenant `acme`.
        (
            "jsmith vivid ocelot".into(),
            Err(Rule::ContainsPersonalInfo),
        ),
        (
            "JSmith-2024-quietly".into(),
            Err(Rule::ContainsPersonalInfo),
        ),
        (
            "zorro tangles quietly".into(),
            Err(Rule::ContainsPersonalInfo),
        ),
        (
            "Acme ocelot tangles".into(),
            Err(Rule::ContainsPersonalInfo),
        ),
    ];
    for (input, expected) in &cases {
        let result = f
            .repo
            .create_user(
                f.tid(),
                NewUser {
                    email: Some("zorro@example.com".into()),
                    password: Some(Password::new(input.clone())),
                    ..new_user("jsmith")
                },
                None,
            )
            .await;
        if let Ok(user) = &result {
            assert!(user.has_password);
            // Free the names for the next row.
            f.repo.purge_user(f.tid(), user.id, None).await.unwrap();
        }
        check_case("password", input, *expected, result);
    }
}

#[tokio::test]
async fn every_broken_field_is_reported_at_once() {
    let f = fixture().await;
    let errors = invalid(
        f.repo
            .create_user(
                f.tid(),
                NewUser {
                    username: "u".repeat(51),
                    email: Some("not-an-email".into()),
                    display_name: String::new(),
                    password: Some(Password::new("password")),
                    ..NewUser::default()
                },
                None,
            )
            .await,
    );
    assert!(errors.errors().len() >= 4, "{errors:?}");
    assert!(
        errors.has("username", Rule::TooLong { max: 50 }),
        "{errors:?}"
    );
    assert!(errors.has("email", Rule::InvalidFormat), "{errors:?}");
    assert!(errors.has("display_name", Rule::Required), "{errors:?}");
    assert!(errors.has("password", Rule::Weak), "{errors:?}");
    assert_eq!(f.user_rows(f.tid()).await, 0);

    // The same through update_user, which changes nothing when it refuses.
    let alice = f.user("alice").await;
    let errors = invalid(
        f.repo
            .update_user(
                f.tid(),
                alice.id,
                UserUpdate {
                    username: Some("a\u{202E}b".into()),
                    email: Some(Some("ada@localhost".into())),
                    display_name: Some("x".repeat(101)),
                    ..UserUpdate::default()
                },
                None,
            )
            .await,
    );
    assert!(errors.errors().len() >= 3, "{errors:?}");
    assert!(
        errors.has("username", Rule::InvisibleCharacter),
        "{errors:?}"
    );
    assert!(errors.has("email", Rule::InvalidFormat), "{errors:?}");
    assert!(
        errors.has("display_name", Rule::TooLong { max: 100 }),
        "{errors:?}"
    );
    assert_eq!(
        f.repo.get_user(f.tid(), alice.id).await.unwrap().as_ref(),
        Some(&alice)
    );
}

#[tokio::test]
async fn update_user_tables() {
    let f = fixture().await;
    let alice = f.user("alice").await;
    let cases: Vec<(&str, String, Result<(), Rule>)> = vec![
        ("username", String::new(), Err(Rule::Required)),
        ("username", "y".repeat(51), Err(Rule::TooLong { max: 50 })),
        ("username", "y".repeat(50), Ok(())),
        ("username", DROP.into(), Err(Rule::InvalidCharacter)),
        (
            "username",
            "al\u{200B}ice".into(),
            Err(Rule::InvisibleCharacter),
        ),
        ("email", "x".into(), Err(Rule::InvalidFormat)),
        (
            "email",
            "ada\u{202E}@example.com".into(),
            Err(Rule::InvisibleCharacter),
        ),
        ("email", "ada@example.com".into(), Ok(())),
        ("display_name", String::new(), Err(Rule::Required)),
        (
            "display_name",
            "z".repeat(101),
            Err(Rule::TooLong { max: 100 }),
        ),
        ("display_name", "z".repeat(100), Ok(())),
        ("display_name", "Ada\0".into(), Err(Rule::ControlCharacter)),
        ("display_name", DROP.into(), Ok(())),
    ];
    for (field, input, expected) in &cases {
        let update = match *field {
            "username" => UserUpdate {
                username: Some(input.clone()),
                ..UserUpdate::default()
            },
            "email" => UserUpdate {
                email: Some(Some(input.clone())),
                ..UserUpdate::default()
            },
            _ => UserUpdate {
                display_name: Some(input.clone()),
                ..UserUpdate::default()
            },
        };
        let result = f.repo.update_user(f.tid(), alice.id, update, None).await;
        check_case(field, input, *expected, result);
    }
}

/// Users for the search tests: `(username, display name)`.
async fn search_fixture(f: &Fixture) {
    for (username, display) in [
        ("a_b", "Underscore"),
        ("axb", "Letter"),
        ("pct", "100% real"),
        ("pctx", "100x real"),
        ("bobby", DROP),
        ("slash", "back\\slash"),
        ("plain", "Plain Person"),
    ] {
        f.create(NewUser {
            username: username.into(),
            display_name: display.into(),
            ..NewUser::default()
        })
        .await;
    }
}

/// Usernames found by a substring search, sorted.
async fn search(f: &Fixture, text: &str) -> Vec<String> {
    search_in(f, SearchMode::Contains, text).await
}

/// Usernames found by a prefix search (the default), sorted.
async fn prefix(f: &Fixture, text: &str) -> Vec<String> {
    search_in(f, SearchMode::Prefix, text).await
}

async fn search_in(f: &Fixture, mode: SearchMode, text: &str) -> Vec<String> {
    let query = UserQuery {
        filter: UserFilter {
            search: Some(text.into()),
            search_mode: mode,
            ..UserFilter::default()
        },
        ..UserQuery::default()
    };
    let page = f.repo.list_users(f.tid(), &query).await.unwrap();
    assert_eq!(
        page.total,
        page.items.len() as u64,
        "search {text:?}: total"
    );
    let count = f.repo.count_users(f.tid(), &query.filter).await.unwrap();
    assert_eq!(count, page.total, "search {text:?}: count_users agrees");
    let mut names = usernames(&page.items);
    names.sort();
    names
}

#[tokio::test]
async fn like_wildcards_in_search_match_literally() {
    let f = fixture().await;
    search_fixture(&f).await;
    let none: &[&str] = &[];
    for (text, expected) in [
        ("_", &["a_b"][..]),
        ("a_b", &["a_b"]),
        ("%", &["pct"]),
        ("100%", &["pct"]),
        ("0%", &["pct"]),
        ("%%", none),
        ("\\", &["slash"]),
        ("k\\s", &["slash"]),
        ("[a-z]", none),
        ("*", none),
    ] {
        assert_eq!(search(&f, text).await, expected, "search {text:?}");
    }
    for (text, expected) in [
        ("_", none),
        ("a_", &["a_b"][..]),
        ("%", none),
        ("100%", &["pct"]),
        ("100", &["pct", "pctx"]),
        ("\\", none),
        ("back\\", &["slash"]),
        ("[a-z]", none),
        ("*", none),
    ] {
        assert_eq!(prefix(&f, text).await, expected, "prefix {text:?}");
    }
}

#[tokio::test]
async fn sql_metacharacters_are_stored_verbatim_and_found_only_literally() {
    let f = fixture().await;
    search_fixture(&f).await;
    let bobby = f
        .repo
        .get_user_by_username(f.tid(), "bobby")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bobby.display_name, DROP);
    let none: &[&str] = &[];
    for (text, expected) in [
        (DROP, &["bobby"][..]),
        ("'); DROP", &["bobby"]),
        // Case-insensitive.
        ("robert'); drop table", &["bobby"]),
        ("--", &["bobby"]),
        ("'", &["bobby"]),
        ("' OR '1'='1", none),
        ("x' OR 1=1 --", none),
    ] {
        assert_eq!(search(&f, text).await, expected, "search {text:?}");
    }
    for (text, expected) in [
        (DROP, &["bobby"][..]),
        ("robert'); drop", &["bobby"]),
        ("'", none),
        ("' OR '1'='1", none),
    ] {
        assert_eq!(prefix(&f, text).await, expected, "prefix {text:?}");
    }
    assert_eq!(
        f.repo
            .get_user_by_username(f.tid(), "' OR '1'='1")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        f.repo
            .get_user_by_email(f.tid(), "x' OR 1=1 --")
            .await
            .unwrap(),
        None
    );
    // The table is still there, with everyone in it.
    assert_eq!(f.user_rows(f.tid()).await, 7);
}

#[tokio::test]
async fn search_covers_username_email_and_display_name_case_insensitively() {
    let f = fixture().await;
    let make = |username: &str, email: Option<&str>, display: &str| NewUser {
        username: username.into(),
        email: email.map(str::to_owned),
        display_name: display.into(),
        ..NewUser::default()
    };
    f.create(make(
        "Ada",
        Some("countess@Analytical.example"),
        "Augusta King",
    ))
    .await;
    f.create(make("grace", Some("hopper@navy.example"), "Grace Hopper"))
        .await;
    f.create(make("José", None, "Pepe")).await;
    f.create(make("linus", None, "Linus T")).await;
    for (text, expected, what) in [
        ("ada", &["Ada"][..], "username"),
        ("ANALYTICAL", &["Ada"], "email"),
        ("hopper", &["grace"], "email and display name"),
        ("augusta KING", &["Ada"], "display name"),
        ("JOSÉ", &["José"], "non-ASCII username through its key"),
        ("ｌｉｎｕｓ", &["linus"], "full-width search text"),
        ("example", &["Ada", "grace"], "two users' emails"),
        ("nobody", &[], "nothing"),
    ] {
        assert_eq!(search(&f, text).await, expected, "search {text:?}: {what}");
    }
    for (text, expected, what) in [
        ("ada", &["Ada"][..], "username"),
        ("COUNTESS@ANALYTICAL", &["Ada"], "email"),
        ("hopper", &["grace"], "email"),
        ("augusta KING", &["Ada"], "display name"),
        ("JOSÉ", &["José"], "non-ASCII username through its key"),
        ("ｌｉｎｕｓ", &["linus"], "full-width search text"),
        ("example", &[], "not the middle of an email"),
        ("king", &[], "not a later word"),
    ] {
        assert_eq!(prefix(&f, text).await, expected, "prefix {text:?}: {what}");
    }
}

#[tokio::test]
async fn search_folds_display_name_case_as_documented() {
    // Documented limit (README, "Decisions worth knowing"): display names are lowercased by
    // the database, which folds all of Unicode on PostgreSQL and MariaDB and ASCII only on
    // SQLite. Usernames and emails go through the normalized keys and fold everywhere.
    let f = fixture().await;
    f.create(NewUser {
        username: "anders".into(),
        display_name: "Ångström Öberg".into(),
        ..NewUser::default()
    })
    .await;
    // ASCII case and the exact spelling match on every backend.
    assert_eq!(search(&f, "ngstr").await, ["anders"]);
    assert_eq!(search(&f, "NGSTR").await, ["anders"]);
    assert_eq!(search(&f, "Ångström").await, ["anders"]);
    // Non-ASCII letters as stored, ASCII letters in any case: found everywhere.
    assert_eq!(search(&f, "ÖBERG").await, ["anders"]);
    // Non-ASCII letters in another case: folded except on SQLite.
    let folds_unicode = f.db.backend() != sea_orm::DatabaseBackend::Sqlite;
    let expected: &[&str] = if folds_unicode { &["anders"] } else { &[] };
    assert_eq!(search(&f, "ångström").await, expected);
    assert_eq!(search(&f, "öberg").await, expected);
    // A prefix search compares keys, which fold every letter's case on every backend.
    assert_eq!(prefix(&f, "ÅNGSTRÖM Ö").await, ["anders"]);
    assert_eq!(prefix(&f, "ångström öberg").await, ["anders"]);
}
