//! The SSO portal (`docs/portal.md`): role credentials, paginated account and role lists, logout.

use serde_json::{Value, json};
use wiremock::{Request, ResponseTemplate};

use crate::reply::{eks_error, header, json_reply, portal_error, query_param};
use crate::server::Reply;
use crate::state::{Identity, State, random};

fn unauthorized() -> ResponseTemplate {
    portal_error(
        401,
        "UnauthorizedException",
        "Session token not found or invalid",
    )
}

fn portal_param(req: &Request, name: &str) -> Result<String, ResponseTemplate> {
    query_param(req, name).ok_or_else(|| {
        portal_error(
            400,
            "InvalidRequestException",
            &format!("{name} is required"),
        )
    })
}

pub(crate) fn get_role_credentials(st: &mut State, req: &Request) -> Reply {
    if !st.bearer_is_valid(req) {
        return Err(unauthorized());
    }
    let role = portal_param(req, "role_name")?;
    let account = portal_param(req, "account_id")?;
    let entitled = st
        .account(&account)
        .is_some_and(|a| a.roles.contains(&role));
    if !entitled {
        // The sso model declares no 403 for GetRoleCredentials: a role the user is not assigned
        // is a ResourceNotFoundException (404), as for ListAccountRoles on an unknown account.
        return Err(portal_error(404, "ResourceNotFoundException", "No access"));
    }
    let n = st.serial("role-credentials");
    let access_key_id = format!("ASIAMOCK{n:012}");
    let expires = st.now() + st.knobs.role_credentials_ttl;
    let identity = Identity {
        account: account.clone(),
        arn: format!(
            "arn:aws:sts::{account}:assumed-role/AWSReservedSSO_{role}_0123456789abcdef/mock-user"
        ),
        user_id: format!("AROAMOCK{n:012}:mock-user"),
        role,
        secret: format!("mock/secret+{n}{}", random(30)),
        session_token: format!("mock-session-token-{n}-{}", random(40)),
        expires,
        chained: false,
    };
    let reply = json!({ "roleCredentials": {
        "accessKeyId": access_key_id,
        "secretAccessKey": identity.secret,
        "sessionToken": identity.session_token,
        "expiration": expires * 1000,
    }});
    st.identities.insert(access_key_id, identity);
    Ok(json_reply(200, &reply))
}

/// Page tokens deliberately contain `+`, `/` and `=` so a client that forgets to
/// percent-encode `next_token` gets a 400 instead of silently working.
fn page_token(offset: usize) -> String {
    format!("page+{offset}/=")
}

/// How one service pages a list: its parameter names, its largest page, and its error.
pub(crate) struct Paging {
    pub(crate) max_param: &'static str,
    pub(crate) token_param: &'static str,
    /// The page size without a max parameter, which is also the most a page holds.
    pub(crate) page_size: usize,
    pub(crate) invalid: fn(&str) -> ResponseTemplate,
}

impl Paging {
    /// The portal (`max_result`, `next_token`; the model allows 1–100): pages hold at most
    /// [`MockIdc::set_page_size`] items, as a real server may return fewer than asked for.
    pub(crate) fn portal(st: &State) -> Paging {
        Paging {
            max_param: "max_result",
            token_param: "next_token",
            page_size: st.knobs.page_size,
            invalid: |m| portal_error(400, "InvalidRequestException", m),
        }
    }

    /// EKS (`maxResults` 1–100, default 100; `nextToken`).
    pub(crate) fn eks() -> Paging {
        Paging {
            max_param: "maxResults",
            token_param: "nextToken",
            page_size: 100,
            invalid: |m| eks_error(400, "InvalidParameterException", m),
        }
    }
}

/// Returns the `[start, end)` window of a paginated list and the next token, if any.
pub(crate) fn page_window(
    st: &State,
    req: &Request,
    len: usize,
    paging: &Paging,
) -> Result<(usize, usize, Option<String>), ResponseTemplate> {
    let invalid = paging.invalid;
    let page_size = match query_param(req, paging.max_param) {
        None => paging.page_size,
        Some(raw) => match raw.parse::<usize>() {
            Ok(n @ 1..=100) => n.min(paging.page_size),
            _ => {
                return Err(invalid(&format!(
                    "{} must be between 1 and 100",
                    paging.max_param
                )));
            }
        },
    };
    let start = match query_param(req, paging.token_param) {
        None => 0,
        Some(token) => {
            let offset = token
                .strip_prefix("page+")
                .and_then(|t| t.strip_suffix("/="))
                .and_then(|t| t.parse().ok());
            offset
                .filter(|&o| o <= len)
                .ok_or_else(|| invalid("Invalid next token"))?
        }
    };
    if st.knobs.repeat_next_token {
        // Hostile: the first page again, and a token that leads back to it.
        return Ok((0, page_size.min(len), Some(page_token(0))));
    }
    let end = (start + page_size).min(len);
    Ok((start, end, (end < len).then(|| page_token(end))))
}

fn with_next_token(mut body: Value, next: Option<String>) -> Value {
    if let Some(token) = next {
        body["nextToken"] = json!(token);
    }
    body
}

pub(crate) fn list_accounts(st: &mut State, req: &Request) -> Reply {
    if !st.bearer_is_valid(req) {
        return Err(unauthorized());
    }
    let (start, end, next) = page_window(st, req, st.accounts.len(), &Paging::portal(st))?;
    let accounts: Vec<Value> = st.accounts[start..end]
        .iter()
        .map(|a| json!({ "accountId": a.id, "accountName": a.name, "emailAddress": a.email }))
        .collect();
    Ok(json_reply(
        200,
        &with_next_token(json!({ "accountList": accounts }), next),
    ))
}

pub(crate) fn list_account_roles(st: &mut State, req: &Request) -> Reply {
    if !st.bearer_is_valid(req) {
        return Err(unauthorized());
    }
    let account_id = portal_param(req, "account_id")?;
    let Some(account) = st.account(&account_id) else {
        return Err(portal_error(
            404,
            "ResourceNotFoundException",
            "Account not found",
        ));
    };
    let (start, end, next) = page_window(st, req, account.roles.len(), &Paging::portal(st))?;
    let roles: Vec<Value> = account.roles[start..end]
        .iter()
        .map(|r| json!({ "roleName": r, "accountId": account.id }))
        .collect();
    Ok(json_reply(
        200,
        &with_next_token(json!({ "roleList": roles }), next),
    ))
}

pub(crate) fn logout(st: &mut State, req: &Request) -> Reply {
    let token = header(req, "x-amz-sso_bearer_token").unwrap_or_default();
    match st.access_tokens.remove(token) {
        Some(_) => Ok(ResponseTemplate::new(200)),
        None => Err(unauthorized()),
    }
}
