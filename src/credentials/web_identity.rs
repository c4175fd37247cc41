//! Web identity: an OIDC token (a CI job's, e.g. GitHub Actions') exchanged with STS
//! `AssumeRoleWithWebIdentity` for role credentials. Unsigned: the token is the proof. See
//! `docs/sts.md`.
use super::Credentials;
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
    let params = [
        ("RoleArn", request.role_arn),
        ("RoleSessionName", request.session_name),
        ("WebIdentityToken", token.expose()),
        ("DurationSeconds", duration.as_str()),
    ];
    let sts = app.sts(request.region)?;
    let xml = sts
        .call("AssumeRoleWithWebIdentity", &params, None)
        .await
        .map_err(|e| match e {
            HttpError::Api(a) => Error::failed(
                format!(
                    "STS refused AssumeRoleWithWebIdentity for {}: {} ({})",
                    request.role_arn, a.message, a.code
                ),
                Some(explain()),
            ),
            other => other.into(),
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
