//! The EKS bearer token (`docs/eks.md#eks-token`): `k8s-aws-v1.` + unpadded base64url of an STS
//! `GetCallerIdentity` URL presigned with aws-sigv4, with the signed `x-k8s-aws-id` header naming
//! the cluster. Pure: the clock and credentials come in as values.
use super::KubeError;
use crate::aws::endpoint::{self, Service};
use crate::aws::sts;
use crate::credentials::Credentials;
use crate::support::secret::Secret;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SignatureLocation, SigningSettings};
use aws_sigv4::sign::v4;
use base64::prelude::{BASE64_URL_SAFE_NO_PAD, Engine as _};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use time::{Duration, OffsetDateTime};

/// What every EKS token starts with.
pub const TOKEN_PREFIX: &str = "k8s-aws-v1.";
/// The signed header that binds the token to one cluster (name, or id for Outposts clusters).
pub const CLUSTER_ID_HEADER: &str = "x-k8s-aws-id";
/// `X-Amz-Expires` of the URL, as `aws eks get-token` and aws-iam-authenticator send it. STS
/// ignores it (the verifier only requires 0–900); the server's own limit is below.
pub const URL_EXPIRES: std::time::Duration = std::time::Duration::from_secs(60);
/// The API server accepts a token until `X-Amz-Date` + 15 minutes; announcing 14 makes client-go
/// ask for a new one before the server starts refusing it (the AWS CLI's `TOKEN_EXPIRATION_MINS`).
pub const TOKEN_LIFETIME: Duration = Duration::minutes(14);
/// The query of the presigned request, before the signing parameters.
const OPERATION_QUERY: &str = "Action=GetCallerIdentity&Version=2011-06-15";
/// The signing parameters in the order botocore writes them (the signature last).
const SIGNING_PARAMS: [&str; 7] = [
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Security-Token",
    "X-Amz-Signature",
];
/// SigV4 URI encoding: everything but `A-Z a-z 0-9 - _ . ~`.
const URI_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

pub use crate::cache::eks_token::EksToken;

/// The token's announced expiry: `signed_at` + [`TOKEN_LIFETIME`], never after the credentials'.
pub fn expires_at(
    signed_at: OffsetDateTime,
    credentials_expiry: Option<OffsetDateTime>,
) -> OffsetDateTime {
    let t = signed_at + TOKEN_LIFETIME;
    credentials_expiry.map_or(t, |e| t.min(e))
}

/// The host the token names: always the public regional STS endpoint
/// (`sts.{region}.amazonaws.com`), because aws-iam-authenticator accepts only that host.
/// `AWS_ENDPOINT_URL_STS` redirects the STS calls ssoexec makes, not the URL the server calls.
pub fn sts_url(region: &str) -> String {
    format!("{}/", endpoint::default_url(Service::Sts, region))
}

/// The presigned `GetCallerIdentity` URL for `cluster_id`, signed at `now`.
pub fn presigned_url(
    credentials: &Credentials,
    region: &str,
    cluster_id: &str,
    now: OffsetDateTime,
) -> Result<String, KubeError> {
    let signing = |e: &dyn std::fmt::Display| KubeError::Signing(e.to_string());
    let base = sts_url(region);
    let unsigned = format!("{base}?{OPERATION_QUERY}");
    let identity = sts::signing_identity(credentials);
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(URL_EXPIRES);
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(sts::SIGNING_NAME)
        .time(now.into())
        .settings(settings)
        .build()
        .map_err(|e| signing(&e))?
        .into();
    let request = SignableRequest::new(
        "GET",
        unsigned.as_str(),
        std::iter::once((CLUSTER_ID_HEADER, cluster_id)),
        // The payload hash is SHA-256 of the empty body, as botocore signs it (not UNSIGNED-PAYLOAD).
        SignableBody::Bytes(&[]),
    )
    .map_err(|e| signing(&e))?;
    let (instructions, _signature) = aws_sigv4::http_request::sign(request, &params)
        .map_err(|e| signing(&e))?
        .into_parts();
    let mut url = format!("{base}?{OPERATION_QUERY}");
    for name in SIGNING_PARAMS {
        if let Some((_, value)) = instructions.params().iter().find(|(k, _)| *k == name) {
            url.push_str(&format!(
                "&{name}={}",
                utf8_percent_encode(value, URI_ENCODE)
            ));
        }
    }
    Ok(url)
}

