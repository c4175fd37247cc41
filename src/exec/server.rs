//! The credentials server: ECS container-credentials protocol on a loopback port, a random bearer
//! token compared in constant time, credentials renewed on demand (from the caches, the portal,
//! or STS for a chained profile).
use crate::app::App;
use crate::config::Identity;
use crate::credentials::Credentials;
use crate::credentials::{self, LoginPermission};
use crate::error::Error;
use crate::support::clock::format_timestamp;
use crate::support::secret::Secret;
use crate::support::server::{self as support_server, Limits, Peer, response};
use hyper::header::HeaderValue;
use hyper::{Request, StatusCode};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use subtle::ConstantTimeEq;
use tokio::net::TcpListener;

/// How the server treats clients: an SDK sends its request at once, so an idle connection is
/// closed after the header deadline; a connection may live long enough for a renewal that needs
/// an interactive login; past the cap, clients wait in the backlog (`docs/output-formats.md`).
pub const LIMITS: Limits = Limits {
    max_connections: 512,
    max_pending: 4096,
    header_timeout: Duration::from_secs(10),
    connection_timeout: Duration::from_secs(15 * 60),
    keep_alive: false,
};

/// A fresh random token: 32 bytes, hex.
pub fn random_token() -> Secret {
    Secret::new(hex::encode(rand::random::<[u8; 32]>()))
}

/// Constant-time comparison of the presented token with ours.
pub fn authorized(presented: Option<&[u8]>, token: &Secret) -> bool {
    presented.is_some_and(|p| p.ct_eq(token.expose().as_bytes()).into())
}

/// Who may have which credentials: decided per request from the address it came from and the
/// `Authorization` header it presented. `serve` has one token and one identity; the container
/// endpoint (`containers::gate`) has a token per container and checks the address too.
pub trait Gate: Send + Sync + 'static {
    fn credentials(
        &self,
        app: &Arc<App>,
        peer: Option<SocketAddr>,
        presented: Option<HeaderValue>,
    ) -> impl Future<Output = Result<Credentials, Refusal>> + Send;
}

/// Why a request gets no credentials.
pub enum Refusal {
    /// Not this client's to have (403 AccessDenied); the reason says nothing about the secrets.
    Denied(&'static str),
    /// This client's, but they cannot be had now (500, with the error and its hint).
    Unavailable(Error),
}

/// One token, one identity: `ssoexec serve` and `exec --renew`.
struct SingleToken {
    target: Arc<Identity>,
    token: Arc<Secret>,
    permission: LoginPermission,
}

impl Gate for SingleToken {
    async fn credentials(
        &self,
        app: &Arc<App>,
        _peer: Option<SocketAddr>,
        presented: Option<HeaderValue>,
    ) -> Result<Credentials, Refusal> {
        if !authorized(presented.as_ref().map(|v| v.as_bytes()), &self.token) {
            return Err(Refusal::Denied("missing or wrong Authorization token"));
        }
        credentials::resolve(app, &self.target, self.permission)
            .await
            .map_err(Refusal::Unavailable)
    }
}

/// Serves until `stop` completes. Each connection is its own task; concurrent renewals are
/// single-flight through the role-credential lock.
pub async fn serve(
    app: Arc<App>,
    target: Arc<Identity>,
    listener: TcpListener,
    token: Arc<Secret>,
    permission: LoginPermission,
    stop: impl Future<Output = ()>,
) -> Result<(), Error> {
    let gate = SingleToken {
        target,
        token,
        permission,
    };
    serve_gate(app, listener, Arc::new(gate), stop).await
}

/// Serves what `gate` allows until `stop` completes.
pub async fn serve_gate<G: Gate>(
    app: Arc<App>,
    listener: TcpListener,
    gate: Arc<G>,
    stop: impl Future<Output = ()>,
) -> Result<(), Error> {
    let printer = app.printer.clone();
    let handler = move |req: Request<hyper::body::Incoming>| {
        let (app, gate) = (app.clone(), gate.clone());
        let peer = req.extensions().get::<Peer>().map(|p| p.0);
        let presented = req.headers().get("authorization").cloned();
        async move {
            let (status, body) = respond(&app, gate.credentials(&app, peer, presented).await);
            response(status, "application/json", body)
        }
    };
    let accept_errors = move |e: &std::io::Error| {
        printer.warn(format!(
            "credentials server: cannot accept connections ({e}); backing off"
        ))
    };
    tokio::select! {
        _ = support_server::serve(listener, LIMITS, handler, accept_errors) => Ok(()),
        _ = stop => Ok(()),
    }
}

fn respond(app: &App, answer: Result<Credentials, Refusal>) -> (StatusCode, String) {
    match answer {
        Ok(c) => {
            let body = serde_json::json!({
                "AccessKeyId": c.access_key_id,
                "SecretAccessKey": c.secret_access_key.expose(),
                "Token": c.session_token.as_ref().map(|t| t.expose()),
                "Expiration": c.expiration.map(format_timestamp),
                "AccountId": c.account_id,
            });
            (StatusCode::OK, body.to_string())
        }
        Err(Refusal::Denied(why)) => (StatusCode::FORBIDDEN, error_body("AccessDenied", why)),
        Err(Refusal::Unavailable(e)) => {
            app.printer.warn(format!("credentials server: {e}"));
            let code = if matches!(e, Error::LoginRequired { .. }) {
                "LoginRequired"
            } else {
                "CredentialsUnavailable"
            };
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                error_body(
                    code,
                    &format!(
                        "{e}{}",
                        e.hint().map(|h| format!(" ({h})")).unwrap_or_default()
                    ),
                ),
            )
        }
    }
}

fn error_body(code: &str, message: &str) -> String {
    serde_json::json!({ "Code": code, "Message": message }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_check() {
        let t = Secret::new("abc");
        assert!(authorized(Some(b"abc"), &t));
        assert!(!authorized(Some(b"abd"), &t));
        assert!(!authorized(Some(b"ab"), &t));
        assert!(!authorized(None, &t));
        assert_eq!(random_token().expose().len(), 64);
    }
}
