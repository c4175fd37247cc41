//! Caches on disk: the AWS CLI token, registration and role-credential caches (byte-compatible),
//! ssoexec's own directory, sidecar locks and atomic writes.
pub mod atomic;
pub mod json;
pub mod lock;
pub mod marker;
pub mod registration;
pub mod role;
pub mod token;

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cannot write {}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot create directory {}", path.display())]
    Dir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("timed out after {secs} s waiting for another ssoexec ({purpose}); lock file {}", path.display())]
    LockTimeout {
        path: PathBuf,
        purpose: String,
        secs: u64,
    },
    #[error("cannot lock {}", path.display())]
    Lock {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("refusing to use {}: {why}", path.display())]
    Unsafe { path: PathBuf, why: String },
}

impl CacheError {
    pub fn hint(&self) -> Option<String> {
        match self {
            CacheError::Write { source, .. } if source.kind() == std::io::ErrorKind::PermissionDenied => {
                Some("the cache directory is not writable by you: check its owner and mode".into())
            }
            CacheError::Write { .. } => Some("check free disk space and that the directory is writable".into()),
            CacheError::LockTimeout { .. } => Some("if no other ssoexec is running, try again; the lock is released when its holder exits".into()),
            CacheError::Unsafe { path, why } if why.starts_with("it is owned") => {
                Some(format!("make it yours (chown) or remove it: {}", path.display()))
            }
            CacheError::Unsafe { path, .. } => Some(format!("fix it with: chmod go-w {}", path.display())),
            _ => None,
        }
    }
}

/// A failed cache write is not a failed command: the credentials or token in hand still work, so
/// the failure is reported and the command goes on. Only an unsafe directory stops it.
pub fn store_or_warn(
    result: Result<(), CacheError>,
    printer: &crate::printer::Printer,
    what: &str,
) -> Result<(), CacheError> {
    match result {
        Err(e @ CacheError::Unsafe { .. }) => Err(e),
        Err(e) => {
            let cause = std::error::Error::source(&e)
                .map(|c| format!(": {c}"))
                .unwrap_or_default();
            let hint = e.hint().map(|h| format!(" ({h})")).unwrap_or_default();
            printer.warn(format!("{e}{cause}; {what} not cached{hint}"));
            Ok(())
        }
        Ok(()) => Ok(()),
    }
}

/// What reading a cache file found. A corrupt file is treated as absent by callers, with a warning.
#[derive(Debug)]
pub enum Lookup<T> {
    Found(T),
    Absent,
    Corrupt(String),
}

/// Reads a small cache file; a missing file is `Ok(None)`.
pub fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, CacheError> {
    match std::fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(CacheError::Read {
            path: path.to_path_buf(),
            source: e,
        }),
    }
}
