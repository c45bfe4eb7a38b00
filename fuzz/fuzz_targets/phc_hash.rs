//! PHC hash import and verification on arbitrary strings: parsing never panics, and verifying
//! any stored string (parsed or not) never panics and never matches a wrong password.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use tenantry_service::Password;
use tenantry_service::entity::SecretHash;
use tenantry_service::hashing::{HashingConfig, PasswordHasher, Verification, parse_imported_hash};

fn hasher() -> &'static (tokio::runtime::Runtime, PasswordHasher) {
    static HASHER: OnceLock<(tokio::runtime::Runtime, PasswordHasher)> = OnceLock::new();
    HASHER.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let hasher = PasswordHasher::new(HashingConfig::insecure_fast_for_tests())
            .unwrap_or_else(|e| panic!("{e}"));
        (rt, hasher)
    })
}

/// Verifying runs argon2 with the hash's own parameters: skip the expensive ones so the fuzzer
/// keeps its pace (they take the same code path as cheap ones).
fn cheap(phc: &str) -> bool {
    let number = |key: &str| {
        phc.split(['$', ','])
            .find_map(|part| part.strip_prefix(key))
            .and_then(|v| v.parse::<u64>().ok())
    };
    number("m=").is_none_or(|m| m <= 1024) && number("t=").is_none_or(|t| t <= 4)
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = parse_imported_hash(s);
    if !cheap(s) {
        return;
    }
    let (rt, hasher) = hasher();
    let stored = match &parsed {
        Ok(hash) => SecretHash::new(hash.expose()),
        Err(_) => SecretHash::new(s),
    };
    // No fuzzed string is a hash of this password (a match would need a preimage).
    let wrong = Password::new("fuzz: not the password");
    let outcome = rt.block_on(hasher.verify(&wrong, Some(&stored)));
    assert!(!matches!(outcome, Ok(Verification::Match { .. })));
});
