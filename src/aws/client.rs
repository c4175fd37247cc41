//! HTTP for every AWS call: one reqwest client (rustls, proxies from HTTPS_PROXY/NO_PROXY,
//! AWS_CA_BUNDLE or the profile's `ca_bundle`), timeouts, retries for idempotent calls, a recorder
//! of the servers' clock, and the AWS error shapes. Built lazily: a cache hit never sets up TLS.
use super::error_code::ErrorCode;
use crate::support::clock::Clock;
use crate::support::env::{Env, SSOEXEC_HTTP_TIMEOUT};
use crate::support::printer::Printer;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// A clock further than this from the servers' is reported: expiry checks would be off by as much.
pub const SKEW_WARNING: time::Duration = time::Duration::minutes(5);

/// The one HTTP client of a run, with what every request needs: the debug log, the clock-skew
/// recorder and the trust settings. Service clients (`Oidc`, `Portal`, `Sts`, `eks`) borrow it.
pub struct Client {
    env: Env,
    clock: Clock,
    printer: Printer,
    /// A PEM bundle of extra trust roots (`AWS_CA_BUNDLE`, else the profile's `ca_bundle`).
    ca_bundle: Option<PathBuf>,
    http: OnceLock<reqwest::Client>,
    /// Server time minus our time, from the last `Date` header seen.
    skew: Mutex<Option<time::Duration>>,
}

impl Client {
    pub fn new(env: Env, clock: Clock, printer: Printer, ca_bundle: Option<PathBuf>) -> Client {
        Client {
            env,
            clock,
            printer,
            ca_bundle,
            http: OnceLock::new(),
            skew: Mutex::new(None),
        }
    }

    pub fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    pub fn printer(&self) -> &Printer {
        &self.printer
    }

    /// The reqwest client, built on first use.
    pub fn http(&self) -> Result<&reqwest::Client, HttpError> {
        if let Some(c) = self.http.get() {
            return Ok(c);
        }
        let client = build(&self.env, self.ca_bundle.as_deref())?;
        Ok(self.http.get_or_init(|| client))
    }

    /// Records the server's clock from a `Date` header; says once when ours is far off.
    pub fn note_server_date(&self, server: std::time::SystemTime) {
        let server = time::OffsetDateTime::from(server);
        let skew = server - self.now();
        let Ok(mut last) = self.skew.lock() else {
            return;
        };
        let first_big = skew.abs() > SKEW_WARNING && last.is_none_or(|s| s.abs() <= SKEW_WARNING);
        *last = Some(skew);
        if first_big {
            let dir = if skew.is_positive() {
                "behind"
            } else {
                "ahead of"
            };
            self.printer.warn(format!(
                "this computer's clock is {} {dir} the AWS servers'; expiry times will look wrong until the clock is fixed (enable NTP)",
                crate::support::clock::describe_duration(skew.abs())
            ));
        }
    }

    /// The last skew seen (server minus local), if any response carried a `Date`.
    pub fn skew(&self) -> Option<time::Duration> {
        self.skew.lock().ok().and_then(|s| *s)
    }

    /// Sends a request built by `make`, retrying idempotent calls with jittered exponential backoff.
    pub async fn send(
        &self,
        op: &'static str,
        idempotent: bool,
        make: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, HttpError> {
        let printer = &self.printer;
        let mut attempt = 1;
        loop {
            let request = make();
            let url = request
                .try_clone()
                .and_then(|r| r.build().ok())
                .map(|r| redact_url(r.url()))
                .unwrap_or_default();
            printer.debug(format!("{op}: {url} (attempt {attempt})"));
            let result = request.send().await;
            if let Some(date) = result
                .as_ref()
                .ok()
                .and_then(|r| r.headers().get("date"))
                .and_then(|d| d.to_str().ok())
                .and_then(|d| httpdate::parse_http_date(d).ok())
            {
                self.note_server_date(date);
            }
            if idempotent && attempt < MAX_ATTEMPTS && retryable(&result) {
                let delay = backoff(attempt);
                printer.debug(format!(
                    "{op}: retrying in {} ms ({})",
                    delay.as_millis(),
                    describe(&result)
                ));
                tokio::time::sleep(delay).await;
                attempt += 1;
                continue;
            }
            return result.map_err(|source| HttpError::Transport { op, url, source });
        }
    }
}

/// Default total time for one request; a hanging server never hangs ssoexec past it.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Connecting takes at most this long (a black-holed endpoint fails fast).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Attempts for idempotent requests on 5xx, 429 and connection failures.
pub const MAX_ATTEMPTS: u32 = 3;

/// An error returned by an AWS API, with the code as the service named it.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub op: &'static str,
    pub status: u16,
    /// The exception the service named (`AuthorizationPendingException`, `AccessDenied`, ...).
    pub code: ErrorCode,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("{} failed: {} ({})", .0.op, api_message(.0), .0.code)]
    Api(ApiError),
    #[error("{op} could not reach {url}")]
    Transport {
        op: &'static str,
        url: String,
        source: reqwest::Error,
    },
    #[error("{op} returned a response ssoexec cannot read: {reason}")]
    Decode { op: &'static str, reason: String },
    #[error("cannot set up HTTPS: {0}")]
    Setup(String),
}

