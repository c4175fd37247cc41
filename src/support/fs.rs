//! File-system errors shared by atomic writes, locks and the caches, and the one bounded read
//! of a regular file every reader uses (config, caches, kubeconfig).
use std::path::{Path, PathBuf};

/// The largest file ssoexec reads: config, credentials, cache entries and kubeconfig alike (real
/// ones are kilobytes; a runaway file or `/dev/zero` is an error, never read whole).
pub const MAX_FILE: u64 = 16 << 20;

/// Why a file was not read whole.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// A FIFO would block, a device never ends: only regular files are read.
    #[error("it is not a regular file (it is {0})")]
    NotRegular(&'static str),
    #[error("it is larger than {}", size(*.0))]
    TooLarge(u64),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

/// The kind of a file that is not regular, in words.
fn kind(t: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
}

/// Reads `path` when it is a regular file of at most `max` bytes (a symlink is followed, and what
/// it points to must be regular). `Ok(None)` when it does not exist. Opening never blocks: a FIFO
/// is opened non-blocking, then refused by its type.
pub fn read_regular(path: &Path, max: u64) -> Result<Option<Vec<u8>>, ReadError> {
    use std::io::Read;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    let file = match options.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        // Windows refuses to open a directory as a file ("Access denied"): say what it is.
        Err(_) if cfg!(windows) && std::fs::metadata(path).is_ok_and(|m| m.is_dir()) => {
            return Err(ReadError::NotRegular("a directory"));
        }
        Err(e) => return Err(e.into()),
    };
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind(meta.file_type())));
    }
    // Sized from the metadata (one read); `take` still bounds a file that grows while read.
    let mut bytes = Vec::with_capacity(meta.len().min(max) as usize + 1);
    file.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(ReadError::TooLarge(max));
    }
    Ok(Some(bytes))
}

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
    #[error("timed out after {} waiting for another ssoexec ({purpose}); lock file {}", crate::support::clock::describe_std_duration(std::time::Duration::from_secs(*secs)), path.display())]
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

/// Reads a small cache file (a regular file of at most [`MAX_FILE`]); a missing file is
/// `Ok(None)`.
pub fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, FsError> {
    read_regular(path, MAX_FILE).map_err(|e| FsError::Read {
        path: path.to_path_buf(),
        source: e.into_io(),
    })
}

impl ReadError {
    /// As an I/O error (for error types whose source is one), keeping the message.
    pub fn into_io(self) -> std::io::Error {
        match self {
            ReadError::Io(e) => e,
            e => std::io::Error::other(e),
        }
    }
}

/// `std::fs::canonicalize`, as a person writes the path: on Windows that call answers with a
/// verbatim path (`\\?\C:\Users\me\.aws\config`), which messages would show and some programs
/// cannot open; the prefix is dropped again where the path means the same without it.
pub fn canonicalize(path: &Path) -> std::io::Result<PathBuf> {
    let canonical = std::fs::canonicalize(path)?;
    if cfg!(windows)
        && let Some(plain) = canonical.to_str().and_then(without_verbatim_prefix)
    {
        return Ok(PathBuf::from(plain));
    }
    Ok(canonical)
}

/// `\\?\C:\…` is `C:\…` and `\\?\UNC\server\share\…` is `\\server\share\…`; any other
/// verbatim path (a device, a volume GUID) has no other spelling: `None`.
fn without_verbatim_prefix(path: &str) -> Option<String> {
    let rest = path.strip_prefix(r"\\?\")?;
    if let Some(unc) = rest.strip_prefix(r"UNC\") {
        return Some(format!(r"\\{unc}"));
    }
    let mut chars = rest.chars();
    let drive = chars.next()?.is_ascii_alphabetic() && chars.next()? == ':';
    drive.then(|| rest.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn verbatim_windows_paths_lose_their_prefix_where_they_mean_the_same() {
        use super::without_verbatim_prefix as plain;
        assert_eq!(
            plain(r"\\?\C:\Users\me\.aws\config").as_deref(),
            Some(r"C:\Users\me\.aws\config")
        );
        assert_eq!(
            plain(r"\\?\UNC\server\share\.kube\config").as_deref(),
            Some(r"\\server\share\.kube\config")
        );
        assert_eq!(plain(r"\\?\Volume{0b1c}\x"), None);
        assert_eq!(plain(r"C:\Users\me"), None);
        assert_eq!(plain("/home/me/.aws/config"), None);
    }

    use super::*;

    #[test]
    fn reads_regular_files_only_and_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, b"12345").unwrap();
        assert_eq!(read_regular(&file, 5).unwrap().unwrap(), b"12345");
        let e = read_regular(&file, 4).unwrap_err();
        assert_eq!(e.to_string(), "it is larger than 4 bytes");
        assert!(read_regular(&dir.path().join("none"), 5).unwrap().is_none());
        let e = read_regular(dir.path(), 5).unwrap_err();
        assert_eq!(
            e.to_string(),
            "it is not a regular file (it is a directory)"
        );
        #[cfg(unix)]
        {
            let link = dir.path().join("zero");
            std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
            let e = read_regular(&link, 5).unwrap_err();
            assert_eq!(e.to_string(), "it is not a regular file (it is a device)");
            let fifo = dir.path().join("fifo");
            let made = std::process::Command::new("mkfifo").arg(&fifo).status();
            assert!(made.unwrap().success());
            let e = read_regular(&fifo, 5).unwrap_err();
            assert_eq!(e.to_string(), "it is not a regular file (it is a FIFO)");
        }
    }
}
