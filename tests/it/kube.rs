//! EKS tokens as a kubectl exec credential plugin, kubeconfig entries, and kubectl itself
//! talking to a fake API server through what `ssoexec kubeconfig` wrote. Signatures are checked
//! by recomputing them with botocore (the AWS CLI's own signer), never with our code.
use crate::support::mock::{Op, Recorded};
use crate::support::sandbox::*;
use base64::prelude::{BASE64_URL_SAFE_NO_PAD, Engine as _};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const CLUSTER: &str = "prod-eks";
const REGION: &str = "eu-west-1";
const V1: &str = "client.authentication.k8s.io/v1";
const V1BETA1: &str = "client.authentication.k8s.io/v1beta1";
const ASSUMED_ROLE: &str = "arn:aws:iam::222222222222:role/eks-admin";

/// The `KUBERNETES_EXEC_INFO` kubectl sets (with the trailing newline of its JSON encoder).
fn exec_info(api_version: &str, interactive: bool) -> String {
    format!(
        "{{\"kind\":\"ExecCredential\",\"apiVersion\":\"{api_version}\",\"spec\":{{\"interactive\":{interactive}}}}}\n"
    )
}

/// Role credentials as the AWS CLI cache holds them.
#[derive(Clone, Debug)]
struct Creds {
    access_key_id: String,
    secret_access_key: String,
    session_token: String,
}

