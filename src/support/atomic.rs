//! Atomic file replacement: temp file in the same directory (0600), fsync, rename, fsync the
//! directory. A crash leaves either the old or the new complete file, never a partial one.
use super::fs::FsError as CacheError;
use std::io::Write;
use std::path::Path;

/// Creates `dir` (and parents) with mode 0700 for directories we create, then checks that it is
/// safe to keep secrets in: owned by us and not writable by group or others (another user could
/// otherwise plant or swap files there).
pub fn ensure_dir(dir: &Path) -> Result<(), CacheError> {
    if !dir.is_dir() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).map_err(|e| CacheError::Dir {
            path: dir.to_path_buf(),
            source: e,
        })?;
    }
    check_private(dir)
}

/// For a directory shared with the AWS CLI (`~/.aws/sso/cache`, `~/.aws/cli/cache`), checked
/// before any request: one of ours that only its group may write to (botocore creates it so
/// under umask 002) is made private, and the returned line says so; anything else unsafe is
/// refused. A missing directory is fine (it is created 0700 when first written).
pub fn secure_shared_dir(dir: &Path) -> Result<Option<String>, CacheError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let Ok(meta) = std::fs::metadata(dir) else {
            return Ok(None);
        };
        let me = rustix::process::geteuid().as_raw();
        let mode = meta.mode() & 0o777;
        if meta.is_dir() && meta.uid() == me && mode & 0o020 != 0 && mode & 0o002 == 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(|e| {
                CacheError::Dir {
                    path: dir.to_path_buf(),
                    source: e,
                }
            })?;
            return Ok(Some(format!(
                "{} was writable by group or others (mode {mode:o}); made it private (mode 700)",
                dir.display()
            )));
        }
        if meta.is_dir() {
            check_private(dir)?;
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(None)
}

#[cfg(unix)]
fn check_private(dir: &Path) -> Result<(), CacheError> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(dir).map_err(|e| CacheError::Dir {
        path: dir.to_path_buf(),
        source: e,
    })?;
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me {
        return Err(CacheError::Unsafe {
            path: dir.to_path_buf(),
            why: format!("it is owned by user id {}, not by you ({me})", meta.uid()),
        });
    }
    if meta.mode() & 0o022 != 0 {
        return Err(CacheError::Unsafe {
            path: dir.to_path_buf(),
            why: format!(
                "it is writable by group or others (mode {:o})",
                meta.mode() & 0o777
            ),
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_dir: &Path) -> Result<(), CacheError> {
    Ok(())
}

fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// A cache file: creates its 0700 directory if needed, refuses a directory others can write to,
/// then replaces the file atomically (see [`write`]).
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), CacheError> {
    ensure_dir(parent(path))?;
    write(path, bytes)
}

/// Temp files of a crashed writer older than this are removed by the next writer of the same
/// file: a live writer holds its temp file for milliseconds.
const STALE_TEMP_AGE: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// Replaces `path` with `bytes` atomically; the file is 0600. The directory must exist. A symlink
/// at `path` is replaced, never followed. On Linux the data is written to an unnamed `O_TMPFILE`
/// that gets a name only once complete, so a writer killed mid-write leaves nothing behind;
/// elsewhere (or where the file system lacks `O_TMPFILE`) a named temp file is used, and stale
/// ones of earlier crashed writers are removed.
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), CacheError> {
    let dir = parent(path);
    let err = |e: std::io::Error| CacheError::Write {
        path: path.to_path_buf(),
        source: e,
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    #[cfg(target_os = "linux")]
    if tmpfile::write(dir, path, &name, bytes).map_err(err)? {
        sync_dir(dir);
        remove_temp_files(dir, Some(&name), STALE_TEMP_AGE);
        return Ok(());
    }
    // tempfile creates the file with O_EXCL and mode 0600.
    let mut tmp = tempfile::Builder::new()
        .prefix(&temp_prefix(&name))
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)
        .map_err(err)?;
    tmp.write_all(bytes).map_err(err)?;
    tmp.as_file().sync_all().map_err(err)?;
    persist(tmp, path).map_err(err)?;
    sync_dir(dir);
    remove_temp_files(dir, Some(&name), STALE_TEMP_AGE);
    Ok(())
}

/// How long a replace refused because another process has the file open is tried again (Windows).
const BUSY_RETRY_FOR: std::time::Duration = std::time::Duration::from_millis(1500);

