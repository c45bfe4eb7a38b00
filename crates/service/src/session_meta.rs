//! [`SessionMeta`]: the client's address and user agent, which a host attaches to a session so
//! the database session store (`SeaOrmSessionStore`) can show them in the user's list of
//! sessions. The store never sees the request, so the host puts them in the session's data
//! under [`SessionMeta::KEY`].

use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use tower_sessions_core::Session;

/// What a session remembers of its client: an address and a user agent, both checked.
///
/// - The address is an [`IpAddr`]: nothing else can be attached (it is at most 45 characters,
///   the column's size).
/// - A user agent with a control character is refused (not kept); a longer one than
///   [`USER_AGENT_MAX_CHARS`](Self::USER_AGENT_MAX_CHARS) is cut there, at a character
///   boundary; surrounding whitespace is trimmed.
///
/// The store applies the same rules to whatever it finds under [`KEY`](Self::KEY), so a host
/// that writes the key itself cannot get an unchecked value into the session's row.
///
/// ```
/// use tenantry_service::session_meta::SessionMeta;
/// let meta = SessionMeta::new(Some("203.0.113.7".parse().unwrap()), Some("  curl/8.5 "));
/// assert_eq!(meta.user_agent(), Some("curl/8.5"));
/// assert_eq!(SessionMeta::new(None, Some("bad\u{7}agent")).user_agent(), None);
/// // In a handler, once the user has signed in: meta.attach(&session).await?;
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionMeta {
    #[serde(default)]
    ip: Option<IpAddr>,
    #[serde(default)]
    user_agent: Option<String>,
}

impl SessionMeta {
    /// The key of the session's data it is kept under.
    pub const KEY: &'static str = "tenantry.meta";

    /// The longest user agent kept, in characters (the column holds 255).
    pub const USER_AGENT_MAX_CHARS: usize = 255;

    /// The client's `ip` and `user_agent`, checked (see the type's docs).
    pub fn new(ip: Option<IpAddr>, user_agent: Option<&str>) -> Self {
        Self {
            ip,
            user_agent: user_agent.and_then(checked_user_agent),
        }
    }

    /// The address.
    pub fn ip(&self) -> Option<IpAddr> {
        self.ip
    }

    /// The user agent, as kept.
    pub fn user_agent(&self) -> Option<&str> {
        self.user_agent.as_deref()
    }

    /// The metadata as the store keeps it: the user agent checked again, since the data may
    /// have been written by other code than [`Self::new`].
    pub(crate) fn checked(self) -> Self {
        Self::new(self.ip, self.user_agent.as_deref())
    }

    /// Puts the metadata in `session`, unless it already holds the same: an unchanged value
    /// leaves the session unmodified, so attaching on every request costs no write.
    ///
    /// Attach it to signed-in sessions (after login, or in a middleware behind the login
    /// check): on an anonymous request it would start a session.
    ///
    /// # Errors
    ///
    /// The session's own error (its store failed to load it, or the value did not serialize).
    pub async fn attach(
        &self,
        session: &Session,
    ) -> Result<(), tower_sessions_core::session::Error> {
        if session.get::<Self>(Self::KEY).await?.as_ref() != Some(self) {
            session.insert(Self::KEY, self).await?;
        }
        Ok(())
    }
}

/// `user_agent` trimmed and cut to [`SessionMeta::USER_AGENT_MAX_CHARS`]; `None` when empty or
/// holding a control character.
fn checked_user_agent(user_agent: &str) -> Option<String> {
    let trimmed = user_agent.trim();
    if trimmed.is_empty() || trimmed.chars().any(char::is_control) {
        return None;
    }
    Some(
        trimmed
            .chars()
            .take(SessionMeta::USER_AGENT_MAX_CHARS)
            .collect::<String>()
            .trim_end()
            .to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_user_agent_is_cut_at_a_character_boundary() {
        let long = "é".repeat(300);
        let meta = SessionMeta::new(None, Some(&long));
        let kept = meta.user_agent().unwrap_or_default();
        assert_eq!(kept.chars().count(), SessionMeta::USER_AGENT_MAX_CHARS);
        assert!(kept.chars().all(|c| c == 'é'));
    }

    #[test]
    fn control_characters_and_blank_agents_are_not_kept() {
        for agent in ["a\nb", "\u{0}", "x\u{1b}[31m", "   ", ""] {
            assert_eq!(
                SessionMeta::new(None, Some(agent)).user_agent(),
                None,
                "{agent:?}"
            );
        }
    }

    #[test]
    fn the_checked_form_of_hand_written_data_obeys_the_same_rules() {
        let hand_written: SessionMeta =
            serde_json::from_value(serde_json::json!({ "user_agent": "a".repeat(1000) }))
                .unwrap_or_default();
        let checked = hand_written.checked();
        assert_eq!(checked.user_agent().map(str::len), Some(255));
        let not_an_address =
            serde_json::from_value::<SessionMeta>(serde_json::json!({ "ip": "x".repeat(100) }));
        assert!(not_an_address.is_err(), "only an IP address deserializes");
    }
}
