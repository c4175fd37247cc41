//! `ssoexec github` and the GitHub Action, against the mock (GitHub OIDC + STS).
use crate::support::mock::Op;
use crate::support::sandbox::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const ROLE: &str = "arn:aws:iam::111111111111:role/deploy";

/// A fake runner's files: GITHUB_ENV, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP.
struct Runner {
    dir: tempfile::TempDir,
}

impl Runner {
    fn new() -> Runner {
        let dir = tempfile::tempdir().unwrap();
        for f in ["env", "output", "summary", "path"] {
            std::fs::write(dir.path().join(f), "").unwrap();
        }
        std::fs::create_dir(dir.path().join("temp")).unwrap();
        Runner { dir }
    }
    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.file(name)).unwrap()
    }
    fn vars(&self, sb: &Sandbox) -> Vec<(String, String)> {
        vec![
            ("GITHUB_ENV".into(), self.file("env").display().to_string()),
            (
                "GITHUB_OUTPUT".into(),
                self.file("output").display().to_string(),
            ),
            (
                "GITHUB_STEP_SUMMARY".into(),
                self.file("summary").display().to_string(),
            ),
            (
                "GITHUB_PATH".into(),
                self.file("path").display().to_string(),
            ),
            (
                "RUNNER_TEMP".into(),
                self.file("temp").display().to_string(),
            ),
            ("CI".into(), "true".into()),
            (
                "ACTIONS_ID_TOKEN_REQUEST_URL".into(),
                sb.mock.github_token_url(),
            ),
            (
                "ACTIONS_ID_TOKEN_REQUEST_TOKEN".into(),
                sb.mock.github_request_token(),
            ),
        ]
    }
}