/// Renames `tmp` over `path`. Windows refuses to replace a file that another process has open
/// without `FILE_SHARE_DELETE` (kubectl or another ssoexec reading its kubeconfig, an editor, a
/// virus scanner) with "Access denied" or a sharing violation, for as long as it stays open:
/// usually a moment. There the rename is tried again with a growing pause, for up to
/// [`BUSY_RETRY_FOR`] (npm's graceful-fs does the same for its renames), then reported. On Unix a
/// rename never waits for readers, and a refusal is final.
fn persist(mut tmp: tempfile::NamedTempFile, path: &Path) -> std::io::Result<()> {
    let started = std::time::Instant::now();
    let mut pause = std::time::Duration::from_millis(5);
    loop {
        match tmp.persist(path) {
            Ok(_) => return Ok(()),
            Err(e)
                if cfg!(windows) && held_open(&e.error) && started.elapsed() < BUSY_RETRY_FOR =>
            {
                tmp = e.file;
                std::thread::sleep(pause);
                pause = (pause * 2).min(std::time::Duration::from_millis(100));
            }
            Err(e) => return Err(e.error),
        }
    }
}

/// What Windows answers a rename over a file someone has open: ERROR_ACCESS_DENIED (5) or
/// ERROR_SHARING_VIOLATION (32).
fn held_open(e: &std::io::Error) -> bool {
    matches!(e.raw_os_error(), Some(5 | 32))
}

const TEMP_SUFFIX: &str = ".tmp";

/// `.NAME.`: every temp file of `NAME` starts so (and ends in `.tmp`).
fn temp_prefix(name: &str) -> String {
    format!(".{name}.")
}

fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Removes the temp files (`.NAME.XXXXXX.tmp`) crashed writers left in `dir`: every one (for
/// `logout --all`, which holds the writers' locks). A missing directory is fine.
pub fn remove_stale_temp_files(dir: &Path) -> Result<(), CacheError> {
    match std::fs::metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(CacheError::Read {
                path: dir.to_path_buf(),
                source: e,
            });
        }
        Ok(_) => {}
    }
    remove_temp_files(dir, None, std::time::Duration::ZERO);
    Ok(())
}

