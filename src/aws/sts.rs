//! STS in the `query` protocol (`docs/sts.md#query-protocol`): form-encoded `POST /`, XML answers parsed with
//! roxmltree, errors as [`ApiError`]. `AssumeRole` is SigV4-signed with the caller's credentials;
//! [`Sts::call`] also sends unsigned actions (`AssumeRoleWithWebIdentity` is `noAuth`).
//! [`Signer`] is the SigV4 header signing every signed AWS call here uses (aws-sigv4).
//! Caches nothing and writes no files.
use crate::aws::client::{self, ApiError, Client, HttpError};
use crate::aws::credentials::Credentials;
use crate::aws::error_code::ErrorCode;
use crate::support::clock::parse_timestamp;
use crate::support::secret::Secret;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// The STS API version every query-protocol request names.
pub const API_VERSION: &str = "2011-06-15";
/// The signing name of STS.
pub const SIGNING_NAME: &str = "sts";
const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";

/// What `AssumeRole` asks for (`docs/sts.md#assumerole`).
#[derive(Clone, Debug, Default)]
pub struct AssumeRoleRequest<'a> {
    pub role_arn: &'a str,
    /// 2–64 characters of `[\w+=,.@-]`.
    pub session_name: &'a str,
    /// 900–43200; STS defaults to 3600.
    pub duration_seconds: Option<u32>,
    /// `ExternalId`, as the role's trust policy demands.
    pub external_id: Option<&'a str>,
    /// `SerialNumber` and `TokenCode`: the MFA device and its current code.
    pub mfa: Option<(&'a str, &'a str)>,
    /// An inline session policy (JSON).
    pub policy: Option<&'a str>,
    /// Managed session policies (`PolicyArns.member.N.arn`).
    pub policy_arns: &'a [String],
    /// Session tags (`Tags.member.N.Key` / `.Value`).
    pub tags: &'a [(String, String)],
}

impl AssumeRoleRequest<'_> {
    /// The query-protocol parameters, lists flattened as `Name.member.N` (`docs/sts.md#query-protocol`).
    pub fn params(&self) -> Vec<(String, String)> {
        let mut p = vec![
            ("RoleArn".to_string(), self.role_arn.to_string()),
            ("RoleSessionName".to_string(), self.session_name.to_string()),
        ];
        if let Some(d) = self.duration_seconds {
            p.push(("DurationSeconds".into(), d.to_string()));
        }
        if let Some(e) = self.external_id {
            p.push(("ExternalId".into(), e.to_string()));
        }
        if let Some((serial, code)) = self.mfa {
            p.push(("SerialNumber".into(), serial.to_string()));
            p.push(("TokenCode".into(), code.to_string()));
        }
        if let Some(policy) = self.policy {
            p.push(("Policy".into(), policy.to_string()));
        }
        for (i, arn) in self.policy_arns.iter().enumerate() {
            p.push((format!("PolicyArns.member.{}.arn", i + 1), arn.clone()));
        }
        for (i, (k, v)) in self.tags.iter().enumerate() {
            p.push((format!("Tags.member.{}.Key", i + 1), k.clone()));
            p.push((format!("Tags.member.{}.Value", i + 1), v.clone()));
        }
        p
    }
}

/// The result of an `AssumeRole*` action: the credentials, who they are, and the other
/// text-only members of the result (`SubjectFromWebIdentityToken`, `Provider`, `Audience`, ...).
#[derive(Clone, Debug)]
pub struct AssumedRole {
    pub credentials: Credentials,
    /// `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`.
    pub arn: Option<String>,
    pub assumed_role_id: Option<String>,
    pub extra: BTreeMap<String, String>,
    /// `ResponseMetadata/RequestId`, kept in the assume-role cache as botocore keeps it.
    pub request_id: Option<String>,
}

/// An STS client for one region: the endpoint honours `AWS_ENDPOINT_URL_STS` and friends.
pub struct Sts<'a> {
    client: &'a Client,
    region: String,
    base: String,
}

