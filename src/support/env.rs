//! Every environment variable ssoexec reads, declared once, and the `Env` handle that reads them.
//! Domain code never calls `std::env::var`: it asks an `Env`, which tests can build by hand.
use std::collections::HashMap;
use std::ffi::OsString;

/// Profile to use when `--profile` is absent (checked before `AWS_DEFAULT_PROFILE`, as CLI v2 does).
pub const AWS_PROFILE: &str = "AWS_PROFILE";
/// Profile fallback after `AWS_PROFILE`.
pub const AWS_DEFAULT_PROFILE: &str = "AWS_DEFAULT_PROFILE";
/// Region; wins over `AWS_DEFAULT_REGION` and the profile's `region`.
pub const AWS_REGION: &str = "AWS_REGION";
/// Region fallback after `AWS_REGION`.
pub const AWS_DEFAULT_REGION: &str = "AWS_DEFAULT_REGION";
/// Path of the shared config file (default `~/.aws/config`).
pub const AWS_CONFIG_FILE: &str = "AWS_CONFIG_FILE";
/// Path of the shared credentials file (default `~/.aws/credentials`).
pub const AWS_SHARED_CREDENTIALS_FILE: &str = "AWS_SHARED_CREDENTIALS_FILE";
/// `credential_source = Environment`: the access key id AssumeRole is signed with.
pub const AWS_ACCESS_KEY_ID: &str = "AWS_ACCESS_KEY_ID";
/// `credential_source = Environment`: the secret access key.
pub const AWS_SECRET_ACCESS_KEY: &str = "AWS_SECRET_ACCESS_KEY";
/// `credential_source = Environment`: the session token of temporary credentials.
pub const AWS_SESSION_TOKEN: &str = "AWS_SESSION_TOKEN";
/// Written (never read) with credentials: when they expire (`credentials::variables`).
pub const AWS_CREDENTIAL_EXPIRATION: &str = "AWS_CREDENTIAL_EXPIRATION";
/// Endpoint of the AWS console federation endpoint (`ssoexec console`), instead of the
/// partition's `https://signin.aws.amazon.com/federation` (`docs/console.md`); tests aim it at the mock.
pub const AWS_ENDPOINT_URL_SIGNIN: &str = "AWS_ENDPOINT_URL_SIGNIN";
/// Endpoint for every AWS service, below the per-service variables.
pub const AWS_ENDPOINT_URL: &str = "AWS_ENDPOINT_URL";
/// Endpoint of SSO OIDC (register, device authorization, token, authorize).
pub const AWS_ENDPOINT_URL_SSO_OIDC: &str = "AWS_ENDPOINT_URL_SSO_OIDC";
/// Endpoint of the SSO portal (role credentials, accounts, roles, logout).
pub const AWS_ENDPOINT_URL_SSO: &str = "AWS_ENDPOINT_URL_SSO";
/// Endpoint of STS.
pub const AWS_ENDPOINT_URL_STS: &str = "AWS_ENDPOINT_URL_STS";
/// Endpoint of EKS (DescribeCluster for `kubeconfig`).
pub const AWS_ENDPOINT_URL_EKS: &str = "AWS_ENDPOINT_URL_EKS";
/// `true` disables every configured endpoint override, as in the AWS CLI.
pub const AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: &str = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS";
/// PEM bundle of extra CA certificates trusted for HTTPS.
pub const AWS_CA_BUNDLE: &str = "AWS_CA_BUNDLE";
/// Home directory: the base of `~/.aws` and of ssoexec's own cache.
pub const HOME: &str = "HOME";
/// Windows home directory (`%USERPROFILE%`): `~` there, before `HOME`; elsewhere used when `HOME` is unset.
pub const USERPROFILE: &str = "USERPROFILE";
/// Base of ssoexec's own cache directory (`$XDG_CACHE_HOME/ssoexec`, else `~/.cache/ssoexec`).
pub const XDG_CACHE_HOME: &str = "XDG_CACHE_HOME";
/// Command that opens a URL (`%s` is replaced by the URL, otherwise it is appended).
pub const BROWSER: &str = "BROWSER";
/// Login flow: `device-code` or `pkce` (same as `--flow`).
pub const SSOEXEC_LOGIN_FLOW: &str = "SSOEXEC_LOGIN_FLOW";
/// `1`/`true`: background commands may start a login when none is cached (same as `--login-if-needed`).
pub const SSOEXEC_LOGIN_IF_NEEDED: &str = "SSOEXEC_LOGIN_IF_NEEDED";
/// `1`/`true`: never open a browser, only print the URL (same as `--no-browser`).
pub const SSOEXEC_NO_BROWSER: &str = "SSOEXEC_NO_BROWSER";
/// Upper bound in seconds on waiting for a login to be approved (default: the device code's
/// lifetime, or 10 minutes for the PKCE callback).
pub const SSOEXEC_LOGIN_TIMEOUT: &str = "SSOEXEC_LOGIN_TIMEOUT";
/// Seconds to wait for one HTTP request before giving up (default 30).
pub const SSOEXEC_HTTP_TIMEOUT: &str = "SSOEXEC_HTTP_TIMEOUT";
/// Hidden test seam: pins the clock (epoch seconds or RFC 3339) so subprocess tests are
/// deterministic. Read by debug builds only (`support::clock::Clock::from_env`); release builds
/// ignore it.
pub const SSOEXEC_TEST_NOW: &str = "SSOEXEC_TEST_NOW";
/// Set by `ssoexec exec` in the child: the profile whose credentials it carries.
pub const SSOEXEC_PROFILE: &str = "SSOEXEC_PROFILE";
/// Set by `ssoexec exec` in the child: the whole identity it carries (role, account, session,
/// role chain), which the nested guard compares.
pub const SSOEXEC_IDENTITY: &str = "SSOEXEC_IDENTITY";
/// Bearer token the credentials server (`serve`, `exec --renew`) requires; random when unset.
pub const SSOEXEC_SERVE_TOKEN: &str = "SSOEXEC_SERVE_TOKEN";
/// Compose's own list of compose files; `ssoexec compose` passes them on explicitly.
pub const COMPOSE_FILE: &str = "COMPOSE_FILE";
/// The Docker daemon the `docker` CLI talks to; ssoexec's containers need a local one.
pub const DOCKER_HOST: &str = "DOCKER_HOST";
/// Set (to anything but an empty string): no colour in messages (https://no-color.org).
pub const NO_COLOR: &str = "NO_COLOR";
/// SSH session markers: a browser here is probably not on the user's screen.
pub const SSH_CONNECTION: &str = "SSH_CONNECTION";
/// See [`SSH_CONNECTION`].
pub const SSH_TTY: &str = "SSH_TTY";
/// Set inside WSL; the Linux side cannot receive the Windows browser's loopback callback reliably.
pub const WSL_DISTRO_NAME: &str = "WSL_DISTRO_NAME";
/// Set by most CI systems.
pub const CI: &str = "CI";
/// X11 display; without it (and without Wayland) no local browser is plausible on Linux.
pub const DISPLAY: &str = "DISPLAY";
/// Wayland display, see [`DISPLAY`].
pub const WAYLAND_DISPLAY: &str = "WAYLAND_DISPLAY";
/// Kubernetes exec plugin input (apiVersion, interactive).
pub const KUBERNETES_EXEC_INFO: &str = "KUBERNETES_EXEC_INFO";
/// Kubeconfig search path (first entry is written by `ssoexec kubeconfig`).
pub const KUBECONFIG: &str = "KUBECONFIG";
/// GitHub Actions: file whose appended `NAME<<DELIM` entries become later steps' environment.
pub const GITHUB_ENV: &str = "GITHUB_ENV";
/// GitHub Actions: file of step outputs.
pub const GITHUB_OUTPUT: &str = "GITHUB_OUTPUT";
/// GitHub Actions: Markdown appended here appears on the run's summary page.
pub const GITHUB_STEP_SUMMARY: &str = "GITHUB_STEP_SUMMARY";
/// GitHub Actions OIDC: the token request URL (present with `permissions: id-token: write`).
pub const ACTIONS_ID_TOKEN_REQUEST_URL: &str = "ACTIONS_ID_TOKEN_REQUEST_URL";
/// GitHub Actions OIDC: the bearer for the token request URL.
pub const ACTIONS_ID_TOKEN_REQUEST_TOKEN: &str = "ACTIONS_ID_TOKEN_REQUEST_TOKEN";
/// GitHub Actions: a temporary directory of the job (where `ssoexec github` keeps its state).
pub const RUNNER_TEMP: &str = "RUNNER_TEMP";
/// Set by `ssoexec github` for later steps: the state file `ssoexec github --refresh` reads.
pub const SSOEXEC_GITHUB_STATE: &str = "SSOEXEC_GITHUB_STATE";
/// Executable search path (external format plugins, exec).
pub const PATH: &str = "PATH";
/// The user's shell: `ssoexec --profile P` with no command starts it (default `/bin/sh`).
#[cfg_attr(windows, allow(dead_code))]
pub const SHELL: &str = "SHELL";
/// Windows command interpreter: the shell `ssoexec --profile P` starts there (default `cmd.exe`).
#[cfg_attr(not(windows), allow(dead_code))]
pub const COMSPEC: &str = "COMSPEC";

/// A snapshot of the process environment. Tests build one from a map.
#[derive(Clone, Default)]
pub struct Env {
    vars: HashMap<String, String>,
}

impl Env {
    /// The real process environment (variables that are not UTF-8 are skipped).
    #[allow(clippy::disallowed_methods)] // the one place that reads the process environment
    pub fn from_process() -> Self {
        let vars = std::env::vars_os()
            .filter_map(|(k, v): (OsString, OsString)| {
                Some((k.into_string().ok()?, v.into_string().ok()?))
            })
            .collect();
        Env { vars }
    }

    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Env {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// The variable's value; an empty value counts as unset, as in the AWS SDKs.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// `1`, `true`, `yes` or `on` (any case).
    pub fn flag(&self, name: &str) -> bool {
        self.get(name).is_some_and(is_truthy)
    }

    pub fn is_set(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

/// The truth values accepted in env vars and config keys.
pub fn is_truthy(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "yes" | "on"
    )
}
