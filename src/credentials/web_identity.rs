//! Web identity: an OIDC token (a CI job's, e.g. GitHub Actions') exchanged with STS
//! `AssumeRoleWithWebIdentity` for role credentials. Unsigned: the token is the proof. See
//! `docs/sts.md`.
use super::{Credentials, CredentialsError};
use crate::app::App;
use crate::aws::client::HttpError;
use crate::aws::sts::parse_assumed_role;
use crate::error::Error;
use crate::support::secret::Secret;

/// What to assume, and for how long.
#[derive(Clone, Debug)]
pub struct WebIdentityRequest<'a> {
    pub region: &'a str,
    pub role_arn: &'a str,
    pub session_name: &'a str,
    pub duration_seconds: u32,
    /// An inline session policy (JSON), STS `Policy`.
    pub policy: Option<&'a str>,
    /// Managed session policies, STS `PolicyArns.member.N.arn`.
    pub policy_arns: &'a [String],
    /// Attempts in all (at least 1): a throttled, unreachable or failing (5xx) STS is asked again.
    pub max_attempts: u32,
    /// Ask again (within `max_attempts`) until the secret key holds only letters and digits.
    pub plain_secret: bool,
}

/// The wait before attempt `n + 1` (n ≥ 1): 1 s, 2 s, 4 s, … at most 10 s.
fn pause(n: u32) -> std::time::Duration {
    std::time::Duration::from_millis((1000u64 << n.saturating_sub(1).min(4)).min(10_000))
}

/// A failure worth another attempt: throttling, a server error, or no answer at all.
fn transient(e: &HttpError) -> bool {
    match e {
        HttpError::Api(a) => a.code.is_throttling() || a.status >= 500,
        HttpError::Transport { .. } => true,
        _ => false,
    }
}

/// Credentials for `request.role_arn` and the assumed-role ARN. `explain` turns STS's refusal
/// into a hint (the caller knows what the token's claims were).
pub async fn assume_role_with_web_identity(
    app: &App,
    request: &WebIdentityRequest<'_>,
    token: &Secret,
    explain: impl Fn() -> String,
) -> Result<(Credentials, Option<String>), Error> {
    let duration = request.duration_seconds.to_string();
    let mut params: Vec<(String, &str)> = vec![
        ("RoleArn".into(), request.role_arn),
        ("RoleSessionName".into(), request.session_name),
        ("WebIdentityToken".into(), token.expose()),
        ("DurationSeconds".into(), duration.as_str()),
    ];
    if let Some(p) = request.policy {
        params.push(("Policy".into(), p));
    }
    for (i, arn) in request.policy_arns.iter().enumerate() {
        params.push((format!("PolicyArns.member.{}.arn", i + 1), arn));
    }
    let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let sts = app.sts(request.region)?;
    let attempts = request.max_attempts.max(1);
    let mut attempt = 1;
    let (creds, arn) = loop {
        let result = sts.call("AssumeRoleWithWebIdentity", &params, None).await;
        let result = match result {
            Err(e) if attempt < attempts && transient(&e) => {
                app.printer.debug(format!(
                    "AssumeRoleWithWebIdentity attempt {attempt} of {attempts} failed ({e}); trying again"
                ));
                tokio::time::sleep(pause(attempt)).await;
                attempt += 1;
                continue;
            }
            other => other,
        };
        let (creds, arn) = assumed(result, request, &explain)?;
        let special = !creds
            .secret_access_key
            .expose()
            .bytes()
            .all(|b| b.is_ascii_alphanumeric());
        if request.plain_secret && special {
            if attempt < attempts {
                app.printer.debug(format!(
                    "attempt {attempt} of {attempts}: the secret key has special characters; asking again"
                ));
                attempt += 1;
                continue;
            }
            return Err(CredentialsError::SpecialCharacters { attempts }.into());
        }
        break (creds, arn);
    };
    Ok((creds, arn))
}

/// Credentials and the assumed-role ARN of one STS answer.
fn assumed(
    result: Result<String, HttpError>,
    request: &WebIdentityRequest<'_>,
    explain: &impl Fn() -> String,
) -> Result<(Credentials, Option<String>), Error> {
    let xml = result.map_err(|e| -> Error {
        match e {
            api @ HttpError::Api(_) => CredentialsError::WebIdentityRefused {
                role_arn: request.role_arn.to_owned(),
                explanation: explain(),
                source: api,
            }
            .into(),
            other => other.into(),
        }
    })?;
    let assumed = parse_assumed_role("AssumeRoleWithWebIdentity", &xml)?;
    let mut creds = assumed.credentials;
    if creds.account_id.is_none() {
        creds.account_id = assumed
            .arn
            .as_deref()
            .and_then(crate::aws::arn::account)
            .map(String::from);
    }
    Ok((creds, assumed.arn))
}
