//! one retrieval, many outputs. Whole-output checks per format, hostile values through
//! the real binary into the real parsers, multi-sink runs, merges, permissions, git warnings,
//! external plugins and the GitHub Actions format.
use crate::support::mock::Op;
use crate::support::sandbox::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
#[cfg_attr(not(unix), allow(unused_imports))] // Stdio: Unix-only tests (a FIFO)
use std::process::{Command, Stdio};

const A: &str = "ASIASEEDED0000000001";
const S: &str = "seeded/secret+value=0";
const T: &str = "seeded//session+token==";
const EXPIRES: &str = "2026-11-26T11:00:00Z";

/// The role-credential cache file of profile `dev` (account 111111111111, role ReadOnly, session corp).
fn role_file(sb: &Sandbox) -> PathBuf {
    let key = "{\"accountId\":\"111111111111\",\"roleName\":\"ReadOnly\",\"sessionName\":\"corp\"}";
    sb.cli_cache().join(format!("{}.json", sha1_hex(key)))
}

/// Puts credentials for `dev` in the role cache, valid for an hour: ssoexec serves them without
/// any request, which is how hostile values reach the real binary.
fn seed_role(sb: &Sandbox, akid: &str, secret: &str, token: &str) {
    let doc = serde_json::json!({"ProviderType": "sso", "Credentials": {
        "AccessKeyId": akid, "SecretAccessKey": secret, "SessionToken": token, "Expiration": fmt_epoch(NOW + 3600)}});
    std::fs::create_dir_all(sb.cli_cache()).unwrap();
    std::fs::write(role_file(sb), serde_json::to_vec(&doc).unwrap()).unwrap();
}

/// (key id, secret, token, expiration) as the role cache holds them.
fn cached(sb: &Sandbox) -> (String, String, String, String) {
    let v: Value = serde_json::from_slice(&std::fs::read(role_file(sb)).unwrap()).unwrap();
    let c = &v["Credentials"];
    let s = |k: &str| c[k].as_str().unwrap().to_string();
    (
        s("AccessKeyId"),
        s("SecretAccessKey"),
        s("SessionToken"),
        s("Expiration"),
    )
}

fn export(sb: &Sandbox, dir: &Path, args: &[&str]) -> std::process::Output {
    sb.cmd()
        .current_dir(dir)
        .args(["export", "--profile", "dev"])
        .args(args)
        .output()
        .unwrap()
}

fn ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstderr: {}",
        out.status.code(),
        stderr(out)
    );
    stdout(out)
}

fn read(p: impl AsRef<Path>) -> String {
    std::fs::read_to_string(p.as_ref()).unwrap_or_else(|e| panic!("{}: {e}", p.as_ref().display()))
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// Every variable line, in the CLI's order, for profile dev (region eu-west-1).
fn vars(a: &str, s: &str, t: &str, e: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ACCESS_KEY_ID", a.into()),
        ("AWS_SECRET_ACCESS_KEY", s.into()),
        ("AWS_SESSION_TOKEN", t.into()),
        ("AWS_CREDENTIAL_EXPIRATION", e.replace('Z', "+00:00")),
        ("AWS_REGION", "eu-west-1".into()),
        ("AWS_DEFAULT_REGION", "eu-west-1".into()),
    ]
}

