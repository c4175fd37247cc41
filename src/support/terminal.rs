//! Where a person can be reached: decided once at start, then used for the login prompts (URL,
//! code, QR, countdown), for questions (an MFA code; a profile to pick, through
//! `support::picker`) and by `Printer`.
//!
//! The rule, as ssh and gpg reach a person whose program captured their stderr:
//! 1. stdin and stderr are terminals: the person reads stderr and answers on stdin.
//! 2. Otherwise, if stdin is this process's *controlling* terminal (`tcgetsid(0) == getsid(0)`),
//!    the person is at that terminal even though stderr is captured: the AWS CLI runs
//!    `credential_process` with stdout and stderr piped but stdin inherited, and so do other tools.
//!    Prompts go to `/dev/tty`, answers come from it. On Windows, where a process has a console
//!    rather than a controlling terminal, stdin being a console is that case: prompts go to
//!    `CONOUT$` and answers come from `CONIN$` (the console's own output and input).
//! 3. Otherwise nobody answers here: IDEs, kubectl started from a GUI, CI, cron, or a caller that
//!    redirected stdin (`</dev/null`, a pipe). Human text still goes to stderr.
//!
//! A controlling terminal alone is not enough: a program started from a shell keeps that shell's
//! terminal even when it runs in the background (an editor launched from a terminal, a test
//! runner), and a prompt there would wait on a window nobody watches. Redirecting stdin is how a
//! caller says "no person here", so stdin must be on the terminal.
//!
//! Questions are read on a blocking thread, so Ctrl-C still ends a run that waits for an answer.
use std::fs::File;
use std::io::{BufRead, IsTerminal, Read, Write};
use std::sync::{Arc, Mutex};

/// Longest answer read from a person (bytes); the rest of a longer line is discarded.
const MAX_ANSWER: u64 = 1024;

/// How a person is reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// stdin and stderr are terminals.
    Stderr,
    /// stderr is captured, but stdin is the controlling terminal: `/dev/tty`.
    ControllingTerminal,
    /// Nobody answers here (background caller).
    Nobody,
}

/// The handle to the person, if any. Cheap to clone.
#[derive(Clone)]
pub struct Terminal {
    inner: Arc<Inner>,
}

struct Inner {
    reach: Reach,
    /// stderr is a terminal (text written there is seen even when nobody can answer).
    stderr_tty: bool,
    /// Where prompts go with [`Reach::ControllingTerminal`] (`/dev/tty`, `CONOUT$`).
    tty: Option<Mutex<File>>,
    /// Where answers come from then (`/dev/tty` again, `CONIN$`).
    tty_input: Option<File>,
    /// Text for `tty` must be ASCII: Windows shows the bytes written to `CONOUT$` in the console's
    /// code page (437, 850, …), not UTF-8 ([`console_ascii`]).
    ascii_only: bool,
}

impl std::fmt::Debug for Terminal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Terminal")
            .field("reach", &self.inner.reach)
            .finish()
    }
}

impl Terminal {
    /// Looks at this process's stdin, stderr and controlling terminal (the rule above).
    pub fn detect() -> Terminal {
        let stdin_tty = std::io::stdin().is_terminal();
        let stderr_tty = std::io::stderr().is_terminal();
        if stdin_tty && stderr_tty {
            return Terminal::with(Reach::Stderr, stderr_tty, None);
        }
        if stdin_tty
            && stdin_is_controlling_terminal()
            && let Some(tty) = open_tty()
        {
            return Terminal::with(Reach::ControllingTerminal, stderr_tty, Some(tty));
        }
        Terminal::with(Reach::Nobody, stderr_tty, None)
    }

    /// Nobody to reach, and stderr is not a terminal (unit tests).
    pub fn nobody() -> Terminal {
        Terminal::with(Reach::Nobody, false, None)
    }

    fn with(reach: Reach, stderr_tty: bool, tty: Option<Tty>) -> Terminal {
        let (tty, tty_input) = match tty {
            Some(t) => (Some(Mutex::new(t.output)), Some(t.input)),
            None => (None, None),
        };
        let ascii_only = cfg!(windows) && tty.is_some();
        Terminal {
            inner: Arc::new(Inner {
                reach,
                stderr_tty,
                tty,
                tty_input,
                ascii_only,
            }),
        }
    }

    pub fn reach(&self) -> Reach {
        self.inner.reach
    }

    /// A person can read prompts and answer questions: a login may start.
    pub fn interactive(&self) -> bool {
        self.inner.reach != Reach::Nobody
    }

    /// Prompts land on a terminal, so a QR code and a countdown line make sense.
    pub fn shows_terminal(&self) -> bool {
        match self.inner.reach {
            Reach::Stderr | Reach::ControllingTerminal => true,
            Reach::Nobody => self.inner.stderr_tty,
        }
    }

    /// What is written reaches the person as Unicode: false for a Windows console reached
    /// through `CONOUT$`, where [`Terminal::write`] keeps to ASCII (so no QR code there).
    pub fn shows_unicode(&self) -> bool {
        !self.inner.ascii_only
    }

    /// Writes `text` (no newline added) where the person reads it: the controlling terminal with
    /// [`Reach::ControllingTerminal`], else stderr.
    pub fn write(&self, text: &str) {
        if let Some(tty) = &self.inner.tty {
            let text = if self.inner.ascii_only {
                console_ascii(text)
            } else {
                std::borrow::Cow::Borrowed(text)
            };
            let mut tty = tty.lock().unwrap_or_else(|p| p.into_inner());
            let _ = tty.write_all(text.as_bytes());
            let _ = tty.flush();
        } else {
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(text.as_bytes());
            let _ = err.flush();
        }
    }

