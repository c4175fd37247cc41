//! Quick checks that the mock Identity Center speaks the wire formats the CLI relies on,
//! over real HTTP and without the `ssoexec` binary.

use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

use crate::support::mock::{MockIdc, Op};

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

    let forbidden = "/federation/credentials?role_name=Admin&account_id=222222222222";
    assert_eq!(
        portal_get(&mock, forbidden, token).await.status(),
        StatusCode::FORBIDDEN
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
