//! Every field validator and key normalizer on arbitrary text: no panic, keys idempotent.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tenantry_service::normalize::{email_key, escape_like, plant_code_key, username_key};
use tenantry_service::validation;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let _ = validation::username(s);
    let _ = validation::email(s);
    let _ = validation::display_name(s);
    let _ = validation::name(s);
    let _ = validation::tenant_slug(s);
    let _ = validation::plant_code(s);
    for key in [username_key, email_key, plant_code_key] {
        let once = key(s);
        assert_eq!(key(&once), once, "key not idempotent");
    }
    let escaped = escape_like(s);
    assert!(escaped.len() >= s.len());
});
