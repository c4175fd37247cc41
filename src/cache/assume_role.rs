//! The assume-role cache, `~/.aws/cli/cache/<sha1>.json`, as botocore's
//! `AssumeRoleCredentialFetcher` and `JSONFileCache` keep it (`docs/cache-files.md#assume-role-cache`),
//! so the AWS CLI and ssoexec reuse each other's assumed-role credentials. The key hashes the
//! AssumeRole arguments, never the source profile: a role reached two ways shares one entry.
//! Files only: no network, no prompts.
//!
//! Logout: the entries derived from an SSO session are found with [`keys_for_session`] (every
//! profile whose chain starts at that session, every hop of it) and removed with [`remove`];
//! [`list`] finds every assume-role entry in the directory and [`remove_entry`] removes one (for
//! `logout --all`). The key does not name the source, so an entry reached from two sessions goes
//! with either logout; the next use simply assumes the role again.
use super::{CacheError, Lookup, json::python_dumps, read_expiring, read_optional};
use crate::aws::credentials::Credentials;
use crate::aws::sts::AssumedRole;
use crate::config::identity::{self, AssumeRole, Identity};
use crate::config::profile::sha1_hex;
use crate::config::{AwsConfig, SsoSession};
use crate::support::atomic;
use crate::support::clock::parse_timestamp;
use crate::support::secret::Secret;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use time::{OffsetDateTime, UtcOffset};

/// What goes into the key: the AssumeRole arguments botocore builds from a profile.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyArgs<'a> {
    pub role_arn: &'a str,
    /// Only when configured: a generated session name is left out of the key, as botocore does.
    pub role_session_name: Option<&'a str>,
    pub external_id: Option<&'a str>,
    /// `mfa_serial` (`SerialNumber`); the one-time code never enters the key.
    pub serial_number: Option<&'a str>,
    pub duration_seconds: Option<u32>,
}

impl<'a> KeyArgs<'a> {
    /// The arguments of one hop of a chain.
    pub fn of(hop: &'a AssumeRole) -> KeyArgs<'a> {
        KeyArgs {
            role_arn: &hop.role_arn,
            role_session_name: hop.options.role_session_name.as_deref(),
            external_id: hop.options.external_id.as_deref(),
            serial_number: hop.options.mfa_serial.as_deref(),
            duration_seconds: hop.options.duration_seconds,
        }
    }
}

/// sha1 of `json.dumps(args, sort_keys=True)` (default separators, `DurationSeconds` an
/// integer), made file-safe like botocore's `_make_file_safe`.
pub fn cache_key(args: &KeyArgs<'_>) -> String {
    let mut blob: BTreeMap<&str, Value> = BTreeMap::new();
    blob.insert("RoleArn", args.role_arn.into());
    let optional = [
        ("RoleSessionName", args.role_session_name),
        ("ExternalId", args.external_id),
        ("SerialNumber", args.serial_number),
    ];
    for (k, v) in optional {
        if let Some(v) = v {
            blob.insert(k, v.into());
        }
    }
    if let Some(d) = args.duration_seconds {
        blob.insert("DurationSeconds", d.into());
    }
    let json = String::from_utf8(python_dumps(&blob)).unwrap_or_default();
    sha1_hex(&json).replace([':', '/', '\\'], "_")
}

pub fn path(cache_dir: &Path, key: &str) -> PathBuf {
    cache_dir.join(format!("{key}.json"))
}

#[derive(Serialize, Deserialize)]
struct CacheEntry {
    #[serde(rename = "Credentials")]
    credentials: CachedCredentials,
    #[serde(
        rename = "AssumedRoleUser",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    assumed_role_user: Option<AssumedRoleUser>,
    #[serde(
        rename = "ResponseMetadata",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    response_metadata: Option<BTreeMap<String, Value>>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CachedCredentials {
    access_key_id: String,
    secret_access_key: Secret,
    session_token: Secret,
    expiration: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    account_id: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AssumedRoleUser {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    assumed_role_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    arn: Option<String>,
}

/// Reads an entry; `Expiration` may end in `Z` or in botocore's `UTC`.
pub fn load(path: &Path) -> Result<Lookup<Credentials>, CacheError> {
    let found = read_expiring(path, "Expiration", |e: &CacheEntry| {
        &e.credentials.expiration
    })?;
    Ok(found.map(|(entry, expiration)| {
        let c = entry.credentials;
        let account_id = c.account_id.or_else(|| {
            entry
                .assumed_role_user
                .and_then(|u| u.arn)
                .and_then(|a| crate::aws::arn::account(&a).map(String::from))
        });
        Credentials {
            access_key_id: c.access_key_id,
            secret_access_key: c.secret_access_key,
            session_token: Some(c.session_token),
            expiration: Some(expiration),
            account_id,
        }
    }))
}

/// `2026-11-26T11:00:00UTC`: `strftime('%Y-%m-%dT%H:%M:%S%Z')` of an aware UTC datetime, as
/// `JSONFileCache` writes it.
pub fn format_botocore_expiration(t: OffsetDateTime) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]UTC");
    t.to_offset(UtcOffset::UTC).format(&fmt).unwrap_or_default()
}

/// Writes the AssumeRole answer in botocore's layout and key order, atomically and 0600.
pub fn store(path: &Path, assumed: &AssumedRole) -> Result<(), CacheError> {
    let c = &assumed.credentials;
    let entry = CacheEntry {
        credentials: CachedCredentials {
            access_key_id: c.access_key_id.clone(),
            secret_access_key: c.secret_access_key.clone(),
            session_token: c.session_token.clone().unwrap_or_else(|| Secret::new("")),
            expiration: c
                .expiration
                .map(format_botocore_expiration)
                .unwrap_or_default(),
            account_id: c.account_id.clone(),
        },
        assumed_role_user: Some(AssumedRoleUser {
            assumed_role_id: assumed.assumed_role_id.clone(),
            arn: assumed.arn.clone(),
        }),
        response_metadata: Some(
            assumed
                .request_id
                .iter()
                .map(|id| ("RequestId".to_string(), Value::from(id.as_str())))
                .collect(),
        ),
    };
    atomic::write_private(path, &python_dumps(&entry))
}

/// One assume-role entry found in the cache directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub path: PathBuf,
    /// `AssumedRoleUser.Arn` (`arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`).
    pub arn: Option<String>,
    pub expiration: Option<OffsetDateTime>,
}

