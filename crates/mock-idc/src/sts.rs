//! STS in the `query` protocol (`docs/sts.md`): `AssumeRole`, `AssumeRoleWithWebIdentity` and
//! `GetCallerIdentity`.

use std::collections::HashMap;

use serde_json::{Value, json};
use wiremock::{Request, ResponseTemplate};

use crate::reply::{iso8601, sts_error, sts_reply, xml_escape};
use crate::server::Reply;
use crate::sigv4::{SigV4Scope, missing_auth_sts, sigv4_scope, verify_sts_signature};
use crate::state::{DEFAULT_ACCOUNT, Identity, State, random};
use crate::{AssumeRoleCall, MFA_CODE};

/// Query parameters merged with the form-encoded body (the `query` protocol allows both).
pub(crate) fn sts_params(req: &Request) -> HashMap<String, String> {
    let mut params: HashMap<String, String> = req.url.query_pairs().into_owned().collect();
    if req.method.as_str() == "POST" {
        params.extend(url::form_urlencoded::parse(&req.body).into_owned());
    }
    params
}

fn sts_required<'a>(
    params: &'a HashMap<String, String>,
    name: &str,
) -> Result<&'a str, ResponseTemplate> {
    match params.get(name) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(sts_error(
            400,
            "ValidationError",
            &format!("{name} is required"),
        )),
    }
}

/// The target of `AssumeRole` and `AssumeRoleWithWebIdentity`: `(account, role name)` from `arn:aws:iam::ACCOUNT:role/[path/]NAME`.
fn parse_role_arn(arn: &str) -> Result<(String, String), ResponseTemplate> {
    let parsed = arn
        .strip_prefix("arn:aws:iam::")
        .and_then(|rest| rest.split_once(":role/"));
    match parsed {
        Some((account, path))
            if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) =>
        {
            let name = path.rsplit('/').next().unwrap_or(path);
            Ok((account.to_owned(), name.to_owned()))
        }
        _ => Err(sts_error(
            400,
            "ValidationError",
            &format!("{arn} is invalid"),
        )),
    }
}

pub(crate) fn session_name(params: &HashMap<String, String>) -> Result<String, ResponseTemplate> {
    let name = sts_required(params, "RoleSessionName")?;
    let valid_char = |c: char| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c);
    if (2..=64).contains(&name.len()) && name.chars().all(valid_char) {
        Ok(name.to_owned())
    } else {
        Err(sts_error(
            400,
            "ValidationError",
            "RoleSessionName is invalid",
        ))
    }
}

pub(crate) fn duration_seconds(params: &HashMap<String, String>) -> Result<i64, ResponseTemplate> {
    match params.get("DurationSeconds") {
        None => Ok(3600),
        Some(raw) => raw
            .parse()
            .ok()
            .filter(|d| (900..=43_200).contains(d))
            .ok_or_else(|| {
                sts_error(
                    400,
                    "ValidationError",
                    "DurationSeconds must be between 900 and 43200",
                )
            }),
    }
}

/// Issues STS credentials for `role` in `account`, remembering who they belong to, and
/// renders the `<Credentials>` and `<AssumedRoleUser>` elements.
fn issue_sts_credentials(
    st: &mut State,
    prefix: &str,
    (account, role): (String, String),
    session: &str,
    duration: i64,
) -> (String, String) {
    let n = st.serial("sts-credentials");
    let access_key_id = format!(
        "{prefix}{n:0width$}",
        width = 20usize.saturating_sub(prefix.len())
    );
    let arn = format!("arn:aws:sts::{account}:assumed-role/{role}/{session}");
    let role_id = format!("AROAMOCKSTS{n:09}:{session}");
    let expires = st.now() + duration;
    let identity = Identity {
        account,
        arn: arn.clone(),
        user_id: role_id.clone(),
        role,
        secret: match st.knobs.sts_plain_secrets_after.as_mut() {
            Some(0) => format!("mockstssecret{n}{}", random(30)),
            Some(left) => {
                *left -= 1;
                format!("mock/sts+secret{n}{}", random(30))
            }
            None => format!("mock/sts+secret{n}{}", random(30)),
        },
        session_token: format!("mock-sts-session-token-{n}-{}", random(40)),
        expires,
        chained: prefix == "ASIAMOCKROLE",
    };
    let xml = format!(
        "<Credentials><AccessKeyId>{access_key_id}</AccessKeyId><SecretAccessKey>{}</SecretAccessKey>\
         <SessionToken>{}</SessionToken><Expiration>{}</Expiration></Credentials>\
         <AssumedRoleUser><Arn>{}</Arn><AssumedRoleId>{}</AssumedRoleId></AssumedRoleUser>",
        xml_escape(&identity.secret),
        xml_escape(&identity.session_token),
        iso8601(expires),
        xml_escape(&arn),
        xml_escape(&role_id)
    );
    st.identities.insert(access_key_id.clone(), identity);
    (access_key_id, xml)
}