/// Best effort: removes temp files (of `name`, or of any file) at least `min_age` old.
fn remove_temp_files(dir: &Path, name: Option<&str>, min_age: std::time::Duration) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(n) = file_name.to_str() else {
            continue;
        };
        let ours = match name {
            Some(name) => n.starts_with(&temp_prefix(name)),
            None => n.starts_with('.') && n.len() > 1,
        };
        let old = entry
            .metadata()
            .ok()
            .filter(|m| m.is_file())
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age >= min_age);
        if ours && n.ends_with(TEMP_SUFFIX) && old {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Linux `O_TMPFILE` + `linkat`: the file has no name until its data is complete and synced.
#[cfg(target_os = "linux")]
mod tmpfile {
    use rustix::fs::{AtFlags, CWD, Mode, OFlags};
    use rustix::io::Errno;
    use std::io::Write;
    use std::os::fd::AsRawFd;
    use std::path::Path;

    /// Writes `bytes` to `path`; `Ok(false)` when this file system cannot (use the fallback).
    pub fn write(dir: &Path, path: &Path, name: &str, bytes: &[u8]) -> std::io::Result<bool> {
        let flags = OFlags::TMPFILE | OFlags::WRONLY | OFlags::CLOEXEC;
        let Ok(fd) = rustix::fs::openat(CWD, dir, flags, Mode::RUSR | Mode::WUSR) else {
            return Ok(false); // EOPNOTSUPP, EISDIR (old kernels), EINVAL: not supported here
        };
        let mut file = std::fs::File::from(fd);
        file.write_all(bytes)?;
        file.sync_all()?;
        let proc_path = format!("/proc/self/fd/{}", file.as_raw_fd());
        // The name exists only between linkat and rename, holding complete data.
        for _ in 0..16 {
            let tmp = dir.join(format!(
                ".{name}.{}.tmp",
                hex::encode(rand::random::<[u8; 6]>())
            ));
            match rustix::fs::linkat(CWD, &proc_path, CWD, &tmp, AtFlags::SYMLINK_FOLLOW) {
                Ok(()) => {}
                Err(Errno::EXIST) => continue,
                // No /proc, or a file system that cannot link an O_TMPFILE.
                Err(Errno::NOENT | Errno::PERM | Errno::OPNOTSUPP | Errno::XDEV) => {
                    return Ok(false);
                }
                Err(e) => return Err(e.into()),
            }
            return match std::fs::rename(&tmp, path) {
                Ok(()) => Ok(true),
                Err(e) => {
                    let _ = std::fs::remove_file(&tmp);
                    Err(e)
                }
            };
        }
        Ok(false)
    }
}

/// Removes a file; a missing file is fine.
pub fn remove(path: &Path) -> Result<(), CacheError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(CacheError::Write {
            path: path.to_path_buf(),
            source: e,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_0600_and_replaces_symlinks_without_following() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("victim");
        std::fs::write(&target, "keep").unwrap();
        let path = dir.path().join("sub").join("cache.json");
        write_private(&path, b"one").unwrap();
        write(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
            assert_eq!(
                std::fs::metadata(dir.path().join("sub"))
                    .unwrap()
                    .permissions()
                    .mode()
                    & 0o777,
                0o700
            );
            let link = dir.path().join("sub").join("link.json");
            std::os::unix::fs::symlink(&target, &link).unwrap();
            write(&link, b"new").unwrap();
            assert_eq!(std::fs::read(&target).unwrap(), b"keep");
            assert!(
                !std::fs::symlink_metadata(&link)
                    .unwrap()
                    .file_type()
                    .is_symlink()
            );
        }
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("sub"))
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn the_next_write_removes_a_crashed_writers_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.json");
        let stale = dir.path().join(".cache.json.Ab12Cd.tmp");
        let fresh = dir.path().join(".cache.json.Ef34Gh.tmp");
        let other = dir.path().join(".other.json.Ij56Kl.tmp");
        for p in [&stale, &fresh, &other] {
            std::fs::write(p, "secret").unwrap();
        }
        let old = std::fs::metadata(&stale).unwrap().modified().unwrap() - 2 * STALE_TEMP_AGE;
        for p in [&stale, &other] {
            std::fs::File::options()
                .write(true)
                .open(p)
                .unwrap()
                .set_modified(old)
                .unwrap();
        }
        write(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert!(!stale.exists(), "a stale temp file of this name goes");
        assert!(fresh.exists(), "a live writer's temp file stays");
        assert!(other.exists(), "other files' temp files stay");
        remove_stale_temp_files(dir.path()).unwrap();
        assert!(!fresh.exists() && !other.exists());
        assert!(path.exists());
    }

    /// A file holding `old`, and a reader's handle on it without FILE_SHARE_DELETE (as Go's
    /// os.Open, so kubectl, opens files), which makes Windows refuse to replace it.
    #[cfg(windows)]
    fn config_held_open(dir: &Path) -> (std::path::PathBuf, std::fs::File) {
        use std::os::windows::fs::OpenOptionsExt;
        let path = dir.join("config");
        std::fs::write(&path, b"old").unwrap();
        // FILE_SHARE_READ | FILE_SHARE_WRITE.
        let held = std::fs::OpenOptions::new()
            .read(true)
            .share_mode(1 | 2)
            .open(&path)
            .unwrap();
        (path, held)
    }

    /// The write waits until the reader lets go.
    #[cfg(windows)]
    #[test]
    fn a_replace_waits_for_a_reader_that_holds_the_file_open() {
        let dir = tempfile::tempdir().unwrap();
        let (path, held) = config_held_open(dir.path());
        let release = std::thread::spawn(move || {
            // How long the reader keeps the file: well inside BUSY_RETRY_FOR.
            std::thread::sleep(std::time::Duration::from_millis(300));
            drop(held);
        });
        write(&path, b"new").unwrap();
        release.join().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
    }

    /// A reader that never lets go: the refusal is reported once the retry time is up, and the
    /// file keeps its old content.
    #[cfg(windows)]
    #[test]
    fn a_replace_refused_for_too_long_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let (path, held) = config_held_open(dir.path());
        let started = std::time::Instant::now();
        let e = write(&path, b"new").unwrap_err();
        assert!(
            started.elapsed() >= BUSY_RETRY_FOR,
            "{:?}",
            started.elapsed()
        );
        assert!(matches!(e, CacheError::Write { .. }), "{e}");
        drop(held);
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
    }
}
