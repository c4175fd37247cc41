//! The one stdout document: written whole, and a reader that went away is not an error. Errors
//! are [`StdoutError`]; `error.rs` turns them into the command's error.
use std::io::Write;

/// stdout could not take the document. Shows as its cause (the error report already says
/// "cannot write to stdout").
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct StdoutError(pub std::io::Error);

/// Writes the one stdout document. A closed pipe (the reader went away) is not an error; a
/// descriptor that was closed when ssoexec started is (the document would vanish).
pub fn write_stdout(bytes: &[u8]) -> Result<(), StdoutError> {
    if stdout_was_closed() {
        return Err(StdoutError(std::io::Error::new(
            std::io::ErrorKind::BrokenPipe,
            "stdout was closed when ssoexec started (`>&-`), so the document has nowhere to go",
        )));
    }
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(StdoutError(e)),
        _ => Ok(()),
    }
}

/// Was descriptor 1 closed when the process started? Rust's runtime then opens `/dev/null` on it
/// (read-write), and writes would silently succeed. A shell's `>/dev/null` opens it write-only,
/// so that stays a deliberate discard.
fn stdout_was_closed() -> bool {
    #[cfg(unix)]
    {
        use rustix::fs::{FileType, OFlags};
        let Ok(flags) = rustix::fs::fcntl_getfl(std::io::stdout()) else {
            return true;
        };
        if flags & OFlags::RWMODE != OFlags::RDWR {
            return false;
        }
        let Ok(null) = rustix::fs::stat("/dev/null") else {
            return false;
        };
        let Ok(st) = rustix::fs::fstat(std::io::stdout()) else {
            return false;
        };
        FileType::from_raw_mode(st.st_mode) == FileType::CharacterDevice
            && st.st_rdev == null.st_rdev
    }
    #[cfg(not(unix))]
    false
}
