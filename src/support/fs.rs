//! File-system errors shared by atomic writes, locks and the caches, and small-file reads.
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum FsError {
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
    /// The lock is held by a login that waits for a person, and this caller may not wait for it.
    #[error("a login is in progress in another terminal (lock file {})", path.display())]
    HeldByLogin { path: PathBuf },
    #[error("cannot lock {}", path.display())]
    Lock {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("refusing to use {}: {why}", path.display())]
    Unsafe { path: PathBuf, why: String },
}

impl FsError {
    pub fn hint(&self) -> Option<String> {
        match self {
            FsError::Write { source, .. } if source.kind() == std::io::ErrorKind::PermissionDenied => {
                Some("the cache directory is not writable by you: check its owner and mode".into())
            }
            FsError::Write { .. } => Some("check free disk space and that the directory is writable".into()),
            FsError::LockTimeout { .. } => Some("if no other ssoexec is running, try again; the lock is released when its holder exits".into()),
            FsError::Unsafe { path, why } if why.starts_with("it is owned") => {
                Some(format!("make it yours (chown) or remove it: {}", path.display()))
            }
            FsError::Unsafe { path, .. } => Some(format!("fix it with: chmod go-w {}", path.display())),
            _ => None,
        }
    }
}

/// Reads a small cache file; a missing file is `Ok(None)`.
pub fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, FsError> {
    match std::fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(FsError::Read {
            path: path.to_path_buf(),
            source: e,
        }),
    }
}