/// Every assume-role entry in `cache_dir`: files with `AssumedRoleUser` and no `ProviderType`
/// (SSO role credentials carry `ProviderType: "sso"`). Unreadable files are skipped.
pub fn list(cache_dir: &Path) -> Result<Vec<Entry>, CacheError> {
    let dir = match std::fs::read_dir(cache_dir) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(CacheError::Read {
                path: cache_dir.to_path_buf(),
                source: e,
            });
        }
    };
    let mut out = Vec::new();
    for item in dir.flatten() {
        let path = item.path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let Ok(Some(bytes)) = read_optional(&path) else {
            continue;
        };
        let Ok(v) = serde_json::from_slice::<Value>(&bytes) else {
            continue;
        };
        if v.get("ProviderType").is_some() || v.get("AssumedRoleUser").is_none() {
            continue;
        }
        out.push(Entry {
            arn: v["AssumedRoleUser"]["Arn"].as_str().map(String::from),
            expiration: v["Credentials"]["Expiration"]
                .as_str()
                .and_then(parse_timestamp),
            path,
        });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// The cache keys of every hop of every profile in `cfg` whose chain starts at `session` — the
/// assumed-role entries a logout from that session should remove. Profiles that do not resolve
/// are skipped.
pub fn keys_for_session(cfg: &AwsConfig, session: &SsoSession) -> Vec<String> {
    keys_derived_from_sso(cfg, |s| s == session)
}

/// The cache keys of every hop of every profile whose chain starts at an SSO session that
/// `from` accepts (`|_| true`: every SSO-derived entry, for `logout --all`).
pub fn keys_derived_from_sso(cfg: &AwsConfig, from: impl Fn(&SsoSession) -> bool) -> Vec<String> {
    let mut keys: Vec<String> = cfg
        .config
        .profiles
        .keys()
        .filter_map(|name| identity::resolve(cfg, name).ok())
        .filter(|id: &Identity| id.sso_root().is_some_and(|t| from(&t.session)))
        .flat_map(|id| {
            id.hops()
                .into_iter()
                .map(|hop| cache_key(&KeyArgs::of(hop)))
                .collect::<Vec<_>>()
        })
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// Removes an entry [`list`] found; a missing file is fine.
pub fn remove_entry(entry: &Entry) -> Result<(), CacheError> {
    atomic::remove(&entry.path)
}

/// Removes the entry of `key`; a missing file is fine.
pub fn remove(cache_dir: &Path, key: &str) -> Result<(), CacheError> {
    atomic::remove(&path(cache_dir, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hashed text and digest, checked against botocore's `_create_cache_key`
    /// (`json.dumps(args, sort_keys=True)` then sha1).
    #[test]
    fn keys_match_botocore() {
        let plain = KeyArgs {
            role_arn: "arn:aws:iam::111122223333:role/Admin",
            ..KeyArgs::default()
        };
        // python3 -c 'import json,hashlib;print(hashlib.sha1(json.dumps({"RoleArn":"arn:aws:iam::111122223333:role/Admin"},sort_keys=True).encode()).hexdigest())'
        assert_eq!(
            cache_key(&plain),
            sha1_hex(r#"{"RoleArn": "arn:aws:iam::111122223333:role/Admin"}"#)
        );
        let all = KeyArgs {
            role_arn: "arn:aws:iam::111122223333:role/Admin",
            role_session_name: Some("me"),
            external_id: Some("xid"),
            serial_number: Some("arn:aws:iam::111122223333:mfa/me"),
            duration_seconds: Some(900),
        };
        assert_eq!(
            cache_key(&all),
            sha1_hex(
                r#"{"DurationSeconds": 900, "ExternalId": "xid", "RoleArn": "arn:aws:iam::111122223333:role/Admin", "RoleSessionName": "me", "SerialNumber": "arn:aws:iam::111122223333:mfa/me"}"#
            )
        );
        // Both digests printed by botocore 1.43's `AssumeRoleCredentialFetcher(...)._cache_key`;
        // the generated `botocore-session-<epoch>` name is not part of the first.
        assert_eq!(
            cache_key(&plain),
            "20d1c4c47209b5c6f6727fa999b7ec9c34fe8643"
        );
        assert_eq!(cache_key(&all), "0a2c5bd7e62512fc31491c4086449a689ceff62b");
    }

    #[test]
    fn keys_for_a_session_cover_every_hop_of_every_chain_rooted_there() {
        use crate::config::file::{FileKind, parse};
        let text = "[profile dev]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = R\n[profile other]\nsso_session = elsewhere\nsso_account_id = 1\nsso_role_name = R\n[sso-session corp]\nsso_start_url = https://a.awsapps.com/start\nsso_region = us-east-1\n[sso-session elsewhere]\nsso_start_url = https://b.awsapps.com/start\nsso_region = us-east-1\n[profile a]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = dev\n[profile b]\nrole_arn = arn:aws:iam::333333333333:role/B\nsource_profile = a\n[profile x]\nrole_arn = arn:aws:iam::444444444444:role/X\nsource_profile = other\n[profile broken]\nrole_arn = arn:aws:iam::444444444444:role/Y\nsource_profile = broken2\n";
        let cfg = AwsConfig {
            config: parse(text, Path::new("c"), FileKind::Config).unwrap(),
            credentials: crate::config::ConfigFile::empty(PathBuf::new(), FileKind::Credentials),
        };
        let corp = crate::config::profile::session_named(&cfg, "corp").unwrap();
        let key = |arn| {
            cache_key(&KeyArgs {
                role_arn: arn,
                ..KeyArgs::default()
            })
        };
        let mut want = vec![
            key("arn:aws:iam::222222222222:role/A"),
            key("arn:aws:iam::333333333333:role/B"),
        ];
        want.sort();
        assert_eq!(keys_for_session(&cfg, &corp), want);
    }

    #[test]
    fn reads_both_expiration_forms_and_writes_botocore_layout() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k.json");
        let creds = Credentials {
            access_key_id: "ASIAX".into(),
            secret_access_key: Secret::new("s"),
            session_token: Some(Secret::new("t")),
            expiration: Some(time::macros::datetime!(2026-11-26 11:00 UTC)),
            account_id: Some("222222222222".into()),
        };
        let assumed = AssumedRole {
            credentials: creds.clone(),
            arn: Some("arn:aws:sts::222222222222:assumed-role/A/me".into()),
            assumed_role_id: Some("AROAX:me".into()),
            extra: BTreeMap::new(),
            request_id: Some("req-1".into()),
        };
        store(&p, &assumed).unwrap();
        assert_eq!(
            std::fs::read_to_string(&p).unwrap(),
            r#"{"Credentials": {"AccessKeyId": "ASIAX", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "2026-11-26T11:00:00UTC", "AccountId": "222222222222"}, "AssumedRoleUser": {"AssumedRoleId": "AROAX:me", "Arn": "arn:aws:sts::222222222222:assumed-role/A/me"}, "ResponseMetadata": {"RequestId": "req-1"}}"#
        );
        let Lookup::Found(back) = load(&p).unwrap() else {
            panic!()
        };
        assert_eq!(back, creds);
        std::fs::write(&p, r#"{"Credentials": {"AccessKeyId": "A", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "2026-11-26T11:00:00Z"}, "AssumedRoleUser": {"Arn": "arn:aws:sts::333333333333:assumed-role/B/x"}}"#).unwrap();
        let Lookup::Found(z) = load(&p).unwrap() else {
            panic!()
        };
        assert_eq!(z.expiration, creds.expiration);
        assert_eq!(z.account_id.as_deref(), Some("333333333333"));
        let found = list(dir.path()).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].arn.as_deref(),
            Some("arn:aws:sts::333333333333:assumed-role/B/x")
        );
        // SSO role credentials (`ProviderType`) in the same directory are not listed.
        std::fs::write(
            dir.path().join("sso.json"),
            r#"{"ProviderType": "sso", "Credentials": {}}"#,
        )
        .unwrap();
        assert_eq!(list(dir.path()).unwrap().len(), 1);
        remove_entry(&found[0]).unwrap();
        assert!(list(dir.path()).unwrap().is_empty());
        store(&p, &assumed).unwrap();
        remove(dir.path(), "k").unwrap();
        assert!(!p.exists());
    }
}
