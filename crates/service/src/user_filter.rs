//! Which users a listing selects ([`UserFilter`]) and in what order ([`UserOrder`]): shared by
//! the query inputs and the keyset cursor, which fingerprints both.

use crate::role_catalogue::RoleKey;
use serde::Deserialize;
use tenantry_entity::{PlantId, UserStatus};

/// Which users a listing or count selects. The default selects every user that is not deleted.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct UserFilter {
    /// Only users of this status.
    pub status: Option<UserStatus>,
    /// Only active users (the same as `status: Some(Active)`; both may be given if they agree).
    #[serde(default)]
    pub active_only: bool,
    /// Only users with a role at this plant (a tenant role counts at every plant).
    pub plant: Option<PlantId>,
    /// Only users holding this role, or one that implies it ("at least" it, in an ordered
    /// catalogue): at `plant` when given (tenant-wide grants count there), else anywhere.
    #[serde(alias = "min_role")]
    pub role: Option<RoleKey>,
    /// Case-insensitive substring of the username, email or display name. `%` and `_` match
    /// themselves.
    pub search: Option<String>,
}

impl UserFilter {
    /// Checks the filter's text before it reaches SQL: the search is at most
    /// [`SEARCH_MAX_CHARS`](crate::validation::SEARCH_MAX_CHARS) characters without control
    /// characters.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) on the field `search`.
    pub fn check(&self) -> crate::Result<()> {
        let mut validator = crate::validation::Validator::new();
        if let Some(search) = &self.search {
            validator.check("search", crate::validation::search(search));
        }
        Ok(validator.finish()?)
    }
}

/// The order of a listing. Ties are broken by id, so pages never overlap.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserOrder {
    /// By normalized username, A → Z (the default).
    #[default]
    UsernameAsc,
    /// By normalized username, Z → A.
    UsernameDesc,
    /// Oldest first.
    CreatedAsc,
    /// Newest first.
    CreatedDesc,
    /// Most recent login first; never-logged-in users last.
    LastLoginDesc,
}
