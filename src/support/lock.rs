//! Sidecar locks: `<key>.lock` beside (never on) the data, OS advisory locks that the kernel
//! releases when the holder dies, so a killed login never blocks the next caller.
use super::atomic::ensure_dir;
use super::fs::FsError as CacheError;
use crate::support::printer::Printer;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Held until dropped (closing the file releases the lock).
#[derive(Debug)]
pub struct LockGuard {
    _file: File,
    _path: PathBuf,
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
    match file.try_lock() {
        Ok(()) => {
            printer.debug(format!("locked {}", path.display()));
            return Ok(LockGuard {
                _file: file,
                _path: path,
            });
        }
        Err(TryLockError::Error(e)) => return Err(CacheError::Lock { path, source: e }),
        Err(TryLockError::WouldBlock) => {}
    }
    printer.info(format!("Waiting for another ssoexec that is {purpose}…"));
    // A blocking lock wakes the moment the holder is done (or dies); it waits on a blocking-pool
    // thread so the timeout can give up on it.
    let waiting = tokio::task::spawn_blocking(move || {
        let result = file.lock();
        (file, result)
    });
    match tokio::time::timeout(timeout, waiting).await {
        Ok(Ok((file, Ok(())))) => {
            printer.debug(format!("locked {} after waiting", path.display()));
            Ok(LockGuard {
                _file: file,
                _path: path,
            })
        }
        Ok(Ok((_, Err(e)))) => Err(CacheError::Lock { path, source: e }),
        Ok(Err(join)) => Err(CacheError::Lock {
            path,
            source: std::io::Error::other(join.to_string()),
        }),
        Err(_) => Err(CacheError::LockTimeout {
            path,
            purpose: purpose.into(),
            secs: timeout.as_secs(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waits_for_the_holder_then_times_out_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let printer = Printer::new(false);
        let held = acquire(dir.path(), "k", "testing", Duration::from_secs(1), &printer)
            .await
            .unwrap();
        let err = acquire(
            dir.path(),
            "k",
            "testing",
            Duration::from_millis(200),
            &printer,
        )
        .await
        .unwrap_err();
        assert!(matches!(err, CacheError::LockTimeout { .. }), "{err}");
        let waiter = acquire(
            dir.path(),
            "k",
            "testing",
            Duration::from_secs(10),
            &printer,
        );
        let release = async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            drop(held);
        };
        let (got, ()) = tokio::join!(waiter, release);
        assert!(got.is_ok());
    }
}
