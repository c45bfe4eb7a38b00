//! Token parsing (what a redemption endpoint receives): no panic, and only the canonical
//! 43-character base64url spelling of 32 bytes is accepted.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tenantry_service::token_codec;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(digest) = token_codec::digest_of(s) {
        assert_eq!(s.len(), 43);
        assert!(
            s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(digest.as_str().len(), 64);
        assert_eq!(
            token_codec::digest_of(s).map(|d| d.into_string()).ok(),
            Some(digest.into_string())
        );
    }
});
