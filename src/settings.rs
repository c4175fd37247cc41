//! Settings: flags > SSOEXEC_* env > AWS_* env > profile > default, each value remembering where
//! it came from. Pure: takes the parsed CLI, an `Env` and the parsed config; does no I/O.
use crate::cli::{Cli, FlowArg};
use crate::config::profile::{self, SsoSession, SsoTarget};
use crate::config::{AwsConfig, ConfigError, Identity, identity};
use crate::support::env::{self, Env};
use std::fmt;
use std::path::PathBuf;

/// Where a setting came from, for error messages ("region `x` from AWS_REGION is not valid").
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Flag(&'static str),
    Env(&'static str),
    Profile(String),
    Default,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag(n) => write!(f, "from {n}"),
            Source::Env(n) => write!(f, "from {n}"),
            Source::Profile(p) => write!(f, "from profile {p}"),
            Source::Default => f.write_str("by default"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sourced<T> {
    pub value: T,
    pub source: Source,
}

impl<T> Sourced<T> {
    fn new(value: T, source: Source) -> Self {
        Sourced { value, source }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    DeviceCode,
    Pkce,
}

/// How a login may happen.
#[derive(Clone, Debug)]
pub struct LoginPolicy {
    /// An explicit flow choice, or `None` to pick from the environment.
    pub flow: Option<Sourced<Flow>>,
    pub no_browser: bool,
    pub browser_command: Option<String>,
    /// Background callers may log in (`--login-if-needed`, env, or profile `ssoexec_login_if_needed`).
    pub login_if_needed: bool,
    /// Upper bound on waiting for approval (`SSOEXEC_LOGIN_TIMEOUT`).
    pub timeout: Option<std::time::Duration>,
}

/// Files and directories ssoexec reads and writes.
#[derive(Clone, Debug)]
pub struct Paths {
    pub home: PathBuf,
    /// `~/.aws/sso/cache`: tokens and client registrations, shared with the AWS CLI.
    pub sso_cache: PathBuf,
    /// `~/.aws/cli/cache`: role credentials, shared with the AWS CLI.
    pub cli_cache: PathBuf,
    /// ssoexec's own 0700 directory: locks, markers, EKS tokens.
    pub own: PathBuf,
}

/// Which identity a command acts for.
#[derive(Clone, Debug)]
pub enum Selection {
    /// A profile in ~/.aws/config, with optional account/role overrides from flags.
    Profile {
        name: Sourced<String>,
        account_id: Option<String>,
        role_name: Option<String>,
    },
    /// `--sso-session NAME`.
    Session(String),
    /// `--start-url --sso-region [--account-id --role-name]`, no config needed.
    Flags {
        start_url: String,
        sso_region: String,
        account_id: Option<String>,
        role_name: Option<String>,
    },
}

pub struct Settings {
    pub selection: Selection,
    pub region: Option<Sourced<String>>,
    pub login: LoginPolicy,
    pub paths: Paths,
    pub debug: bool,
    pub config: AwsConfig,
    /// Extra trust roots for HTTPS: `AWS_CA_BUNDLE`, else the profile's `ca_bundle`.
    pub ca_bundle: Option<PathBuf>,
    /// Said once on stderr before the command runs (e.g. a region newer than the known list).
    pub warnings: Vec<String>,
}

impl Settings {
    pub fn resolve(
        cli: &Cli,
        env: &Env,
        config: AwsConfig,
        home: PathBuf,
    ) -> Result<Settings, ConfigError> {
        let t = &cli.target;
        let mut warnings = Vec::new();
        let selection = if let Some(url) = &t.start_url {
            let region = t
                .sso_region
                .clone()
                .ok_or_else(|| ConfigError::MissingKeys {
                    what: "--start-url".into(),
                    keys: vec!["--sso-region"],
                })?;
            profile::validate_start_url("sso_start_url", url, "from --start-url", false)?;
            warnings.extend(profile::validate_region(
                "sso_region",
                &region,
                "from --sso-region",
                false,
            )?);
            Selection::Flags {
                start_url: url.clone(),
                sso_region: region,
                account_id: t.account_id.clone(),
                role_name: t.role_name.clone(),
            }
        } else if let (Some(session), None) = (&t.sso_session, &t.profile) {
            Selection::Session(session.clone())
        } else {
            let name = if let Some(p) = &t.profile {
                Sourced::new(p.clone(), Source::Flag("--profile"))
            } else if let Some(p) = env.get(env::AWS_PROFILE) {
                Sourced::new(p.to_string(), Source::Env(env::AWS_PROFILE))
            } else if let Some(p) = env.get(env::AWS_DEFAULT_PROFILE) {
                Sourced::new(p.to_string(), Source::Env(env::AWS_DEFAULT_PROFILE))
            } else {
                Sourced::new("default".to_string(), Source::Default)
            };
            Selection::Profile {
                name,
                account_id: t.account_id.clone(),
                role_name: t.role_name.clone(),
            }
        };

        let profile_section = match &selection {
            Selection::Profile { name, .. } => config.profile(&name.value),
            _ => None,
        };
        let profile_value = |key: &str| profile_section.as_ref().and_then(|s| s.get(key)).cloned();
        let profile_source = || match &selection {
            Selection::Profile { name, .. } => Source::Profile(name.value.clone()),
            _ => Source::Default,
        };

        let region = if let Some(r) = &t.region {
            Some(Sourced::new(r.clone(), Source::Flag("--region")))
        } else if let Some(r) = env.get(env::AWS_REGION) {
            Some(Sourced::new(r.to_string(), Source::Env(env::AWS_REGION)))
        } else if let Some(r) = env.get(env::AWS_DEFAULT_REGION) {
            Some(Sourced::new(
                r.to_string(),
                Source::Env(env::AWS_DEFAULT_REGION),
            ))
        } else {
            profile_value("region").map(|r| Sourced::new(r, profile_source()))
        };
        if let Some(r) = &region {
            let in_file = matches!(r.source, Source::Profile(_));
            let origin = match &r.source {
                Source::Profile(p) => {
                    format!("in the profile \"{p}\" of {}", config.config.path.display())
                }
                other => other.to_string(),
            };
            warnings.extend(profile::validate_region(
                "region", &r.value, &origin, in_file,
            )?);
        }

        let flow = match (cli.login.flow, cli.login.device_code, cli.login.pkce) {
            (Some(f), _, _) => Some(Sourced::new(flow_of(f), Source::Flag("--flow"))),
            (None, true, _) => Some(Sourced::new(
                Flow::DeviceCode,
                Source::Flag("--device-code"),
            )),
            (None, _, true) => Some(Sourced::new(Flow::Pkce, Source::Flag("--pkce"))),
            _ => match env.get(env::SSOEXEC_LOGIN_FLOW) {
                Some(v) => Some(Sourced::new(
                    parse_flow(v, format!("from {}", env::SSOEXEC_LOGIN_FLOW), false)?,
                    Source::Env(env::SSOEXEC_LOGIN_FLOW),
                )),
                None => match profile_value("ssoexec_login_flow")
                    .or_else(|| session_value(&config, &profile_section, "ssoexec_login_flow"))
                {
                    Some(v) => Some(Sourced::new(
                        parse_flow(
                            &v,
                            format!("in ssoexec_login_flow of {}", config.config.path.display()),
                            true,
                        )?,
                        profile_source(),
                    )),
                    None => None,
                },
            },
        };
        let login = LoginPolicy {
            flow,
            no_browser: cli.login.no_browser || env.flag(env::SSOEXEC_NO_BROWSER),
            browser_command: cli.login.browser_command.clone(),
            login_if_needed: cli.login.login_if_needed
                || env.flag(env::SSOEXEC_LOGIN_IF_NEEDED)
                || profile_value("ssoexec_login_if_needed").is_some_and(|v| env::is_truthy(&v)),
            timeout: match env.get(env::SSOEXEC_LOGIN_TIMEOUT) {
                None => None,
                Some(v) => match v.trim().parse::<u64>() {
                    Ok(secs) if secs > 0 => Some(std::time::Duration::from_secs(secs)),
                    _ => {
                        return Err(ConfigError::Invalid {
                            key: "login timeout",
                            value: v.into(),
                            origin: format!("from {}", env::SSOEXEC_LOGIN_TIMEOUT),
                            why: "use a whole number of seconds".into(),
                            in_file: false,
                            suggestion: None,
                        });
                    }
                },
            },
        };

        let own = match env.get(env::XDG_CACHE_HOME) {
            Some(x) => PathBuf::from(x).join("ssoexec"),
            None => home.join(".cache").join("ssoexec"),
        };
        let paths = Paths {
            sso_cache: home.join(".aws").join("sso").join("cache"),
            cli_cache: home.join(".aws").join("cli").join("cache"),
            own,
            home: home.clone(),
        };
        let ca_bundle = env
            .get(env::AWS_CA_BUNDLE)
            .map(PathBuf::from)
            .or_else(|| profile_value("ca_bundle").map(|p| crate::config::expand_home(&p, &home)));
        Ok(Settings {
            selection,
            region,
            login,
            paths,
            debug: cli.debug,
            config,
            ca_bundle,
            warnings,
        })
    }

    /// The profile name when a profile was selected.
    pub fn profile_name(&self) -> Option<&str> {
        match &self.selection {
            Selection::Profile { name, .. } => Some(&name.value),
            _ => None,
        }
    }

    /// The session to sign in to. For a chained profile (`role_arn`), the session of the SSO
    /// role at the root of its chain.
    pub fn session(&self) -> Result<SsoSession, ConfigError> {
        match &self.selection {
            Selection::Profile { name, .. } => {
                let chained = self
                    .config
                    .profile(&name.value)
                    .is_some_and(|s| s.contains_key("role_arn"));
                if chained {
                    let id = identity::resolve(&self.config, &name.value)?;
                    if let Some(t) = id.sso_root() {
                        return Ok(t.session.clone());
                    }
                }
                profile::session_for_profile(&self.config, &name.value)
                    .map_err(|e| name_origin(e, name))
            }
            Selection::Session(s) => profile::session_named(&self.config, s),
            Selection::Flags {
                start_url,
                sso_region,
                ..
            } => Ok(SsoSession {
                name: None,
                start_url: start_url.clone(),
                region: sso_region.clone(),
                scopes: None,
            }),
        }
    }

    /// What the credentials come from: an SSO role, static keys, the environment, or a chain of
    /// roles (`role_arn` + `source_profile`). `--account-id`/`--role-name` select an SSO role.
    pub fn identity(&self) -> Result<Identity, ConfigError> {
        match &self.selection {
            Selection::Profile {
                name,
                account_id: None,
                role_name: None,
            } => identity::resolve(&self.config, &name.value).map_err(|e| name_origin(e, name)),
            _ => self.target().map(Identity::Sso),
        }
    }

    /// Session, account and role to get credentials for.
    pub fn target(&self) -> Result<SsoTarget, ConfigError> {
        match &self.selection {
            Selection::Profile {
                name,
                account_id,
                role_name,
            } => {
                if let (Some(a), Some(r)) = (account_id, role_name) {
                    let session = profile::session_for_profile(&self.config, &name.value)
                        .map_err(|e| name_origin(e, name))?;
                    return Ok(SsoTarget {
                        session,
                        account_id: a.clone(),
                        role_name: r.clone(),
                    });
                }
                let mut t = profile::target_for_profile(&self.config, &name.value)
                    .map_err(|e| name_origin(e, name))?;
                if let Some(a) = account_id {
                    t.account_id = a.clone();
                }
                if let Some(r) = role_name {
                    t.role_name = r.clone();
                }
                Ok(t)
            }
            Selection::Session(s) => Err(ConfigError::MissingKeys {
                what: format!("--sso-session {s}"),
                keys: vec!["--account-id", "--role-name"],
            }),
            Selection::Flags {
                account_id,
                role_name,
                ..
            } => {
                let mut missing = Vec::new();
                if account_id.is_none() {
                    missing.push("--account-id");
                }
                if role_name.is_none() {
                    missing.push("--role-name");
                }
                if !missing.is_empty() {
                    return Err(ConfigError::MissingKeys {
                        what: "--start-url".into(),
                        keys: missing,
                    });
                }
                Ok(SsoTarget {
                    session: self.session()?,
                    account_id: account_id.clone().unwrap_or_default(),
                    role_name: role_name.clone().unwrap_or_default(),
                })
            }
        }
    }

    /// The command a person runs to sign in for this selection.
    pub fn login_command(&self) -> String {
        match &self.selection {
            Selection::Profile { name, .. } if name.source == Source::Default => {
                "ssoexec login".into()
            }
            Selection::Profile { name, .. } => {
                format!(
                    "ssoexec login --profile {}",
                    crate::support::shell::word(&name.value)
                )
            }
            Selection::Session(s) => format!(
                "ssoexec login --sso-session {}",
                crate::support::shell::word(s)
            ),
            Selection::Flags {
                start_url,
                sso_region,
                ..
            } => format!(
                "ssoexec login --start-url {} --sso-region {sso_region}",
                crate::support::shell::word(start_url)
            ),
        }
    }

    /// A profile was named (flag or env), not just the `default` fallback.
    pub fn profile_chosen(&self) -> bool {
        matches!(&self.selection, Selection::Profile { name, .. } if name.source != Source::Default)
    }

    /// `--account-id`, when given.
    pub fn account_override(&self) -> Option<String> {
        match &self.selection {
            Selection::Profile { account_id, .. } | Selection::Flags { account_id, .. } => {
                account_id.clone()
            }
            Selection::Session(_) => None,
        }
    }

    /// A profile value (for ssoexec's own keys), if a profile was selected.
    pub fn profile_value(&self, key: &str) -> Option<String> {
        self.profile_name()
            .and_then(|p| self.config.profile(p))
            .and_then(|s| s.get(key).cloned())
    }

    /// Flags that make another `ssoexec` resolve the same identity and login policy (the
    /// `exec --renew` helper). `may_log_in` adds `--login-if-needed`: the parent could sign in.
    pub fn identity_args(&self, may_log_in: bool) -> Vec<String> {
        let mut a = Vec::new();
        let mut push = |k: &str, v: &str| {
            a.push(k.to_string());
            a.push(v.to_string());
        };
        let (account_id, role_name) = match &self.selection {
            Selection::Profile {
                name,
                account_id,
                role_name,
            } => {
                push("--profile", &name.value);
                (account_id, role_name)
            }
            Selection::Flags {
                start_url,
                sso_region,
                account_id,
                role_name,
            } => {
                push("--start-url", start_url);
                push("--sso-region", sso_region);
                (account_id, role_name)
            }
            Selection::Session(name) => {
                push("--sso-session", name);
                (&None, &None)
            }
        };
        if let Some(x) = account_id {
            push("--account-id", x);
        }
        if let Some(x) = role_name {
            push("--role-name", x);
        }
        if let Some(r) = &self.region {
            push("--region", &r.value);
        }
        if let Some(f) = &self.login.flow {
            let flow = match f.value {
                Flow::DeviceCode => "device-code",
                Flow::Pkce => "pkce",
            };
            push("--flow", flow);
        }
        if let Some(c) = &self.login.browser_command {
            push("--browser-command", c);
        }
        if self.login.login_if_needed || may_log_in {
            a.push("--login-if-needed".into());
        }
        if self.login.no_browser {
            a.push("--no-browser".into());
        }
        if self.debug {
            a.push("--debug".into());
        }
        a
    }

    /// The profile's `services` section name, if any.
    pub fn services_section(&self) -> Option<String> {
        self.profile_value("services")
    }
}

/// Says where a profile name that does not exist came from, when not from `--profile`.
fn name_origin(e: ConfigError, name: &Sourced<String>) -> ConfigError {
    match (e, &name.source) {
        (
            ConfigError::ProfileNotFound {
                profile,
                path,
                suggestion,
                ..
            },
            Source::Env(var),
        ) => ConfigError::ProfileNotFound {
            profile,
            path,
            origin: format!(" from {var}"),
            suggestion,
        },
        (e, _) => e,
    }
}

fn session_value(
    config: &AwsConfig,
    profile: &Option<crate::config::Section>,
    key: &str,
) -> Option<String> {
    let session = profile.as_ref()?.get("sso_session")?;
    config.config.sso_sessions.get(session)?.get(key).cloned()
}

fn flow_of(f: FlowArg) -> Flow {
    match f {
        FlowArg::DeviceCode => Flow::DeviceCode,
        FlowArg::Pkce => Flow::Pkce,
    }
}

fn parse_flow(v: &str, origin: String, in_file: bool) -> Result<Flow, ConfigError> {
    match v.trim().to_ascii_lowercase().as_str() {
        "device-code" | "device_code" | "device" => Ok(Flow::DeviceCode),
        "pkce" | "authorization-code" | "auth-code" => Ok(Flow::Pkce),
        _ => Err(ConfigError::Invalid {
            key: "login flow",
            value: v.into(),
            origin,
            why: "use device-code or pkce".into(),
            in_file,
            suggestion: None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    fn settings(args: &[&str]) -> Settings {
        let argv: Vec<OsString> = std::iter::once("ssoexec")
            .chain(args.iter().copied())
            .map(OsString::from)
            .collect();
        let cli = crate::cli::parse_from(argv).unwrap_or_else(|e| panic!("{args:?}: {e:?}"));
        Settings::resolve(&cli, &Env::default(), AwsConfig::empty(), "/home/u".into()).unwrap()
    }

    /// The `exec --renew` helper is started with `identity_args`: it must resolve the same
    /// identity and the same login policy, `--flow` and `--browser-command` included.
    #[test]
    fn identity_args_reproduce_the_identity_and_the_login_policy() {
        let original = settings(&[
            "--start-url",
            "https://d-1234567890.awsapps.com/start",
            "--sso-region",
            "us-east-1",
            "--account-id",
            "111111111111",
            "--role-name",
            "ReadOnly",
            "--region",
            "eu-west-1",
            "--flow",
            "pkce",
            "--browser-command",
            "firefox --new-window %s",
            "--no-browser",
            "--",
            "true",
        ]);
        let args = original.identity_args(false);
        for flag in [
            "--flow",
            "pkce",
            "--browser-command",
            "firefox --new-window %s",
        ] {
            assert!(
                args.iter().any(|a| a == flag),
                "{flag} missing from {args:?}"
            );
        }
        let mut again: Vec<&str> = args.iter().map(String::as_str).collect();
        again.extend(["--", "true"]);
        let copy = settings(&again);
        assert_eq!(copy.identity_args(false), args);
        assert_eq!(copy.target().unwrap(), original.target().unwrap());
        assert_eq!(copy.region, original.region);
        assert_eq!(
            copy.login.flow.as_ref().map(|f| f.value),
            original.login.flow.as_ref().map(|f| f.value)
        );
        assert_eq!(copy.login.browser_command, original.login.browser_command);
        assert_eq!(copy.login.no_browser, original.login.no_browser);
        // A caller that may sign in passes that on.
        assert!(
            original
                .identity_args(true)
                .contains(&"--login-if-needed".to_string())
        );
    }
}
