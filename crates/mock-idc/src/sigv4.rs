//! SigV4 as STS and EKS check it: the signing scope of a request and the signature verified
//! against the secret the mock issued.

use std::collections::HashMap;

use sha2::{Digest, Sha256};
use wiremock::{Request, ResponseTemplate};

use crate::reply::{header, percent_encode, sts_error};
use crate::state::{Identity, State};

/// The access key and region of a SigV4-signed request (header or presigned query).
pub(crate) struct SigV4Scope {
    pub(crate) access_key: String,
    pub(crate) region: String,
}

pub(crate) fn sigv4_scope(req: &Request, params: &HashMap<String, String>) -> Option<SigV4Scope> {
    let from_header = header(req, "authorization")
        .and_then(|auth| auth.strip_prefix("AWS4-HMAC-SHA256 Credential="))
        .map(|rest| rest.split(',').next().unwrap_or(rest).to_owned());
    let signed_query = params.contains_key("X-Amz-Signature");
    let credential = from_header.or_else(|| {
        params
            .get("X-Amz-Credential")
            .filter(|_| signed_query)
            .cloned()
    })?;
    let mut parts = credential.split('/');
    let access_key = parts.next()?.to_owned();
    let region = parts.nth(1).unwrap_or("us-east-1").to_owned();
    Some(SigV4Scope { access_key, region })
}

pub(crate) fn missing_auth_sts() -> ResponseTemplate {
    sts_error(
        403,
        "MissingAuthenticationToken",
        "Request is missing Authentication Token",
    )
}

/// The parts of a SigV4 `Authorization` header.
struct SigV4Header {
    pub(crate) access_key: String,
    pub(crate) date: String,
    pub(crate) region: String,
    pub(crate) service: String,
    pub(crate) signed_headers: Vec<String>,
    pub(crate) signature: String,
}

fn parse_sigv4_header(auth: &str) -> Option<SigV4Header> {
    let rest = auth.strip_prefix("AWS4-HMAC-SHA256 ")?;
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for part in rest.split(',') {
        let (key, value) = part.trim().split_once('=')?;
        match key {
            "Credential" => credential = Some(value),
            "SignedHeaders" => signed_headers = Some(value),
            "Signature" => signature = Some(value),
            _ => {}
        }
    }
    let scope: Vec<&str> = credential?.split('/').collect();
    let [access_key, date, region, service, "aws4_request"] = scope.as_slice() else {
        return None;
    };
    Some(SigV4Header {
        access_key: (*access_key).to_owned(),
        date: (*date).to_owned(),
        region: (*region).to_owned(),
        service: (*service).to_owned(),
        signed_headers: signed_headers?.split(';').map(str::to_owned).collect(),
        signature: signature?.to_owned(),
    })
}

type HmacSha256 = hmac::Hmac<Sha256>;

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    use hmac::{KeyInit as _, Mac as _};
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// The SigV4 canonical query string: every pair decoded, re-encoded (RFC 3986) and sorted.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (percent_encode(&k), percent_encode(&v)))
        .collect();
    pairs.sort();
    let pairs: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    pairs.join("&")
}

/// Recomputes the SigV4 signature of a header-signed request with `secret`
/// (AWS "Create a signed AWS API request": canonical request, string to sign, derived key).
fn sigv4_signature(req: &Request, auth: &SigV4Header, secret: &str) -> Option<String> {
    let amz_date = header(req, "x-amz-date")?;
    let mut canonical_headers = String::new();
    for name in &auth.signed_headers {
        let values: Vec<String> = req
            .headers
            .get_all(name.as_str())
            .iter()
            .map(|v| {
                let v = String::from_utf8_lossy(v.as_bytes());
                v.split_whitespace().collect::<Vec<_>>().join(" ")
            })
            .collect();
        if values.is_empty() {
            return None;
        }
        canonical_headers.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    let payload_hash = hex::encode(Sha256::digest(&req.body));
    let canonical_request = format!(
        "{}\n{}\n{}\n{canonical_headers}\n{}\n{payload_hash}",
        req.method.as_str(),
        req.url.path(),
        canonical_query(req.url.query().unwrap_or_default()),
        auth.signed_headers.join(";"),
    );
    let scope = format!(
        "{}/{}/{}/aws4_request",
        auth.date, auth.region, auth.service
    );
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    );
    let mut key = format!("AWS4{secret}").into_bytes();
    for part in [&auth.date, &auth.region, &auth.service, "aws4_request"] {
        key = hmac_sha256(&key, part.as_bytes());
    }
    Some(hex::encode(hmac_sha256(&key, string_to_sign.as_bytes())))
}

fn invalid_client_token() -> ResponseTemplate {
    sts_error(
        403,
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
    )
}

/// Checks the SigV4 signature of an STS request against the credentials the mock issued and
/// returns who signed it.
pub(crate) fn verify_sts_signature(
    st: &State,
    req: &Request,
) -> Result<Identity, ResponseTemplate> {
    let auth = header(req, "authorization")
        .filter(|a| a.starts_with("AWS4-HMAC-SHA256 "))
        .ok_or_else(missing_auth_sts)?;
    let auth = parse_sigv4_header(auth).ok_or_else(|| {
        sts_error(
            400,
            "IncompleteSignature",
            "Authorization header requires Credential, SignedHeaders and Signature",
        )
    })?;
    let identity = st
        .identities
        .get(&auth.access_key)
        .cloned()
        .ok_or_else(invalid_client_token)?;
    // Long-term keys ([`MockIdc::add_static_credentials`]) carry no session token; temporary
    // ones must present exactly the token they were issued with.
    let presented = header(req, "x-amz-security-token");
    let token_ok = if identity.session_token.is_empty() {
        presented.is_none()
    } else {
        presented == Some(identity.session_token.as_str())
    };
    if !token_ok {
        return Err(invalid_client_token());
    }
    if st.now() >= identity.expires {
        return Err(sts_error(
            400,
            "ExpiredTokenException",
            "The security token included in the request is expired",
        ));
    }
    let expected = sigv4_signature(req, &auth, &identity.secret);
    let matches = expected.is_some_and(|e| subtle_eq(e.as_bytes(), auth.signature.as_bytes()));
    if !matches || auth.service != "sts" {
        return Err(sts_error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. \
             Check your AWS Secret Access Key and signing method.",
        ));
    }
    Ok(identity)
}

/// Compares without an early exit (a mock need not be constant-time, but it costs nothing).
fn subtle_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
