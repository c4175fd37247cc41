//! The wiremock responder: records each request, applies injected faults, throttling and
//! delays, and dispatches on method and path to the service modules.

use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

use crate::control::control_plane;
use crate::eks::{describe_cluster, list_clusters};
use crate::federation::{console_login, get_signin_token};
use crate::github::github_token;
use crate::oidc::{
    DEVICE_GRANT, authorize, create_token, device_verify, parse_json, register_client,
    start_device_authorization,
};
use crate::portal::{get_role_credentials, list_account_roles, list_accounts, logout};
use crate::reply::{
    fault_reply, json_reply, oidc_error, query_param, sts_error, text_reply, throttle_reply,
};
use crate::state::{State, lock};
use crate::sts::{assume_role, assume_role_with_web_identity, get_caller_identity, sts_params};
use crate::{Op, Recorded};

/// The wiremock responder behind the catch-all mock.
pub(crate) struct Responder {
    pub(crate) state: Arc<Mutex<State>>,
}

impl Respond for Responder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut st = lock(&self.state);
        if let Some(reply) = control_plane(&mut st, req) {
            return reply;
        }
        let op = classify(req);
        st.recorded.push(Recorded::from_request(req, op));
        let reply = match st.take_fault(op) {
            Some(status) => fault_reply(op, status),
            None if st.take_throttle(op) => throttle_reply(op),
            None => handle(&mut st, op, req).unwrap_or_else(|error| error),
        };
        // The `Date` header tells clients the server's (mock) time, as real AWS endpoints do.
        let reply = reply.insert_header("date", http_date(st.now()));
        let delay = st.delay_for(op);
        st.track_in_flight(op, delay);
        match delay {
            Some(delay) => reply.set_delay(delay),
            None => reply,
        }
    }
}

/// An IMF-fixdate (`Thu, 26 Nov 2026 10:00:00 GMT`) for an epoch second.
fn http_date(epoch: i64) -> String {
    let t = UNIX_EPOCH + Duration::from_secs(epoch.max(0) as u64);
    httpdate::fmt_http_date(t)
}

/// Both arms are complete responses; `Err` lets handlers use `?` on validation failures.
pub(crate) type Reply = Result<ResponseTemplate, ResponseTemplate>;

fn classify(req: &Request) -> Op {
    match (req.method.as_str(), req.url.path()) {
        ("POST", "/client/register") => Op::RegisterClient,
        ("POST", "/device_authorization") => Op::StartDeviceAuthorization,
        ("POST", "/token") => classify_grant(req),
        ("GET", "/authorize") => Op::Authorize,
        ("GET", "/device") => Op::DeviceVerify,
        ("GET", "/federation/credentials") => Op::GetRoleCredentials,
        ("GET", "/assignment/accounts") => Op::ListAccounts,
        ("GET", "/assignment/roles") => Op::ListAccountRoles,
        ("POST", "/logout") => Op::Logout,
        ("GET", "/github/token") => Op::GithubToken,
        ("GET" | "POST", "/") => classify_sts(req),
        ("GET", "/clusters") => Op::ListClusters,
        ("GET", path) if cluster_name(path).is_some() => Op::DescribeCluster,
        ("GET", "/federation") => match query_param(req, "Action").as_deref() {
            Some("getSigninToken") => Op::GetSigninToken,
            Some("login") => Op::ConsoleLogin,
            _ => Op::Other,
        },
        _ => Op::Other,
    }
}

fn classify_grant(req: &Request) -> Op {
    let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
    match body.get("grantType").and_then(Value::as_str) {
        Some(DEVICE_GRANT) => Op::CreateTokenDevice,
        Some("refresh_token") => Op::CreateTokenRefresh,
        Some("authorization_code") => Op::CreateTokenAuthCode,
        _ => Op::Other,
    }
}

fn classify_sts(req: &Request) -> Op {
    match sts_params(req).get("Action").map(String::as_str) {
        Some("AssumeRoleWithWebIdentity") => Op::AssumeRoleWithWebIdentity,
        Some("AssumeRole") => Op::AssumeRole,
        Some("GetCallerIdentity") => Op::GetCallerIdentity,
        _ => Op::Other,
    }
}

pub(crate) fn cluster_name(path: &str) -> Option<&str> {
    path.strip_prefix("/clusters/")
        .filter(|n| !n.is_empty() && !n.contains('/'))
}

pub(crate) fn handle(st: &mut State, op: Op, req: &Request) -> Reply {
    match op {
        Op::RegisterClient => register_client(st, req),
        Op::StartDeviceAuthorization => start_device_authorization(st, req),
        Op::CreateTokenDevice | Op::CreateTokenRefresh | Op::CreateTokenAuthCode => {
            create_token(st, op, req)
        }
        Op::Authorize => Ok(authorize(st, req)),
        Op::DeviceVerify => Ok(device_verify(st, req)),
        Op::GetRoleCredentials => get_role_credentials(st, req),
        Op::ListAccounts => list_accounts(st, req),
        Op::ListAccountRoles => list_account_roles(st, req),
        Op::Logout => logout(st, req),
        Op::AssumeRoleWithWebIdentity => assume_role_with_web_identity(st, req),
        Op::AssumeRole => assume_role(st, req),
        Op::GetCallerIdentity => get_caller_identity(st, req),
        Op::DescribeCluster => describe_cluster(st, req),
        Op::GithubToken => github_token(st, req),
        Op::ListClusters => list_clusters(st, req),
        Op::GetSigninToken => get_signin_token(st, req),
        Op::ConsoleLogin => console_login(st, req),
        Op::Other => Err(unknown_route(req)),
    }
}

fn unknown_route(req: &Request) -> ResponseTemplate {
    let path = req.url.path();
    if path == "/token" {
        return match parse_json::<Value>(req) {
            Ok(_) => oidc_error("UnsupportedGrantTypeException", "Unsupported grant type"),
            Err(invalid) => invalid,
        };
    }
    if path == "/" {
        return sts_error(400, "InvalidAction", "Could not find operation");
    }
    if path == "/federation" {
        return text_reply(400, "Action must be getSigninToken or login");
    }
    let message = format!("mock: no route for {} {path}", req.method);
    json_reply(404, &json!({ "message": message }))
}