/// Parses file-command text (`NAME<<DELIM\nVALUE\nDELIM\n` entries) as the runner does.
fn file_commands(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(head) = lines.next() {
        let (name, delim) = head
            .split_once("<<")
            .unwrap_or_else(|| panic!("not a heredoc entry: {head:?}"));
        assert!(
            delim.starts_with("ghadelimiter_") && delim.len() == "ghadelimiter_".len() + 36,
            "{delim}"
        );
        let mut value = Vec::new();
        for l in lines.by_ref() {
            if l == delim {
                break;
            }
            value.push(l);
        }
        out.push((name.to_string(), value.join("\n")));
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn oidc_to_sts_to_github_files_with_masks_first() {
    let sb = Sandbox::new().await;
    let runner = Runner::new();
    let out = sb
        .cmd()
        .envs(runner.vars(&sb))
        .args([
            "github",
            "--role-to-assume",
            ROLE,
            "--aws-region",
            "eu-west-1",
            "--output-credentials",
            "true",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));

    // GitHub OIDC: audience and bearer; STS: unsigned, the action's defaults.
    let gh = sb
        .mock
        .requests()
        .into_iter()
        .find(|r| r.op == Op::GithubToken)
        .unwrap();
    assert_eq!(
        gh.query_param("audience").as_deref(),
        Some("sts.amazonaws.com")
    );
    assert_eq!(
        gh.header("authorization"),
        Some(format!("Bearer {}", sb.mock.github_request_token()).as_str())
    );
    let sts = sb
        .mock
        .requests()
        .into_iter()
        .find(|r| r.op == Op::AssumeRoleWithWebIdentity)
        .unwrap();
    assert!(
        sts.header("authorization").is_none(),
        "AssumeRoleWithWebIdentity is unsigned"
    );
    let form: BTreeMap<String, String> = url::form_urlencoded::parse(sts.body.as_bytes())
        .into_owned()
        .collect();
    assert_eq!(form["Action"], "AssumeRoleWithWebIdentity");
    assert_eq!(form["RoleArn"], ROLE);
    assert_eq!(form["RoleSessionName"], "GitHubActions");
    assert_eq!(form["DurationSeconds"], "3600");
    let web_token = form["WebIdentityToken"].clone();

    let env = file_commands(&runner.read("env"));
    let names: Vec<&str> = env.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_CREDENTIAL_EXPIRATION",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "SSOEXEC_GITHUB_STATE"
        ]
    );
    let env: BTreeMap<_, _> = env.into_iter().collect();
    assert!(
        env["AWS_ACCESS_KEY_ID"].starts_with("ASIAMOCKWEBID"),
        "{}",
        env["AWS_ACCESS_KEY_ID"]
    );
    assert_eq!(env["AWS_CREDENTIAL_EXPIRATION"], fmt_epoch(NOW + 3600));
    assert_eq!(env["AWS_REGION"], "eu-west-1");
    assert_eq!(
        env["SSOEXEC_GITHUB_STATE"],
        runner
            .file("temp")
            .join("ssoexec-github.json")
            .display()
            .to_string()
    );

    let outputs: BTreeMap<_, _> = file_commands(&runner.read("output")).into_iter().collect();
    let arn = "arn:aws:sts::111111111111:assumed-role/deploy/GitHubActions";
    let want: BTreeMap<String, String> = [
        ("aws-account-id", "111111111111"),
        ("authenticated-arn", arn),
        ("aws-access-key-id", env["AWS_ACCESS_KEY_ID"].as_str()),
        (
            "aws-secret-access-key",
            env["AWS_SECRET_ACCESS_KEY"].as_str(),
        ),
        ("aws-session-token", env["AWS_SESSION_TOKEN"].as_str()),
        ("aws-expiration", env["AWS_CREDENTIAL_EXPIRATION"].as_str()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(outputs, want);

    // stdout carries masks only: the OIDC token first, then the key id, secret and session token.
    assert_eq!(
        stdout(&out),
        format!(
            "::add-mask::{web_token}\n::add-mask::{}\n::add-mask::{}\n::add-mask::{}\n",
            env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], env["AWS_SESSION_TOKEN"]
        )
    );
    assert!(!stderr(&out).contains(&web_token));
    assert_eq!(
        runner.read("summary"),
        format!(
            // Before: "valid until 2026-11-26T11:00:00Z", unlike `status` and `login`.
            "ssoexec: credentials for `{arn}` in eu-west-1 (account 111111111111), which expire in 1 h (at 11:00 UTC).\n"
        )
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let state = runner.file("temp/ssoexec-github.json");
        assert_eq!(
            std::fs::metadata(&state).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert!(!std::fs::read_to_string(state).unwrap().contains(&web_token));
    }

    // A later step renews from the saved inputs: a new token, new credentials.
    let state_env = [("SSOEXEC_GITHUB_STATE", env["SSOEXEC_GITHUB_STATE"].clone())];
    let out = sb
        .cmd()
        .envs(runner.vars(&sb))
        .envs(state_env)
        .args(["github", "--refresh"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sb.mock.count(Op::AssumeRoleWithWebIdentity), 2);
    let all = file_commands(&runner.read("env"));
    let keys: Vec<&String> = all
        .iter()
        .filter(|(k, _)| k == "AWS_ACCESS_KEY_ID")
        .map(|(_, v)| v)
        .collect();
    assert_eq!(keys.len(), 2);
    assert_ne!(keys[0], keys[1], "the later step got new credentials");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_id_token_permission_the_error_says_so() {
    let sb = Sandbox::new().await;
    let runner = Runner::new();
    let vars: Vec<_> = runner
        .vars(&sb)
        .into_iter()
        .filter(|(k, _)| !k.starts_with("ACTIONS_ID_TOKEN"))
        .collect();
    let out = sb
        .cmd()
        .envs(vars)
        .args([
            "github",
            "--role-to-assume",
            ROLE,
            "--aws-region",
            "eu-west-1",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: no GitHub OIDC token is available: ACTIONS_ID_TOKEN_REQUEST_URL/ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set\nhint: give the job `permissions: id-token: write` (and keep `contents: read`)\n"
    );
    assert_eq!(runner.read("env"), "");
}

#[tokio::test(flavor = "multi_thread")]
async fn sts_refusals_explain_the_trust_policy_without_the_token() {
    let sb = Sandbox::new().await;
    sb.mock.sts_fail_web_identity(Some("AccessDenied"));
    let runner = Runner::new();
    let out = sb
        .cmd()
        .envs(runner.vars(&sb))
        .args([
            "github",
            "--role-to-assume",
            "deploy",
            "--aws-account-id",
            "111111111111",
            "--aws-region",
            "eu-west-1",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with(&format!(
            "error: STS refused AssumeRoleWithWebIdentity for {ROLE}\n  caused by: AssumeRoleWithWebIdentity failed: "
        )),
        "{err}"
    );
    assert!(err.contains("(AccessDenied)\n"), "{err}");
    assert!(err.ends_with("hint: the role's trust policy must trust token.actions.githubusercontent.com for this token (sub=repo:octo/app:ref:refs/heads/main, aud=sts.amazonaws.com, repository=octo/app); compare its :sub and :aud conditions\n"), "{err}");
    let sts = sb
        .mock
        .requests()
        .into_iter()
        .find(|r| r.op == Op::AssumeRoleWithWebIdentity)
        .unwrap();
    let form: BTreeMap<String, String> = url::form_urlencoded::parse(sts.body.as_bytes())
        .into_owned()
        .collect();
    assert!(
        !err.contains(&form["WebIdentityToken"]),
        "the token is never printed"
    );
    assert_eq!(runner.read("env"), "", "nothing is exported on failure");
}

#[tokio::test(flavor = "multi_thread")]
async fn extra_sinks_come_from_the_same_credentials() {
    let sb = Sandbox::new().await;
    let runner = Runner::new();
    let dotenv = sb.home().join("ci.env");
    let out = sb
        .cmd()
        .envs(runner.vars(&sb))
        .env("INPUT_ROLE_TO_ASSUME", ROLE)
        .env("INPUT_AWS_REGION", "eu-west-1")
        .env("INPUT_ENV_FILE", &dotenv)
        .env(
            "INPUT_EMIT",
            format!("json={}\n", sb.home().join("c.json").display()),
        )
        .arg("github")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let env: BTreeMap<_, _> = file_commands(&runner.read("env")).into_iter().collect();
    assert!(
        std::fs::read_to_string(&dotenv)
            .unwrap()
            .starts_with(&format!(
                "AWS_ACCESS_KEY_ID='{}'\n",
                env["AWS_ACCESS_KEY_ID"]
            ))
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(sb.home().join("c.json")).unwrap()).unwrap();
    assert_eq!(json["AccessKeyId"], env["AWS_ACCESS_KEY_ID"].as_str());
    assert_eq!(json["AccountId"], "111111111111");
    assert_eq!(sb.mock.count(Op::AssumeRoleWithWebIdentity), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn identity_center_from_a_token_cache_secret() {
    let sb = Sandbox::new().await;
    let runner = Runner::new();
    let fixture =
        std::fs::read_to_string("tests/fixtures/awscli/awscli2_sso_login_token_cache.json")
            .unwrap();
    let v: serde_json::Value = serde_json::from_str(&fixture).unwrap();
    let access = v["accessToken"].as_str().unwrap();
    sb.mock.accept_access_token(access, NOW + 3600);
    let out = sb
        .cmd()
        .envs(runner.vars(&sb))
        .env("INPUT_SSO_START_URL", START_URL)
        .env("INPUT_SSO_REGION", "us-east-1")
        .env("INPUT_SSO_ACCOUNT_ID", "222222222222")
        .env("INPUT_SSO_ROLE_NAME", "ReadOnly")
        .env("INPUT_SSO_TOKEN_CACHE", &fixture)
        .env("INPUT_AWS_REGION", "eu-central-1")
        .arg("github")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let masks = stdout(&out);
    assert!(
        masks.starts_with(&format!(
            "::add-mask::{access}\n::add-mask::{}\n",
            v["refreshToken"].as_str().unwrap()
        )),
        "{masks}"
    );
    let outputs: BTreeMap<_, _> = file_commands(&runner.read("output")).into_iter().collect();
    assert_eq!(outputs["aws-account-id"], "222222222222");
    assert_eq!(sb.mock.count(Op::GetRoleCredentials), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn identity_center_device_code_login_is_announced_in_the_summary() {
    let sb = Sandbox::new().await;
    sb.mock.set_auto_approve(true); // the person approves while the step waits
    let runner = Runner::new();
    let out = sb
        .cmd()
        .env_remove("BROWSER")
        .envs(runner.vars(&sb))
        .args([
            "--profile",
            "dev",
            "github",
            "--login",
            "device-code",
            "--aws-region",
            "eu-west-1",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // Account and role come from the profile.
    let outputs: BTreeMap<_, _> = file_commands(&runner.read("output")).into_iter().collect();
    assert_eq!(outputs["aws-account-id"], "111111111111");
    let grc = sb
        .mock
        .requests()
        .into_iter()
        .find(|r| r.op == Op::GetRoleCredentials)
        .unwrap();
    assert_eq!(grc.query_param("role_name").as_deref(), Some("ReadOnly"));
    let summary = runner.read("summary");
    assert!(
        summary.starts_with(&format!(
            "### Sign-in needed\n\nOpen <{}/device?user_code=",
            sb.mock.uri()
        )),
        "{summary}"
    );
    assert!(
        stderr(&out).contains("Sign in to sso-session corp in a browser:"),
        "{}",
        stderr(&out)
    );
    assert_eq!(sb.mock.count(Op::StartDeviceAuthorization), 1);

    // Without `login: device-code`, a missing token is an error that names both ways out.
    let sb = Sandbox::new().await;
    let runner = Runner::new();
    let out = sb
        .cmd()
        .envs(runner.vars(&sb))
        .args([
            "--profile",
            "dev",
            "github",
            "--aws-region",
            "eu-west-1",
            "--sso-account-id",
            "1",
            "--sso-role-name",
            "r",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("hint: set the `login: device-code` input to sign in from the log, or pass a token cache in `sso-token-cache`"), "{}", stderr(&out));
}

/// Runs action/action.yml's steps as a runner would: `${{ inputs.* }}` and `${{ github.* }}`
/// substituted into `env:` (never into `run:`), `bash -e` for each `run:` (`uses:` steps skipped),
/// GITHUB_PATH applied between steps. Returns the environment a following step would see (from
/// GITHUB_ENV).
fn run_action(
    sb: &Sandbox,
    runner: &Runner,
    inputs: &[(&str, &str)],
) -> (bool, BTreeMap<String, String>, String) {
    let action_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("action");
    let doc: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(action_dir.join("action.yml")).unwrap())
            .unwrap();
    let mut values: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in doc["inputs"].as_mapping().unwrap() {
        let default = v.get("default").map(|d| match d {
            serde_yaml::Value::String(s) => s.clone(),
            other => serde_yaml::to_string(other).unwrap().trim().to_string(),
        });
        values.insert(k.as_str().unwrap().to_string(), default.unwrap_or_default());
    }
    for (k, v) in inputs {
        assert!(values.contains_key(*k), "action.yml has no input {k}");
        values.insert(k.to_string(), v.to_string());
    }
    let bin_dir = assert_cmd::cargo::cargo_bin("ssoexec")
        .parent()
        .unwrap()
        .to_path_buf();
    let mut path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let expr = |s: &str| -> String {
        let mut out = s.to_string();
        for (k, v) in &values {
            out = out.replace(&format!("${{{{ inputs.{k} }}}}"), v);
        }
        // A local action (`uses: ./action`) has no ref or repository.
        out.replace(
            "${{ github.action_path }}",
            &action_dir.display().to_string(),
        )
        .replace("${{ github.action_ref }}", "")
        .replace("${{ github.action_repository }}", "")
    };
    let mut log = String::new();
    for step in doc["runs"]["steps"].as_sequence().unwrap() {
        // Steps that use other actions (the caches) are not run here.
        let Some(run) = step["run"].as_str() else {
            assert!(step["uses"].is_string(), "a step without run: or uses:");
            continue;
        };
        assert!(
            !run.contains("${{"),
            "run: must not interpolate expressions: {run}"
        );
        let mut cmd = std::process::Command::new("bash");
        cmd.arg("-e")
            .arg("-c")
            .arg(run)
            .env_clear()
            .env("PATH", &path)
            .env("HOME", sb.home())
            .env("SSOEXEC_TEST_NOW", NOW.to_string());
        for var in [
            "AWS_ENDPOINT_URL_SSO_OIDC",
            "AWS_ENDPOINT_URL_SSO",
            "AWS_ENDPOINT_URL_STS",
        ] {
            cmd.env(var, sb.mock.uri());
        }
        cmd.envs(runner.vars(sb)).current_dir(sb.home());
        if let Some(env) = step["env"].as_mapping() {
            for (k, v) in env {
                cmd.env(k.as_str().unwrap(), expr(v.as_str().unwrap()));
            }
        }
        let out = cmd.output().unwrap();
        log.push_str(&stdout(&out));
        log.push_str(&stderr(&out));
        if !out.status.success() {
            return (false, BTreeMap::new(), log);
        }
        for added in runner.read("path").lines() {
            path = format!("{added}:{path}");
        }
    }
    (
        true,
        file_commands(&runner.read("env")).into_iter().collect(),
        log,
    )
}

#[cfg_attr(windows, ignore = "needs bash (the action's steps)")]
#[tokio::test(flavor = "multi_thread")]
async fn the_action_runs_as_a_runner_would_run_it() {
    let sb = Sandbox::new().await;
    let runner = Runner::new();
    let (ok, env, log) = run_action(
        &sb,
        &runner,
        &[
            ("role-to-assume", ROLE),
            ("aws-region", "eu-west-1"),
            ("env-file", ".env"),
        ],
    );
    assert!(ok, "{log}");
    assert!(log.contains("ssoexec 0.1.0 is already installed"), "{log}");
    assert!(env["AWS_ACCESS_KEY_ID"].starts_with("ASIAMOCKWEBID"));
    assert_eq!(env["AWS_REGION"], "eu-west-1");
    // The next step sees the credentials.
    let next = std::process::Command::new("sh")
        .arg("-c")
        .arg("echo \"$AWS_ACCESS_KEY_ID $AWS_DEFAULT_REGION\"")
        .env_clear()
        .envs(&env)
        .output()
        .unwrap();
    assert_eq!(
        stdout(&next),
        format!("{} eu-west-1\n", env["AWS_ACCESS_KEY_ID"])
    );
    assert!(sb.home().join(".env").exists());
}

#[cfg_attr(windows, ignore = "needs bash (the action's steps)")]
#[tokio::test(flavor = "multi_thread")]
async fn hostile_inputs_never_execute() {
    let sb = Sandbox::new().await;
    let pwned = sb.home().join("pwned");
    let evil = format!(
        "$(touch {p})`touch {p}`\"; touch {p}; echo '\n",
        p = pwned.display()
    );
    for input in [
        "role-session-name",
        "aws-region",
        "env-file",
        "emit",
        "audience",
    ] {
        let runner = Runner::new();
        let mut inputs = vec![("role-to-assume", ROLE), ("aws-region", "eu-west-1")];
        inputs.retain(|(k, _)| *k != input);
        inputs.push((input, evil.as_str()));
        let (_ok, _env, log) = run_action(&sb, &runner, &inputs);
        assert!(log.contains("ssoexec 0.1.0 is already installed"), "{log}");
        assert!(
            log.contains("error: ") || log.contains("Credentials for "),
            "ssoexec github ran with the value: {log}"
        );
        assert!(!pwned.exists(), "input {input} executed code: {log}");
    }
}

/// The STS form of the one AssumeRoleWithWebIdentity call(s) the mock saw, in order.
fn sts_forms(sb: &Sandbox) -> Vec<BTreeMap<String, String>> {
    sb.mock
        .requests()
        .into_iter()
        .filter(|r| r.op == Op::AssumeRoleWithWebIdentity)
        .map(|r| {
            url::form_urlencoded::parse(r.body.as_bytes())
                .into_owned()
                .collect()
        })
        .collect()
}

/// configure-aws-credentials inputs, run through the action's own steps: session policies reach
/// STS, the account id is masked and kept out of the summary, empty inputs mean their defaults.
#[cfg_attr(windows, ignore = "needs bash (the action's steps)")]
#[tokio::test(flavor = "multi_thread")]
async fn configure_aws_credentials_inputs_through_the_action() {
    let sb = Sandbox::new().await;
    let runner = Runner::new();
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
    let (ok, env, log) = run_action(
        &sb,
        &runner,
        &[
            ("role-to-assume", ROLE),
            ("aws-region", "eu-west-1"),
            ("inline-session-policy", policy),
            (
                "managed-session-policies",
                "arn:aws:iam::aws:policy/ReadOnlyAccess\narn:aws:iam::111111111111:policy/extra\n",
            ),
            ("mask-aws-account-id", "true"),
            ("role-skip-session-tagging", "true"),
            ("retry-max-attempts", "3"),
            // An input left empty in the workflow is its default.
            ("output-env-credentials", ""),
            ("role-duration-seconds", ""),
        ],
    );
    assert!(ok, "{log}");
    let forms = sts_forms(&sb);
    assert_eq!(forms.len(), 1);
    let f = &forms[0];
    assert_eq!(f["Policy"], policy);
    assert_eq!(
        f["PolicyArns.member.1.arn"],
        "arn:aws:iam::aws:policy/ReadOnlyAccess"
    );
    assert_eq!(
        f["PolicyArns.member.2.arn"],
        "arn:aws:iam::111111111111:policy/extra"
    );
    assert_eq!(f["DurationSeconds"], "3600");
    assert!(
        !f.keys().any(|k| k.starts_with("Tags")),
        "no session tags: {f:?}"
    );
    assert!(
        env["AWS_ACCESS_KEY_ID"].starts_with("ASIAMOCKWEBID"),
        "{env:?}"
    );
    assert!(log.contains("::add-mask::111111111111\n"), "{log}");
    let summary = runner.read("summary");
    assert!(!summary.contains("111111111111"), "{summary}");
    assert!(summary.contains("(account ***)"), "{summary}");
}

#[tokio::test(flavor = "multi_thread")]
async fn conflicting_or_inapplicable_inputs_are_errors() {
    let sb = Sandbox::new().await;
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[("INPUT_SSO_START_URL", START_URL)],
            "error: role-to-assume (arn:aws:iam::111111111111:role/deploy) and sso-start-url choose two different sources of credentials: set one (GitHub OIDC: role-to-assume; Identity Center: sso-start-url, sso-region, sso-account-id, sso-role-name), or role-chaining: true to assume role-to-assume with the Identity Center credentials\n",
        ),
        (
            &[("INPUT_ROLE_EXTERNAL_ID", "xyz")],
            "error: role-external-id: AssumeRoleWithWebIdentity takes no ExternalId (the OIDC token is the proof); it applies to a role assumed with role-chaining: true\n",
        ),
        (
            &[("INPUT_INLINE_SESSION_POLICY", "{not json")],
            "error: inline-session-policy is not JSON: give an IAM policy document\n",
        ),
        (
            &[("INPUT_MANAGED_SESSION_POLICIES", "ReadOnlyAccess")],
            "error: managed-session-policies: \"ReadOnlyAccess\" is not a policy ARN (arn:aws:iam::…:policy/NAME)\n",
        ),
    ];
    for (extra, want) in cases {
        let runner = Runner::new();
        let out = sb
            .cmd()
            .envs(runner.vars(&sb))
            .env("INPUT_ROLE_TO_ASSUME", ROLE)
            .env("INPUT_AWS_REGION", "eu-west-1")
            .envs(extra.iter().copied())
            .arg("github")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {}", stderr(&out));
        assert!(
            stderr(&out).starts_with(want),
            "{extra:?}: {}",
            stderr(&out)
        );
        assert_eq!(runner.read("env"), "");
    }
    // Typed by the parser: numbers in range, boolean words.
    for (var, value) in [
        ("INPUT_ROLE_DURATION_SECONDS", "60"),
        ("INPUT_RETRY_MAX_ATTEMPTS", "0"),
        ("INPUT_OUTPUT_CREDENTIALS", "maybe"),
    ] {
        let out = sb
            .cmd()
            .env("INPUT_ROLE_TO_ASSUME", ROLE)
            .env("INPUT_AWS_REGION", "eu-west-1")
            .env(var, value)
            .arg("github")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{var}: {}", stderr(&out));
        assert!(
            stderr(&out).starts_with("error: invalid value"),
            "{var}: {}",
            stderr(&out)
        );
    }
    // STS-only inputs on the Identity Center path.
    let runner = Runner::new();
    let out = sb
        .cmd()
        .envs(runner.vars(&sb))
        .env("INPUT_AWS_REGION", "eu-west-1")
        .env("INPUT_SSO_START_URL", START_URL)
        .env("INPUT_SSO_REGION", "us-east-1")
        .env("INPUT_SSO_ACCOUNT_ID", "111111111111")
        .env("INPUT_SSO_ROLE_NAME", "ReadOnly")
        .env("INPUT_INLINE_SESSION_POLICY", "{}")
        .arg("github")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out)
            .starts_with("error: inline-session-policy applies to role-to-assume (STS) only"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        sb.mock.total_requests(),
        0,
        "all checked before any request"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn retry_max_attempts_bounds_the_sts_exchange() {
    let sb = Sandbox::new().await;
    let run = |attempts: &str| {
        let runner = Runner::new();
        let out = sb
            .cmd()
            .envs(runner.vars(&sb))
            .env("INPUT_ROLE_TO_ASSUME", ROLE)
            .env("INPUT_AWS_REGION", "eu-west-1")
            .env("INPUT_RETRY_MAX_ATTEMPTS", attempts)
            .arg("github")
            .output()
            .unwrap();
        (out, runner)
    };
    // Each attempt is one call plus the client's own retries (3 in all): 4 failures outlast one
    // attempt but not two.
    sb.mock.fail_next(Op::AssumeRoleWithWebIdentity, 503, 4);
    let (out, _) = run("1");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(sts_forms(&sb).len(), 3);
    sb.mock.reset_counts();
    let (out, runner) = run("2");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(runner.read("env").contains("AWS_ACCESS_KEY_ID<<"));
}

#[tokio::test(flavor = "multi_thread")]
async fn special_characters_workaround_asks_until_the_secret_is_plain() {
    let sb = Sandbox::new().await;
    sb.mock.sts_plain_secrets_after(Some(2));
    let runner = Runner::new();
    let out = sb
        .cmd()
        .envs(runner.vars(&sb))
        .env("INPUT_ROLE_TO_ASSUME", ROLE)
        .env("INPUT_AWS_REGION", "eu-west-1")
        .env("INPUT_SPECIAL_CHARACTERS_WORKAROUND", "true")
        .arg("github")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        sts_forms(&sb).len(),
        3,
        "two answers with + and /, then a plain one"
    );
    let env: BTreeMap<_, _> = file_commands(&runner.read("env")).into_iter().collect();
    let secret = &env["AWS_SECRET_ACCESS_KEY"];
    assert!(
        secret.bytes().all(|b| b.is_ascii_alphanumeric()),
        "{secret}"
    );
    // Without enough attempts it fails and says so.
    sb.mock.sts_plain_secrets_after(Some(5));
    let runner = Runner::new();
    let out = sb
        .cmd()
        .envs(runner.vars(&sb))
        .env("INPUT_ROLE_TO_ASSUME", ROLE)
        .env("INPUT_AWS_REGION", "eu-west-1")
        .env("INPUT_SPECIAL_CHARACTERS_WORKAROUND", "true")
        .env("INPUT_RETRY_MAX_ATTEMPTS", "2")
        .arg("github")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with(
            "error: every one of 2 attempts returned a secret access key with special characters\n"
        ),
        "{}",
        stderr(&out)
    );
    assert_eq!(runner.read("env"), "");
}

#[tokio::test(flavor = "multi_thread")]
async fn unset_current_credentials_clears_earlier_exports() {
    let sb = Sandbox::new().await;
    let runner = Runner::new();
    let out = sb
        .cmd()
        .envs(runner.vars(&sb))
        .env("INPUT_ROLE_TO_ASSUME", ROLE)
        .env("INPUT_AWS_REGION", "eu-west-1")
        .env("INPUT_OUTPUT_ENV_CREDENTIALS", "false")
        .env("INPUT_UNSET_CURRENT_CREDENTIALS", "true")
        .arg("github")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let env: BTreeMap<_, _> = file_commands(&runner.read("env")).into_iter().collect();
    for name in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_CREDENTIAL_EXPIRATION",
    ] {
        assert_eq!(env[name], "", "{name}");
    }
    assert_eq!(env["AWS_REGION"], "eu-west-1");
}

/// Every file under `dir`, recursively.
fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn ci_mode_keeps_tokens_and_credentials_out_of_home() {
    let sb = Sandbox::new().await;
    let runner = Runner::new();
    let fixture =
        std::fs::read_to_string("tests/fixtures/awscli/awscli2_sso_login_token_cache.json")
            .unwrap();
    let v: serde_json::Value = serde_json::from_str(&fixture).unwrap();
    let access = v["accessToken"].as_str().unwrap().to_string();
    sb.mock.accept_access_token(&access, NOW + 3600);
    let run = |refresh: bool| {
        let mut cmd = sb.cmd();
        cmd.envs(runner.vars(&sb))
            .env("INPUT_SSO_START_URL", START_URL)
            .env("INPUT_SSO_REGION", "us-east-1")
            .env("INPUT_SSO_ACCOUNT_ID", "222222222222")
            .env("INPUT_SSO_ROLE_NAME", "ReadOnly")
            .env("INPUT_AWS_REGION", "eu-central-1")
            .arg("github");
        if refresh {
            cmd.arg("--refresh");
        } else {
            cmd.env("INPUT_SSO_TOKEN_CACHE", &fixture);
        }
        cmd.output().unwrap()
    };
    let out = run(false);
    assert!(out.status.success(), "{}", stderr(&out));
    // Nothing the job received or fetched stays in $HOME for later jobs on this runner.
    let secrets = [access.as_str(), v["refreshToken"].as_str().unwrap()];
    for f in all_files(sb.home()) {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        for s in secrets {
            assert!(!text.contains(s), "{} holds a secret", f.display());
        }
        assert!(
            !text.contains("SecretAccessKey"),
            "{} holds role credentials",
            f.display()
        );
    }
    // They live in RUNNER_TEMP, which the runner empties after the job.
    let temp_files = all_files(&runner.file("temp"));
    assert!(
        temp_files.iter().any(|f| std::fs::read_to_string(f)
            .unwrap_or_default()
            .contains(&access)),
        "{temp_files:?}"
    );
    // A later step of the same job still renews from there.
    let out = run(true);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_token_cache_input_is_never_echoed() {
    let sb = Sandbox::new().await;
    let runner = Runner::new();
    // Double-encoded: a JSON string holding the file, as a secret pasted through `toJSON` is.
    let fixture =
        std::fs::read_to_string("tests/fixtures/awscli/awscli2_sso_login_token_cache.json")
            .unwrap();
    let v: serde_json::Value = serde_json::from_str(&fixture).unwrap();
    let doubled = serde_json::to_string(&fixture).unwrap();
    for input in [
        doubled.as_str(),
        "{\"accessToken\": \"tok-SECRET-123\", \"expiresAt\": 5}",
    ] {
        let out = sb
            .cmd()
            .envs(runner.vars(&sb))
            .env("INPUT_SSO_START_URL", START_URL)
            .env("INPUT_SSO_REGION", "us-east-1")
            .env("INPUT_SSO_ACCOUNT_ID", "222222222222")
            .env("INPUT_SSO_ROLE_NAME", "ReadOnly")
            .env("INPUT_SSO_TOKEN_CACHE", input)
            .env("INPUT_AWS_REGION", "eu-central-1")
            .arg("github")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let all = format!("{}{}", stdout(&out), stderr(&out));
        for s in [
            v["accessToken"].as_str().unwrap(),
            v["refreshToken"].as_str().unwrap(),
            "tok-SECRET-123",
            "SECRET",
        ] {
            assert!(!all.contains(s), "echoed a secret: {all}");
        }
        assert!(
            stderr(&out)
                .starts_with("error: the sso-token-cache input is not an AWS CLI token cache file"),
            "{}",
            stderr(&out)
        );
    }
}
