//! The console federation endpoint (`docs/console.md`): `getSigninToken` and `login`.

use serde::Deserialize;
use serde_json::{Value, json};
use wiremock::Request;

use crate::SigninRequest;
use crate::reply::{json_reply, query_param, text_reply};
use crate::server::Reply;
use crate::state::{State, random};

/// The `Session` JSON of `getSigninToken`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FederationSession {
    pub(crate) session_id: String,
    pub(crate) session_key: String,
    pub(crate) session_token: String,
}

pub(crate) fn get_signin_token(st: &mut State, req: &Request) -> Reply {
    let bad = |m: &str| text_reply(400, m);
    let raw = query_param(req, "Session").ok_or_else(|| bad("Session is required"))?;
    let session: FederationSession = serde_json::from_str(&raw)
        .map_err(|_| bad("Session must be JSON with sessionId, sessionKey and sessionToken"))?;
    let identity = st
        .identities
        .get(&session.session_id)
        .filter(|i| {
            i.secret == session.session_key
                && i.session_token == session.session_token
                && st.now() < i.expires
        })
        .cloned()
        .ok_or_else(|| bad("The session credentials are not valid"))?;
    let duration = query_param(req, "SessionDuration");
    if let Some(raw) = &duration {
        if identity.chained {
            // AWS refuses SessionDuration for credentials obtained by role chaining.
            return Err(bad(
                "SessionDuration cannot be used with credentials obtained by role chaining",
            ));
        }
        if raw
            .parse::<i64>()
            .map_or(true, |d| !(900..=43_200).contains(&d))
        {
            return Err(bad("SessionDuration must be between 900 and 43200"));
        }
    }
    let token = format!("mock-signin-{}-{}", st.serial("signin"), random(32));
    st.signin_tokens
        .insert(token.clone(), session.session_id.clone());
    st.last_signin = Some(SigninRequest {
        session: raw,
        session_duration: duration,
    });
    Ok(json_reply(200, &json!({ "SigninToken": token })))
}

/// `Action=login`: checks the sign-in token and echoes the parameters as JSON rather than
/// redirecting, so a test (or a browser stand-in) never leaves 127.0.0.1.
pub(crate) fn console_login(st: &mut State, req: &Request) -> Reply {
    let token = query_param(req, "SigninToken").unwrap_or_default();
    if !st.signin_tokens.contains_key(&token) {
        return Err(text_reply(400, "The sign-in token is not valid"));
    }
    let params: serde_json::Map<String, Value> = req
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), json!(v)))
        .collect();
    Ok(json_reply(200, &Value::Object(params)))
}
