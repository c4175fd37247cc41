//! Command-line types (clap) and nothing else: no defaults from env or config, no I/O.
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "ssoexec",
    version,
    about = "Sign in to AWS IAM Identity Center once; hand role credentials to every program that needs them.",
    after_help = "Run a command with credentials:  ssoexec --profile dev -- terraform plan"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub login: LoginArgs,
    /// Log what ssoexec does (requests, cache files, decisions) on stderr; secrets are never shown.
    #[arg(long, global = true)]
    pub debug: bool,
    /// The command to run with credentials in its environment (after `--`).
    #[arg(last = true, value_name = "COMMAND")]
    pub command_line: Vec<OsString>,
}

/// Which identity: a profile, or the config-less flags.
#[derive(Args, Debug, Default, Clone)]
pub struct TargetArgs {
    /// Profile in ~/.aws/config (default: AWS_PROFILE, AWS_DEFAULT_PROFILE, then "default").
    #[arg(long, short = 'p', global = true)]
    pub profile: Option<String>,
    /// Use an [sso-session NAME] directly (login, logout, status, accounts).
    #[arg(long, global = true)]
    pub sso_session: Option<String>,
    /// Config-less: the Identity Center start URL (with --sso-region, --account-id, --role-name).
    #[arg(long, global = true)]
    pub start_url: Option<String>,
    /// Config-less: the Identity Center region.
    #[arg(long, global = true)]
    pub sso_region: Option<String>,
    /// Config-less: the AWS account to get credentials for.
    #[arg(long, global = true)]
    pub account_id: Option<String>,
    /// Config-less: the permission set (role) name.
    #[arg(long, global = true)]
    pub role_name: Option<String>,
    /// Region for outputs and STS (default: AWS_REGION, AWS_DEFAULT_REGION, profile region).
    #[arg(long, global = true)]
    pub region: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FlowArg {
    /// Device authorization: a URL and code to confirm in any browser (SSH, containers, CI).
    DeviceCode,
    /// Authorization code with PKCE and a loopback callback (local browser).
    Pkce,
}

/// How a login happens when one is needed.
#[derive(Args, Debug, Default, Clone)]
pub struct LoginArgs {
    /// Login flow (default: pkce where a local browser is plausible, device-code elsewhere).
    #[arg(long, global = true, value_enum)]
    pub flow: Option<FlowArg>,
    /// Shorthand for --flow device-code.
    #[arg(long, global = true, conflicts_with_all = ["flow", "pkce"])]
    pub device_code: bool,
    /// Shorthand for --flow pkce.
    #[arg(long, global = true, conflicts_with = "flow")]
    pub pkce: bool,
    /// Do not open a browser; print the URL (and code) on stderr only.
    #[arg(long, global = true)]
    pub no_browser: bool,
    /// Command that opens the login URL (`%s` is replaced by the URL, otherwise it is appended).
    #[arg(long, global = true, value_name = "CMD")]
    pub browser_command: Option<String>,
    /// Allow a background command (no terminal) to start a login when none is cached.
    #[arg(long, global = true)]
    pub login_if_needed: bool,
}

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
    /// Run a command with credentials in its environment (same as `ssoexec -- COMMAND`).
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
    /// GitHub Actions: credentials from the job's OIDC token (or Identity Center) for later steps.
    Github(GithubArgs),
}

