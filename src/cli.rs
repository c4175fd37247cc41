//! Command-line types (clap) and how they are parsed; nothing else: no defaults from env or config,
//! no I/O.
//!
//! Shared options. Identity options ([`TargetArgs`]) and login options ([`LoginArgs`]) are
//! accepted before any subcommand (`ssoexec --profile dev login`, and for the `--` shorthand) and
//! after the subcommands they apply to (`ssoexec login --profile dev`); [`parse_from`] merges the two
//! places (the subcommand's value wins) into `Cli::target` and `Cli::login`, so `Settings::resolve`
//! sees one view. Which subcommand takes which shared options is the table in [`shared_options`].
//!
//! **Adding a subcommand**: add a `Command` variant with its own `Args` struct (below), a line in
//! `commands::run`, and its file in `src/commands/`. By default it takes every identity and login
//! option; if it needs fewer (or none), add its name to [`shared_options`] so its `--help` lists
//! only what applies. Do not mark options `global`: that would list them on every subcommand.
use clap::builder::{BoolishValueParser, TypedValueParser};
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "ssoexec",
    version,
    about = "Sign in to AWS IAM Identity Center once; hand role credentials to every program that needs them.",
    override_usage = "ssoexec [OPTIONS] <SUBCOMMAND>\n       ssoexec [OPTIONS] -- <PROGRAM> [ARGS]...",
    subcommand_value_name = "SUBCOMMAND",
    subcommand_help_heading = "Subcommands",
    after_help = "Run a program with credentials:  ssoexec --profile dev -- terraform plan"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Log what ssoexec does (requests, cache files, decisions) on stderr; secrets are never shown.
    #[arg(long, global = true)]
    pub debug: bool,
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub login: LoginArgs,
    #[command(flatten)]
    pub run: RunArgs,
    /// The program to run with credentials in its environment, and its arguments (after `--`).
    #[arg(last = true, value_name = "PROGRAM")]
    pub command_line: Vec<OsString>,
}

/// Which identity: a profile, or the config-less flags.
#[derive(Args, Debug, Default, Clone)]
#[command(next_help_heading = "Identity")]
pub struct TargetArgs {
    /// Profile in ~/.aws/config (else: the PROFILE argument, SSOEXEC_PROFILE, AWS_PROFILE,
    /// AWS_DEFAULT_PROFILE, then "default").
    #[arg(long, short = 'p')]
    pub profile: Option<String>,
    /// The PROFILE word after a subcommand (`ssoexec login dev`); set by [`parse_from`].
    #[arg(skip)]
    pub positional_profile: Option<String>,
    /// Use an [sso-session NAME] directly instead of a profile.
    #[arg(long, value_name = "NAME")]
    pub sso_session: Option<String>,
    /// Config-less: the Identity Center start URL (with --sso-region, --account-id, --role-name).
    #[arg(long, value_name = "URL")]
    pub start_url: Option<String>,
    /// Config-less: the Identity Center region.
    #[arg(long, value_name = "REGION")]
    pub sso_region: Option<String>,
    /// The AWS account to get credentials for (12 digits; overrides the profile's).
    #[arg(long, value_name = "ID", value_parser = account_id)]
    pub account_id: Option<String>,
    /// The permission set (role) name (overrides the profile's).
    #[arg(long, value_name = "NAME")]
    pub role_name: Option<String>,
    /// Region for outputs and STS (default: AWS_REGION, AWS_DEFAULT_REGION, profile region).
    #[arg(long)]
    pub region: Option<String>,
}

impl TargetArgs {
    /// Each option from `self`, else from `fallback` (the value given before the subcommand).
    fn or(self, fallback: TargetArgs) -> TargetArgs {
        TargetArgs {
            profile: self.profile.or(fallback.profile),
            positional_profile: self.positional_profile.or(fallback.positional_profile),
            sso_session: self.sso_session.or(fallback.sso_session),
            start_url: self.start_url.or(fallback.start_url),
            sso_region: self.sso_region.or(fallback.sso_region),
            account_id: self.account_id.or(fallback.account_id),
            role_name: self.role_name.or(fallback.role_name),
            region: self.region.or(fallback.region),
        }
    }
}

/// An AWS account id: exactly 12 digits (checked where it enters, before any login).
pub fn account_id(v: &str) -> Result<String, String> {
    if v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit()) {
        Ok(v.to_string())
    } else {
        Err("an AWS account id is 12 digits, like 111122223333".into())
    }
}

/// The profile as a word after the subcommand, as aws-vault and granted users type it
/// (`ssoexec exec dev -- env`): the shared option [`WORD`] of the subcommands that act for a
/// profile. The first positional (`exec` gives its program index 2).
fn profile_word() -> clap::Arg {
    clap::Arg::new(POSITIONAL_PROFILE)
        .value_name("PROFILE")
        .help("The profile to use (as --profile)")
        .index(1)
}

/// The clap id of [`profile_word`].
const POSITIONAL_PROFILE: &str = "positional_profile";

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FlowArg {
    /// Device authorization: a URL and code to confirm in any browser (SSH, containers, CI).
    DeviceCode,
    /// Authorization code with PKCE and a loopback callback (local browser).
    Pkce,
}

