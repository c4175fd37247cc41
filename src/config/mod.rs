//! AWS shared config: locate and read the files, parse them (pure), normalize to typed profiles.
pub mod edit;
pub mod error;
pub mod file;
pub mod generated;
pub mod identity;
pub mod ini;
pub mod lint;
pub mod profile;
pub mod regions;
pub mod store;

pub use error::ConfigError;
pub use file::{ConfigFile, FileKind, Section};
pub use identity::Identity;
pub use profile::{SsoSession, SsoTarget};

use crate::support::env::{AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, Env};
use crate::support::fs::ReadError;
use std::path::{Path, PathBuf};

/// The config and credentials files as they were read (a missing file is empty).
pub struct AwsConfig {
    pub config: ConfigFile,
    pub credentials: ConfigFile,
}

impl AwsConfig {
    /// The names of every profile of both files, sorted, each once.
    pub fn profile_names(&self) -> std::collections::BTreeSet<&String> {
        self.config
            .profiles
            .keys()
            .chain(self.credentials.profiles.keys())
            .collect()
    }

    /// Reads `AWS_CONFIG_FILE` (default `~/.aws/config`) and `AWS_SHARED_CREDENTIALS_FILE`
    /// (default `~/.aws/credentials`). A file that does not exist is an empty file.
    pub fn load(env: &Env, home: &Path) -> Result<AwsConfig, ConfigError> {
        let config_path = file_path(env, AWS_CONFIG_FILE, home, "config");
        let credentials_path = file_path(env, AWS_SHARED_CREDENTIALS_FILE, home, "credentials");
        Ok(AwsConfig {
            config: read(&config_path, FileKind::Config)?,
            credentials: read(&credentials_path, FileKind::Credentials)?,
        })
    }

    /// Empty files at the paths `load` reads (for `doctor` when the config does not parse).
    pub fn empty_at(env: &Env, home: &Path) -> AwsConfig {
        AwsConfig {
            config: ConfigFile::empty(
                file_path(env, AWS_CONFIG_FILE, home, "config"),
                FileKind::Config,
            ),
            credentials: ConfigFile::empty(
                file_path(env, AWS_SHARED_CREDENTIALS_FILE, home, "credentials"),
                FileKind::Credentials,
            ),
        }
    }

    /// An empty configuration (config-less use with `--start-url` and friends).
    pub fn empty() -> AwsConfig {
        AwsConfig {
            config: ConfigFile::empty(PathBuf::new(), FileKind::Config),
            credentials: ConfigFile::empty(PathBuf::new(), FileKind::Credentials),
        }
    }

    /// The profile section, credentials-file values overriding config-file values (as botocore merges).
    pub fn profile(&self, name: &str) -> Option<Section> {
        let a = self.config.profiles.get(name);
        let b = self.credentials.profiles.get(name);
        if a.is_none() && b.is_none() {
            return None;
        }
        let mut merged = a.cloned().unwrap_or_default();
        if let Some(b) = b {
            merged.extend(b.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        Some(merged)
    }
}

fn file_path(env: &Env, var: &str, home: &Path, default_name: &str) -> PathBuf {
    match env.get(var) {
        Some(p) => expand_home(p, home),
        None => home.join(".aws").join(default_name),
    }
}

/// `~` and `~/x` expand to the home directory, as `os.path.expanduser` does in botocore.
pub fn expand_home(p: &str, home: &Path) -> PathBuf {
    if p == "~" {
        home.to_path_buf()
    } else if let Some(rest) = p.strip_prefix("~/") {
        home.join(rest)
    } else {
        PathBuf::from(p)
    }
}

/// The largest config or credentials file read: the bound every file read has.
pub const MAX_FILE_SIZE: u64 = crate::support::fs::MAX_FILE;

/// The text of a config or credentials file: `None` when it does not exist or is not a regular
/// file (botocore reads only files: `AWS_CONFIG_FILE=/dev/null` is an empty config, and a FIFO is
/// never opened for a blocking read); at most [`MAX_FILE_SIZE`] bytes of UTF-8.
pub fn read_text(path: &Path) -> Result<Option<String>, ConfigError> {
    let failed = |source: std::io::Error| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    };
    match crate::support::fs::read_regular(path, MAX_FILE_SIZE) {
        Ok(Some(bytes)) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|e| failed(std::io::Error::new(std::io::ErrorKind::InvalidData, e))),
        Ok(None) | Err(ReadError::NotRegular(_)) => Ok(None),
        Err(e) => Err(failed(e.into_io())),
    }
}

fn read(path: &Path, kind: FileKind) -> Result<ConfigFile, ConfigError> {
    match read_text(path)? {
        Some(text) => file::parse(&text, path, kind),
        None => Ok(ConfigFile::empty(path.to_path_buf(), kind)),
    }
}
