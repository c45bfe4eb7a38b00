//! The confusable skeleton stored in `users.username_skeleton`.
//!
//! Two usernames that look alike — `admin1` and `аdmin1` (Cyrillic `а`), `paypal` and
//! `рaypal`, `ｐａｙｐａｌ` — must not both exist in one tenant. Their normalized keys differ
//! (`username_key` folds width and case, never script), so each user also stores the
//! [UTS #39 skeleton](https://www.unicode.org/reports/tr39/#Confusable_Detection) of its key,
//! lowercased, and a unique index per tenant refuses a second user with the same skeleton.
//!
//! It lives here, not in the service, because the migration that added the column backfills
//! it with this very function, and the service computes it with the same one: the two can
//! never disagree. The skeleton depends on the confusables table of `unicode-security`; an
//! upgrade that changes the table needs a migration that recomputes the column.

use sha2::{Digest, Sha256};
use unicode_security::confusable_detection::skeleton;

/// The most characters `users.username_skeleton` holds (its `VARCHAR` length).
pub const USERNAME_SKELETON_MAX_CHARS: usize = 255;

/// What a skeleton too long for the column is stored as: this prefix and the SHA-256 of the
/// skeleton in hex. No character a username key may hold (letters, digits, `.`, `_`, `-`)
/// has `#` in its skeleton, so no stored short skeleton starts like a digest.
const DIGEST_PREFIX: &str = "#sha256:";

/// The skeleton of an already normalized username key (see the service's `username_key`):
/// the UTS #39 skeleton, then lowercased, since prototypes can be capitals (`0` → `O`).
///
/// A skeleton longer than [`USERNAME_SKELETON_MAX_CHARS`] is stored as its SHA-256 digest
/// instead (a username has at most 50 characters, but one character can expand to 18, such
/// as U+FDFA): equal skeletons still give equal values.
///
/// ```
/// use tenantry_entity::skeleton::username_skeleton_of_key;
///
/// assert_eq!(username_skeleton_of_key("admin1"), username_skeleton_of_key("\u{430}dmin1"));
/// assert_ne!(username_skeleton_of_key("admin"), username_skeleton_of_key("adnim"));
/// ```
pub fn username_skeleton_of_key(key: &str) -> String {
    let full: String = skeleton(key).flat_map(char::to_lowercase).collect();
    if full.chars().count() <= USERNAME_SKELETON_MAX_CHARS {
        return full;
    }
    let digest = Sha256::digest(full.as_bytes());
    let mut stored = String::with_capacity(DIGEST_PREFIX.len() + 64);
    stored.push_str(DIGEST_PREFIX);
    for byte in digest {
        stored.push_str(&format!("{byte:02x}"));
    }
    stored
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confusables_share_a_skeleton() {
        let same = [
            ("admin1", "\u{430}dmin1"),
            ("paypal", "\u{440}aypal"),
            ("paypal", "p\u{3b1}yp\u{3b1}l"),
            ("admin", "adm\u{456}n"),
            ("user0", "usero"),
            ("modern", "rnodern"),
            ("l1", "ll"),
        ];
        for (a, b) in same {
            assert_eq!(
                username_skeleton_of_key(a),
                username_skeleton_of_key(b),
                "{a} {b}"
            );
        }
        let different = [("admin", "admln2"), ("josé", "jose"), ("anna", "hanna")];
        for (a, b) in different {
            assert_ne!(
                username_skeleton_of_key(a),
                username_skeleton_of_key(b),
                "{a} {b}"
            );
        }
    }

    #[test]
    fn long_skeletons_are_stored_as_digests_that_fit() {
        let long = "\u{FDFA}".repeat(50);
        let stored = username_skeleton_of_key(&long);
        assert!(stored.starts_with(DIGEST_PREFIX), "{stored}");
        assert!(stored.chars().count() <= USERNAME_SKELETON_MAX_CHARS);
        assert_eq!(stored, username_skeleton_of_key(&long));
        let other = format!("{}x", "\u{FDFA}".repeat(49));
        assert_ne!(stored, username_skeleton_of_key(&other));
    }

    #[test]
    fn no_username_character_has_hash_in_its_skeleton() {
        // So a short stored skeleton never starts like a digest (exhaustive over the characters
        // a username key may hold, so it guards an upgrade of the confusables table).
        let allowed = |c: &char| c.is_alphanumeric() || matches!(c, '.' | '_' | '-');
        for c in (0..=0x10_FFFF_u32)
            .filter_map(char::from_u32)
            .filter(allowed)
        {
            let stored = username_skeleton_of_key(c.encode_utf8(&mut [0; 4]));
            assert!(
                !stored.contains('#'),
                "U+{:04X} has # in its skeleton",
                u32::from(c)
            );
        }
    }
}