    /// Asks the person `question` (shown as is, without a newline; end it with `": "`) and
    /// returns the answer line, trimmed and without control characters. `None` when nobody can
    /// answer here, or on end of input. The caller decides what an empty answer means.
    pub async fn ask(&self, question: &str) -> Option<String> {
        let (terminal, question) = (self.clone(), question.to_string());
        tokio::task::spawn_blocking(move || terminal.ask_blocking(&question))
            .await
            .ok()?
    }

    /// [`Terminal::ask`] on this thread (it blocks until the person answers).
    pub fn ask_blocking(&self, question: &str) -> Option<String> {
        if !self.interactive() {
            return None;
        }
        self.write(question);
        let source: Box<dyn Read + Send> = match &self.inner.tty_input {
            Some(input) => Box::new(input.try_clone().ok()?),
            None => Box::new(std::io::stdin()),
        };
        let line = read_answer(source)?;
        Some(super::text::clean(&line).trim().to_string())
    }

    /// A `console` terminal for the picker (`support::picker`): stderr, or the controlling
    /// terminal when stderr is captured (keys are read from stdin, which is that terminal).
    /// `None` when nobody answers here.
    pub fn console_term(&self) -> Option<dialoguer::console::Term> {
        match self.inner.reach {
            Reach::Stderr => Some(dialoguer::console::Term::stderr()),
            Reach::ControllingTerminal => self.tty_term(),
            Reach::Nobody => None,
        }
    }

    #[cfg(unix)]
    fn tty_term(&self) -> Option<dialoguer::console::Term> {
        let tty = self.inner.tty.as_ref()?;
        let tty = tty.lock().unwrap_or_else(|p| p.into_inner());
        let (read, write) = (tty.try_clone().ok()?, tty.try_clone().ok()?);
        Some(dialoguer::console::Term::read_write_pair(read, write))
    }

    #[cfg(not(unix))]
    fn tty_term(&self) -> Option<dialoguer::console::Term> {
        None
    }
}

/// One line, at most [`MAX_ANSWER`] bytes; `None` on end of input or a read error.
fn read_answer(source: Box<dyn Read + Send>) -> Option<String> {
    let mut reader = std::io::BufReader::new(source.take(MAX_ANSWER));
    let mut line = Vec::new();
    match reader.read_until(b'\n', &mut line) {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(String::from_utf8_lossy(&line).into_owned()),
    }
}

/// `text` as ASCII: the punctuation ssoexec writes spelled out, any other character `?`.
/// Bytes written to a Windows console handle are read in the console's code page, where UTF-8
/// shows as several wrong characters each; writing UTF-16 (`WriteConsoleW`) would need `unsafe`,
/// which this crate does not use.
pub(crate) fn console_ascii(text: &str) -> std::borrow::Cow<'_, str> {
    if text.is_ascii() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            c if c.is_ascii() => out.push(c),
            '…' => out.push_str("..."),
            '—' | '–' => out.push('-'),
            '‘' | '’' => out.push('\''),
            '“' | '”' => out.push('"'),
            _ => out.push('?'),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// stdin is the controlling terminal of this process's session.
#[cfg(unix)]
fn stdin_is_controlling_terminal() -> bool {
    // tcgetsid fails (ENOTTY) unless fd 0 is the controlling terminal of the caller's session.
    match (
        rustix::termios::tcgetsid(std::io::stdin()),
        rustix::process::getsid(None),
    ) {
        (Ok(terminal_session), Ok(own_session)) => terminal_session == own_session,
        _ => false,
    }
}

/// A Windows process has no controlling terminal; a console on stdin (checked by the caller) is
/// where the person is.
#[cfg(windows)]
fn stdin_is_controlling_terminal() -> bool {
    true
}

#[cfg(not(any(unix, windows)))]
fn stdin_is_controlling_terminal() -> bool {
    false
}

/// The terminal's output and input, when prompts cannot go to stderr.
struct Tty {
    output: File,
    input: File,
}

#[cfg(unix)]
fn open_tty() -> Option<Tty> {
    let output = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .ok()?;
    let input = output.try_clone().ok()?;
    Some(Tty { output, input })
}

/// The console's screen buffer and input buffer, whatever stdout and stderr were redirected to.
#[cfg(windows)]
fn open_tty() -> Option<Tty> {
    let output = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("CONOUT$")
        .ok()?;
    let input = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("CONIN$")
        .ok()?;
    Some(Tty { output, input })
}

#[cfg(not(any(unix, windows)))]
fn open_tty() -> Option<Tty> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_one_bounded_line() {
        let read = |s: &'static str| read_answer(Box::new(s.as_bytes()));
        assert_eq!(read("123456\nmore\n").as_deref(), Some("123456\n"));
        assert_eq!(read(""), None);
        let long = "x".repeat(5000);
        let got = read_answer(Box::new(std::io::Cursor::new(long.into_bytes()))).unwrap();
        assert_eq!(got.len(), MAX_ANSWER as usize);
    }

    #[test]
    fn console_text_is_ascii() {
        assert!(matches!(
            console_ascii("Sign in: ABCD-0001\n"),
            std::borrow::Cow::Borrowed("Sign in: ABCD-0001\n")
        ));
        assert_eq!(
            console_ascii("Waiting for the browser… giving up at 21:43 — profile ‘dév’ █▀"),
            "Waiting for the browser... giving up at 21:43 - profile 'd?v' ??"
        );
    }

    #[tokio::test]
    async fn nobody_answers_in_the_background() {
        let t = Terminal::nobody();
        assert!(!t.interactive());
        assert!(!t.shows_terminal());
        assert_eq!(t.ask("MFA code: ").await, None);
        assert!(t.console_term().is_none());
    }
}
