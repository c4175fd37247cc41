//! The "recently failed" login marker: after a login fails or is abandoned (its process killed),
//! background callers do not reopen a browser tab in a loop. An explicit `ssoexec login` ignores it.
use super::{CacheError, read_optional};
use crate::support::atomic;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use time::{Duration, OffsetDateTime};

/// How long background callers stay away after a failed or abandoned login: long enough to stop
/// a retry loop (IDE plugins poll every few seconds), short enough not to be in anyone's way.
pub const RECENT_FAILURE_WINDOW: Duration = Duration::minutes(2);

#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Written when a login starts; left behind only if its process died.
    Started,
    Failed,
}

#[derive(Serialize, Deserialize, Debug)]
struct Marker {
    state: State,
    at: i64,
}

pub fn path(own_dir: &Path, key: &str) -> PathBuf {
    own_dir.join("markers").join(format!("{key}.login"))
}

pub fn write(path: &Path, state: State, now: OffsetDateTime) -> Result<(), CacheError> {
    let m = Marker {
        state,
        at: now.unix_timestamp(),
    };
    let bytes = serde_json::to_vec(&m).map_err(|e| CacheError::Write {
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    })?;
    atomic::write_private(path, &bytes)
}

/// The marker's state and age when it is recent; `None` when absent, unreadable or old.
pub fn recent(path: &Path, now: OffsetDateTime) -> Option<(State, Duration)> {
    let bytes = read_optional(path).ok()??;
    let m: Marker = serde_json::from_slice(&bytes).ok()?;
    let age = now - OffsetDateTime::from_unix_timestamp(m.at).ok()?;
    (age < RECENT_FAILURE_WINDOW && age >= -RECENT_FAILURE_WINDOW).then_some((m.state, age))
}

pub fn clear(path: &Path) {
    let _ = atomic::remove(path);
}
