//! Sign in once, share the AWS CLI caches byte for byte, serve credential_process: cache files, refresh, config-less flags, endpoints.
use crate::support::mock::Op;
use crate::support::sandbox::*;
use serde_json::Value;

fn read_json(path: &std::path::Path) -> Value {
    serde_json::from_slice(
        &std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap()
}

/// The one document credential-process must print for the cached credentials in `role_file`.
fn expected_process_doc(role_file: &std::path::Path, account: &str) -> String {
    let c = &read_json(role_file)["Credentials"];
    format!(
        "{{\n  \"Version\": 1,\n  \"AccessKeyId\": \"{}\",\n  \"SecretAccessKey\": \"{}\",\n  \"SessionToken\": \"{}\",\n  \"Expiration\": \"{}\",\n  \"AccountId\": \"{account}\"\n}}\n",
        c["AccessKeyId"].as_str().unwrap(),
        c["SecretAccessKey"].as_str().unwrap(),
        c["SessionToken"].as_str().unwrap(),
        c["Expiration"].as_str().unwrap(),
    )
}

/// sha1 of the CLI's compact role-cache key JSON.
fn role_file(sb: &Sandbox, account: &str, role: &str, session: &str) -> std::path::PathBuf {
    let key = format!(
        "{{\"accountId\":\"{account}\",\"roleName\":\"{role}\",\"sessionName\":\"{session}\"}}"
    );
    sb.cli_cache().join(format!("{}.json", sha1_hex(&key)))
}

#[tokio::test(flavor = "multi_thread")]
async fn device_login_then_credential_process_then_cache_hit() {
    let sb = Sandbox::new().await;
    let out = sb.run(&["login", "--profile", "dev", "--device-code"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "", "login prints nothing on stdout");
    let err = stderr(&out);
    assert!(
        err.contains(&format!("{}/device?user_code=", sb.mock.uri())),
        "{err}"
    );
    assert!(err.contains("Signed in to https://d-1234567890.awsapps.com/start: the token expires in 1 h (at 11:00 UTC), refreshable."), "{err}");
    assert_eq!(sb.mock.count(Op::RegisterClient), 1);
    assert_eq!(sb.mock.count(Op::StartDeviceAuthorization), 1);
    assert_eq!(sb.browser_opens(), 1);

    // The token file is the AWS CLI's: name, key order, timestamp form, spacing.
    let token_path = sb.token_file("corp");
    let text = std::fs::read_to_string(&token_path).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            "accessToken",
            "clientId",
            "clientSecret",
            "expiresAt",
            "refreshToken",
            "region",
            "registrationExpiresAt",
            "startUrl"
        ]
    );
    assert!(
        text.starts_with(&format!(
            "{{\"startUrl\": \"{START_URL}\", \"region\": \"us-east-1\", \"accessToken\": \""
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("\"expiresAt\": \"{}\"", fmt_epoch(NOW + 3600))),
        "{text}"
    );
    assert_mode_0600(&token_path);

    let out = sb.run(&["credential-process", "--profile", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let role = role_file(&sb, "111111111111", "ReadOnly", "corp");
    assert_eq!(stdout(&out), expected_process_doc(&role, "111111111111"));
    assert_eq!(read_json(&role)["ProviderType"], "sso");
    assert_eq!(
        read_json(&role)["Credentials"]["Expiration"],
        fmt_epoch(NOW + 3600)
    );
    assert_mode_0600(&role);
    assert_eq!(sb.mock.count(Op::GetRoleCredentials), 1);
    let grc = sb
        .mock
        .requests()
        .into_iter()
        .find(|r| r.op == Op::GetRoleCredentials)
        .unwrap();
    assert_eq!(
        grc.query_param("account_id").as_deref(),
        Some("111111111111")
    );
    assert_eq!(grc.query_param("role_name").as_deref(), Some("ReadOnly"));
    assert!(
        grc.header("x-amz-sso_bearer_token")
            .is_some_and(|t| v["accessToken"] == t)
    );

    // Second call: served from the cache, zero HTTP requests.
    let before = sb.mock.total_requests();
    let again = sb.run(&["credential-process", "--profile", "dev"]);
    assert!(again.status.success());
    assert_eq!(stdout(&again), stdout(&out));
    assert_eq!(sb.mock.total_requests(), before);
}

/// On Windows a cache file has no mode: it inherits the profile directory's ACL, private to the
/// user, as botocore's files do there (docs/platforms.md).
#[cfg(not(unix))]
fn assert_mode_0600(p: &std::path::Path) {
    assert!(p.is_file(), "{}", p.display());
}

#[cfg(unix)]
fn assert_mode_0600(p: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777,
        0o600,
        "{}",
        p.display()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn registration_is_reused_on_the_next_login() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    sb.login("prod");
    assert_eq!(sb.mock.count(Op::RegisterClient), 1);
    assert_eq!(sb.mock.count(Op::StartDeviceAuthorization), 2);
    let reg = read_json(
        &sb.sso_cache()
            .join(format!("{}.json", registration_key("corp"))),
    );
    assert_eq!(reg["scopes"], serde_json::json!(["sso:account:access"]));
}

fn registration_key(session: &str) -> String {
    sha1_hex(&format!(
        "{{\"region\": \"us-east-1\", \"scopes\": [\"sso:account:access\"], \"session_name\": \"{session}\", \"startUrl\": \"{START_URL}\", \"tool\": \"botocore\"}}"
    ))
}

#[tokio::test(flavor = "multi_thread")]
async fn refresh_inside_the_window_rewrites_the_token_once() {
    let sb = Sandbox::new().await;
    sb.seed_token("old-access", Some("old-refresh"), 5 * 60);
    let out = sb.run(&["credential-process", "--profile", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sb.mock.count(Op::CreateTokenRefresh), 1);
    assert_eq!(sb.mock.count(Op::StartDeviceAuthorization), 0);
    let token = read_json(&sb.token_file("corp"));
    assert_ne!(token["accessToken"], "old-access");
    assert_eq!(token["expiresAt"], fmt_epoch(NOW + 3600));
    assert_eq!(token["clientId"], "seed-client");
    assert!(
        token["refreshToken"]
            .as_str()
            .is_some_and(|r| r.starts_with("mock-refresh")),
        "{token}"
    );
    let grc = sb
        .mock
        .requests()
        .into_iter()
        .find(|r| r.op == Op::GetRoleCredentials)
        .unwrap();
    assert_eq!(
        grc.header("x-amz-sso_bearer_token"),
        token["accessToken"].as_str()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_refresh_of_a_still_valid_token_keeps_it() {
    let sb = Sandbox::new().await;
    sb.seed_token("still-good", Some("bad-refresh"), 10 * 60);
    sb.mock.refresh_fails(true);
    let out = sb.run(&["credential-process", "--profile", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("warning: could not refresh the SSO token"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        read_json(&sb.token_file("corp"))["accessToken"],
        "still-good"
    );
    let grc = sb
        .mock
        .requests()
        .into_iter()
        .find(|r| r.op == Op::GetRoleCredentials)
        .unwrap();
    assert_eq!(grc.header("x-amz-sso_bearer_token"), Some("still-good"));
}

#[tokio::test(flavor = "multi_thread")]
async fn legacy_profile_uses_the_start_url_hash() {
    let sb = Sandbox::new().await;
    sb.login("legacy");
    let token = sb.sso_cache().join(format!("{}.json", sha1_hex(START_URL)));
    assert!(token.exists());
    let out = sb.run(&["credential-process", "--profile", "legacy"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let key = format!(
        "{{\"accountId\":\"111111111111\",\"roleName\":\"Admin\",\"startUrl\":\"{START_URL}\"}}"
    );
    let role = sb.cli_cache().join(format!("{}.json", sha1_hex(&key)));
    assert_eq!(stdout(&out), expected_process_doc(&role, "111111111111"));
}

#[tokio::test(flavor = "multi_thread")]
async fn config_less_flags() {
    let sb = Sandbox::new().await;
    std::fs::remove_file(sb.home().join(".aws").join("config")).unwrap();
    let flags = ["--start-url", START_URL, "--sso-region", "us-east-1"];
    let out = sb
        .cmd()
        .arg("login")
        .args(flags)
        .arg("--device-code")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = sb
        .cmd()
        .arg("credential-process")
        .args(flags)
        .args(["--account-id", "333333333333", "--role-name", "Dev"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["AccountId"], "333333333333");
    let out = sb
        .cmd()
        .arg("credential-process")
        .args(flags)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).lines().next().unwrap(),
        format!(
            "error: --start-url {START_URL} --sso-region us-east-1 gets role credentials only with --account-id and --role-name"
        )
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_written_by_aws_cli_v2_is_used_without_a_new_login() {
    let sb = Sandbox::new().await;
    let fixture =
        std::fs::read_to_string("tests/fixtures/awscli/awscli2_sso_login_token_cache.json")
            .unwrap();
    let v: Value = serde_json::from_str(&fixture).unwrap();
    sb.mock
        .accept_access_token(v["accessToken"].as_str().unwrap(), NOW + 7 * 3600);
    std::fs::create_dir_all(sb.sso_cache()).unwrap();
    std::fs::write(sb.token_file("corp"), &fixture).unwrap();
    let out = sb.run(&["credential-process", "--profile", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sb.mock.count(Op::GetRoleCredentials), 1);
    assert_eq!(
        sb.mock.total_requests(),
        1,
        "no OIDC call: the CLI's token was good"
    );
    assert_eq!(
        std::fs::read_to_string(sb.token_file("corp")).unwrap(),
        fixture,
        "the CLI's file is untouched"
    );
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs python3 with botocore (scripts/install-test-tools.sh)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn the_token_we_write_is_read_by_botocore() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let script = r#"
import sys, json
from botocore.utils import SSOTokenLoader, JSONFileCache
from botocore.tokens import SSOTokenProvider
cache = JSONFileCache(sys.argv[1] + "/.aws/sso/cache")
token = SSOTokenLoader(cache)(start_url="https://d-1234567890.awsapps.com/start", session_name="corp")
print(json.dumps({"expiresAt": token["expiresAt"], "hasRefresh": "refreshToken" in token, "keys": sorted(token)}))
"#;
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(sb.home())
        .output()
        .expect("python3 with botocore (installed by .ci/run)");
    assert!(
        out.status.success(),
        "botocore could not read our token: {}",
        stderr(&out)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["expiresAt"], fmt_epoch(NOW + 3600));
    assert_eq!(v["hasRefresh"], true);
}

#[tokio::test(flavor = "multi_thread")]
async fn validation_errors_name_the_fault() {
    let sb = Sandbox::new().await;
    sb.write_config("[profile a]\nsso_session = nope\nsso_account_id = 1\nsso_role_name = r\n[profile b]\nsso_account_id = 1\n[profile c]\nsso_session = s\nsso_region = us-east-1\nsso_account_id = 1\nsso_role_name = r\n[sso-session s]\nsso_start_url = https://x.awsapps.com/start\nsso_region = eu-west-1\n[profile d]\nregion = eu-west-1\n[profile e]\nsso_start_url = http://insecure/start\nsso_region = us-east-1\nsso_account_id = 1\nsso_role_name = r\n");
    let cfg = sb.home().join(".aws").join("config").display().to_string();
    let cases = [
        ("a", format!("error: the specified sso-session does not exist: \"nope\" (referenced by profile \"a\" in {cfg})")),
        ("b", "error: the profile \"b\" is configured to use SSO but is missing required configuration: sso_role_name, sso_start_url, sso_region".to_string()),
        ("c", format!("error: the value for sso_region is inconsistent between profile (us-east-1) and sso-session (eu-west-1) in {cfg}")),
        ("d", format!("error: the profile \"d\" is not an SSO profile (no sso_account_id, sso_role_name or sso_session in {cfg})")),
        ("e", "error: sso_start_url = \"http://insecure/start\" in the profile \"e\" is not valid: it must be an https URL, like https://d-1234567890.awsapps.com/start".to_string()),
        ("zz", format!("error: the config profile (zz) could not be found in {cfg}")),
    ];
    for (profile, want) in cases {
        let out = sb.run(&["credential-process", "--profile", profile]);
        assert_eq!(out.status.code(), Some(1), "{profile}");
        assert_eq!(stdout(&out), "");
        let err = stderr(&out);
        assert_eq!(err.lines().next().unwrap(), want, "{profile}");
        assert!(err.lines().last().unwrap().starts_with("hint: "), "{err}");
    }
    sb.write_config("[profile a]\nregion = x\n[profile a]\nregion = y\n");
    let out = sb.run(&["credential-process", "--profile", "a"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).lines().next().unwrap(),
        format!(
            "error: unable to parse config file {cfg}: line 3: section [profile a] appears twice (first at line 1)"
        )
    );
    let out = sb
        .cmd()
        .args(["credential-process", "--profile", "dev"])
        .env("AWS_REGION", "Bad Region")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[tokio::test(flavor = "multi_thread")]
async fn non_interactive_caller_without_a_token_exits_3_at_once() {
    let sb = Sandbox::new().await;
    let started = std::time::Instant::now();
    let out = sb.run(&["credential-process", "--profile", "dev"]);
    let elapsed = started.elapsed();
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        "error: login required: no valid SSO token for sso-session corp (ssoexec does not start a login without a terminal)\nhint: run `ssoexec login --profile dev` in a terminal, then try again\n"
    );
    assert_eq!(sb.mock.total_requests(), 0);
    assert_eq!(sb.browser_opens(), 0);
    // Not a timing assertion on speed, only a guard against waiting on a prompt.
    assert!(elapsed < std::time::Duration::from_secs(20));
}

#[tokio::test(flavor = "multi_thread")]
async fn corrupt_caches_are_warned_about_and_replaced() {
    let sb = Sandbox::new().await;
    std::fs::create_dir_all(sb.sso_cache()).unwrap();
    std::fs::write(sb.token_file("corp"), "{\"startUrl\": \"https://d-1").unwrap();
    let out = sb.run(&["credential-process", "--profile", "dev"]);
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(
        err.starts_with(&format!(
            "warning: ignoring unreadable cache file {} (",
            sb.token_file("corp").display()
        )),
        "{err}"
    );

    sb.login("dev");
    let role = role_file(&sb, "111111111111", "ReadOnly", "corp");
    std::fs::create_dir_all(sb.cli_cache()).unwrap();
    std::fs::write(&role, "").unwrap();
    let out = sb.run(&["credential-process", "--profile", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("warning: ignoring unreadable cache file"));
    assert_eq!(stdout(&out), expected_process_doc(&role, "111111111111"));
}

#[tokio::test(flavor = "multi_thread")]
async fn portal_401_drops_the_token_and_asks_for_a_login() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    sb.mock.revoke_all_tokens();
    let out = sb.run(&["credential-process", "--profile", "dev"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "error: the SSO session for sso-session corp has expired or was revoked\nhint: run `ssoexec login --profile dev` in a terminal, then try again\n"
    );
    assert!(!sb.token_file("corp").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn server_errors_are_retried() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    sb.mock.fail_next(Op::GetRoleCredentials, 500, 1);
    let out = sb.run(&["credential-process", "--profile", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sb.mock.count(Op::GetRoleCredentials), 2);

    sb.mock.fail_next(Op::GetRoleCredentials, 503, 5);
    let out = sb.run(&["credential-process", "--profile", "prod"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        sb.mock.count(Op::GetRoleCredentials),
        5,
        "three attempts, then give up"
    );
    assert!(
        stderr(&out).starts_with("error: GetRoleCredentials failed: "),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn no_access_to_the_role_is_one_clear_line() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let out = sb.run(&[
        "credential-process",
        "--profile",
        "dev",
        "--role-name",
        "Nope",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: no access to role Nope in account 111111111111"),
        "{err}"
    );
    assert!(err.ends_with("hint: list what you can use with `ssoexec roles --account-id 111111111111 --profile dev`\n"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn debug_output_never_shows_secrets() {
    let sb = Sandbox::new().await;
    let login = sb.run(&["login", "--profile", "dev", "--device-code", "--debug"]);
    assert!(login.status.success());
    let cp = sb.run(&["credential-process", "--profile", "dev", "--debug"]);
    assert!(cp.status.success());
    let token = read_json(&sb.token_file("corp"));
    let role = read_json(&role_file(&sb, "111111111111", "ReadOnly", "corp"));
    let secrets = [
        token["accessToken"].as_str().unwrap(),
        token["refreshToken"].as_str().unwrap(),
        token["clientSecret"].as_str().unwrap(),
        role["Credentials"]["SecretAccessKey"].as_str().unwrap(),
        role["Credentials"]["SessionToken"].as_str().unwrap(),
    ];
    let logs = format!("{}{}", stderr(&login), stderr(&cp));
    assert!(logs.contains("debug: "), "debug logging is on");
    for s in secrets {
        assert!(!logs.contains(s), "secret leaked into --debug output");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn endpoints_follow_the_aws_order() {
    let sb = Sandbox::new().await;
    let uri = sb.mock.uri();
    // Only the [services] section names the mock: the env overrides are removed.
    sb.write_config(&format!(
        "{CONFIG}\n[profile svc]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = ReadOnly\nservices = local\n\n[services local]\nsso_oidc =\n  endpoint_url = {uri}\nsso =\n  endpoint_url = {uri}/\n"
    ));
    let bare = |sb: &Sandbox| {
        let mut c = sb.cmd();
        for v in [
            "AWS_ENDPOINT_URL_SSO_OIDC",
            "AWS_ENDPOINT_URL_SSO",
            "AWS_ENDPOINT_URL_STS",
            "AWS_ENDPOINT_URL_EKS",
        ] {
            c.env_remove(v);
        }
        c
    };
    let out = bare(&sb)
        .args(["login", "--profile", "svc", "--device-code"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = bare(&sb)
        .args(["credential-process", "--profile", "svc"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sb.mock.count(Op::GetRoleCredentials), 1);

    // AWS_ENDPOINT_URL (global) beats [services]; the per-service variable beats both.
    std::fs::remove_dir_all(sb.cli_cache()).unwrap();
    let out = bare(&sb)
        .args(["credential-process", "--profile", "svc"])
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with(
            "error: GetRoleCredentials could not reach http://127.0.0.1:9/federation/credentials"
        ),
        "{}",
        stderr(&out)
    );
    let out = bare(&sb)
        .args(["credential-process", "--profile", "svc"])
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_ENDPOINT_URL_SSO", &uri)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));

    // A services section that does not exist is named.
    sb.write_config(&format!("{CONFIG}\n[profile svc]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = r\nservices = nope\n"));
    std::fs::remove_dir_all(sb.cli_cache()).unwrap();
    let out = bare(&sb)
        .args(["credential-process", "--profile", "svc"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).starts_with("error: profile \"svc\" uses services = nope, but the [services nope] section does not exist in "), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejected_token_is_dropped_only_if_nobody_replaced_it() {
    let sb = Sandbox::new().await;
    sb.seed_token("old-access", None, 3600);
    sb.mock.revoke_all_tokens();
    sb.mock.set_latency(Some(Op::GetRoleCredentials), 800);
    let child = sb
        .std_cmd()
        .args(["credential-process", "--profile", "dev"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    sb.wait_until("the portal call", || {
        sb.mock.count(Op::GetRoleCredentials) == 1
    });
    // Meanwhile another process signs in again and writes a new token.
    sb.seed_token("new-access", None, 3600);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let token = read_json(&sb.token_file("corp"));
    assert_eq!(
        token["accessToken"], "new-access",
        "the fresh token survives"
    );
}
