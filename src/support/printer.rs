//! The stderr handle: everything meant for a person goes through here, never to stdout.
use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Writes human messages to stderr. stdout is reserved for the one document a data mode prints.
#[derive(Clone, Debug)]
pub struct Printer {
    debug: bool,
    stderr_tty: bool,
    /// A `raw` line (the login countdown) is on screen without its newline: the next message
    /// erases it first, so an error never lands after the countdown's text.
    line_open: Arc<AtomicBool>,
    /// Warnings already said: a check repeated under a lock must not say the same thing twice.
    warned: Arc<Mutex<HashSet<String>>>,
}

impl Printer {
    pub fn new(debug: bool) -> Self {
        Printer {
            debug,
            stderr_tty: std::io::stderr().is_terminal(),
            line_open: Arc::new(AtomicBool::new(false)),
            warned: Arc::new(Mutex::new(HashSet::new())),
        }
    }

    /// A line for the person at the terminal (progress, prompts).
    pub fn info(&self, msg: impl AsRef<str>) {
        self.line(msg.as_ref());
    }

    /// `warning: …`, once per distinct message.
    pub fn warn(&self, msg: impl AsRef<str>) {
        let msg = msg.as_ref();
        let first = self
            .warned
            .lock()
            .map(|mut w| w.insert(msg.to_string()))
            .unwrap_or(true);
        if first {
            self.line(&format!("warning: {msg}"));
        }
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

    /// Writes a progress line in place (`\r`, no newline), e.g. the login countdown; the next
    /// message or `end_progress` ends it.
    pub fn progress(&self, text: &str) {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r{text}");
        let _ = err.flush();
        self.line_open.store(true, Ordering::SeqCst);
    }

    /// Writes raw text as it is (e.g. a QR code that ends in a newline).
    pub fn raw(&self, text: &str) {
        self.end_progress();
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(text.as_bytes());
        let _ = err.flush();
    }

    /// Erases the progress line, if one is on screen.
    pub fn end_progress(&self) {
        if self.line_open.swap(false, Ordering::SeqCst) {
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(b"\r\x1b[2K");
            let _ = err.flush();
        }
    }

    fn line(&self, msg: &str) {
        self.end_progress();
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{msg}");
    }
}
