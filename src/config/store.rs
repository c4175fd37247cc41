//! Reads and replaces the text of the AWS config file for the commands that write it
//! (`configure`, `generate`): atomically, through a symlink (dotfile managers), keeping the
//! file's permissions. Parsing and editing stay pure (`file`, `edit`).
use crate::support::fs::{FsError, read_regular};
use std::path::{Path, PathBuf};

/// The file to write: a symlink is resolved so the link itself survives.
pub fn target(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
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
