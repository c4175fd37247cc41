//! The SSO token cache file, `~/.aws/sso/cache/<sha1>.json`, exactly as AWS CLI v2 writes it
//! (`docs/cache-files.md#token-file`): same name, keys, key order, timestamp form and JSON spacing.
use super::{CacheError, Lookup, json::python_dumps, read_optional};
use crate::config::SsoSession;
use crate::support::atomic;
use crate::support::clock::{format_timestamp, parse_timestamp};
use crate::support::secret::Secret;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

/// The file's JSON. Unknown keys written by other tools are kept when we rewrite it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub access_token: Secret,
    pub expires_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_expires_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// A token read from (or about to be written to) the cache, with its parsed expiry.
#[derive(Clone, Debug)]
pub struct SsoToken {
    pub file: TokenFile,
    pub expires_at: OffsetDateTime,
}

impl SsoToken {
    pub fn from_file(file: TokenFile) -> Result<SsoToken, String> {
        let expires_at = parse_timestamp(&file.expires_at)
            .ok_or_else(|| format!("expiresAt {:?} is not a timestamp", file.expires_at))?;
        Ok(SsoToken { file, expires_at })
    }

    /// Builds what `aws sso login` writes after CreateToken.
    pub fn issued(
        session: &SsoSession,
        reg: &super::registration::Registration,
        access_token: Secret,
        expires_at: OffsetDateTime,
        refresh_token: Option<Secret>,
    ) -> SsoToken {
        let file = TokenFile {
            start_url: Some(session.start_url.clone()),
            region: Some(session.region.clone()),
            access_token,
            expires_at: format_timestamp(expires_at),
            client_id: Some(reg.client_id.clone()),
            client_secret: Some(reg.client_secret.clone()),
            registration_expires_at: Some(reg.expires_at.clone()),
            refresh_token,
            extra: BTreeMap::new(),
        };
        SsoToken { file, expires_at }
    }

    /// Refreshing needs a refresh token and a registration that has not expired (`docs/cache-files.md#token-refresh`).
    pub fn refreshable(&self, now: OffsetDateTime) -> bool {
        let reg_ok = self
            .file
            .registration_expires_at
            .as_deref()
            .and_then(parse_timestamp)
            .is_some_and(|t| t > now);
        self.file.refresh_token.is_some()
            && self.file.client_id.is_some()
            && self.file.client_secret.is_some()
            && reg_ok
    }
}

pub fn path(cache_dir: &Path, session: &SsoSession) -> PathBuf {
    cache_dir.join(format!("{}.json", session.token_cache_key()))
}

pub fn load(path: &Path) -> Result<Lookup<SsoToken>, CacheError> {
    Ok(match read_optional(path)? {
        Some(bytes) => parse(&bytes),
        None => Lookup::Absent,
    })
}

/// Reads a token file's bytes: found, or corrupt with the reason.
pub fn parse(bytes: &[u8]) -> Lookup<SsoToken> {
    let parsed = serde_json::from_slice::<TokenFile>(bytes)
        .map_err(|e| e.to_string())
        .and_then(SsoToken::from_file);
    match parsed {
        Ok(t) => Lookup::Found(t),
        Err(why) => Lookup::Corrupt(why),
    }
}

pub fn store(path: &Path, token: &SsoToken) -> Result<(), CacheError> {
    atomic::write_private(path, &python_dumps(&token.file))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLI_FILE: &str =
        include_str!("../../tests/fixtures/awscli/awscli2_sso_login_token_cache.json");

    #[test]
    fn round_trips_the_cli_file_byte_for_byte() {
        let file: TokenFile = serde_json::from_str(CLI_FILE).unwrap();
        let token = SsoToken::from_file(file).unwrap();
        assert_eq!(
            String::from_utf8(python_dumps(&token.file)).unwrap(),
            CLI_FILE
        );
        assert!(!format!("{token:?}").contains("fake-access"));
    }

    #[test]
    fn legacy_utc_suffix_and_unknown_keys() {
        let text = r#"{"startUrl": "https://x", "region": "us-east-1", "accessToken": "t", "expiresAt": "2020-01-01T00:00:00UTC", "futureKey": [1]}"#;
        let token = SsoToken::from_file(serde_json::from_str(text).unwrap()).unwrap();
        assert_eq!(token.expires_at.unix_timestamp(), 1577836800);
        assert!(
            String::from_utf8(python_dumps(&token.file))
                .unwrap()
                .ends_with(r#""futureKey": [1]}"#)
        );
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// A cache file of any content is found, absent or corrupt: reading never panics.
        #[test]
        fn reading_any_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let dir = tempfile::tempdir().unwrap();
            let p = dir.path().join("t.json");
            std::fs::write(&p, &bytes).unwrap();
            let _ = load(&p).unwrap();
            let _ = crate::cache::role::load(&p).unwrap();
            let _ = crate::cache::registration::load(&p).unwrap();
        }

        /// Any JSON object with the two required keys and a valid timestamp is read.
        #[test]
        fn reads_any_valid_token(access in "[ -~]{1,40}", secs in 0i64..4_000_000_000) {
            let t = time::OffsetDateTime::from_unix_timestamp(secs).unwrap();
            let text = serde_json::json!({"accessToken": access, "expiresAt": crate::support::clock::format_timestamp(t)}).to_string();
            let file: TokenFile = serde_json::from_str(&text).unwrap();
            let token = SsoToken::from_file(file).unwrap();
            prop_assert_eq!(token.expires_at, t);
            prop_assert_eq!(token.file.access_token.expose(), access.as_str());
        }
    }
}
