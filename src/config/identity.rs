//! Resolves a profile into the [`Identity`] whose credentials a command uses: an SSO role, static
//! keys, the environment, or a role assumed on top of another identity (`role_arn` with
//! `source_profile` or `credential_source`, any depth), following botocore's `AssumeRoleProvider`
//! (`docs/config.md#role-chaining-keys`). Pure: reads parsed sections only; the environment is
//! read when credentials are needed, not here.
use super::profile::target_for_profile;
use super::{AwsConfig, ConfigError, Section, SsoTarget};
use crate::support::secret::Secret;

/// Where a command's credentials come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Identity {
    /// An IAM Identity Center role (GetRoleCredentials).
    Sso(SsoTarget),
    /// `aws_access_key_id` / `aws_secret_access_key` (/ `aws_session_token`) of a profile, from
    /// the shared credentials file or the config file.
    Static { profile: String, keys: StaticKeys },
    /// `credential_source = Environment`: `AWS_ACCESS_KEY_ID` and friends of this process.
    Environment,
    /// `role_arn`: AssumeRole signed with the credentials of `source`.
    AssumeRole(Box<AssumeRole>),
}

/// Keys written in a profile. `Debug` shows the key id only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaticKeys {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Option<Secret>,
}

/// One hop of a chain: the profile that names the role, the role, the options, and the identity
/// whose credentials call AssumeRole.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssumeRole {
    pub profile: String,
    pub role_arn: String,
    pub options: AssumeRoleOptions,
    pub source: Identity,
}

/// The profile keys botocore passes to AssumeRole (`docs/sts.md#assumerole`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AssumeRoleOptions {
    /// `role_session_name`; `None` means "generate one" (and keep it out of the cache key).
    pub role_session_name: Option<String>,
    pub external_id: Option<String>,
    /// `mfa_serial`: the code is asked for on the terminal.
    pub mfa_serial: Option<String>,
    pub duration_seconds: Option<u32>,
}

impl Identity {
    /// A short name for people (markers, messages): `account/role`, the role ARN, `profile P`.
    pub fn describe(&self) -> String {
        match self {
            Identity::Sso(t) => format!("{}/{}", t.account_id, t.role_name),
            Identity::Static { profile, .. } => format!("the keys of profile {profile}"),
            Identity::Environment => "the environment's credentials".into(),
            Identity::AssumeRole(a) => a.role_arn.clone(),
        }
    }

    /// The SSO role at the root of the chain, if the chain starts at one.
    pub fn sso_root(&self) -> Option<&SsoTarget> {
        match self {
            Identity::Sso(t) => Some(t),
            Identity::AssumeRole(a) => a.source.sso_root(),
            _ => None,
        }
    }

    /// The AssumeRole hops, outermost (the profile asked for) first.
    pub fn hops(&self) -> Vec<&AssumeRole> {
        let mut out = Vec::new();
        let mut at = self;
        while let Identity::AssumeRole(a) = at {
            out.push(a.as_ref());
            at = &a.source;
        }
        out
    }
}

/// The most role hops a chain may have. Real chains have a few (each hop's session lasts at most
/// an hour); the bound keeps a runaway config (10,000 hops) from exhausting the stack.
pub const MAX_CHAIN: usize = 32;

/// What a profile's credentials come from, for a profile asked for by name (botocore's provider
/// order: assume-role → web identity → SSO → static keys).
pub fn resolve(cfg: &AwsConfig, profile: &str) -> Result<Identity, ConfigError> {
    let section = section(cfg, profile)?;
    let mut visited = vec![profile.to_string()];
    if has_role(&section) {
        return assume_role(cfg, profile, &section, &mut visited);
    }
    if section.contains_key("web_identity_token_file") {
        return Err(ConfigError::Unsupported {
            profile: profile.into(),
            what: "web_identity_token_file (use `ssoexec github` in GitHub Actions)".into(),
        });
    }
    if is_sso(&section) {
        return target_for_profile(cfg, profile).map(Identity::Sso);
    }
    if has_static(&section) {
        return static_keys(profile, &section);
    }
    Err(ConfigError::NotSso {
        profile: profile.into(),
        path: cfg.config.path.clone(),
    })
}

