//! SSO OIDC (`docs/sso-oidc.md`): client registration, device authorization, the three token
//! grants, and the two pages a browser would visit (`/device`, `/authorize`).

use serde::Deserialize;
use serde_json::{Value, json};
use wiremock::{Request, ResponseTemplate};

use crate::Op;
use crate::reply::{
    html_page, json_reply, oidc_error, percent_encode, pkce_challenge, query_param,
};
use crate::server::Reply;
use crate::state::{AuthCode, Client, DeviceCode, DeviceStatus, State, random};

pub(crate) const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// Seconds an `/authorize` code stays valid.
const AUTH_CODE_LIFETIME: i64 = 600;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegisterClientRequest {
    pub(crate) client_name: Option<String>,
    pub(crate) client_type: Option<String>,
    #[serde(default)]
    pub(crate) grant_types: Vec<String>,
    #[serde(default)]
    pub(crate) scopes: Vec<String>,
    #[serde(default)]
    pub(crate) redirect_uris: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeviceAuthorizationRequest {
    pub(crate) client_id: Option<String>,
    pub(crate) client_secret: Option<String>,
    pub(crate) start_url: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateTokenRequest {
    pub(crate) client_id: Option<String>,
    pub(crate) client_secret: Option<String>,
    pub(crate) device_code: Option<String>,
    pub(crate) refresh_token: Option<String>,
    pub(crate) code: Option<String>,
    pub(crate) redirect_uri: Option<String>,
    pub(crate) code_verifier: Option<String>,
}

pub(crate) fn parse_json<T: for<'de> Deserialize<'de>>(
    req: &Request,
) -> Result<T, ResponseTemplate> {
    serde_json::from_slice(&req.body).map_err(|e| {
        oidc_error(
            "InvalidRequestException",
            &format!("Invalid request body: {e}"),
        )
    })
}

pub(crate) fn required<'a>(
    value: Option<&'a str>,
    name: &str,
) -> Result<&'a str, ResponseTemplate> {
    match value {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(oidc_error(
            "InvalidRequestException",
            &format!("{name} is required"),
        )),
    }
}

/// Checks `clientId`/`clientSecret` and returns the client id.
fn authenticate<'a>(
    st: &State,
    id: Option<&'a str>,
    secret: Option<&str>,
) -> Result<&'a str, ResponseTemplate> {
    let id = required(id, "clientId")?;
    let secret = required(secret, "clientSecret")?;
    match st.clients.get(id) {
        Some(client) if client.secret == secret => Ok(id),
        _ => Err(oidc_error(
            "InvalidClientException",
            "Invalid client provided",
        )),
    }
}

pub(crate) fn register_client(st: &mut State, req: &Request) -> Reply {
    let body: RegisterClientRequest = parse_json(req)?;
    required(body.client_name.as_deref(), "clientName")?;
    if body.client_type.as_deref() != Some("public") {
        return Err(oidc_error(
            "InvalidClientMetadataException",
            "clientType must be public",
        ));
    }
    let n = st.serial("client");
    let now = st.now();
    let (id, secret) = (
        format!("mock-client-{n}"),
        format!("mock-client-secret-{n}-{}", random(16)),
    );
    let grant_types = if body.grant_types.is_empty() {
        vec![DEVICE_GRANT.to_owned(), "refresh_token".to_owned()]
    } else {
        body.grant_types
    };
    let client = Client {
        secret: secret.clone(),
        grant_types,
        scopes: body.scopes,
        redirect_uris: body.redirect_uris,
    };
    st.clients.insert(id.clone(), client);
    Ok(json_reply(
        200,
        &json!({
            "clientId": id,
            "clientSecret": secret,
            "clientIdIssuedAt": now,
            "clientSecretExpiresAt": now + 90 * 86_400,
            "authorizationEndpoint": format!("{}/authorize", st.base_uri),
            "tokenEndpoint": format!("{}/token", st.base_uri),
        }),
    ))
}

