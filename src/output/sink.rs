//! Sinks: where a rendered document goes, and the checks around it. Parses `FORMAT=PATH`
//! specs; writes files atomically with mode 0600 into a directory that must already exist;
//! reads the current file for merging formats; warns when git would commit a secrets file;
//! appends GitHub file commands. This is the I/O the formats must not do; stdout itself is
//! written by the command (`support::stdout::write_stdout`).
use crate::cache::CacheError;
use crate::support::atomic;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error("cannot write {}: the directory {} does not exist", path.display(), dir.display())]
    NoParent { path: PathBuf, dir: PathBuf },
    #[error("cannot write {}: it is a directory", path.display())]
    IsDirectory { path: PathBuf },
    /// A FIFO, socket or device node: writing would hang or replace it.
    #[error("cannot write {}: it is a {kind}, not a regular file", path.display())]
    NotRegular { path: PathBuf, kind: &'static str },
    #[error("{} is a symlink; ssoexec does not write through symlinks", path.display())]
    Symlink {
        path: PathBuf,
        target: Option<PathBuf>,
    },
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not UTF-8 text, so it cannot be merged into", path.display())]
    NotText { path: PathBuf },
    #[error("{} exists and does not look like credentials; not replacing it", path.display())]
    Foreign { path: PathBuf },
    #[error(transparent)]
    Write(#[from] CacheError),
}

impl SinkError {
    pub fn hint(&self) -> Option<String> {
        match self {
            SinkError::NoParent { dir, .. } => Some(format!(
                "create it first (mkdir -p {})",
                crate::support::shell::word(&dir.display().to_string())
            )),
            SinkError::Symlink {
                target: Some(t), ..
            } => Some(format!(
                "name the target instead ({}), or pass --force to replace the link with a file",
                t.display()
            )),
            SinkError::Symlink { .. } | SinkError::Foreign { .. } | SinkError::NotText { .. } => {
                Some("pass --force to replace it".into())
            }
            SinkError::NotRegular { .. } => Some("name a regular file, or - for stdout".into()),
            SinkError::Write(e) => e.hint(),
            _ => None,
        }
    }
}

/// Where a sink's document goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Destination {
    Stdout,
    File(PathBuf),
}

impl fmt::Display for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Destination::Stdout => f.write_str("stdout"),
            Destination::File(p) => write!(f, "{}", p.display()),
        }
    }
}

impl Destination {
    /// `-` is stdout; `~` and `~/…` are under `home` (the shell does not expand `~` after `=`).
    pub fn parse(path: &str, home: &Path) -> Destination {
        match path {
            "-" => Destination::Stdout,
            "~" => Destination::File(home.to_path_buf()),
            p => match p.strip_prefix("~/") {
                Some(rest) => Destination::File(home.join(rest)),
                None => Destination::File(PathBuf::from(p)),
            },
        }
    }
}

/// One `FORMAT=PATH` request, not yet resolved to a format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SinkSpec {
    pub format: String,
    pub destination: Destination,
}

impl SinkSpec {
    /// Parses `FORMAT=PATH` (split at the first `=`; the path may contain more).
    pub fn parse(spec: &str, home: &Path) -> Result<SinkSpec, String> {
        match spec.split_once('=') {
            Some((format, path)) if !format.is_empty() && !path.is_empty() => Ok(SinkSpec {
                format: format.to_string(),
                destination: Destination::parse(path, home),
            }),
            _ => Err(format!(
                "--emit {spec:?} is not FORMAT=PATH (use - for stdout, e.g. --emit env=-)"
            )),
        }
    }
}

/// Checks a file destination before anything is fetched: the directory exists, the path is no
/// directory, and (unless `force`) no symlink.
pub fn check_destination(path: &Path, force: bool) -> Result<(), SinkError> {
    let dir = parent(path);
    if !dir.is_dir() {
        return Err(SinkError::NoParent {
            path: path.to_path_buf(),
            dir: dir.to_path_buf(),
        });
    }
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => Err(SinkError::IsDirectory {
            path: path.to_path_buf(),
        }),
        Ok(m) if m.file_type().is_symlink() && !force => Err(SinkError::Symlink {
            path: path.to_path_buf(),
            target: crate::support::fs::canonicalize(path).ok(),
        }),
        Ok(m) => regular_or_link(path, &m),
        Err(_) => Ok(()),
    }
}

/// A regular file or a symlink (replaced, never followed) may be written; a FIFO, socket or
/// device node may not: writing would hang, or replace the node (as root, even `/dev/null`).
fn regular_or_link(path: &Path, m: &std::fs::Metadata) -> Result<(), SinkError> {
    let t = m.file_type();
    if t.is_file() || t.is_symlink() {
        return Ok(());
    }
    #[cfg(unix)]
    let kind = {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            "FIFO"
        } else if t.is_socket() {
            "socket"
        } else if t.is_char_device() {
            "char device"
        } else if t.is_block_device() {
            "block device"
        } else {
            "special file"
        }
    };
    #[cfg(not(unix))]
    let kind = "special file";
    Err(SinkError::NotRegular {
        path: path.to_path_buf(),
        kind,
    })
}

fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// The current content of `path`, if it exists (merging formats read it; plugins get it). Only
/// a regular file is read (a FIFO would block), and at most [`MAX_EXISTING`] bytes of it.
pub fn read_existing(path: &Path) -> Result<Option<String>, SinkError> {
    match std::fs::symlink_metadata(path) {
        Ok(m) => regular_or_link(path, &m)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(_) => {}
    }
    let read = std::fs::File::open(path).and_then(|f| {
        use std::io::Read;
        let mut bytes = Vec::new();
        f.take(MAX_EXISTING + 1).read_to_end(&mut bytes)?;
        if bytes.len() as u64 > MAX_EXISTING {
            return Err(std::io::Error::other(format!(
                "it is larger than {} MiB",
                MAX_EXISTING >> 20
            )));
        }
        Ok(bytes)
    });
    match read {
        Ok(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| SinkError::NotText {
                path: path.to_path_buf(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(SinkError::Read {
            path: path.to_path_buf(),
            source: e,
        }),
    }
}

/// Whether `existing` looks like credentials some tool wrote (so replacing it loses nothing the
/// user typed): it names an access key id in one of the usual spellings.
pub fn looks_like_credentials(existing: &str) -> bool {
    let lower = existing.to_ascii_lowercase();
    existing.trim().is_empty() || lower.contains("access_key_id") || lower.contains("accesskeyid")
}

/// The largest existing file read to merge into (credentials files are kilobytes).
pub const MAX_EXISTING: u64 = 16 << 20;

/// Writes a file sink: temp file in the same directory, 0600, fsync, rename. Checks again that
/// the path is not a FIFO, socket or device node (one may have appeared since the first check).
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), SinkError> {
    if let Ok(m) = std::fs::symlink_metadata(path) {
        regular_or_link(path, &m)?;
    }
    Ok(atomic::write(path, bytes)?)
}

/// A secrets file git would pick up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GitExposure {
    pub toplevel: PathBuf,
    /// The `.gitignore` line that would cover the file (`/dir/name`).
    pub ignore_line: String,
}

impl fmt::Display for GitExposure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "add `{}` to {}",
            self.ignore_line,
            self.toplevel.join(".gitignore").display()
        )
    }
}

/// `Some` when `path` lies in a git work tree and git would not ignore it. No git, or no work
/// tree, is `None`: there is nothing to warn about.
pub fn git_exposure(path: &Path) -> Option<GitExposure> {
    let dir = crate::support::fs::canonicalize(parent(path)).ok()?;
    let name = path.file_name()?;
    let git = |args: &[&std::ffi::OsStr]| {
        Command::new("git")
            .arg("-C")
            .arg(&dir)
            .args(args)
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()
    };
    // `check-ignore` exits 0 when ignored, 1 when not, 128 outside a work tree.
    let check = git(&["check-ignore".as_ref(), "-q".as_ref(), "--".as_ref(), name])?;
    if check.status.code() != Some(1) {
        return None;
    }
    let top = git(&["rev-parse".as_ref(), "--show-toplevel".as_ref()])?;
    let toplevel = crate::support::fs::canonicalize(std::path::Path::new(
        String::from_utf8_lossy(&top.stdout).trim(),
    ))
    .ok()?;
    let relative = dir.join(name).strip_prefix(&toplevel).ok()?.to_path_buf();
    let ignore_line = format!("/{}", relative.to_string_lossy().replace('\\', "/"));
    Some(GitExposure {
        toplevel,
        ignore_line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_emit_specs() {
        let home = Path::new("/home/u");
        assert_eq!(
            SinkSpec::parse("env=-", home).unwrap(),
            SinkSpec {
                format: "env".into(),
                destination: Destination::Stdout
            }
        );
        assert_eq!(
            SinkSpec::parse("dotenv=a=b.env", home).unwrap().destination,
            Destination::File("a=b.env".into())
        );
        assert_eq!(
            SinkSpec::parse("ini=~/.aws/credentials", home)
                .unwrap()
                .destination,
            Destination::File("/home/u/.aws/credentials".into())
        );
        for bad in ["env", "=x", "env="] {
            assert!(SinkSpec::parse(bad, home).is_err(), "{bad}");
        }
    }

    #[test]
    fn destination_checks() {
        let dir = tempfile::tempdir().unwrap();
        assert!(check_destination(&dir.path().join("a.env"), false).is_ok());
        let e = check_destination(&dir.path().join("missing/a.env"), false).unwrap_err();
        assert!(matches!(e, SinkError::NoParent { .. }));
        assert!(e.hint().unwrap().starts_with("create it first (mkdir -p "));
        assert!(matches!(
            check_destination(dir.path(), false),
            Err(SinkError::IsDirectory { .. })
        ));
        #[cfg(unix)]
        {
            let link = dir.path().join("link.env");
            std::os::unix::fs::symlink(dir.path().join("target.env"), &link).unwrap();
            assert!(matches!(
                check_destination(&link, false),
                Err(SinkError::Symlink { .. })
            ));
            assert!(check_destination(&link, true).is_ok());
        }
    }

    #[test]
    fn recognises_credentials_files() {
        assert!(looks_like_credentials("export AWS_ACCESS_KEY_ID=x\n"));
        assert!(looks_like_credentials("{\"AccessKeyId\": \"x\"}"));
        assert!(looks_like_credentials("aws_access_key_id = \"x\"\n"));
        assert!(looks_like_credentials("\n"));
        assert!(!looks_like_credentials("[default]\nregion = eu-west-1\n"));
    }
}
