//! The EKS token cache: `<own>/eks/<sha1>.json` (0600 in a 0700 directory), one file per
//! (session, account, role, cluster, region, role ARN), so repeated kubectl calls cost one read.
//! Reads and writes files; no network.
use crate::cache::assume_role::KeyArgs;
use crate::cache::{CacheError, Lookup, read_expiring};
use crate::config::profile::sha1_hex;
use crate::config::{Identity, SsoTarget};
use crate::support::atomic;
use crate::support::clock::{format_timestamp, needs_refresh};
use crate::support::secret::Secret;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use time::{Duration, OffsetDateTime};

/// A bearer token for one cluster and the instant client-go should stop using it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EksToken {
    pub token: Secret,
    pub expires_at: OffsetDateTime,
}

/// A cached token is handed out only while at least this much of it is left: kubectl uses a
/// token for the whole command, and a `kubectl logs -f` or `exec` must not start on one that
/// expires a moment later. Signing a new one is cheap, so the margin can be generous.
pub const REUSE_MARGIN: Duration = Duration::minutes(5);

/// What selects a token: everything that changes the credentials or the signed URL.
#[derive(Clone, Debug, Serialize)]
pub struct TokenKey<'a> {
    /// The sso-session name, or the start URL of a legacy profile.
    pub session: &'a str,
    pub account_id: &'a str,
    pub role_name: &'a str,
    pub cluster_id: &'a str,
    pub region: &'a str,
    pub role_arn: Option<&'a str>,
}

impl<'a> TokenKey<'a> {
    pub fn new(
        target: &'a SsoTarget,
        cluster_id: &'a str,
        region: &'a str,
        role_arn: Option<&'a str>,
    ) -> Self {
        TokenKey {
            session: target
                .session
                .name
                .as_deref()
                .unwrap_or(&target.session.start_url),
            account_id: &target.account_id,
            role_name: &target.role_name,
            cluster_id,
            region,
            role_arn,
        }
    }

    /// The key of a token for a non-SSO or chained identity: `chain` names every hop
    /// ([`chain_text`]) where an SSO role's key names the session, account and role.
    pub fn chained(
        chain: &'a str,
        cluster_id: &'a str,
        region: &'a str,
        role_arn: Option<&'a str>,
    ) -> Self {
        TokenKey {
            session: chain,
            account_id: "",
            role_name: "",
            cluster_id,
            region,
            role_arn,
        }
    }

    /// sha1 of the key's compact JSON (fields in declaration order): the file and lock name.
    /// Spelled out so it can never degrade to the hash of an empty text.
    pub fn hash(&self) -> String {
        let s = |v: &str| serde_json::Value::String(v.to_string()).to_string();
        let json = format!(
            "{{\"session\":{},\"account_id\":{},\"role_name\":{},\"cluster_id\":{},\"region\":{},\"role_arn\":{}}}",
            s(self.session),
            s(self.account_id),
            s(self.role_name),
            s(self.cluster_id),
            s(self.region),
            self.role_arn.map_or_else(|| "null".to_string(), s)
        );
        sha1_hex(&json)
    }
}

/// Names an identity that is not a plain SSO role: its root, then each hop's assume-role cache
/// key (which covers the role ARN and every option).
pub fn chain_text(identity: &Identity) -> String {
    let mut parts: Vec<String> = identity
        .hops()
        .iter()
        .map(|h| format!("assume:{}", super::assume_role::cache_key(&KeyArgs::of(h))))
        .collect();
    let mut root = identity;
    while let Identity::AssumeRole(a) = root {
        root = &a.source;
    }
    parts.push(match root {
        Identity::Sso(t) => format!(
            "sso:{}/{}/{}",
            t.session.name.as_deref().unwrap_or(&t.session.start_url),
            t.account_id,
            t.role_name
        ),
        Identity::Static { keys, .. } => format!("static:{}", keys.access_key_id),
        Identity::Environment => "environment".into(),
        Identity::AssumeRole(_) => String::new(),
    });
    parts.join(">")
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    token: Secret,
    expiration_timestamp: String,
}

/// The directory of EKS tokens inside ssoexec's own cache directory.
pub fn dir(own: &Path) -> PathBuf {
    own.join("eks")
}

