//! Output formats: one trait, one module per format, one selector ([`FormatKind`]). A format gets
//! everything through `OutputContext` and its own parameters (the existing file it merges into,
//! the ini profile, the compose services); it reads no env, clock or file, and writes to a
//! `&mut dyn Write`. The I/O around formats lives in `sink` (files, stdout, GitHub's files) and
//! `plugin` (external `ssoexec-format-NAME` programs).
pub mod compose;
pub mod compose_override;
// Runs bash, sh, fish, python3, node and docker-compose as Unix programs.
#[cfg(all(test, unix))]
mod consumers;
pub mod deliver;
pub mod dotenv;
pub mod envfile;
pub mod exec_credential;
pub mod fish;
pub mod github;
pub mod ini;
pub mod json;
pub mod plugin;
pub mod powershell;
pub mod process;
pub mod sh;
pub mod shell_init;
pub mod sink;
pub mod windows_cmd;

pub use crate::credentials::variables::{CREDENTIAL_VARIABLES, REGION_VARIABLES, Variable};

use crate::credentials::variables::ExpiryForm;
use crate::credentials::{self, Credentials};
use std::io::{self, Write};
use std::path::PathBuf;
use time::OffsetDateTime;

/// All a format may know.
pub struct OutputContext<'a> {
    pub credentials: &'a Credentials,
    pub profile: Option<&'a str>,
    pub region: Option<&'a str>,
    pub account_id: Option<&'a str>,
    pub role_name: Option<&'a str>,
    pub now: OffsetDateTime,
}

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error(transparent)]
    Io(#[from] io::Error),
    /// The format cannot carry a value (e.g. a newline in a windows-cmd `set` line).
    #[error("the {format} format cannot carry the value of {variable}: {why}")]
    Unrepresentable {
        format: &'static str,
        variable: &'static str,
        why: &'static str,
    },
    /// A format needs an option the run did not give (e.g. compose-override without --service).
    #[error("the {format} format {why}")]
    Missing { format: &'static str, why: String },
    /// The file a merging format would update cannot be read as that format.
    #[error("cannot merge into the existing file: {why}")]
    Merge { why: String },
    /// [`OutputError::Merge`] for one destination of a run.
    #[error("cannot update {destination}")]
    MergeInto {
        destination: String,
        #[source]
        source: Box<OutputError>,
    },
    /// A GitHub file-command entry that the runner would read back wrong.
    #[error(transparent)]
    Github(#[from] crate::github::StepError),
    /// An external format plugin failed.
    #[error("format plugin {name} ({}) {why}", path.display())]
    Plugin {
        name: String,
        path: PathBuf,
        why: String,
    },
}

impl crate::error::Diagnostic for OutputError {
    fn hint(&self) -> Option<String> {
        OutputError::hint(self)
    }
}
crate::diagnostic_error!(OutputError);

impl crate::error::Diagnostic for sink::SinkError {
    fn hint(&self) -> Option<String> {
        sink::SinkError::hint(self)
    }
}
crate::diagnostic_error!(sink::SinkError);

impl OutputError {
    /// What to do next, for the report's `hint:` line.
    pub fn hint(&self) -> Option<String> {
        match self {
            OutputError::Unrepresentable { .. } => {
                Some("the env, json and compose formats carry any value".into())
            }
            OutputError::Merge { .. } | OutputError::MergeInto { .. } => {
                Some("pass --force to replace the file instead of merging into it".into())
            }
            OutputError::Plugin { .. } => {
                Some("the plugin protocol is described in plugins/README.md".into())
            }
            _ => None,
        }
    }
}

pub trait Format {
    fn write(&self, ctx: &OutputContext<'_>, out: &mut dyn Write) -> Result<(), OutputError>;
}

/// The built-in formats. Any other name selects an external plugin (`plugin`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatKind {
    /// credential_process JSON (Version 1).
    Process,
    /// Credentials plus account, role, region and profile, for scripts.
    Json,
    /// POSIX sh `export NAME=VALUE` lines for `eval`.
    Env,
    /// POSIX sh `NAME=VALUE` lines.
    EnvNoExport,
    /// fish `set -gx NAME "VALUE"` lines.
    Fish,
    /// PowerShell `$Env:NAME="VALUE"` lines.
    Powershell,
    /// cmd.exe `set NAME=VALUE` lines.
    WindowsCmd,
    /// A `.env` file read alike by python-dotenv, npm dotenv and `set -a; . file`.
    Dotenv,
    /// A docker compose `env_file`.
    Compose,
    /// A docker compose override file that sets `environment` of the `--service`s.
    ComposeOverride,
    /// A `~/.aws/credentials` profile section.
    Ini,
    /// GitHub Actions: masks on stdout, then `$GITHUB_ENV` and `$GITHUB_OUTPUT` entries.
    Github,
    /// A Kubernetes ExecCredential with an EKS token for `--cluster-name`.
    ExecCredential,
}

/// Per-sink parameters of the formats that need more than the context. Not `Debug`: `existing`
/// may hold old credentials.
#[derive(Clone, Default)]
pub struct FormatParams {
    /// The current content of the file a merging format updates.
    pub existing: Option<String>,
    /// Section name for `ini`.
    pub ini_profile: Option<String>,
    /// EKS cluster name for `exec-credential`.
    pub cluster: Option<String>,
    /// ExecCredential apiVersion for `exec-credential` (default v1beta1).
    pub api_version: Option<crate::kube::ApiVersion>,
    /// Services for `compose-override`.
    pub services: Vec<String>,
}

impl FormatKind {
    /// The built-in format called `name` (exactly as listed by `--help`).
    pub fn parse(name: &str) -> Option<FormatKind> {
        <FormatKind as clap::ValueEnum>::from_str(name, false).ok()
    }

    pub fn name(self) -> &'static str {
        match self {
            FormatKind::Process => "process",
            FormatKind::Json => "json",
            FormatKind::Env => "env",
            FormatKind::EnvNoExport => "env-no-export",
            FormatKind::Fish => "fish",
            FormatKind::Powershell => "powershell",
            FormatKind::WindowsCmd => "windows-cmd",
            FormatKind::Dotenv => "dotenv",
            FormatKind::Compose => "compose",
            FormatKind::ComposeOverride => "compose-override",
            FormatKind::Ini => "ini",
            FormatKind::Github => "github",
            FormatKind::ExecCredential => "exec-credential",
        }
    }

    /// Every built-in name, for messages.
    pub fn all_names() -> Vec<&'static str> {
        <FormatKind as clap::ValueEnum>::value_variants()
            .iter()
            .map(|k| k.name())
            .collect()
    }

    /// Formats that update an existing file in place, keeping what they do not own.
    pub fn merges(self) -> bool {
        matches!(
            self,
            FormatKind::Dotenv
                | FormatKind::Compose
                | FormatKind::ComposeOverride
                | FormatKind::Ini
        )
    }

    pub fn build(self, params: FormatParams) -> Box<dyn Format> {
        match self {
            FormatKind::Process => Box::new(process::Process),
            FormatKind::Json => Box::new(json::Json),
            FormatKind::Env => Box::new(sh::Sh { export: true }),
            FormatKind::EnvNoExport => Box::new(sh::Sh { export: false }),
            FormatKind::Fish => Box::new(fish::Fish),
            FormatKind::Powershell => Box::new(powershell::Powershell),
            FormatKind::WindowsCmd => Box::new(windows_cmd::WindowsCmd),
            FormatKind::Dotenv => Box::new(dotenv::Dotenv {
                existing: params.existing,
            }),
            FormatKind::Compose => Box::new(compose::Compose {
                existing: params.existing,
            }),
            FormatKind::ComposeOverride => Box::new(compose_override::ComposeOverride {
                services: params.services,
                existing: params.existing,
            }),
            FormatKind::Ini => Box::new(ini::Ini {
                profile: params.ini_profile.unwrap_or_default(),
                existing: params.existing,
            }),
            FormatKind::Github => Box::new(github::Github),
            FormatKind::ExecCredential => Box::new(exec_credential::ExecCredential {
                cluster: params.cluster,
                api_version: params
                    .api_version
                    .unwrap_or(crate::kube::ApiVersion::DEFAULT),
            }),
        }
    }
}