fn section(cfg: &AwsConfig, profile: &str) -> Result<Section, ConfigError> {
    cfg.profile(profile)
        .ok_or_else(|| ConfigError::ProfileNotFound {
            profile: profile.into(),
            path: cfg.config.path.clone(),
            origin: String::new(),
            suggestion: super::error::nearest(profile, cfg.profile_names()),
        })
}

fn has_role(s: &Section) -> bool {
    s.contains_key("role_arn") && !s.contains_key("web_identity_token_file")
}

fn has_static(s: &Section) -> bool {
    s.contains_key("aws_access_key_id") || s.contains_key("aws_secret_access_key")
}

fn is_sso(s: &Section) -> bool {
    [
        "sso_account_id",
        "sso_role_name",
        "sso_session",
        "sso_start_url",
    ]
    .iter()
    .any(|k| s.contains_key(*k))
}

fn static_keys(profile: &str, s: &Section) -> Result<Identity, ConfigError> {
    let get = |k: &'static str| {
        s.get(k)
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| ConfigError::MissingKeys {
                what: format!("the profile \"{profile}\" (static keys)"),
                keys: vec![k],
            })
    };
    Ok(Identity::Static {
        profile: profile.into(),
        keys: StaticKeys {
            access_key_id: get("aws_access_key_id")?.trim().to_string(),
            secret_access_key: Secret::new(get("aws_secret_access_key")?.trim()),
            session_token: s
                .get("aws_session_token")
                .filter(|v| !v.trim().is_empty())
                .map(|v| Secret::new(v.trim())),
        },
    })
}

/// The hop `profile` names, with its source resolved recursively. `visited` holds the profiles
/// already on the chain, to name a loop.
fn assume_role(
    cfg: &AwsConfig,
    profile: &str,
    section: &Section,
    visited: &mut Vec<String>,
) -> Result<Identity, ConfigError> {
    let role_arn = section["role_arn"].trim().to_string();
    if !role_arn.starts_with("arn:") || role_arn.len() < 20 || role_arn.len() > 2048 {
        return Err(ConfigError::Invalid {
            key: "role_arn",
            value: role_arn,
            origin: format!("in the profile \"{profile}\""),
            why: "it must be a role ARN like arn:aws:iam::111122223333:role/Name".into(),
            in_file: true,
            suggestion: None,
        });
    }
    let options = options(profile, section)?;
    let source = match (
        section.get("source_profile"),
        section.get("credential_source"),
    ) {
        (Some(_), Some(_)) => {
            return Err(ConfigError::BothSources {
                profile: profile.into(),
            });
        }
        (None, None) => {
            return Err(ConfigError::NoSource {
                profile: profile.into(),
            });
        }
        (None, Some(source)) => credential_source(profile, source.trim())?,
        (Some(source), None) => {
            let source = source.trim();
            let source_section =
                cfg.profile(source)
                    .ok_or_else(|| ConfigError::SourceNotFound {
                        source_profile: source.into(),
                        profile: profile.into(),
                        path: cfg.config.path.clone(),
                    })?;
            if visited.iter().any(|v| v == source) {
                // A profile may name itself to use its own static keys (botocore allows it).
                if source != profile || !has_static(&source_section) {
                    let mut chain = visited.clone();
                    chain.push(source.into());
                    return Err(ConfigError::SourceLoop {
                        chain: chain.join(" -> "),
                    });
                }
            }
            if visited.len() > MAX_CHAIN {
                return Err(ConfigError::ChainTooLong {
                    profile: visited[0].clone(),
                    max: MAX_CHAIN,
                });
            }
            visited.push(source.into());
            source_identity(cfg, source, &source_section, visited)?
        }
    };
    Ok(Identity::AssumeRole(Box::new(AssumeRole {
        profile: profile.into(),
        role_arn,
        options,
        source,
    })))
}

