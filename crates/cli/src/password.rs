//! Reading a password from the operator: piped on stdin (`--password-stdin`, for scripts) or
//! typed at a terminal prompt without echo. A password never comes from an argument, which
//! would put it in the shell history and in every process listing.

use crate::error::{CliError, CliResult};
use std::io::{IsTerminal, Read};
use tenantry_service::Password;
use zeroize::Zeroize;

/// More than this on stdin is refused unread: the library refuses passwords over 4 KiB anyway,
/// and a runaway pipe must not fill memory.
const MAX_STDIN_BYTES: u64 = 16 * 1024;

/// The password of a new user: from stdin when `from_stdin`, else typed twice at a terminal
/// prompt (an empty first entry means no password), else — stdin is not a terminal and no
/// `--password-stdin` — none.
///
/// # Errors
///
/// See [`password_from_stdin`]; at a prompt, the two entries differ or the terminal cannot be
/// read.
pub(crate) fn new_password(from_stdin: bool) -> CliResult<Option<Password>> {
    if from_stdin {
        return password_from_stdin().map(Some);
    }
    if !std::io::stdin().is_terminal() {
        return Ok(None);
    }
    let first = prompt("Password (empty for none): ")?;
    if first.expose().is_empty() {
        return Ok(None);
    }
    let again = prompt("Repeat the password: ")?;
    if first.expose() != again.expose() {
        return Err(CliError::msg("the two passwords differ"));
    }
    Ok(Some(first))
}

/// The password piped on stdin: all of it, less one trailing line break (`\n` or `\r\n`), so
/// `echo "$PASSWORD" | tenantry …` and a file without a final newline both work.
///
/// # Errors
///
/// Stdin is empty, longer than 16 KiB, not UTF-8, or cannot be read.
pub(crate) fn password_from_stdin() -> CliResult<Password> {
    let mut bytes = Vec::new();
    let read = std::io::stdin()
        .lock()
        .take(MAX_STDIN_BYTES + 1)
        .read_to_end(&mut bytes);
    if let Err(e) = read {
        bytes.zeroize();
        return Err(CliError::msg(format!(
            "cannot read the password from stdin: {e}"
        )));
    }
    if bytes.len() as u64 > MAX_STDIN_BYTES {
        bytes.zeroize();
        return Err(CliError::msg("the password on stdin is too long"));
    }
    let mut text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            e.into_bytes().zeroize();
            return Err(CliError::msg("the password on stdin is not UTF-8"));
        }
    };
    strip_line_break(&mut text);
    if text.is_empty() {
        return Err(CliError::msg("no password on stdin"));
    }
    Ok(Password::new(text))
}

/// Removes one trailing `\n` or `\r\n`. (Truncating keeps the allocation, which [`Password`]
/// zeroes on drop.)
fn strip_line_break(text: &mut String) {
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
}

fn prompt(message: &str) -> CliResult<Password> {
    rpassword::prompt_password(message)
        .map(Password::new)
        .map_err(|e| CliError::msg(format!("cannot read the password: {e}")))
}

#[cfg(test)]
mod tests {
    use super::strip_line_break;

    #[test]
    fn strips_exactly_one_line_break() {
        for (input, expected) in [
            ("pw\n", "pw"),
            ("pw\r\n", "pw"),
            ("pw", "pw"),
            ("pw\n\n", "pw\n"),
            ("pw \n", "pw "),
            ("\n", ""),
        ] {
            let mut text = input.to_owned();
            strip_line_break(&mut text);
            assert_eq!(text, expected, "{input:?}");
        }
    }
}
