//! Keys for case-insensitive uniqueness, and LIKE-pattern escaping.
//!
//! tenantry never relies on a database collation to compare names: SQLite folds ASCII only and
//! MariaDB's default collation also folds accents. Instead the service stores a key next to the
//! value as entered, and a plain unique index on the key enforces uniqueness the same way on
//! every backend.
//!
//! A key is the value in Unicode NFKC form, then lowercased, then in NFKC form again (lowercasing
//! can undo NFKC). NFKC folds compatibility variants, so fullwidth `ｆｏｏ`, the ligature `ﬁ`
//! and the Kelvin sign `K` key the same as `foo`, `fi` and `k`; lowercasing folds case.
//! Accents are kept: `José` and `jose` are two users. Lowercasing is not full case folding, so
//! `Straße` and `STRASSE` are two users too.
//!
//! Every key function is idempotent: `key(key(x)) == key(x)`.

/// The key of a username: NFKC, then lowercase.
///
/// ```
/// use tenantry_service::normalize::username_key;
///
/// assert_eq!(username_key("ＦｏｏBar"), "foobar");
/// assert_ne!(username_key("José"), username_key("jose"));
/// ```
pub fn username_key(username: &str) -> String {
    fold(username)
}

/// The confusable skeleton of a username: the UTS #39 skeleton of its [`username_key`],
/// lowercased (`tenantry_entity::skeleton`). Two usernames with one skeleton look alike
/// (`admin1` and `аdmin1` with a Cyrillic `а`, `paypal` and `рaypal`), and a tenant holds at
/// most one of them: `users.username_skeleton` is unique per tenant.
///
/// ```
/// use tenantry_service::normalize::username_skeleton;
///
/// assert_eq!(username_skeleton("admin1"), username_skeleton("\u{430}dmin1"));
/// assert_eq!(username_skeleton("PayPal"), username_skeleton("ｐａｙｐａｌ"));
/// assert_ne!(username_skeleton("admin1"), username_skeleton("admin2"));
/// ```
pub fn username_skeleton(username: &str) -> String {
    tenantry_entity::skeleton::username_skeleton_of_key(&username_key(username))
}

/// The login key a user's row stores in `username_key`: its [`username_key`], or for a user
/// without a username (the profile rules allow that) its [`email_key`], its login. An email
/// key holds `@` and no username does, so the two kinds never collide, and a login holding
/// `@` is always looked up by email.
///
/// ```
/// use tenantry_service::normalize::login_key;
///
/// assert_eq!(login_key(Some("Ada"), Some("ada@example.com")), "ada");
/// assert_eq!(login_key(None, Some(" Ada@Example.com")), "ada@example.com");
/// ```
pub fn login_key(username: Option<&str>, email: Option<&str>) -> String {
    match (username, email) {
        (Some(username), _) => username_key(username),
        (None, Some(email)) => email_key(email),
        // Validation refuses a user with neither; an empty key would collide with any other.
        (None, None) => String::new(),
    }
}

/// The key of an email address: NFKC, lowercase, then trimmed of surrounding whitespace.
///
/// Trimming happens last because NFKC turns some characters (U+3000 ideographic space, no-break
/// space) into plain spaces. The whole address is lowercased, local part included: the local part
/// is case-sensitive in theory only, and two accounts differing by its case are a takeover risk.
///
/// ```
/// use tenantry_service::normalize::email_key;
///
/// assert_eq!(email_key("  Ada@Example.COM "), "ada@example.com");
/// ```
pub fn email_key(email: &str) -> String {
    let folded = fold(email);
    let trimmed = folded.trim();
    if trimmed.len() == folded.len() {
        folded
    } else {
        trimmed.to_owned()
    }
}

/// The key of a plant code: NFKC, then lowercase, like a username's.
///
/// ```
/// use tenantry_service::normalize::plant_code_key;
///
/// assert_eq!(plant_code_key("Ｐ-01"), "p-01");
/// ```
pub fn plant_code_key(code: &str) -> String {
    fold(code)
}

/// The key of a directory group's display name: NFKC, then lowercase, like a username's.
///
/// ```
/// use tenantry_service::normalize::group_name_key;
///
/// assert_eq!(group_name_key("Ｐlant Managers"), "plant managers");
/// ```
pub fn group_name_key(name: &str) -> String {
    fold(name)
}

/// Escapes the LIKE wildcards `%` and `_`, and the escape character `\` itself, with a backslash,
/// so user input matches literally inside a pattern.
///
/// The caller builds the pattern around the escaped text, binds it as a parameter (never splices
/// it into SQL) and declares the escape character, which is not the default everywhere:
/// `column LIKE ? ESCAPE '\'`. With sea-query that is
/// `Expr::col(c).like(LikeExpr::new(format!("%{}%", escape_like(s))).escape('\\'))`.
///
/// ```
/// use tenantry_service::normalize::escape_like;
///
/// assert_eq!(escape_like(r"100%_a\b"), r"100\%\_a\\b");
/// ```
pub fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

use tenantry_entity::keys::fold;

#[cfg(test)]
mod tests {
    use super::*;