/// Signs a token for `cluster_id` at `now`.
pub fn sign(
    credentials: &Credentials,
    region: &str,
    cluster_id: &str,
    now: OffsetDateTime,
) -> Result<EksToken, KubeError> {
    let url = presigned_url(credentials, region, cluster_id, now)?;
    Ok(EksToken {
        token: Secret::new(format!(
            "{TOKEN_PREFIX}{}",
            BASE64_URL_SAFE_NO_PAD.encode(url)
        )),
        expires_at: expires_at(now, credentials.expiration),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn creds(token: Option<&str>) -> Credentials {
        Credentials {
            access_key_id: "AKIAEKSJUDGE00000000".into(), // fake, from the AWS CLI fixture
            secret_access_key: Secret::new("fake/secret+key"),
            session_token: token.map(Secret::new),
            expiration: Some(datetime!(2026-11-26 11:00 UTC)),
            account_id: None,
        }
    }

    #[test]
    fn url_has_the_aws_cli_shape() {
        // The AWS CLI fixture: same parameters, same order, same encoding (`docs/eks.md#eks-token`).
        let fixture = include_str!("../../tests/fixtures/awscli/awscli2_eks_get_token.json");
        let v: serde_json::Value = serde_json::from_str(fixture).unwrap();
        let cli_token = v["status"]["token"].as_str().unwrap();
        let cli_url = String::from_utf8(
            BASE64_URL_SAFE_NO_PAD
                .decode(cli_token.strip_prefix(TOKEN_PREFIX).unwrap())
                .unwrap(),
        )
        .unwrap();
        let ours = presigned_url(
            &creds(Some("sess/token+==")),
            "eu-west-1",
            "prod-eks",
            datetime!(2026-11-26 09:19:26 UTC),
        )
        .unwrap();
        let strip_sig = |u: &str| u.split("&X-Amz-Signature=").next().unwrap().to_string();
        assert_eq!(strip_sig(&ours), strip_sig(&cli_url));
        assert!(ours.contains("&X-Amz-Signature="));
        assert_eq!(ours.rsplit('=').next().unwrap().len(), 64);
    }

    #[test]
    fn no_session_token_no_parameter() {
        let url = presigned_url(
            &creds(None),
            "us-east-1",
            "c",
            datetime!(2026-11-26 10:00 UTC),
        )
        .unwrap();
        assert!(url.starts_with("https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&"), "{url}");
        assert!(!url.contains("X-Amz-Security-Token"));
        assert!(
            url.contains(
                "&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Signature="
            ),
            "{url}"
        );
    }

    #[test]
    fn token_is_unpadded_base64url_and_expiry_is_capped() {
        let now = datetime!(2026-11-26 10:00 UTC);
        let t = sign(&creds(Some("t")), "eu-west-1", "c", now).unwrap();
        let body = t.token.expose().strip_prefix(TOKEN_PREFIX).unwrap();
        assert!(!body.contains('=') && !body.contains('+') && !body.contains('/'));
        assert_eq!(t.expires_at, now + TOKEN_LIFETIME);
        assert_eq!(
            expires_at(now, Some(now + Duration::minutes(5))),
            now + Duration::minutes(5)
        );
        assert_eq!(expires_at(now, None), now + Duration::minutes(14));
        assert!(!format!("{t:?}").contains(body));
    }

    #[test]
    fn china_regions_use_the_cn_host() {
        let url = presigned_url(
            &creds(None),
            "cn-north-1",
            "c",
            datetime!(2026-11-26 10:00 UTC),
        )
        .unwrap();
        assert!(
            url.starts_with("https://sts.cn-north-1.amazonaws.com.cn/?"),
            "{url}"
        );
    }
}
