//! Errors about the user's AWS configuration. Each names the file, profile or key at fault.
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("unable to parse config file {}: {error}", path.display())]
    Parse {
        path: PathBuf,
        error: super::ini::SyntaxError,
    },
    /// `origin` is empty for `--profile`, else ` from AWS_PROFILE` (or the variable it came from).
    #[error("the config profile ({profile}){origin} could not be found in {}", path.display())]
    ProfileNotFound {
        profile: String,
        path: PathBuf,
        origin: String,
        /// The nearest existing profile name.
        suggestion: Option<String>,
    },
    #[error("the profile \"{profile}\" is not an SSO profile (no sso_account_id, sso_role_name or sso_session in {})", path.display())]
    NotSso { profile: String, path: PathBuf },
    #[error("the specified sso-session does not exist: \"{session}\" (referenced by profile \"{profile}\" in {})", path.display())]
    SessionNotFound {
        profile: String,
        session: String,
        path: PathBuf,
    },
    #[error("the sso-session \"{session}\" does not exist in {}", path.display())]
    UnknownSession {
        session: String,
        path: PathBuf,
        suggestion: Option<String>,
    },
    #[error("the value for {key} is inconsistent between profile ({profile_value}) and sso-session ({session_value}) in {}", path.display())]
    Inconsistent {
        key: String,
        profile_value: String,
        session_value: String,
        path: PathBuf,
    },
    #[error("{what} is configured to use SSO but is missing required configuration: {}", keys.join(", "))]
    MissingKeys {
        what: String,
        keys: Vec<&'static str>,
    },
    /// `origin` is a whole phrase: `in the profile "dev"`, `from AWS_REGION`, `from --region`.
    #[error("{key} = {value:?} {origin} is not valid: {why}")]
    Invalid {
        key: &'static str,
        value: String,
        origin: String,
        why: String,
        /// The value came from a config file (else a flag, a variable or an input).
        in_file: bool,
        /// A valid value close to the bad one.
        suggestion: Option<String>,
    },
    #[error("profile \"{profile}\" uses services = {services}, but the [services {services}] section does not exist in {}", path.display())]
    ServicesNotFound {
        profile: String,
        services: String,
        path: PathBuf,
    },
    #[error("the profile \"{profile}\" contains both source_profile and credential_source")]
    BothSources { profile: String },
    #[error(
        "the profile \"{profile}\" has role_arn but neither source_profile nor credential_source"
    )]
    NoSource { profile: String },
    #[error("the source_profile \"{source_profile}\" referenced in the profile \"{profile}\" does not exist in {}", path.display())]
    SourceNotFound {
        source_profile: String,
        profile: String,
        path: PathBuf,
    },
    /// The `source_profile` chain comes back to a profile already on it: `a -> b -> a`.
    #[error("source_profile loop: {chain}")]
    SourceLoop { chain: String },
    /// More hops than [`crate::config::identity::MAX_CHAIN`]: a runaway config, not a real chain.
    #[error("the source_profile chain of the profile \"{profile}\" has more than {max} role hops")]
    ChainTooLong { profile: String, max: usize },
    #[error(
        "the source profile \"{profile}\" must have credentials (SSO keys, role_arn, or aws_access_key_id and aws_secret_access_key)"
    )]
    SourceWithoutCredentials { profile: String },
    #[error("the profile \"{profile}\" uses {what}, which ssoexec does not support")]
    Unsupported { profile: String, what: String },
    /// No profile was named and the config files hold none: a first run.
    #[error("no profile is configured: no profile was named and {} has none", path.display())]
    NothingConfigured { path: PathBuf },
    /// `--sso-session` or `--start-url` without the role flags that role credentials need;
    /// `what` is the selection as flags (`--sso-session corp`).
    #[error("{what} gets role credentials only with {}", flags.join(" and "))]
    MissingFlags {
        what: String,
        flags: Vec<&'static str>,
    },
}

impl ConfigError {
    /// What to do about it, for the report's `hint:` line.
    pub fn hint(&self) -> Option<String> {
        let did_you_mean = |s: &Option<String>| {
            s.as_ref()
                .map(|s| format!("did you mean `{s}`? "))
                .unwrap_or_default()
        };
        Some(match self {
            ConfigError::ProfileNotFound {
                suggestion, origin, ..
            } => match origin.strip_prefix(" from ") {
                Some(var) => format!(
                    "{}fix {var}, or pass --profile NAME; list profiles with `ssoexec status`",
                    did_you_mean(suggestion)
                ),
                None => format!(
                    "{}list profiles with `ssoexec status`, or pass --profile NAME",
                    did_you_mean(suggestion)
                ),
            },
            ConfigError::UnknownSession { suggestion, .. } => format!(
                "{}an [sso-session NAME] section names a session; `ssoexec configure` can write one",
                did_you_mean(suggestion)
            ),
            ConfigError::NothingConfigured { .. } => {
                "run `ssoexec configure` to sign in and write a profile".into()
            }
            ConfigError::MissingFlags { what, .. } => format!(
                "pass --account-id ID --role-name NAME; `ssoexec roles {what}` lists the ones you can use"
            ),
            ConfigError::MissingKeys { .. } => {
                "an SSO profile needs sso_session (or sso_start_url and sso_region), sso_account_id and sso_role_name; `ssoexec configure` can write one".into()
            }
            ConfigError::NotSso { .. } => {
                "give the profile SSO keys (sso_session or sso_start_url and sso_region, sso_account_id, sso_role_name), or role_arn with source_profile; `ssoexec configure` can write one".into()
            }
            ConfigError::SourceLoop { .. } => {
                "make one profile of the loop get its credentials elsewhere (SSO keys, static keys, or credential_source)".into()
            }
            ConfigError::ChainTooLong { .. } => {
                "point a profile near the start of the chain at SSO keys, static keys or credential_source".into()
            }
            ConfigError::BothSources { .. } | ConfigError::NoSource { .. } => {
                "a profile with role_arn needs exactly one of source_profile and credential_source".into()
            }
            ConfigError::SourceNotFound { .. } | ConfigError::SourceWithoutCredentials { .. } => {
                "point source_profile at a profile with SSO keys, static keys or its own role_arn".into()
            }
            ConfigError::Unsupported { .. } => {
                "use source_profile (an SSO profile or static keys) or credential_source = Environment".into()
            }
            ConfigError::Invalid {
                in_file: false,
                suggestion,
                origin,
                ..
            } => format!(
                "{}fix {}",
                did_you_mean(suggestion),
                origin.strip_prefix("from ").unwrap_or(origin)
            ),
            ConfigError::Invalid {
                in_file: true,
                suggestion,
                ..
            } => format!(
                "{}fix the file named above; `ssoexec configure` can write a valid profile",
                did_you_mean(suggestion)
            ),
            _ => "fix the file named above; `ssoexec configure` can write a valid profile".into(),
        })
    }
}

/// The name in `names` nearest to `name` (a typo: at most a third of its letters, and two, off).
pub fn nearest<'a>(name: &str, names: impl IntoIterator<Item = &'a String>) -> Option<String> {
    let limit = 2.min(name.chars().count().div_ceil(3)).max(1);
    names
        .into_iter()
        .map(|n| (strsim::damerau_levenshtein(name, n), n))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, n)| n.clone())
}