    /// Inputs whose keys must be idempotent and stable, including the characters where NFKC and
    /// lowercasing interact.
    const SAMPLES: &[&str] = &[
        "",
        "foo",
        "FOO",
        "ｆｏｏ",
        "ＦＯＯ",
        "José",
        "Jose\u{301}",
        "JOSE\u{301}",
        "Straße",
        "STRASSE",
        "ẞ",
        "İstanbul",
        "ǅ",
        "ﬁle",
        "\u{212A}elvin",
        "\u{2126}",
        "ϴ",
        "Σίσυφος",
        "ＡＢＣ１２３",
        "①②",
        "x²",
        "  Ada@Example.COM ",
        "\u{3000}ada@example.com\u{a0}",
        "\u{b4}ada",
        "'; DROP TABLE users;--",
        "100%_\\",
        "\u{FDFA}",
        "\u{1FFC}\u{301}",
    ];

    #[test]
    fn username_keys() {
        let cases = [
            ("foo", "foo"),
            ("FOO", "foo"),
            ("ｆｏｏ", "foo"),
            ("ＦｏＯ", "foo"),
            ("José", "josé"),
            ("JOSÉ", "josé"),
            ("Jose\u{301}", "josé"),
            ("Straße", "straße"),
            ("ﬁle", "file"),
            ("\u{212A}elvin", "kelvin"),
            ("x²", "x2"),
            ("Ada.Lovelace_1-2", "ada.lovelace_1-2"),
            // Found by the property tests: lowercasing broke NFKC form, so these two canonically
            // equivalent names had different keys.
            ("\u{1FFC}\u{301}", "\u{1FF4}"),
            ("\u{1FF4}", "\u{1FF4}"),
        ];
        for (input, key) in cases {
            assert_eq!(username_key(input), key, "input {input:?}");
        }
    }

    #[test]
    fn same_looking_names_collide_and_different_names_do_not() {
        assert_eq!(username_key("ｆｏｏ"), username_key("foo"));
        assert_eq!(username_key("Jose\u{301}"), username_key("José"));
        assert_ne!(username_key("José"), username_key("jose"));
        assert_ne!(username_key("Straße"), username_key("strasse"));
        // Cyrillic а is a different letter, not folded to Latin a.
        assert_ne!(username_key("\u{430}dmin"), username_key("admin"));
    }

    #[test]
    fn email_keys() {
        let cases = [
            ("ada@example.com", "ada@example.com"),
            ("  Ada@Example.COM ", "ada@example.com"),
            ("\u{3000}ada@example.com\u{a0}", "ada@example.com"),
            ("ＡＤＡ@example.com", "ada@example.com"),
            ("Ada+Tag@Example.com", "ada+tag@example.com"),
            ("", ""),
            ("   ", ""),
        ];
        for (input, key) in cases {
            assert_eq!(email_key(input), key, "input {input:?}");
        }
    }

    #[test]
    fn plant_code_keys() {
        let cases = [("P-01", "p-01"), ("Ｐ-０１", "p-01"), ("Zürich", "zürich")];
        for (input, key) in cases {
            assert_eq!(plant_code_key(input), key, "input {input:?}");
        }
    }

    #[test]
    fn keys_are_idempotent() {
        for input in SAMPLES {
            let u = username_key(input);
            assert_eq!(username_key(&u), u, "username {input:?}");
            let e = email_key(input);
            assert_eq!(email_key(&e), e, "email {input:?}");
            let p = plant_code_key(input);
            assert_eq!(plant_code_key(&p), p, "plant code {input:?}");
        }
    }

    #[test]
    fn keys_are_idempotent_for_every_single_character() {
        use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
        // Exhaustive over assigned characters, so it guards a Unicode-table upgrade;
        // unassigned and private-use code points neither decompose nor change case.
        let assigned = |c: &char| {
            !matches!(
                c.general_category(),
                GeneralCategory::Unassigned | GeneralCategory::PrivateUse
            )
        };
        for c in (0..=0x10_FFFF_u32)
            .filter_map(char::from_u32)
            .filter(assigned)
        {
            let input = format!("A{c}");
            let key = username_key(&input);
            assert_eq!(username_key(&key), key, "U+{:04X}", u32::from(c));
        }
    }

    #[test]
    fn escape_like_table() {
        let cases = [
            ("", ""),
            ("plain", "plain"),
            ("%", r"\%"),
            ("_", r"\_"),
            (r"\", r"\\"),
            ("100%", r"100\%"),
            ("a_b", r"a\_b"),
            (r"a\%b", r"a\\\%b"),
            ("%%__", r"\%\%\_\_"),
            ("'; DROP TABLE users;--", "'; DROP TABLE users;--"),
            ("名_前%", r"名\_前\%"),
            ("[abc]*?", "[abc]*?"),
        ];
        for (input, escaped) in cases {
            assert_eq!(escape_like(input), escaped, "input {input:?}");
        }
    }

    #[test]
    fn escaped_text_has_no_unescaped_wildcard() {
        for input in SAMPLES {
            let escaped = escape_like(input);
            let mut chars = escaped.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    let next = chars.next();
                    assert!(matches!(next, Some('\\' | '%' | '_')), "{escaped:?}");
                } else {
                    assert!(c != '%' && c != '_', "{escaped:?}");
                }
            }
        }
    }
}
