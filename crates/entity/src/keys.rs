//! The normalized keys stored beside names (`*_key` columns), and the prefix ranges that
//! search them.
//!
//! A key is the value in Unicode NFKC form, lowercased, then in NFKC form again (lowercasing can
//! undo NFKC). The service computes the username, email and plant-code keys with [`fold`]; the
//! display name's key, [`display_name_key`], lives here because the entity fills it in for
//! every new row and the migration that added it backfills it with the same function.

use unicode_normalization::UnicodeNormalization;

/// The most characters `users.display_name_key` holds (its `VARCHAR` length).
pub const DISPLAY_NAME_KEY_MAX_CHARS: usize = 255;

/// NFKC, lowercase, NFKC: the fold every key is made of.
///
/// ```
/// use tenantry_entity::keys::fold;
///
/// assert_eq!(fold("ＡＤＡ Lovelace"), "ada lovelace");
/// ```
pub fn fold(value: &str) -> String {
    let lowered = value.nfkc().collect::<String>().to_lowercase();
    // Lowercasing can leave a string that is no longer in NFKC form (`ῼ` + U+0301 lowers to
    // `ώ` + U+0345, which composes to `ῴ`); normalizing again makes the key idempotent and gives
    // canonically equivalent names one key.
    lowered.nfkc().collect()
}

/// The key of a display name, searched by prefix: [`fold`], cut to its first
/// [`DISPLAY_NAME_KEY_MAX_CHARS`] characters (NFKC can expand one character to eighteen, so a
/// 255-character name may fold longer than its column).
///
/// ```
/// use tenantry_entity::keys::display_name_key;
///
/// assert_eq!(display_name_key("Ａda LOVELACE"), "ada lovelace");
/// ```
pub fn display_name_key(display_name: &str) -> String {
    let key = fold(display_name);
    match key.char_indices().nth(DISPLAY_NAME_KEY_MAX_CHARS) {
        Some((cut, _)) => key[..cut].to_owned(),
        None => key,
    }
}

/// The first string after every string that starts with `prefix`, in code-point order (which
/// is byte order in UTF-8, the order of the key columns on every backend): `prefix` with its
/// last character incremented, skipping the surrogate gap and dropping trailing U+10FFFF.
/// `None` when no string bounds them (an empty prefix, or one of only U+10FFFF).
///
/// So `key >= prefix AND key < prefix_end(prefix)` is exactly "key starts with prefix", and an
/// index on the key serves it as one range.
///
/// ```
/// use tenantry_entity::keys::prefix_end;
///
/// assert_eq!(prefix_end("ada").as_deref(), Some("adb"));
/// assert_eq!(prefix_end("a\u{10FFFF}").as_deref(), Some("b"));
/// assert_eq!(prefix_end("\u{D7FF}").as_deref(), Some("\u{E000}"));
/// assert_eq!(prefix_end(""), None);
/// ```
pub fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = match last {
            '\u{D7FF}' => Some('\u{E000}'),
            c => char::from_u32(u32::from(c) + 1),
        };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every string that starts with the prefix lies in `[prefix, prefix_end)`, and the ones
    /// just outside do not, in byte order (the backends' order of keys).
    #[test]
    fn the_range_holds_exactly_the_strings_with_the_prefix() {
        let prefixes = [
            "a",
            "ab",
            "z",
            "\u{7F}",
            "é",
            "\u{D7FF}",
            "x\u{10FFFF}",
            "\u{FFFF}",
        ];
        let tails = [
            "",
            "a",
            "\u{0}",
            "\u{10FFFF}",
            "\u{10FFFF}z",
            "\u{E000}",
            "zzz",
        ];
        for prefix in prefixes {
            let end = prefix_end(prefix).unwrap();
            for tail in tails {
                let s = format!("{prefix}{tail}");
                assert!(s.as_bytes() >= prefix.as_bytes(), "{s:?} >= {prefix:?}");
                assert!(s.as_bytes() < end.as_bytes(), "{s:?} < {end:?}");
            }
            assert!(end.as_bytes() > prefix.as_bytes());
            assert!(
                !end.starts_with(prefix),
                "{end:?} does not start with {prefix:?}"
            );
        }
        assert_eq!(prefix_end("\u{10FFFF}\u{10FFFF}"), None);
    }

    #[test]
    fn display_name_keys_fit_their_column() {
        let long = "\u{FDFA}".repeat(255);
        assert_eq!(
            display_name_key(&long).chars().count(),
            DISPLAY_NAME_KEY_MAX_CHARS
        );
        assert_eq!(display_name_key("Ada"), "ada");
    }
}
