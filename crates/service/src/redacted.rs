//! One way to hold a secret: its `Debug` prints `[redacted]`, it implements neither `Display`
//! nor `Serialize`, and its memory is zeroed when it is dropped.

/// Declares a newtype around a secret (any [`zeroize::Zeroize`] type: `String`, `Vec<u8>`)
/// with the redacted `Debug` and the zeroing `Drop`. Derives (`Clone`, `Deserialize`, …) and
/// docs are written on the struct as usual; the inner value stays private to its module.
macro_rules! redacted_secret {
    ($(#[$meta:meta])* $vis:vis struct $name:ident($inner:ty);) => {
        $(#[$meta])*
        $vis struct $name($inner);

        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str("[redacted]")
            }
        }

        impl ::std::ops::Drop for $name {
            fn drop(&mut self) {
                ::zeroize::Zeroize::zeroize(&mut self.0);
            }
        }
    };
}

pub(crate) use redacted_secret;

#[cfg(test)]
mod tests {
    use crate::hashing::Pepper;
    use crate::password_policy::{ImportedHash, Password};
    use crate::token_codec::generate;

    /// Every secret declared with the macro prints nothing of itself, alone or nested.
    #[test]
    fn every_secret_type_prints_redacted() {
        let secret = "hunter2-correct-horse";
        let (raw, digest) = generate();
        let shown = [
            format!("{:?}", Password::new(secret)),
            format!("{:?}", ImportedHash::new(secret)),
            format!("{:?}", Pepper::new(secret)),
            format!("{raw:?}"),
            format!("{digest:?}"),
        ];
        for text in &shown {
            assert_eq!(text, "[redacted]");
        }
        assert_eq!(
            format!("{:?}", Some(ImportedHash::new(secret))),
            "Some([redacted])"
        );
    }

    /// Taking the value out of a zeroizing wrapper keeps it intact (the wrapper zeroes only
    /// what it still holds when dropped).
    #[test]
    fn values_taken_out_survive_the_drop() {
        let (raw, digest) = generate();
        let token = raw.expose().to_owned();
        assert_eq!(raw.into_string(), token);
        let hex = digest.as_str().to_owned();
        assert_eq!(digest.into_string(), hex);
        assert_eq!(ImportedHash::new("phc").expose(), "phc");
    }
}
