//! The role-credential cache, `~/.aws/cli/cache/<sha1>.json`, as the AWS CLI keeps it (`docs/cache-files.md#role-credential-cache`).
use super::{CacheError, Lookup, json::python_dumps, read_expiring, read_optional};
use crate::aws::credentials::Credentials;
use crate::config::SsoTarget;
use crate::config::profile::sha1_hex;
use crate::support::atomic;
use crate::support::clock::format_timestamp;
use crate::support::secret::Secret;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use time::Duration;

/// Cached role credentials are used only while at least this much is left: the CLI's window, and
/// SDKs refresh credentials with less than 15 minutes left on nearly every call (`docs/output-formats.md#credential-process`).
pub const REUSE_MARGIN: Duration = Duration::minutes(15);

#[derive(Serialize, Deserialize)]
struct CacheEntry {
    #[serde(rename = "ProviderType")]
    provider_type: String,
    #[serde(rename = "Credentials")]
    credentials: CachedCredentials,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CachedCredentials {
    access_key_id: String,
    secret_access_key: Secret,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    session_token: Option<Secret>,
    expiration: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    account_id: Option<String>,
}

/// sha1 of the compact, key-sorted JSON of account, role and session name (or start URL). The
/// JSON is spelled out (keys already in order), so the key can never silently degrade to the hash
/// of an empty text that every profile would share.
pub fn cache_key(target: &SsoTarget) -> String {
    let s = |v: &str| serde_json::Value::String(v.to_string()).to_string();
    let (session_key, session) = match &target.session.name {
        Some(name) => ("sessionName", name.as_str()),
        None => ("startUrl", target.session.start_url.as_str()),
    };
    let json = format!(
        "{{\"accountId\":{},\"roleName\":{},\"{session_key}\":{}}}",
        s(&target.account_id),
        s(&target.role_name),
        s(session)
    );
    sha1_hex(&json).replace([':', '/', '\\'], "_")
}

/// The `ProviderType` of every entry derived from an SSO session. `aws sso logout` and
/// `ssoexec logout` remove entries by it, so any entry ssoexec writes from SSO credentials
/// (role credentials, and assumed roles chained from them) carries it.
pub const SSO_PROVIDER_TYPE: &str = "sso";

/// Whether a cache file's JSON is an entry derived from an SSO session.
pub fn is_sso_entry(bytes: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(bytes)
        .is_ok_and(|v| v.get("ProviderType").and_then(|t| t.as_str()) == Some(SSO_PROVIDER_TYPE))
}

/// Removes every entry derived from an SSO session from `cache_dir` (for logout); other entries
/// (assume-role results of non-SSO profiles) stay.
pub fn clear_sso_entries(cache_dir: &Path) -> Result<(), CacheError> {
    let entries = match std::fs::read_dir(cache_dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(CacheError::Read {
                path: cache_dir.to_path_buf(),
                source: e,
            });
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|x| x == "json")
            && read_optional(&path)?.is_some_and(|b| is_sso_entry(&b))
        {
            atomic::remove(&path)?;
        }
    }
    Ok(())
}

pub fn path(cache_dir: &Path, target: &SsoTarget) -> PathBuf {
    cache_dir.join(format!("{}.json", cache_key(target)))
}

pub fn load(path: &Path) -> Result<Lookup<Credentials>, CacheError> {
    let found = read_expiring(path, "Expiration", |e: &CacheEntry| {
        &e.credentials.expiration
    })?;
    Ok(found.map(|(entry, expiration)| {
        let c = entry.credentials;
        Credentials {
            access_key_id: c.access_key_id,
            secret_access_key: c.secret_access_key,
            session_token: c.session_token,
            expiration: Some(expiration),
            account_id: c.account_id,
        }
    }))
}

pub fn store(path: &Path, creds: &Credentials) -> Result<(), CacheError> {
    let entry = CacheEntry {
        provider_type: SSO_PROVIDER_TYPE.into(),
        credentials: CachedCredentials {
            access_key_id: creds.access_key_id.clone(),
            secret_access_key: creds.secret_access_key.clone(),
            session_token: creds.session_token.clone(),
            expiration: creds.expiration.map(format_timestamp).unwrap_or_default(),
            account_id: creds.account_id.clone(),
        },
    };
    atomic::write_private(path, &python_dumps(&entry))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SsoSession;

    #[test]
    fn keys_match_the_cli() {
        let session = SsoSession {
            name: Some("my-sso".into()),
            start_url: "https://my-sso-portal.awsapps.com/start".into(),
            region: "us-east-1".into(),
            scopes: None,
        };
        let t = SsoTarget {
            session: session.clone(),
            account_id: "111122223333".into(),
            role_name: "ReadOnly".into(),
        };
        assert_eq!(cache_key(&t), "0521d1f6a6c4e68f9e18540309367cc3cccb6305");
        let legacy = SsoTarget {
            session: SsoSession {
                name: None,
                ..session
            },
            ..t
        };
        assert_eq!(
            cache_key(&legacy),
            "a86fc0ef036e01b9ff8f964ffab896b19c6ff372"
        );
    }

    #[test]
    fn reads_the_cli_file_and_writes_the_same_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.json");
        let text = include_str!("../../tests/fixtures/awscli/awscli2_role_credentials_cache.json");
        std::fs::write(&p, text).unwrap();
        let Lookup::Found(c) = load(&p).unwrap() else {
            panic!("not found")
        };
        assert_eq!(c.access_key_id, "ASIAFAKEPORTAL000001");
        store(&p, &c).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), text);
    }
}
