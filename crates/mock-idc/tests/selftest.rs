//! Quick checks that the mock Identity Center speaks the wire formats the CLI relies on,
//! over real HTTP and without the `ssoexec` binary (run by `cargo test --workspace`, which
//! `scripts/test.sh` runs).

// Tests are not domain code: they may read the real environment and clock, and print.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

use ssoexec_mock_idc::{MFA_CODE, MockIdc, Op, Throttle};

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
// RFC 7636 appendix B test vector.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn http() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("reqwest client")
}

async fn post_json(mock: &MockIdc, path: &str, body: Value) -> Response {
    let url = format!("{}{path}", mock.uri());
    http().post(url).json(&body).send().await.expect("POST")
}

async fn json_of(response: Response) -> Value {
    response.json().await.expect("JSON body")
}

/// Asserts an OIDC error response: status, OAuth `error` and smithy `x-amzn-ErrorType`.
async fn assert_oidc_error(response: Response, status: u16, error: &str, smithy: &str) {
    assert_eq!(response.status().as_u16(), status);
    let header = response.headers().get("x-amzn-errortype").cloned();
    assert_eq!(header.as_ref().and_then(|h| h.to_str().ok()), Some(smithy));
    assert_eq!(json_of(response).await["error"], error);
}

/// Registers a client and returns `(clientId, clientSecret)`.
async fn register(mock: &MockIdc, extra: Value) -> (String, String) {
    let mut body = json!({ "clientName": "botocore-client-test", "clientType": "public" });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    let reply = json_of(post_json(mock, "/client/register", body).await).await;
    let field = |k: &str| reply[k].as_str().expect(k).to_owned();
    (field("clientId"), field("clientSecret"))
}

/// Starts a device authorization and returns the whole response.
async fn start_device(mock: &MockIdc, client: &(String, String)) -> Value {
    let body = json!({ "clientId": client.0, "clientSecret": client.1, "startUrl": "https://d-1.awsapps.com/start" });
    json_of(post_json(mock, "/device_authorization", body).await).await
}

async fn poll_device(mock: &MockIdc, client: &(String, String), device_code: &str) -> Response {
    let body = json!({ "clientId": client.0, "clientSecret": client.1, "grantType": DEVICE_GRANT, "deviceCode": device_code });
    post_json(mock, "/token", body).await
}

/// A full auto-approved device login; returns the `CreateToken` response and the client.
async fn login(mock: &MockIdc) -> (Value, (String, String)) {
    mock.set_auto_approve(true);
    let client = register(mock, json!({})).await;
    let device = start_device(mock, &client).await;
    let code = device["deviceCode"].as_str().expect("deviceCode");
    (
        json_of(poll_device(mock, &client, code).await).await,
        client,
    )
}

async fn portal_get(mock: &MockIdc, path_and_query: &str, token: &str) -> Response {
    let url = format!("{}{path_and_query}", mock.uri());
    let request = http().get(url).header("x-amz-sso_bearer_token", token);
    request.send().await.expect("GET")
}

#[tokio::test]
async fn device_flow_is_pending_until_the_browser_approves() {
    let mock = MockIdc::start().await;
    let client = register(&mock, json!({})).await;
    let device = start_device(&mock, &client).await;
    let code = device["deviceCode"].as_str().expect("deviceCode");
    assert_eq!(device["expiresIn"], 600);
    assert_eq!(device["interval"], 1);

    let pending = poll_device(&mock, &client, code).await;
    assert_oidc_error(
        pending,
        400,
        "authorization_pending",
        "AuthorizationPendingException",
    )
    .await;

    let page = device["verificationUriComplete"]
        .as_str()
        .expect("verificationUriComplete");
    assert!(page.starts_with(&format!("{}/device?user_code=", mock.uri())));
    assert_eq!(
        http().get(page).send().await.expect("GET").status(),
        StatusCode::OK
    );

    let tokens = json_of(poll_device(&mock, &client, code).await).await;
    assert_eq!(tokens["tokenType"], "Bearer");
    assert_eq!(tokens["expiresIn"], 3600);
    assert!(
        tokens["accessToken"]
            .as_str()
            .is_some_and(|t| t.starts_with("mock-access-"))
    );
    assert!(
        tokens["refreshToken"]
            .as_str()
            .is_some_and(|t| t.starts_with("mock-refresh-"))
    );

    let reused = poll_device(&mock, &client, code).await;
    assert_oidc_error(reused, 400, "invalid_grant", "InvalidGrantException").await;
    let wrong_secret = (client.0.clone(), "nope".to_owned());
    let unauthorized = poll_device(&mock, &wrong_secret, code).await;
    assert_oidc_error(
        unauthorized,
        401,
        "invalid_client",
        "InvalidClientException",
    )
    .await;
    assert_eq!(mock.count(Op::CreateTokenDevice), 4);
}

#[tokio::test]
async fn slow_down_denial_and_expiry_are_reported() {
    let mock = MockIdc::start().await;
    let client = register(&mock, json!({})).await;
    let device = start_device(&mock, &client).await;
    let code = device["deviceCode"].as_str().expect("deviceCode");

    mock.slow_down_next(1);
    let slow = poll_device(&mock, &client, code).await;
    assert_oidc_error(slow, 400, "slow_down", "SlowDownException").await;
    let pending = poll_device(&mock, &client, code).await;
    assert_oidc_error(
        pending,
        400,
        "authorization_pending",
        "AuthorizationPendingException",
    )
    .await;

    mock.expire_device_codes();
    let expired = poll_device(&mock, &client, code).await;
    assert_oidc_error(expired, 400, "expired_token", "ExpiredTokenException").await;

    mock.deny_next_approval();
    mock.set_auto_approve(true);
    let denied = start_device(&mock, &client).await;
    let denied = poll_device(
        &mock,
        &client,
        denied["deviceCode"].as_str().expect("deviceCode"),
    )
    .await;
    assert_oidc_error(denied, 400, "access_denied", "AccessDeniedException").await;
}

#[tokio::test]
async fn refresh_token_grant_issues_new_tokens_until_told_to_fail() {
    let mock = MockIdc::start().await;
    let (tokens, client) = login(&mock).await;
    let refresh = |token: Value| json!({ "clientId": client.0, "clientSecret": client.1, "grantType": "refresh_token", "refreshToken": token });

    let renewed =
        json_of(post_json(&mock, "/token", refresh(tokens["refreshToken"].clone())).await).await;
    assert_ne!(renewed["accessToken"], tokens["accessToken"]);
    assert!(renewed["refreshToken"].is_string());

    mock.refresh_fails(true);
    let failed = post_json(&mock, "/token", refresh(renewed["refreshToken"].clone())).await;
    assert_oidc_error(failed, 400, "invalid_grant", "InvalidGrantException").await;
    mock.refresh_fails(false);
    let unknown = post_json(&mock, "/token", refresh(json!("mock-refresh-unknown"))).await;
    assert_oidc_error(unknown, 400, "invalid_grant", "InvalidGrantException").await;
    assert_eq!(mock.count(Op::CreateTokenRefresh), 3);
}

