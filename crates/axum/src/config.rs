//! How the service presents itself to the outside.

/// How the admin service presents itself to the outside. Its roles are the store's
/// ([`Roles::role_catalogue`](tenantry_service::Roles::role_catalogue)).
#[derive(Clone, Debug)]
pub struct AdminConfig {
    /// The URL users reach the service's front end at, without a trailing slash: invitation
    /// and reset links are built on it.
    pub public_url: String,
    /// Whether the session cookie is `Secure` (sent over HTTPS only).
    pub secure_cookie: bool,
}

impl AdminConfig {
    /// A configuration for a front end at `public_url`; the cookie is `Secure` exactly when
    /// the URL is `https://`.
    pub fn new(public_url: impl Into<String>) -> Self {
        let public_url = public_url.into().trim_end_matches('/').to_owned();
        let secure_cookie = public_url.starts_with("https://");
        Self {
            public_url,
            secure_cookie,
        }
    }
}
