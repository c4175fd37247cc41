//! Authorization code + PKCE login as AWS CLI v2 runs it (`docs/sso-oidc.md#authorization-code-with-pkce`): loopback listener on
//! 127.0.0.1, `/authorize` URL with the CLI's exact parameters, state check, code exchange.
use super::browser;
use crate::app::App;
use crate::aws::oidc::{CreateTokenRequest, GRANT_AUTHORIZATION_CODE, Oidc, TokenResponse};
use crate::cache::registration::Registration;
use crate::config::SsoSession;
use crate::error::Error;
use crate::support::secret::Secret;
use crate::support::server::{Limits, response};
use base64::Engine;
use hyper::{Request, StatusCode};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sha2::{Digest, Sha256};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// Registered without a port; the real port appears only in /authorize and CreateToken.
pub const REGISTERED_REDIRECT_URI: &str = "http://127.0.0.1/oauth/callback";
/// How long we wait for the browser to come back (the CLI's overall timeout).
pub const CALLBACK_TIMEOUT: Duration = Duration::from_secs(600);
/// botocore's `percent_encode_sequence`: only `-._~` stay unencoded; space becomes `%20`.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
const VERIFIER_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

/// What the browser brought back to the callback (only requests with this login's `state`).
#[derive(Debug)]
enum Callback {
    Code {
        code: Secret,
    },
    /// The error and its description, control characters removed, at most [`MAX_DETAIL`] chars.
    Error(String),
}

/// The most of a remote error description shown.
const MAX_DETAIL: usize = 300;

pub async fn run(
    app: &App,
    oidc: &Oidc<'_>,
    session: &SsoSession,
    reg: &Registration,
) -> Result<TokenResponse, Error> {
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| Error::LoginFailed {
            message: format!("cannot start the login callback listener on 127.0.0.1: {e}"),
            hint: Some("use --device-code, which needs no local listener".into()),
        })?;
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    let redirect_uri = format!("http://127.0.0.1:{port}/oauth/callback");
    let verifier = code_verifier();
    let state = uuid4();
    let url = authorize_url(
        &oidc.base,
        &reg.client_id,
        &redirect_uri,
        &state,
        &session.registration_scopes(),
        &challenge(&verifier),
    );

    // The prompts reach the person even when a caller captures stderr (`support::terminal`).
    let p = &app.printer.to_person();
    p.info(format!("Sign in to {} in your browser. If it does not open, open this URL on this machine:\n\n    {url}\n", session.describe()));
    p.info("(Browser on another machine? Use --device-code instead.)");
    let manual = format!("Open this URL in a browser on this machine:\n\n    {url}\n");
    match browser::open(app, &url, &manual) {
        browser::Opened::Yes(line) => p.info(line),
        browser::Opened::Skipped(line) => p.debug(line),
        browser::Opened::Failed(why) => p.info(format!(
            "warning: the browser could not be opened ({why}). {manual}"
        )),
    }

    let wait = app
        .settings
        .login
        .timeout
        .map_or(CALLBACK_TIMEOUT, |t| t.min(CALLBACK_TIMEOUT));
    let callback = with_countdown(
        app,
        wait,
        tokio::time::timeout(wait, wait_for_callback(listener, state.clone())),
    )
    .await
    .map_err(|_| Error::LoginFailed {
        message: format!(
            "no sign-in arrived within {}",
            crate::support::clock::describe_std_duration(wait)
        ),
        hint: Some(format!("run `{}` again", app.settings.login_command())),
    })?;
    let code = match callback {
        Callback::Error(e) => {
            return Err(Error::LoginFailed {
                message: format!("the browser reported a failed sign-in: {e}"),
                hint: Some(format!(
                    "run `{}` to try again",
                    app.settings.login_command()
                )),
            });
        }
        Callback::Code { code } => code,
    };
    let req = CreateTokenRequest {
        client_id: reg.client_id.clone(),
        client_secret: Some(reg.client_secret.clone()),
        grant_type: GRANT_AUTHORIZATION_CODE,
        code: Some(code),
        redirect_uri: Some(redirect_uri),
        code_verifier: Some(verifier),
        ..Default::default()
    };
    Ok(oidc.create_token(&req).await?)
}

/// Runs `work`, showing the time left on a terminal once a second.
async fn with_countdown<T>(
    app: &App,
    total: Duration,
    work: impl std::future::Future<Output = T>,
) -> T {
    let started = std::time::Instant::now();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tokio::pin!(work);
    loop {
        tokio::select! {
            out = &mut work => {
                super::ui::clear_progress(app);
                return out;
            }
            _ = tick.tick() => super::ui::progress(app, "the browser", total.saturating_sub(started.elapsed())),
        }
    }
}

/// 64 characters from the RFC 7636 unreserved set, as the CLI draws them.
fn code_verifier() -> Secret {
    let mut rng = rand::rng();
    Secret::new(
        (0..64)
            .map(|_| {
                VERIFIER_CHARS[rand::RngExt::random_range(&mut rng, 0..VERIFIER_CHARS.len())]
                    as char
            })
            .collect::<String>(),
    )
}

/// `base64url(sha256(verifier))` without padding (S256).
fn challenge(verifier: &Secret) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.expose().as_bytes()))
}