/// The environment variables for `ctx`, in the CLI's order, the expiry with `+00:00` as
/// `aws configure export-credentials` prints it (the mapping: [`crate::credentials::variables`]).
pub fn variables<'a>(ctx: &OutputContext<'a>) -> Vec<Variable<'a>> {
    credentials::variables::variables(ctx.credentials, ctx.region, ExpiryForm::Offset)
}

/// The variable names a file format replaces in an existing file for `ctx` (see
/// [`CREDENTIAL_VARIABLES`], [`REGION_VARIABLES`]).
pub fn owned_variables(ctx: &OutputContext<'_>) -> Vec<&'static str> {
    let mut names = CREDENTIAL_VARIABLES.to_vec();
    if ctx.region.is_some() {
        names.extend(REGION_VARIABLES);
    }
    names
}

/// A built-in format whose document is lines of shell assignments (env, env-no-export, fish,
/// powershell, windows-cmd). `serve` prints its endpoint and token in one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShellFormat(FormatKind);

impl ShellFormat {
    pub const ALL: [FormatKind; 5] = [
        FormatKind::Env,
        FormatKind::EnvNoExport,
        FormatKind::Fish,
        FormatKind::Powershell,
        FormatKind::WindowsCmd,
    ];

    pub fn new(kind: FormatKind) -> Option<ShellFormat> {
        Self::ALL.contains(&kind).then_some(ShellFormat(kind))
    }

    /// Variables other than credentials as this format's lines, each written by the same
    /// function the format writes credentials with.
    pub fn assignments(self, vars: &[(&'static str, &str)]) -> Result<String, OutputError> {
        vars.iter()
            .map(|&(name, value)| {
                match self.0 {
                    FormatKind::Env => sh::assignment(true, name, value),
                    FormatKind::EnvNoExport => sh::assignment(false, name, value),
                    FormatKind::Fish => fish::assignment(name, value),
                    FormatKind::Powershell => powershell::assignment(name, value),
                    // WindowsCmd: `new` admits no other kind.
                    _ => windows_cmd::assignment(name, value),
                }
                .map_err(|why| unrepresentable(self.0.name(), name, why))
            })
            .collect()
    }
}

/// The error for a value a format cannot carry.
pub(crate) fn unrepresentable(
    format: &'static str,
    variable: &'static str,
    why: &'static str,
) -> OutputError {
    OutputError::Unrepresentable {
        format,
        variable,
        why,
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! A context with fixed, plain values for the formats' unit tests.
    use super::OutputContext;
    use crate::credentials::Credentials;
    use crate::support::secret::Secret;
    use time::macros::datetime;

    pub fn credentials(secret: &str, token: Option<&str>) -> Credentials {
        Credentials {
            access_key_id: "ASIAFAKEPORTAL000001".into(),
            secret_access_key: Secret::new(secret),
            session_token: token.map(Secret::new),
            expiration: Some(datetime!(2026-11-26 10:19:25 UTC)),
            account_id: Some("111111111111".into()),
        }
    }

    pub fn plain() -> Credentials {
        credentials(
            "fakeportalsecret/+=000000000000000000000",
            Some("FAKE//session+token=="),
        )
    }

    pub fn ctx<'a>(c: &'a Credentials, region: Option<&'a str>) -> OutputContext<'a> {
        OutputContext {
            credentials: c,
            profile: Some("dev"),
            region,
            account_id: Some("111111111111"),
            role_name: Some("ReadOnly"),
            now: datetime!(2026-11-26 09:19:25 UTC),
        }
    }

    /// What a format writes for `ctx`, as text.
    pub fn render(
        f: &dyn super::Format,
        ctx: &OutputContext<'_>,
    ) -> Result<String, super::OutputError> {
        let mut out = Vec::new();
        f.write(ctx, &mut out)?;
        Ok(String::from_utf8(out).expect("utf-8"))
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;
    use crate::support::env::{
        AWS_ACCESS_KEY_ID, AWS_CREDENTIAL_EXPIRATION, AWS_DEFAULT_REGION, AWS_REGION,
        AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
    };

    #[test]
    fn variables_follow_the_cli_order_and_add_regions() {
        let c = plain();
        let names: Vec<_> = variables(&ctx(&c, Some("eu-west-1")))
            .iter()
            .map(|v| v.name)
            .collect();
        assert_eq!(
            names,
            [
                AWS_ACCESS_KEY_ID,
                AWS_SECRET_ACCESS_KEY,
                AWS_SESSION_TOKEN,
                AWS_CREDENTIAL_EXPIRATION,
                AWS_REGION,
                AWS_DEFAULT_REGION
            ]
        );
        let c = credentials("s", None);
        let names: Vec<_> = variables(&ctx(&c, None)).iter().map(|v| v.name).collect();
        assert_eq!(
            names,
            [
                AWS_ACCESS_KEY_ID,
                AWS_SECRET_ACCESS_KEY,
                AWS_CREDENTIAL_EXPIRATION
            ]
        );
    }

    #[test]
    fn variable_debug_hides_secrets() {
        let c = credentials("hunter2-secret", Some("hunter2-token"));
        let shown = format!("{:?}", variables(&ctx(&c, Some("eu-west-1"))));
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("eu-west-1"), "{shown}");
    }

    #[test]
    fn every_builtin_name_parses_back() {
        for name in FormatKind::all_names() {
            assert_eq!(FormatKind::parse(name).map(FormatKind::name), Some(name));
        }
        assert_eq!(FormatKind::parse("tfvars"), None);
        assert_eq!(FormatKind::parse("ENV"), None);
    }
}
