//! `ssoexec github`: GitHub OIDC token → STS AssumeRoleWithWebIdentity (or an Identity Center
//! sign-in) → `::add-mask::` for every secret → `$GITHUB_ENV` / `$GITHUB_OUTPUT` → extra `--emit`
//! sinks → one line in `$GITHUB_STEP_SUMMARY`. The inputs (no secrets) are saved so
//! `ssoexec github --refresh` in a later step can renew.
use crate::app::App;
use crate::aws::sts::AssumeRoleRequest;
use crate::cache::token;
use crate::cli::GithubArgs;
use crate::config::Identity;
use crate::config::{SsoSession, SsoTarget, profile};
use crate::credentials::Credentials;
use crate::credentials::sso::{LoginPermission, role_credentials};
use crate::credentials::variables::{
    CREDENTIAL_VARIABLES, ExpiryForm, REGION_VARIABLES, variables,
};
use crate::credentials::web_identity::{WebIdentityRequest, assume_role_with_web_identity};
use crate::credentials::{self, assume_role};
use crate::error::Error;
use crate::github::{self, GithubFiles, StepCommands, delimiter, mask_line, oidc, summary};
use crate::output::OutputContext;
use crate::output::deliver::{self, SinkRequest};
use crate::support::atomic;
use crate::support::clock::{describe_instant, format_timestamp};
use crate::support::env::{RUNNER_TEMP, SSOEXEC_GITHUB_STATE};
use crate::support::exit::ExitStatus;
use crate::support::stdout::{StdoutError, write_stdout};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::path::PathBuf;

