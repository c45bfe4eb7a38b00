//! The password policy on arbitrary passwords and user names: no panic, nothing over the byte
//! cap accepted. The input is `password \x1f username \x1f email \x1f tenant`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tenantry_service::Password;
use tenantry_service::password_policy::{MAX_PASSWORD_BYTES, PasswordPolicy, PolicyContext, normalized};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = s.split('\u{1f}');
    let password = parts.next().unwrap_or_default();
    let ctx = PolicyContext {
        username: parts.next(),
        email: parts.next(),
        tenant: parts.next(),
    };
    let password = Password::new(password);
    let result = PasswordPolicy::default().check(&password, &ctx);
    if password.expose().len() > MAX_PASSWORD_BYTES {
        assert!(result.is_err(), "over-long password accepted");
    }
    if result.is_ok() {
        // What passes is what gets hashed: its normal form is stable.
        let once = normalized(&password);
        assert_eq!(normalized(&once).expose(), once.expose());
    }
});
