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
