//! `ssoexec github`: GitHub OIDC token → STS AssumeRoleWithWebIdentity (or an Identity Center
//! sign-in) → `::add-mask::` for every secret → `$GITHUB_ENV` / `$GITHUB_OUTPUT` → extra `--emit`
//! sinks → one line in `$GITHUB_STEP_SUMMARY`. The inputs (no secrets) are saved so
//! `ssoexec github --refresh` in a later step can renew.
use crate::app::App;
use crate::cache::token;
use crate::cli::GithubArgs;
use crate::config::{SsoSession, SsoTarget, profile};
use crate::credentials::Credentials;
use crate::credentials::sso::{LoginPermission, role_credentials};
use crate::credentials::web_identity::{WebIdentityRequest, assume_role_with_web_identity};
use crate::error::{Error, write_stdout};
use crate::github::{self, GithubFiles, StepCommands, delimiter, mask_line, oidc, summary};
use crate::output::OutputContext;
use crate::output::deliver::{self, SinkRequest};
use crate::support::atomic;
use crate::support::clock::format_timestamp;
use crate::support::env::{RUNNER_TEMP, SSOEXEC_GITHUB_STATE, is_truthy};
use crate::support::exit::ExitStatus;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

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
    },
    /// IAM Identity Center (a cached token, a token from a secret, or a device-code sign-in).
    IdentityCenter {
        start_url: Option<String>,
        sso_region: Option<String>,
        account_id: String,
        role_name: String,
        device_code_login: bool,
    },
}

/// Everything a step needs to (re)do the exchange. Holds no secret: it is saved for `--refresh`.
#[derive(Serialize, Deserialize, Debug, Clone)]
struct Inputs {
    source: Source,
    region: String,
    output_credentials: bool,
    output_env_credentials: bool,
    emit: Vec<String>,
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

    let (creds, arn) = match &inputs.source {
        Source::WebIdentity { .. } => web_identity(app, &inputs).await?,
        Source::IdentityCenter { .. } => identity_center(app, args, &inputs).await?,
    };
    let account = creds.account_id.clone().or_else(|| {
        arn.as_deref()
            .and_then(crate::aws::arn::account)
            .map(String::from)
    });

    let mut cmds = StepCommands::new();
    cmds.mask(&creds.access_key_id);
    cmds.mask(creds.secret_access_key.expose());
    if let Some(t) = &creds.session_token {
        cmds.mask(t.expose());
    }
    let expiration = creds.expiration.map(format_timestamp);
    if inputs.output_env_credentials {
        cmds.set_env("AWS_ACCESS_KEY_ID", &creds.access_key_id);
        cmds.set_env("AWS_SECRET_ACCESS_KEY", creds.secret_access_key.expose());
        cmds.set_env(
            "AWS_SESSION_TOKEN",
            creds
                .session_token
                .as_ref()
                .map(|t| t.expose())
                .unwrap_or_default(),
        );
        if let Some(e) = &expiration {
            cmds.set_env("AWS_CREDENTIAL_EXPIRATION", e);
        }
    }
    cmds.set_env("AWS_REGION", &inputs.region);
    cmds.set_env("AWS_DEFAULT_REGION", &inputs.region);
    let state = save_state(app, &inputs)?;
    cmds.set_env(SSOEXEC_GITHUB_STATE, &state.display().to_string());
    if let Some(a) = &account {
        cmds.set_output("aws-account-id", a);
    }
    if let Some(a) = &arn {
        cmds.set_output("authenticated-arn", a);
    }
    if inputs.output_credentials {
        cmds.set_output("aws-access-key-id", &creds.access_key_id);
        cmds.set_output("aws-secret-access-key", creds.secret_access_key.expose());
        if let Some(t) = &creds.session_token {
            cmds.set_output("aws-session-token", t.expose());
        }
        if let Some(e) = &expiration {
            cmds.set_output("aws-expiration", e);
        }
    }

    // Masks first, flushed, before any value reaches a file the runner reads.
    let mut masks = Vec::new();
    cmds.write_masks(&mut masks).map_err(Error::Stdout)?;
    write_stdout(&masks)?;
    let d = delimiter(rand::random());
    let env_text = cmds.env_file(&d)?;
    let output_text = cmds.output_file(&d)?;
    files.append(&env_text, &output_text)?;