/// How a login happens when one is needed.
#[derive(Args, Debug, Default, Clone)]
#[command(next_help_heading = "Login")]
pub struct LoginArgs {
    /// Login flow: device-code (a URL and code for any browser) or pkce (a local browser and a
    /// loopback callback). Default: pkce where a local browser is plausible, else device-code.
    #[arg(long, value_enum, hide_possible_values = true)]
    pub flow: Option<FlowArg>,
    /// Shorthand for --flow device-code.
    #[arg(long, conflicts_with_all = ["flow", "pkce"])]
    pub device_code: bool,
    /// Shorthand for --flow pkce.
    #[arg(long, conflicts_with = "flow")]
    pub pkce: bool,
    /// Do not open a browser; print the URL (and code) on stderr only.
    #[arg(long)]
    pub no_browser: bool,
    /// Command that opens the login URL (`%s` is replaced by the URL, otherwise it is appended).
    #[arg(long, value_name = "CMD")]
    pub browser_command: Option<String>,
    /// Allow a background command (no terminal) to start a login when none is cached.
    #[arg(long)]
    pub login_if_needed: bool,
}

impl LoginArgs {
    fn or(self, fallback: LoginArgs) -> LoginArgs {
        LoginArgs {
            flow: self.flow.or(fallback.flow),
            device_code: self.device_code || fallback.device_code,
            pkce: self.pkce || fallback.pkce,
            no_browser: self.no_browser || fallback.no_browser,
            browser_command: self.browser_command.or(fallback.browser_command),
            login_if_needed: self.login_if_needed || fallback.login_if_needed,
        }
    }
}

/// How `ssoexec -- PROGRAM` and `ssoexec exec` run the program.
#[derive(Args, Debug, Default, Clone)]
#[command(next_help_heading = "Running a program")]
pub struct RunArgs {
    /// Serve self-renewing credentials to the program (ECS container-credentials protocol).
    #[arg(long)]
    pub renew: bool,
    /// Run even inside another profile's ssoexec environment.
    #[arg(long)]
    pub force: bool,
}

/// Shared option ids by group (the field names of [`TargetArgs`] and [`LoginArgs`]).
const PROFILE: &[&str] = &["profile", "sso_session"];
/// The profile as a word ([`profile_word`]).
const WORD: &[&str] = &[POSITIONAL_PROFILE];
const SESSION: &[&str] = &["start_url", "sso_region"];
const ACCOUNT: &[&str] = &["account_id"];
const ROLE: &[&str] = &["account_id", "role_name"];
const REGION: &[&str] = &["region"];
const LOGIN: &[&str] = &[
    "flow",
    "device_code",
    "pkce",
    "no_browser",
    "browser_command",
    "login_if_needed",
];
/// Every shared option, for the check of the options given before a subcommand.
const ALL: &[&[&str]] = &[PROFILE, SESSION, ROLE, REGION, LOGIN];

/// The shared options a subcommand uses: added after its name (so its `--help` lists them), and
/// the only ones accepted before it (`ssoexec --device-code doctor` is a usage error). This table
/// is the one place that says which subcommand uses what; a subcommand that acts for a profile
/// also takes the profile as a word ([`ProfileArg`]).
fn shared_options(subcommand: &str) -> Vec<&'static str> {
    let groups: &[&[&str]] = match subcommand {
        "login" => &[WORD, PROFILE, SESSION, LOGIN],
        "logout" => &[WORD, PROFILE, SESSION],
        "status" => &[WORD, PROFILE],
        "accounts" => &[WORD, PROFILE, SESSION, LOGIN],
        "roles" => &[WORD, PROFILE, SESSION, ACCOUNT, LOGIN],
        "credential-process" | "export" | "exec" | "eks-token" | "serve" | "console" | "docker"
        | "compose" => &[WORD, PROFILE, SESSION, ROLE, REGION, LOGIN],
        "generate" => &[PROFILE, SESSION, REGION, LOGIN],
        "github" => &[&["profile"]],
        "doctor" | "completions" | "man" | "help" | "shell-init" | "complete-profiles" => &[],
        _ => &[PROFILE, SESSION, ROLE, REGION, LOGIN],
    };
    groups.concat()
}

/// Help of a shared option that means something else in one subcommand.
fn shared_help(subcommand: &str, id: &str) -> Option<&'static str> {
    match (subcommand, id) {
        ("configure", "profile") => Some(
            "Name of the profile to write (default: ACCOUNT_NAME.ROLE_NAME, offered on a terminal)",
        ),
        ("configure", "region") => Some("The profile's default region (region = ...)"),
        ("configure", "sso_session") => {
            Some("The sso-session to use, or to create with --start-url and --sso-region")
        }
        ("configure", "start_url") => Some("Start URL of a new sso-session"),
        ("configure", "sso_region") => Some("Region of a new sso-session"),
        ("configure", "account_id") => Some("The profile's account (default: asked for)"),
        ("configure", "role_name") => Some("The profile's role (default: asked for)"),
        ("generate", "profile") => Some("Generate for the sso-session of this profile"),
        ("generate", "region") => Some("Region written into every generated profile"),
        _ => None,
    }
}

