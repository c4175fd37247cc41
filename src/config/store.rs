//! Reads and replaces the text of the AWS config file for the commands that write it
//! (`configure`, `generate`): atomically, through a symlink (dotfile managers), keeping the
//! file's permissions, under `<file>.lock` so two writers never lose each other's change. Parsing
//! and editing stay pure (`file`, `edit`).
use crate::support::fs::{FsError, read_regular};
use std::path::{Path, PathBuf};

/// The file to write: a symlink is resolved so the link itself survives.
pub fn target(path: &Path) -> PathBuf {
    crate::support::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The text of `path`, empty when it does not exist. Only a regular file of at most
/// [`super::MAX_FILE_SIZE`] bytes is read: a writer never replaces a FIFO or a device.
pub fn read(path: &Path) -> Result<String, FsError> {
    let failed = |source: std::io::Error| FsError::Read {
        path: path.to_path_buf(),
        source,
    };
    match read_regular(path, super::MAX_FILE_SIZE) {
        Ok(Some(bytes)) => String::from_utf8(bytes)
            .map_err(|e| failed(std::io::Error::new(std::io::ErrorKind::InvalidData, e))),
        Ok(None) => Ok(String::new()),
        Err(e) => Err(failed(e.into_io())),
    }
}

/// Replaces `path` with `text`: creates the directory (0700) if needed, writes a temp file and
/// renames it, then gives the file back the mode it had (a new file is 0600).
pub fn write(path: &Path, text: &str) -> Result<(), FsError> {
    let old_mode = std::fs::metadata(path).ok().map(|m| m.permissions());
    if let Some(dir) = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty() && !d.is_dir())
    {
        crate::support::atomic::ensure_dir(dir)?;
    }
    crate::support::atomic::write(path, text.as_bytes())?;
    if let Some(mode) = old_mode {
        std::fs::set_permissions(path, mode).map_err(|e| FsError::Write {
            path: path.to_path_buf(),
            source: e,
        })?;
    }
    Ok(())
}

/// How long a writer waits for another to finish with the config.
pub const LOCK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);
/// How often a waiting writer tries the lock again.
const LOCK_RETRY: std::time::Duration = std::time::Duration::from_millis(20);

/// Held while a writer reads, edits and replaces the config (released when dropped, or by the
/// kernel when the holder dies: an OS lock on `<file>.lock`, never on the file itself).
#[derive(Debug)]
pub struct ConfigLock {
    _file: std::fs::File,
}

/// Takes the lock of the config at `path` (the resolved [`target`]), saying once on stderr when
/// another writer holds it. Read the file after this returns.
pub async fn lock(
    path: &Path,
    printer: &crate::support::printer::Printer,
) -> Result<ConfigLock, FsError> {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    let lock_path = PathBuf::from(name);
    if let Some(dir) = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty() && !d.is_dir())
    {
        crate::support::atomic::ensure_dir(dir)?;
    }
    let failed = |source: std::io::Error| FsError::Lock {
        path: lock_path.clone(),
        source,
    };
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let file = opts.open(&lock_path).map_err(failed)?;
    let started = std::time::Instant::now();
    let mut said = false;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(ConfigLock { _file: file }),
            Err(std::fs::TryLockError::Error(e)) => return Err(failed(e)),
            Err(std::fs::TryLockError::WouldBlock) => {}
        }
        if !std::mem::replace(&mut said, true) {
            printer.info(format!(
                "Waiting for another ssoexec to finish writing {} (lock file {}, at most {})",
                path.display(),
                lock_path.display(),
                crate::support::clock::describe_std_duration(LOCK_TIMEOUT)
            ));
        }
        if started.elapsed() >= LOCK_TIMEOUT {
            return Err(FsError::LockTimeout {
                path: lock_path,
                purpose: format!("writing {}", path.display()),
                secs: LOCK_TIMEOUT.as_secs(),
            });
        }
        tokio::time::sleep(LOCK_RETRY).await;
    }
}
