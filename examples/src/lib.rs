//! Runnable stories of tenantry live in this package's `examples/`: run
//! `cargo run --example quickstart` from the repository root.

#![forbid(unsafe_code)]