pub(crate) fn start_device_authorization(st: &mut State, req: &Request) -> Reply {
    let body: DeviceAuthorizationRequest = parse_json(req)?;
    let client_id =
        authenticate(st, body.client_id.as_deref(), body.client_secret.as_deref())?.to_owned();
    required(body.start_url.as_deref(), "startUrl")?;
    let n = st.serial("device");
    let (device_code, user_code) = (format!("mock-device-code-{n}"), format!("ABCD-{n:04}"));
    let status = if !st.knobs.auto_approve {
        DeviceStatus::Pending
    } else if st.take_denial() {
        DeviceStatus::Denied
    } else {
        DeviceStatus::Approved
    };
    let expires_in = st.knobs.device_expires_in;
    let record = DeviceCode {
        client_id,
        user_code: user_code.clone(),
        created: st.now(),
        expires_in,
        status,
        expired: false,
    };
    st.device_codes.insert(device_code.clone(), record);
    let verification_uri = format!("{}/device", st.base_uri);
    let mut reply = json!({
        "deviceCode": device_code,
        "userCode": user_code,
        "verificationUri": verification_uri,
        "verificationUriComplete": format!("{verification_uri}?user_code={user_code}"),
        "expiresIn": expires_in,
        "interval": st.knobs.poll_interval,
    });
    if let Some(Value::Object(fields)) = &st.knobs.device_reply_fields {
        for (k, v) in fields {
            reply[k] = v.clone();
        }
    }
    Ok(json_reply(200, &reply))
}

pub(crate) fn create_token(st: &mut State, op: Op, req: &Request) -> Reply {
    let body: CreateTokenRequest = parse_json(req)?;
    let client_id =
        authenticate(st, body.client_id.as_deref(), body.client_secret.as_deref())?.to_owned();
    match op {
        Op::CreateTokenDevice => device_code_grant(
            st,
            &client_id,
            required(body.device_code.as_deref(), "deviceCode")?,
        ),
        Op::CreateTokenRefresh => refresh_grant(
            st,
            &client_id,
            required(body.refresh_token.as_deref(), "refreshToken")?,
        ),
        _ => authorization_code_grant(st, &client_id, &body),
    }
}

pub(crate) fn invalid_grant(description: &str) -> ResponseTemplate {
    oidc_error("InvalidGrantException", description)
}

fn device_code_grant(st: &mut State, client_id: &str, device_code: &str) -> Reply {
    let now = st.now();
    let code = match st.device_codes.get_mut(device_code) {
        Some(code) if code.client_id == client_id && code.status != DeviceStatus::Consumed => code,
        _ => return Err(invalid_grant("Invalid device code provided")),
    };
    if st.knobs.slow_down_next > 0 {
        st.knobs.slow_down_next -= 1;
        return Err(oidc_error(
            "SlowDownException",
            "Client is polling too quickly",
        ));
    }
    if code.expired || now > code.created + code.expires_in {
        return Err(oidc_error(
            "ExpiredTokenException",
            "Device code has expired",
        ));
    }
    match code.status {
        DeviceStatus::Pending => Err(oidc_error(
            "AuthorizationPendingException",
            "Authorization is still pending",
        )),
        DeviceStatus::Denied => Err(oidc_error(
            "AccessDeniedException",
            "The user denied the authorization",
        )),
        DeviceStatus::Approved | DeviceStatus::Consumed => {
            code.status = DeviceStatus::Consumed;
            Ok(issue_tokens(st, Some(client_id)))
        }
    }
}

fn refresh_grant(st: &mut State, client_id: &str, refresh_token: &str) -> Reply {
    let owner_matches = match st.refresh_tokens.get(refresh_token) {
        Some(owner) => owner.as_deref().is_none_or(|o| o == client_id),
        None => false,
    };
    if st.knobs.refresh_fails || !owner_matches {
        return Err(invalid_grant("Invalid refresh token provided"));
    }
    Ok(issue_tokens(st, Some(client_id)))
}

fn authorization_code_grant(st: &mut State, client_id: &str, body: &CreateTokenRequest) -> Reply {
    let code = required(body.code.as_deref(), "code")?;
    let redirect_uri = required(body.redirect_uri.as_deref(), "redirectUri")?;
    let verifier = required(body.code_verifier.as_deref(), "codeVerifier")?;
    let now = st.now();
    let grant = match st.auth_codes.get_mut(code) {
        Some(g) if !g.used && g.client_id == client_id && now <= g.issued + AUTH_CODE_LIFETIME => g,
        _ => return Err(invalid_grant("Invalid authorization code provided")),
    };
    if grant.redirect_uri != redirect_uri {
        return Err(invalid_grant(
            "redirectUri does not match the authorization request",
        ));
    }
    if pkce_challenge(verifier) != grant.challenge {
        return Err(invalid_grant(
            "Code verifier does not match the code challenge",
        ));
    }
    grant.used = true;
    Ok(issue_tokens(st, Some(client_id)))
}

fn issue_tokens(st: &mut State, client_id: Option<&str>) -> ResponseTemplate {
    let n = st.serial("token");
    let ttl = st.knobs.access_token_ttl;
    let access_token = format!("mock-access-{n}-{}", random(24));
    st.access_tokens
        .insert(access_token.clone(), st.now() + ttl);
    let mut body = json!({ "accessToken": access_token, "tokenType": "Bearer", "expiresIn": ttl });
    if st.knobs.issue_refresh_tokens {
        let refresh_token = format!("mock-refresh-{n}-{}", random(24));
        st.refresh_tokens
            .insert(refresh_token.clone(), client_id.map(str::to_owned));
        body["refreshToken"] = json!(refresh_token);
    }
    json_reply(200, &body)
}

