//! Normalizes a profile (and the sso-session it names) into an `SsoTarget`, with the AWS CLI's
//! validation rules (`docs/config.md#profile-and-sso-session-keys`). Pure: reads parsed sections only.
use super::{AwsConfig, ConfigError, Section};
use sha1::{Digest, Sha1};

/// The scope that makes Identity Center issue a refresh token (`docs/sso-oidc.md#scopes`).
pub const DEFAULT_SCOPE: &str = "sso:account:access";

/// Where and how to sign in: an `[sso-session]` or a legacy profile's start URL and region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsoSession {
    /// The `[sso-session NAME]`; `None` for legacy profiles (start URL directly in the profile).
    pub name: Option<String>,
    pub start_url: String,
    pub region: String,
    /// `sso_registration_scopes` as configured (`None` when unset: the cache key needs the difference).
    pub scopes: Option<Vec<String>>,
}

impl SsoSession {
    /// The token cache file stem: sha1 of the session name, or of the start URL exactly as written.
    pub fn token_cache_key(&self) -> String {
        sha1_hex(self.name.as_deref().unwrap_or(&self.start_url))
    }

    /// The scopes we register with: the configured ones, else the refreshable default.
    pub fn registration_scopes(&self) -> Vec<String> {
        match &self.scopes {
            Some(s) if !s.is_empty() => s.clone(),
            _ => vec![DEFAULT_SCOPE.to_string()],
        }
    }

    /// How to name this session to a person: `sso-session corp` or the start URL.
    pub fn describe(&self) -> String {
        match &self.name {
            Some(n) => format!("sso-session {n}"),
            None => self.start_url.clone(),
        }
    }
}

/// A session plus, for credentials, the account and role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsoTarget {
    pub session: SsoSession,
    pub account_id: String,
    pub role_name: String,
}

pub fn sha1_hex(s: &str) -> String {
    hex::encode(Sha1::digest(s.as_bytes()))
}

/// `sso_registration_scopes`: comma separated, entries trimmed, empty ones dropped.
pub fn parse_scopes(v: &str) -> Vec<String> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// The named `[sso-session]`.
pub fn session_named(cfg: &AwsConfig, name: &str) -> Result<SsoSession, ConfigError> {
    let section = cfg
        .config
        .sso_sessions
        .get(name)
        .ok_or_else(|| ConfigError::UnknownSession {
            session: name.into(),
            path: cfg.config.path.clone(),
            suggestion: super::error::nearest(name, cfg.config.sso_sessions.keys()),
        })?;
    let what = format!("sso-session \"{name}\"");
    session_from(section, Some(name.to_string()), &what, &[])
}

/// The session a profile signs in with (enough for `login`; account and role not required).
pub fn session_for_profile(cfg: &AwsConfig, profile: &str) -> Result<SsoSession, ConfigError> {
    let section = profile_section(cfg, profile)?;
    require_sso(cfg, profile, &section)?;
    resolve_session(cfg, profile, &section, &[])
}

/// A profile with no SSO key at all is "not an SSO profile", whatever asked for it.
fn require_sso(cfg: &AwsConfig, profile: &str, section: &Section) -> Result<(), ConfigError> {
    let sso_keys = [
        "sso_account_id",
        "sso_role_name",
        "sso_session",
        "sso_start_url",
    ];
    if sso_keys.iter().any(|k| section.contains_key(*k)) {
        Ok(())
    } else {
        Err(ConfigError::NotSso {
            profile: profile.into(),
            path: cfg.config.path.clone(),
        })
    }
}

/// Session, account and role of an SSO profile, validated like the CLI's SSO provider.
pub fn target_for_profile(cfg: &AwsConfig, profile: &str) -> Result<SsoTarget, ConfigError> {
    let section = profile_section(cfg, profile)?;
    require_sso(cfg, profile, &section)?;
    let mut missing = Vec::new();
    for key in ["sso_account_id", "sso_role_name"] {
        if !section.contains_key(key) {
            missing.push(key);
        }
    }
    let session = resolve_session(cfg, profile, &section, &missing)?;
    Ok(SsoTarget {
        session,
        account_id: section["sso_account_id"].clone(),
        role_name: section["sso_role_name"].clone(),
    })
}

fn profile_section(cfg: &AwsConfig, profile: &str) -> Result<Section, ConfigError> {
    cfg.profile(profile)
        .ok_or_else(|| ConfigError::ProfileNotFound {
            profile: profile.into(),
            path: cfg.config.path.clone(),
            origin: String::new(),
            suggestion: super::error::nearest(profile, cfg.profile_names()),
        })
}

