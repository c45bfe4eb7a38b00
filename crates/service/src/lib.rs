//! tenantry's user store service.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod config;
pub mod hashing;
pub mod normalize;
pub mod password;
pub mod tokens;
pub mod validation;
