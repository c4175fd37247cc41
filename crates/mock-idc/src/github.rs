//! The GitHub Actions OIDC token endpoint (`/github/token`), whose tokens STS
//! `AssumeRoleWithWebIdentity` accepts.

use base64::prelude::{BASE64_URL_SAFE_NO_PAD, Engine as _};
use serde_json::json;
use wiremock::Request;

use crate::reply::{header, json_reply, query_param};
use crate::server::Reply;
use crate::state::{State, WebIdentity};

pub(crate) fn github_token(st: &mut State, req: &Request) -> Reply {
    let expected = format!("Bearer {}", st.github_request_token);
    if header(req, "authorization") != Some(expected.as_str()) {
        return Err(json_reply(401, &json!({ "message": "Bad credentials" })));
    }
    let audience =
        query_param(req, "audience").unwrap_or_else(|| "https://github.com/octo".to_owned());
    let subject = "repo:octo/app:ref:refs/heads/main".to_owned();
    let now = st.now();
    let claims = json!({
        "iss": "https://token.actions.githubusercontent.com",
        "sub": subject,
        "aud": audience,
        "repository": "octo/app",
        "ref": "refs/heads/main",
        "jti": format!("mock-jti-{}", st.serial("github")),
        "iat": now,
        "nbf": now,
        "exp": now + 300,
    });
    let jwt_header = json!({ "alg": "RS256", "typ": "JWT", "kid": "mock" });
    let jwt = [jwt_header.to_string(), claims.to_string(), "sig".to_owned()]
        .map(|part| BASE64_URL_SAFE_NO_PAD.encode(part))
        .join(".");
    st.github_tokens
        .insert(jwt.clone(), WebIdentity { subject, audience });
    Ok(json_reply(200, &json!({ "value": jwt })))
}