/// What can go wrong in a step, besides the layers' own errors.
#[derive(Debug, thiserror::Error)]
enum GithubError {
    /// No usable cached token and no `login: device-code`: CI cannot sign in by itself.
    #[error("{reason}")]
    SignInNeeded {
        reason: String,
        login_command: String,
    },
    /// The `sso-token-cache` input does not parse. serde's own message can quote the input,
    /// secrets and all, so only where it failed is kept.
    #[error(
        "the sso-token-cache input is not an AWS CLI token cache file: {what} (line {line}, column {column})"
    )]
    TokenCacheUnreadable {
        what: &'static str,
        line: usize,
        column: usize,
    },
    /// The `sso-token-cache` input parses but holds an unusable value.
    #[error("the sso-token-cache input: {0}")]
    TokenCacheInvalid(String),
    #[error("cannot write the state of this step")]
    StateWrite(#[source] serde_json::Error),
    #[error("cannot read {}", path.display())]
    StateRead {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not an ssoexec github state file", path.display())]
    StateParse {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

impl crate::error::Diagnostic for GithubError {
    fn hint(&self) -> Option<String> {
        match self {
            GithubError::SignInNeeded { login_command, .. } => Some(format!("set the `login: device-code` input to sign in from the log, or pass a token cache in `sso-token-cache` (locally: {login_command})")),
            GithubError::TokenCacheUnreadable { .. } => Some("paste the whole ~/.aws/sso/cache/<sha1>.json of a signed-in machine into the secret, as it is (not JSON-encoded again)".into()),
            GithubError::StateRead { .. } => Some(
                "run `ssoexec github` (or the action) once earlier in this job before --refresh".into(),
            ),
            GithubError::TokenCacheInvalid(_) | GithubError::StateWrite(_) | GithubError::StateParse { .. } => None,
        }
    }
}
crate::diagnostic_error!(GithubError);

/// Where credentials come from.
#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(tag = "mode", rename_all = "kebab-case")]
enum Source {
    /// The job's OIDC token, exchanged with STS.
    WebIdentity {
        role_arn: String,
        session_name: String,
        duration_seconds: u32,
        audience: String,
        /// `inline-session-policy` (JSON).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        policy: Option<String>,
        /// `managed-session-policies` (ARNs).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        policy_arns: Vec<String>,
        /// `retry-max-attempts`.
        #[serde(default = "default_attempts")]
        max_attempts: u32,
        /// `special-characters-workaround`.
        #[serde(default)]
        plain_secret: bool,
    },
    /// `role-chaining` without Identity Center inputs: the credentials already in this step's
    /// environment (`AWS_ACCESS_KEY_ID`, ...), as configure-aws-credentials chains.
    Environment,
    /// IAM Identity Center (a cached token, a token from a secret, or a device-code sign-in).
    IdentityCenter {
        start_url: Option<String>,
        sso_region: Option<String>,
        account_id: String,
        role_name: String,
        device_code_login: bool,
    },
}

fn default_attempts() -> u32 {
    crate::cli::DEFAULT_RETRY_ATTEMPTS
}

/// `role-chaining: true`: `role-to-assume`, assumed with the credentials the source gave.
#[derive(Serialize, Deserialize, Debug, Clone)]
struct Chain {
    role_arn: String,
    session_name: String,
    duration_seconds: u32,
    /// `role-external-id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    external_id: Option<String>,
    /// `inline-session-policy` (JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    policy: Option<String>,
    /// `managed-session-policies` (ARNs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    policy_arns: Vec<String>,
}

/// Everything a step needs to (re)do the exchange. Holds no secret: it is saved for `--refresh`.
#[derive(Serialize, Deserialize, Debug, Clone)]
struct Inputs {
    source: Source,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    chain: Option<Chain>,
    region: String,
    output_credentials: bool,
    output_env_credentials: bool,
    emit: Vec<String>,
    /// `mask-aws-account-id`.
    #[serde(default)]
    mask_account_id: bool,
    /// `unset-current-credentials`.
    #[serde(default)]
    unset_current_credentials: bool,
}

pub async fn github(app: &App, args: &GithubArgs) -> Result<ExitStatus, Error> {
    let files = GithubFiles::from_env(&app.env)?;
    if let Some(observer) = github::SummaryObserver::from_env(&app.env) {
        app.observe_logins(Box::new(observer));
    }
    let inputs = if args.refresh {
        load_state(app)?
    } else {
        inputs(app, args)?
    };
    let request = SinkRequest {
        emit: inputs.emit.clone(),
        ..SinkRequest::default()
    };
    // Extra sinks are resolved and checked before any credentials exist.
    let sinks = if inputs.emit.is_empty() {
        None
    } else {
        Some(deliver::prepare(app, &request)?)
    };
    let (creds, arn) = obtain(app, args, &inputs).await?;
    let account = creds.account_id.clone().or_else(|| {
        arn.as_deref()
            .and_then(crate::aws::arn::account)
            .map(String::from)
    });
    let who = Who {
        arn: arn.as_deref(),
        account: account.as_deref(),
    };
    let mut cmds = step_commands(&inputs, &creds, &who);
    let state = save_state(app, &inputs)?;
    cmds.set_env(SSOEXEC_GITHUB_STATE, &state.display().to_string());

    // Masks first, flushed, before any value reaches a file the runner reads.
    let mut masks = Vec::new();
    cmds.write_masks(&mut masks).map_err(StdoutError)?;
    write_stdout(&masks)?;
    let d = delimiter(rand::random());
    files.append(&cmds.env_file(&d)?, &cmds.output_file(&d)?)?;

    if let Some(sinks) = &sinks {
        let (account_id, role_name) = sink_identity(&inputs, who.account);
        let ctx = OutputContext {
            credentials: &creds,
            profile: None,
            region: Some(&inputs.region),
            account_id,
            role_name,
            now: app.now(),
        };
        deliver::deliver(app, sinks, &ctx)?;
    }
    let until = creds.expiration.map(|e| describe_instant(e, app.now()));
    let (summary_line, log_line) = report(&inputs, &who, until.as_deref());
    summary(app, &summary_line);
    app.printer.info(log_line);
    Ok(ExitStatus::Success)
}

/// Who the credentials are for: the ARN STS reported, and the account.
struct Who<'a> {
    arn: Option<&'a str>,
    account: Option<&'a str>,
}

/// The credentials of the step's source, with the chained role assumed on top when there is one;
/// also the ARN STS reported, when it did.
async fn obtain(
    app: &App,
    args: &GithubArgs,
    inputs: &Inputs,
) -> Result<(Credentials, Option<String>), Error> {
    let (creds, arn) = match &inputs.source {
        Source::WebIdentity { .. } => web_identity(app, inputs).await?,
        Source::IdentityCenter { .. } => identity_center(app, args, inputs).await?,
        Source::Environment => (
            credentials::resolve(app, &Identity::Environment, LoginPermission::Never).await?,
            None,
        ),
    };
    let Some(chain) = &inputs.chain else {
        return Ok((creds, arn));
    };
    let request = AssumeRoleRequest {
        role_arn: &chain.role_arn,
        session_name: &chain.session_name,
        duration_seconds: Some(chain.duration_seconds),
        external_id: chain.external_id.as_deref(),
        policy: chain.policy.as_deref(),
        policy_arns: &chain.policy_arns,
        ..AssumeRoleRequest::default()
    };
    let assumed = assume_role::assume_in(app, &inputs.region, &creds, &request).await?;
    Ok((assumed.credentials, assumed.arn))
}

/// Everything the step tells the runner, planned from the credentials (no I/O): the masks, then
/// `$GITHUB_ENV` ([`env_variables`]) and `$GITHUB_OUTPUT`.
fn step_commands(inputs: &Inputs, creds: &Credentials, who: &Who<'_>) -> StepCommands {
    let mut cmds = StepCommands::new();
    if inputs.mask_account_id
        && let Some(a) = who.account
    {
        cmds.mask(a);
    }
    cmds.mask(&creds.access_key_id);
    cmds.mask(creds.secret_access_key.expose());
    if let Some(t) = &creds.session_token {
        cmds.mask(t.expose());
    }
    for (name, value) in env_variables(inputs, creds) {
        cmds.set_env(name, &value);
    }
    if let Some(a) = who.account {
        cmds.set_output("aws-account-id", a);
    }
    if let Some(a) = who.arn {
        cmds.set_output("authenticated-arn", a);
    }
    if inputs.output_credentials {
        cmds.set_output("aws-access-key-id", &creds.access_key_id);
        cmds.set_output("aws-secret-access-key", creds.secret_access_key.expose());
        if let Some(t) = &creds.session_token {
            cmds.set_output("aws-session-token", t.expose());
        }
        if let Some(e) = creds.expiration {
            cmds.set_output("aws-expiration", &format_timestamp(e));
        }
    }
    cmds
}

/// `$GITHUB_ENV` for the credentials, from the one mapping ([`variables`], the expiry in the `Z`
/// form configure-aws-credentials writes): with `output-env-credentials` every credential
/// variable (empty for one the credentials lack, so an earlier step's value cannot linger), with
/// `unset-current-credentials` instead all of them empty; then the region.
fn env_variables<'a>(
    inputs: &'a Inputs,
    creds: &'a Credentials,
) -> Vec<(&'static str, Cow<'a, str>)> {
    let vars = variables(creds, Some(&inputs.region), ExpiryForm::Zulu);
    let mut env: Vec<(&'static str, Cow<'a, str>)> = Vec::new();
    if inputs.output_env_credentials || inputs.unset_current_credentials {
        for name in CREDENTIAL_VARIABLES {
            let value = vars
                .iter()
                .find(|v| v.name == name && inputs.output_env_credentials)
                .map_or(Cow::Borrowed(""), |v| v.value.clone());
            env.push((name, value));
        }
    }
    let region = vars
        .into_iter()
        .filter(|v| REGION_VARIABLES.contains(&v.name));
    env.extend(region.map(|v| (v.name, v.value)));
    env
}

/// The account and role named to `--emit` sinks: those of the chained role when there is one.
fn sink_identity<'a>(
    inputs: &'a Inputs,
    account: Option<&'a str>,
) -> (Option<&'a str>, Option<&'a str>) {
    match &inputs.source {
        Source::IdentityCenter { .. } | Source::Environment if inputs.chain.is_some() => (
            account,
            inputs
                .chain
                .as_ref()
                .and_then(|c| crate::aws::arn::role_name(&c.role_arn)),
        ),
        Source::IdentityCenter {
            account_id,
            role_name,
            ..
        } => (Some(account_id.as_str()), Some(role_name.as_str())),
        Source::WebIdentity { .. } | Source::Environment => (account, None),
    }
}