pub fn path(own: &Path, key: &TokenKey<'_>) -> PathBuf {
    dir(own).join(format!("{}.json", key.hash()))
}

pub fn load(path: &Path) -> Result<Lookup<EksToken>, CacheError> {
    let found = read_expiring(path, "expirationTimestamp", |e: &Entry| {
        &e.expiration_timestamp
    })?;
    Ok(found.map(|(entry, expires_at)| EksToken {
        token: entry.token,
        expires_at,
    }))
}

/// The token in `path` if it has at least [`REUSE_MARGIN`] left at `now`.
pub fn load_fresh(path: &Path, now: OffsetDateTime) -> Result<Lookup<EksToken>, CacheError> {
    Ok(match load(path)? {
        Lookup::Found(t) if needs_refresh(t.expires_at, now, REUSE_MARGIN) => Lookup::Absent,
        other => other,
    })
}

pub fn store(path: &Path, token: &EksToken) -> Result<(), CacheError> {
    let entry = Entry {
        token: token.token.clone(),
        expiration_timestamp: format_timestamp(token.expires_at),
    };
    let bytes = serde_json::to_vec(&entry).map_err(|e| CacheError::Write {
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    })?;
    atomic::write_private(path, &bytes)
}

/// Deletes every cached EKS token (for `logout`).
pub fn clear(own: &Path) -> Result<(), CacheError> {
    let dir = dir(own);
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(CacheError::Read {
                path: dir,
                source: e,
            });
        }
    };
    for entry in entries.flatten() {
        if entry.path().extension().is_some_and(|x| x == "json") {
            atomic::remove(&entry.path())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SsoSession;
    use time::macros::datetime;

    fn target(name: Option<&str>) -> SsoTarget {
        SsoTarget {
            session: SsoSession {
                name: name.map(String::from),
                start_url: "https://x.awsapps.com/start".into(),
                region: "us-east-1".into(),
                scopes: None,
            },
            account_id: "111111111111".into(),
            role_name: "ReadOnly".into(),
        }
    }

    #[test]
    fn the_key_is_the_compact_json_of_its_fields() {
        let t = target(Some("co\"rp"));
        let k = TokenKey::new(&t, "c", "eu-west-1", Some("arn:aws:iam::1:role/x"));
        assert_eq!(k.hash(), sha1_hex(&serde_json::to_string(&k).unwrap()));
        let k = TokenKey::new(&t, "c", "eu-west-1", None);
        assert_eq!(k.hash(), sha1_hex(&serde_json::to_string(&k).unwrap()));
    }

    #[test]
    fn every_part_of_the_key_matters() {
        let t = target(Some("corp"));
        let base = TokenKey::new(&t, "c", "eu-west-1", None).hash();
        assert_ne!(base, TokenKey::new(&t, "d", "eu-west-1", None).hash());
        assert_ne!(base, TokenKey::new(&t, "c", "eu-west-2", None).hash());
        assert_ne!(
            base,
            TokenKey::new(&t, "c", "eu-west-1", Some("arn:aws:iam::1:role/x")).hash()
        );
        let legacy = target(None);
        assert_ne!(base, TokenKey::new(&legacy, "c", "eu-west-1", None).hash());
    }

    #[test]
    fn round_trip_margin_and_clear() {
        let dir = tempfile::tempdir().unwrap();
        let t = target(Some("corp"));
        let p = path(dir.path(), &TokenKey::new(&t, "c", "eu-west-1", None));
        let now = datetime!(2026-11-26 10:00 UTC);
        let token = EksToken {
            token: Secret::new("k8s-aws-v1.abc"),
            expires_at: now + Duration::minutes(14),
        };
        store(&p, &token).unwrap();
        assert!(matches!(load_fresh(&p, now).unwrap(), Lookup::Found(ref x) if *x == token));
        assert!(matches!(
            load_fresh(&p, now + Duration::minutes(10)).unwrap(),
            Lookup::Absent
        ));
        std::fs::write(&p, "{").unwrap();
        assert!(matches!(load(&p).unwrap(), Lookup::Corrupt(_)));
        clear(dir.path()).unwrap();
        assert!(matches!(load(&p).unwrap(), Lookup::Absent));
    }
}