fn api_message(e: &ApiError) -> String {
    if e.message.is_empty() {
        format!("HTTP {}", e.status)
    } else {
        e.message.clone()
    }
}

impl HttpError {
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            HttpError::Api(e) => Some(e),
            _ => None,
        }
    }

    pub fn hint(&self) -> Option<String> {
        match self {
            HttpError::Transport { .. } => Some(
                "check the network, HTTPS_PROXY/NO_PROXY, and any AWS_ENDPOINT_URL_* override"
                    .into(),
            ),
            HttpError::Api(e) if e.status >= 500 => {
                Some("the service is having trouble; try again in a minute".into())
            }
            HttpError::Setup(_) => Some("check AWS_CA_BUNDLE / ca_bundle".into()),
            // No such API at that address: a wrong region or endpoint, not a missing role.
            HttpError::Api(e) if e.status == 404 => Some(
                "the server has no such API: check the region (sso_region for the portal and login, region for STS and EKS) and any AWS_ENDPOINT_URL_* override"
                    .into(),
            ),
            _ => None,
        }
    }
}

/// Builds the client. Called only on the slow path: a cache hit never sets up TLS.
fn build(env: &Env, ca_bundle: Option<&std::path::Path>) -> Result<reqwest::Client, HttpError> {
    let timeout = env
        .get(SSOEXEC_HTTP_TIMEOUT)
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|s| *s > 0.0)
        .map(Duration::from_secs_f64)
        .unwrap_or(DEFAULT_TIMEOUT);
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!("ssoexec/", env!("CARGO_PKG_VERSION")))
        .timeout(timeout)
        .connect_timeout(CONNECT_TIMEOUT.min(timeout))
        .redirect(reqwest::redirect::Policy::none());
    if let Some(bundle) = ca_bundle {
        let shown = bundle.display();
        let pem = std::fs::read(bundle)
            .map_err(|e| HttpError::Setup(format!("cannot read the CA bundle {shown}: {e}")))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| HttpError::Setup(format!("the CA bundle {shown}: {e}")))?;
        if certs.is_empty() {
            return Err(HttpError::Setup(format!(
                "the CA bundle {shown} holds no PEM certificate"
            )));
        }
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder.build().map_err(|e| HttpError::Setup(e.to_string()))
}

/// Whether a failed attempt may be tried again (idempotent calls only).
fn retryable(result: &Result<reqwest::Response, reqwest::Error>) -> bool {
    match result {
        Ok(r) => r.status().is_server_error() || r.status().as_u16() == 429,
        Err(e) => e.is_connect() || e.is_timeout() || e.is_request(),
    }
}

fn describe(result: &Result<reqwest::Response, reqwest::Error>) -> String {
    match result {
        Ok(r) => format!("HTTP {}", r.status().as_u16()),
        Err(e) => e.to_string(),
    }
}

fn backoff(attempt: u32) -> Duration {
    let base = 200u64 << (attempt - 1);
    let jitter = rand::random_range(0..=base);
    Duration::from_millis(base / 2 + jitter)
}

/// URLs are logged without query values that could carry secrets (presigned tokens).
/// The `…` is written as such, not percent-encoded (`%E2%80%A6`) as `Url::set_query` would.
fn redact_url(url: &url::Url) -> String {
    let keys: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
    let mut u = url.clone();
    u.set_query(None);
    u.set_fragment(None);
    if keys.is_empty() {
        return u.to_string();
    }
    let query: Vec<String> = keys.iter().map(|k| format!("{k}=…")).collect();
    format!("{u}?{}", query.join("&"))
}

