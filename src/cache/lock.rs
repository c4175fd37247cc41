//! Sidecar locks: `<key>.lock` beside (never on) the data, OS advisory locks that the kernel
//! releases when the holder dies, so a killed login never blocks the next caller.
use super::{CacheError, atomic::ensure_dir};
use crate::printer::Printer;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How often a waiter checks whether the holder is done.
const POLL: Duration = Duration::from_millis(50);

/// Held until dropped (closing the file releases the lock).
#[derive(Debug)]
pub struct LockGuard {
    _file: File,
    pub path: PathBuf,
}

/// Takes the exclusive lock `dir/<key>.lock`. When another process holds it, says once on stderr
/// what we wait for, then waits up to `timeout`.
pub async fn acquire(
    dir: &Path,
    key: &str,
    purpose: &str,
    timeout: Duration,
    printer: &Printer,
) -> Result<LockGuard, CacheError> {
    ensure_dir(dir)?;
    let path = dir.join(format!("{key}.lock"));
    let mut opts = OpenOptions::new();
    opts.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let file = opts.open(&path).map_err(|e| CacheError::Lock {
        path: path.clone(),
        source: e,
    })?;
    let started = Instant::now();
    let mut announced = false;
    loop {
        match file.try_lock() {
            Ok(()) => {
                printer.debug(format!("locked {}", path.display()));
                return Ok(LockGuard { _file: file, path });
            }
            Err(TryLockError::WouldBlock) => {
                if !announced {
                    printer.info(format!("Waiting for another ssoexec that is {purpose}…"));
                    announced = true;
                }
                if started.elapsed() >= timeout {
                    return Err(CacheError::LockTimeout {
                        path,
                        purpose: purpose.into(),
                        secs: timeout.as_secs(),
                    });
                }
                tokio::time::sleep(POLL).await;
            }
            Err(TryLockError::Error(e)) => return Err(CacheError::Lock { path, source: e }),
        }
    }
}
