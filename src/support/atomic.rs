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

#[cfg(unix)]
fn check_private(dir: &Path) -> Result<(), CacheError> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(dir).map_err(|e| CacheError::Dir {
        path: dir.to_path_buf(),
        source: e,
    })?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
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

/// Replaces `path` with `bytes` atomically; the file is 0600. The directory must exist. A symlink
/// at `path` is replaced, never followed.
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
    // tempfile creates the file with O_EXCL and mode 0600.
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(err)?;
    tmp.write_all(bytes).map_err(err)?;
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
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
}