// ---------------------------------------------------------------------------------------------
// Browser pages

pub(crate) fn device_verify(st: &mut State, req: &Request) -> ResponseTemplate {
    let Some(user_code) = query_param(req, "user_code") else {
        return html_page(400, "Invalid request", "user_code is missing");
    };
    let pending = st
        .device_codes
        .values_mut()
        .find(|d| d.user_code == user_code && d.status == DeviceStatus::Pending && !d.expired);
    let Some(code) = pending else {
        return html_page(400, "Invalid request", "Unknown or expired user code");
    };
    if std::mem::take(&mut st.knobs.deny_next_approval) {
        code.status = DeviceStatus::Denied;
        return html_page(200, "Request denied", "You denied the request.");
    }
    code.status = DeviceStatus::Approved;
    html_page(200, "Request approved", "You can close this window.")
}

/// The validated parameters of an `/authorize` request.
struct AuthorizeRequest {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) state: String,
    pub(crate) challenge: String,
}

pub(crate) fn authorize(st: &mut State, req: &Request) -> ResponseTemplate {
    let params = match parse_authorize(st, req) {
        Ok(params) => params,
        Err(message) => return html_page(400, "Invalid request", &message),
    };
    let mut outcome = if st.take_denial() {
        vec![
            ("error", "access_denied".to_owned()),
            (
                "error_description",
                "The user denied the request".to_owned(),
            ),
        ]
    } else {
        let code = format!("mock-auth-code-{}", st.serial("authcode"));
        let grant = AuthCode {
            client_id: params.client_id,
            redirect_uri: params.redirect_uri.clone(),
            challenge: params.challenge,
            issued: st.now(),
            used: false,
        };
        st.auth_codes.insert(code.clone(), grant);
        vec![("code", code)]
    };
    outcome.push(("state", params.state));
    let query: Vec<String> = outcome
        .iter()
        .map(|(k, v)| format!("{k}={}", percent_encode(v)))
        .collect();
    let location = format!("{}?{}", params.redirect_uri, query.join("&"));
    ResponseTemplate::new(302).insert_header("location", location.as_str())
}

fn parse_authorize(st: &State, req: &Request) -> Result<AuthorizeRequest, String> {
    let param = |name: &str| query_param(req, name).ok_or_else(|| format!("{name} is missing"));
    if param("response_type")? != "code" {
        return Err("response_type must be code".to_owned());
    }
    if param("code_challenge_method")? != "S256" {
        return Err("code_challenge_method must be S256".to_owned());
    }
    let client_id = param("client_id")?;
    let client = st.clients.get(&client_id).ok_or("unknown client_id")?;
    if !client.grant_types.iter().any(|g| g == "authorization_code") {
        return Err("client is not registered for the authorization_code grant".to_owned());
    }
    let redirect_uri = param("redirect_uri")?;
    check_redirect_uri(client, &redirect_uri)?;
    let scopes = param("scopes")?;
    if !client.scopes.is_empty()
        && !scopes
            .split(' ')
            .all(|s| client.scopes.iter().any(|c| c == s))
    {
        return Err(format!("scopes {scopes:?} were not registered"));
    }
    let challenge = param("code_challenge")?;
    let state = param("state")?;
    Ok(AuthorizeRequest {
        client_id,
        redirect_uri,
        state,
        challenge,
    })
}

fn check_redirect_uri(client: &Client, redirect_uri: &str) -> Result<(), String> {
    let mut parsed = url::Url::parse(redirect_uri).map_err(|e| format!("bad redirect_uri: {e}"))?;
    let loopback =
        redirect_uri.starts_with("http://127.0.0.1:") && parsed.path() == "/oauth/callback";
    // Reject anything that would not survive as a header value once echoed into `Location`.
    if !loopback || parsed.query().is_some() || !redirect_uri.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err("redirect_uri must be http://127.0.0.1:PORT/oauth/callback".to_owned());
    }
    // Loopback redirect URIs are registered without a port (`docs/sso-oidc.md`).
    parsed
        .set_port(None)
        .map_err(|()| "bad redirect_uri".to_owned())?;
    if client.redirect_uris.is_empty() || client.redirect_uris.iter().any(|r| r == parsed.as_str())
    {
        Ok(())
    } else {
        Err(format!(
            "redirect_uri {} was not registered",
            parsed.as_str()
        ))
    }
}