/// A random (version 4) UUID, lower-case and hyphenated, as `str(uuid.uuid4())`.
fn uuid4() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// `{scheme://host[:port]}/authorize?...` with the CLI's parameter order and encoding (`docs/sso-oidc.md#authorization-code-with-pkce`.4).
fn authorize_url(
    oidc_base: &str,
    client_id: &str,
    redirect_uri: &str,
    state: &str,
    scopes: &[String],
    challenge: &str,
) -> String {
    let origin = url::Url::parse(oidc_base)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_else(|_| oidc_base.to_string());
    let enc = |v: &str| utf8_percent_encode(v, QUERY).to_string();
    format!(
        "{origin}/authorize?response_type=code&client_id={}&redirect_uri={}&state={}&code_challenge_method=S256&scopes={}&code_challenge={challenge}",
        enc(client_id),
        enc(redirect_uri),
        enc(state),
        enc(&scopes.join(" ")),
    )
}

/// The callback listener's limits: a browser sends its request at once and may keep the
/// connection open; a handful of connections is plenty.
const LIMITS: Limits = Limits {
    max_connections: 16,
    max_pending: 16,
    header_timeout: Duration::from_secs(10),
    connection_timeout: Duration::from_secs(60),
    keep_alive: true,
};

/// Serves the loopback listener until a request with this login's `state` carries `code` or
/// `error`. Requests without it (another page, a port scanner, an attacker) are answered and
/// ignored: they cannot end or hijack the login.
async fn wait_for_callback(listener: TcpListener, state: String) -> Callback {
    let (tx, mut rx) = mpsc::channel::<Callback>(1);
    let handler = move |req: Request<hyper::body::Incoming>| {
        let (tx, state) = (tx.clone(), state.clone());
        async move {
            let (status, body, found) = answer(&req, &state);
            if let Some(cb) = found {
                let _ = tx.send(cb).await;
            }
            response(status, "text/html; charset=utf-8", body)
        }
    };
    tokio::select! {
        cb = rx.recv() => cb.unwrap_or(Callback::Error("the callback listener stopped".into())),
        _ = crate::support::server::serve(listener, LIMITS, handler, |_| {}) => {
            Callback::Error("the callback listener stopped".into())
        }
    }
}

fn answer(
    req: &Request<hyper::body::Incoming>,
    state: &str,
) -> (StatusCode, String, Option<Callback>) {
    let query: Vec<(String, String)> = req
        .uri()
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let get = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let ours = get("state")
        .is_some_and(|s| subtle::ConstantTimeEq::ct_eq(s.as_bytes(), state.as_bytes()).into());
    if !ours && (get("error").is_some() || get("code").is_some()) {
        return (
            StatusCode::BAD_REQUEST,
            page(
                "Not this sign-in",
                "This callback is not for the sign-in ssoexec is waiting for; it was ignored.",
            ),
            None,
        );
    }
    if let Some(error) = get("error") {
        let detail = get("error_description")
            .map(|d| format!("{error}: {d}"))
            .unwrap_or(error);
        let detail: String = crate::support::text::clean(&detail)
            .chars()
            .take(MAX_DETAIL)
            .collect();
        return (
            StatusCode::OK,
            page(
                "Sign-in failed",
                &format!("The sign-in did not complete: {detail}. Return to the terminal."),
            ),
            Some(Callback::Error(detail)),
        );
    }
    match get("code") {
        Some(code) => (
            StatusCode::OK,
            page(
                "Signed in",
                "ssoexec has received your sign-in. You can close this tab and return to the terminal.",
            ),
            Some(Callback::Code {
                code: Secret::new(code),
            }),
        ),
        _ => (
            StatusCode::NOT_FOUND,
            page(
                "Not found",
                "This address only receives the sign-in callback.",
            ),
            None,
        ),
    }
}

fn page(title: &str, text: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>ssoexec: {0}</title></head><body style=\"font-family:sans-serif;margin:3em\"><h1>{0}</h1><p>{1}</p></body></html>",
        html_escape(title),
        html_escape(text)
    )
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_vector() {
        assert_eq!(
            challenge(&Secret::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let v = code_verifier();
        assert_eq!(v.expose().len(), 64);
        assert!(v.expose().bytes().all(|b| VERIFIER_CHARS.contains(&b)));
    }

    #[test]
    fn authorize_url_matches_the_cli() {
        let url = authorize_url(
            "https://oidc.us-east-1.amazonaws.com/some/path",
            "EXAMPLE-CLIENT-ID",
            "http://127.0.0.1:54321/oauth/callback",
            "6f1c2a9e-2b7d-4c1e-9a55-0d7f3b8e1a42",
            &["sso:account:access".into()],
            "5gZeJM4NjikuEKZjZ797pdbqwFvPvcgtR-v-dplr-Rg",
        );
        assert_eq!(
            url,
            "https://oidc.us-east-1.amazonaws.com/authorize?response_type=code&client_id=EXAMPLE-CLIENT-ID&redirect_uri=http%3A%2F%2F127.0.0.1%3A54321%2Foauth%2Fcallback&state=6f1c2a9e-2b7d-4c1e-9a55-0d7f3b8e1a42&code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess&code_challenge=5gZeJM4NjikuEKZjZ797pdbqwFvPvcgtR-v-dplr-Rg"
        );
        let two = authorize_url(
            "http://127.0.0.1:9",
            "c",
            "r",
            "s",
            &[
                "sso:account:access".into(),
                "codewhisperer:completions".into(),
            ],
            "x",
        );
        assert!(
            two.contains("&scopes=sso%3Aaccount%3Aaccess%20codewhisperer%3Acompletions&"),
            "{two}"
        );
    }

    #[test]
    fn uuid_shape() {
        let u = uuid4();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
    }
}