/// The full clap command: the derived one, with each subcommand's shared options added. For help,
/// completions, man pages and error reports.
pub fn command() -> clap::Command {
    command_with(|_| true)
}

/// The derived command with the shared options added to the subcommands `augment` accepts.
/// Adding them costs more than the rest of a cache hit (each `mut_subcommand` moves the whole
/// command), so a successful parse only augments the subcommands its words name.
fn command_with(augment: impl Fn(&str) -> bool) -> clap::Command {
    let shared = LoginArgs::augment_args(TargetArgs::augment_args(
        clap::Command::new("shared").arg(profile_word()),
    ));
    let mut cmd = Cli::command();
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .filter(|n| augment(n))
        .collect();
    for name in names {
        let ids = shared_options(&name);
        let args: Vec<clap::Arg> = shared
            .get_arguments()
            .filter(|a| ids.contains(&a.get_id().as_str()))
            .map(|a| match shared_help(&name, a.get_id().as_str()) {
                Some(help) => a.clone().help(help),
                None => a.clone(),
            })
            .collect();
        cmd = cmd.mut_subcommand(name, |s| s.args(args));
    }
    cmd
}

/// Why the command line was not accepted.
#[derive(Debug)]
pub enum ParseError {
    /// clap's own report (usage errors, and `--help`/`--version`, which exit 0).
    Clap(clap::Error),
    /// A word where a subcommand was expected: a typo, or a program without `--`.
    UnknownSubcommand {
        word: String,
        /// The nearest subcommand name, when one is close.
        suggestion: Option<String>,
        /// The command line with `--` inserted before the word.
        with_separator: Vec<String>,
        /// `ssoexec dev -- env`: the word is likely a profile; the line as `exec` takes it.
        as_profile: Option<Vec<String>>,
    },
    /// `--renew` / `--force` before a subcommand other than `exec`, or a shared option before a
    /// subcommand that does not use it (`ssoexec --device-code doctor`).
    Misplaced { flag: String, subcommand: String },
    /// `--profile A` and the PROFILE word B name two profiles.
    TwoProfiles { flag: String, word: String },
}

/// Parses `argv` (program name first) into a [`Cli`] whose `target` and `login` are the merged view.
pub fn parse_from(argv: Vec<OsString>) -> Result<Cli, ParseError> {
    // The fast parse: only subcommands named by a word before `--` get the shared options. A
    // word that names none (the `--` shorthand) needs none. Help and every error go through the
    // full command, so what a person reads is the same either way.
    let words: Vec<&str> = argv
        .iter()
        .skip(1)
        .map_while(|a| a.to_str())
        .take_while(|a| *a != "--")
        .collect();
    let asks_help = words
        .iter()
        .any(|w| matches!(*w, "help" | "--help" | "-h" | "--version" | "-V"));
    let fast = if asks_help {
        None
    } else {
        command_with(|name| words.contains(&name))
            .try_get_matches_from(argv.clone())
            .ok()
    };
    let matches = match fast
        .map(Ok)
        .unwrap_or_else(|| command().try_get_matches_from(argv.clone()))
    {
        Ok(m) => m,
        Err(e) => {
            let e = prefer_cluster_name(e);
            return Err(unknown_subcommand(&e, &argv).unwrap_or(ParseError::Clap(e)));
        }
    };
    let mut cli = Cli::from_arg_matches(&matches).map_err(ParseError::Clap)?;
    if let Some((name, sub)) = matches.subcommand() {
        misplaced(&matches, &cli, name)?;
        let mut target = shared_target(sub);
        target.positional_profile = sub
            .try_get_one::<String>(POSITIONAL_PROFILE)
            .ok()
            .flatten()
            .cloned();
        cli.target = target.or(std::mem::take(&mut cli.target));
        cli.login = shared_login(sub).or(std::mem::take(&mut cli.login));
        if let (Some(flag), Some(word)) = (&cli.target.profile, &cli.target.positional_profile)
            && flag != word
        {
            return Err(ParseError::TwoProfiles {
                flag: flag.clone(),
                word: word.clone(),
            });
        }
        if let Some(Command::Exec(exec)) = &mut cli.command {
            exec.renew |= cli.run.renew;
            exec.force |= cli.run.force;
        }
    }
    Ok(cli)
}

/// `--cluster` means the cluster's name, but clap would suggest `--cluster-id` (the closer
/// spelling, for Outposts clusters only): suggest `--cluster-name` instead.
fn prefer_cluster_name(mut e: clap::Error) -> clap::Error {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let invalid = match e.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(s)) => s.split('=').next() == Some("--cluster"),
        _ => false,
    };
    if e.kind() == ErrorKind::UnknownArgument && invalid {
        e.insert(
            ContextKind::SuggestedArg,
            ContextValue::String("--cluster-name".into()),
        );
    }
    e
}

