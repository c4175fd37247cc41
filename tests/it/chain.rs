//! Role chaining (`role_arn` + `source_profile` / `credential_source`) in every consumer, the
//! assume-role cache shared with botocore, MFA through a terminal, and `ssoexec console`.
use crate::support::mock::{MFA_CODE, Op};
use crate::support::sandbox::*;
use serde_json::Value;
use std::collections::BTreeMap;

const ROLE_A: &str = "arn:aws:iam::222222222222:role/A";
const ROLE_B: &str = "arn:aws:iam::333333333333:role/B";
/// Who the mock says the SSO role credentials of `dev` are.
const SSO_CALLER: &str =
    "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_ReadOnly_0123456789abcdef/mock-user";
const STATIC_KEY: &str = "AKIAMOCKSTATIC000001";
const STATIC_SECRET: &str = "static/secret+key";

/// The sandbox config plus chains: `a` (from the SSO profile `dev`), `b` (from `a`), `k` (from
/// static keys in the credentials file), `e` (from the environment), `mfa`, and a loop.
fn chain_config() -> String {
    format!(
        "{CONFIG}
[profile a]
role_arn = {ROLE_A}
source_profile = dev
role_session_name = me
region = eu-west-1

[profile b]
role_arn = {ROLE_B}
source_profile = a
region = eu-west-1

[profile k]
role_arn = {ROLE_A}
source_profile = base
external_id = ext-123
region = eu-west-1

[profile e]
role_arn = {ROLE_A}
credential_source = Environment
region = eu-west-1

[profile mfa]
role_arn = {ROLE_B}
source_profile = dev
mfa_serial = arn:aws:iam::111111111111:mfa/me
region = eu-west-1

[profile loop1]
role_arn = {ROLE_A}
source_profile = loop2

[profile loop2]
role_arn = {ROLE_B}
source_profile = loop1
"
    )
}

async fn chain_sandbox() -> Sandbox {
    let sb = Sandbox::new().await;
    sb.write_config(&chain_config());
    sb.seed_token("chain-access", None, 8 * 3600);
    sb
}

/// `~/.aws/cli/cache/<sha1 of the botocore key text>.json`.
fn assume_cache(sb: &Sandbox, key_text: &str) -> std::path::PathBuf {
    sb.cli_cache().join(format!("{}.json", sha1_hex(key_text)))
}

fn json(out: &std::process::Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        stdout(out),
        stderr(out)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)))
}

