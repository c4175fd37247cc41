//! The GitHub Actions OIDC token (see `docs/github-actions.md`): `GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=…` with
//! the request token as bearer. Also reads the token's claims for trust-policy hints (the token
//! itself is never printed).
use crate::app::App;
use crate::aws::client::{self, HttpError};
use crate::error::Error;
use crate::support::env::{ACTIONS_ID_TOKEN_REQUEST_TOKEN, ACTIONS_ID_TOKEN_REQUEST_URL};
use crate::support::secret::Secret;
use base64::Engine;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;

#[derive(Deserialize)]
struct TokenResponse {
    value: Secret,
}

/// Why the job's OIDC token could not be had.
#[derive(Debug, thiserror::Error)]
pub enum IdTokenError {
    #[error(
        "no GitHub OIDC token is available: ACTIONS_ID_TOKEN_REQUEST_URL/ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set"
    )]
    NotAvailable,
    #[error("GitHub refused the OIDC token request (HTTP {status})")]
    Refused { status: u16 },
}

impl crate::error::Diagnostic for IdTokenError {
    fn hint(&self) -> Option<String> {
        Some(match self {
            IdTokenError::NotAvailable => {
                "give the job `permissions: id-token: write` (and keep `contents: read`)".into()
            }
            IdTokenError::Refused { .. } => {
                "check `permissions: id-token: write` for this job".into()
            }
        })
    }
}
crate::diagnostic_error!(IdTokenError);

/// Fetches an ID token for `audience`. Missing request variables mean the workflow lacks
/// `permissions: id-token: write`.
pub async fn id_token(app: &App, audience: &str) -> Result<Secret, Error> {
    let (Some(url), Some(bearer)) = (
        app.env.get(ACTIONS_ID_TOKEN_REQUEST_URL),
        app.env.get(ACTIONS_ID_TOKEN_REQUEST_TOKEN),
    ) else {
        return Err(IdTokenError::NotAvailable.into());
    };
    let sep = if url.contains('?') { '&' } else { '?' };
    let full = format!(
        "{url}{sep}audience={}",
        utf8_percent_encode(audience, NON_ALPHANUMERIC)
    );
    let client = app.aws.http()?;
    let response = app
        .aws
        .send("GitHubIdToken", true, || {
            client
                .get(&full)
                .header("authorization", format!("Bearer {bearer}"))
                .header("accept", "application/json")
        })
        .await?;
    let token: TokenResponse =
        client::json("GitHubIdToken", response)
            .await
            .map_err(|e| match e {
                HttpError::Api(a) if a.status == 401 || a.status == 403 => {
                    Error::from(IdTokenError::Refused { status: a.status })
                }
                other => other.into(),
            })?;
    Ok(token.value)
}

/// The claims a trust policy matches on, for error messages.
#[derive(Debug, Default, Deserialize)]
pub struct Claims {
    #[serde(default)]
    pub sub: Option<String>,
    #[serde(default)]
    pub aud: Option<serde_json::Value>,
    #[serde(default)]
    pub repository: Option<String>,
}

impl Claims {
    /// The payload of a JWT, unverified (STS verifies; we only explain).
    pub fn of(token: &Secret) -> Claims {
        let payload = token.expose().split('.').nth(1).unwrap_or_default();
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// `sub=…, aud=…, repository=…` for a hint line.
    pub fn describe(&self) -> String {
        let aud = match &self.aud {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(v) => v.to_string(),
            None => "?".into(),
        };
        format!(
            "sub={}, aud={aud}, repository={}",
            self.sub.as_deref().unwrap_or("?"),
            self.repository.as_deref().unwrap_or("?")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_claims_without_verifying() {
        let enc = |v: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        let jwt = format!(
            "{}.{}.sig",
            enc("{}"),
            enc(
                r#"{"sub":"repo:o/r:ref:refs/heads/main","aud":"sts.amazonaws.com","repository":"o/r"}"#
            )
        );
        let c = Claims::of(&Secret::new(jwt));
        assert_eq!(
            c.describe(),
            "sub=repo:o/r:ref:refs/heads/main, aud=sts.amazonaws.com, repository=o/r"
        );
        assert_eq!(
            Claims::of(&Secret::new("garbage")).describe(),
            "sub=?, aud=?, repository=?"
        );
    }
}