fn lines(f: impl Fn(&str, &str) -> String) -> String {
    vars(A, S, T, EXPIRES)
        .iter()
        .map(|(k, v)| f(k, v))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_builtin_format_whole_output() {
    let sb = Sandbox::new().await;
    seed_role(&sb, A, S, T);
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(&str, String)> = vec![
        ("env", lines(|k, v| format!("export {k}={v}\n"))),
        ("env-no-export", lines(|k, v| format!("{k}={v}\n"))),
        ("fish", lines(|k, v| format!("set -gx {k} \"{v}\"\n"))),
        ("powershell", lines(|k, v| format!("$Env:{k}=\"{v}\"\n"))),
        ("windows-cmd", lines(|k, v| format!("set {k}={v}\n"))),
        ("dotenv", lines(|k, v| format!("{k}='{v}'\n"))),
        ("compose", lines(|k, v| format!("{k}={v}\n"))),
        (
            "process",
            format!(
                "{{\n  \"Version\": 1,\n  \"AccessKeyId\": \"{A}\",\n  \"SecretAccessKey\": \"{S}\",\n  \"SessionToken\": \"{T}\",\n  \"Expiration\": \"{EXPIRES}\",\n  \"AccountId\": \"111111111111\"\n}}\n"
            ),
        ),
        (
            "json",
            format!(
                "{{\n  \"AccessKeyId\": \"{A}\",\n  \"SecretAccessKey\": \"{S}\",\n  \"SessionToken\": \"{T}\",\n  \"Expiration\": \"{EXPIRES}\",\n  \"AccountId\": \"111111111111\",\n  \"RoleName\": \"ReadOnly\",\n  \"Region\": \"eu-west-1\",\n  \"Profile\": \"dev\"\n}}\n"
            ),
        ),
        (
            "ini",
            format!(
                "[dev]\naws_access_key_id = {A}\naws_secret_access_key = {S}\naws_session_token = {T}\nx_security_token_expires = {EXPIRES}\nregion = eu-west-1\n"
            ),
        ),
        (
            "compose-override",
            format!(
                "services:\n  app:\n    environment:\n{}",
                lines(|k, v| format!("    - {k}={v}\n"))
            ),
        ),
    ];
    for (format, want) in cases {
        let out = export(&sb, dir.path(), &["--format", format, "--service", "app"]);
        assert_eq!(ok(&out), want, "--format {format}");
        assert_eq!(
            stderr(&out),
            "",
            "--format {format} prints nothing on stderr"
        );
    }
    // No format at all: env lines, as for `eval "$(ssoexec export)"`.
    assert_eq!(
        ok(&export(&sb, dir.path(), &[])),
        lines(|k, v| format!("export {k}={v}\n"))
    );
    assert_eq!(
        sb.mock.total_requests(),
        0,
        "cached credentials need no request"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn stdout_carries_exactly_one_document() {
    let sb = Sandbox::new().await;
    seed_role(&sb, A, S, T);
    let dir = tempfile::tempdir().unwrap();
    let out = ok(&export(
        &sb,
        dir.path(),
        &["--emit", "json=-", "--emit", "dotenv=.env"],
    ));
    let mut docs = serde_json::Deserializer::from_str(&out).into_iter::<Value>();
    assert_eq!(docs.next().unwrap().unwrap()["AccessKeyId"], A);
    assert!(docs.next().is_none(), "{out}");

    let out = export(&sb, dir.path(), &["--format", "env", "--emit", "json=-"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("at most one sink may write to stdout"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn many_sinks_share_one_get_role_credentials() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    assert_eq!(sb.mock.count(Op::GetRoleCredentials), 0);
    let dir = tempfile::tempdir().unwrap();
    let out = export(
        &sb,
        dir.path(),
        &[
            "--emit",
            "dotenv=.env",
            "--emit",
            "compose=deploy.env",
            "--emit",
            "ini=credentials",
            "--emit",
            "env-no-export=plain.sh",
            "--emit",
            "json=-",
        ],
    );
    let json: Value = serde_json::from_str(&ok(&out)).unwrap();
    assert_eq!(sb.mock.count(Op::GetRoleCredentials), 1);
    let (a, s, t, e) = cached(&sb);
    assert_eq!(json["AccessKeyId"], a.as_str());
    assert_eq!(json["Expiration"], e.as_str());
    let v = vars(&a, &s, &t, &e);
    assert_eq!(
        read(dir.path().join(".env")),
        v.iter()
            .map(|(k, x)| format!("{k}='{x}'\n"))
            .collect::<String>()
    );
    assert_eq!(
        read(dir.path().join("deploy.env")),
        v.iter()
            .map(|(k, x)| format!("{k}={x}\n"))
            .collect::<String>()
    );
    assert_eq!(
        read(dir.path().join("plain.sh")),
        v.iter()
            .map(|(k, x)| format!("{k}={x}\n"))
            .collect::<String>()
    );
    assert!(
        read(dir.path().join("credentials")).contains(&format!("aws_secret_access_key = {s}\n"))
    );
    let err = stderr(&out);
    for f in [
        ".env (dotenv)",
        "deploy.env (compose)",
        "credentials (ini)",
        "plain.sh (env-no-export)",
    ] {
        assert!(err.contains(&format!("Wrote {f}.")), "{err}");
    }
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn files_are_0600_and_parent_must_exist() {
    let sb = Sandbox::new().await;
    seed_role(&sb, A, S, T);
    let dir = tempfile::tempdir().unwrap();
    let existing = dir.path().join(".env");
    std::fs::write(&existing, "DEBUG=1\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&existing, std::fs::Permissions::from_mode(0o644)).unwrap();
    ok(&export(
        &sb,
        dir.path(),
        &[
            "--emit",
            "dotenv=.env",
            "--format",
            "json",
            "--output",
            "creds.json",
        ],
    ));
    assert_eq!(mode(&existing), 0o600);
    assert_eq!(mode(&dir.path().join("creds.json")), 0o600);

    let out = export(
        &sb,
        dir.path(),
        &[
            "--emit",
            "dotenv=missing/dir/.env",
            "--emit",
            "json=other.json",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let missing = dir.path().join("missing").join("dir");
    assert_eq!(
        stderr(&out),
        "error: cannot write missing/dir/.env: the directory missing/dir does not exist\nhint: create it first (mkdir -p missing/dir)\n"
    );
    assert!(!missing.exists(), "no directory is created");
    assert!(
        !dir.path().join("other.json").exists(),
        "no sink is written when one is invalid"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_sink_fails_before_any_request() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["--emit", "dotenv=nowhere/.env"][..],
        &["--emit", "nosuchformat=x"],
        &["--emit", "env"],
        &["--format", "compose-override"],
    ] {
        let out = export(&sb, dir.path(), args);
        assert!(!out.status.success(), "{args:?}");
    }
    assert_eq!(sb.mock.count(Op::GetRoleCredentials), 0);
    let out = export(&sb, dir.path(), &["--emit", "nosuchformat=x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("error: unknown format `nosuchformat`: not one of process, json, env, env-no-export, fish, powershell, windows-cmd, dotenv, compose, compose-override, ini, github, exec-credential and no `ssoexec-format-nosuchformat` on PATH\n"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn merges_keep_the_users_lines() {
    let sb = Sandbox::new().await;
    seed_role(&sb, A, S, T);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join(".env"),
        "# my app\nDEBUG=1\nAWS_ACCESS_KEY_ID=old\nAWS_SESSION_TOKEN='old\nmultiline'\nPORT=8080\n",
    )
    .unwrap();
    std::fs::write(
        d.join("aws.env"),
        "LOG: debug\nexport AWS_SECRET_ACCESS_KEY=\"old\"\n",
    )
    .unwrap();
    std::fs::write(d.join("credentials"), "[default]\naws_access_key_id = KEEP\n\n[dev]\naws_access_key_id = OLD\n\n[prod]\naws_access_key_id = P\n").unwrap();
    std::fs::write(d.join("override.yaml"), "services:\n  app:\n    image: myapp\n    environment:\n      DEBUG: '1'\n      AWS_ACCESS_KEY_ID: old\n").unwrap();
    ok(&export(
        &sb,
        d,
        &[
            "--emit",
            "dotenv=.env",
            "--emit",
            "compose=aws.env",
            "--emit",
            "ini=credentials",
            "--emit",
            "compose-override=override.yaml",
            "--service",
            "app",
        ],
    ));

    let dotenv_block = lines(|k, v| format!("{k}='{v}'\n"));
    assert_eq!(
        read(d.join(".env")),
        format!("# my app\nDEBUG=1\n{dotenv_block}PORT=8080\n")
    );
    let compose_block = lines(|k, v| format!("{k}={v}\n"));
    assert_eq!(
        read(d.join("aws.env")),
        format!("LOG: debug\n{compose_block}")
    );
    assert_eq!(
        read(d.join("credentials")),
        format!(
            "[default]\naws_access_key_id = KEEP\n\n[dev]\naws_access_key_id = {A}\naws_secret_access_key = {S}\naws_session_token = {T}\nx_security_token_expires = {EXPIRES}\nregion = eu-west-1\n\n[prod]\naws_access_key_id = P\n"
        )
    );
    assert_eq!(
        read(d.join("override.yaml")),
        format!(
            "services:\n  app:\n    image: myapp\n    environment:\n    - DEBUG=1\n{}",
            lines(|k, v| format!("    - {k}={v}\n"))
        )
    );

    // Running again changes nothing.
    let before: Vec<String> = [".env", "aws.env", "credentials", "override.yaml"]
        .iter()
        .map(|f| read(d.join(f)))
        .collect();
    ok(&export(
        &sb,
        d,
        &[
            "--emit",
            "dotenv=.env",
            "--emit",
            "compose=aws.env",
            "--emit",
            "ini=credentials",
            "--emit",
            "compose-override=override.yaml",
            "--service",
            "app",
        ],
    ));
    let after: Vec<String> = [".env", "aws.env", "credentials", "override.yaml"]
        .iter()
        .map(|f| read(d.join(f)))
        .collect();
    assert_eq!(before, after);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_of_another_kind_is_not_clobbered() {
    let sb = Sandbox::new().await;
    seed_role(&sb, A, S, T);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::write(&config, "[profile dev]\nregion = eu-west-1\n").unwrap();
    let out = export(&sb, dir.path(), &["--emit", "json=config"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: config exists and does not look like credentials; not replacing it\nhint: pass --force to replace it\n"
    );
    assert_eq!(read(&config), "[profile dev]\nregion = eu-west-1\n");
    // Our own earlier output is replaced without fuss; --force replaces anything.
    ok(&export(&sb, dir.path(), &["--emit", "json=creds.json"]));
    ok(&export(&sb, dir.path(), &["--emit", "json=creds.json"]));
    ok(&export(
        &sb,
        dir.path(),
        &["--emit", "json=config", "--force"],
    ));
    assert!(read(&config).contains(A));
}

#[cfg_attr(windows, ignore = "needs git")]
#[tokio::test(flavor = "multi_thread")]
async fn git_warns_about_a_secrets_file_it_would_commit() {
    let sb = Sandbox::new().await;
    seed_role(&sb, A, S, T);
    let repo = tempfile::tempdir().unwrap();
    let repo_path = std::fs::canonicalize(repo.path()).unwrap();
    let git = Command::new("git")
        .args(["init", "-q"])
        .current_dir(&repo_path)
        .status()
        .expect("git is needed for this test");
    assert!(git.success());
    std::fs::create_dir(repo_path.join("deploy")).unwrap();

    let out = export(&sb, &repo_path, &["--emit", "dotenv=deploy/aws.env"]);
    ok(&out);
    assert_eq!(
        stderr(&out),
        format!(
            "warning: deploy/aws.env holds secrets and git would commit it: add `/deploy/aws.env` to {} (--force silences this)\nWrote deploy/aws.env (dotenv).\n",
            repo_path.join(".gitignore").display()
        )
    );
    let out = export(
        &sb,
        &repo_path,
        &["--emit", "dotenv=deploy/aws.env", "--force"],
    );
    assert_eq!(stderr(&out), "Wrote deploy/aws.env (dotenv).\n");
    std::fs::write(repo_path.join(".gitignore"), "*.env\n").unwrap();
    let out = export(&sb, &repo_path, &["--emit", "dotenv=deploy/aws.env"]);
    assert_eq!(stderr(&out), "Wrote deploy/aws.env (dotenv).\n");
    let outside = tempfile::tempdir().unwrap();
    let out = export(&sb, outside.path(), &["--emit", "dotenv=.env"]);
    assert_eq!(stderr(&out), "Wrote .env (dotenv).\n");
}

// ---------------------------------------------------------------------------------------------
// Hostile values, end to end: the role cache holds them, the binary writes them, real parsers
// read them back.

/// Key id, secret and token that exercise quotes, `$`, backticks, backslashes, `#`, `=`, spaces
/// and newlines, and would run `touch PWNED` if anything evaluated them.
const HOSTILE_SH: [&str; 3] = [
    "AKIA $(touch PWNED) `touch PWNED`",
    "it's \"quoted\" \\back\\slash\\ #hash =eq\n$HOME ${HOME}",
    "' ; touch PWNED ; '\n\ttab  ",
];

fn npm_root() -> String {
    let out = Command::new("npm")
        .args(["root", "-g"])
        .output()
        .expect("npm is needed (see .ci/run)");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Runs a reader in `dir` with a clean environment; its stdout.
fn reader(dir: &Path, program: &str, args: &[&str], extra_env: &[(&str, &str)]) -> Vec<u8> {
    let mut cmd = Command::new(program);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap())
        .env("HOME", dir)
        .current_dir(dir)
        .args(args);
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{program} is needed for this test ({e}); see .ci/run"));
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !dir.join("PWNED").exists(),
        "{program} ran a command hidden in a value"
    );
    out.stdout
}

fn aws_vars_env0(bytes: &[u8]) -> BTreeMap<String, String> {
    String::from_utf8(bytes.to_vec())
        .unwrap()
        .split('\0')
        .filter_map(|e| e.split_once('='))
        .filter(|(k, _)| k.starts_with("AWS_"))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn aws_vars_json(bytes: &[u8]) -> BTreeMap<String, String> {
    let m: BTreeMap<String, Value> = serde_json::from_slice(bytes).unwrap();
    m.into_iter()
        .filter(|(k, _)| k.starts_with("AWS_"))
        .map(|(k, v)| (k, v.as_str().unwrap().to_string()))
        .collect()
}

fn expected(values: [&str; 3]) -> BTreeMap<String, String> {
    vars(values[0], values[1], values[2], EXPIRES)
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs bash, fish and docker compose (scripts/install-test-tools.sh)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn hostile_values_survive_sh_eval_fish_and_compose() {
    let sb = Sandbox::new().await;
    seed_role(&sb, HOSTILE_SH[0], HOSTILE_SH[1], HOSTILE_SH[2]);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let want = expected(HOSTILE_SH);

    let env = ok(&export(
        &sb,
        d,
        &[
            "--format",
            "env",
            "--emit",
            "env-no-export=plain.sh",
            "--emit",
            "fish=env.fish",
            "--emit",
            "compose=aws.env",
        ],
    ));
    std::fs::write(d.join("env.sh"), &env).unwrap();
    assert_eq!(
        aws_vars_env0(&reader(
            d,
            "bash",
            &["-c", "eval \"$(cat env.sh)\" && env -0"],
            &[]
        )),
        want,
        "bash eval"
    );
    assert_eq!(
        aws_vars_env0(&reader(d, "sh", &["-c", ". ./env.sh && env -0"], &[])),
        want,
        "sh ."
    );
    assert_eq!(
        aws_vars_env0(&reader(
            d,
            "bash",
            &["-c", "set -a; . ./plain.sh && env -0"],
            &[]
        )),
        want,
        "env-no-export"
    );
    assert_eq!(
        aws_vars_env0(&reader(
            d,
            "fish",
            &["--no-config", "-c", "source env.fish; and env -0"],
            &[]
        )),
        want,
        "fish"
    );

    std::fs::write(
        d.join("compose.yaml"),
        "services:\n  app:\n    image: scratch\n    env_file: [aws.env]\n",
    )
    .unwrap();
    let doc: Value = serde_json::from_slice(&reader(
        d,
        "docker-compose",
        &["config", "--format", "json"],
        &[],
    ))
    .unwrap();
    let got: BTreeMap<String, String> = doc["services"]["app"]["environment"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().replace("$$", "$")))
        .collect();
    assert_eq!(got, want, "docker compose env_file");
}

/// Hostile in every way the three dotenv readers agree on (see src/output/dotenv.rs).
const HOSTILE_DOTENV: [&str; 3] = [
    "AKIA $(touch PWNED) `touch PWNED` #x",
    "\"quoted\" \\back\\slash #hash =eq\n$HOME $(id)",
    "it's #1 = ok\n  spaced  ",
];

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs bash, python-dotenv and npm dotenv (scripts/install-test-tools.sh)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn hostile_values_survive_python_dotenv_npm_dotenv_and_sh() {
    let sb = Sandbox::new().await;
    seed_role(&sb, HOSTILE_DOTENV[0], HOSTILE_DOTENV[1], HOSTILE_DOTENV[2]);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let want = expected(HOSTILE_DOTENV);
    ok(&export(&sb, d, &["--emit", "dotenv=.env"]));
    assert_eq!(
        aws_vars_env0(&reader(
            d,
            "bash",
            &["-c", "set -a; . ./.env && env -0"],
            &[]
        )),
        want,
        "bash set -a"
    );
    let py =
        "import json\nfrom dotenv import dotenv_values\nprint(json.dumps(dotenv_values('.env')))";
    assert_eq!(
        aws_vars_json(&reader(d, "python3", &["-c", py], &[])),
        want,
        "python-dotenv"
    );
    let js = "process.stdout.write(JSON.stringify(require('dotenv').parse(require('fs').readFileSync('.env'))))";
    assert_eq!(
        aws_vars_json(&reader(
            d,
            "node",
            &["-e", js],
            &[("NODE_PATH", &npm_root())]
        )),
        want,
        "npm dotenv"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn formats_that_cannot_carry_a_value_say_which_and_write_nothing() {
    let sb = Sandbox::new().await;
    seed_role(&sb, A, "it's ${HOME} 100%", "50%\nmore");
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "dotenv",
            "error: the dotenv format cannot carry the value of AWS_SECRET_ACCESS_KEY: python-dotenv expands ${...} in every kind of quote and has no escape for it\nhint: the env, json and compose formats carry any value\n",
        ),
        (
            "windows-cmd",
            "error: the windows-cmd format cannot carry the value of AWS_SECRET_ACCESS_KEY: cmd interprets % ! ^ & | < > and \" in a set line; use the powershell format\nhint: the env, json and compose formats carry any value\n",
        ),
        (
            "ini",
            "error: the ini format cannot carry the value of aws_session_token: an ini value cannot span lines\nhint: the env, json and compose formats carry any value\n",
        ),
    ];
    for (format, want) in cases {
        let out = export(
            &sb,
            dir.path(),
            &[
                "--emit",
                &format!("{format}=out.{format}"),
                "--emit",
                "json=also.json",
            ],
        );
        assert_eq!(out.status.code(), Some(1), "{format}");
        assert_eq!(stderr(&out), want, "{format}");
        assert_eq!(stdout(&out), "");
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing is written when one sink fails"
    );
}

/// `--emit ini=~/.aws/credentials` lands under HOME (the shell does not expand `~` after `=`),
/// and botocore resolves the profile from it: keys, token and region.
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs python3 with botocore (scripts/install-test-tools.sh)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn ini_profile_in_the_shared_credentials_file_is_what_botocore_uses() {
    let sb = Sandbox::new().await;
    seed_role(&sb, A, "secret/with=odd+chars%and'quote\"", T);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        sb.home().join(".aws").join("credentials"),
        "[other]\naws_access_key_id = KEEP\naws_secret_access_key = KEEP\n",
    )
    .unwrap();
    let out = export(
        &sb,
        dir.path(),
        &["--emit", "ini=~/.aws/credentials", "--ini-profile", "ci"],
    );
    assert!(
        stderr(&out).contains(&format!(
            "Wrote {} (ini).",
            sb.home().join(".aws").join("credentials").display()
        )),
        "{}",
        stderr(&out)
    );
    let empty_config = dir.path().join("empty-config");
    std::fs::write(&empty_config, "").unwrap();
    let py = "import json, botocore.session\n\
              s = botocore.session.Session(profile='ci')\n\
              c = s.get_credentials()\n\
              print(json.dumps([c.access_key, c.secret_key, c.token, s.get_config_variable('region')]))";
    let home = sb.home().display().to_string();
    let config = empty_config.display().to_string();
    let got: Vec<String> = serde_json::from_slice(&reader(
        dir.path(),
        "python3",
        &["-c", py],
        &[("HOME", &home), ("AWS_CONFIG_FILE", &config)],
    ))
    .unwrap();
    assert_eq!(
        got,
        [A, "secret/with=odd+chars%and'quote\"", T, "eu-west-1"]
    );
    assert!(
        read(sb.home().join(".aws").join("credentials"))
            .starts_with("[other]\naws_access_key_id = KEEP\n")
    );

    // Without a profile there is no section name to guess.
    let out = sb
        .cmd()
        .current_dir(dir.path())
        .args([
            "export",
            "--start-url",
            START_URL,
            "--sso-region",
            "us-east-1",
            "--account-id",
            "111111111111",
            "--role-name",
            "ReadOnly",
            "--emit",
            "ini=x",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out)
            .starts_with("error: the ini format needs a section name: pass --ini-profile NAME"),
        "{}",
        stderr(&out)
    );
}

// ---------------------------------------------------------------------------------------------
// External plugins

fn plugin_path() -> String {
    let plugins = Path::new(env!("CARGO_MANIFEST_DIR")).join("plugins");
    format!("{}:{}", plugins.display(), std::env::var("PATH").unwrap())
}

#[cfg_attr(windows, ignore = "needs sh (the plugin is a script)")]
#[tokio::test(flavor = "multi_thread")]
async fn tfvars_plugin_writes_through_the_protocol() {
    let sb = Sandbox::new().await;
    seed_role(&sb, A, "s${var.x}\"\\q", T);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("aws.auto.tfvars"),
        "instance_type = \"t3.micro\"\naws_region = \"old\"\n",
    )
    .unwrap();
    let out = sb
        .cmd()
        .current_dir(dir.path())
        .env("PATH", plugin_path())
        .args([
            "export",
            "--profile",
            "dev",
            "--emit",
            "tfvars=aws.auto.tfvars",
            "--emit",
            "tfvars=-",
        ])
        .output();
    // Two sinks of one plugin are fine; stdout gets the fresh document, the file the merged one.
    let out = out.unwrap();
    let block = format!(
        "aws_access_key_id         = \"{A}\"\naws_secret_access_key     = \"s$${{var.x}}\\\"\\\\q\"\naws_session_token         = \"{T}\"\naws_credential_expiration = \"{EXPIRES}\"\naws_region                = \"eu-west-1\"\n"
    );
    assert_eq!(ok(&out), block);
    assert_eq!(
        read(dir.path().join("aws.auto.tfvars")),
        format!("instance_type = \"t3.micro\"\n{block}")
    );
    assert_eq!(stderr(&out), "Wrote aws.auto.tfvars (tfvars).\n");
    #[cfg(unix)]
    assert_eq!(mode(&dir.path().join("aws.auto.tfvars")), 0o600);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_failing_plugin_is_named_and_nothing_is_written() {
    use std::os::unix::fs::PermissionsExt;
    let sb = Sandbox::new().await;
    seed_role(&sb, A, S, T);
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let plugin = bin.join("ssoexec-format-broken");
    // Reads the request (to prove it got one) and fails.
    std::fs::write(
        &plugin,
        "#!/bin/sh\nread -r line\necho \"cannot render: got ${#line} bytes\" >&2\nexit 3\n",
    )
    .unwrap();
    std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let out = sb
        .cmd()
        .current_dir(dir.path())
        .env("PATH", &path)
        .args([
            "export",
            "--profile",
            "dev",
            "--emit",
            "dotenv=.env",
            "--emit",
            "broken=out.txt",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.starts_with(&format!("error: format plugin ssoexec-format-broken ({}) failed with exit code 3: cannot render: got ", plugin.display())), "{err}");
    assert!(
        err.ends_with(" bytes\nhint: the plugin protocol is described in plugins/README.md\n"),
        "{err}"
    );
    assert!(!dir.path().join(".env").exists() && !dir.path().join("out.txt").exists());
}

// ---------------------------------------------------------------------------------------------
// GitHub Actions

/// Reads a file-command file as the runner does: `NAME<<DELIM` … `DELIM` heredocs, or `NAME=VALUE`.
fn parse_file_commands(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = text.split('\n');
    while let Some(line) = lines.next() {
        if line.is_empty() {
            continue;
        }
        if let Some((name, delim)) = line.split_once("<<") {
            let mut value = Vec::new();
            for l in lines.by_ref() {
                if l == delim {
                    break;
                }
                value.push(l);
            }
            out.push((name.to_string(), value.join("\n")));
        } else {
            let (k, v) = line.split_once('=').unwrap();
            out.push((k.to_string(), v.to_string()));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn github_masks_then_env_and_outputs() {
    let sb = Sandbox::new().await;
    let secret = "multi\nline%secret";
    seed_role(&sb, A, secret, T);
    let dir = tempfile::tempdir().unwrap();
    let env_file = dir.path().join("github_env");
    let out_file = dir.path().join("github_output");
    std::fs::write(&env_file, "EARLIER=1\n").unwrap();
    let out = sb
        .cmd()
        .env("GITHUB_ENV", &env_file)
        .env("GITHUB_OUTPUT", &out_file)
        .args(["export", "--profile", "dev", "--format", "github"])
        .output()
        .unwrap();
    assert_eq!(
        ok(&out),
        format!("::add-mask::{A}\n::add-mask::multi%0Aline%25secret\n::add-mask::{T}\n")
    );
    assert_eq!(stderr(&out), "");
    let env = parse_file_commands(&read(&env_file));
    let want: Vec<(String, String)> = std::iter::once(("EARLIER".to_string(), "1".to_string()))
        .chain(
            vars(A, secret, T, EXPIRES)
                .into_iter()
                .map(|(k, v)| (k.to_string(), v)),
        )
        .collect();
    assert_eq!(env, want);
    assert!(
        read(&env_file).contains("AWS_ACCESS_KEY_ID<<ghadelimiter_"),
        "heredoc form"
    );
    let outputs = parse_file_commands(&read(&out_file));
    assert_eq!(
        outputs,
        [
            ("aws-account-id", "111111111111"),
            ("aws-region", "eu-west-1"),
            ("aws-expiration", EXPIRES)
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
    );

    // Outside Actions it says what is missing; a file destination is a usage error.
    let out = sb.run(&["export", "--profile", "dev", "--format", "github"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with(
            "error: the github format runs in a GitHub Actions step, but GITHUB_ENV is not set\n"
        ),
        "{}",
        stderr(&out)
    );
    let out = sb
        .cmd()
        .env("GITHUB_ENV", &env_file)
        .args(["export", "--profile", "dev", "--emit", "github=x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// The runner hides only values it was told about before it saw them: every mask must be on
/// stdout before `$GITHUB_ENV` is even opened. `$GITHUB_ENV` is a FIFO here, so opening it blocks
/// ssoexec until this test has read the masks.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn github_masks_reach_stdout_before_any_value_is_written() {
    use std::io::{BufRead, Read};
    let sb = Sandbox::new().await;
    seed_role(&sb, A, S, T);
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("github_env");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let mut child = sb
        .std_cmd()
        .env("GITHUB_ENV", &fifo)
        .env("GITHUB_OUTPUT", dir.path().join("out"))
        .args(["export", "--profile", "dev", "--format", "github"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut masks = Vec::new();
        for line in std::io::BufReader::new(stdout).lines() {
            masks.push(line.unwrap());
            if masks.len() == 3 {
                tx.send(masks.clone()).unwrap();
            }
        }
    });
    let masks = match rx.recv_timeout(std::time::Duration::from_secs(30)) {
        Ok(m) => m,
        Err(_) => {
            let _ = child.kill();
            panic!("the masks did not reach stdout before $GITHUB_ENV was opened");
        }
    };
    assert_eq!(
        masks,
        [
            format!("::add-mask::{A}"),
            format!("::add-mask::{S}"),
            format!("::add-mask::{T}")
        ]
    );
    let mut env_text = String::new();
    std::fs::File::open(&fifo)
        .unwrap()
        .read_to_string(&mut env_text)
        .unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(parse_file_commands(&env_text).len(), 6);
}

/// Credential values are written bare in the compose format, so a compose file that reads the
/// env file literally (`format: raw`) gets the same values as the default (interpolating) reader.
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs docker compose (scripts/install-test-tools.sh)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn compose_env_file_reads_the_same_with_format_raw() {
    let sb = Sandbox::new().await;
    seed_role(&sb, A, S, T);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&export(
        &sb,
        d,
        &["--format", "compose", "--output", "aws.env"],
    ));
    std::fs::write(
        d.join("compose.yaml"),
        "services:\n  raw:\n    image: scratch\n    env_file:\n      - path: aws.env\n        format: raw\n  default:\n    image: scratch\n    env_file: [aws.env]\n",
    )
    .unwrap();
    let doc: Value = serde_json::from_slice(&reader(
        d,
        "docker-compose",
        &["config", "--format", "json"],
        &[],
    ))
    .unwrap();
    let want = expected([A, S, T]);
    for service in ["raw", "default"] {
        let got: BTreeMap<String, String> = doc["services"][service]["environment"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().replace("$$", "$")))
            .collect();
        assert_eq!(got, want, "docker compose env_file ({service})");
    }
}

/// What is at `p`: "fifo", "socket", "char device", "file", or "absent".
#[cfg(unix)]
fn kind(p: &std::path::Path) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    match std::fs::symlink_metadata(p) {
        Err(_) => "absent",
        Ok(m) if m.file_type().is_fifo() => "FIFO",
        Ok(m) if m.file_type().is_socket() => "socket",
        Ok(m) if m.file_type().is_char_device() => "char device",
        Ok(m) if m.is_file() => "file",
        Ok(_) => "other",
    }
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn export_refuses_fifos_sockets_and_device_nodes() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let socket = dir.path().join("socket");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let mut specials = vec![(fifo, "FIFO"), (socket, "socket")];
    // A device node of our own (root only): ssoexec must not replace it.
    let device = dir.path().join("null");
    let made = std::process::Command::new("mknod")
        .arg(&device)
        .args(["c", "1", "3"])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if made {
        specials.push((device, "char device"));
    }
    for (path, what) in &specials {
        for args in [
            vec!["--format", "env", "--output"],
            vec!["--emit"],
            vec!["--format", "dotenv", "--output"],
        ] {
            let target = if args[0] == "--emit" {
                format!("dotenv={}", path.display())
            } else {
                path.display().to_string()
            };
            let out = sb
                .cmd()
                .args(["export", "--profile", "dev"])
                .args(&args)
                .arg(&target)
                .timeout(std::time::Duration::from_secs(20))
                .output()
                .unwrap();
            assert_eq!(
                out.status.code(),
                Some(1),
                "{what} {args:?}: {}",
                stderr(&out)
            );
            assert_eq!(stdout(&out), "");
            assert_eq!(
                stderr(&out),
                format!(
                    "error: cannot write {}: it is a {what}, not a regular file\nhint: name a regular file, or - for stdout\n",
                    path.display()
                ),
                "{args:?}"
            );
            assert_eq!(kind(path), *what, "{} was replaced", path.display());
        }
    }
}