#[tokio::test]
async fn authorize_redirects_with_a_code_that_needs_the_right_pkce_verifier() {
    let mock = MockIdc::start().await;
    let client = register(
        &mock,
        json!({ "grantTypes": ["authorization_code", "refresh_token"],
                "redirectUris": ["http://127.0.0.1/oauth/callback"], "scopes": ["sso:account:access"] }),
    )
    .await;
    let redirect_uri = "http://127.0.0.1:54321/oauth/callback";
    let authorize = format!(
        "{}/authorize?response_type=code&client_id={}&redirect_uri=http%3A%2F%2F127.0.0.1%3A54321%2Foauth%2Fcallback\
         &state=s-1&code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess&code_challenge={CHALLENGE}",
        mock.uri(),
        client.0
    );
    let response = http().get(&authorize).send().await.expect("GET /authorize");
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()["location"]
        .to_str()
        .expect("Location")
        .to_owned();
    let location = url::Url::parse(&location).expect("Location URL");
    assert_eq!(location.path(), "/oauth/callback");
    let param = |k: &str| {
        location
            .query_pairs()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(param("state").as_deref(), Some("s-1"));
    let code = param("code").expect("code");

    let exchange = |verifier: &str| {
        json!({ "clientId": client.0, "clientSecret": client.1, "grantType": "authorization_code",
                "code": code, "redirectUri": redirect_uri, "codeVerifier": verifier })
    };
    let bad = post_json(&mock, "/token", exchange("not-the-verifier")).await;
    assert_oidc_error(bad, 400, "invalid_grant", "InvalidGrantException").await;
    let good = post_json(&mock, "/token", exchange(VERIFIER)).await;
    assert_eq!(good.status(), StatusCode::OK);
    assert!(json_of(good).await["accessToken"].is_string());

    let unregistered = authorize.replace("callback", "elsewhere");
    assert_eq!(
        http().get(unregistered).send().await.expect("GET").status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn role_credentials_need_a_live_token_and_an_assignment() {
    let mock = MockIdc::start().await;
    mock.set_now(1_767_225_600); // 2026-01-01T00:00:00Z
    let (tokens, _) = login(&mock).await;
    let token = tokens["accessToken"].as_str().expect("accessToken");
    let path = "/federation/credentials?role_name=ReadOnly&account_id=111111111111";

    let creds = json_of(portal_get(&mock, path, token).await).await["roleCredentials"].clone();
    assert_eq!(creds["accessKeyId"], "ASIAMOCK000000000001");
    assert_eq!(creds["expiration"], (1_767_225_600_i64 + 3600) * 1000);
    assert!(
        creds["secretAccessKey"]
            .as_str()
            .is_some_and(|s| s.starts_with("mock/secret+"))
    );

    let invalid = portal_get(&mock, path, "not-a-token").await;
    assert_eq!(invalid.status(), StatusCode::UNAUTHORIZED);
    let body = json_of(invalid).await;
    assert_eq!(
        body["__type"],
        "com.amazonaws.switchboard.portal#UnauthorizedException"
    );
    assert_eq!(body["message"], "Session token not found or invalid");

    // Not assigned: the sso model declares no 403 for GetRoleCredentials, only 404.
    let unassigned = "/federation/credentials?role_name=Admin&account_id=222222222222";
    let unassigned = portal_get(&mock, unassigned, token).await;
    assert_eq!(unassigned.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        json_of(unassigned).await["__type"],
        "com.amazonaws.switchboard.portal#ResourceNotFoundException"
    );
    mock.advance_clock(3600);
    assert_eq!(
        portal_get(&mock, path, token).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(mock.count(Op::GetRoleCredentials), 4);
}

#[tokio::test]
async fn accounts_and_roles_are_paginated_with_encoded_tokens() {
    let mock = MockIdc::start().await;
    mock.accept_access_token("fixture-token", i64::MAX);
    let mut accounts = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let mut request = http()
            .get(format!("{}/assignment/accounts", mock.uri()))
            .header("x-amz-sso_bearer_token", "fixture-token")
            .query(&[("max_result", "100")]);
        if let Some(token) = &next {
            request = request.query(&[("next_token", token)]);
        }
        let page = json_of(request.send().await.expect("GET")).await;
        accounts.extend(
            page["accountList"]
                .as_array()
                .expect("accountList")
                .iter()
                .cloned(),
        );
        next = page["nextToken"].as_str().map(str::to_owned);
        if next.is_none() {
            break;
        }
    }
    let ids: Vec<&str> = accounts
        .iter()
        .filter_map(|a| a["accountId"].as_str())
        .collect();
    assert_eq!(ids, ["111111111111", "222222222222", "333333333333"]);
    assert_eq!(mock.count(Op::ListAccounts), 2);

    let roles = "/assignment/roles?account_id=333333333333&max_result=1";
    let first = json_of(portal_get(&mock, roles, "fixture-token").await).await;
    assert_eq!(
        first["roleList"],
        json!([{ "roleName": "Admin", "accountId": "333333333333" }])
    );
    // A raw `+` in the token decodes as a space, which the mock must reject.
    let raw = format!(
        "{roles}&next_token={}",
        first["nextToken"].as_str().expect("nextToken")
    );
    assert_eq!(
        portal_get(&mock, &raw, "fixture-token").await.status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn sts_web_identity_accepts_only_github_issued_tokens() {
    let mock = MockIdc::start().await;
    mock.set_now(1_767_225_600);
    let github = http()
        .get(format!(
            "{}&audience=sts.amazonaws.com",
            mock.github_token_url()
        ))
        .bearer_auth(mock.github_request_token());
    let jwt = json_of(github.send().await.expect("GET")).await["value"]
        .as_str()
        .expect("value")
        .to_owned();
    assert_eq!(jwt.split('.').count(), 3);

    let assume = |token: &str| {
        let form = [
            ("Action", "AssumeRoleWithWebIdentity"),
            ("Version", "2011-06-15"),
            ("RoleArn", "arn:aws:iam::111111111111:role/gha"),
            ("RoleSessionName", "GitHubActions"),
            ("WebIdentityToken", token),
        ];
        http().post(format!("{}/", mock.uri())).form(&form).send()
    };
    let ok = assume(&jwt).await.expect("POST");
    assert_eq!(ok.status(), StatusCode::OK);
    let xml = ok.text().await.expect("body");
    assert!(xml.starts_with(
        "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
    ));
    assert!(xml.contains("<AccessKeyId>ASIAMOCKWEBID0000001</AccessKeyId>"));
    assert!(xml.contains("<Expiration>2026-01-01T01:00:00Z</Expiration>"));
    assert!(xml.contains("<Arn>arn:aws:sts::111111111111:assumed-role/gha/GitHubActions</Arn>"));
    assert!(xml.contains("<SubjectFromWebIdentityToken>repo:octo/app:ref:refs/heads/main</SubjectFromWebIdentityToken>"));
    assert!(xml.contains("<Audience>sts.amazonaws.com</Audience>"));

    let forged = assume("a.b.c").await.expect("POST");
    assert_eq!(forged.status(), StatusCode::BAD_REQUEST);
    assert!(
        forged
            .text()
            .await
            .expect("body")
            .contains("<Code>InvalidIdentityToken</Code>")
    );
    mock.sts_fail_web_identity(Some("AccessDenied"));
    assert_eq!(
        assume(&jwt).await.expect("POST").status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(mock.count(Op::AssumeRoleWithWebIdentity), 3);
}

#[tokio::test]
async fn faults_counts_and_the_control_plane() {
    let mock = MockIdc::start().await;
    mock.fail_next(Op::RegisterClient, 500, 1);
    let body = json!({ "clientName": "c", "clientType": "public" });
    let failed = post_json(&mock, "/client/register", body.clone()).await;
    assert_oidc_error(failed, 500, "server_error", "InternalServerException").await;
    assert_eq!(
        post_json(&mock, "/client/register", body).await.status(),
        StatusCode::OK
    );
    let _ = http()
        .get(format!("{}/nowhere", mock.uri()))
        .send()
        .await
        .expect("GET");

    let stats: Value = json_of(
        http()
            .get(format!("{}/__mock/stats", mock.uri()))
            .send()
            .await
            .expect("GET"),
    )
    .await;
    assert_eq!(stats["RegisterClient"], 2);
    assert_eq!(stats["Other"], 1);
    assert_eq!(stats["total"], 3);
    assert_eq!(mock.total_requests(), 3);
    let recorded = mock.requests();
    assert_eq!(recorded[0].header("content-type"), Some("application/json"));
    assert!(recorded[0].body.contains("\"clientType\":\"public\""));

    let reset = http()
        .post(format!("{}/__mock/reset", mock.uri()))
        .send()
        .await
        .expect("POST");
    assert_eq!(reset.status(), StatusCode::OK);
    assert_eq!(mock.total_requests(), 0);
    assert_eq!(mock.count(Op::RegisterClient), 0);
}

#[tokio::test]
async fn latency_and_hang_delay_only_the_chosen_operation() {
    let mock = MockIdc::start().await;
    mock.accept_access_token("fixture-token", i64::MAX);
    mock.set_latency(Some(Op::ListAccounts), 300);
    mock.set_hang(Op::ListAccountRoles, true);

    let started = std::time::Instant::now();
    let accounts = portal_get(&mock, "/assignment/accounts", "fixture-token").await;
    assert_eq!(accounts.status(), StatusCode::OK);
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));

    let roles = http()
        .get(format!(
            "{}/assignment/roles?account_id=111111111111",
            mock.uri()
        ))
        .header("x-amz-sso_bearer_token", "fixture-token")
        .timeout(std::time::Duration::from_millis(300))
        .send()
        .await;
    assert!(roles.is_err_and(|e| e.is_timeout()));
    assert_eq!(mock.count(Op::ListAccountRoles), 1);
}

// ---------------------------------------------------------------------------------------------
// Faithful to botocore's service models

/// `{service: {operation: {method, uri, errors: {code: status}}}}` from botocore's own loader
/// (it reads the `service-2.json.gz` files under `python3 -c 'import botocore'`'s data dir).
fn botocore_models() -> Value {
    let script = r#"
import json, botocore.loaders
loader, out = botocore.loaders.Loader(), {}
for service in ["sso", "sso-oidc", "sts", "eks"]:
    model, ops = loader.load_service_model(service, "service-2"), {}
    for name, op in model["operations"].items():
        errors = {}
        for e in op.get("errors", []):
            err = model["shapes"][e["shape"]].get("error", {})
            errors[err.get("code", e["shape"])] = err.get("httpStatusCode", 400)
        ops[name] = {"method": op["http"]["method"], "uri": op["http"]["requestUri"], "errors": errors}
    out[service] = ops
print(json.dumps(out))
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .output()
        .expect("python3 (scripts/install-test-tools.sh installs botocore)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("model JSON")
}

/// Every modelled operation the mock serves, the `Op` it classifies it as, and a body that
/// selects it (for `POST /token` and the STS query protocol).
const MODELLED: [(&str, &str, Op, &str); 12] = [
    ("sso", "GetRoleCredentials", Op::GetRoleCredentials, ""),
    ("sso", "ListAccountRoles", Op::ListAccountRoles, ""),
    ("sso", "ListAccounts", Op::ListAccounts, ""),
    ("sso", "Logout", Op::Logout, ""),
    ("sso-oidc", "RegisterClient", Op::RegisterClient, "{}"),
    (
        "sso-oidc",
        "StartDeviceAuthorization",
        Op::StartDeviceAuthorization,
        "{}",
    ),
    (
        "sso-oidc",
        "CreateToken",
        Op::CreateTokenRefresh,
        r#"{"grantType":"refresh_token"}"#,
    ),
    (
        "sts",
        "AssumeRole",
        Op::AssumeRole,
        "Action=AssumeRole&Version=2011-06-15",
    ),
    (
        "sts",
        "AssumeRoleWithWebIdentity",
        Op::AssumeRoleWithWebIdentity,
        "Action=AssumeRoleWithWebIdentity&Version=2011-06-15",
    ),
    (
        "sts",
        "GetCallerIdentity",
        Op::GetCallerIdentity,
        "Action=GetCallerIdentity&Version=2011-06-15",
    ),
    ("eks", "ListClusters", Op::ListClusters, ""),
    ("eks", "DescribeCluster", Op::DescribeCluster, ""),
];

/// sso/sso-oidc operations the mock deliberately does not serve.
const NOT_SERVED: [&str; 1] = [
    // IAM-signed token exchange for trusted identity propagation; ssoexec never calls it.
    "CreateTokenWithIAM",
];

/// AWS common errors (every service may answer them; models do not list them), per service.
const COMMON_ERRORS: [(&str, &str, u16); 10] = [
    ("sts", "AccessDenied", 403),
    ("sts", "ValidationError", 400),
    ("sts", "InvalidClientTokenId", 403),
    ("sts", "SignatureDoesNotMatch", 403),
    ("sts", "MissingAuthenticationToken", 403),
    ("sts", "Throttling", 400),
    ("eks", "AccessDeniedException", 403),
    ("eks", "UnrecognizedClientException", 403),
    ("eks", "MissingAuthenticationTokenException", 403),
    ("eks", "ThrottlingException", 429),
];

#[tokio::test]
async fn every_modelled_route_reaches_its_operation() {
    let models = botocore_models();
    for service in ["sso", "sso-oidc"] {
        for name in models[service].as_object().expect("operations").keys() {
            assert!(
                MODELLED.iter().any(|m| m.0 == service && m.1 == name)
                    || NOT_SERVED.contains(&name.as_str()),
                "{service} {name} is in the model but the mock neither serves nor excludes it"
            );
        }
    }
    let mock = MockIdc::start().await;
    for (service, name, op, body) in MODELLED {
        let model = &models[service][name];
        let method = model["method"].as_str().expect("method");
        let uri = model["uri"]
            .as_str()
            .expect("uri")
            .replace("{name}", "demo");
        let url = format!("{}{uri}", mock.uri());
        let request = match method {
            "GET" => http().get(url),
            "POST" => http().post(url).body(body),
            other => panic!("unexpected method {other}"),
        };
        let content_type = if service == "sts" {
            "application/x-www-form-urlencoded"
        } else {
            "application/json"
        };
        request
            .header("content-type", content_type)
            .send()
            .await
            .expect("request");
        let last = mock.requests().pop().expect("recorded");
        assert_eq!(
            (last.method.as_str(), last.op),
            (method, op),
            "{service} {name}: {method} {uri}"
        );
    }
}

/// The error code of a response: `x-amzn-ErrorType` (rest-json) or `<Code>` (STS query).
async fn error_of(response: Response) -> (u16, String) {
    let status = response.status().as_u16();
    if let Some(kind) = response.headers().get("x-amzn-errortype") {
        let kind = kind.to_str().expect("ascii").to_owned();
        return (
            status,
            kind.split(':').next().unwrap_or_default().to_owned(),
        );
    }
    let body = response.text().await.expect("body");
    let code = body
        .split_once("<Code>")
        .and_then(|(_, rest)| rest.split_once("</Code>"))
        .map(|(code, _)| code.to_owned())
        .unwrap_or_else(|| panic!("no error code in {status} {body}"));
    (status, code)
}

#[tokio::test(flavor = "multi_thread")]
async fn every_error_the_mock_returns_is_declared_by_the_model() {
    let models = botocore_models();
    let mock = MockIdc::start().await;
    let (tokens, client) = login(&mock).await;
    let token = tokens["accessToken"]
        .as_str()
        .expect("accessToken")
        .to_owned();
    let mut seen: Vec<(&str, &str, u16, String)> = Vec::new();
    macro_rules! observe {
        ($service:expr, $op:expr, $response:expr) => {{
            let response = $response;
            assert!(!response.status().is_success(), "{} expected an error", $op);
            let (status, code) = error_of(response).await;
            seen.push(($service, $op, status, code));
        }};
    }

    // The SSO portal.
    let grc = "/federation/credentials?role_name=ReadOnly&account_id=111111111111";
    observe!(
        "sso",
        "GetRoleCredentials",
        portal_get(&mock, grc, "bogus").await
    );
    let unassigned = "/federation/credentials?role_name=Admin&account_id=222222222222";
    observe!(
        "sso",
        "GetRoleCredentials",
        portal_get(&mock, unassigned, &token).await
    );
    observe!(
        "sso",
        "GetRoleCredentials",
        portal_get(&mock, "/federation/credentials?account_id=1", &token).await
    );
    observe!(
        "sso",
        "ListAccounts",
        portal_get(&mock, "/assignment/accounts", "bogus").await
    );
    observe!(
        "sso",
        "ListAccounts",
        portal_get(&mock, "/assignment/accounts?max_result=0", &token).await
    );
    observe!(
        "sso",
        "ListAccounts",
        portal_get(&mock, "/assignment/accounts?next_token=nope", &token).await
    );
    observe!(
        "sso",
        "ListAccountRoles",
        portal_get(&mock, "/assignment/roles?account_id=999999999999", &token).await
    );
    observe!(
        "sso",
        "ListAccountRoles",
        portal_get(&mock, "/assignment/roles", &token).await
    );
    let logout = http()
        .post(format!("{}/logout", mock.uri()))
        .header("x-amz-sso_bearer_token", "bogus");
    observe!("sso", "Logout", logout.send().await.expect("POST"));
    mock.set_throttle(&[], Some(Throttle::EveryNth(1)));
    observe!(
        "sso",
        "GetRoleCredentials",
        portal_get(&mock, grc, &token).await
    );
    observe!(
        "sso",
        "ListAccounts",
        portal_get(&mock, "/assignment/accounts", &token).await
    );
    observe!(
        "sso",
        "ListAccountRoles",
        portal_get(&mock, "/assignment/roles?account_id=111111111111", &token).await
    );
    mock.set_throttle(&[], None);

    // SSO OIDC.
    let private = json!({ "clientName": "c", "clientType": "private" });
    observe!(
        "sso-oidc",
        "RegisterClient",
        post_json(&mock, "/client/register", private).await
    );
    let bad_json = http()
        .post(format!("{}/client/register", mock.uri()))
        .body("{");
    observe!(
        "sso-oidc",
        "RegisterClient",
        bad_json.send().await.expect("POST")
    );
    let wrong_secret =
        json!({ "clientId": client.0, "clientSecret": "nope", "startUrl": "https://x" });
    observe!(
        "sso-oidc",
        "StartDeviceAuthorization",
        post_json(&mock, "/device_authorization", wrong_secret).await
    );
    let no_start_url = json!({ "clientId": client.0, "clientSecret": client.1 });
    observe!(
        "sso-oidc",
        "StartDeviceAuthorization",
        post_json(&mock, "/device_authorization", no_start_url).await
    );
    mock.set_auto_approve(false);
    let device = start_device(&mock, &client).await;
    let code = device["deviceCode"]
        .as_str()
        .expect("deviceCode")
        .to_owned();
    observe!(
        "sso-oidc",
        "CreateToken",
        poll_device(&mock, &client, &code).await
    );
    mock.slow_down_next(1);
    observe!(
        "sso-oidc",
        "CreateToken",
        poll_device(&mock, &client, &code).await
    );
    observe!(
        "sso-oidc",
        "CreateToken",
        poll_device(&mock, &("nope".into(), "x".into()), &code).await
    );
    observe!(
        "sso-oidc",
        "CreateToken",
        poll_device(&mock, &client, "unknown").await
    );
    mock.expire_device_codes();
    observe!(
        "sso-oidc",
        "CreateToken",
        poll_device(&mock, &client, &code).await
    );
    mock.deny_next_approval();
    mock.set_auto_approve(true);
    let denied = start_device(&mock, &client).await;
    observe!(
        "sso-oidc",
        "CreateToken",
        poll_device(&mock, &client, denied["deviceCode"].as_str().expect("code")).await
    );
    let no_grant =
        json!({ "clientId": client.0, "clientSecret": client.1, "grantType": "refresh_token" });
    observe!(
        "sso-oidc",
        "CreateToken",
        post_json(&mock, "/token", no_grant).await
    );

    // STS and EKS (model errors plus AWS common errors).
    let creds = role_credentials(&mock, &token, "111111111111", "ReadOnly").await;
    let base = [
        ("RoleArn", "arn:aws:iam::111111111111:role/Target"),
        ("RoleSessionName", "sess"),
    ];
    observe!(
        "sts",
        "AssumeRole",
        sts_call(&mock, None, &[("Action", "AssumeRole")]).await
    );
    observe!(
        "sts",
        "AssumeRole",
        sts_call(&mock, Some(&creds.with_secret("wrong")), &base).await
    );
    observe!(
        "sts",
        "AssumeRole",
        sts_call(
            &mock,
            Some(&creds),
            &[base[0], base[1], ("Policy", "not json")]
        )
        .await
    );
    observe!(
        "sts",
        "AssumeRole",
        sts_call(
            &mock,
            Some(&creds),
            &[
                base[0],
                base[1],
                ("Policy", &format!("{{\"x\":\"{}\"}}", "a".repeat(3000)))
            ]
        )
        .await
    );
    observe!(
        "sts",
        "AssumeRole",
        sts_call(&mock, Some(&creds), &[base[0]]).await
    );
    mock.require_mfa("111111111111", "Target");
    observe!(
        "sts",
        "AssumeRole",
        sts_call(&mock, Some(&creds), &base).await
    );
    mock.advance_clock(7200);
    observe!(
        "sts",
        "AssumeRole",
        sts_call(&mock, Some(&creds), &base).await
    );
    mock.set_throttle(&[Op::AssumeRole], Some(Throttle::EveryNth(1)));
    observe!(
        "sts",
        "AssumeRole",
        sts_call(&mock, Some(&creds), &base).await
    );
    mock.with_clusters("111111111111", "eu-west-1", &["a"]);
    observe!(
        "eks",
        "DescribeCluster",
        eks_get(&mock, &creds, "eu-west-1", "/clusters/b").await
    );
    observe!(
        "eks",
        "ListClusters",
        eks_get(&mock, &creds, "eu-west-1", "/clusters?maxResults=101").await
    );
    mock.set_throttle(&[], None);

    for (service, op, status, code) in &seen {
        let declared = &models[*service][*op]["errors"][code.as_str()];
        let common = COMMON_ERRORS
            .iter()
            .any(|(s, c, st)| s == service && c == code && st == status);
        assert!(
            declared.as_u64() == Some(u64::from(*status)) || (declared.is_null() && common),
            "{service} {op} answered {status} {code}, which the model declares as {declared}"
        );
    }
    assert_eq!(seen.len(), 33);
    let codes: Vec<&str> = seen.iter().map(|(_, _, _, code)| code.as_str()).collect();
    for wanted in [
        "UnauthorizedException",
        "ResourceNotFoundException",
        "TooManyRequestsException",
        "MalformedPolicyDocument",
        "PackedPolicyTooLarge",
        "ExpiredTokenException",
        "InvalidParameterException",
    ] {
        assert!(
            codes.contains(&wanted),
            "{wanted} was not exercised: {codes:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Signed calls: a test-side SigV4 signer (aws-sigv4, independent of the mock's verifier)

#[derive(Clone, Debug)]
struct TestCreds {
    access_key_id: String,
    secret_access_key: String,
    session_token: String,
}

impl TestCreds {
    fn with_secret(&self, secret: &str) -> TestCreds {
        TestCreds {
            secret_access_key: secret.to_owned(),
            ..self.clone()
        }
    }

    fn from_sts(xml: &str) -> TestCreds {
        let field = |name: &str| {
            xml.split_once(&format!("<{name}>"))
                .and_then(|(_, rest)| rest.split_once(&format!("</{name}>")))
                .map(|(v, _)| v.to_owned())
                .unwrap_or_else(|| panic!("no {name} in {xml}"))
        };
        TestCreds {
            access_key_id: field("AccessKeyId"),
            secret_access_key: field("SecretAccessKey"),
            session_token: field("SessionToken"),
        }
    }
}

/// The SigV4 headers for a request (host comes from the URL).
fn sign(
    c: &TestCreds,
    service: &str,
    region: &str,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Vec<(String, String)> {
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings};
    let identity = aws_credential_types::Credentials::new(
        &c.access_key_id,
        &c.secret_access_key,
        Some(c.session_token.clone()).filter(|t| !t.is_empty()),
        None,
        "test",
    )
    .into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(std::time::SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .expect("signing params")
        .into();
    let request = SignableRequest::new(
        method,
        url,
        headers.iter().copied(),
        SignableBody::Bytes(body),
    )
    .expect("signable");
    let (instructions, _) = aws_sigv4::http_request::sign(request, &params)
        .expect("sign")
        .into_parts();
    instructions
        .headers()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// An STS query-protocol POST, signed with `creds` for us-east-1 unless `None`.
async fn sts_call(mock: &MockIdc, creds: Option<&TestCreds>, params: &[(&str, &str)]) -> Response {
    let mut form = vec![("Action", "AssumeRole"), ("Version", "2011-06-15")];
    form.extend(params.iter().copied().filter(|(k, _)| *k != "Action"));
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&form)
        .finish();
    let url = format!("{}/", mock.uri());
    let content_type = "application/x-www-form-urlencoded; charset=utf-8";
    let mut request = http().post(&url).header("content-type", content_type);
    if let Some(c) = creds {
        for (k, v) in sign(
            c,
            "sts",
            "us-east-1",
            "POST",
            &url,
            &[("content-type", content_type)],
            body.as_bytes(),
        ) {
            request = request.header(k, v);
        }
    }
    request.body(body).send().await.expect("POST /")
}

async fn assume(mock: &MockIdc, creds: &TestCreds, params: &[(&str, &str)]) -> TestCreds {
    let response = sts_call(mock, Some(creds), params).await;
    let status = response.status();
    let xml = response.text().await.expect("body");
    assert_eq!(status, StatusCode::OK, "{xml}");
    TestCreds::from_sts(&xml)
}

async fn eks_get(mock: &MockIdc, creds: &TestCreds, region: &str, path: &str) -> Response {
    let url = format!("{}{path}", mock.uri());
    let mut request = http().get(&url);
    for (k, v) in sign(creds, "eks", region, "GET", &url, &[], b"") {
        request = request.header(k, v);
    }
    request.send().await.expect("GET")
}

async fn role_credentials(mock: &MockIdc, token: &str, account: &str, role: &str) -> TestCreds {
    let path = format!("/federation/credentials?role_name={role}&account_id={account}");
    let body = json_of(portal_get(mock, &path, token).await).await;
    let c = &body["roleCredentials"];
    let field = |k: &str| {
        c[k].as_str()
            .unwrap_or_else(|| panic!("{k} in {body}"))
            .to_owned()
    };
    TestCreds {
        access_key_id: field("accessKeyId"),
        secret_access_key: field("secretAccessKey"),
        session_token: field("sessionToken"),
    }
}

// ---------------------------------------------------------------------------------------------
// Scale, throttling, hostile paging, concurrency

#[tokio::test]
async fn a_thousand_generated_accounts_page_like_the_portal() {
    let mock = MockIdc::start().await;
    mock.with_accounts(1000, 3).set_page_size(100);
    mock.accept_access_token("t", i64::MAX);
    let mut ids = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let mut request = http()
            .get(format!("{}/assignment/accounts", mock.uri()))
            .header("x-amz-sso_bearer_token", "t")
            .query(&[("max_result", "100")]);
        if let Some(token) = &next {
            request = request.query(&[("next_token", token)]);
        }
        let page = json_of(request.send().await.expect("GET")).await;
        let list = page["accountList"].as_array().expect("accountList");
        assert!(list.len() <= 100);
        ids.extend(
            list.iter()
                .map(|a| a["accountId"].as_str().expect("id").to_owned()),
        );
        next = page["nextToken"].as_str().map(str::to_owned);
        if next.is_none() {
            break;
        }
    }
    assert_eq!(ids.len(), 1000);
    assert_eq!(
        (ids[0].as_str(), ids[999].as_str()),
        ("100000000001", "100000001000")
    );
    assert_eq!(mock.count(Op::ListAccounts), 10);
    let first = json_of(portal_get(&mock, "/assignment/accounts?max_result=1", "t").await).await;
    assert_eq!(
        first["accountList"],
        json!([{ "accountId": "100000000001", "accountName": "account-0001", "emailAddress": "account-0001@example.com" }])
    );
    let roles =
        json_of(portal_get(&mock, "/assignment/roles?account_id=100000000042", "t").await).await;
    let names: Vec<&str> = roles["roleList"]
        .as_array()
        .expect("roleList")
        .iter()
        .filter_map(|r| r["roleName"].as_str())
        .collect();
    assert_eq!(
        names,
        ["AdministratorAccess", "ReadOnlyAccess", "PowerUserAccess"]
    );
    assert!(roles.get("nextToken").is_none());
}

#[tokio::test]
async fn throttling_every_nth_or_seeded_is_reproducible() {
    let mock = MockIdc::start().await;
    mock.accept_access_token("t", i64::MAX);
    mock.set_throttle(&[Op::ListAccounts], Some(Throttle::EveryNth(3)));
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(
            portal_get(&mock, "/assignment/accounts", "t")
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses, [200, 200, 429, 200, 200, 429]);
    let throttled = portal_get(&mock, "/assignment/roles?account_id=111111111111", "t").await;
    assert_eq!(
        throttled.status(),
        StatusCode::OK,
        "only ListAccounts is throttled"
    );

    let mut runs = Vec::new();
    for _ in 0..2 {
        mock.set_throttle(
            &[],
            Some(Throttle::Random {
                percent: 30,
                seed: 7,
            }),
        );
        let mut run = Vec::new();
        for _ in 0..40 {
            run.push(
                portal_get(&mock, "/assignment/accounts", "t")
                    .await
                    .status()
                    .as_u16(),
            );
        }
        runs.push(run);
    }
    assert_eq!(
        runs[0], runs[1],
        "the same seed throttles the same requests"
    );
    let hits = runs[0].iter().filter(|&&s| s == 429).count();
    assert!((4..=20).contains(&hits), "{hits} of 40 throttled at 30%");
    mock.set_throttle(&[], Some(Throttle::EveryNth(1)));
    let throttled = portal_get(&mock, "/assignment/accounts", "t").await;
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        json_of(throttled).await["__type"],
        "com.amazonaws.switchboard.portal#TooManyRequestsException"
    );
    assert_eq!(mock.throttled(), 2 + 2 * hits + 1);
}

#[tokio::test]
async fn a_hostile_server_repeats_the_same_next_token_forever() {
    let mock = MockIdc::start().await;
    mock.accept_access_token("t", i64::MAX);
    mock.set_repeat_next_token(true);
    let first = json_of(portal_get(&mock, "/assignment/accounts", "t").await).await;
    let token = first["nextToken"].as_str().expect("nextToken").to_owned();
    let url = format!("{}/assignment/accounts", mock.uri());
    for _ in 0..3 {
        let again = http()
            .get(&url)
            .header("x-amz-sso_bearer_token", "t")
            .query(&[("next_token", &token)]);
        let again = json_of(again.send().await.expect("GET")).await;
        assert_eq!(again["nextToken"].as_str(), Some(token.as_str()));
        assert_eq!(again["accountList"], first["accountList"]);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn max_in_flight_counts_concurrent_requests_per_operation() {
    let mock = MockIdc::start().await;
    mock.accept_access_token("t", i64::MAX);
    // Wide enough that the five requests overlap even on a loaded machine (at 300 ms one of
    // them sometimes arrived after the first had been answered).
    mock.set_latency(Some(Op::ListAccountRoles), 2000);
    let url = format!("{}/assignment/roles?account_id=111111111111", mock.uri());
    let tasks: Vec<_> = (0..5)
        .map(|_| {
            let request = http().get(&url).header("x-amz-sso_bearer_token", "t");
            tokio::spawn(async move { request.send().await.expect("GET").status() })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.expect("task"), StatusCode::OK);
    }
    mock.set_latency(Some(Op::ListAccountRoles), 0);
    for _ in 0..3 {
        portal_get(&mock, "/assignment/roles?account_id=111111111111", "t").await;
    }
    assert_eq!(mock.max_in_flight(Op::ListAccountRoles), 5);
    assert_eq!(mock.max_in_flight(Op::ListAccounts), 0);
    let stats = json_of(
        http()
            .get(format!("{}/__mock/stats", mock.uri()))
            .send()
            .await
            .expect("GET"),
    )
    .await;
    assert_eq!(stats["maxInFlight"]["ListAccountRoles"], 5);
    assert_eq!(stats["ListAccountRoles"], 8);
}

// ---------------------------------------------------------------------------------------------
// STS AssumeRole, EKS and console federation

#[tokio::test(flavor = "multi_thread")]
async fn assume_role_verifies_the_signature_and_honours_every_parameter() {
    let mock = MockIdc::start().await;
    let (tokens, _) = login(&mock).await;
    let token = tokens["accessToken"].as_str().expect("accessToken");
    let sso = role_credentials(&mock, token, "111111111111", "ReadOnly").await;
    let target = ("RoleArn", "arn:aws:iam::222222222222:role/Deployer");
    let session = ("RoleSessionName", "ci-run");

    let code = |r: Response| async move { error_of(r).await };
    assert_eq!(
        code(sts_call(&mock, None, &[target, session]).await).await,
        (403, "MissingAuthenticationToken".into())
    );
    assert_eq!(
        code(sts_call(&mock, Some(&sso.with_secret("wrong")), &[target, session]).await).await,
        (403, "SignatureDoesNotMatch".into())
    );
    let stranger = TestCreds {
        access_key_id: "AKIAUNKNOWN000000000".into(),
        ..sso.clone()
    };
    assert_eq!(
        code(sts_call(&mock, Some(&stranger), &[target, session]).await).await,
        (403, "InvalidClientTokenId".into())
    );
    let wrong_token = TestCreds {
        session_token: "other".into(),
        ..sso.clone()
    };
    assert_eq!(
        code(sts_call(&mock, Some(&wrong_token), &[target, session]).await).await,
        (403, "InvalidClientTokenId".into())
    );

    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
    let response = sts_call(
        &mock,
        Some(&sso),
        &[
            target,
            session,
            ("DurationSeconds", "7200"),
            ("Policy", policy),
            (
                "PolicyArns.member.1.arn",
                "arn:aws:iam::aws:policy/ReadOnlyAccess",
            ),
            (
                "PolicyArns.member.2.arn",
                "arn:aws:iam::222222222222:policy/Extra",
            ),
            ("Tags.member.1.Key", "team"),
            ("Tags.member.1.Value", "core"),
            ("Tags.member.2.Key", "env"),
            ("Tags.member.2.Value", "ci"),
            ("TransitiveTagKeys.member.1", "team"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let xml = response.text().await.expect("body");
    assert!(
        xml.contains("<Arn>arn:aws:sts::222222222222:assumed-role/Deployer/ci-run</Arn>"),
        "{xml}"
    );
    assert!(xml.contains("<PackedPolicySize>"), "{xml}");
    let deployer = TestCreds::from_sts(&xml);
    assert!(deployer.access_key_id.starts_with("ASIAMOCKROLE"));
    let call = mock.assume_role_calls().pop().expect("call");
    assert_eq!(
        call.caller_arn,
        "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_ReadOnly_0123456789abcdef/mock-user"
    );
    assert_eq!(call.duration_seconds, 7200);
    assert_eq!(call.policy.as_deref(), Some(policy));
    assert_eq!(
        call.policy_arns,
        [
            "arn:aws:iam::aws:policy/ReadOnlyAccess",
            "arn:aws:iam::222222222222:policy/Extra"
        ]
    );
    assert_eq!(
        call.tags,
        [
            ("team".to_owned(), "core".to_owned()),
            ("env".to_owned(), "ci".to_owned())
        ]
    );
    assert_eq!(call.transitive_tag_keys, ["team"]);
    assert_eq!(call.access_key_id, deployer.access_key_id);

    // Role chaining: signed with the assumed role's credentials, at most one hour.
    let next = ("RoleArn", "arn:aws:iam::333333333333:role/Auditor");
    assert_eq!(
        code(
            sts_call(
                &mock,
                Some(&deployer),
                &[next, session, ("DurationSeconds", "3601")]
            )
            .await
        )
        .await,
        (400, "ValidationError".into())
    );
    let auditor = assume(&mock, &deployer, &[next, session]).await;
    assert!(auditor.access_key_id.starts_with("ASIAMOCKROLE"));
    assert_eq!(
        mock.assume_role_calls().last().expect("call").caller_arn,
        "arn:aws:sts::222222222222:assumed-role/Deployer/ci-run"
    );

    // External id and MFA.
    mock.require_external_id("222222222222", "Partner", "ext-42");
    mock.require_mfa("222222222222", "Breakglass");
    let partner = ("RoleArn", "arn:aws:iam::222222222222:role/Partner");
    assert_eq!(
        code(sts_call(&mock, Some(&sso), &[partner, session]).await).await,
        (403, "AccessDenied".into())
    );
    assert_eq!(
        code(
            sts_call(
                &mock,
                Some(&sso),
                &[partner, session, ("ExternalId", "ext-41")]
            )
            .await
        )
        .await,
        (403, "AccessDenied".into())
    );
    assume(&mock, &sso, &[partner, session, ("ExternalId", "ext-42")]).await;
    assert_eq!(
        mock.assume_role_calls()
            .last()
            .expect("call")
            .external_id
            .as_deref(),
        Some("ext-42")
    );
    let glass = ("RoleArn", "arn:aws:iam::222222222222:role/Breakglass");
    let serial = ("SerialNumber", "arn:aws:iam::111111111111:mfa/me");
    assert_eq!(
        code(sts_call(&mock, Some(&sso), &[glass, session]).await).await,
        (403, "AccessDenied".into())
    );
    assert_eq!(
        code(
            sts_call(
                &mock,
                Some(&sso),
                &[glass, session, serial, ("TokenCode", "000000")]
            )
            .await
        )
        .await,
        (403, "AccessDenied".into())
    );
    assert_eq!(
        code(
            sts_call(
                &mock,
                Some(&sso),
                &[glass, session, serial, ("TokenCode", "12345")]
            )
            .await
        )
        .await,
        (400, "ValidationError".into())
    );
    assume(
        &mock,
        &sso,
        &[glass, session, serial, ("TokenCode", MFA_CODE)],
    )
    .await;
    let calls = json_of(
        http()
            .get(format!("{}/__mock/assume-role", mock.uri()))
            .send()
            .await
            .expect("GET"),
    )
    .await;
    assert_eq!(calls["calls"].as_array().expect("calls").len(), 4);
    assert_eq!(calls["calls"][3]["tokenCode"], MFA_CODE);
    assert_eq!(mock.count(Op::AssumeRole), 14);
}

#[tokio::test(flavor = "multi_thread")]
async fn static_user_keys_sign_without_a_session_token_and_are_not_role_chaining() {
    let mock = MockIdc::start().await;
    mock.add_static_credentials("444444444444", "deployer", "AKIAMOCKSTATIC000001", "s3cret");
    let user = TestCreds {
        access_key_id: "AKIAMOCKSTATIC000001".into(),
        secret_access_key: "s3cret".into(),
        session_token: String::new(),
    };
    let target = ("RoleArn", "arn:aws:iam::222222222222:role/Deployer");
    let session = ("RoleSessionName", "user-run");
    assert_eq!(
        error_of(sts_call(&mock, Some(&user.with_secret("wrong")), &[target, session]).await).await,
        (403, "SignatureDoesNotMatch".into())
    );
    let with_token = TestCreds {
        session_token: "not-for-long-term-keys".into(),
        ..user.clone()
    };
    assert_eq!(
        error_of(sts_call(&mock, Some(&with_token), &[target, session]).await).await,
        (403, "InvalidClientTokenId".into())
    );
    // An IAM user assuming a role is not role chaining: more than an hour is allowed, and the
    // console takes a SessionDuration for those credentials.
    let role = assume(
        &mock,
        &user,
        &[target, session, ("DurationSeconds", "7200")],
    )
    .await;
    let calls = mock.assume_role_calls();
    assert_eq!(
        calls[0].caller_arn,
        "arn:aws:iam::444444444444:user/deployer"
    );
    assert_eq!(calls[0].duration_seconds, 7200);
    let signin = |c: &TestCreds| {
        let session = json!({ "sessionId": c.access_key_id, "sessionKey": c.secret_access_key, "sessionToken": c.session_token }).to_string();
        http()
            .get(format!("{}/federation", mock.uri()))
            .query(&[
                ("Action", "getSigninToken"),
                ("SessionDuration", "7200"),
                ("Session", session.as_str()),
            ])
            .send()
    };
    assert_eq!(signin(&role).await.expect("GET").status(), StatusCode::OK);
    // That role assuming another one is role chaining: no SessionDuration for the console.
    let chained = assume(
        &mock,
        &role,
        &[("RoleArn", "arn:aws:iam::333333333333:role/B"), session],
    )
    .await;
    assert_eq!(
        signin(&chained).await.expect("GET").status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn eks_clusters_belong_to_the_signing_account_and_region() {
    let mock = MockIdc::start().await;
    mock.with_accounts(3, 2)
        .with_clusters_per_account(3, &["eu-west-1", "us-east-1"])
        .with_clusters(
            "100000000002",
            "eu-west-1",
            &["alpha", "beta", "gamma", "delta"],
        )
        .deny_eks("100000000003", "ReadOnlyAccess")
        .disable_eks_region("ap-east-1");
    let (tokens, _) = login(&mock).await;
    let token = tokens["accessToken"].as_str().expect("accessToken");
    let one = role_credentials(&mock, token, "100000000001", "AdministratorAccess").await;

    let list = json_of(eks_get(&mock, &one, "us-east-1", "/clusters").await).await;
    assert_eq!(
        list,
        json!({ "clusters": ["account-0001-us-east-1-1", "account-0001-us-east-1-2", "account-0001-us-east-1-3"] })
    );
    let page = json_of(eks_get(&mock, &one, "eu-west-1", "/clusters?maxResults=2").await).await;
    assert_eq!(
        page["clusters"],
        json!(["account-0001-eu-west-1-1", "account-0001-eu-west-1-2"])
    );
    let next = page["nextToken"].as_str().expect("nextToken");
    let encoded: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
    let rest = json_of(
        eks_get(
            &mock,
            &one,
            "eu-west-1",
            &format!("/clusters?maxResults=2&nextToken={encoded}"),
        )
        .await,
    )
    .await;
    assert_eq!(rest, json!({ "clusters": ["account-0001-eu-west-1-3"] }));
    let none = json_of(eks_get(&mock, &one, "sa-east-1", "/clusters").await).await;
    assert_eq!(none, json!({ "clusters": [] }));

    let described = json_of(
        eks_get(
            &mock,
            &one,
            "eu-west-1",
            "/clusters/account-0001-eu-west-1-2",
        )
        .await,
    )
    .await;
    assert_eq!(
        described["cluster"]["arn"],
        "arn:aws:eks:eu-west-1:100000000001:cluster/account-0001-eu-west-1-2"
    );
    assert_eq!(
        error_of(eks_get(&mock, &one, "eu-west-1", "/clusters/alpha").await).await,
        (404, "ResourceNotFoundException".into())
    );

    // An assumed role in another account sees that account's clusters.
    let deployer = assume(
        &mock,
        &one,
        &[
            ("RoleArn", "arn:aws:iam::100000000002:role/Deployer"),
            ("RoleSessionName", "sess"),
        ],
    )
    .await;
    let list = json_of(eks_get(&mock, &deployer, "eu-west-1", "/clusters").await).await;
    assert_eq!(list["clusters"], json!(["alpha", "beta", "gamma", "delta"]));

    let denied = role_credentials(&mock, token, "100000000003", "ReadOnlyAccess").await;
    assert_eq!(
        error_of(eks_get(&mock, &denied, "eu-west-1", "/clusters").await).await,
        (403, "AccessDeniedException".into())
    );
    assert_eq!(
        error_of(eks_get(&mock, &one, "ap-east-1", "/clusters").await).await,
        (403, "UnrecognizedClientException".into())
    );
    let unsigned = http()
        .get(format!("{}/clusters", mock.uri()))
        .send()
        .await
        .expect("GET");
    assert_eq!(
        error_of(unsigned).await,
        (403, "MissingAuthenticationTokenException".into())
    );
    assert_eq!(
        (
            mock.count(Op::ListClusters),
            mock.count(Op::DescribeCluster)
        ),
        (8, 2)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn console_federation_accepts_only_issued_sessions() {
    let mock = MockIdc::start().await;
    let (tokens, _) = login(&mock).await;
    let token = tokens["accessToken"].as_str().expect("accessToken");
    let sso = role_credentials(&mock, token, "111111111111", "ReadOnly").await;
    let chained = assume(
        &mock,
        &sso,
        &[
            ("RoleArn", "arn:aws:iam::222222222222:role/Deployer"),
            ("RoleSessionName", "sess"),
        ],
    )
    .await;
    let session = |c: &TestCreds| {
        json!({ "sessionId": c.access_key_id, "sessionKey": c.secret_access_key, "sessionToken": c.session_token }).to_string()
    };
    let federation = |session: String, duration: Option<&str>| {
        let mut query = vec![
            ("Action", "getSigninToken".to_owned()),
            ("Session", session),
        ];
        if let Some(d) = duration {
            query.push(("SessionDuration", d.to_owned()));
        }
        http()
            .get(format!("{}/federation", mock.uri()))
            .query(&query)
            .send()
    };

    let ok = federation(session(&sso), Some("3600")).await.expect("GET");
    assert_eq!(ok.status(), StatusCode::OK);
    let signin = json_of(ok).await["SigninToken"]
        .as_str()
        .expect("SigninToken")
        .to_owned();
    assert_eq!(
        mock.last_signin_request().map(|r| r.session_duration),
        Some(Some("3600".to_owned()))
    );
    assert_eq!(
        federation(session(&sso.with_secret("x")), None)
            .await
            .expect("GET")
            .status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        federation("{\"sessionId\":1}".to_owned(), None)
            .await
            .expect("GET")
            .status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        federation(session(&chained), Some("3600"))
            .await
            .expect("GET")
            .status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        federation(session(&chained), None)
            .await
            .expect("GET")
            .status(),
        StatusCode::OK
    );

    let last = mock.last_signin_request().expect("recorded");
    assert_eq!(last.session, session(&chained));
    assert_eq!(last.session_duration, None);
    let control = json_of(
        http()
            .get(format!("{}/__mock/federation", mock.uri()))
            .send()
            .await
            .expect("GET"),
    )
    .await;
    assert_eq!(control["session"], session(&chained));

    let login_url = format!("{}/federation", mock.uri());
    let params = [
        ("Action", "login"),
        ("Issuer", "ssoexec"),
        ("Destination", "https://console.aws.amazon.com/"),
        ("SigninToken", signin.as_str()),
    ];
    let echoed = json_of(
        http()
            .get(&login_url)
            .query(&params)
            .send()
            .await
            .expect("GET"),
    )
    .await;
    assert_eq!(echoed["Destination"], "https://console.aws.amazon.com/");
    let forged = http()
        .get(&login_url)
        .query(&[("Action", "login"), ("SigninToken", "forged")])
        .send()
        .await
        .expect("GET");
    assert_eq!(forged.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        (mock.count(Op::GetSigninToken), mock.count(Op::ConsoleLogin)),
        (5, 2)
    );
}