/// An option given before subcommand `name` that it does not use: `--renew`/`--force` (only for
/// running a program), or a shared option outside its [`shared_options`].
fn misplaced(matches: &ArgMatches, cli: &Cli, name: &str) -> Result<(), ParseError> {
    let error = |flag: String| ParseError::Misplaced {
        flag,
        subcommand: name.to_string(),
    };
    if name != "exec" {
        for (set, flag) in [(cli.run.renew, "--renew"), (cli.run.force, "--force")] {
            if set {
                return Err(error(flag.into()));
            }
        }
    }
    if name == "help" {
        return Ok(());
    }
    let uses = shared_options(name);
    for id in ALL.concat() {
        if matches.value_source(id) == Some(clap::parser::ValueSource::CommandLine)
            && !uses.contains(&id)
        {
            return Err(error(format!("--{}", id.replace('_', "-"))));
        }
    }
    Ok(())
}

/// The shared identity options given after the subcommand (absent ones are `None`).
fn shared_target(m: &ArgMatches) -> TargetArgs {
    let s = |id: &str| m.try_get_one::<String>(id).ok().flatten().cloned();
    TargetArgs {
        profile: s("profile"),
        positional_profile: None,
        sso_session: s("sso_session"),
        start_url: s("start_url"),
        sso_region: s("sso_region"),
        account_id: s("account_id"),
        role_name: s("role_name"),
        region: s("region"),
    }
}

fn shared_login(m: &ArgMatches) -> LoginArgs {
    let b = |id: &str| m.try_get_one::<bool>(id).ok().flatten().copied() == Some(true);
    LoginArgs {
        flow: m.try_get_one::<FlowArg>("flow").ok().flatten().copied(),
        device_code: b("device_code"),
        pkce: b("pkce"),
        no_browser: b("no_browser"),
        browser_command: m
            .try_get_one::<String>("browser_command")
            .ok()
            .flatten()
            .cloned(),
        login_if_needed: b("login_if_needed"),
    }
}

/// clap rejects `ssoexec logn` as an unexpected argument (the bare word is not a subcommand and
/// a program needs `--`); this names the nearest subcommand, or shows the line with `--`.
fn unknown_subcommand(e: &clap::Error, argv: &[OsString]) -> Option<ParseError> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if e.kind() != ErrorKind::UnknownArgument && e.kind() != ErrorKind::InvalidSubcommand {
        return None;
    }
    let Some(ContextValue::String(word)) = e.get(ContextKind::InvalidArg) else {
        return None;
    };
    if word.starts_with('-') {
        return None;
    }
    // Only a word at the top level: inside a subcommand, clap's message is the right one.
    let words: Vec<String> = argv
        .iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let at = words.iter().position(|w| w == word)?;
    let names: Vec<String> = Cli::command()
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| s.get_name().to_string())
        .collect();
    if words[..at].iter().any(|w| names.contains(w)) {
        return None;
    }
    let suggestion = names
        .iter()
        .map(|n| (strsim::damerau_levenshtein(word, n), n))
        .filter(|(d, n)| *d <= 2.max(n.len() / 4) && *d < n.len())
        .min()
        .map(|(_, n)| n.clone());
    let mut with_separator = vec!["ssoexec".to_string()];
    with_separator.extend(words[..at].iter().cloned());
    with_separator.push("--".into());
    with_separator.extend(words[at..].iter().cloned());
    let as_profile = (words.get(at + 1).map(String::as_str) == Some("--")).then(|| {
        let mut line = vec!["ssoexec".to_string()];
        line.extend(words[..at].iter().cloned());
        line.push("exec".into());
        line.extend(words[at..].iter().cloned());
        line
    });
    Some(ParseError::UnknownSubcommand {
        word: word.clone(),
        suggestion,
        with_separator,
        as_profile,
    })
}

/// A `github` input flag: the action passes every input, and an unset one as an empty string,
/// which means the input's default. Otherwise clap's boolean words (true/false, yes/no, 1/0, on/off).
fn input_flag(default: bool) -> impl TypedValueParser<Value = bool> {
    move |v: &str| -> Result<bool, String> {
        if v.trim().is_empty() {
            return Ok(default);
        }
        BoolishValueParser::new()
            .parse_ref(
                &clap::Command::new("ssoexec"),
                None,
                std::ffi::OsStr::new(v.trim()),
            )
            .map_err(|_| format!("{v:?} is not true or false"))
    }
}

/// A `github` number input: empty means unset.
fn input_duration(v: &str) -> Result<u32, String> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(DEFAULT_ROLE_DURATION);
    }
    match v.parse::<u32>() {
        Ok(n) if (900..=43200).contains(&n) => Ok(n),
        _ => Err("a number of seconds from 900 to 43200".into()),
    }
}

/// A `github` attempt count: empty means unset.
fn input_attempts(v: &str) -> Result<u32, String> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(DEFAULT_RETRY_ATTEMPTS);
    }
    match v.parse::<u32>() {
        Ok(n) if (1..=20).contains(&n) => Ok(n),
        _ => Err("a number of attempts from 1 to 20".into()),
    }
}

