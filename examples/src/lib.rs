//! Runnable stories of tenantry live in this package's `examples/`: run
//! `cargo run --example quickstart` or `cargo run --example axum_admin` from the repository
//! root. The admin service's router lives here, in [`admin`], so its tests can serve it.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod admin;
