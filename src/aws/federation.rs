//! The AWS console federation endpoint (`docs/console.md`): temporary credentials →
//! `getSigninToken` → the one-time `login` URL. The request carries live credentials in its query
//! and the answer is a bearer for a console session, so neither is ever logged: the client's
//! debug line redacts query values and transport errors drop the URL. Writes no files.
use crate::aws::client::{ApiError, Client, HttpError};
use crate::aws::credentials::Credentials;
use crate::aws::error_code::ErrorCode;
use crate::support::secret::Secret;
use crate::support::text::clean;

/// The `Issuer` of the login URLs we build: the console shows it when the session ends.
pub const ISSUER: &str = "ssoexec";
/// The largest answer read from the federation endpoint (a sign-in token is a few KB).
const MAX_BODY: usize = 64 * 1024;

/// Which AWS partition a region is in, for the endpoint and console host (`docs/console.md#partition-endpoints`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Partition {
    Aws,
    AwsUsGov,
    AwsCn,
}

impl Partition {
    pub fn of_region(region: Option<&str>) -> Partition {
        match region {
            Some(r) if r.starts_with("cn-") => Partition::AwsCn,
            Some(r) if r.starts_with("us-gov-") => Partition::AwsUsGov,
            _ => Partition::Aws,
        }
    }

    /// The federation endpoint's origin (the path `/federation` is added by [`federation_url`]).
    pub fn signin_origin(self) -> &'static str {
        match self {
            Partition::Aws => "https://signin.aws.amazon.com",
            Partition::AwsUsGov => "https://signin.amazonaws-us-gov.com",
            Partition::AwsCn => "https://signin.amazonaws.cn",
        }
    }

    /// The console's host for `region` (regional where the partition has regional hosts).
    fn console_host(self, region: Option<&str>) -> String {
        match (self, region) {
            (Partition::Aws, Some(r)) => format!("{r}.console.aws.amazon.com"),
            (Partition::Aws, None) => "console.aws.amazon.com".into(),
            (Partition::AwsUsGov, _) => "console.amazonaws-us-gov.com".into(),
            (Partition::AwsCn, Some(r)) => format!("{r}.console.amazonaws.cn"),
            (Partition::AwsCn, None) => "console.amazonaws.cn".into(),
        }
    }
}

/// `<origin>/federation`, where `origin` is the partition's or an override (`AWS_ENDPOINT_URL_SIGNIN`).
pub fn federation_url(origin: &str) -> String {
    format!("{}/federation", origin.trim().trim_end_matches('/'))
}

/// The console page to open: an `https://` URL as given, or a service name (`s3`, `ec2`) as
/// `https://<region host>/<service>/home?region=<region>`; `None` is the console home.
pub fn destination(value: Option<&str>, region: Option<&str>) -> Result<String, String> {
    let partition = Partition::of_region(region);
    let host = partition.console_host(region);
    let query = region.map(|r| format!("?region={r}")).unwrap_or_default();
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(format!("https://{host}/console/home{query}"));
    };
    if value.contains("://") {
        return match url::Url::parse(value) {
            Ok(u) if u.scheme() == "https" && u.host().is_some() => Ok(u.to_string()),
            _ => Err(format!(
                "--destination {:?} is not an https URL",
                clean(value)
            )),
        };
    }
    let service_ok = value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !service_ok {
        return Err(format!(
            "--destination {:?} is neither an https URL nor a service name like s3",
            clean(value)
        ));
    }
    Ok(format!("https://{host}/{value}/home{query}"))
}

/// `Action=getSigninToken`: the sign-in token for `creds` (which must be temporary).
/// `session_duration` is sent only when the caller knows the endpoint accepts it.
pub async fn signin_token(
    client: &Client,
    endpoint: &str,
    creds: &Credentials,
    session_duration: Option<u32>,
) -> Result<Secret, HttpError> {
    const OP: &str = "GetSigninToken";
    let session = serde_json::json!({
        "sessionId": creds.access_key_id,
        "sessionKey": creds.secret_access_key.expose(),
        "sessionToken": creds.session_token.as_ref().map(Secret::expose).unwrap_or_default(),
    })
    .to_string();
    let mut url = url::Url::parse(endpoint).map_err(|e| HttpError::Decode {
        op: OP,
        reason: format!("the federation endpoint is not a URL: {e}"),
    })?;
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("Action", "getSigninToken");
        if let Some(d) = session_duration {
            q.append_pair("SessionDuration", &d.to_string());
        }
        q.append_pair("Session", &session);
    }
    let http = client.http()?;
    let response = client
        .send(OP, true, || http.get(url.clone()))
        .await
        .map_err(without_url)?;
    let status = response.status().as_u16();
    let body = response.bytes().await.map_err(|e| HttpError::Decode {
        op: OP,
        reason: e.without_url().to_string(),
    })?;
    let body = &body[..body.len().min(MAX_BODY)];
    if status != 200 {
        let text = clean(&String::from_utf8_lossy(body));
        return Err(HttpError::Api(ApiError {
            op: OP,
            status,
            code: ErrorCode::parse(&format!("HTTP{status}")),
            message: text.chars().take(200).collect(),
        }));
    }
    #[derive(serde::Deserialize)]
    struct Answer {
        #[serde(rename = "SigninToken")]
        signin_token: Secret,
    }
    let answer: Answer = serde_json::from_slice(body).map_err(|e| HttpError::Decode {
        op: OP,
        reason: format!("not the JSON {{\"SigninToken\": ...}}: {e}"),
    })?;
    Ok(answer.signin_token)
}