/// The step summary line and the log line: who, where, until when. The runner masks the log,
/// not the step summary: a masked account is kept out of both.
fn report(inputs: &Inputs, who: &Who<'_>, until: Option<&str>) -> (String, String) {
    let mut name = who
        .arn
        .or(who.account)
        .map_or_else(|| "?".to_owned(), String::from);
    let mut account_shown = who.account.map(String::from);
    if inputs.mask_account_id
        && let Some(a) = who.account
    {
        name = name.replace(a, "***");
        account_shown = Some("***".into());
    }
    let until = until.unwrap_or("at an unknown time");
    let summary = format!(
        "ssoexec: credentials for `{name}` in {} (account {}), which expire {until}.\n",
        inputs.region,
        account_shown.as_deref().unwrap_or("?")
    );
    let log = format!(
        "Credentials for {name} in {}, which expire {until}.",
        inputs.region
    );
    (summary, log)
}

/// The `sts-only` inputs, checked: they shape an STS call (web identity or the chained role).
struct StsOptions {
    external_id: Option<String>,
    policy: Option<String>,
    policy_arns: Vec<String>,
}

/// An input's value, `None` when unset or blank (the action passes every input, empty or not).
fn given(v: &Option<String>) -> Option<String> {
    v.clone().filter(|s| !s.trim().is_empty())
}

