//! Runnable stories of tenantry live in this package's `examples/`: run
//! `cargo run --example quickstart` or `cargo run --example axum_admin` from the repository
//! root. The admin service `axum_admin` serves is the `tenantry-axum` crate's router; this
//! library holds nothing (cargo wants a target besides the examples).

#![forbid(unsafe_code)]
#![warn(missing_docs)]