impl<'a> Sts<'a> {
    /// `base` is the resolved regional endpoint (`App::sts` resolves it).
    pub fn new(client: &'a Client, region: &str, base: String) -> Sts<'a> {
        Sts {
            client,
            region: region.to_string(),
            base,
        }
    }

    /// `sts:AssumeRole`, signed with `caller`.
    pub async fn assume_role(
        &self,
        caller: &Credentials,
        request: &AssumeRoleRequest<'_>,
    ) -> Result<AssumedRole, HttpError> {
        let owned = request.params();
        let params: Vec<(&str, &str)> = owned
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let body = self.call("AssumeRole", &params, Some(caller)).await?;
        parse_assumed_role("AssumeRole", &body)
    }

    /// Sends one action (`Action` and `Version` are added) and returns the XML of a 2xx answer.
    /// `signer` signs the request; `None` sends it unsigned.
    pub async fn call(
        &self,
        action: &'static str,
        params: &[(&str, &str)],
        signer: Option<&Credentials>,
    ) -> Result<String, HttpError> {
        // The serializer is not `Send`: it must be gone before the first await.
        let body = {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            form.append_pair("Action", action)
                .append_pair("Version", API_VERSION);
            for (k, v) in params {
                form.append_pair(k, v);
            }
            form.finish()
        };
        let url = format!("{}/", self.base);
        let mut headers = vec![("content-type".to_string(), FORM_CONTENT_TYPE.to_string())];
        if let Some(creds) = signer {
            let signer = Signer {
                credentials: creds,
                service: SIGNING_NAME,
                region: &self.region,
                time: self.client.now(),
            };
            let signed = signer
                .headers(
                    "POST",
                    &url,
                    &[("content-type", FORM_CONTENT_TYPE)],
                    body.as_bytes(),
                )
                .map_err(|reason| HttpError::Decode {
                    op: action,
                    reason: format!("cannot sign the request: {reason}"),
                })?;
            headers.extend(signed);
        }
        let client = self.client.http()?;
        // Retrying is safe: an AssumeRole* call has no effect beyond issuing credentials.
        let response = self
            .client
            .send(action, true, || {
                let mut builder = client.post(&url).body(body.clone());
                for (k, v) in &headers {
                    builder = builder.header(k, v);
                }
                builder
            })
            .await?;
        let status = response.status().as_u16();
        let text = String::from_utf8_lossy(&client::body(action, response).await?).into_owned();
        if (200..300).contains(&status) {
            Ok(text)
        } else {
            Err(HttpError::Api(parse_error(action, status, &text)))
        }
    }
}

/// Who signs, for which service and region, at what time: SigV4 header signing (aws-sigv4).
#[derive(Clone, Copy, Debug)]
pub struct Signer<'a> {
    pub credentials: &'a Credentials,
    /// The signing name (`sts`, `eks`).
    pub service: &'a str,
    pub region: &'a str,
    pub time: OffsetDateTime,
}

impl Signer<'_> {
    /// The headers to add to the request (`authorization`, `x-amz-date`, and
    /// `x-amz-security-token` for temporary credentials). `headers` are the request's own headers
    /// to sign besides `host`, which comes from `url`.
    pub fn headers(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Vec<(String, String)>, String> {
        let identity = signing_identity(self.credentials);
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(self.region)
            .name(self.service)
            .time(self.time.into())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| e.to_string())?
            .into();
        let request = SignableRequest::new(
            method,
            url,
            headers.iter().copied(),
            SignableBody::Bytes(body),
        )
        .map_err(|e| e.to_string())?;
        let (instructions, _signature) = aws_sigv4::http_request::sign(request, &params)
            .map_err(|e| e.to_string())?
            .into_parts();
        Ok(instructions
            .headers()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect())
    }
}

/// Our credentials as the identity aws-sigv4 signs with.
pub fn signing_identity(creds: &Credentials) -> aws_smithy_runtime_api::client::identity::Identity {
    aws_credential_types::Credentials::new(
        creds.access_key_id.clone(),
        creds.secret_access_key.expose(),
        creds.session_token.as_ref().map(|t| t.expose().to_string()),
        None,
        "ssoexec",
    )
    .into()
}

