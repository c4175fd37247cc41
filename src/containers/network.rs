//! The credentials network, shared by every ssoexec run on a daemon: only one network per daemon
//! can hold its subnet. Each run holds a lease: an exclusively locked file in a per-user
//! directory. Under a directory lock, the first lease creates the network (or adopts
//! the one a crashed run left), and the last one out removes it. The kernel drops a dead run's
//! lock, so its lease file is recognised as stale and pruned (docs/containers.md#the-network).
use super::ContainerError;
use super::docker::Docker;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// A run's share of the credentials network; [`Lease::release`] (or drop) gives it back.
#[derive(Debug)]
pub struct Lease {
    docker: Docker,
    dir: PathBuf,
    /// Our lease file, locked while we run.
    mine: Option<(File, PathBuf)>,
    /// The network was there with no live lease: left by a run that was killed, now ours.
    pub adopted: bool,
}

/// `TMPDIR/ssoexec-UID/docker`: shared by this user's runs (never by HOME, so runs with
/// different HOMEs still count each other), private to the user. One local daemon is assumed
/// (docs/containers.md#limits).
pub fn state_dir() -> Result<PathBuf, ContainerError> {
    let base = std::env::temp_dir().join(format!("ssoexec-{}", uid()));
    private_dir(&base)?;
    let dir = base.join("docker");
    private_dir(&dir)?;
    private_dir(&dir.join("leases"))?;
    Ok(dir)
}

#[cfg(unix)]
fn uid() -> u32 {
    rustix::process::getuid().as_raw()
}
#[cfg(not(unix))]
fn uid() -> u32 {
    0
}

/// Creates `dir` 0700 if missing; refuses one that is a symlink, not ours, or open to others.
fn private_dir(dir: &Path) -> Result<(), ContainerError> {
    let files = |source| ContainerError::Files {
        path: dir.to_path_buf(),
        source,
    };
    match std::fs::create_dir(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(files(e)),
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let meta = std::fs::symlink_metadata(dir).map_err(files)?;
        if !meta.is_dir() || meta.uid() != uid() {
            return Err(ContainerError::UnsafeDir {
                path: dir.to_path_buf(),
            });
        }
        if meta.mode() & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(files)?;
        }
    }
    Ok(())
}

/// Holds the directory lock while `f` runs.
fn locked<T>(
    dir: &Path,
    f: impl FnOnce() -> Result<T, ContainerError>,
) -> Result<T, ContainerError> {
    let path = dir.join("network.lock");
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| ContainerError::Files {
            path: path.clone(),
            source,
        })?;
    file.lock()
        .map_err(|source| ContainerError::Files { path, source })?;
    f()
}

/// The lease files whose holder is alive; removes the others.
fn live_leases(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir.join("leases")) else {
        return 0;
    };
    let mut live = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(file) = File::open(&path) else {
            continue;
        };
        match file.try_lock() {
            Err(TryLockError::WouldBlock) => live += 1,
            Ok(()) => {
                let _ = std::fs::remove_file(&path);
            }
            Err(TryLockError::Error(_)) => {}
        }
    }
    live
}

impl Lease {
    /// Takes a lease, creating or adopting the network as needed.
    pub fn acquire(docker: &Docker, dir: &Path) -> Result<Lease, ContainerError> {
        locked(dir, || {
            let adopted = match docker.network()? {
                Some(info) if !info.ours || info.subnets != [super::SUBNET] => {
                    return Err(ContainerError::ForeignNetwork);
                }
                Some(_) => live_leases(dir) == 0,
                None => {
                    docker.create_network()?;
                    false
                }
            };
            let path = dir.join("leases").join(format!(
                "{}-{:016x}",
                std::process::id(),
                rand::random::<u64>()
            ));
            let files = |source| ContainerError::Files {
                path: path.clone(),
                source,
            };
            let file = File::create(&path).map_err(files)?;
            file.try_lock().map_err(|e| files(e.into()))?;
            Ok(Lease {
                docker: docker.clone(),
                dir: dir.to_path_buf(),
                mine: Some((file, path)),
                adopted,
            })
        })
    }

    /// Gives the lease back; the last one out removes the network. A network that cannot be
    /// removed (someone attached a container of their own) is left, with a warning from the caller.
    pub fn release(&mut self) -> Result<(), ContainerError> {
        let Some((file, path)) = self.mine.take() else {
            return Ok(());
        };
        locked(&self.dir, || {
            let _ = std::fs::remove_file(&path);
            drop(file);
            if live_leases(&self.dir) == 0 && self.docker.network()?.is_some_and(|n| n.ours) {
                self.docker.remove_network()?;
            }
            Ok(())
        })
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let _ = self.release();
    }
}