/// A source profile: static keys win, then a profile without `role_arn` (SSO), then another hop
/// (botocore `_resolve_credentials_from_profile`).
fn source_identity(
    cfg: &AwsConfig,
    profile: &str,
    section: &Section,
    visited: &mut Vec<String>,
) -> Result<Identity, ConfigError> {
    if has_static(section) {
        return static_keys(profile, section);
    }
    if !has_role(section) {
        if is_sso(section) {
            return target_for_profile(cfg, profile).map(Identity::Sso);
        }
        return Err(ConfigError::SourceWithoutCredentials {
            profile: profile.into(),
        });
    }
    assume_role(cfg, profile, section, visited)
}

fn credential_source(profile: &str, source: &str) -> Result<Identity, ConfigError> {
    match source {
        "Environment" => Ok(Identity::Environment),
        "Ec2InstanceMetadata" | "EcsContainer" => Err(ConfigError::Unsupported {
            profile: profile.into(),
            what: format!("credential_source = {source}"),
        }),
        _ => Err(ConfigError::Invalid {
            key: "credential_source",
            value: source.into(),
            origin: format!("in the profile \"{profile}\""),
            why: "use Environment (Ec2InstanceMetadata and EcsContainer are not supported by ssoexec)".into(),
            in_file: true,
            suggestion: None,
        }),
    }
}

