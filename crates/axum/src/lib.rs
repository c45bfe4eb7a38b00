//! Mountable axum 0.8 routers over tenantry's user store.

pub mod scim;
