//! [`PasskeyConfig`]: who the relying party is, for passkeys (feature `passkeys`).
//!
//! A passkey is bound to a relying party id (a domain) and checked against the origin the
//! browser reports; the host names both once, at startup:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use tenantry_service::passkey_config::PasskeyConfig;
//! use tenantry_service::{Config, SeaOrmUserRepository};
//!
//! let db = tenantry_service::connect("sqlite::memory:").await?;
//! tenantry_service::migrate(&db).await?;
//! let repository = SeaOrmUserRepository::new(db, Config::default())?.with_passkeys(PasskeyConfig {
//!     rp_id: "example.com".into(),
//!     rp_name: "Example".into(),
//!     origin: "https://login.example.com".into(),
//! })?;
//! # drop(repository); Ok(()) }
//! ```

use crate::error::{Error, Result};
use std::sync::Arc;
use webauthn_rs::prelude::Url;
use webauthn_rs::{Webauthn, WebauthnBuilder};

/// The relying party passkeys are registered with and checked against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasskeyConfig {
    /// The relying party id: the site's domain (`example.com`), the origin's host or a parent
    /// domain of it. Passkeys registered under one id do not work under another.
    pub rp_id: String,
    /// The name an authenticator shows ("Acme Plastics").
    pub rp_name: String,
    /// The origin the browser reports, scheme and host (and port): `https://login.example.com`.
    pub origin: String,
}

impl PasskeyConfig {
    /// The webauthn-rs relying party.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] when the origin is not a URL, or the id is not the origin's
    /// host or a parent domain of it.
    pub(crate) fn relying_party(&self) -> Result<Arc<Webauthn>> {
        let origin = Url::parse(&self.origin)
            .map_err(|_| Error::InvalidConfig("passkeys: origin must be a URL (https://…)"))?;
        let refused = |_| {
            Error::InvalidConfig(
                "passkeys: rp_id must be the origin's host or a parent domain of it, and rp_name \
                 must not be empty",
            )
        };
        if self.rp_name.trim().is_empty() {
            return Err(refused(()));
        }
        let webauthn = WebauthnBuilder::new(&self.rp_id, &origin)
            .map_err(|_| refused(()))?
            .rp_name(&self.rp_name)
            .build()
            .map_err(|_| refused(()))?;
        Ok(Arc::new(webauthn))
    }
}