/// Reads `<{action}Response><{action}Result>` with its `<Credentials>` and `<AssumedRoleUser>`.
pub fn parse_assumed_role(action: &'static str, xml: &str) -> Result<AssumedRole, HttpError> {
    let decode = |reason: String| HttpError::Decode { op: action, reason };
    let doc = roxmltree::Document::parse(xml).map_err(|e| decode(format!("not XML: {e}")))?;
    let result_name = format!("{action}Result");
    let result = doc
        .descendants()
        .find(|n| n.has_tag_name(result_name.as_str()))
        .ok_or_else(|| decode(format!("no <{result_name}> element")))?;
    let child = |parent: roxmltree::Node<'_, '_>, name: &str| {
        parent
            .children()
            .find(|n| n.has_tag_name(name))
            .and_then(|n| n.text())
            .map(|t| t.trim().to_string())
    };
    let creds = result
        .children()
        .find(|n| n.has_tag_name("Credentials"))
        .ok_or_else(|| decode("no <Credentials> element".into()))?;
    let required = |name: &str| {
        child(creds, name).ok_or_else(|| decode(format!("no <{name}> in <Credentials>")))
    };
    let expiration_text = required("Expiration")?;
    let expiration = parse_timestamp(&expiration_text)
        .ok_or_else(|| decode(format!("Expiration {expiration_text:?} is not a timestamp")))?;
    let user = result
        .children()
        .find(|n| n.has_tag_name("AssumedRoleUser"));
    let arn = user.and_then(|u| child(u, "Arn"));
    let assumed_role_id = user.and_then(|u| child(u, "AssumedRoleId"));
    let extra = result
        .children()
        .filter(|n| {
            n.is_element() && !n.has_tag_name("Credentials") && !n.has_tag_name("AssumedRoleUser")
        })
        .filter(|n| n.children().all(|c| c.is_text()))
        .map(|n| {
            (
                n.tag_name().name().to_string(),
                n.text().unwrap_or_default().trim().to_string(),
            )
        })
        .collect();
    Ok(AssumedRole {
        credentials: Credentials {
            access_key_id: required("AccessKeyId")?,
            secret_access_key: Secret::new(required("SecretAccessKey")?),
            session_token: Some(Secret::new(required("SessionToken")?)),
            expiration: Some(expiration),
            account_id: arn
                .as_deref()
                .and_then(super::arn::account)
                .map(String::from),
        },
        arn,
        assumed_role_id,
        extra,
        request_id: doc
            .descendants()
            .find(|n| n.has_tag_name("RequestId"))
            .and_then(|n| n.text())
            .map(|t| t.trim().to_string()),
    })
}

