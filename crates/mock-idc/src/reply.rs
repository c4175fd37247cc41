//! Response helpers shared by every service: JSON, XML and HTML bodies, each service's error
//! shape, injected faults and throttling, and small encoders.

use base64::prelude::{BASE64_URL_SAFE_NO_PAD, Engine as _};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use wiremock::{Request, ResponseTemplate};

use crate::Op;
use crate::state::random;

/// The XML namespace of every STS response.
const STS_NS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
const PORTAL_TYPE_PREFIX: &str = "com.amazonaws.switchboard.portal#";

pub(crate) fn json_reply(status: u16, body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.to_string(), "application/json")
}

pub(crate) fn html_page(status: u16, title: &str, text: &str) -> ResponseTemplate {
    let body = format!(
        "<!DOCTYPE html><html><head><title>{0}</title></head><body><h1>{0}</h1><p>{1}</p></body></html>",
        xml_escape(title),
        xml_escape(text)
    );
    ResponseTemplate::new(status).set_body_raw(body, "text/html; charset=utf-8")
}

/// SSO OIDC errors (`docs/sso-oidc.md`): smithy name (sent in `x-amzn-ErrorType`), status, OAuth `error`.
const OIDC_ERRORS: [(&str, u16, &str); 10] = [
    (
        "AuthorizationPendingException",
        400,
        "authorization_pending",
    ),
    ("SlowDownException", 400, "slow_down"),
    ("ExpiredTokenException", 400, "expired_token"),
    ("AccessDeniedException", 400, "access_denied"),
    ("InvalidGrantException", 400, "invalid_grant"),
    ("InvalidClientException", 401, "invalid_client"),
    (
        "UnsupportedGrantTypeException",
        400,
        "unsupported_grant_type",
    ),
    ("InvalidRequestException", 400, "invalid_request"),
    (
        "InvalidClientMetadataException",
        400,
        "invalid_client_metadata",
    ),
    ("UnauthorizedClientException", 400, "unauthorized_client"),
];

/// An OIDC error by smithy name; names outside [`OIDC_ERRORS`] are programming errors.
pub(crate) fn oidc_error(smithy: &str, description: &str) -> ResponseTemplate {
    let (status, error) = OIDC_ERRORS
        .iter()
        .find(|(name, ..)| *name == smithy)
        .map_or((500, "server_error"), |&(_, status, error)| (status, error));
    oidc_error_parts(status, smithy, error, description)
}

fn oidc_error_parts(status: u16, smithy: &str, error: &str, description: &str) -> ResponseTemplate {
    json_reply(
        status,
        &json!({ "error": error, "error_description": description }),
    )
    .insert_header("x-amzn-errortype", smithy)
}

/// A rest-json error as the SSO portal sends it (`__type` carries the namespace).
pub(crate) fn portal_error(status: u16, smithy: &str, message: &str) -> ResponseTemplate {
    let body = json!({ "message": message, "__type": format!("{PORTAL_TYPE_PREFIX}{smithy}") });
    json_reply(status, &body).insert_header("x-amzn-errortype", smithy)
}

/// A rest-json error as EKS sends it (type only in the header).
pub(crate) fn eks_error(status: u16, smithy: &str, message: &str) -> ResponseTemplate {
    json_reply(status, &json!({ "message": message })).insert_header("x-amzn-errortype", smithy)
}

pub(crate) fn sts_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    let kind = if status >= 500 { "Receiver" } else { "Sender" };
    let body = format!(
        "<ErrorResponse xmlns=\"{STS_NS}\"><Error><Type>{kind}</Type><Code>{}</Code><Message>{}</Message></Error>\
         <RequestId>{}</RequestId></ErrorResponse>",
        xml_escape(code),
        xml_escape(message),
        request_id()
    );
    ResponseTemplate::new(status).set_body_raw(body, "text/xml")
}

pub(crate) fn text_reply(status: u16, text: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(text.to_owned(), "text/plain; charset=utf-8")
}

/// Each service's answer to a throttled request (see [`MockIdc::set_throttle`]).
pub(crate) fn throttle_reply(op: Op) -> ResponseTemplate {
    let message = "Rate exceeded";
    match op {
        Op::AssumeRoleWithWebIdentity | Op::AssumeRole | Op::GetCallerIdentity => {
            sts_error(400, "Throttling", message)
        }
        Op::ListClusters | Op::DescribeCluster => eks_error(429, "ThrottlingException", message),
        Op::GetSigninToken | Op::ConsoleLogin => text_reply(429, message),
        Op::RegisterClient | Op::StartDeviceAuthorization => {
            oidc_error("SlowDownException", message)
        }
        _ => portal_error(429, "TooManyRequestsException", message),
    }
}

pub(crate) fn sts_reply(action: &str, result: &str) -> ResponseTemplate {
    let body = format!(
        "<{action}Response xmlns=\"{STS_NS}\"><{action}Result>{result}</{action}Result>\
         <ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></{action}Response>",
        request_id()
    );
    ResponseTemplate::new(200).set_body_raw(body, "text/xml")
}

pub(crate) fn fault_reply(op: Op, status: u16) -> ResponseTemplate {
    let name = match status {
        429 => "TooManyRequestsException",
        503 => "ServiceUnavailable",
        s if s >= 500 => "InternalServerException",
        _ => "InvalidRequestException",
    };
    let message = format!("mock: injected {status} fault");
    match op {
        Op::RegisterClient
        | Op::StartDeviceAuthorization
        | Op::CreateTokenDevice
        | Op::CreateTokenRefresh
        | Op::CreateTokenAuthCode => {
            let error = if status >= 500 {
                "server_error"
            } else {
                "too_many_requests"
            };
            oidc_error_parts(status, name, error, &message)
        }
        Op::GetRoleCredentials | Op::ListAccounts | Op::ListAccountRoles | Op::Logout => {
            portal_error(status, name, &message)
        }
        Op::AssumeRoleWithWebIdentity | Op::AssumeRole | Op::GetCallerIdentity => {
            let code = match status {
                429 => "Throttling",
                503 => "ServiceUnavailable",
                s if s >= 500 => "InternalFailure",
                _ => "InvalidRequest",
            };
            sts_error(status, code, &message)
        }
        Op::DescribeCluster | Op::ListClusters => eks_error(status, name, &message),
        Op::GetSigninToken | Op::ConsoleLogin => text_reply(status, &message),
        Op::Authorize | Op::DeviceVerify => html_page(status, "Error", &message),
        Op::GithubToken | Op::Other => json_reply(status, &json!({ "message": message })),
    }
}

pub(crate) fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers.get(name).and_then(|v| v.to_str().ok())
}

pub(crate) fn query_param(req: &Request, name: &str) -> Option<String> {
    req.url
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn request_id() -> String {
    format!("mock-request-{}", random(12))
}

pub(crate) fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// RFC 3986 percent-encoding of everything except the unreserved characters.
pub(crate) fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub(crate) fn iso8601(epoch_secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(epoch_secs)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_owned())
}

pub(crate) fn pkce_challenge(verifier: &str) -> String {
    BASE64_URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}
