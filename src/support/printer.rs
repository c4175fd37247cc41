//! The stderr handle: everything meant for a person goes through here, never to stdout. Its
//! [`Printer::to_person`] view writes where the person is reached (`support::terminal`): the
//! login prompts reach someone at the terminal even when a caller captures stderr.
use super::terminal::Terminal;
use std::io::{IsTerminal, Write};

/// Writes human messages to stderr. stdout is reserved for the one document a data mode prints.
#[derive(Clone, Debug)]
pub struct Printer {
    debug: bool,
    stderr_tty: bool,
    terminal: Terminal,
    /// `info` and `raw` go to the terminal handle rather than stderr.
    to_person: bool,
}

impl Printer {
    /// A printer for this process, with the person's terminal detected (`Terminal::detect`).
    pub fn new(debug: bool) -> Self {
        Printer::with_terminal(debug, Terminal::detect())
    }

    pub fn with_terminal(debug: bool, terminal: Terminal) -> Self {
        Printer {
            debug,
            stderr_tty: std::io::stderr().is_terminal(),
            terminal,
            to_person: false,
        }
    }

    /// The handle to the person (prompts, questions).
    pub fn terminal(&self) -> &Terminal {
        &self.terminal
    }

    /// A view whose `info`, `raw` and `is_terminal` address the person: the controlling terminal
    /// when stderr is captured but a person is at it, else stderr. Warnings and debug lines stay on
    /// stderr. For login prompts: URL, code, QR, countdown.
    pub fn to_person(&self) -> Printer {
        Printer {
            to_person: true,
            ..self.clone()
        }
    }

    /// A line for the person at the terminal (progress, prompts).
    pub fn info(&self, msg: impl AsRef<str>) {
        if self.to_person {
            self.terminal.write(&format!("{}\n", msg.as_ref()));
        } else {
            self.line(msg.as_ref());
        }
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

    /// Where `info`/`raw` write is a terminal (so a QR code or a countdown line makes sense).
    pub fn is_terminal(&self) -> bool {
        if self.to_person {
            self.terminal.shows_terminal()
        } else {
            self.stderr_tty
        }
    }

    /// Writes raw text (no newline added), e.g. a progress line ending in `\r`.
    pub fn raw(&self, text: &str) {
        if self.to_person {
            self.terminal.write(text);
            return;
        }
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(text.as_bytes());
        let _ = err.flush();
    }

    fn line(&self, msg: &str) {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{msg}");
    }
}