/// The largest response body read: AWS JSON and XML answers are small (a page of 100 accounts
/// is about 20 KiB), so anything bigger is refused before it fills memory.
pub const MAX_BODY: usize = 1 << 20;

/// The body of `response`, at most [`MAX_BODY`] bytes; a larger one is an error, and the rest of
/// it is never read.
pub async fn body(op: &'static str, mut response: reqwest::Response) -> Result<Vec<u8>, HttpError> {
    let too_large = || HttpError::Decode {
        op,
        reason: format!("the response body is larger than {} KiB", MAX_BODY / 1024),
    };
    if response
        .content_length()
        .is_some_and(|n| n > MAX_BODY as u64)
    {
        return Err(too_large());
    }
    let mut out = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| HttpError::Decode {
        op,
        reason: e.to_string(),
    })? {
        if out.len() + chunk.len() > MAX_BODY {
            return Err(too_large());
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// Reads a JSON body of a successful response, or turns an error response into `ApiError`
/// (error type from `x-amzn-ErrorType`, else `__type`/`code`, else the OAuth `error` field).
pub async fn json<T: serde::de::DeserializeOwned>(
    op: &'static str,
    response: reqwest::Response,
) -> Result<T, HttpError> {
    let status = response.status();
    let header_type = response
        .headers()
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    let body = body(op, response).await?;
    if status.is_success() {
        return serde_json::from_slice(&body).map_err(|e| HttpError::Decode {
            op,
            reason: e.to_string(),
        });
    }
    Err(HttpError::Api(api_error(
        op,
        status.as_u16(),
        header_type.as_deref(),
        &body,
    )))
}

/// Accepts only a 2xx status, discarding the body.
pub async fn empty(op: &'static str, response: reqwest::Response) -> Result<(), HttpError> {
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let header_type = response
        .headers()
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    let body = body(op, response).await.unwrap_or_default();
    Err(HttpError::Api(api_error(
        op,
        status.as_u16(),
        header_type.as_deref(),
        &body,
    )))
}

/// The most of a server's error message shown.
pub const MAX_MESSAGE: usize = 500;

pub fn api_error(
    op: &'static str,
    status: u16,
    header_type: Option<&str>,
    body: &[u8],
) -> ApiError {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap_or(serde_json::Value::Null);
    let field = |k: &str| v.get(k).and_then(|x| x.as_str()).map(String::from);
    let code = header_type
        .map(String::from)
        .or_else(|| field("__type"))
        .or_else(|| field("code"))
        .or_else(|| field("Code"))
        .map(|c| ErrorCode::parse(&clean_code(&c)))
        .or_else(|| field("error").map(|e| ErrorCode::from_oauth(&e)))
        .unwrap_or_else(|| ErrorCode::Other(format!("HTTP{status}")));
    // Server text reaches the terminal: no control characters, and not a whole page of it.
    let message: String = crate::support::text::clean(
        &field("error_description")
            .or_else(|| field("message"))
            .or_else(|| field("Message"))
            .unwrap_or_default(),
    )
    .chars()
    .take(MAX_MESSAGE)
    .collect();
    ApiError {
        op,
        status,
        code,
        message,
    }
}

/// `aws.protocoltests#FooException:http://...` → `FooException` (botocore's rule).
fn clean_code(c: &str) -> String {
    let c = c.split(':').next().unwrap_or(c);
    c.rsplit('#').next().unwrap_or(c).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_code_sources_in_order() {
        let e = api_error(
            "CreateToken",
            400,
            Some("AuthorizationPendingException:http://internal"),
            br#"{"error":"x"}"#,
        );
        assert_eq!(e.code, "AuthorizationPendingException");
        let e = api_error(
            "CreateToken",
            400,
            None,
            br#"{"error":"slow_down","error_description":"wait"}"#,
        );
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("SlowDownException", "wait")
        );
        let e = api_error("GetRoleCredentials", 401, None, br#"{"message":"Session token not found or invalid","__type":"com.amazonaws.switchboard.portal#UnauthorizedException"}"#);
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            (
                "UnauthorizedException",
                "Session token not found or invalid"
            )
        );
        assert_eq!(api_error("X", 502, None, b"<html>").code, "HTTP502");
    }
}
