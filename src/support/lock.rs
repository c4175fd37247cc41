//! Sidecar locks: `<key>.lock` beside (never on) the data, OS advisory locks that the kernel
//! releases when the holder dies, so a killed login never blocks the next caller. The holder
//! records what it is doing (and its pid) in the lock file, so a waiter that may not wait for a
//! login can tell a short holder (a refresh, a fetch) from one that waits for a person.
use super::atomic::ensure_dir;
use super::fs::FsError as CacheError;
use crate::support::clock::describe_std_duration;
use crate::support::printer::Printer;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How often a waiter that may give up looks at the lock again.
const POLL: Duration = Duration::from_millis(100);
/// The longest activity record we read back (a word and a pid).
const RECORD_MAX: u64 = 64;

/// What the holder of a lock is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activity {
    /// Fetching or signing credentials, or refreshing a token: seconds at most.
    Fetch,
    /// Waiting for a person to approve a sign-in: minutes.
    Login,
    /// Removing cached credentials: milliseconds.
    Logout,
}

impl Activity {
    fn word(self) -> &'static str {
        match self {
            Activity::Fetch => "fetch",
            Activity::Login => "login",
            Activity::Logout => "logout",
        }
    }

    fn parse(text: &str) -> Option<Activity> {
        match text.split_whitespace().next()? {
            "fetch" => Some(Activity::Fetch),
            "login" => Some(Activity::Login),
            "logout" => Some(Activity::Logout),
            _ => None,
        }
    }
}

/// Held until dropped (closing the file releases the lock).
#[derive(Debug)]
pub struct LockGuard {
    file: File,
    _path: PathBuf,
}

impl LockGuard {
    /// Records what the holder now does (`login` before waiting for a person), with its pid.
    pub fn record(&self, activity: Activity) {
        let mut f = &self.file;
        let line = format!("{} {}\n", activity.word(), std::process::id());
        // Informational only: a failed record makes waiters wait, as before.
        let _ = f
            .set_len(0)
            .and_then(|()| f.rewind())
            .and_then(|()| f.write_all(line.as_bytes()));
    }
}

/// What the current holder of `dir/<key>.lock` recorded; `None` when nobody holds it (or the
/// holder recorded nothing readable).
pub fn holder(dir: &Path, key: &str) -> Option<Activity> {
    let path = dir.join(format!("{key}.lock"));
    let file = File::open(path).ok()?;
    match file.try_lock_shared() {
        Ok(()) => None, // free (closing the file releases our shared lock)
        Err(TryLockError::WouldBlock) => {
            let mut text = String::new();
            (&file).take(RECORD_MAX).read_to_string(&mut text).ok()?;
            Activity::parse(&text)
        }
        Err(TryLockError::Error(_)) => None,
    }
}

/// Takes the exclusive lock `dir/<key>.lock` for a fetch, waiting up to `timeout`: the tests'
/// shorthand for [`acquire_as`] (every caller in the product goes through `credentials::sso::lock_for`).
#[cfg(test)]
pub async fn acquire(
    dir: &Path,
    key: &str,
    purpose: &str,
    timeout: Duration,
    printer: &Printer,
) -> Result<LockGuard, CacheError> {
    acquire_as(dir, key, purpose, Activity::Fetch, timeout, printer, None).await
}

/// Like [`acquire`], recording `activity`; while waiting, gives up with
/// [`CacheError::HeldByLogin`] as soon as `give_up()` says the wait is for a login.
pub async fn acquire_as(
    dir: &Path,
    key: &str,
    purpose: &str,
    activity: Activity,
    timeout: Duration,
    printer: &Printer,
    give_up: Option<&(dyn Fn() -> bool + Sync)>,
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
    let locked = |file: File, path: PathBuf| {
        let guard = LockGuard { file, _path: path };
        guard.record(activity);
        guard
    };
    match file.try_lock() {
        Ok(()) => {
            printer.debug(format!("locked {}", path.display()));
            return Ok(locked(file, path));
        }
        Err(TryLockError::Error(e)) => return Err(CacheError::Lock { path, source: e }),
        Err(TryLockError::WouldBlock) => {}
    }
    if let Some(give_up) = give_up {
        // Poll, so a holder that starts waiting for a person is noticed while we wait.
        let started = std::time::Instant::now();
        let mut polls = 0u32;
        loop {
            if give_up() {
                return Err(CacheError::HeldByLogin { path });
            }
            // Said after the second look: the holder's record may be in the middle of a rewrite.
            if polls == 1 {
                printer.info(format!(
                    "Waiting for another ssoexec that is {purpose} (at most {})…",
                    describe_std_duration(timeout)
                ));
            }
            polls = polls.saturating_add(1);
            tokio::time::sleep(POLL).await;
            match file.try_lock() {
                Ok(()) => {
                    printer.debug(format!("locked {} after waiting", path.display()));
                    return Ok(locked(file, path));
                }
                Err(TryLockError::Error(e)) => return Err(CacheError::Lock { path, source: e }),
                Err(TryLockError::WouldBlock) if started.elapsed() >= timeout => {
                    return Err(CacheError::LockTimeout {
                        path,
                        purpose: purpose.into(),
                        secs: timeout.as_secs(),
                    });
                }
                Err(TryLockError::WouldBlock) => {}
            }
        }
    }
    printer.info(format!(
        "Waiting for another ssoexec that is {purpose} (at most {})…",
        describe_std_duration(timeout)
    ));
    // A blocking lock wakes the moment the holder is done (or dies); it waits on a blocking-pool
    // thread so the timeout can give up on it.
    let waiting = tokio::task::spawn_blocking(move || {
        let result = file.lock();
        (file, result)
    });
    match tokio::time::timeout(timeout, waiting).await {
        Ok(Ok((file, Ok(())))) => {
            printer.debug(format!("locked {} after waiting", path.display()));
            Ok(locked(file, path))
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

    #[tokio::test]
    async fn a_waiter_gives_up_on_a_login_but_not_on_a_fetch() {
        let dir = tempfile::tempdir().unwrap();
        let printer = Printer::new(false);
        assert_eq!(holder(dir.path(), "k"), None);
        let held = acquire(dir.path(), "k", "testing", Duration::from_secs(1), &printer)
            .await
            .unwrap();
        assert_eq!(holder(dir.path(), "k"), Some(Activity::Fetch));
        held.record(Activity::Login);
        assert_eq!(holder(dir.path(), "k"), Some(Activity::Login));
        let d = dir.path().to_path_buf();
        let is_login = move || holder(&d, "k") == Some(Activity::Login);
        let err = acquire_as(
            dir.path(),
            "k",
            "testing",
            Activity::Fetch,
            Duration::from_secs(10),
            &printer,
            Some(&is_login),
        )
        .await
        .unwrap_err();
        assert!(matches!(err, CacheError::HeldByLogin { .. }), "{err}");
        held.record(Activity::Fetch);
        let waiter = acquire_as(
            dir.path(),
            "k",
            "testing",
            Activity::Fetch,
            Duration::from_secs(10),
            &printer,
            Some(&is_login),
        );
        let release = async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            drop(held);
        };
        let (got, ()) = tokio::join!(waiter, release);
        assert!(got.is_ok());
        drop(got);
        assert_eq!(holder(dir.path(), "k"), None);
    }
}