/// `role-duration-seconds` when not given (as configure-aws-credentials).
pub const DEFAULT_ROLE_DURATION: u32 = 3600;
/// `retry-max-attempts` when not given (as configure-aws-credentials).
pub const DEFAULT_RETRY_ATTEMPTS: u32 = 12;

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Sign in to IAM Identity Center (always signs in anew) and store the token in the AWS CLI cache.
    Login,
    /// Sign out: end the portal session and delete cached tokens and role credentials.
    Logout(LogoutArgs),
    /// Print credential_process JSON (for `credential_process = ssoexec credential-process --profile X`).
    CredentialProcess,
    /// Print or write credentials in one or more formats from a single retrieval.
    Export(ExportArgs),
    /// Run a program with credentials in its environment (same as `ssoexec -- PROGRAM`).
    Exec(ExecArgs),
    /// Show sessions, token expiry and cached role credentials.
    Status(StatusArgs),
    /// List the accounts the signed-in session can reach.
    Accounts(ListArgs),
    /// List the roles of an account (`--account-id`, or every account).
    Roles(ListArgs),
    /// Print an EKS ExecCredential (for a kubeconfig `exec` entry).
    EksToken(EksTokenArgs),
    /// Add or update a kubeconfig cluster, user and context that call `ssoexec eks-token`.
    Kubeconfig(KubeconfigArgs),
    /// Serve self-renewing credentials over the ECS container-credentials protocol.
    Serve(ServeArgs),
    /// Run `docker run` with self-renewing credentials for the container.
    ///
    /// `ssoexec docker --profile dev -- run --rm IMAGE CMD`: no keys in the container's environment
    /// or `docker inspect`, a token of its own (docs/containers.md).
    Docker(ContainerArgs),
    /// Run `docker compose` with self-renewing credentials for every service.
    ///
    /// `ssoexec compose --profile dev -- up`: an override file after your `-f` files; a service
    /// picks its own profile with `x-ssoexec: {profile: P}` (docs/containers.md).
    Compose(ContainerArgs),
    /// GitHub Actions: credentials from the job's OIDC token (or Identity Center) for later steps.
    Github(GithubArgs),
    /// Set up one profile: sign in, pick an account and a role, write ~/.aws/config.
    Configure(ConfigureArgs),
    /// Write a profile for every account and role you can use (a managed block per sso-session).
    Generate(GenerateArgs),
    /// Check the configuration, token cache, clock and environment for what breaks logins.
    Doctor(DoctorArgs),
    /// Print the `ssx` shell function: `ssx PROFILE` sets credentials in the current shell,
    /// `ssx --unset` removes them (add `eval "$(ssoexec shell-init bash)"` to ~/.bashrc).
    ShellInit(ShellInitArgs),
    /// Open the AWS console signed in as the profile's role (SSO or chained).
    Console(ConsoleArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish) on stdout.
    Completions(CompletionsArgs),
    /// Print the manual page (roff) on stdout: `ssoexec man | man -l -`; `ssoexec man login` for
    /// the page of a subcommand (ssoexec-login(1)).
    Man(ManArgs),
    /// Internal (completion scripts): print the profile names of ~/.aws/config and
    /// ~/.aws/credentials, one a line.
    #[command(hide = true)]
    CompleteProfiles,
    /// Internal (`ssx` with no profile): the person picks a profile on the terminal; its name
    /// is printed.
    #[command(hide = true)]
    PickProfile,
}

