//! The stderr handle: everything meant for a person goes through here, never to stdout. Its
//! [`Printer::to_person`] view writes where the person is reached (`support::terminal`): the
//! login prompts reach someone at the terminal even when a caller captures stderr.
use super::terminal::Terminal;
use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// Where an unfinished progress line is on screen (`Printer::progress`).
const NO_LINE: u8 = 0;
const LINE_ON_STDERR: u8 = 1;
const LINE_ON_TERMINAL: u8 = 2;

/// Writes human messages to stderr. stdout is reserved for the one document a data mode prints.
#[derive(Clone, Debug)]
pub struct Printer {
    debug: bool,
    stderr_tty: bool,
    /// stderr interprets escape sequences (colour, erasing a line): a terminal, on Windows only
    /// once virtual-terminal processing is on (`stderr_takes_escapes`). Asked the first time
    /// something is written, so a run that writes nothing (a cache hit) does not ask.
    escapes: Arc<OnceLock<bool>>,
    /// `error:`, `warning:` and `hint:` in colour where stderr takes escapes (`NO_COLOR` unset).
    colour_allowed: bool,
    terminal: Terminal,
    /// `info` and `raw` go to the terminal handle rather than stderr.
    to_person: bool,
    /// A progress line (the login countdown) is on screen without its newline, and where: the
    /// next message erases it first, so an error never lands after the countdown's text.
    line_open: Arc<AtomicU8>,
    /// How many characters that line has: without escape sequences it is erased by overwriting.
    line_width: Arc<AtomicUsize>,
    /// Warnings already said: a check repeated under a lock must not say the same thing twice.
    warned: Arc<Mutex<HashSet<String>>>,
}

impl Printer {
    /// A printer for this process, with the person's terminal detected (`Terminal::detect`).
    pub fn new(debug: bool) -> Self {
        Printer::with_terminal(debug, Terminal::detect())
    }

    pub fn with_terminal(debug: bool, terminal: Terminal) -> Self {
        let stderr_tty = std::io::stderr().is_terminal();
        Printer {
            debug,
            stderr_tty,
            escapes: Arc::new(OnceLock::new()),
            colour_allowed: false,
            terminal,
            to_person: false,
            line_open: Arc::new(AtomicU8::new(NO_LINE)),
            line_width: Arc::new(AtomicUsize::new(0)),
            warned: Arc::new(Mutex::new(HashSet::new())),
        }
    }

    /// Colours the labels of messages on stderr when it is a terminal and `allowed` (the caller
    /// passes "`NO_COLOR` is unset").
    pub fn with_colour(mut self, allowed: bool) -> Self {
        self.colour_allowed = allowed;
        self
    }

    fn escapes(&self) -> bool {
        *self
            .escapes
            .get_or_init(|| stderr_takes_escapes(self.stderr_tty))
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
            self.end_progress();
            self.terminal.write(&format!("{}\n", msg.as_ref()));
        } else {
            self.line(msg.as_ref());
        }
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

    /// Where `info`/`raw` write is a terminal (so a QR code or a countdown line makes sense).
    pub fn is_terminal(&self) -> bool {
        if self.to_person {
            self.terminal.shows_terminal()
        } else {
            self.stderr_tty
        }
    }

    /// Writes a progress line in place (`\r`, no newline), e.g. the login countdown; the next
    /// message or `end_progress` ends it.
    pub fn progress(&self, text: &str) {
        // `…` may reach a Windows console as `...` (`terminal::console_ascii`).
        let width = text.chars().map(|c| if c.is_ascii() { 1 } else { 3 }).sum();
        self.line_width.store(width, Ordering::SeqCst);
        let text = format!("\r{text}");
        if self.to_person {
            self.terminal.write(&text);
            self.line_open.store(LINE_ON_TERMINAL, Ordering::SeqCst);
        } else {
            Self::to_stderr(&text);
            self.line_open.store(LINE_ON_STDERR, Ordering::SeqCst);
        }
    }

    /// Erases the progress line, if one is on screen, where it was drawn.
    pub fn end_progress(&self) {
        let erase = |escapes: bool| {
            if escapes {
                "\r\x1b[2K".to_string()
            } else {
                let blank = " ".repeat(self.line_width.load(Ordering::SeqCst));
                format!("\r{blank}\r")
            }
        };
        match self.line_open.swap(NO_LINE, Ordering::SeqCst) {
            // Windows' console handle (CONOUT$) is not switched to escape sequences.
            LINE_ON_TERMINAL => self.terminal.write(&erase(!cfg!(windows))),
            LINE_ON_STDERR => Self::to_stderr(&erase(self.escapes())),
            _ => {}
        }
    }

    /// Writes raw text as it is (e.g. a QR code that ends in a newline).
    pub fn raw(&self, text: &str) {
        self.end_progress();
        if self.to_person {
            self.terminal.write(text);
        } else {
            Self::to_stderr(text);
        }
    }

    fn to_stderr(text: &str) {
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(text.as_bytes());
        let _ = err.flush();
    }

    fn line(&self, msg: &str) {
        self.end_progress();
        let text = if self.colour_allowed && self.escapes() {
            paint(msg)
        } else {
            msg.to_string()
        };
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{text}");
    }
}

/// Whether escape sequences written to stderr are interpreted. A Windows console (conhost)
/// interprets them only once `ENABLE_VIRTUAL_TERMINAL_PROCESSING` is set on the handle (Windows 10
/// 1511 and later; Windows Terminal and mintty always do): the `console` crate sets it, and says
/// whether it could. Without it, no colour, and a progress line is erased by overwriting it.
#[cfg(windows)]
fn stderr_takes_escapes(stderr_tty: bool) -> bool {
    stderr_tty
        && dialoguer::console::Term::stderr()
            .features()
            .colors_supported()
}

#[cfg(not(windows))]
fn stderr_takes_escapes(stderr_tty: bool) -> bool {
    stderr_tty
}

/// Messages may be coloured unless `NO_COLOR` is set to something (https://no-color.org).
pub fn colour_allowed(env: &super::env::Env) -> bool {
    env.get(super::env::NO_COLOR).is_none_or(str::is_empty)
}

/// Each line's `error:` (bold red), `warning:` (bold yellow) or `hint:` (bold cyan) label in
/// colour; the rest of the text as it is.
fn paint(msg: &str) -> String {
    const LABELS: [(&str, &str); 3] = [
        ("error:", "\x1b[1;31m"),
        ("warning:", "\x1b[1;33m"),
        ("hint:", "\x1b[1;36m"),
    ];
    msg.split('\n')
        .map(
            |line| match LABELS.iter().find(|(label, _)| line.starts_with(label)) {
                Some((label, colour)) => format!("{colour}{label}\x1b[0m{}", &line[label.len()..]),
                None => line.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join("\n")
}
