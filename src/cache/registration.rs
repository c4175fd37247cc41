//! The client-registration cache file (`docs/cache-files.md#registration-file`): shared with the AWS CLI, same key and JSON.
use super::{CacheError, Lookup, json::python_dumps, read_optional};
use crate::config::SsoSession;
use crate::config::profile::sha1_hex;
use crate::support::atomic;
use crate::support::clock::parse_timestamp;
use crate::support::secret::Secret;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use time::{Duration, OffsetDateTime};

/// A registration is reused only while it has more than this left (the CLI's rule).
pub const REUSE_MARGIN: Duration = Duration::minutes(15);

pub const AUTH_CODE_GRANTS: [&str; 2] = ["authorization_code", "refresh_token"];

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Registration {
    pub client_id: String,
    pub client_secret: Secret,
    pub expires_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_types: Option<Vec<String>>,
}

impl Registration {
    /// Valid for reuse by a flow of this kind (auth-code registrations have the authorization_code grant).
    pub fn reusable(&self, now: OffsetDateTime, auth_code: bool) -> bool {
        let fresh = parse_timestamp(&self.expires_at).is_some_and(|t| t - now > REUSE_MARGIN);
        let is_auth_code = self
            .grant_types
            .as_ref()
            .is_some_and(|g| g.iter().any(|x| x == "authorization_code"));
        fresh && is_auth_code == auth_code
    }
}

/// sha1 of `json.dumps({"tool": "botocore", "startUrl", "region", "scopes", "session_name"}, sort_keys=True)`.
pub fn cache_key(session: &SsoSession) -> String {
    let blob = serde_json::json!({
        "tool": "botocore",
        "startUrl": session.start_url,
        "region": session.region,
        "scopes": session.scopes,
        "session_name": session.name,
    });
    sha1_hex(&String::from_utf8_lossy(&python_dumps(&blob)))
}

pub fn path(cache_dir: &Path, session: &SsoSession) -> PathBuf {
    cache_dir.join(format!("{}.json", cache_key(session)))
}

pub fn load(path: &Path) -> Result<Lookup<Registration>, CacheError> {
    Ok(match read_optional(path)? {
        None => Lookup::Absent,
        Some(bytes) => match serde_json::from_slice(&bytes) {
            Ok(r) => Lookup::Found(r),
            Err(e) => Lookup::Corrupt(e.to_string()),
        },
    })
}

pub fn store(path: &Path, reg: &Registration) -> Result<(), CacheError> {
    atomic::write_private(path, &python_dumps(reg))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(name: Option<&str>, scopes: Option<Vec<&str>>) -> SsoSession {
        SsoSession {
            name: name.map(String::from),
            start_url: "https://my-sso-portal.awsapps.com/start".into(),
            region: "us-east-1".into(),
            scopes: scopes.map(|s| s.into_iter().map(String::from).collect()),
        }
    }

    #[test]
    fn keys_match_the_cli() {
        assert_eq!(
            cache_key(&session(Some("my-sso"), Some(vec!["sso:account:access"]))),
            "c5cfae6e3e4f067423a532368c8b514b6a4b0ace"
        );
        assert_eq!(
            cache_key(&session(Some("my-sso"), None)),
            "5d2ad48f7ce068c072924f44a42fb81ca0fd6b99"
        );
        assert_eq!(
            cache_key(&session(None, None)),
            "0e093f10f65cee6c5c1898a8e240f5726875bf08"
        );
    }

    #[test]
    fn writes_the_cli_bytes() {
        let text =
            include_str!("../../tests/fixtures/awscli/awscli2_sso_login_registration_cache.json");
        let reg: Registration = serde_json::from_str(text).unwrap();
        assert_eq!(String::from_utf8(python_dumps(&reg)).unwrap(), text);
    }
}