pub(crate) fn assume_role_with_web_identity(st: &mut State, req: &Request) -> Reply {
    if let Some(code) = st.knobs.sts_web_identity_error.clone() {
        let status = if code == "AccessDenied" || code == "IDPRejectedClaim" {
            403
        } else {
            400
        };
        return Err(sts_error(
            status,
            &code,
            "mock: injected web identity failure",
        ));
    }
    let params = sts_params(req);
    let target = parse_role_arn(sts_required(&params, "RoleArn")?)?;
    let session = session_name(&params)?;
    let duration = duration_seconds(&params)?;
    let token = sts_required(&params, "WebIdentityToken")?;
    let Some(identity) = st.github_tokens.get(token).cloned() else {
        return Err(sts_error(
            400,
            "InvalidIdentityToken",
            "The web identity token is not valid",
        ));
    };
    let provider = format!(
        "arn:aws:iam::{}:oidc-provider/token.actions.githubusercontent.com",
        target.0
    );
    let (_, credentials) = issue_sts_credentials(st, "ASIAMOCKWEBID", target, &session, duration);
    let result = format!(
        "{credentials}<SubjectFromWebIdentityToken>{}</SubjectFromWebIdentityToken>\
         <Provider>{provider}</Provider><Audience>{}</Audience>",
        xml_escape(&identity.subject),
        xml_escape(&identity.audience)
    );
    Ok(sts_reply("AssumeRoleWithWebIdentity", &result))
}

/// `Prefix.member.N` (or `Prefix.member.N.suffix`) values in N order.
fn sts_members(params: &HashMap<String, String>, prefix: &str, suffix: &str) -> Vec<String> {
    let mut found: Vec<(usize, String)> = params
        .iter()
        .filter_map(|(k, v)| {
            let rest = k.strip_prefix(prefix)?.strip_prefix(".member.")?;
            let n = match suffix {
                "" => rest,
                _ => rest.strip_suffix(suffix)?.strip_suffix('.')?,
            };
            Some((n.parse().ok()?, v.clone()))
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, v)| v).collect()
}

pub(crate) fn validation(message: &str) -> ResponseTemplate {
    sts_error(400, "ValidationError", message)
}

pub(crate) fn access_denied(caller: &Identity, role_arn: &str, why: &str) -> ResponseTemplate {
    sts_error(
        403,
        "AccessDenied",
        &format!(
            "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}{why}",
            caller.arn
        ),
    )
}