#[derive(Args, Debug)]
pub struct ManArgs {
    /// The subcommand whose page to print (default: the ssoexec page).
    #[arg(value_name = "SUBCOMMAND")]
    pub subcommand: Option<String>,
}

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `ssoexec github`. Every option can come from the `INPUT_*` variable the action sets, so the
/// action passes inputs as environment variables, never as shell code. An input the workflow
/// leaves unset arrives as an empty string and means the input's default. The action's input names
/// (`--aws-region`, `--sso-start-url`, ...) are accepted as hidden aliases.
#[derive(Args, Debug, Clone)]
pub struct GithubArgs {
    /// Role to assume with the job's OIDC token: an ARN, or a role name with --aws-account-id.
    #[arg(long, env = "INPUT_ROLE_TO_ASSUME", hide_env_values = true)]
    pub role_to_assume: Option<String>,
    /// Region for STS and for AWS_REGION / AWS_DEFAULT_REGION (default: AWS_REGION).
    #[arg(long = "region", alias = "aws-region", env = "INPUT_AWS_REGION")]
    pub aws_region: Option<String>,
    /// Account of --role-to-assume when it is a bare role name.
    #[arg(long, env = "INPUT_AWS_ACCOUNT_ID")]
    pub aws_account_id: Option<String>,
    /// Audience of the GitHub OIDC token.
    #[arg(long, env = "INPUT_AUDIENCE", default_value = "sts.amazonaws.com")]
    pub audience: String,
    /// Role session name (2–64 characters of [\w+=,.@-]).
    #[arg(long, env = "INPUT_ROLE_SESSION_NAME", default_value = "GitHubActions")]
    pub role_session_name: String,
    /// Lifetime of the credentials in seconds (900–43200).
    #[arg(long, env = "INPUT_ROLE_DURATION_SECONDS", value_name = "SECONDS",
          value_parser = input_duration, default_value_t = DEFAULT_ROLE_DURATION)]
    pub role_duration_seconds: u32,
    /// ExternalId for the role's trust policy. Not accepted by AssumeRoleWithWebIdentity: only with
    /// a role assumed by AssumeRole (role chaining).
    #[arg(long, env = "INPUT_ROLE_EXTERNAL_ID", hide_env_values = true)]
    pub role_external_id: Option<String>,
    /// Accepted for configure-aws-credentials compatibility: ssoexec sends no session tags.
    #[arg(long, env = "INPUT_ROLE_SKIP_SESSION_TAGGING", value_name = "BOOL",
          value_parser = input_flag(false), default_value = "false", num_args = 0..=1, default_missing_value = "true")]
    pub role_skip_session_tagging: bool,
    /// An IAM policy (JSON) that further limits the session (STS `Policy`).
    #[arg(long, env = "INPUT_INLINE_SESSION_POLICY", value_name = "JSON")]
    pub inline_session_policy: Option<String>,
    /// Managed policy ARNs that further limit the session (STS `PolicyArns`; one per line or comma).
    #[arg(
        long,
        env = "INPUT_MANAGED_SESSION_POLICIES",
        value_name = "ARN",
        value_delimiter = '\n'
    )]
    pub managed_session_policies: Vec<String>,
    /// Attempts for the STS call when it is throttled or fails transiently (1–20).
    #[arg(long, env = "INPUT_RETRY_MAX_ATTEMPTS", value_name = "N",
          value_parser = input_attempts, default_value_t = DEFAULT_RETRY_ATTEMPTS)]
    pub retry_max_attempts: u32,
    /// Retry until the secret access key holds only letters and digits (for tools that mishandle
    /// `+` and `/`).
    #[arg(long, env = "INPUT_SPECIAL_CHARACTERS_WORKAROUND", value_name = "BOOL",
          value_parser = input_flag(false), default_value = "false", num_args = 0..=1, default_missing_value = "true")]
    pub special_characters_workaround: bool,
    /// Mask the account id in the log (it is also a step output).
    #[arg(long, env = "INPUT_MASK_AWS_ACCOUNT_ID", value_name = "BOOL",
          value_parser = input_flag(false), default_value = "false", num_args = 0..=1, default_missing_value = "true")]
    pub mask_aws_account_id: bool,
    /// Clear AWS credential variables of earlier steps before getting credentials (and in later steps).
    #[arg(long, env = "INPUT_UNSET_CURRENT_CREDENTIALS", value_name = "BOOL",
          value_parser = input_flag(false), default_value = "false", num_args = 0..=1, default_missing_value = "true")]
    pub unset_current_credentials: bool,
    /// Also set the credentials as (masked) step outputs.
    #[arg(long, env = "INPUT_OUTPUT_CREDENTIALS", value_name = "BOOL",
          value_parser = input_flag(false), default_value = "false", num_args = 0..=1, default_missing_value = "true")]
    pub output_credentials: bool,
    /// Export the credentials to later steps' environment.
    #[arg(long, env = "INPUT_OUTPUT_ENV_CREDENTIALS", value_name = "BOOL",
          value_parser = input_flag(true), default_value = "true", num_args = 0..=1, default_missing_value = "true")]
    pub output_env_credentials: bool,
    /// Also write a dotenv file here.
    #[arg(long, env = "INPUT_ENV_FILE")]
    pub env_file: Option<String>,
    /// More sinks, FORMAT=PATH (repeatable; in INPUT_EMIT one per line).
    #[arg(long, env = "INPUT_EMIT", value_delimiter = '\n')]
    pub emit: Vec<String>,
    /// Identity Center instead of OIDC: the start URL.
    #[arg(
        long = "start-url",
        alias = "sso-start-url",
        env = "INPUT_SSO_START_URL",
        value_name = "URL"
    )]
    pub sso_start_url: Option<String>,
    /// Identity Center region.
    #[arg(long, env = "INPUT_SSO_REGION", value_name = "REGION")]
    pub sso_region: Option<String>,
    /// Identity Center account.
    #[arg(
        long = "account-id",
        alias = "sso-account-id",
        env = "INPUT_SSO_ACCOUNT_ID",
        value_name = "ID"
    )]
    pub sso_account_id: Option<String>,
    /// Identity Center role (permission set) name.
    #[arg(
        long = "role-name",
        alias = "sso-role-name",
        env = "INPUT_SSO_ROLE_NAME",
        value_name = "NAME"
    )]
    pub sso_role_name: Option<String>,
    /// `device-code`: sign in to Identity Center, printing the URL and code to the log and the
    /// step summary, and wait (bounded) for a person to approve.
    #[arg(long, env = "INPUT_LOGIN")]
    pub login: Option<String>,
    /// An AWS CLI token cache file (JSON, e.g. from a secret) to use instead of a login.
    #[arg(long, env = "INPUT_SSO_TOKEN_CACHE", hide_env_values = true)]
    pub sso_token_cache: Option<String>,
    /// Renew in a later step: repeat the exchange saved by the first `ssoexec github` of the job.
    #[arg(long)]
    pub refresh: bool,
    /// `true`: assume role-to-assume with the credentials already obtained (Identity Center
    /// inputs, else this step's AWS_ACCESS_KEY_ID...), as configure-aws-credentials' role-chaining.
    #[arg(long, env = "INPUT_ROLE_CHAINING", value_name = "BOOL",
          value_parser = input_flag(false), default_value = "false", num_args = 0..=1, default_missing_value = "true")]
    pub role_chaining: bool,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1 with a random port). A non-loopback address also
    /// needs a token in SSOEXEC_SERVE_TOKEN.
    #[arg(long, value_name = "ADDR:PORT")]
    pub bind: Option<SocketAddr>,
    /// How the two variables are printed: env (sh `export` lines, the default), env-no-export,
    /// fish, powershell or windows-cmd.
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Internal (exec --renew): print the port, then serve until stdin closes.
    #[arg(long, hide = true)]
    pub lifeline_stdin: bool,
    /// Internal (exec --renew on Unix): print the port, then serve until the parent process (the
    /// child, once ssoexec has exec'd into it) exits.
    #[arg(long, hide = true, conflicts_with = "lifeline_stdin")]
    pub lifeline_parent: bool,
}