    if let Some(sinks) = &sinks {
        let (account_id, role_name) = match &inputs.source {
            Source::IdentityCenter {
                account_id,
                role_name,
                ..
            } => (Some(account_id.as_str()), Some(role_name.as_str())),
            Source::WebIdentity { .. } => (account.as_deref(), None),
        };
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
    let who = arn
        .clone()
        .unwrap_or_else(|| account.clone().unwrap_or_else(|| "?".into()));
    let until = expiration.as_deref().unwrap_or("unknown");
    summary(
        app,
        &format!(
            "ssoexec: credentials for `{who}` in {} (account {}), valid until {until}.\n",
            inputs.region,
            account.as_deref().unwrap_or("?")
        ),
    );
    app.printer.info(format!(
        "Credentials for {who} in {}, valid until {until}.",
        inputs.region
    ));
    Ok(ExitStatus::Success)
}

fn flag(value: &str, name: &str) -> Result<bool, Error> {
    match value.trim().to_ascii_lowercase().as_str() {
        "" | "false" | "0" | "no" | "off" => Ok(false),
        v if is_truthy(v) => Ok(true),
        _ => Err(Error::Usage(format!(
            "{name} = {value:?}: use true or false"
        ))),
    }
}

fn inputs(app: &App, args: &GithubArgs) -> Result<Inputs, Error> {
    let region = args
        .aws_region
        .clone()
        .filter(|r| !r.is_empty())
        .or_else(|| app.settings.region.as_ref().map(|r| r.value.clone()))
        .ok_or_else(|| Error::Usage("no region: set the aws-region input (--aws-region)".into()))?;
    profile::validate_region("aws-region", &region, "the aws-region input")?;
    let mut emit: Vec<String> = args
        .emit
        .iter()
        .map(|e| e.trim().to_string())
        .filter(|e| !e.is_empty())
        .collect();
    if let Some(f) = args.env_file.as_deref().filter(|f| !f.is_empty()) {
        emit.push(format!("dotenv={f}"));
    }
    let some = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    // Identity Center when any of its inputs is given, or a profile was chosen explicitly.
    let identity_center = [
        &args.sso_start_url,
        &args.sso_account_id,
        &args.login,
        &args.sso_token_cache,
    ]
    .into_iter()
    .any(|v| some(v).is_some())
        || app.settings.profile_chosen();
    let source = match (some(&args.role_to_assume), identity_center) {
        (Some(role), _) => {
            let role_arn = if role.starts_with("arn:") {
                role
            } else {
                let account = some(&args.aws_account_id).ok_or_else(|| {
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
            let duration_seconds: u32 = args
                .role_duration_seconds
                .trim()
                .parse()
                .ok()
                .filter(|d| (900..=43200).contains(d))
                .ok_or_else(|| {
                    Error::Usage(format!(
                        "role-duration-seconds {:?} must be a number from 900 to 43200",
                        args.role_duration_seconds
                    ))
                })?;
            Source::WebIdentity {
                role_arn,
                session_name,
                duration_seconds,
                audience: args.audience.clone(),
            }
        }
        (None, true) => {
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
            let (account_id, role_name) =
                match (some(&args.sso_account_id), some(&args.sso_role_name)) {
                    (Some(a), Some(r)) => (a, r),
                    _ => {
                        let t = app.settings.target()?;
                        (t.account_id, t.role_name)
                    }
                };
            Source::IdentityCenter {
                start_url: some(&args.sso_start_url),
                sso_region: some(&args.sso_region),
                account_id,
                role_name,
                device_code_login,
            }
        }
        (None, false) => {
            return Err(Error::Usage("nothing to assume: set role-to-assume (GitHub OIDC) or sso-start-url, sso-region, sso-account-id and sso-role-name (Identity Center)".into()));
        }
    };
    Ok(Inputs {
        source,
        region,
        output_credentials: flag(&args.output_credentials, "output-credentials")?,
        output_env_credentials: flag(&args.output_env_credentials, "output-env-credentials")?,
        emit,
    })
}

async fn web_identity(app: &App, inputs: &Inputs) -> Result<(Credentials, Option<String>), Error> {
    let Source::WebIdentity {
        role_arn,
        session_name,
        duration_seconds,
        audience,
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
            profile::validate_start_url(u, "the sso-start-url input")?;
            profile::validate_region("sso-region", r, "the sso-region input")?;
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
    let creds = role_credentials(app, &target, permission).await.map_err(|e| match e {
        Error::LoginRequired { reason, login_command } if !*device_code_login => Error::failed(
            reason,
            Some(format!("set the `login: device-code` input to sign in from the log, or pass a token cache in `sso-token-cache` (locally: {login_command})")),
        ),
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
        Error::failed(
            format!(
                "the sso-token-cache input is not an AWS CLI token cache file: {what} (line {}, column {})",
                e.line(),
                e.column()
            ),
            Some("paste the whole ~/.aws/sso/cache/<sha1>.json of a signed-in machine into the secret, as it is (not JSON-encoded again)".into()),
        )
    })?;
    let mut masks = mask_line(file.access_token.expose());
    for s in [&file.refresh_token, &file.client_secret]
        .into_iter()
        .flatten()
    {
        masks.push_str(&mask_line(s.expose()));
    }
    write_stdout(masks.as_bytes())?;
    let t = token::SsoToken::from_file(file)
        .map_err(|why| Error::failed(format!("the sso-token-cache input: {why}"), None))?;
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
    let bytes = serde_json::to_vec_pretty(inputs)
        .map_err(|e| Error::failed(format!("cannot write the state of this step: {e}"), None))?;
    if let Some(dir) = path.parent() {
        atomic::ensure_dir(dir).or_else(|e| if dir.is_dir() { Ok(()) } else { Err(e) })?;
    }
    atomic::write(&path, &bytes)?;
    Ok(path)
}

fn load_state(app: &App) -> Result<Inputs, Error> {
    let path = state_path(app);
    let bytes = std::fs::read(&path).map_err(|e| {
        Error::failed(
            format!("cannot read {} ({e})", path.display()),
            Some(
                "run `ssoexec github` (or the action) once earlier in this job before --refresh"
                    .into(),
            ),
        )
    })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        Error::failed(
            format!(
                "{} is not an ssoexec github state file: {e}",
                path.display()
            ),
            None,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_holds_no_secret() {
        let i = Inputs {
            source: Source::WebIdentity {
                role_arn: "arn:aws:iam::1:role/r".into(),
                session_name: "s".into(),
                duration_seconds: 900,
                audience: "sts.amazonaws.com".into(),
            },
            region: "eu-west-1".into(),
            output_credentials: true,
            output_env_credentials: true,
            emit: vec![],
        };
        let text = serde_json::to_string(&i).unwrap();
        assert_eq!(
            text,
            r#"{"source":{"mode":"web-identity","role_arn":"arn:aws:iam::1:role/r","session_name":"s","duration_seconds":900,"audience":"sts.amazonaws.com"},"region":"eu-west-1","output_credentials":true,"output_env_credentials":true,"emit":[]}"#
        );
    }
}
