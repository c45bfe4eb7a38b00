//! Typed row ids, so a plant id can never be passed where a user id is wanted.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

macro_rules! row_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, DeriveValueType, Serialize,
            Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<i64> for $name {
            fn from(id: i64) -> Self {
                Self(id)
            }
        }
    };
}

row_id!(
    /// Primary key of a row of `tenants`.
    TenantId
);
row_id!(
    /// Primary key of a row of `plants`.
    PlantId
);
row_id!(
    /// Primary key of a row of `users`.
    UserId
);
