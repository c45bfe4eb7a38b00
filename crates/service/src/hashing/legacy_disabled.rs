//! Legacy hashes in a build without the `legacy-hashes` feature: none can be verified, and
//! importing one is refused with [`Rule::HashFormatNotEnabled`] naming its format.

use super::legacy_format::refusal_without_verifiers;
use crate::validation::Rule;

/// A parsed legacy hash: there is none without the verifiers.
pub(super) enum LegacyHash {}

impl LegacyHash {
    /// Refuses `hash`: [`Rule::HashFormatNotEnabled`] when it claims a legacy format,
    /// [`Rule::UnsupportedHash`] otherwise.
    pub(super) fn parse(hash: &str, _max_len: usize) -> Result<Self, Rule> {
        Err(refusal_without_verifiers(hash))
    }

    pub(super) fn matches(&self, _password: &[u8]) -> bool {
        match *self {}
    }
}