/// `<ErrorResponse><Error><Code>…</Code><Message>…</Message></Error></ErrorResponse>`; a body
/// that is not this shape still gives the HTTP status as the code.
pub fn parse_error(op: &'static str, status: u16, body: &str) -> ApiError {
    let doc = roxmltree::Document::parse(body).ok();
    let field = |name: &str| {
        doc.as_ref().and_then(|d| {
            d.descendants()
                .find(|n| {
                    n.has_tag_name(name)
                        && n.parent_element().is_some_and(|p| p.has_tag_name("Error"))
                })
                .and_then(|n| n.text())
                .map(|t| t.trim().to_string())
        })
    };
    ApiError {
        op,
        status,
        code: ErrorCode::parse(&field("Code").unwrap_or_else(|| format!("HTTP{status}"))),
        message: field("Message").unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

    #[test]
    fn parses_assume_role() {
        let xml = format!(
            "<AssumeRoleResponse xmlns=\"{NS}\"><AssumeRoleResult><Credentials><AccessKeyId>ASIAEXAMPLE</AccessKeyId>\
             <SecretAccessKey>s/k+</SecretAccessKey><SessionToken>tok==</SessionToken><Expiration>2026-11-26T11:00:00Z</Expiration>\
             </Credentials><AssumedRoleUser><Arn>arn:aws:sts::222222222222:assumed-role/eks/EKSGetTokenAuth</Arn>\
             <AssumedRoleId>AROA:EKSGetTokenAuth</AssumedRoleId></AssumedRoleUser><PackedPolicySize>6</PackedPolicySize>\
             </AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>"
        );
        let r = parse_assumed_role("AssumeRole", &xml).unwrap();
        assert_eq!(r.credentials.access_key_id, "ASIAEXAMPLE");
        assert_eq!(r.credentials.secret_access_key.expose(), "s/k+");
        assert_eq!(
            r.credentials.session_token.as_ref().map(Secret::expose),
            Some("tok==")
        );
        assert_eq!(
            r.credentials.expiration.map(|t| t.unix_timestamp()),
            Some(1_795_690_800)
        );
        assert_eq!(r.credentials.account_id.as_deref(), Some("222222222222"));
        assert_eq!(r.assumed_role_id.as_deref(), Some("AROA:EKSGetTokenAuth"));
        assert_eq!(
            r.extra.get("PackedPolicySize").map(String::as_str),
            Some("6")
        );
        assert!(!format!("{r:?}").contains("tok=="));
        assert_eq!(r.request_id.as_deref(), Some("r"));
    }

    #[test]
    fn every_option_is_a_query_parameter() {
        let tags = [("team".to_string(), "a b".to_string())];
        let arns = ["arn:aws:iam::aws:policy/ReadOnlyAccess".to_string()];
        let r = AssumeRoleRequest {
            role_arn: "arn:aws:iam::1:role/r",
            session_name: "s",
            duration_seconds: Some(900),
            external_id: Some("x"),
            mfa: Some(("arn:aws:iam::1:mfa/me", "123456")),
            policy: Some("{}"),
            policy_arns: &arns,
            tags: &tags,
        };
        let p: Vec<String> = r.params().iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(
            p,
            [
                "RoleArn=arn:aws:iam::1:role/r",
                "RoleSessionName=s",
                "DurationSeconds=900",
                "ExternalId=x",
                "SerialNumber=arn:aws:iam::1:mfa/me",
                "TokenCode=123456",
                "Policy={}",
                "PolicyArns.member.1.arn=arn:aws:iam::aws:policy/ReadOnlyAccess",
                "Tags.member.1.Key=team",
                "Tags.member.1.Value=a b",
            ]
        );
    }

    #[test]
    fn missing_members_are_decode_errors() {
        let xml = "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId></Credentials></AssumeRoleResult></AssumeRoleResponse>";
        let e = parse_assumed_role("AssumeRole", xml).unwrap_err();
        assert!(
            e.to_string().contains("no <Expiration> in <Credentials>"),
            "{e}"
        );
        assert!(parse_assumed_role("AssumeRole", "{}").is_err());
    }

    #[test]
    fn parses_errors() {
        let xml = format!(
            "<ErrorResponse xmlns=\"{NS}\"><Error><Type>Sender</Type><Code>AccessDenied</Code>\
             <Message>not allowed</Message></Error><RequestId>x</RequestId></ErrorResponse>"
        );
        let e = parse_error("AssumeRole", 403, &xml);
        assert_eq!(
            (e.code.as_str(), e.message.as_str(), e.status),
            ("AccessDenied", "not allowed", 403)
        );
        assert_eq!(parse_error("AssumeRole", 502, "<html>").code, "HTTP502");
    }

    #[test]
    fn signs_with_the_session_token() {
        let creds = Credentials {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: Secret::new("secret"),
            session_token: Some(Secret::new("token")),
            expiration: None,
            account_id: None,
        };
        let t = time::macros::datetime!(2026-11-26 10:00 UTC);
        let signer = Signer {
            credentials: &creds,
            service: "sts",
            region: "eu-west-1",
            time: t,
        };
        let h = signer
            .headers(
                "POST",
                "https://sts.eu-west-1.amazonaws.com/",
                &[("content-type", FORM_CONTENT_TYPE)],
                b"Action=X",
            )
            .unwrap();
        let get = |k: &str| h.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("x-amz-date"), Some("20261126T100000Z"));
        assert_eq!(get("x-amz-security-token"), Some("token"));
        let auth = get("authorization").unwrap();
        assert!(auth.starts_with("AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20261126/eu-west-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature="), "{auth}");
    }
}