fn inputs(app: &App, args: &GithubArgs) -> Result<Inputs, Error> {
    let region = region_input(app, args)?;
    let mut emit: Vec<String> = args
        .emit
        .iter()
        .map(|e| e.trim().to_string())
        .filter(|e| !e.is_empty())
        .collect();
    if let Some(f) = args.env_file.as_deref().filter(|f| !f.is_empty()) {
        emit.push(format!("dotenv={f}"));
    }
    // Identity Center when any of its inputs is given, or a profile was chosen explicitly.
    let ic_inputs = [
        ("sso-start-url", &args.sso_start_url),
        ("sso-region", &args.sso_region),
        ("sso-account-id", &args.sso_account_id),
        ("sso-role-name", &args.sso_role_name),
        ("login", &args.login),
        ("sso-token-cache", &args.sso_token_cache),
    ];
    let ic_given: Vec<&str> = ic_inputs
        .iter()
        .filter(|(_, v)| given(v).is_some())
        .map(|(n, _)| *n)
        .collect();
    let identity_center = !ic_given.is_empty() || app.settings.profile_chosen();
    let sts = sts_options(args)?;
    check_sources(args, identity_center, &ic_given, &sts)?;
    let chain = chain_input(args, &sts)?;
    let source = source_input(app, args, identity_center, sts)?;
    Ok(Inputs {
        source,
        chain,
        region,
        output_credentials: args.output_credentials,
        output_env_credentials: args.output_env_credentials,
        emit,
        mask_account_id: args.mask_aws_account_id,
        unset_current_credentials: args.unset_current_credentials,
    })
}

/// `aws-region` (else the profile's region), checked; a doubtful one is warned about.
fn region_input(app: &App, args: &GithubArgs) -> Result<String, Error> {
    let region = args
        .aws_region
        .clone()
        .filter(|r| !r.is_empty())
        .or_else(|| app.settings.region.as_ref().map(|r| r.value.clone()))
        .ok_or_else(|| Error::Usage("no region: set the aws-region input (--aws-region)".into()))?;
    if let Some(w) =
        profile::validate_region("aws-region", &region, "from the aws-region input", false)?
    {
        app.printer.warn(w);
    }
    Ok(region)
}

/// `role-external-id`, `inline-session-policy` (JSON) and `managed-session-policies` (ARNs,
/// comma- or line-separated), checked.
fn sts_options(args: &GithubArgs) -> Result<StsOptions, Error> {
    let policy = given(&args.inline_session_policy);
    let policy_arns: Vec<String> = args
        .managed_session_policies
        .iter()
        .flat_map(|l| l.split(','))
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty())
        .collect();
    if let Some(p) = &policy
        && serde_json::from_str::<serde_json::Value>(p).is_err()
    {
        return Err(Error::Usage(
            "inline-session-policy is not JSON: give an IAM policy document".into(),
        ));
    }
    if let Some(bad) = policy_arns.iter().find(|a| !a.starts_with("arn:")) {
        return Err(Error::Usage(format!(
            "managed-session-policies: {bad:?} is not a policy ARN (arn:aws:iam::…:policy/NAME)"
        )));
    }
    Ok(StsOptions {
        external_id: given(&args.role_external_id),
        policy,
        policy_arns,
    })
}

