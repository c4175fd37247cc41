//! The stderr handle: everything meant for a person goes through here, never to stdout.
use std::io::{IsTerminal, Write};

/// Writes human messages to stderr. stdout is reserved for the one document a data mode prints.
#[derive(Clone, Debug)]
pub struct Printer {
    debug: bool,
    stderr_tty: bool,
}

impl Printer {
    pub fn new(debug: bool) -> Self {
        Printer {
            debug,
            stderr_tty: std::io::stderr().is_terminal(),
        }
    }

    /// A line for the person at the terminal (progress, prompts).
    pub fn info(&self, msg: impl AsRef<str>) {
        self.line(msg.as_ref());
    }

    pub fn warn(&self, msg: impl AsRef<str>) {
        self.line(&format!("warning: {}", msg.as_ref()));
    }

    /// Only with `--debug`. Callers pass no secrets: secret-bearing values are `Secret`s, whose
    /// `Debug` is redacted.
    pub fn debug(&self, msg: impl AsRef<str>) {
        if self.debug {
            self.line(&format!("debug: {}", msg.as_ref()));
        }
    }

    pub fn is_terminal(&self) -> bool {
        self.stderr_tty
    }

    /// Writes raw text (no newline added), e.g. a progress line ending in `\r`.
    pub fn raw(&self, text: &str) {
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(text.as_bytes());
        let _ = err.flush();
    }

    fn line(&self, msg: &str) {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{msg}");
    }
}
