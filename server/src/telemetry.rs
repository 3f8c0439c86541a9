//! Logging: one tracing subscriber for the whole process, filtered by `RUST_LOG`.
//!
//! Every field value is escaped as it is written: a newline or another control character from
//! outside (a username, an RTMP application name, a header) shows as `\n` and cannot start a
//! forged log line.

use std::fmt::Write as _;
use tracing_subscriber::field::MakeExt;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber (info by default). Safe to call more than once.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let fields = tracing_subscriber::fmt::format::debug_fn(|writer, field, value| {
        let text = escape_controls(&format!("{value:?}"));
        if field.name() == "message" {
            writer.write_str(&text)
        } else {
            write!(writer, "{}={text}", field.name())
        }
    })
    .delimited(" ");
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .fmt_fields(fields)
        .try_init();
}

/// `text` with every control character (newlines, escape sequences) written as an escape.
pub fn escape_controls(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            let _ = write!(out, "{}", c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape_controls("plain"), "plain");
        assert_eq!(
            escape_controls("a\nINFO forged\u{1b}[31m"),
            "a\\nINFO forged\\u{1b}[31m"
        );
    }
}
