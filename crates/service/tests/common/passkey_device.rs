//! [`Device`]: a passkey authenticator for the tests (feature `passkeys`), and the relying
//! party it answers.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::collections::HashMap;
use tenantry_service::passkey_config::PasskeyConfig;
use tenantry_service::webauthn_rs::prelude::{
    CreationChallengeResponse, PublicKeyCredential, RegisterPublicKeyCredential,
    RequestChallengeResponse, Url,
};
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;

pub const ORIGIN: &str = "https://login.example.com";

pub fn passkey_config() -> PasskeyConfig {
    PasskeyConfig {
        rp_id: "example.com".into(),
        rp_name: "Example".into(),
        origin: ORIGIN.into(),
    }
}

/// A passkey authenticator as a browser drives it: webauthn-rs's software passkey, plus what a
/// discoverable authenticator does that it does not — pick its own credential when the
/// relying party names none, and return the user handle it was registered with.
pub struct Device {
    soft: SoftPasskey,
    /// Credential id → the user handle it was registered with.
    pub handles: HashMap<Vec<u8>, Vec<u8>>,
}

impl Default for Device {
    fn default() -> Self {
        Self::new()
    }
}

impl Device {
    pub fn new() -> Self {
        // `true`: it reports user verification (a PIN or a fingerprint) as done.
        Self {
            soft: SoftPasskey::new(true),
            handles: HashMap::new(),
        }
    }

    fn origin() -> Url {
        Url::parse(ORIGIN).unwrap()
    }

    pub fn register(&mut self, options: CreationChallengeResponse) -> RegisterPublicKeyCredential {
        let handle = options.public_key.user.id.clone();
        let credential = self.soft.do_registration(Self::origin(), options).unwrap();
        self.handles.insert(credential.raw_id.clone(), handle);
        credential
    }

    pub fn sign_in(&mut self, mut options: RequestChallengeResponse) -> PublicKeyCredential {
        if options.public_key.allow_credentials.is_empty() {
            // webauthn-rs does not export `AllowCredentials`; its JSON form names it.
            let allowed: Vec<_> = self
                .handles
                .keys()
                .map(|id| serde_json::json!({ "type": "public-key", "id": URL_SAFE_NO_PAD.encode(id) }))
                .collect();
            options.public_key.allow_credentials =
                serde_json::from_value(serde_json::Value::Array(allowed)).unwrap();
        }
        let mut credential = self
            .soft
            .do_authentication(Self::origin(), options)
            .unwrap();
        credential.response.user_handle = self.handles.get(&credential.raw_id).cloned();
        credential
    }
}