pub(crate) fn assume_role(st: &mut State, req: &Request) -> Reply {
    let caller = verify_sts_signature(st, req)?;
    let params = sts_params(req);
    let role_arn = sts_required(&params, "RoleArn")?.to_owned();
    let target = parse_role_arn(&role_arn)?;
    let session = session_name(&params)?;
    let duration = duration_seconds(&params)?;
    if caller.chained && duration > 3600 {
        return Err(validation(
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
        ));
    }
    let optional = |name: &str| params.get(name).cloned();
    let external_id = optional("ExternalId");
    let serial_number = optional("SerialNumber");
    let token_code = optional("TokenCode");
    if external_id
        .as_ref()
        .is_some_and(|e| !(2..=1224).contains(&e.len()))
    {
        return Err(validation("ExternalId must be 2 to 1224 characters"));
    }
    if let Some(code) = &token_code {
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(validation("TokenCode must be 6 digits"));
        }
        if serial_number.is_none() {
            return Err(validation("TokenCode requires SerialNumber"));
        }
    }
    let policy = optional("Policy");
    if let Some(policy) = &policy {
        if serde_json::from_str::<Value>(policy).map_or(true, |v| !v.is_object()) {
            return Err(sts_error(
                400,
                "MalformedPolicyDocument",
                "The policy is not in the valid JSON format.",
            ));
        }
        if policy.len() > 2048 {
            return Err(sts_error(
                400,
                "PackedPolicyTooLarge",
                "Packed policy consumes more than 100 percent of the allotted size.",
            ));
        }
    }
    let policy_arns = sts_members(&params, "PolicyArns", "arn");
    if policy_arns.len() > 10 || policy_arns.iter().any(|a| !a.starts_with("arn:aws:iam::")) {
        return Err(validation("PolicyArns must be at most 10 IAM policy ARNs"));
    }
    let keys = sts_members(&params, "Tags", "Key");
    let values = sts_members(&params, "Tags", "Value");
    if keys.len() != values.len() || keys.len() > 50 {
        return Err(validation("Tags must be at most 50 Key/Value pairs"));
    }
    let tags: Vec<(String, String)> = keys.into_iter().zip(values).collect();
    let transitive_tag_keys = sts_members(&params, "TransitiveTagKeys", "");
    if let Some(rule) = st.rule_of(&target.0, &target.1) {
        if let Some(required) = &rule.external_id
            && external_id.as_ref() != Some(required)
        {
            return Err(access_denied(&caller, &role_arn, ""));
        }
        if rule.mfa {
            match (&serial_number, &token_code) {
                (Some(_), Some(code)) if code == MFA_CODE => {}
                (Some(_), Some(_)) => {
                    return Err(sts_error(
                        403,
                        "AccessDenied",
                        "MultiFactorAuthentication failed with invalid MFA one time pass code.",
                    ));
                }
                _ => return Err(access_denied(&caller, &role_arn, "")),
            }
        }
    }
    let packed = policy.as_ref().map_or(0, String::len)
        + policy_arns.iter().map(String::len).sum::<usize>()
        + tags.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>();
    let (access_key_id, credentials) =
        issue_sts_credentials(st, "ASIAMOCKROLE", target, &session, duration);
    // Role chaining is a role's credentials assuming another role; an IAM user's long-term keys
    // ([`MockIdc::add_static_credentials`]) assuming a role is not.
    if caller.role.is_empty()
        && let Some(issued) = st.identities.get_mut(&access_key_id)
    {
        issued.chained = false;
    }
    st.assume_role_calls.push(AssumeRoleCall {
        caller_arn: caller.arn,
        role_arn,
        session_name: session,
        duration_seconds: duration,
        external_id,
        serial_number,
        token_code,
        policy,
        policy_arns,
        tags,
        transitive_tag_keys,
        access_key_id,
    });
    let result = if packed > 0 {
        format!(
            "{credentials}<PackedPolicySize>{}</PackedPolicySize>",
            (packed * 100 / 2048).max(1)
        )
    } else {
        credentials
    };
    Ok(sts_reply("AssumeRole", &result))
}

pub(crate) fn assume_role_call_json(call: &AssumeRoleCall) -> Value {
    json!({
        "callerArn": call.caller_arn,
        "roleArn": call.role_arn,
        "roleSessionName": call.session_name,
        "durationSeconds": call.duration_seconds,
        "externalId": call.external_id,
        "serialNumber": call.serial_number,
        "tokenCode": call.token_code,
        "policy": call.policy,
        "policyArns": call.policy_arns,
        "tags": call.tags.iter().map(|(k, v)| json!({ "Key": k, "Value": v })).collect::<Vec<_>>(),
        "transitiveTagKeys": call.transitive_tag_keys,
        "accessKeyId": call.access_key_id,
    })
}

pub(crate) fn caller(st: &State, scope: &SigV4Scope) -> Identity {
    st.identities
        .get(&scope.access_key)
        .cloned()
        .unwrap_or_else(|| Identity {
            account: DEFAULT_ACCOUNT.to_owned(),
            arn: format!("arn:aws:iam::{DEFAULT_ACCOUNT}:user/mock-user"),
            user_id: "AIDAMOCKUSER00000001".to_owned(),
            role: String::new(),
            secret: String::new(),
            session_token: String::new(),
            expires: i64::MAX,
            chained: false,
        })
}

pub(crate) fn get_caller_identity(st: &mut State, req: &Request) -> Reply {
    let scope = sigv4_scope(req, &sts_params(req)).ok_or_else(missing_auth_sts)?;
    let who = caller(st, &scope);
    let result = format!(
        "<Arn>{}</Arn><UserId>{}</UserId><Account>{}</Account>",
        xml_escape(&who.arn),
        xml_escape(&who.user_id),
        who.account
    );
    Ok(sts_reply("GetCallerIdentity", &result))
}