/// `ssoexec docker` / `ssoexec compose`: the Docker command line after `--`.
#[derive(Args, Debug)]
pub struct ContainerArgs {
    /// `run [OPTIONS] IMAGE [COMMAND]` for docker; `[OPTIONS] SUBCOMMAND [ARGS]` for compose.
    // Index 2: the PROFILE word (a shared option) is the first positional.
    #[arg(last = true, required = true, value_name = "ARGS", index = 2)]
    pub command_line: Vec<OsString>,
}

#[derive(Args, Debug)]
pub struct LogoutArgs {
    /// Sign out of every session in the cache (not with a profile or session option).
    #[arg(long, conflicts_with_all = [POSITIONAL_PROFILE, "profile", "sso_session", "start_url", "sso_region"])]
    pub all: bool,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Output format (default env when no --emit is given): process, json, env, env-no-export,
    /// fish, powershell, windows-cmd, dotenv, compose, compose-override, ini, github,
    /// exec-credential; any other NAME runs the plugin `ssoexec-format-NAME` found on PATH.
    #[arg(long, short = 'f', value_name = "FORMAT")]
    pub format: Option<String>,
    /// File for --format, or for the default env format (default stdout; `-` is stdout).
    #[arg(long, short = 'o', value_name = "PATH")]
    pub output: Option<String>,
    /// FORMAT=PATH (repeatable; `-` is stdout, at most once). One retrieval feeds every sink.
    #[arg(long, value_name = "FORMAT=PATH")]
    pub emit: Vec<String>,
    /// Services a `compose-override` file injects the variables into (repeatable).
    #[arg(long)]
    pub service: Vec<String>,
    /// Profile name written by the `ini` format (default: the profile used).
    #[arg(long)]
    pub ini_profile: Option<String>,
    /// EKS cluster name for the `exec-credential` format.
    #[arg(long)]
    pub cluster_name: Option<String>,
    /// Write anyway: where git would not ignore a secrets file (no warning), over a file that is
    /// not credentials or cannot be merged into, and over a symlink (replaced, not followed).
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct ExecArgs {
    /// Serve self-renewing credentials to the program (ECS container-credentials protocol).
    #[arg(long)]
    pub renew: bool,
    /// Run even inside another profile's ssoexec environment.
    #[arg(long)]
    pub force: bool,
    /// The program and its arguments (none: your shell, as `ssoexec --profile P` starts).
    // Index 2: the PROFILE word (a shared option) is the first positional.
    #[arg(last = true, value_name = "PROGRAM", index = 2)]
    pub command_line: Vec<OsString>,
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    /// One JSON document (default: a table; on a pipe, its rows without the header).
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct EksTokenArgs {
    /// EKS cluster name (signed as the x-k8s-aws-id header).
    #[arg(long, required_unless_present = "cluster_id")]
    pub cluster_name: Option<String>,
    /// Cluster id, for EKS local clusters on Outposts (signed instead of the name).
    #[arg(long)]
    pub cluster_id: Option<String>,
    /// Assume this role first (as `aws eks get-token --role-arn`).
    #[arg(long)]
    pub role_arn: Option<String>,
}

#[derive(Args, Debug)]
pub struct KubeconfigArgs {
    /// EKS cluster name (`--name`, as `aws eks update-kubeconfig`).
    #[arg(long, visible_alias = "name", required_unless_present = "all")]
    pub cluster_name: Option<String>,
    /// API server URL (default: from EKS DescribeCluster).
    #[arg(long)]
    pub server: Option<String>,
    /// Base64 CA data (default: from EKS DescribeCluster).
    #[arg(long)]
    pub certificate_authority_data: Option<String>,
    /// kubeconfig to write (default: first path of KUBECONFIG, else ~/.kube/config).
    #[arg(long)]
    pub kubeconfig: Option<PathBuf>,
    /// Print the resulting YAML instead of writing it.
    #[arg(long)]
    pub dry_run: bool,
    /// Role to assume before signing (passed to eks-token).
    #[arg(long)]
    pub role_arn: Option<String>,
    /// Program the exec entry runs (default: the absolute path of this ssoexec; `ssoexec` to find it on PATH).
    #[arg(long, value_name = "PATH")]
    pub command: Option<String>,
    /// ExecCredential version the exec entry asks for (default: v1; v1beta1 for kubectl older than 1.22).
    #[arg(long, value_parser = ["v1", "v1beta1"])]
    pub exec_api_version: Option<String>,
    #[command(flatten)]
    pub discovery: DiscoveryArgs,
}

/// `ssoexec configure`. The identity flags (`--start-url`, `--sso-region`, `--sso-session`,
/// `--account-id`, `--role-name`, `--profile`, `--region`) answer its questions in a script.
#[derive(Args, Debug)]
pub struct ConfigureArgs {
    /// Replace a profile of the same name.
    #[arg(long)]
    pub force: bool,
}

/// `ssoexec generate`: `--sso-session NAME` (or a `--profile` of that session) chooses the session.
#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// Profile name template; placeholders {account_name}, {account_id}, {role_name}, {sso_session}.
    #[arg(long, default_value = "{account_name}.{role_name}")]
    pub name: String,
    /// Another key for every generated profile (repeatable), e.g. --set output=json.
    #[arg(long, value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Also write a `NAME-cp` twin with `credential_process = ssoexec credential-process --profile NAME`.
    #[arg(long)]
    pub credential_process: bool,
    /// Remove generated profiles whose account or role is no longer assigned.
    #[arg(long)]
    pub prune: bool,
    /// Print a unified diff of the change on stdout and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Leave a profile you wrote alone (with a warning) when a generated name clashes with it.
    #[arg(long)]
    pub skip_existing: bool,
    /// Let --prune remove every generated profile when the server lists no usable account.
    #[arg(long, requires = "prune")]
    pub allow_empty: bool,
    /// Portal requests in flight at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=32))]
    pub concurrency: u16,
}

/// `ssoexec kubeconfig --all`: every EKS cluster the generated profiles can reach.
#[derive(Args, Debug, Default)]
#[command(next_help_heading = "Every cluster (--all)")]
pub struct DiscoveryArgs {
    /// Discover every cluster of the chosen profiles (default: the generated ones) and write one
    /// context per cluster.
    #[arg(long, conflicts_with_all = ["cluster_name", "server", "role_arn"])]
    pub all: bool,
    /// Regions to search (comma-separated; default: each profile's region).
    #[arg(long, value_delimiter = ',', requires = "all")]
    pub regions: Vec<String>,
    /// Only profiles whose name matches this glob (any SSO profile, not just generated ones).
    #[arg(long, requires = "all", value_name = "GLOB")]
    pub profile_glob: Option<String>,
    /// Context, cluster and user name template, with or without --all (`--alias`); placeholders
    /// {account_name}, {account_id}, {role_name}, {profile}, {region}, {cluster}.
    #[arg(
        long,
        visible_alias = "alias",
        default_value = "{account_name}/{region}/{cluster}"
    )]
    pub context_name: String,
    /// Remove managed entries of the chosen profiles whose cluster is gone.
    #[arg(long, requires = "all")]
    pub prune: bool,
    /// AWS requests in flight at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=32), requires = "all")]
    pub concurrency: u16,
}