fn role_creds(home: &Path, account: &str, role: &str) -> Creds {
    let key =
        format!("{{\"accountId\":\"{account}\",\"roleName\":\"{role}\",\"sessionName\":\"corp\"}}");
    let path = home
        .join(".aws")
        .join("cli")
        .join("cache")
        .join(format!("{}.json", sha1_hex(&key)));
    let v: Value = serde_json::from_slice(
        &std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap();
    let c = &v["Credentials"];
    Creds {
        access_key_id: c["AccessKeyId"].as_str().unwrap().into(),
        secret_access_key: c["SecretAccessKey"].as_str().unwrap().into(),
        session_token: c["SessionToken"].as_str().unwrap().into(),
    }
}

fn dev_creds(sb: &Sandbox) -> Creds {
    role_creds(sb.home(), "111111111111", "ReadOnly")
}

/// Runs a Python snippet with `input` as JSON on stdin, away from any AWS config or env.
fn python(script: &str, input: &Value) -> std::process::Output {
    let empty = tempfile::tempdir().unwrap();
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(script)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", empty.path())
        .env("AWS_CONFIG_FILE", empty.path().join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", empty.path().join("none"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// The token `aws eks get-token` makes: botocore's STS presigner, as `get_token.py` drives it,
/// with botocore's clock pinned to `signed_at`.
const BOTOCORE_TOKEN: &str = r#"
import base64, datetime, json, sys
import botocore.auth, botocore.session
d = json.load(sys.stdin)
at = datetime.datetime.fromtimestamp(d["signed_at"], datetime.timezone.utc).replace(tzinfo=None)
botocore.auth.get_current_datetime = lambda *a, **k: at
s = botocore.session.get_session()
s.set_credentials(d["access_key"], d["secret_key"], d["token"])
sts = s.create_client("sts", region_name=d["region"])
def header(request, **kwargs):
    request.headers["x-k8s-aws-id"] = d["cluster"]
sts.meta.events.register("before-sign.sts.GetCallerIdentity", header)
url = sts.generate_presigned_url("get_caller_identity", Params={}, ExpiresIn=60, HttpMethod="GET")
print("k8s-aws-v1." + base64.urlsafe_b64encode(url.encode()).decode().rstrip("="))
"#;

fn botocore_token(c: &Creds, cluster: &str, signed_at: i64) -> String {
    let input = json!({"access_key": c.access_key_id, "secret_key": c.secret_access_key, "token": c.session_token,
        "region": REGION, "cluster": cluster, "signed_at": signed_at});
    let out = python(BOTOCORE_TOKEN, &input);
    assert!(out.status.success(), "botocore: {}", stderr(&out));
    stdout(&out).trim().to_string()
}

/// `presigned_ok(url, cluster, credentials)`: recomputes the SigV4 signature of a presigned URL
/// (everything before `X-Amz-Signature`) with botocore's canonicalisation, as STS does when the
/// API server forwards the URL with the `x-k8s-aws-id` header of its own cluster.
const PRESIGNED_OK: &str = r#"
from urllib.parse import urlsplit, parse_qs
from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
def presigned_ok(url, cluster, creds):
    unsigned, _, signature = url.rpartition("&X-Amz-Signature=")
    q = parse_qs(urlsplit(unsigned).query)
    region = q["X-Amz-Credential"][0].split("/")[2]
    req = AWSRequest(method="GET", url=unsigned, headers={"x-k8s-aws-id": cluster})
    req.context["timestamp"] = q["X-Amz-Date"][0]
    auth = SigV4QueryAuth(creds, "sts", region, expires=60)
    return auth.signature(auth.string_to_sign(req, auth.canonical_request(req)), req) == signature
"#;

const VERIFY_PRESIGNED: &str = r#"
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if presigned_ok(d["url"], d["cluster"], Credentials(d["access_key"], d["secret_key"], d["token"])) else 1)
"#;

fn presigned_signature_verifies(url: &str, cluster: &str, c: &Creds) -> bool {
    let input = json!({"url": url, "cluster": cluster, "access_key": c.access_key_id, "secret_key": c.secret_access_key, "token": c.session_token});
    python(&format!("{PRESIGNED_OK}{VERIFY_PRESIGNED}"), &input)
        .status
        .success()
}

/// Recomputes the `Authorization` header signature of a recorded request with botocore.
const VERIFY_HEADER: &str = r#"
import json, sys
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
d = json.load(sys.stdin)
req = AWSRequest(method=d["method"], url=d["url"], data=d["body"].encode(), headers=d["headers"])
req.context["timestamp"] = d["headers"]["x-amz-date"]
auth = SigV4Auth(Credentials(d["access_key"], d["secret_key"], d["token"]), d["service"], d["region"])
want = auth.signature(auth.string_to_sign(req, auth.canonical_request(req)), req)
sys.exit(0 if "Signature=" + want == d["authorization"].split(", ")[-1] else 1)
"#;

fn header_signature_verifies(r: &Recorded, base: &str, service: &str, c: &Creds) -> bool {
    let authorization = r
        .header("authorization")
        .expect("signed request")
        .to_string();
    let signed: Vec<&str> = authorization
        .split("SignedHeaders=")
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .split(';')
        .collect();
    let headers: BTreeMap<&str, &str> = signed
        .iter()
        .map(|h| {
            (
                *h,
                r.header(h)
                    .unwrap_or_else(|| panic!("signed header {h} not sent")),
            )
        })
        .collect();
    let url = if r.query.is_empty() {
        format!("{base}{}", r.path)
    } else {
        format!("{base}{}?{}", r.path, r.query)
    };
    let input = json!({"method": r.method, "url": url, "body": r.body, "headers": headers, "authorization": authorization,
        "service": service, "region": REGION, "access_key": c.access_key_id, "secret_key": c.secret_access_key, "token": c.session_token});
    python(VERIFY_HEADER, &input).status.success()
}

/// The document `aws eks get-token` (CLI v2) prints, byte for byte.
fn expected_doc(api_version: &str, expires: &str, token: &str) -> String {
    format!(
        "{{\"kind\": \"ExecCredential\", \"apiVersion\": \"{api_version}\", \"spec\": {{}}, \"status\": {{\"expirationTimestamp\": \"{expires}\", \"token\": \"{token}\"}}}}\n"
    )
}

fn token_of(stdout: &str) -> String {
    let v: Value = serde_json::from_str(stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {stdout}"));
    v["status"]["token"].as_str().unwrap().to_string()
}

fn url_of(token: &str) -> String {
    let body = token
        .strip_prefix("k8s-aws-v1.")
        .unwrap_or_else(|| panic!("not an EKS token: {token}"));
    String::from_utf8(
        BASE64_URL_SAFE_NO_PAD
            .decode(body)
            .expect("unpadded base64url"),
    )
    .unwrap()
}

fn eks_token(sb: &Sandbox, info: Option<&str>, extra: &[&str]) -> std::process::Output {
    let mut cmd = sb.cmd();
    cmd.args(["eks-token", "--profile", "dev", "--cluster-name", CLUSTER])
        .args(extra);
    if let Some(i) = info {
        cmd.env("KUBERNETES_EXEC_INFO", i);
    }
    cmd.output().unwrap()
}

#[cfg_attr(windows, ignore = "needs python3")]
#[tokio::test(flavor = "multi_thread")]
async fn eks_token_prints_the_aws_cli_document_for_v1_and_v1beta1_then_serves_the_cache() {
    let sb = Sandbox::new().await;
    sb.login("dev");

    let out = eks_token(&sb, Some(&exec_info(V1, false)), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    let c = dev_creds(&sb);
    let want_token = botocore_token(&c, CLUSTER, NOW);
    assert_eq!(
        stdout(&out),
        expected_doc(V1, &fmt_epoch(NOW + 14 * 60), &want_token)
    );
    assert_eq!(sb.mock.count(Op::GetRoleCredentials), 1);

    // The cache file: 0600 in a 0700 directory of our own.
    let eks_dir = sb.home().join(".cache").join("ssoexec").join("eks");
    let files: Vec<PathBuf> = std::fs::read_dir(&eks_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&files[0]).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(
            std::fs::metadata(&eks_dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
    }

    // A cache hit: zero HTTP requests, even with the role credentials gone from the CLI cache.
    for f in std::fs::read_dir(sb.cli_cache()).unwrap() {
        std::fs::remove_file(f.unwrap().path()).unwrap();
    }
    let before = sb.mock.total_requests();
    let beta = eks_token(&sb, Some(&exec_info(V1BETA1, false)), &[]);
    assert!(beta.status.success(), "{}", stderr(&beta));
    assert_eq!(
        stdout(&beta),
        expected_doc(V1BETA1, &fmt_epoch(NOW + 14 * 60), &want_token)
    );
    assert_eq!(stderr(&beta), "");
    assert_eq!(sb.mock.total_requests(), before);

    // Without KUBERNETES_EXEC_INFO, or with garbage in it: v1beta1 and a note on stderr.
    let absent = eks_token(&sb, None, &[]);
    assert!(absent.status.success());
    assert_eq!(
        stdout(&absent),
        expected_doc(V1BETA1, &fmt_epoch(NOW + 14 * 60), &want_token)
    );
    assert_eq!(
        stderr(&absent),
        format!(
            "note: KUBERNETES_EXEC_INFO is not set (eks-token is meant to be run by kubectl); answering with {V1BETA1}\n"
        )
    );
    let garbage = eks_token(&sb, Some("{not json"), &[]);
    assert!(garbage.status.success());
    assert_eq!(
        stdout(&garbage),
        expected_doc(V1BETA1, &fmt_epoch(NOW + 14 * 60), &want_token)
    );
    assert!(
        stderr(&garbage).starts_with("note: cannot parse KUBERNETES_EXEC_INFO ("),
        "{}",
        stderr(&garbage)
    );
    assert!(
        stderr(&garbage).ends_with(&format!("); answering with {V1BETA1}\n")),
        "{}",
        stderr(&garbage)
    );
    assert_eq!(sb.mock.total_requests(), before);
}

#[cfg_attr(windows, ignore = "needs python3")]
#[tokio::test(flavor = "multi_thread")]
async fn presigned_url_matches_the_spec_and_its_signature_verifies() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let out = eks_token(&sb, Some(&exec_info(V1, false)), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let token = token_of(&stdout(&out));
    assert!(!token.contains('='), "padding must be stripped: {token}");
    let url = url_of(&token);
    let c = dev_creds(&sb);

    // The real regional STS host, although AWS_ENDPOINT_URL_STS points at the mock.
    let parsed = url::Url::parse(&url).unwrap();
    assert_eq!(
        (parsed.scheme(), parsed.host_str(), parsed.path()),
        ("https", Some("sts.eu-west-1.amazonaws.com"), "/")
    );
    let params: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
    let names: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "Action",
            "Version",
            "X-Amz-Algorithm",
            "X-Amz-Credential",
            "X-Amz-Date",
            "X-Amz-Expires",
            "X-Amz-SignedHeaders",
            "X-Amz-Security-Token",
            "X-Amz-Signature"
        ]
    );
    let get = |k: &str| {
        params
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap()
    };
    assert_eq!(get("Action"), "GetCallerIdentity");
    assert_eq!(get("Version"), "2011-06-15");
    assert_eq!(get("X-Amz-Algorithm"), "AWS4-HMAC-SHA256");
    assert_eq!(
        get("X-Amz-Credential"),
        format!("{}/20261126/eu-west-1/sts/aws4_request", c.access_key_id)
    );
    assert_eq!(get("X-Amz-Date"), "20261126T100000Z");
    assert_eq!(get("X-Amz-Expires"), "60");
    assert_eq!(get("X-Amz-SignedHeaders"), "host;x-k8s-aws-id");
    assert_eq!(get("X-Amz-Security-Token"), c.session_token);
    assert!(
        url.contains("&X-Amz-Credential=")
            && url.contains("%2F20261126%2Feu-west-1%2Fsts%2Faws4_request&"),
        "{url}"
    );

    // STS's check, recomputed by botocore: it holds for our cluster only, and a changed
    // signature fails (so this check can fail).
    assert!(
        presigned_signature_verifies(&url, CLUSTER, &c),
        "signature does not verify: {url}"
    );
    assert!(!presigned_signature_verifies(&url, "another-cluster", &c));
    let sig = get("X-Amz-Signature");
    let flipped = format!(
        "{}{}",
        &sig[..63],
        if sig.ends_with('0') { '1' } else { '0' }
    );
    assert!(!presigned_signature_verifies(
        &url.replace(sig, &flipped),
        CLUSTER,
        &c
    ));

    // --cluster-id (Outposts) is what gets signed instead of the name.
    let out = eks_token(
        &sb,
        Some(&exec_info(V1, false)),
        &["--cluster-id", "0f1e2d3c-outpost"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(presigned_signature_verifies(
        &url_of(&token_of(&stdout(&out))),
        "0f1e2d3c-outpost",
        &c
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn expiration_is_capped_by_the_credentials() {
    let sb = Sandbox::new().await;
    sb.mock.set_role_credentials_ttl(600);
    sb.login("dev");
    let out = eks_token(&sb, Some(&exec_info(V1, false)), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["status"]["expirationTimestamp"], fmt_epoch(NOW + 600));
}

#[tokio::test(flavor = "multi_thread")]
async fn not_interactive_without_a_token_exits_3_with_the_login_line() {
    let sb = Sandbox::new().await;
    let out = eks_token(&sb, Some(&exec_info(V1, false)), &[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    assert!(
        err.contains("hint: run `ssoexec login --profile dev` in a terminal, then try again"),
        "{err}"
    );
    assert_eq!(
        sb.mock.count(Op::StartDeviceAuthorization) + sb.mock.count(Op::Authorize),
        0
    );
    assert_eq!(sb.browser_opens(), 0);
}

#[cfg_attr(windows, ignore = "needs python3")]
#[tokio::test(flavor = "multi_thread")]
async fn interactive_kubectl_lets_a_needed_login_run() {
    let sb = Sandbox::new().await;
    sb.mock.set_auto_approve(true);
    let out = eks_token(&sb, Some(&exec_info(V1, true)), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sb.browser_opens(), 1);
    let token = token_of(&stdout(&out));
    assert!(presigned_signature_verifies(
        &url_of(&token),
        CLUSTER,
        &dev_creds(&sb)
    ));
}

#[cfg_attr(windows, ignore = "needs python3")]
#[tokio::test(flavor = "multi_thread")]
async fn role_arn_assumes_the_role_with_a_signed_call_first() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let out = eks_token(
        &sb,
        Some(&exec_info(V1, false)),
        &["--role-arn", ASSUMED_ROLE],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sb.mock.count(Op::AssumeRole), 1);
    let sso = dev_creds(&sb);
    let call = sb
        .mock
        .requests()
        .into_iter()
        .find(|r| r.op == Op::AssumeRole)
        .unwrap();
    assert_eq!((call.method.as_str(), call.path.as_str()), ("POST", "/"));
    assert_eq!(
        call.header("content-type"),
        Some("application/x-www-form-urlencoded; charset=utf-8")
    );
    let form: BTreeMap<String, String> = url::form_urlencoded::parse(call.body.as_bytes())
        .into_owned()
        .collect();
    let want: BTreeMap<String, String> = [
        ("Action", "AssumeRole"),
        ("Version", "2011-06-15"),
        ("RoleArn", ASSUMED_ROLE),
        ("RoleSessionName", "EKSGetTokenAuth"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(form, want);
    let auth = call.header("authorization").unwrap();
    assert!(
        auth.starts_with(&format!(
            "AWS4-HMAC-SHA256 Credential={}/20261126/eu-west-1/sts/aws4_request, SignedHeaders=",
            sso.access_key_id
        )),
        "{auth}"
    );
    assert_eq!(
        call.header("x-amz-security-token"),
        Some(sso.session_token.as_str())
    );
    assert!(
        header_signature_verifies(&call, &sb.mock.uri(), "sts", &sso),
        "AssumeRole signature does not verify"
    );

    // The token is signed with the assumed role's credentials, not the SSO role's.
    let url = url_of(&token_of(&stdout(&out)));
    let q: BTreeMap<String, String> = url::Url::parse(&url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    assert!(q["X-Amz-Credential"].starts_with("ASIAMOCKROLE"), "{url}");
    assert!(!presigned_signature_verifies(&url, CLUSTER, &sso));

    // Cached per role ARN: again, no request; without --role-arn, another token.
    let before = sb.mock.total_requests();
    let again = eks_token(
        &sb,
        Some(&exec_info(V1, false)),
        &["--role-arn", ASSUMED_ROLE],
    );
    assert_eq!(stdout(&again), stdout(&out));
    assert_eq!(sb.mock.total_requests(), before);
    let plain = eks_token(&sb, Some(&exec_info(V1, false)), &[]);
    assert_ne!(token_of(&stdout(&plain)), token_of(&stdout(&out)));
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_first_calls_share_one_retrieval() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    sb.mock.set_latency(Some(Op::GetRoleCredentials), 300);
    let children: Vec<_> = (0..6)
        .map(|_| {
            sb.std_cmd()
                .args(["eks-token", "--profile", "dev", "--cluster-name", CLUSTER])
                .env("KUBERNETES_EXEC_INFO", exec_info(V1, false))
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    for o in &outputs {
        assert!(o.status.success(), "{}", stderr(o));
        assert_eq!(stdout(o), stdout(&outputs[0]));
    }
    assert_eq!(sb.mock.count(Op::GetRoleCredentials), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn no_region_is_a_clear_error() {
    let sb = Sandbox::new().await;
    let out = sb
        .cmd()
        .args([
            "eks-token",
            "--profile",
            "legacy",
            "--cluster-name",
            CLUSTER,
        ])
        .env("KUBERNETES_EXEC_INFO", exec_info(V1, false))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).contains("error: no region for the EKS token\nhint: pass --region"),
        "{}",
        stderr(&out)
    );
    assert_eq!(sb.mock.total_requests(), 0);
}

/// A kubeconfig with unrelated entries, in the layout kubectl itself writes.
const EXISTING_KUBECONFIG: &str = "\
apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: T1RIRVI=
    server: https://other.example:6443
  name: other
contexts:
- context:
    cluster: other
    namespace: team
    user: other-admin
  name: other
current-context: other
kind: Config
preferences: {}
users:
- name: other-admin
  user:
    token: static-token
";

fn ssoexec_path() -> String {
    ssoexec_bin().display().to_string()
}

/// The three entries `ssoexec kubeconfig --profile dev --cluster-name prod-eks` writes for the
/// mock's DescribeCluster answer.
fn our_entries(
    name: &str,
    server: &str,
    ca: Option<&str>,
    api_version: &str,
) -> (String, String, String) {
    let ca_line = ca
        .map(|c| format!("    certificate-authority-data: {c}\n"))
        .unwrap_or_default();
    // The managed marker: `kubeconfig --all` later updates these entries as its own.
    let ext = "    extensions:\n    - extension:\n        managed: true\n        profile: dev\n        region: eu-west-1\n      name: ssoexec\n";
    let cluster = format!("- cluster:\n{ca_line}    server: {server}\n{ext}  name: {name}\n");
    let user = format!(
        "- user:
    exec:
      apiVersion: {api_version}
      args:
      - eks-token
      - --cluster-name
      - prod-eks
      - --region
      - eu-west-1
      - --profile
      - dev
      command: {}
      installHint: ssoexec signs in to AWS IAM Identity Center and prints EKS tokens. Install it and put it on PATH, or run `ssoexec kubeconfig` again to update the command path.
      interactiveMode: IfAvailable
{ext}  name: {name}
",
        ssoexec_path()
    );
    let context =
        format!("- context:\n    cluster: {name}\n    user: {name}\n{ext}  name: {name}\n");
    (cluster, user, context)
}

#[cfg_attr(windows, ignore = "needs python3")]
#[tokio::test(flavor = "multi_thread")]
async fn kubeconfig_merge_keeps_unrelated_entries_and_uses_describe_cluster() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let path = sb.home().join(".kube").join("config");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, EXISTING_KUBECONFIG).unwrap();

    let out = sb.run(&["kubeconfig", "--profile", "dev", "--cluster-name", CLUSTER]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Named as `kubeconfig --all` names it: {account_name}/{region}/{cluster}.
    let arn = "dev/eu-west-1/prod-eks";
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        format!("Added new context {arn} to {}\n", path.display())
    );
    let ca = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tClRVOURTeUJEUVE9PQotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0tCg==";
    let (cluster, user, context) =
        our_entries(arn, "https://prod-eks.eks.example.test", Some(ca), V1);
    let want = format!(
        "apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: T1RIRVI=
    server: https://other.example:6443
  name: other
{cluster}contexts:
- context:
    cluster: other
    namespace: team
    user: other-admin
  name: other
{context}current-context: {arn}
kind: Config
preferences: {{}}
users:
- name: other-admin
  user:
    token: static-token
{user}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), want);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    // DescribeCluster was one SigV4-signed GET with the SSO role's credentials.
    assert_eq!(sb.mock.count(Op::DescribeCluster), 1);
    let call = sb
        .mock
        .requests()
        .into_iter()
        .find(|r| r.op == Op::DescribeCluster)
        .unwrap();
    assert_eq!(
        (call.method.as_str(), call.path.as_str()),
        ("GET", "/clusters/prod-eks")
    );
    assert!(
        header_signature_verifies(&call, &sb.mock.uri(), "eks", &dev_creds(&sb)),
        "DescribeCluster signature does not verify"
    );

    // Running it again changes nothing but says so.
    let again = sb.run(&["kubeconfig", "--profile", "dev", "--cluster-name", CLUSTER]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(
        stderr(&again),
        format!("Updated context {arn} in {}\n", path.display())
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), want);
}

#[tokio::test(flavor = "multi_thread")]
async fn kubeconfig_dry_run_prints_the_yaml_and_writes_nothing() {
    let sb = Sandbox::new().await;
    let target = sb.home().join("kube-a");
    let out = sb
        .cmd()
        .args([
            "kubeconfig",
            "--profile",
            "dev",
            "--cluster-name",
            CLUSTER,
            "--server",
            "https://api.example",
            "--certificate-authority-data",
            "Q0E=",
            "--alias",
            "prod",
            "--dry-run",
        ])
        // A path list, `:`- or (Windows) `;`-separated.
        .env(
            "KUBECONFIG",
            std::env::join_paths([target.clone(), sb.home().join("kube-b")]).unwrap(),
        )
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let (cluster, user, context) = our_entries("prod", "https://api.example", Some("Q0E="), V1);
    let want = format!(
        "apiVersion: v1\nkind: Config\npreferences: {{}}\nclusters:\n{cluster}users:\n{user}contexts:\n{context}current-context: prod\n"
    );
    assert_eq!(stdout(&out), want);
    let docs: Vec<serde_yaml::Value> = serde_yaml::Deserializer::from_str(&stdout(&out))
        .map(|d| serde::Deserialize::deserialize(d).unwrap())
        .collect();
    assert_eq!(docs.len(), 1);
    assert!(!target.exists());
    assert_eq!(
        sb.mock.total_requests(),
        0,
        "--server needs no credentials and no DescribeCluster"
    );

    // Without --dry-run it lands in KUBECONFIG's first file.
    let out = sb
        .cmd()
        .args([
            "kubeconfig",
            "--profile",
            "dev",
            "--cluster-name",
            CLUSTER,
            "--server",
            "https://api.example",
            "--certificate-authority-data",
            "Q0E=",
            "--alias",
            "prod",
        ])
        // A path list, `:`- or (Windows) `;`-separated.
        .env(
            "KUBECONFIG",
            std::env::join_paths([target.clone(), sb.home().join("kube-b")]).unwrap(),
        )
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), want);
}

#[tokio::test(flavor = "multi_thread")]
async fn kubeconfig_for_a_missing_cluster_is_a_clear_error() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let out = sb.run(&[
        "kubeconfig",
        "--profile",
        "dev",
        "--cluster-name",
        "missing",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("error: no EKS cluster named missing in eu-west-1\n"),
        "{}",
        stderr(&out)
    );
    assert!(!sb.home().join(".kube").join("config").exists());
}

/// A fake EKS API server: HTTPS on 127.0.0.1 (kubectl sends no credentials to a plain-http
/// server), answering `GET /api` only for a bearer token that aws-iam-authenticator would pass
/// on (its URL checks, `docs/eks.md#what-the-server-checks`) and whose signature STS would accept for this server's
/// cluster name, recomputed by botocore with the credentials in `argv[5]`. Prints its port and
/// logs each request to `argv[6]`.
const FAKE_API_SERVER: &str = r#"
import base64, http.server, json, ssl, sys
from urllib.parse import parse_qsl
cert, key, cluster, region, creds_file, log_file = sys.argv[1:7]
ALLOWED = {"action", "version", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-expires",
           "x-amz-security-token", "x-amz-signature", "x-amz-signedheaders"}
VERSIONS = {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]}
UNAUTHORIZED = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": "Unauthorized",
                "reason": "Unauthorized", "code": 401}

def accepts(authorization):
    token = authorization[len("Bearer "):] if authorization.startswith("Bearer ") else ""
    if not token.startswith("k8s-aws-v1.") or len(token) > 4096 or "=" in token:
        return False
    body = token[len("k8s-aws-v1."):]
    url = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
    u = urlsplit(url)
    if (u.scheme, u.netloc, u.path) != ("https", "sts.%s.amazonaws.com" % region, "/"):
        return False
    pairs = [(k.lower(), v) for k, v in parse_qsl(u.query, keep_blank_values=True)]
    names = [k for k, _ in pairs]
    if len(set(names)) != len(names) or not set(names) <= ALLOWED:
        return False
    q = dict(pairs)
    if q.get("action") != "GetCallerIdentity" or "x-k8s-aws-id" not in q.get("x-amz-signedheaders", "").split(";"):
        return False
    if not q.get("x-amz-expires", "").isdigit() or int(q["x-amz-expires"]) > 900:
        return False
    c = json.load(open(creds_file))["Credentials"]
    return presigned_ok(url, cluster, Credentials(c["AccessKeyId"], c["SecretAccessKey"], c.get("SessionToken")))

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        ok = self.path.split("?")[0] == "/api" and accepts(self.headers.get("Authorization", ""))
        body = json.dumps(VERSIONS if ok else UNAUTHORIZED).encode()
        self.send_response(200 if ok else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, fmt, *args):
        with open(log_file, "a") as log:
            log.write(fmt % args + "\n")

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
tls.load_cert_chain(cert, key)
server.socket = tls.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
"#;

/// The running fake API server; killed when dropped.
struct FakeApiServer {
    child: std::process::Child,
    url: String,
    /// Base64 of the server's self-signed certificate, for `--certificate-authority-data`.
    ca_data: String,
    log: PathBuf,
}

impl FakeApiServer {
    fn start(dir: &Path, cluster: &str, creds_file: &Path) -> FakeApiServer {
        use std::io::BufRead;
        let (cert, key) = (dir.join("api.crt"), dir.join("api.key"));
        let openssl = Command::new("openssl")
            .args([
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=127.0.0.1",
            ])
            .args(["-addext", "subjectAltName=IP:127.0.0.1", "-keyout"])
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .output()
            .expect("openssl");
        assert!(openssl.status.success(), "openssl: {}", stderr(&openssl));
        let mut child = Command::new("python3")
            .arg("-c")
            .arg(format!("{PRESIGNED_OK}{FAKE_API_SERVER}"))
            .args([
                cert.as_os_str(),
                key.as_os_str(),
                std::ffi::OsStr::new(cluster),
                std::ffi::OsStr::new(REGION),
                creds_file.as_os_str(),
            ])
            .arg(dir.join("fake-api.log"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3");
        let mut port = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut port)
            .unwrap();
        let ca_data = base64::prelude::BASE64_STANDARD.encode(std::fs::read(&cert).unwrap());
        let log = dir.join("fake-api.log");
        FakeApiServer {
            child,
            url: format!("https://127.0.0.1:{}", port.trim()),
            ca_data,
            log,
        }
    }

    /// The requests it answered, for failure messages.
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for FakeApiServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs kubectl (scripts/install-test-tools.sh) and openssl"
)]
#[tokio::test(flavor = "multi_thread")]
async fn kubectl_reaches_the_api_through_the_kubeconfig_ssoexec_wrote() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let creds_file = sb.cli_cache().join(format!(
        "{}.json",
        sha1_hex(
            "{\"accountId\":\"111111111111\",\"roleName\":\"ReadOnly\",\"sessionName\":\"corp\"}"
        )
    ));
    let api = FakeApiServer::start(sb.home(), CLUSTER, &creds_file);

    let kubectl = |kubeconfig: &Path| {
        let mut cmd = Command::new("kubectl");
        cmd.arg("--kubeconfig")
            .arg(kubeconfig)
            .args(["get", "--raw", "/api", "--request-timeout=30s"])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", sb.home())
            .env("SSOEXEC_TEST_NOW", NOW.to_string())
            .stdin(Stdio::null());
        for var in [
            "AWS_ENDPOINT_URL_SSO_OIDC",
            "AWS_ENDPOINT_URL_SSO",
            "AWS_ENDPOINT_URL_STS",
            "AWS_ENDPOINT_URL_EKS",
        ] {
            cmd.env(var, sb.mock.uri());
        }
        cmd.output().expect("kubectl")
    };
    let write = |kubeconfig: &Path, cluster: &str| {
        let out = sb
            .cmd()
            .args([
                "kubeconfig",
                "--profile",
                "dev",
                "--cluster-name",
                cluster,
                "--server",
                &api.url,
                "--certificate-authority-data",
                &api.ca_data,
            ])
            .arg("--kubeconfig")
            .arg(kubeconfig)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    };

    let kubeconfig = sb.home().join(".kube").join("config");
    write(&kubeconfig, CLUSTER);
    let out = kubectl(&kubeconfig);
    assert!(
        out.status.success(),
        "kubectl failed: {}\nfake API server log:\n{}",
        stderr(&out),
        api.log()
    );
    let v: Value =
        serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)));
    assert_eq!(v["kind"], "APIVersions");
    assert!(
        api.log().contains("\"GET /api?timeout=30s HTTP/1.1\" 200"),
        "{}",
        api.log()
    );
    assert_eq!(sb.mock.count(Op::GetRoleCredentials), 1);

    // The server is not a rubber stamp: a token signed for another cluster is refused.
    let other = sb.home().join("other-kubeconfig");
    write(&other, "another-cluster");
    let out = kubectl(&other);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("Unauthorized"), "{}", stderr(&out));
    assert!(
        api.log().contains("\"GET /api?timeout=30s HTTP/1.1\" 401"),
        "{}",
        api.log()
    );
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs kubectl (scripts/install-test-tools.sh)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn kubectl_plugin_forwards_every_argument_to_ssoexec() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let plugin_dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("plugins")
        .join("kubectl");
    let bin = assert_cmd::cargo::cargo_bin("ssoexec");
    let path = std::env::join_paths(
        [plugin_dir.as_path(), bin.parent().unwrap()]
            .into_iter()
            .map(PathBuf::from)
            .chain(std::env::split_paths(
                &std::env::var_os("PATH").unwrap_or_default(),
            )),
    )
    .unwrap();
    let kubectl_ssoexec = |args: &[&str]| {
        let mut cmd = Command::new("kubectl");
        cmd.arg("ssoexec")
            .args(args)
            .env_clear()
            .env("PATH", &path)
            .env("HOME", sb.home())
            .env("SSOEXEC_TEST_NOW", NOW.to_string())
            .env("KUBERNETES_EXEC_INFO", exec_info(V1, false))
            .stdin(Stdio::null());
        for var in [
            "AWS_ENDPOINT_URL_SSO_OIDC",
            "AWS_ENDPOINT_URL_SSO",
            "AWS_ENDPOINT_URL_STS",
            "AWS_ENDPOINT_URL_EKS",
        ] {
            cmd.env(var, sb.mock.uri());
        }
        cmd.output().expect("kubectl")
    };
    let out = kubectl_ssoexec(&["eks-token", "--profile", "dev", "--cluster-name", CLUSTER]);
    assert!(out.status.success(), "{}", stderr(&out));
    let direct = eks_token(&sb, Some(&exec_info(V1, false)), &[]);
    assert_eq!(stdout(&out), stdout(&direct));
    assert!(stdout(&out).starts_with(&format!(
        "{{\"kind\": \"ExecCredential\", \"apiVersion\": \"{V1}\""
    )));

    // Exit codes come through unchanged.
    let out = kubectl_ssoexec(&[
        "eks-token",
        "--profile",
        "legacy",
        "--cluster-name",
        CLUSTER,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[cfg_attr(windows, ignore = "needs python3")]
#[tokio::test(flavor = "multi_thread")]
async fn exec_credential_is_an_export_format_beside_the_others() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let envfile = sb.home().join("aws.env");
    let out = sb
        .cmd()
        .args([
            "export",
            "--profile",
            "dev",
            "--cluster-name",
            CLUSTER,
            "--emit",
            "exec-credential=-",
            "--emit",
        ])
        .arg(format!("env-no-export={}", envfile.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        sb.mock.count(Op::GetRoleCredentials),
        1,
        "one retrieval feeds both sinks"
    );
    let c = dev_creds(&sb);
    assert_eq!(
        stdout(&out),
        expected_doc(
            V1BETA1,
            &fmt_epoch(NOW + 14 * 60),
            &botocore_token(&c, CLUSTER, NOW)
        )
    );
    assert!(
        std::fs::read_to_string(&envfile)
            .unwrap()
            .starts_with(&format!("AWS_ACCESS_KEY_ID={}\n", c.access_key_id))
    );

    // A usage error (2), found before any credentials are fetched.
    let out = sb.run(&["export", "--profile", "dev", "--emit", "exec-credential=-"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).starts_with("error: the exec-credential format needs --cluster-name"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_drops_cached_eks_tokens() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    assert!(
        eks_token(&sb, Some(&exec_info(V1, false)), &[])
            .status
            .success()
    );
    let eks_dir = sb.home().join(".cache").join("ssoexec").join("eks");
    assert_eq!(std::fs::read_dir(&eks_dir).unwrap().count(), 1);
    assert!(sb.run(&["logout", "--profile", "dev"]).status.success());
    assert_eq!(std::fs::read_dir(&eks_dir).unwrap().count(), 0);
    let out = eks_token(&sb, Some(&exec_info(V1, false)), &[]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "signed out means signed out, for kubectl too"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_described_endpoint_that_is_not_https_is_refused() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let stub = crate::discovery::eks_stub(&[("plain", "http://plain.eks.example.test")]);
    let kubeconfig = sb.home().join("kubeconfig");
    let out = sb
        .cmd()
        .env("AWS_ENDPOINT_URL_EKS", &stub)
        .args(["kubeconfig", "--profile", "dev", "--region", "eu-west-1"])
        .args(["--cluster-name", "plain", "--kubeconfig"])
        .arg(&kubeconfig)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "error: EKS cluster plain has the API endpoint http://plain.eks.example.test, not https://: kubectl would send the token in clear text\nhint: check the cluster's endpoint with `aws eks describe-cluster`; to use it anyway, pass --server and --certificate-authority-data\n"
    );
    assert!(!kubeconfig.exists(), "nothing written");
}

#[tokio::test(flavor = "multi_thread")]
async fn one_name_scheme_and_one_flag_with_or_without_all() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let g = sb.run(&["generate", "--sso-session", "corp", "--region", "eu-west-1"]);
    assert!(g.status.success(), "{}", stderr(&g));
    sb.mock
        .with_clusters("111111111111", "eu-west-1", &["alpha"])
        .with_clusters("222222222222", "eu-west-1", &[]);
    let path = sb.home().join("kubeconfig");
    let kc = path.to_str().unwrap();
    // `--name` as `aws eks update-kubeconfig` spells it; the name --all would give.
    let one = sb.run(&[
        "kubeconfig",
        "--profile",
        "dev.ReadOnly",
        "--name",
        "alpha",
        "--kubeconfig",
        kc,
    ]);
    assert!(one.status.success(), "{}", stderr(&one));
    assert_eq!(
        stderr(&one),
        format!("Added new context dev/eu-west-1/alpha to {kc}\n")
    );
    // --all finds the same cluster under the same name: the very entry it would write.
    let all = sb.run(&["kubeconfig", "--all", "--kubeconfig", kc]);
    assert!(all.status.success(), "{}", stderr(&all));
    assert!(
        stderr(&all).ends_with(&format!(
            "1 cluster in 1 account, 1 region: 0 new, 0 updated, 1 unchanged, 0 removed ({kc})\n"
        )),
        "{}",
        stderr(&all)
    );
    // The same flag (and placeholders) names the entry without --all; `--alias` is that flag.
    for (flag, template, want) in [
        (
            "--context-name",
            "{profile}:{cluster}",
            "dev.ReadOnly:alpha",
        ),
        (
            "--alias",
            "{account_id}-{role_name}",
            "111111111111-ReadOnly",
        ),
    ] {
        let out = sb.run(&[
            "kubeconfig",
            "--profile",
            "dev.ReadOnly",
            "--cluster-name",
            "alpha",
            flag,
            template,
            "--kubeconfig",
            kc,
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(stderr(&out), format!("Added new context {want} to {kc}\n"));
    }
    let bad = sb.run(&[
        "kubeconfig",
        "--profile",
        "dev",
        "--cluster-name",
        "alpha",
        "--context-name",
        "{nope}",
    ]);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
}

#[test]
fn eks_token_cluster_suggests_cluster_name() {
    // The binary itself, not through CARGO_TARGET_…_RUNNER as `Command::cargo_bin` would start
    // it (under wine that is wine64, a Linux program a Windows process cannot start).
    let out = assert_cmd::Command::new(assert_cmd::cargo::cargo_bin("ssoexec"))
        .args(["eks-token", "--cluster", "prod"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("tip: a similar argument exists: '--cluster-name'"),
        "{err}"
    );
    assert!(!err.contains("--cluster-id'"), "{err}");
}