#[tokio::test(flavor = "multi_thread")]
async fn chains_of_depth_one_and_two_start_at_the_sso_role_and_are_cached() {
    let sb = chain_sandbox().await;
    let a = json(&sb.run(&["credential-process", "--profile", "a"]));
    let calls = sb.mock.assume_role_calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].role_arn, ROLE_A);
    assert_eq!(calls[0].session_name, "me");
    assert_eq!(calls[0].caller_arn, SSO_CALLER);
    assert_eq!(a["AccessKeyId"], calls[0].access_key_id);
    assert_eq!(a["Version"], 1);
    assert_eq!(a["Expiration"], fmt_epoch(NOW + 3600));
    let file_a = assume_cache(
        &sb,
        &format!(r#"{{"RoleArn": "{ROLE_A}", "RoleSessionName": "me"}}"#),
    );
    let cached: Value = serde_json::from_slice(&std::fs::read(&file_a).unwrap()).unwrap();
    assert_eq!(cached["Credentials"]["AccessKeyId"], a["AccessKeyId"]);
    assert_eq!(
        cached["Credentials"]["Expiration"],
        format!("{}UTC", fmt_epoch(NOW + 3600).trim_end_matches('Z'))
    );
    assert_eq!(
        cached["AssumedRoleUser"]["Arn"],
        "arn:aws:sts::222222222222:assumed-role/A/me"
    );

    // Depth two: b's source is a, whose cached credentials sign the call; no portal request.
    let portal_before = sb.mock.count(Op::GetRoleCredentials);
    let b = json(&sb.run(&["credential-process", "--profile", "b"]));
    let calls = sb.mock.assume_role_calls();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[1].role_arn, ROLE_B);
    assert_eq!(
        calls[1].caller_arn,
        "arn:aws:sts::222222222222:assumed-role/A/me"
    );
    assert_eq!(calls[1].session_name, format!("ssoexec-session-{NOW}"));
    assert_eq!(b["AccessKeyId"], calls[1].access_key_id);
    assert_eq!(sb.mock.count(Op::GetRoleCredentials), portal_before);
    // No configured session name: the generated one is not part of the key.
    assert!(assume_cache(&sb, &format!(r#"{{"RoleArn": "{ROLE_B}"}}"#)).is_file());

    // Again: both from the cache, no request at all.
    sb.mock.reset_counts();
    assert_eq!(json(&sb.run(&["credential-process", "--profile", "b"])), b);
    assert_eq!(sb.mock.total_requests(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn login_for_a_chained_profile_signs_in_to_the_session_at_its_root() {
    let sb = Sandbox::new().await;
    sb.write_config(&chain_config());
    sb.login("b");
    assert!(sb.token_file("corp").is_file());
    let v = json(&sb.run(&["credential-process", "--profile", "b"]));
    assert_eq!(sb.mock.count(Op::AssumeRole), 2);
    assert_eq!(
        v["AccessKeyId"],
        sb.mock.assume_role_calls()[1].access_key_id
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn static_keys_in_the_shared_credentials_file_are_a_source() {
    let sb = chain_sandbox().await;
    sb.mock
        .add_static_credentials("444444444444", "deployer", STATIC_KEY, STATIC_SECRET);
    let creds_file = sb.home().join("elsewhere-credentials");
    std::fs::write(
        &creds_file,
        format!(
            "[base]\naws_access_key_id = {STATIC_KEY}\naws_secret_access_key = {STATIC_SECRET}\n"
        ),
    )
    .unwrap();
    let out = sb
        .cmd()
        .env("AWS_SHARED_CREDENTIALS_FILE", &creds_file)
        .args(["export", "--profile", "k", "--format", "json"])
        .output()
        .unwrap();
    let v = json(&out);
    let calls = sb.mock.assume_role_calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(
        calls[0].caller_arn,
        "arn:aws:iam::444444444444:user/deployer"
    );
    assert_eq!(calls[0].external_id.as_deref(), Some("ext-123"));
    assert_eq!(v["AccessKeyId"], calls[0].access_key_id);
    assert_eq!(sb.mock.count(Op::GetRoleCredentials), 0);

    // A wrong secret: the mock's signature check refuses the call, and the error says who.
    std::fs::write(
        &creds_file,
        format!("[base]\naws_access_key_id = {STATIC_KEY}\naws_secret_access_key = wrong\n"),
    )
    .unwrap();
    std::fs::remove_dir_all(sb.cli_cache()).unwrap();
    let out = sb
        .cmd()
        .env("AWS_SHARED_CREDENTIALS_FILE", &creds_file)
        .args(["credential-process", "--profile", "k"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with(&format!("error: cannot assume {ROLE_A}\n  caused by: AssumeRole failed: The request signature we calculated does not match")),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("wrong"));
}

#[tokio::test(flavor = "multi_thread")]
async fn credential_source_environment_signs_with_this_process_keys() {
    let sb = chain_sandbox().await;
    sb.mock
        .add_static_credentials("444444444444", "ci", STATIC_KEY, STATIC_SECRET);
    let out = sb
        .cmd()
        .env("AWS_ACCESS_KEY_ID", STATIC_KEY)
        .env("AWS_SECRET_ACCESS_KEY", STATIC_SECRET)
        .args(["credential-process", "--profile", "e"])
        .output()
        .unwrap();
    let v = json(&out);
    let calls = sb.mock.assume_role_calls();
    assert_eq!(calls[0].caller_arn, "arn:aws:iam::444444444444:user/ci");
    assert_eq!(v["AccessKeyId"], calls[0].access_key_id);

    std::fs::remove_dir_all(sb.cli_cache()).unwrap();
    let out = sb.run(&["credential-process", "--profile", "e"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: credential_source = Environment, but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set\nhint: export the source credentials in the environment, or use source_profile\n"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_source_profile_loop_is_an_error_naming_the_loop() {
    let sb = chain_sandbox().await;
    for cmd in [
        vec!["credential-process", "--profile", "loop1"],
        vec!["--profile", "loop1", "exec", "--", "true"],
        vec!["export", "--profile", "loop1"],
    ] {
        let out = sb.run(&cmd);
        assert_eq!(out.status.code(), Some(1), "{cmd:?}");
        assert_eq!(stdout(&out), "");
        let err = stderr(&out);
        assert_eq!(
            err.lines().next(),
            Some("error: source_profile loop: loop1 -> loop2 -> loop1"),
            "{err}"
        );
        assert!(err.lines().nth(1).unwrap().starts_with("hint: "), "{err}");
    }
    assert_eq!(sb.mock.total_requests(), 0);
    let out = sb.run(&["credential-process", "--profile", "static"]);
    assert_eq!(out.status.code(), Some(1));
}

#[tokio::test(flavor = "multi_thread")]
async fn parallel_callers_make_one_assume_role() {
    let sb = chain_sandbox().await;
    sb.mock.set_latency(Some(Op::AssumeRole), 300);
    let children: Vec<_> = (0..8)
        .map(|_| {
            sb.std_cmd()
                .args(["credential-process", "--profile", "b"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let keys: std::collections::BTreeSet<String> = outputs
        .iter()
        .map(|o| json(o)["AccessKeyId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(keys.len(), 1, "every caller got the same credentials");
    // One AssumeRole per hop (a, then b), one portal call for the SSO root.
    assert_eq!(sb.mock.count(Op::AssumeRole), 2);
    assert_eq!(sb.mock.count(Op::GetRoleCredentials), 1);
}

/// Real time for both sides: botocore checks expiry against the system clock.
fn real_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Runs botocore like the AWS CLI does (a `JSONFileCache` in `~/.aws/cli/cache` for the
/// assume-role provider) for `profile`, printing the access key id it ends up with.
fn botocore_credentials(sb: &Sandbox, profile: &str, creds_file: &std::path::Path) -> String {
    let script = r#"
import os, sys, botocore.session
from botocore.utils import JSONFileCache
s = botocore.session.Session(profile=sys.argv[1])
cache = JSONFileCache(os.path.expanduser("~/.aws/cli/cache"))
s.get_component("credential_provider").get_provider("assume-role").cache = cache
print(s.get_credentials().get_frozen_credentials().access_key)
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script, profile])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", sb.home())
        .env("AWS_CONFIG_FILE", sb.home().join(".aws").join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", creds_file)
        .env("AWS_ENDPOINT_URL_STS", sb.mock.uri())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .expect("python3 with botocore (scripts/install-test-tools.sh)");
    assert!(out.status.success(), "botocore failed: {}", stderr(&out));
    stdout(&out).trim().to_string()
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs python3 with botocore (scripts/install-test-tools.sh)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn the_assume_role_cache_is_shared_with_botocore_both_ways() {
    let sb = chain_sandbox().await;
    let now = real_now();
    sb.mock.set_now(now);
    sb.mock
        .add_static_credentials("444444444444", "deployer", STATIC_KEY, STATIC_SECRET);
    let creds_file = sb.home().join(".aws").join("credentials");
    std::fs::write(
        &creds_file,
        format!(
            "[base]\naws_access_key_id = {STATIC_KEY}\naws_secret_access_key = {STATIC_SECRET}\n"
        ),
    )
    .unwrap();
    let run = |profile: &str| {
        sb.cmd()
            .env("SSOEXEC_TEST_NOW", now.to_string())
            .args(["credential-process", "--profile", profile])
            .output()
            .unwrap()
    };

    // botocore first: it writes the file; ssoexec finds it under the same name and reuses it.
    let from_botocore = botocore_credentials(&sb, "k", &creds_file);
    assert_eq!(sb.mock.count(Op::AssumeRole), 1);
    let key_text = format!(r#"{{"ExternalId": "ext-123", "RoleArn": "{ROLE_A}"}}"#);
    let file = assume_cache(&sb, &key_text);
    let written: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let top: Vec<&str> = written
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(top, ["AssumedRoleUser", "Credentials", "ResponseMetadata"]);
    let expiration = written["Credentials"]["Expiration"].as_str().unwrap();
    assert!(expiration.ends_with("UTC"), "{expiration}");
    let v = json(&run("k"));
    assert_eq!(v["AccessKeyId"], from_botocore);
    assert_eq!(
        v["Expiration"],
        format!("{}Z", expiration.trim_end_matches("UTC"))
    );
    assert_eq!(
        sb.mock.count(Op::AssumeRole),
        1,
        "ssoexec reused botocore's entry"
    );

    // ssoexec writes: the same members (botocore's response layout), and botocore reuses it.
    std::fs::remove_file(&file).unwrap();
    let ours = json(&run("k"));
    assert_eq!(sb.mock.count(Op::AssumeRole), 2);
    let mine: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let members =
        |v: &Value, k: &str| -> Vec<String> { v[k].as_object().unwrap().keys().cloned().collect() };
    assert_eq!(
        members(&mine, "Credentials"),
        members(&written, "Credentials")
    );
    assert_eq!(
        members(&mine, "AssumedRoleUser"),
        members(&written, "AssumedRoleUser")
    );
    assert_eq!(
        botocore_credentials(&sb, "k", &creds_file),
        ours["AccessKeyId"].as_str().unwrap()
    );
    assert_eq!(
        sb.mock.count(Op::AssumeRole),
        2,
        "botocore reused ssoexec's entry"
    );
}

/// Runs `ssoexec ARGS` on a pseudo-terminal, typing `input` once the MFA prompt is up.
fn on_a_terminal(sb: &Sandbox, args: &str, input: &str) -> std::process::Output {
    let mut pty = sb.on_pty(args, true);
    pty.expect("Enter MFA code for");
    pty.type_text(input);
    let (status, screen) = pty.finish();
    std::process::Output {
        status,
        stdout: screen.into_bytes(),
        stderr: Vec::new(),
    }
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs util-linux script (a pseudo-terminal)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn mfa_codes_are_asked_on_the_terminal_and_without_one_exit_3() {
    let sb = chain_sandbox().await;
    sb.mock.require_mfa("333333333333", "B");

    // No terminal: fail fast, exit 3, no request for the role.
    let out = sb.run(&["credential-process", "--profile", "mfa"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        format!(
            "error: assuming {ROLE_B} needs an MFA code (arn:aws:iam::111111111111:mfa/me), and there is no terminal to ask for it\nhint: run `ssoexec exec --profile mfa -- true` in a terminal, then try again\n"
        )
    );
    assert_eq!(sb.mock.count(Op::AssumeRole), 0);

    // On a terminal: the prompt, the code typed, the credentials.
    let out = on_a_terminal(
        &sb,
        "credential-process --profile mfa",
        &format!("{MFA_CODE}\n"),
    );
    let text = stdout(&out);
    assert!(out.status.success(), "{text}\n{}", stderr(&out));
    assert!(
        text.contains("Enter MFA code for arn:aws:iam::111111111111:mfa/me: "),
        "{text}"
    );
    let calls = sb.mock.assume_role_calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(
        calls[0].serial_number.as_deref(),
        Some("arn:aws:iam::111111111111:mfa/me")
    );
    assert_eq!(calls[0].token_code.as_deref(), Some(MFA_CODE));
    assert!(text.contains(&calls[0].access_key_id), "{text}");

    // Cached now: a background caller gets them without a code.
    let v = json(&sb.run(&["credential-process", "--profile", "mfa"]));
    assert_eq!(v["AccessKeyId"], calls[0].access_key_id);
}

/// `NAME<<DELIM\nVALUE\nDELIM\n` entries of a GitHub file command.
fn file_commands(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some((name, delim)) = line.split_once("<<") else {
            continue;
        };
        let value: Vec<&str> = lines.by_ref().take_while(|l| *l != delim).collect();
        out.insert(name.to_string(), value.join("\n"));
    }
    out
}

#[cfg_attr(windows, ignore = "needs sh (a browser command, a child)")]
#[tokio::test(flavor = "multi_thread")]
async fn every_consumer_works_with_a_chained_profile() {
    let sb = chain_sandbox().await;
    let b = json(&sb.run(&["credential-process", "--profile", "b"]));
    let key = b["AccessKeyId"].as_str().unwrap().to_string();
    assert!(key.starts_with("ASIAMOCKROLE"), "{key}");

    // exec: the child sees b's credentials.
    let out = sb.run(&[
        "--profile",
        "b",
        "--",
        "sh",
        "-c",
        "echo $AWS_ACCESS_KEY_ID $SSOEXEC_PROFILE $AWS_REGION",
    ]);
    assert_eq!(
        stdout(&out),
        format!("{key} b eu-west-1\n"),
        "{}",
        stderr(&out)
    );

    // export: every format from the same credentials.
    let out = sb.run(&["export", "--profile", "b", "--format", "env"]);
    assert!(
        stdout(&out).contains(&format!("export AWS_ACCESS_KEY_ID={key}\n")),
        "{}",
        stdout(&out)
    );

    // exec --renew: the helper resolves the same chain (and renews it when it expires).
    let out = sb.run(&[
        "--profile",
        "b",
        "exec",
        "--renew",
        "--",
        "sh",
        "-c",
        r#"curl -s -H "Authorization: $AWS_CONTAINER_AUTHORIZATION_TOKEN" "$AWS_CONTAINER_CREDENTIALS_FULL_URI""#,
    ]);
    let served: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {} {}", stdout(&out), stderr(&out)));
    assert_eq!(served["AccessKeyId"], key);
    assert_eq!(served["AccountId"], "333333333333");

    // eks-token: signed with b's credentials; --role-arn is one more hop on top of b.
    let out = sb.run(&["eks-token", "--profile", "b", "--cluster-name", "prod"]);
    let cred = json(&out);
    assert_eq!(cred["kind"], "ExecCredential");
    let assumed_before = sb.mock.count(Op::AssumeRole);
    let out = sb.run(&[
        "eks-token",
        "--profile",
        "b",
        "--cluster-name",
        "prod",
        "--role-arn",
        "arn:aws:iam::555555555555:role/eks",
    ]);
    json(&out);
    let calls = sb.mock.assume_role_calls();
    assert_eq!(sb.mock.count(Op::AssumeRole), assumed_before + 1);
    let last = calls.last().unwrap();
    assert_eq!(
        last.caller_arn,
        format!("arn:aws:sts::333333333333:assumed-role/B/ssoexec-session-{NOW}")
    );
    assert_eq!(last.session_name, "EKSGetTokenAuth");

    // kubeconfig: DescribeCluster signed by b (the cluster lives in b's account), and the exec
    // entry asks for the same profile.
    sb.mock
        .with_clusters("333333333333", "eu-west-1", &["prod"]);
    let out = sb.run(&[
        "kubeconfig",
        "--profile",
        "b",
        "--cluster-name",
        "prod",
        "--dry-run",
        "--command",
        "ssoexec",
    ]);
    let yaml = stdout(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        yaml.contains("  name: 333333333333/eu-west-1/prod\n"),
        "{yaml}"
    );
    assert!(yaml.contains("- --profile\n      - b\n"), "{yaml}");

    // serve: the container-credentials document is b's.
    let mut serve = sb
        .std_cmd()
        .args(["--profile", "b", "serve"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    let mut second = String::new();
    {
        use std::io::BufRead;
        let mut reader = std::io::BufReader::new(serve.stdout.take().unwrap());
        reader.read_line(&mut first).unwrap();
        reader.read_line(&mut second).unwrap();
    }
    let url = first
        .trim()
        .strip_prefix("export AWS_CONTAINER_CREDENTIALS_FULL_URI=")
        .unwrap()
        .to_string();
    let token = second
        .trim()
        .strip_prefix("export AWS_CONTAINER_AUTHORIZATION_TOKEN=")
        .unwrap()
        .to_string();
    let got = std::process::Command::new("curl")
        .args(["-s", "-H", &format!("Authorization: {token}"), &url])
        .output()
        .unwrap();
    serve.kill().unwrap();
    serve.wait().unwrap();
    let doc: Value = serde_json::from_slice(&got.stdout).unwrap();
    assert_eq!(doc["AccessKeyId"], key);
}

#[tokio::test(flavor = "multi_thread")]
async fn github_role_chaining_assumes_the_role_with_the_credentials_obtained() {
    let sb = chain_sandbox().await;
    let runner = tempfile::tempdir().unwrap();
    let file = |n: &str| runner.path().join(n);
    for f in ["env", "output"] {
        std::fs::write(file(f), "").unwrap();
    }
    // Identity Center role first (the profile's, from the token handed in as in CI: the job's
    // caches live in RUNNER_TEMP), then role-to-assume.
    let token = std::fs::read_to_string(sb.token_file("corp")).unwrap();
    let out = sb
        .cmd()
        .env("INPUT_SSO_TOKEN_CACHE", &token)
        .env("GITHUB_ENV", file("env"))
        .env("GITHUB_OUTPUT", file("output"))
        .env("RUNNER_TEMP", runner.path())
        .env("AWS_PROFILE", "dev")
        .env("INPUT_ROLE_TO_ASSUME", ROLE_B)
        .env("INPUT_ROLE_CHAINING", "true")
        .env("INPUT_AWS_REGION", "eu-west-1")
        .arg("github")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let calls = sb.mock.assume_role_calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].caller_arn, SSO_CALLER);
    assert_eq!(calls[0].role_arn, ROLE_B);
    assert_eq!(calls[0].session_name, "GitHubActions");
    assert_eq!(calls[0].duration_seconds, 3600);
    assert_eq!(sb.mock.count(Op::AssumeRoleWithWebIdentity), 0);
    let env = file_commands(&std::fs::read_to_string(file("env")).unwrap());
    assert_eq!(env["AWS_ACCESS_KEY_ID"], calls[0].access_key_id);
    let outputs = file_commands(&std::fs::read_to_string(file("output")).unwrap());
    assert_eq!(outputs["aws-account-id"], "333333333333");
    assert_eq!(
        outputs["authenticated-arn"],
        "arn:aws:sts::333333333333:assumed-role/B/GitHubActions"
    );

    // Without Identity Center inputs: the credentials an earlier step exported.
    sb.mock
        .add_static_credentials("444444444444", "ci", STATIC_KEY, STATIC_SECRET);
    std::fs::write(file("env"), "").unwrap();
    let out = sb
        .cmd()
        .env("GITHUB_ENV", file("env"))
        .env("RUNNER_TEMP", runner.path())
        .env("AWS_ACCESS_KEY_ID", STATIC_KEY)
        .env("AWS_SECRET_ACCESS_KEY", STATIC_SECRET)
        .env("INPUT_ROLE_TO_ASSUME", ROLE_A)
        .env("INPUT_ROLE_CHAINING", "true")
        .env("INPUT_AWS_REGION", "eu-west-1")
        .arg("github")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let calls = sb.mock.assume_role_calls();
    assert_eq!(calls[1].caller_arn, "arn:aws:iam::444444444444:user/ci");
    let env = file_commands(&std::fs::read_to_string(file("env")).unwrap());
    assert_eq!(env["AWS_ACCESS_KEY_ID"], calls[1].access_key_id);

    let out = sb
        .cmd()
        .env("GITHUB_ENV", file("env"))
        .env("INPUT_ROLE_CHAINING", "true")
        .env("INPUT_AWS_REGION", "eu-west-1")
        .arg("github")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("error: role-chaining needs role-to-assume"),
        "{}",
        stderr(&out)
    );
}

/// configure-aws-credentials' `role-external-id` and session policies reach the chained AssumeRole
/// (web identity has no ExternalId; `github.rs` checks that refusal).
#[tokio::test(flavor = "multi_thread")]
async fn github_role_chaining_sends_external_id_and_session_policies() {
    let sb = chain_sandbox().await;
    sb.mock
        .require_external_id("333333333333", "B", "xid-from-input");
    let runner = tempfile::tempdir().unwrap();
    let file = |n: &str| runner.path().join(n);
    let token = std::fs::read_to_string(sb.token_file("corp")).unwrap();
    let run = |external_id: Option<&str>| {
        std::fs::write(file("env"), "").unwrap();
        let mut cmd = sb.cmd();
        cmd.env("GITHUB_ENV", file("env"))
            .env("RUNNER_TEMP", runner.path())
            .env("AWS_PROFILE", "dev")
            .env("INPUT_SSO_TOKEN_CACHE", &token)
            .env("INPUT_ROLE_TO_ASSUME", ROLE_B)
            .env("INPUT_ROLE_CHAINING", "true")
            .env("INPUT_AWS_REGION", "eu-west-1")
            .env("INPUT_INLINE_SESSION_POLICY", r#"{"Version":"2012-10-17"}"#)
            .env(
                "INPUT_MANAGED_SESSION_POLICIES",
                "arn:aws:iam::aws:policy/ReadOnlyAccess",
            );
        if let Some(x) = external_id {
            cmd.env("INPUT_ROLE_EXTERNAL_ID", x);
        }
        cmd.arg("github").output().unwrap()
    };
    // The trust policy demands the ExternalId: without the input STS refuses.
    let out = run(None);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let out = run(Some("xid-from-input"));
    assert!(out.status.success(), "{}", stderr(&out));
    let calls = sb.mock.assume_role_calls();
    let last = calls.last().unwrap();
    assert_eq!(last.role_arn, ROLE_B);
    assert_eq!(last.external_id.as_deref(), Some("xid-from-input"));
    assert_eq!(last.policy.as_deref(), Some(r#"{"Version":"2012-10-17"}"#));
    assert_eq!(last.policy_arns, ["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
    let env = file_commands(&std::fs::read_to_string(file("env")).unwrap());
    assert_eq!(env["AWS_ACCESS_KEY_ID"], last.access_key_id);
}

// ---- ssoexec console

/// `ssoexec console` with the federation endpoint at the mock.
fn console(sb: &Sandbox) -> assert_cmd::Command {
    let mut c = sb.cmd();
    c.env("AWS_ENDPOINT_URL_SIGNIN", sb.mock.uri());
    c.arg("console");
    c
}

fn query(url: &url::Url) -> Vec<(String, String)> {
    url.query_pairs().into_owned().collect()
}

#[cfg_attr(windows, ignore = "needs curl")]
#[tokio::test(flavor = "multi_thread")]
async fn console_print_writes_only_the_url_with_every_parameter() {
    let sb = chain_sandbox().await;
    sb.login("dev");
    let out = console(&sb)
        .args(["--profile", "dev", "--print", "--destination", "s3"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 1, "{text}");
    let url = url::Url::parse(text.trim_end()).unwrap();
    assert_eq!(
        format!("{}{}", url.origin().ascii_serialization(), url.path()),
        format!("{}/federation", sb.mock.uri())
    );
    let q = query(&url);
    let names: Vec<&str> = q.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["Action", "Issuer", "Destination", "SigninToken"]);
    assert_eq!(q[0].1, "login");
    assert_eq!(q[1].1, "ssoexec");
    assert_eq!(
        q[2].1,
        "https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1"
    );
    assert!(q[3].1.starts_with("mock-signin-"), "{}", q[3].1);

    // The session JSON the endpoint received: the role credentials, no SessionDuration for an
    // Identity Center role.
    let got = sb.mock.last_signin_request().unwrap();
    assert_eq!(got.session_duration, None);
    let session: Value = serde_json::from_str(&got.session).unwrap();
    let role: Value = serde_json::from_slice(
        &std::fs::read(sb.cli_cache().join(format!(
            "{}.json",
            sha1_hex(r#"{"accountId":"111111111111","roleName":"ReadOnly","sessionName":"corp"}"#)
        )))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        session,
        serde_json::json!({
            "sessionId": role["Credentials"]["AccessKeyId"],
            "sessionKey": role["Credentials"]["SecretAccessKey"],
            "sessionToken": role["Credentials"]["SessionToken"],
        })
    );
    // The URL works once at the endpoint (the fake console echoes what it got).
    let echoed = std::process::Command::new("curl")
        .args(["-sf", url.as_str()])
        .output()
        .unwrap();
    let echoed: Value = serde_json::from_slice(&echoed.stdout).unwrap();
    assert_eq!(echoed["SigninToken"], q[3].1.as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn console_for_a_chained_profile_sends_no_session_duration() {
    let sb = chain_sandbox().await;
    let out = console(&sb)
        .args(["--profile", "b", "--print", "--session-duration", "7200"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "warning: not sending --session-duration: the federation endpoint does not take one for a role-chained session\n"
    );
    let got = sb.mock.last_signin_request().unwrap();
    assert_eq!(got.session_duration, None);
    let session: Value = serde_json::from_str(&got.session).unwrap();
    assert_eq!(
        session["sessionId"],
        sb.mock.assume_role_calls().last().unwrap().access_key_id
    );
    let url = url::Url::parse(stdout(&out).trim_end()).unwrap();
    assert_eq!(
        query(&url)[2].1,
        "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1"
    );

    // A role assumed with long-term keys may ask for a longer console session.
    sb.mock
        .add_static_credentials("444444444444", "deployer", STATIC_KEY, STATIC_SECRET);
    std::fs::write(
        sb.home().join(".aws").join("credentials"),
        format!(
            "[base]\naws_access_key_id = {STATIC_KEY}\naws_secret_access_key = {STATIC_SECRET}\n"
        ),
    )
    .unwrap();
    let out = console(&sb)
        .args(["--profile", "k", "--print", "--session-duration", "7200"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    assert_eq!(
        sb.mock
            .last_signin_request()
            .unwrap()
            .session_duration
            .as_deref(),
        Some("7200")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn console_url_and_token_never_reach_the_debug_log() {
    let sb = chain_sandbox().await;
    let out = console(&sb)
        .args(["--profile", "a", "--print", "--debug"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let url = stdout(&out);
    let url = url::Url::parse(url.trim_end()).unwrap();
    let token = query(&url)[3].1.clone();
    let log = stderr(&out);
    assert!(log.contains("debug: GetSigninToken: "), "{log}");
    let session: Value =
        serde_json::from_str(&sb.mock.last_signin_request().unwrap().session).unwrap();
    for secret in [
        token.as_str(),
        session["sessionKey"].as_str().unwrap(),
        session["sessionToken"].as_str().unwrap(),
        "SigninToken=",
        "Session=%7B",
    ] {
        assert!(!log.contains(secret), "{secret} in {log}");
    }
}

#[cfg_attr(windows, ignore = "needs sh (a browser command, a child)")]
#[tokio::test(flavor = "multi_thread")]
async fn console_opens_the_browser_or_refuses_to_leak_the_url() {
    let sb = chain_sandbox().await;
    sb.login("dev");
    let opens = sb.browser_opens();
    // The browser (BROWSER = the sandbox's fake one) gets the URL and signs in.
    let out = console(&sb).args(["--profile", "dev"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        "Opened the AWS console as 111111111111/ReadOnly in the browser.\n"
    );
    // The browser runs on after ssoexec exits and notes the URL when it starts; the login's own
    // open may land in the log after ours: wait for the federation URL and pick it.
    let browser_log = || std::fs::read_to_string(sb.home().join("browser.log")).unwrap_or_default();
    sb.wait_until("the browser to note the console URL", || {
        browser_log().contains("/federation?")
    });
    let log = browser_log();
    let line = log
        .lines()
        .find(|l| l.contains("/federation?"))
        .unwrap_or_else(|| panic!("{log}"));
    let opened = url::Url::parse(line).unwrap();
    assert_eq!(query(&opened)[0], ("Action".into(), "login".into()));
    sb.wait_until("the browser to sign in", || {
        sb.mock.count(Op::ConsoleLogin) == 1
    });

    // --browser-command wins over BROWSER.
    let marker = sb.home().join("custom.log");
    let out = console(&sb)
        .args([
            "--profile",
            "dev",
            "--browser-command",
            &format!("sh -c 'echo \"$0\" > {}'", marker.display()),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    sb.wait_until("the custom browser command", || marker.is_file());
    let custom = std::fs::read_to_string(&marker).unwrap();
    assert!(custom.contains("Action=login"), "{custom}");
    // BROWSER opened the first console URL only (login's own opens may still be landing).
    let console_opens = std::fs::read_to_string(sb.home().join("browser.log"))
        .unwrap()
        .lines()
        .filter(|l| l.contains("Action=login"))
        .count();
    assert_eq!(
        console_opens, 1,
        "BROWSER was used besides --browser-command"
    );
    assert!(sb.browser_opens() > opens);

    // --no-browser without a terminal: no URL anywhere, and no exchange at all.
    let exchanges = sb.mock.count(Op::GetSigninToken);
    let out = console(&sb)
        .args(["--profile", "dev", "--no-browser"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        "error: not opening a browser (--no-browser), and the sign-in URL is a secret that is only shown on a terminal\nhint: add --print to get the URL on stdout\n"
    );
    assert_eq!(sb.mock.count(Op::GetSigninToken), exchanges);

    // A bad destination is a usage error before anything else.
    let out = console(&sb)
        .args([
            "--profile",
            "dev",
            "--print",
            "--destination",
            "http://evil.example/",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).lines().next(),
        Some("error: --destination \"http://evil.example/\" is not an https URL")
    );
}

/// Logout of a session removes the roles assumed from it (both hops of `b`'s chain) with the
/// SSO role credentials; an entry assumed from static keys (`k`) stays. Also under `--all`.
#[tokio::test(flavor = "multi_thread")]
async fn logout_removes_roles_assumed_from_the_session() {
    let sb = chain_sandbox().await;
    std::fs::write(
        sb.home().join(".aws").join("credentials"),
        format!(
            "[base]\naws_access_key_id = {STATIC_KEY}\naws_secret_access_key = {STATIC_SECRET}\n"
        ),
    )
    .unwrap();
    sb.mock
        .add_static_credentials("444444444444", "deployer", STATIC_KEY, STATIC_SECRET);
    let ok = |args: &[&str]| {
        let out = sb.run(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    };
    ok(&["credential-process", "--profile", "b"]);
    ok(&["credential-process", "--profile", "k"]);
    let file_a = assume_cache(
        &sb,
        &format!(r#"{{"RoleArn": "{ROLE_A}", "RoleSessionName": "me"}}"#),
    );
    let file_b = assume_cache(&sb, &format!(r#"{{"RoleArn": "{ROLE_B}"}}"#));
    let file_k = assume_cache(
        &sb,
        &format!(r#"{{"ExternalId": "ext-123", "RoleArn": "{ROLE_A}"}}"#),
    );
    for f in [&file_a, &file_b, &file_k] {
        assert!(f.is_file(), "{}", f.display());
    }
    ok(&["logout", "--profile", "b"]);
    assert!(
        !file_a.exists() && !file_b.exists(),
        "chained entries survived logout"
    );
    assert!(
        file_k.is_file(),
        "an entry assumed from static keys was removed"
    );

    // --all: the same, for every session.
    sb.seed_token("chain-access-2", None, 8 * 3600);
    ok(&["credential-process", "--profile", "b"]);
    assert!(file_b.is_file());
    ok(&["logout", "--all"]);
    assert!(!file_a.exists() && !file_b.exists());
    assert!(file_k.is_file());
}