/// Refuses inputs that choose two sources of credentials, or that do not apply to the source.
fn check_sources(
    args: &GithubArgs,
    identity_center: bool,
    ic_given: &[&str],
    sts: &StsOptions,
) -> Result<(), Error> {
    match (given(&args.role_to_assume), args.role_chaining) {
        // Two sources of credentials, unless the role is chained onto the Identity Center ones.
        (Some(role), false) if identity_center => {
            let other = if ic_given.is_empty() {
                "--profile".to_string()
            } else {
                ic_given.join(", ")
            };
            Err(Error::Usage(format!(
                "role-to-assume ({role}) and {other} choose two different sources of credentials: set one (GitHub OIDC: role-to-assume; Identity Center: sso-start-url, sso-region, sso-account-id, sso-role-name), or role-chaining: true to assume role-to-assume with the Identity Center credentials"
            )))
        }
        (Some(_), false) if sts.external_id.is_some() => Err(Error::Usage("role-external-id: AssumeRoleWithWebIdentity takes no ExternalId (the OIDC token is the proof); it applies to a role assumed with role-chaining: true".into())),
        (Some(_), true) if args.special_characters_workaround => Err(Error::Usage("special-characters-workaround applies to AssumeRoleWithWebIdentity (role-to-assume without role-chaining)".into())),
        (None, _) => {
            let sts_only = [
                ("inline-session-policy", sts.policy.is_some()),
                ("managed-session-policies", !sts.policy_arns.is_empty()),
                ("role-external-id", sts.external_id.is_some()),
                (
                    "special-characters-workaround",
                    args.special_characters_workaround,
                ),
            ];
            match sts_only.iter().find(|(_, set)| *set) {
                Some((name, _)) => Err(Error::Usage(format!(
                    "{name} applies to role-to-assume (STS) only: Identity Center's GetRoleCredentials has no such parameter"
                ))),
                None => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

/// `role-chaining: true`: the role to assume with the credentials the source gives.
fn chain_input(args: &GithubArgs, sts: &StsOptions) -> Result<Option<Chain>, Error> {
    match (args.role_chaining, given(&args.role_to_assume)) {
        (false, _) => Ok(None),
        (true, None) => Err(Error::Usage(
            "role-chaining needs role-to-assume: the role to assume with the credentials already obtained".into(),
        )),
        (true, Some(role)) => {
            let (role_arn, session_name, duration_seconds) = role_to_assume(args, role)?;
            Ok(Some(Chain {
                role_arn,
                session_name,
                duration_seconds,
                external_id: sts.external_id.clone(),
                policy: sts.policy.clone(),
                policy_arns: sts.policy_arns.clone(),
            }))
        }
    }
}

/// Where the credentials come from: the job's OIDC token, Identity Center, or (chaining only)
/// the step's environment.
fn source_input(
    app: &App,
    args: &GithubArgs,
    identity_center: bool,
    sts: StsOptions,
) -> Result<Source, Error> {
    let web_identity_role = given(&args.role_to_assume).filter(|_| !args.role_chaining);
    match (web_identity_role, identity_center) {
        (None, false) if args.role_chaining => Ok(Source::Environment),
        (Some(role), _) => {
            let (role_arn, session_name, duration_seconds) = role_to_assume(args, role)?;
            Ok(Source::WebIdentity {
                role_arn,
                session_name,
                duration_seconds,
                audience: args.audience.clone(),
                policy: sts.policy,
                policy_arns: sts.policy_arns,
                max_attempts: args.retry_max_attempts,
                plain_secret: args.special_characters_workaround,
            })
        }
        (None, true) => identity_center_source(app, args),
        (None, false) => Err(Error::Usage("nothing to assume: set role-to-assume (GitHub OIDC) or sso-start-url, sso-region, sso-account-id and sso-role-name (Identity Center)".into())),
    }
}

/// The Identity Center inputs (`login`, `sso-account-id`, `sso-role-name`, else the profile's).
fn identity_center_source(app: &App, args: &GithubArgs) -> Result<Source, Error> {
    let device_code_login = match args
        .login
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        None => false,
        Some("device-code") => true,
        Some(other) => {
            return Err(Error::Usage(format!(
                "login = {other:?}: the only login in CI is device-code"
            )));
        }
    };
    let (account_id, role_name) = match (given(&args.sso_account_id), given(&args.sso_role_name)) {
        (Some(a), Some(r)) => (a, r),
        _ => {
            let t = app.settings.target()?;
            (t.account_id, t.role_name)
        }
    };
    Ok(Source::IdentityCenter {
        start_url: given(&args.sso_start_url),
        sso_region: given(&args.sso_region),
        account_id,
        role_name,
        device_code_login,
    })
}

/// `role-to-assume` (an ARN, or a name with `aws-account-id`), `role-session-name` and
/// `role-duration-seconds`, checked.
fn role_to_assume(args: &GithubArgs, role: String) -> Result<(String, String, u32), Error> {
    let role_arn = if role.starts_with("arn:") {
        role
    } else {
        let account = given(&args.aws_account_id).ok_or_else(|| {
            Error::Usage(format!(
                "role-to-assume {role:?} is not an ARN: also set aws-account-id"
            ))
        })?;
        format!("arn:aws:iam::{account}:role/{role}")
    };
    let session_name = args.role_session_name.clone();
    let valid_name = (2..=64).contains(&session_name.len())
        && session_name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b));
    if !valid_name {
        return Err(Error::Usage(format!(
            "role-session-name {session_name:?} must be 2–64 characters of letters, digits and _+=,.@-"
        )));
    }
    let duration_seconds = args.role_duration_seconds;

    Ok((role_arn, session_name, duration_seconds))
}

async fn web_identity(app: &App, inputs: &Inputs) -> Result<(Credentials, Option<String>), Error> {
    let Source::WebIdentity {
        role_arn,
        session_name,
        duration_seconds,
        audience,
        policy,
        policy_arns,
        max_attempts,
        plain_secret,
    } = &inputs.source
    else {
        unreachable!("web_identity is only called for Source::WebIdentity")
    };
    let token = oidc::id_token(app, audience).await?;
    // The runner must hide the token too, should anything ever echo it.
    write_stdout(mask_line(token.expose()).as_bytes())?;
    let request = WebIdentityRequest {
        region: &inputs.region,
        role_arn,
        session_name,
        duration_seconds: *duration_seconds,
        policy: policy.as_deref(),
        policy_arns,
        max_attempts: *max_attempts,
        plain_secret: *plain_secret,
    };
    assume_role_with_web_identity(app, &request, &token, || {
        format!(
            "the role's trust policy must trust token.actions.githubusercontent.com for this token ({}); compare its :sub and :aud conditions",
            oidc::Claims::of(&token).describe()
        )
    })
    .await
}

async fn identity_center(
    app: &App,
    args: &GithubArgs,
    inputs: &Inputs,
) -> Result<(Credentials, Option<String>), Error> {
    let Source::IdentityCenter {
        start_url,
        sso_region,
        account_id,
        role_name,
        device_code_login,
    } = &inputs.source
    else {
        unreachable!("identity_center is only called for Source::IdentityCenter")
    };
    let session = match (start_url, sso_region) {
        (Some(u), Some(r)) => {
            profile::validate_start_url("sso-start-url", u, "from the sso-start-url input", false)?;
            if let Some(w) =
                profile::validate_region("sso-region", r, "from the sso-region input", false)?
            {
                app.printer.warn(w);
            }
            SsoSession {
                name: None,
                start_url: u.clone(),
                region: r.clone(),
                scopes: None,
            }
        }
        (Some(_), None) => return Err(Error::Usage("sso-start-url also needs sso-region".into())),
        _ => app.settings.session()?,
    };
    if let Some(json) = args
        .sso_token_cache
        .as_deref()
        .filter(|j| !j.trim().is_empty())
    {
        install_token_cache(app, &session, json)?;
    }
    let target = SsoTarget {
        session,
        account_id: account_id.clone(),
        role_name: role_name.clone(),
    };
    let permission = if *device_code_login {
        LoginPermission::IfNeeded
    } else {
        LoginPermission::Never
    };
    let creds = role_credentials(app, &target, permission)
        .await
        .map_err(|e| match e {
            Error::LoginRequired {
                reason,
                login_command,
            } if !*device_code_login => GithubError::SignInNeeded {
                reason,
                login_command,
            }
            .into(),
            other => other,
        })?;
    Ok((creds, None))
}

/// In a GitHub job (`RUNNER_TEMP` set), the token, role-credential and ssoexec caches live in
/// `$RUNNER_TEMP/ssoexec/`, which the runner empties after every job: nothing long-lived (a
/// refresh token, a client secret) is left in `$HOME` for later jobs on a self-hosted runner.
pub fn keep_caches_in_runner_temp(
    env: &crate::support::env::Env,
    paths: &mut crate::settings::Paths,
) {
    if let Some(temp) = env.get(RUNNER_TEMP).filter(|t| !t.is_empty()) {
        let base = PathBuf::from(temp).join("ssoexec");
        paths.sso_cache = base.join("sso-cache");
        paths.cli_cache = base.join("cli-cache");
        paths.own = base.join("cache");
    }
}

/// Installs an AWS CLI token cache file handed in from a secret, after masking its secrets. An
/// input that does not parse is never echoed: serde's message can quote it, secrets and all.
fn install_token_cache(app: &App, session: &SsoSession, json: &str) -> Result<(), Error> {
    let file: token::TokenFile = serde_json::from_str(json).map_err(|e| {
        let what = match e.classify() {
            serde_json::error::Category::Syntax => "it is not valid JSON",
            serde_json::error::Category::Eof => "its JSON is cut short",
            _ => "it is not an object with accessToken and expiresAt strings",
        };
        GithubError::TokenCacheUnreadable {
            what,
            line: e.line(),
            column: e.column(),
        }
    })?;
    let mut masks = mask_line(file.access_token.expose());
    for s in [&file.refresh_token, &file.client_secret]
        .into_iter()
        .flatten()
    {
        masks.push_str(&mask_line(s.expose()));
    }
    write_stdout(masks.as_bytes())?;
    let t = token::SsoToken::from_file(file).map_err(GithubError::TokenCacheInvalid)?;
    token::store(&token::path(&app.settings.paths.sso_cache, session), &t)?;
    Ok(())
}

/// The state file: `$RUNNER_TEMP/ssoexec-github.json` (0600), read back by `--refresh`.
fn state_path(app: &App) -> PathBuf {
    match app.env.get(SSOEXEC_GITHUB_STATE) {
        Some(p) => PathBuf::from(p),
        None => app
            .env
            .get(RUNNER_TEMP)
            .map(PathBuf::from)
            .unwrap_or_else(|| app.settings.paths.own.clone())
            .join("ssoexec-github.json"),
    }
}

fn save_state(app: &App, inputs: &Inputs) -> Result<PathBuf, Error> {
    let path = state_path(app);
    let bytes = serde_json::to_vec_pretty(inputs).map_err(GithubError::StateWrite)?;
    if let Some(dir) = path.parent() {
        atomic::ensure_dir(dir).or_else(|e| if dir.is_dir() { Ok(()) } else { Err(e) })?;
    }
    atomic::write(&path, &bytes)?;
    Ok(path)
}

fn load_state(app: &App) -> Result<Inputs, Error> {
    let path = state_path(app);
    let bytes = std::fs::read(&path).map_err(|source| GithubError::StateRead {
        path: path.clone(),
        source,
    })?;
    Ok(
        serde_json::from_slice(&bytes)
            .map_err(|source| GithubError::StateParse { path, source })?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::support::secret::Secret;

    fn web_inputs(env: bool, unset: bool, mask: bool) -> Inputs {
        Inputs {
            source: Source::Environment,
            chain: None,
            region: "eu-west-1".into(),
            output_credentials: false,
            output_env_credentials: env,
            emit: vec![],
            mask_account_id: mask,
            unset_current_credentials: unset,
        }
    }

    fn creds(token: Option<&str>) -> Credentials {
        Credentials {
            access_key_id: "ASIAFAKE0001".into(),
            secret_access_key: Secret::new("s3cret"),
            session_token: token.map(Secret::new),
            expiration: Some(time::macros::datetime!(2026-11-26 10:19:25 UTC)),
            account_id: None,
        }
    }

    fn env(inputs: &Inputs, c: &Credentials) -> Vec<String> {
        env_variables(inputs, c)
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect()
    }

    #[test]
    fn env_carries_every_credential_variable_in_the_z_form_then_the_region() {
        let c = creds(Some("tok"));
        assert_eq!(
            env(&web_inputs(true, false, false), &c),
            [
                "AWS_ACCESS_KEY_ID=ASIAFAKE0001",
                "AWS_SECRET_ACCESS_KEY=s3cret",
                "AWS_SESSION_TOKEN=tok",
                "AWS_CREDENTIAL_EXPIRATION=2026-11-26T10:19:25Z",
                "AWS_REGION=eu-west-1",
                "AWS_DEFAULT_REGION=eu-west-1",
            ]
        );
        // A missing session token is written empty: an earlier step's must not linger.
        assert_eq!(
            env(&web_inputs(true, false, false), &creds(None))[2],
            "AWS_SESSION_TOKEN="
        );
    }

    #[test]
    fn env_without_credentials_blanks_them_only_when_asked() {
        let c = creds(Some("tok"));
        assert_eq!(
            env(&web_inputs(false, true, false), &c),
            [
                "AWS_ACCESS_KEY_ID=",
                "AWS_SECRET_ACCESS_KEY=",
                "AWS_SESSION_TOKEN=",
                "AWS_CREDENTIAL_EXPIRATION=",
                "AWS_REGION=eu-west-1",
                "AWS_DEFAULT_REGION=eu-west-1",
            ]
        );
        assert_eq!(
            env(&web_inputs(false, false, false), &c),
            ["AWS_REGION=eu-west-1", "AWS_DEFAULT_REGION=eu-west-1"]
        );
    }

    #[test]
    fn report_keeps_a_masked_account_out_of_the_summary() {
        let who = Who {
            arn: Some("arn:aws:sts::111111111111:assumed-role/R/s"),
            account: Some("111111111111"),
        };
        let (summary, log) = report(
            &web_inputs(true, false, true),
            &who,
            Some("in 19 min (at 10:19 UTC)"),
        );
        assert_eq!(
            summary,
            "ssoexec: credentials for `arn:aws:sts::***:assumed-role/R/s` in eu-west-1 (account ***), which expire in 19 min (at 10:19 UTC).\n"
        );
        assert_eq!(
            log,
            "Credentials for arn:aws:sts::***:assumed-role/R/s in eu-west-1, which expire in 19 min (at 10:19 UTC)."
        );
        let (summary, _) = report(
            &web_inputs(true, false, false),
            &Who {
                arn: None,
                account: None,
            },
            None,
        );
        assert_eq!(
            summary,
            "ssoexec: credentials for `?` in eu-west-1 (account ?), which expire at an unknown time.\n"
        );
    }

    #[test]
    fn state_holds_no_secret() {
        let i = Inputs {
            source: Source::WebIdentity {
                role_arn: "arn:aws:iam::1:role/r".into(),
                session_name: "s".into(),
                duration_seconds: 900,
                audience: "sts.amazonaws.com".into(),
                policy: None,
                policy_arns: vec![],
                max_attempts: 12,
                plain_secret: false,
            },
            chain: None,
            region: "eu-west-1".into(),
            output_credentials: true,
            output_env_credentials: true,
            emit: vec![],
            mask_account_id: false,
            unset_current_credentials: false,
        };
        let text = serde_json::to_string(&i).unwrap();
        assert_eq!(
            text,
            r#"{"source":{"mode":"web-identity","role_arn":"arn:aws:iam::1:role/r","session_name":"s","duration_seconds":900,"audience":"sts.amazonaws.com","max_attempts":12,"plain_secret":false},"region":"eu-west-1","output_credentials":true,"output_env_credentials":true,"emit":[],"mask_account_id":false,"unset_current_credentials":false}"#
        );
    }
}