/// How long a console sign-in URL can be opened (`docs/console.md`).
pub const URL_LIFETIME: time::Duration = time::Duration::minutes(15);

/// `Action=login&Issuer=…&Destination=…&SigninToken=…`: whoever has it gets the console session
/// for [`URL_LIFETIME`], so it is a `Secret`.
pub fn login_url(endpoint: &str, destination: &str, token: &Secret) -> Result<Secret, String> {
    let mut url = url::Url::parse(endpoint).map_err(|e| e.to_string())?;
    url.query_pairs_mut()
        .append_pair("Action", "login")
        .append_pair("Issuer", ISSUER)
        .append_pair("Destination", destination)
        .append_pair("SigninToken", token.expose());
    Ok(Secret::new(url.to_string()))
}

/// A transport error names the URL; this one carries credentials, so the URL goes.
fn without_url(e: HttpError) -> HttpError {
    match e {
        HttpError::Transport { op, url, source } => HttpError::Transport {
            op,
            url,
            source: source.without_url(),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_endpoints() {
        let url = |r: Option<&str>| federation_url(Partition::of_region(r).signin_origin());
        assert_eq!(url(None), "https://signin.aws.amazon.com/federation");
        assert_eq!(
            url(Some("eu-west-1")),
            "https://signin.aws.amazon.com/federation"
        );
        assert_eq!(
            url(Some("us-gov-west-1")),
            "https://signin.amazonaws-us-gov.com/federation"
        );
        assert_eq!(
            url(Some("cn-north-1")),
            "https://signin.amazonaws.cn/federation"
        );
        assert_eq!(
            federation_url("http://127.0.0.1:9/"),
            "http://127.0.0.1:9/federation"
        );
    }

    #[test]
    fn destinations() {
        let d = |v: Option<&str>, r: Option<&str>| destination(v, r);
        assert_eq!(
            d(Some("s3"), Some("eu-west-1")).unwrap(),
            "https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1"
        );
        assert_eq!(
            d(None, Some("eu-west-1")).unwrap(),
            "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1"
        );
        assert_eq!(
            d(None, None).unwrap(),
            "https://console.aws.amazon.com/console/home"
        );
        assert_eq!(
            d(Some("ec2"), Some("us-gov-west-1")).unwrap(),
            "https://console.amazonaws-us-gov.com/ec2/home?region=us-gov-west-1"
        );
        assert_eq!(
            d(Some("ec2"), Some("cn-north-1")).unwrap(),
            "https://cn-north-1.console.amazonaws.cn/ec2/home?region=cn-north-1"
        );
        assert_eq!(
            d(Some("https://console.aws.amazon.com/iam/home#/roles"), None).unwrap(),
            "https://console.aws.amazon.com/iam/home#/roles"
        );
        assert!(d(Some("http://evil.example/"), None).is_err());
        assert!(d(Some("S3 bucket"), None).is_err());
    }

    #[test]
    fn login_url_carries_every_parameter() {
        let u = login_url(
            "https://signin.aws.amazon.com/federation",
            "https://console.aws.amazon.com/s3/home?region=x&y=1",
            &Secret::new("tok/+="),
        )
        .unwrap();
        let parsed = url::Url::parse(u.expose()).unwrap();
        let q: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
        assert_eq!(
            q,
            [
                ("Action".to_string(), "login".to_string()),
                ("Issuer".into(), ISSUER.into()),
                (
                    "Destination".into(),
                    "https://console.aws.amazon.com/s3/home?region=x&y=1".into()
                ),
                ("SigninToken".into(), "tok/+=".into()),
            ]
        );
        assert_eq!(format!("{u:?}"), "Secret(<redacted>)");
    }
}