fn options(profile: &str, s: &Section) -> Result<AssumeRoleOptions, ConfigError> {
    let origin = || format!("in the profile \"{profile}\"");
    let value = |k: &str| {
        s.get(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let role_session_name = value("role_session_name");
    if let Some(n) = &role_session_name {
        let ok = (2..=64).contains(&n.len())
            && n.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b));
        if !ok {
            return Err(ConfigError::Invalid {
                key: "role_session_name",
                value: n.clone(),
                origin: origin(),
                why: "use 2-64 characters of letters, digits and _+=,.@-".into(),
                in_file: true,
                suggestion: None,
            });
        }
    }
    let duration_seconds = match value("duration_seconds") {
        None => None,
        Some(v) => Some(
            v.parse::<u32>()
                .ok()
                .filter(|d| (900..=43_200).contains(d))
                .ok_or(ConfigError::Invalid {
                    key: "duration_seconds",
                    value: v,
                    origin: origin(),
                    why: "use a whole number of seconds from 900 to 43200".into(),
                    in_file: true,
                    suggestion: None,
                })?,
        ),
    };
    Ok(AssumeRoleOptions {
        role_session_name,
        external_id: value("external_id"),
        mfa_serial: value("mfa_serial"),
        duration_seconds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::file::{FileKind, parse};
    use std::path::Path;

    fn cfg(config: &str, credentials: &str) -> AwsConfig {
        AwsConfig {
            config: parse(config, Path::new("/h/.aws/config"), FileKind::Config).unwrap(),
            credentials: parse(
                credentials,
                Path::new("/h/.aws/credentials"),
                FileKind::Credentials,
            )
            .unwrap(),
        }
    }

    const SSO: &str = "[profile sso]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = ReadOnly\n[sso-session corp]\nsso_start_url = https://d-1.awsapps.com/start\nsso_region = us-east-1\n";

    #[test]
    fn chains_of_any_depth_end_at_their_source() {
        let c = cfg(
            &format!(
                "{SSO}[profile a]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = sso\nexternal_id = xid\nduration_seconds = 900\n[profile b]\nrole_arn = arn:aws:iam::333333333333:role/B\nsource_profile = a\nrole_session_name = me\nmfa_serial = arn:aws:iam::1:mfa/me\n"
            ),
            "",
        );
        let b = resolve(&c, "b").unwrap();
        let hops = b.hops();
        assert_eq!(
            hops.iter().map(|h| h.profile.as_str()).collect::<Vec<_>>(),
            ["b", "a"]
        );
        assert_eq!(hops[0].options.role_session_name.as_deref(), Some("me"));
        assert_eq!(
            hops[0].options.mfa_serial.as_deref(),
            Some("arn:aws:iam::1:mfa/me")
        );
        assert_eq!(hops[1].options.external_id.as_deref(), Some("xid"));
        assert_eq!(hops[1].options.duration_seconds, Some(900));
        assert_eq!(b.sso_root().unwrap().role_name, "ReadOnly");
        assert_eq!(b.describe(), "arn:aws:iam::333333333333:role/B");
    }

    #[test]
    fn static_keys_and_environment_are_sources() {
        let c = cfg(
            "[profile k]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = base\n[profile e]\nrole_arn = arn:aws:iam::222222222222:role/A\ncredential_source = Environment\n[profile self]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = self\n",
            "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s3cret\n[self]\naws_access_key_id = AKIDSELF\naws_secret_access_key = s\n",
        );
        let k = resolve(&c, "k").unwrap();
        let Identity::Static { keys, .. } = &k.hops()[0].source else {
            panic!("{k:?}")
        };
        assert_eq!(keys.access_key_id, "AKIDBASE");
        assert!(!format!("{k:?}").contains("s3cret"));
        assert_eq!(
            resolve(&c, "e").unwrap().hops()[0].source,
            Identity::Environment
        );
        // A profile may name itself to use its own keys.
        assert!(matches!(
            &resolve(&c, "self").unwrap().hops()[0].source,
            Identity::Static { profile, .. } if profile == "self"
        ));
    }

    #[test]
    fn a_runaway_chain_is_refused_not_a_stack_overflow() {
        let chain = |hops: usize| {
            let mut text =
                String::from("[profile p0]\naws_access_key_id = A\naws_secret_access_key = S\n");
            for i in 1..=hops {
                text.push_str(&format!(
                    "[profile p{i}]\nrole_arn = arn:aws:iam::222222222222:role/R{i}\nsource_profile = p{}\n",
                    i - 1
                ));
            }
            cfg(&text, "")
        };
        let ok = resolve(&chain(MAX_CHAIN), &format!("p{MAX_CHAIN}")).unwrap();
        assert_eq!(ok.hops().len(), MAX_CHAIN);
        let err = resolve(&chain(10_000), "p10000").unwrap_err();
        assert_eq!(
            err.to_string(),
            "the source_profile chain of the profile \"p10000\" has more than 32 role hops"
        );
        assert!(resolve(&chain(MAX_CHAIN + 1), &format!("p{}", MAX_CHAIN + 1)).is_err());
    }

    #[test]
    fn configuration_faults_are_named() {
        let c = cfg(
            "[profile a]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = b\n[profile b]\nrole_arn = arn:aws:iam::222222222222:role/B\nsource_profile = c\n[profile c]\nrole_arn = arn:aws:iam::222222222222:role/C\nsource_profile = a\n[profile both]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = a\ncredential_source = Environment\n[profile none]\nrole_arn = arn:aws:iam::222222222222:role/A\n[profile imds]\nrole_arn = arn:aws:iam::222222222222:role/A\ncredential_source = Ec2InstanceMetadata\n[profile missing]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = nope\n[profile empty]\nregion = x\n[profile fromempty]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = empty\n[profile dur]\nrole_arn = arn:aws:iam::222222222222:role/A\ncredential_source = Environment\nduration_seconds = lots\n",
            "",
        );
        let msg = |p| resolve(&c, p).unwrap_err().to_string();
        assert_eq!(msg("a"), "source_profile loop: a -> b -> c -> a");
        assert_eq!(
            msg("both"),
            "the profile \"both\" contains both source_profile and credential_source"
        );
        assert_eq!(
            msg("none"),
            "the profile \"none\" has role_arn but neither source_profile nor credential_source"
        );
        assert_eq!(
            msg("imds"),
            "the profile \"imds\" uses credential_source = Ec2InstanceMetadata, which ssoexec does not support"
        );
        assert_eq!(
            msg("missing"),
            "the source_profile \"nope\" referenced in the profile \"missing\" does not exist in /h/.aws/config"
        );
        assert_eq!(
            msg("fromempty"),
            "the source profile \"empty\" must have credentials (SSO keys, role_arn, or aws_access_key_id and aws_secret_access_key)"
        );
        assert_eq!(
            msg("dur"),
            "duration_seconds = \"lots\" in the profile \"dur\" is not valid: use a whole number of seconds from 900 to 43200"
        );
    }
}