fn resolve_session(
    cfg: &AwsConfig,
    profile: &str,
    section: &Section,
    missing: &[&'static str],
) -> Result<SsoSession, ConfigError> {
    let what = format!("the profile \"{profile}\"");
    let Some(session_name) = section.get("sso_session") else {
        return session_from(section, None, &what, missing);
    };
    let session =
        cfg.config
            .sso_sessions
            .get(session_name)
            .ok_or_else(|| ConfigError::SessionNotFound {
                profile: profile.into(),
                session: session_name.clone(),
                path: cfg.config.path.clone(),
            })?;
    for key in ["sso_start_url", "sso_region"] {
        if let (Some(p), Some(s)) = (section.get(key), session.get(key))
            && p != s
        {
            return Err(ConfigError::Inconsistent {
                key: key.into(),
                profile_value: p.clone(),
                session_value: s.clone(),
                path: cfg.config.path.clone(),
            });
        }
    }
    let mut merged = section.clone();
    merged.extend(session.iter().map(|(k, v)| (k.clone(), v.clone())));
    session_from(&merged, Some(session_name.clone()), &what, missing)
}

fn session_from(
    section: &Section,
    name: Option<String>,
    what: &str,
    missing: &[&'static str],
) -> Result<SsoSession, ConfigError> {
    let mut missing = missing.to_vec();
    for key in ["sso_start_url", "sso_region"] {
        if !section.contains_key(key) {
            missing.push(key);
        }
    }
    if !missing.is_empty() {
        return Err(ConfigError::MissingKeys {
            what: what.into(),
            keys: missing,
        });
    }
    let start_url = section["sso_start_url"].clone();
    let origin = format!("in {what}");
    validate_start_url("sso_start_url", &start_url, &origin, true)?;
    let region = section["sso_region"].clone();
    validate_region("sso_region", &region, &origin, true)?;
    Ok(SsoSession {
        name,
        start_url,
        region,
        scopes: section
            .get("sso_registration_scopes")
            .map(|v| parse_scopes(v)),
    })
}

/// A start URL must be an absolute https URL (the CLI refuses anything else). `origin` is a
/// phrase (`in the profile "dev"`, `from --start-url`); `in_file` says whether it names a file.
pub fn validate_start_url(
    key: &'static str,
    url: &str,
    origin: &str,
    in_file: bool,
) -> Result<(), ConfigError> {
    match url::Url::parse(url) {
        Ok(u) if u.scheme() == "https" && u.host().is_some() => Ok(()),
        _ => Err(ConfigError::Invalid {
            key,
            value: url.into(),
            origin: origin.into(),
            why: "it must be an https URL, like https://d-1234567890.awsapps.com/start".into(),
            in_file,
            suggestion: None,
        }),
    }
}

/// A region must look like one (lower-case words and a number, `eu-west-1`): else an error, with
/// the nearest known region as a suggestion. A well-formed region the SDKs' list does not have
/// may be newer than the list: `Ok(Some(warning))`.
pub fn validate_region(
    key: &'static str,
    region: &str,
    origin: &str,
    in_file: bool,
) -> Result<Option<String>, ConfigError> {
    use super::regions::{RegionCheck, check};
    match check(region) {
        RegionCheck::Known => Ok(None),
        RegionCheck::Unknown { nearest } => Ok(Some(format!(
            "{key} = {region:?} {origin} is not a region ssoexec knows{}; using it as given",
            nearest
                .map(|n| format!(" (did you mean {n}?)"))
                .unwrap_or_default()
        ))),
        RegionCheck::Malformed { nearest } => Err(ConfigError::Invalid {
            key,
            value: region.into(),
            origin: origin.into(),
            why: "a region is lower-case words and a number joined by dashes, like eu-west-1"
                .into(),
            in_file,
            suggestion: nearest.map(String::from),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::file::{FileKind, parse};
    use std::path::Path;

    fn cfg(text: &str) -> AwsConfig {
        let mut c = AwsConfig::empty();
        c.config = parse(text, Path::new("/home/u/.aws/config"), FileKind::Config).unwrap();
        c
    }

    #[test]
    fn cache_keys_match_the_cli() {
        let s = SsoSession {
            name: Some("my-sso".into()),
            start_url: "https://x".into(),
            region: "us-east-1".into(),
            scopes: None,
        };
        assert_eq!(
            s.token_cache_key(),
            "0ad374308c5a4e22f723adf10145eafad7c4031c"
        );
        let legacy = SsoSession {
            name: None,
            start_url: "https://my-sso-portal.awsapps.com/start".into(),
            ..s
        };
        assert_eq!(
            legacy.token_cache_key(),
            "c7aaaf71fcc8777ae2475525ed049d39fe16c484"
        );
    }

    #[test]
    fn session_profile_resolves() {
        let c = cfg(
            "[profile dev]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = ReadOnly\n[sso-session corp]\nsso_start_url = https://d-1.awsapps.com/start\nsso_region = eu-west-1\nsso_registration_scopes = a, ,b\n",
        );
        let t = target_for_profile(&c, "dev").unwrap();
        assert_eq!(t.session.name.as_deref(), Some("corp"));
        assert_eq!(
            t.session.scopes,
            Some(vec!["a".to_string(), "b".to_string()])
        );
        assert_eq!(
            (t.account_id.as_str(), t.role_name.as_str()),
            ("111111111111", "ReadOnly")
        );
    }

    #[test]
    fn validation_messages_name_the_fault() {
        let c = cfg(
            "[profile a]\nsso_session = nope\nsso_account_id=1\nsso_role_name=r\n[profile b]\nsso_account_id = 1\n[profile c]\nsso_session = s\nsso_region = us-east-1\nsso_account_id=1\nsso_role_name=r\n[sso-session s]\nsso_start_url = https://x\nsso_region = eu-west-1\n[profile d]\nregion = x\n",
        );
        let msg = |p| target_for_profile(&c, p).unwrap_err().to_string();
        assert_eq!(
            msg("a"),
            "the specified sso-session does not exist: \"nope\" (referenced by profile \"a\" in /home/u/.aws/config)"
        );
        assert_eq!(
            msg("b"),
            "the profile \"b\" is configured to use SSO but is missing required configuration: sso_role_name, sso_start_url, sso_region"
        );
        assert_eq!(
            msg("c"),
            "the value for sso_region is inconsistent between profile (us-east-1) and sso-session (eu-west-1) in /home/u/.aws/config"
        );
        assert_eq!(
            msg("d"),
            "the profile \"d\" is not an SSO profile (no sso_account_id, sso_role_name or sso_session in /home/u/.aws/config)"
        );
        assert_eq!(
            msg("zz"),
            "the config profile (zz) could not be found in /home/u/.aws/config"
        );
    }
}
