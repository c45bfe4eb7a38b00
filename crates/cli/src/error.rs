//! The CLI's one error type: everything that ends a command with `error: …` and exit status 1.

use std::fmt;

/// Why a command failed. Its `Display` is the one line printed after `error: `.
#[derive(Debug)]
pub(crate) enum CliError {
    /// The library refused or failed. Its `Display` never holds database text or a submitted
    /// value, so it is shown as it is.
    Service(tenantry_service::Error),
    /// A tenant, plant or user named on the command line does not exist.
    NotFound {
        /// `tenant`, `plant` or `user`.
        kind: &'static str,
        /// The slug, code or username as the operator typed it.
        name: String,
    },
    /// Anything else, as a complete phrase (connecting, migrating, reading a password, …).
    Message(String),
    /// Rows of an input file that cannot be imported: each problem on its own line (printed
    /// before the `error: ` line), then the summary.
    Rows {
        /// `line 3: email: not in a valid format`, one per problem, in file order.
        lines: Vec<String>,
        /// The one `error: ` line.
        summary: String,
    },
}

impl CliError {
    /// An error with a message of the CLI's own.
    pub(crate) fn msg(message: impl Into<String>) -> Self {
        Self::Message(message.into())
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Service(error) => error.fmt(f),
            // Debug-quoting keeps the operator's input on one line, whatever it holds.
            Self::NotFound { kind, name } => write!(f, "{kind} {name:?} not found"),
            Self::Message(message) => f.write_str(message),
            Self::Rows { summary, .. } => f.write_str(summary),
        }
    }
}

impl From<tenantry_service::Error> for CliError {
    fn from(error: tenantry_service::Error) -> Self {
        Self::Service(error)
    }
}

/// `text` on one line: every run of whitespace (newlines included) becomes one space.
pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The CLI's result type.
pub(crate) type CliResult<T> = Result<T, CliError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_stay_on_one_line() {
        let error = CliError::NotFound {
            kind: "user",
            name: "a\nb".into(),
        };
        assert_eq!(error.to_string(), r#"user "a\nb" not found"#);
        assert_eq!(one_line("a\n\n  b\tc\n"), "a b c");
        assert_eq!(
            CliError::from(tenantry_service::Error::UsernameTaken).to_string(),
            "username is already taken"
        );
    }
}
