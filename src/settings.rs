//! Settings: flags > SSOEXEC_* env > AWS_* env > profile > default, each value remembering where
//! it came from. Pure: takes the parsed CLI, an `Env` and the parsed config; does no I/O.
use crate::cli::{Cli, FlowArg, TargetArgs};
use crate::config::profile::{self, SsoSession, SsoTarget};
use crate::config::{AwsConfig, ConfigError, Identity, identity};
use crate::support::env::{self, Env};
use std::fmt;
use std::path::PathBuf;

/// Where a setting came from, for error messages ("region `x` from AWS_REGION is not valid").
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Flag(&'static str),
    /// The PROFILE word after the subcommand (`ssoexec login dev`).
    Argument,
    Env(&'static str),
    Profile(String),
    Default,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag(n) => write!(f, "from {n}"),
            Source::Argument => f.write_str("from the PROFILE argument"),
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
    /// `--sso-session NAME`, with `--account-id` and `--role-name` for role credentials.
    Session {
        name: String,
        account_id: Option<String>,
        role_name: Option<String>,
    },
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

/// The selected profile's section (if a profile was selected and exists), then the sections of
/// the profiles it is a `-cp` twin of ([`twin_of`]), for the settings a profile can hold: the
/// first that has a key gives it.
struct ProfileView<'a> {
    config: &'a AwsConfig,
    chain: Vec<(String, crate::config::Section)>,
}

impl<'a> ProfileView<'a> {
    fn new(config: &'a AwsConfig, name: Option<&str>) -> ProfileView<'a> {
        let chain = name
            .map(|n| twin_chain(config, n))
            .unwrap_or_default()
            .into_iter()
            .filter_map(|n| config.profile(&n).map(|s| (n, s)))
            .collect();
        ProfileView { config, chain }
    }

    fn value(&self, key: &str) -> Option<String> {
        self.sourced(key).map(|v| v.value)
    }

    /// A key and the profile that holds it.
    fn sourced(&self, key: &str) -> Option<Sourced<String>> {
        self.chain.iter().find_map(|(name, section)| {
            let v = section.get(key)?;
            Some(Sourced::new(v.clone(), Source::Profile(name.clone())))
        })
    }

    /// A key of the profile, else of its sso-session.
    fn sourced_or_session(&self, key: &str) -> Option<Sourced<String>> {
        self.sourced(key).or_else(|| {
            self.chain.iter().find_map(|(name, section)| {
                let v = session_value(self.config, section, key)?;
                Some(Sourced::new(v, Source::Profile(name.clone())))
            })
        })
    }
}

impl Settings {
    /// Flags, environment and config → settings. The order for each value is documented in
    /// `docs/settings.md` and tested row by row in this file's `precedence` table.
    pub fn resolve(
        cli: &Cli,
        env: &Env,
        config: AwsConfig,
        home: PathBuf,
    ) -> Result<Settings, ConfigError> {
        let mut warnings = Vec::new();
        let selection = selection(&cli.target, env, &config, &mut warnings)?;
        let name = match &selection {
            Selection::Profile { name, .. } => Some(name.value.as_str()),
            _ => None,
        };
        let view = ProfileView::new(&config, name);
        let region = region(cli.target.region.as_deref(), env, &view, &mut warnings)?;
        check_sso_region(&config, &selection, &view, &mut warnings)?;
        let login = login_policy(cli, env, &view)?;
        let ca_bundle = env.get(env::AWS_CA_BUNDLE).map(PathBuf::from).or_else(|| {
            view.value("ca_bundle")
                .map(|p| crate::config::expand_home(&p, &home))
        });
        Ok(Settings {
            selection,
            region,
            login,
            paths: Paths::under(env, home),
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
                let name = &self.follow_twin(name);
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
                    .map_err(|e| name_origin(e, name, &self.config))
            }
            Selection::Session { name, .. } => profile::session_named(&self.config, name),
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
            } => {
                let name = &self.follow_twin(name);
                identity::resolve(&self.config, &name.value)
                    .map_err(|e| name_origin(e, name, &self.config))
            }
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
                let name = &self.follow_twin(name);
                if let (Some(a), Some(r)) = (account_id, role_name) {
                    let session = profile::session_for_profile(&self.config, &name.value)
                        .map_err(|e| name_origin(e, name, &self.config))?;
                    return Ok(SsoTarget {
                        session,
                        account_id: a.clone(),
                        role_name: r.clone(),
                    });
                }
                let mut t = profile::target_for_profile(&self.config, &name.value)
                    .map_err(|e| name_origin(e, name, &self.config))?;
                if let Some(a) = account_id {
                    t.account_id = a.clone();
                }
                if let Some(r) = role_name {
                    t.role_name = r.clone();
                }
                Ok(t)
            }
            Selection::Session {
                name,
                account_id,
                role_name,
            } => match (account_id, role_name) {
                (Some(a), Some(r)) => Ok(SsoTarget {
                    session: profile::session_named(&self.config, name)?,
                    account_id: a.clone(),
                    role_name: r.clone(),
                }),
                _ => Err(ConfigError::MissingFlags {
                    what: format!("--sso-session {}", crate::support::shell::word(name)),
                    flags: missing_role_flags(account_id, role_name),
                }),
            },
            Selection::Flags {
                start_url,
                sso_region,
                account_id,
                role_name,
            } => {
                let missing = missing_role_flags(account_id, role_name);
                if !missing.is_empty() {
                    return Err(ConfigError::MissingFlags {
                        what: format!(
                            "--start-url {} --sso-region {}",
                            crate::support::shell::word(start_url),
                            crate::support::shell::word(sso_region)
                        ),
                        flags: missing,
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

    /// The profile a `-cp` twin stands for: a profile whose only source of credentials is
    /// `credential_process = ssoexec credential-process --profile X` is X (followed a few hops).
    fn follow_twin(&self, name: &Sourced<String>) -> Sourced<String> {
        let chain = twin_chain(&self.config, &name.value);
        Sourced::new(
            chain.last().cloned().unwrap_or_else(|| name.value.clone()),
            name.source.clone(),
        )
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
            Selection::Session { name, .. } => format!(
                "ssoexec login --sso-session {}",
                crate::support::shell::word(name)
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
            Selection::Profile { account_id, .. }
            | Selection::Flags { account_id, .. }
            | Selection::Session { account_id, .. } => account_id.clone(),
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
            Selection::Session {
                name,
                account_id,
                role_name,
            } => {
                push("--sso-session", name);
                (account_id, role_name)
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

impl Paths {
    /// The AWS CLI caches under `home`, and ssoexec's own directory (`$XDG_CACHE_HOME/ssoexec`).
    fn under(env: &Env, home: PathBuf) -> Paths {
        let own = match env.get(env::XDG_CACHE_HOME) {
            Some(x) => PathBuf::from(x).join("ssoexec"),
            None => home.join(".cache").join("ssoexec"),
        };
        Paths {
            sso_cache: home.join(".aws").join("sso").join("cache"),
            cli_cache: home.join(".aws").join("cli").join("cache"),
            own,
            home,
        }
    }
}

/// Which identity: `--start-url` (config-less), else `--sso-session` without a profile named on
/// the command line, else a profile ([`profile_name`]).
fn selection(
    t: &TargetArgs,
    env: &Env,
    config: &AwsConfig,
    warnings: &mut Vec<String>,
) -> Result<Selection, ConfigError> {
    if let Some(url) = &t.start_url {
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
        return Ok(Selection::Flags {
            start_url: url.clone(),
            sso_region: region,
            account_id: t.account_id.clone(),
            role_name: t.role_name.clone(),
        });
    }
    if let (Some(session), None, None) = (&t.sso_session, &t.profile, &t.positional_profile) {
        return Ok(Selection::Session {
            name: session.clone(),
            account_id: t.account_id.clone(),
            role_name: t.role_name.clone(),
        });
    }
    Ok(Selection::Profile {
        name: profile_name(t, env, config),
        account_id: t.account_id.clone(),
        role_name: t.role_name.clone(),
    })
}

/// The profile, in this order: `--profile`, the PROFILE word after the subcommand,
/// `SSOEXEC_PROFILE` (set inside `ssoexec --profile P` and by `ssx P`; only when it names a
/// profile of the config: after a config-less run it describes an identity instead),
/// `AWS_PROFILE`, `AWS_DEFAULT_PROFILE`, then `default`.
fn profile_name(t: &TargetArgs, env: &Env, config: &AwsConfig) -> Sourced<String> {
    if let Some(p) = &t.profile {
        return Sourced::new(p.clone(), Source::Flag("--profile"));
    }
    if let Some(p) = &t.positional_profile {
        return Sourced::new(p.clone(), Source::Argument);
    }
    if let Some(p) = env
        .get(env::SSOEXEC_PROFILE)
        .filter(|p| config.profile(p).is_some())
    {
        return Sourced::new(p.to_string(), Source::Env(env::SSOEXEC_PROFILE));
    }
    for var in [env::AWS_PROFILE, env::AWS_DEFAULT_PROFILE] {
        if let Some(p) = env.get(var) {
            return Sourced::new(p.to_string(), Source::Env(var));
        }
    }
    Sourced::new("default".to_string(), Source::Default)
}

/// `--region`, `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`; checked, with a
/// warning for a well-formed region ssoexec does not know.
fn region(
    flag: Option<&str>,
    env: &Env,
    view: &ProfileView<'_>,
    warnings: &mut Vec<String>,
) -> Result<Option<Sourced<String>>, ConfigError> {
    let region = flag
        .map(|r| Sourced::new(r.to_string(), Source::Flag("--region")))
        .or_else(|| {
            [env::AWS_REGION, env::AWS_DEFAULT_REGION]
                .into_iter()
                .find_map(|var| {
                    env.get(var)
                        .map(|r| Sourced::new(r.to_string(), Source::Env(var)))
                })
        })
        .or_else(|| view.sourced("region"));
    if let Some(r) = &region {
        let in_file = matches!(r.source, Source::Profile(_));
        let origin = match &r.source {
            Source::Profile(p) => format!(
                "in the profile \"{p}\" of {}",
                view.config.config.path.display()
            ),
            other => other.to_string(),
        };
        warnings.extend(profile::validate_region(
            "region", &r.value, &origin, in_file,
        )?);
    }
    Ok(region)
}

/// The selected profile's (or sso-session's) `sso_region`, checked as `region` is: a malformed
/// one is an error, a well-formed one ssoexec does not know a warning. (`--sso-region` is
/// checked where the config-less selection is made.) A session that cannot be read is left for
/// the command to report.
fn check_sso_region(
    config: &AwsConfig,
    selection: &Selection,
    view: &ProfileView<'_>,
    warnings: &mut Vec<String>,
) -> Result<(), ConfigError> {
    // Key lookups only: this runs on every cache hit.
    let session_region = |name: &str| {
        let region = config.config.sso_sessions.get(name)?.get("sso_region")?;
        Some((region.clone(), format!("the sso-session \"{name}\"")))
    };
    let found = match selection {
        Selection::Profile { .. } => view.sourced("sso_region").map(|r| match r.source {
            Source::Profile(p) => (r.value, format!("the profile \"{p}\"")),
            _ => (r.value, String::new()),
        }),
        Selection::Session { name, .. } => session_region(name),
        Selection::Flags { .. } => None,
    }
    .or_else(|| match selection {
        Selection::Profile { .. } => view
            .chain
            .iter()
            .find_map(|(_, section)| session_region(section.get("sso_session")?)),
        _ => None,
    });
    let Some((region, place)) = found else {
        return Ok(());
    };
    let origin = format!("in {place} of {}", config.config.path.display());
    warnings.extend(profile::validate_region(
        "sso_region",
        &region,
        &origin,
        true,
    )?);
    Ok(())
}

/// The login flow and permissions: flags, then `SSOEXEC_*` variables, then the profile's (or its
/// sso-session's) `ssoexec_*` keys.
fn login_policy(cli: &Cli, env: &Env, view: &ProfileView<'_>) -> Result<LoginPolicy, ConfigError> {
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
            None => match view.sourced_or_session("ssoexec_login_flow") {
                Some(v) => {
                    let origin = format!(
                        "in ssoexec_login_flow of {}",
                        view.config.config.path.display()
                    );
                    Some(Sourced::new(parse_flow(&v.value, origin, true)?, v.source))
                }
                None => None,
            },
        },
    };
    Ok(LoginPolicy {
        flow,
        no_browser: cli.login.no_browser || env.flag(env::SSOEXEC_NO_BROWSER),
        browser_command: cli.login.browser_command.clone(),
        login_if_needed: cli.login.login_if_needed
            || env.flag(env::SSOEXEC_LOGIN_IF_NEEDED)
            || view
                .value("ssoexec_login_if_needed")
                .is_some_and(|v| env::is_truthy(&v)),
        timeout: login_timeout(env)?,
    })
}

/// `SSOEXEC_LOGIN_TIMEOUT`: a whole, positive number of seconds.
fn login_timeout(env: &Env) -> Result<Option<std::time::Duration>, ConfigError> {
    let Some(v) = env.get(env::SSOEXEC_LOGIN_TIMEOUT) else {
        return Ok(None);
    };
    match v.trim().parse::<u64>() {
        Ok(secs) if secs > 0 => Ok(Some(std::time::Duration::from_secs(secs))),
        _ => Err(ConfigError::Invalid {
            key: "login timeout",
            value: v.into(),
            origin: format!("from {}", env::SSOEXEC_LOGIN_TIMEOUT),
            why: "use a whole number of seconds".into(),
            in_file: false,
            suggestion: None,
        }),
    }
}

/// `name`, then the profiles it is a `-cp` twin of, as long as they exist and do not loop.
fn twin_chain(config: &AwsConfig, name: &str) -> Vec<String> {
    let mut chain = vec![name.to_string()];
    while let Some(next) = config
        .profile(chain.last().map(String::as_str).unwrap_or_default())
        .and_then(|s| twin_of(&s))
    {
        if chain.contains(&next) || config.profile(&next).is_none() {
            break;
        }
        chain.push(next);
    }
    chain
}

/// The profile X of a section whose credentials come only from `ssoexec credential-process
/// --profile X` (or `-p X`, `--profile=X`, or the word X), as `generate --credential-process`
/// writes; `None` for anything else, a twin with other options included.
fn twin_of(section: &crate::config::Section) -> Option<String> {
    const OWN_SOURCES: [&str; 5] = [
        "sso_session",
        "sso_start_url",
        "sso_account_id",
        "role_arn",
        "aws_access_key_id",
    ];
    if OWN_SOURCES.iter().any(|k| section.contains_key(*k)) {
        return None;
    }
    let words = shlex::split(section.get("credential_process")?)?;
    let program = std::path::Path::new(words.first()?).file_stem()?;
    if program != "ssoexec" || words.get(1).map(String::as_str) != Some("credential-process") {
        return None;
    }
    match &words[2..] {
        [flag, name] if flag == "--profile" || flag == "-p" => Some(name.clone()),
        [word] => word
            .strip_prefix("--profile=")
            .map(String::from)
            .or_else(|| (!word.starts_with('-')).then(|| word.clone())),
        _ => None,
    }
}

/// The role flags a selection without a profile lacks.
fn missing_role_flags(
    account_id: &Option<String>,
    role_name: &Option<String>,
) -> Vec<&'static str> {
    let mut missing = Vec::new();
    if account_id.is_none() {
        missing.push("--account-id");
    }
    if role_name.is_none() {
        missing.push("--role-name");
    }
    missing
}

/// Says where a profile name that does not exist came from, when not from `--profile`; the
/// `default` fallback of a config without profiles is a first run (`ssoexec configure`).
fn name_origin(e: ConfigError, name: &Sourced<String>, config: &AwsConfig) -> ConfigError {
    match (e, &name.source) {
        (ConfigError::ProfileNotFound { path, .. }, Source::Default)
            if config.config.profiles.is_empty() && config.credentials.profiles.is_empty() =>
        {
            ConfigError::NothingConfigured { path }
        }
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
    profile: &crate::config::Section,
    key: &str,
) -> Option<String> {
    let session = profile.get("sso_session")?;
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

    const CONFIG: &str = "\
[default]
region = us-east-1
[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = ReadOnly
region = eu-west-1
ssoexec_login_if_needed = true
[profile prod]
sso_session = corp
sso_account_id = 222222222222
sso_role_name = ReadOnly
region = eu-central-1
[sso-session corp]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1
ssoexec_login_flow = device-code
";

    /// One row of the precedence table: a command line, the environment, and what one setting
    /// resolves to (value and where it came from).
    struct Row {
        args: &'static [&'static str],
        env: &'static [(&'static str, &'static str)],
        setting: &'static str,
        value: &'static str,
        source: &'static str,
    }

    /// What `setting` resolved to, as (value, source) text.
    fn observe(s: &Settings, setting: &str) -> (String, String) {
        let text = |v: Option<&Sourced<String>>| match v {
            Some(v) => (v.value.clone(), v.source.to_string()),
            None => ("-".into(), "-".into()),
        };
        match setting {
            "profile" => match &s.selection {
                Selection::Profile { name, .. } => text(Some(name)),
                Selection::Session { name, .. } => (format!("session {name}"), "-".into()),
                Selection::Flags { start_url, .. } => (start_url.clone(), "-".into()),
            },
            "region" => text(s.region.as_ref()),
            "flow" => match &s.login.flow {
                Some(f) => (format!("{:?}", f.value), f.source.to_string()),
                None => ("-".into(), "-".into()),
            },
            "login_if_needed" => (s.login.login_if_needed.to_string(), "-".into()),
            other => panic!("no setting {other}"),
        }
    }

    /// flag > PROFILE word > SSOEXEC_* env > AWS_* env > profile (> its sso-session) > default,
    /// row by row (`docs/settings.md` states the same order).
    #[test]
    fn precedence() {
        #[rustfmt::skip]
        let rows = [
            Row { args: &[], env: &[], setting: "profile", value: "default", source: "by default" },
            Row { args: &[], env: &[("AWS_DEFAULT_PROFILE", "prod")], setting: "profile", value: "prod", source: "from AWS_DEFAULT_PROFILE" },
            Row { args: &[], env: &[("AWS_PROFILE", "dev"), ("AWS_DEFAULT_PROFILE", "prod")], setting: "profile", value: "dev", source: "from AWS_PROFILE" },
            Row { args: &[], env: &[("SSOEXEC_PROFILE", "prod"), ("AWS_PROFILE", "dev")], setting: "profile", value: "prod", source: "from SSOEXEC_PROFILE" },
            Row { args: &[], env: &[("SSOEXEC_PROFILE", "not a profile"), ("AWS_PROFILE", "dev")], setting: "profile", value: "dev", source: "from AWS_PROFILE" },
            Row { args: &["login", "dev"], env: &[("SSOEXEC_PROFILE", "prod")], setting: "profile", value: "dev", source: "from the PROFILE argument" },
            Row { args: &["login", "--profile", "prod"], env: &[("SSOEXEC_PROFILE", "dev")], setting: "profile", value: "prod", source: "from --profile" },
            Row { args: &["--profile", "prod", "login"], env: &[], setting: "profile", value: "prod", source: "from --profile" },
            Row { args: &["login", "--sso-session", "corp"], env: &[("AWS_PROFILE", "dev")], setting: "profile", value: "session corp", source: "-" },
            Row { args: &["login", "dev", "--sso-session", "corp"], env: &[], setting: "profile", value: "dev", source: "from the PROFILE argument" },
            Row { args: &[], env: &[], setting: "region", value: "us-east-1", source: "from profile default" },
            Row { args: &["login", "prod"], env: &[], setting: "region", value: "eu-central-1", source: "from profile prod" },
            Row { args: &["export", "prod"], env: &[("AWS_DEFAULT_REGION", "ap-south-1")], setting: "region", value: "ap-south-1", source: "from AWS_DEFAULT_REGION" },
            Row { args: &["export", "prod"], env: &[("AWS_REGION", "us-west-2"), ("AWS_DEFAULT_REGION", "ap-south-1")], setting: "region", value: "us-west-2", source: "from AWS_REGION" },
            Row { args: &["export", "prod", "--region", "sa-east-1"], env: &[("AWS_REGION", "us-west-2")], setting: "region", value: "sa-east-1", source: "from --region" },
            Row { args: &[], env: &[], setting: "flow", value: "-", source: "-" },
            Row { args: &["login", "dev"], env: &[], setting: "flow", value: "DeviceCode", source: "from profile dev" },
            Row { args: &["login", "dev"], env: &[("SSOEXEC_LOGIN_FLOW", "pkce")], setting: "flow", value: "Pkce", source: "from SSOEXEC_LOGIN_FLOW" },
            Row { args: &["login", "dev", "--device-code"], env: &[("SSOEXEC_LOGIN_FLOW", "pkce")], setting: "flow", value: "DeviceCode", source: "from --device-code" },
            Row { args: &["login", "dev", "--flow", "pkce"], env: &[], setting: "flow", value: "Pkce", source: "from --flow" },
            Row { args: &["export", "prod"], env: &[], setting: "login_if_needed", value: "false", source: "-" },
            Row { args: &["export", "dev"], env: &[], setting: "login_if_needed", value: "true", source: "-" },
            Row { args: &["export", "prod"], env: &[("SSOEXEC_LOGIN_IF_NEEDED", "1")], setting: "login_if_needed", value: "true", source: "-" },
            Row { args: &["export", "prod", "--login-if-needed"], env: &[], setting: "login_if_needed", value: "true", source: "-" },
        ];
        for row in rows {
            let argv: Vec<OsString> = std::iter::once("ssoexec")
                .chain(row.args.iter().copied())
                .map(OsString::from)
                .collect();
            let cli =
                crate::cli::parse_from(argv).unwrap_or_else(|e| panic!("{:?}: {e:?}", row.args));
            let config = AwsConfig {
                config: crate::config::file::parse(
                    CONFIG,
                    std::path::Path::new("/home/u/.aws/config"),
                    crate::config::FileKind::Config,
                )
                .unwrap(),
                credentials: crate::config::file::ConfigFile::empty(
                    PathBuf::new(),
                    crate::config::FileKind::Credentials,
                ),
            };
            let env = Env::from_pairs(row.env.iter().copied());
            let s = Settings::resolve(&cli, &env, config, "/home/u".into()).unwrap();
            assert_eq!(
                observe(&s, row.setting),
                (row.value.to_string(), row.source.to_string()),
                "{} with {:?} and {:?}",
                row.setting,
                row.args,
                row.env
            );
        }
    }
}
