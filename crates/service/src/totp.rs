//! TOTP (RFC 6238) codes: a fresh secret, the `otpauth://` URI an app scans, and the check of
//! a code within ±1 time step that never accepts a step at or before the last one used.

use crate::redacted::redacted_secret;
use totp_rs::{Algorithm, Builder, Totp};

/// Seconds a code lasts.
pub(crate) const STEP_SECONDS: u64 = 30;
/// Bytes of a new secret: 160 bits, RFC 4226's recommendation.
const SECRET_BYTES: usize = 20;

redacted_secret! {
    /// A TOTP secret's bytes: `Debug` prints `[redacted]`, zeroed on drop.
    pub(crate) struct TotpSecret(Vec<u8>);
}

impl TotpSecret {
    /// 160 random bits from the operating system.
    pub(crate) fn generate() -> Self {
        let mut bytes = vec![0u8; SECRET_BYTES];
        // The OS generator failing is not something to recover from here; an all-zero
        // secret would be worse than a refused enrolment, so the caller checks `is_random`.
        if getrandom::getrandom(&mut bytes).is_err() {
            bytes.clear();
        }
        Self(bytes)
    }

    pub(crate) fn is_usable(&self) -> bool {
        self.0.len() >= 16
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0
    }
}

fn totp(secret: &[u8], digits: u8, issuer: &str, account: &str) -> Totp {
    let builder = Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(digits)
        .with_skew(0)
        .with_step_duration(STEP_SECONDS)
        .with_secret(secret.to_vec());
    // `:` separates issuer and account in the URI; neither may hold one.
    let builder = if issuer.is_empty() {
        builder
    } else {
        builder.with_issuer(Some(issuer.replace(':', " ")))
    };
    builder
        .with_account_name(account.replace(':', " "))
        .build_noncompliant()
}

/// The code of `secret` for time step `step`.
pub(crate) fn code_at(secret: &[u8], digits: u8, step: u64) -> String {
    totp(secret, digits, "", "")
        .generate(step * STEP_SECONDS)
        .to_string()
}

/// The `otpauth://totp/...` URI (Key Uri Format) that authenticator apps scan.
pub(crate) fn uri(secret: &[u8], digits: u8, issuer: &str, account: &str) -> String {
    totp(secret, digits, issuer, account)
        .to_url()
        .unwrap_or_default()
}

/// The secret in base32, for typing it into an app by hand.
pub(crate) fn base32(secret: &[u8]) -> String {
    totp_rs::Secret::from(secret.to_vec()).to_base32()
}

/// Whether `code` is exactly `digits` ASCII digits: no whitespace, sign or other script's
/// digits. Anything else is a wrong code without looking further.
pub(crate) fn well_formed(code: &str, digits: u8) -> bool {
    code.len() == usize::from(digits) && code.bytes().all(|b| b.is_ascii_digit())
}

/// The time step of `now` (Unix seconds).
pub(crate) fn step_of(now_unix: i64) -> u64 {
    u64::try_from(now_unix).unwrap_or(0) / STEP_SECONDS
}

/// The step among `now`'s and its two neighbours whose code `code` is, later than
/// `last_used`; `None` when there is none. Every candidate step is computed, so the time taken
/// does not say which matched.
pub(crate) fn matching_step(
    secret: &[u8],
    digits: u8,
    code: &str,
    now_step: u64,
    last_used: Option<i64>,
) -> Option<u64> {
    if !well_formed(code, digits) {
        return None;
    }
    let mut found = None;
    for step in now_step.saturating_sub(1)..=now_step.saturating_add(1) {
        let expected = code_at(secret, digits, step);
        let same = subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), code.as_bytes());
        let fresh = last_used.is_none_or(|last| i64::try_from(step).is_ok_and(|s| s > last));
        if bool::from(same) && fresh && found.is_none() {
            found = Some(step);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_SECRET: &[u8] = b"12345678901234567890";

    /// RFC 6238 Appendix B, SHA-1, 8 digits.
    #[test]
    fn rfc_6238_appendix_b_vectors() {
        for (time, code) in [
            (59u64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(
                code_at(RFC_SECRET, 8, time / STEP_SECONDS),
                code,
                "T = {time}"
            );
            let step = time / STEP_SECONDS;
            assert_eq!(matching_step(RFC_SECRET, 8, code, step, None), Some(step));
        }
    }

    #[test]
    fn one_step_either_side_is_accepted_two_are_not() {
        let now = 1_000_000;
        for (offset, accepted) in [(-2i64, false), (-1, true), (0, true), (1, true), (2, false)] {
            let step = now + offset;
            let code = code_at(RFC_SECRET, 6, step as u64);
            let found = matching_step(RFC_SECRET, 6, &code, now as u64, None);
            assert_eq!(found.is_some(), accepted, "offset {offset}");
        }
    }

    #[test]
    fn a_step_at_or_before_the_last_used_is_refused() {
        let now = 1_000_000u64;
        let code = code_at(RFC_SECRET, 6, now);
        assert_eq!(
            matching_step(RFC_SECRET, 6, &code, now, Some(999_999)),
            Some(now)
        );
        assert_eq!(
            matching_step(RFC_SECRET, 6, &code, now, Some(1_000_000)),
            None
        );
        let earlier = code_at(RFC_SECRET, 6, now - 1);
        assert_eq!(
            matching_step(RFC_SECRET, 6, &earlier, now, Some(999_999)),
            None
        );
    }

    #[test]
    fn malformed_codes_are_refused() {
        let now = 1_000_000u64;
        let code = code_at(RFC_SECRET, 6, now);
        let arabic: String = code
            .chars()
            .map(|c| char::from_u32(0x0660 + c.to_digit(10).unwrap_or(0)).unwrap_or('0'))
            .collect();
        for bad in [
            format!(" {code}"),
            format!("{code} "),
            format!("{}\u{0}", &code[..5]),
            code[..5].to_owned(),
            format!("{code}0"),
            format!("+{}", &code[..5]),
            arabic,
            String::new(),
            "abcdef".to_owned(),
        ] {
            assert_eq!(
                matching_step(RFC_SECRET, 6, &bad, now, None),
                None,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn the_uri_names_issuer_and_account_and_holds_the_base32_secret() {
        let uri = uri(RFC_SECRET, 6, "Acme", "carol@example.com");
        assert!(
            uri.starts_with("otpauth://totp/Acme:carol%40example.com?"),
            "{uri}"
        );
        assert!(
            uri.contains(&format!("secret={}", base32(RFC_SECRET))),
            "{uri}"
        );
        assert!(uri.contains("issuer=Acme"), "{uri}");
    }
}