/// `ssoexec doctor`.
#[derive(Args, Debug)]
pub struct DoctorArgs {
    /// One JSON document on stdout.
    #[arg(long)]
    pub json: bool,
    /// Skip the one request that measures clock skew.
    #[arg(long)]
    pub offline: bool,
    /// kubeconfig to check (default: first path of KUBECONFIG, else ~/.kube/config).
    #[arg(long)]
    pub kubeconfig: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ShellInitArgs {
    /// The shell that will run the function (sh also suits dash, ksh and busybox).
    #[arg(value_enum)]
    pub shell: ShellArg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ShellArg {
    Bash,
    Zsh,
    Sh,
    Fish,
    Powershell,
}

/// `ssoexec console`.
#[derive(Args, Debug)]
pub struct ConsoleArgs {
    /// Console page: an https URL, or a service name such as `s3` (opened in the region).
    #[arg(long, value_name = "URL|SERVICE")]
    pub destination: Option<String>,
    /// Write only the sign-in URL to stdout (a secret for 15 minutes) instead of opening a browser.
    #[arg(long)]
    pub print: bool,
    /// Console session length in seconds (900–43200), sent only where the federation endpoint
    /// allows one: roles assumed with long-term keys (not SSO roles, not role chains).
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(900..=43200))]
    pub session_duration: Option<u32>,
}