/// `ssoexec github`. Every option can come from the `INPUT_*` variable the action sets, so the
/// action passes inputs as environment variables, never as shell code.
#[derive(Args, Debug, Clone)]
pub struct GithubArgs {
    /// Role to assume with the job's OIDC token: an ARN, or a role name with --aws-account-id.
    #[arg(long, env = "INPUT_ROLE_TO_ASSUME", hide_env_values = true)]
    pub role_to_assume: Option<String>,
    /// Region for STS and for AWS_REGION / AWS_DEFAULT_REGION (default: --region, AWS_REGION).
    #[arg(long, env = "INPUT_AWS_REGION")]
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
    #[arg(long, env = "INPUT_ROLE_DURATION_SECONDS", default_value = "3600")]
    pub role_duration_seconds: String,
    /// Also set the credentials as (masked) step outputs.
    #[arg(long, env = "INPUT_OUTPUT_CREDENTIALS", default_value = "false")]
    pub output_credentials: String,
    /// Export the credentials to later steps' environment.
    #[arg(long, env = "INPUT_OUTPUT_ENV_CREDENTIALS", default_value = "true")]
    pub output_env_credentials: String,
    /// Also write a dotenv file here.
    #[arg(long, env = "INPUT_ENV_FILE")]
    pub env_file: Option<String>,
    /// More sinks, FORMAT=PATH (repeatable; in INPUT_EMIT one per line).
    #[arg(long, env = "INPUT_EMIT", value_delimiter = '\n')]
    pub emit: Vec<String>,
    /// Identity Center instead of OIDC: the start URL.
    #[arg(long, env = "INPUT_SSO_START_URL")]
    pub sso_start_url: Option<String>,
    /// Identity Center region.
    #[arg(long, env = "INPUT_SSO_REGION")]
    pub sso_region: Option<String>,
    /// Identity Center account.
    #[arg(long, env = "INPUT_SSO_ACCOUNT_ID")]
    pub sso_account_id: Option<String>,
    /// Identity Center role (permission set) name.
    #[arg(long, env = "INPUT_SSO_ROLE_NAME")]
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
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1 with a random port). A non-loopback address also
    /// needs a token in SSOEXEC_SERVE_TOKEN.
    #[arg(long, value_name = "ADDR:PORT")]
    pub bind: Option<String>,
    /// Internal (exec --renew): print the port, then serve until stdin closes.
    #[arg(long, hide = true)]
    pub lifeline_stdin: bool,
    /// Internal (exec --renew on Unix): print the port, then serve until the parent process (the
    /// child, once ssoexec has exec'd into it) exits.
    #[arg(long, hide = true, conflicts_with = "lifeline_stdin")]
    pub lifeline_parent: bool,
}

#[derive(Args, Debug)]
pub struct LogoutArgs {
    /// Sign out of every session in the cache.
    #[arg(long)]
    pub all: bool,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Output format (default env when no --emit is given): process, json, env, env-no-export,
    /// fish, powershell, windows-cmd, dotenv, compose, compose-override, ini, github; any other
    /// NAME runs the plugin `ssoexec-format-NAME` found on PATH.
    #[arg(long, short = 'f', value_name = "FORMAT")]
    pub format: Option<String>,
    /// File for --format (default stdout; `-` is stdout).
    #[arg(long, short = 'o', requires = "format", value_name = "PATH")]
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
    /// Serve self-renewing credentials to the child (ECS container-credentials protocol).
    #[arg(long)]
    pub renew: bool,
    /// Run even inside another profile's ssoexec environment.
    #[arg(long)]
    pub force: bool,
    /// The command and its arguments.
    #[arg(last = true, required = true, value_name = "COMMAND")]
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
    /// JSON output (default on a pipe is JSON too; a table on a terminal).
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
    /// EKS cluster name.
    #[arg(long)]
    pub cluster_name: String,
    /// API server URL (default: from EKS DescribeCluster).
    #[arg(long)]
    pub server: Option<String>,
    /// Base64 CA data (default: from EKS DescribeCluster).
    #[arg(long)]
    pub certificate_authority_data: Option<String>,
    /// kubeconfig to write (default: first path of KUBECONFIG, else ~/.kube/config).
    #[arg(long)]
    pub kubeconfig: Option<PathBuf>,
    /// Name of the context and user entries (default: the cluster ARN, as `aws eks update-kubeconfig`).
    #[arg(long)]
    pub alias: Option<String>,
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
}
