//! `ssoexec -- COMMAND`: transparent, identity-safe, self-renewing with --renew.
use crate::support::mock::Op;
use crate::support::sandbox::*;
use std::collections::BTreeMap;

fn role_creds(sb: &Sandbox) -> serde_json::Value {
    let key = "{\"accountId\":\"111111111111\",\"roleName\":\"ReadOnly\",\"sessionName\":\"corp\"}";
    let v: serde_json::Value = serde_json::from_slice(
        &std::fs::read(sb.cli_cache().join(format!("{}.json", sha1_hex(key)))).unwrap(),
    )
    .unwrap();
    v["Credentials"].clone()
}

/// A child that prints its environment, one `NAME=value` a line: `env`, or cmd's `set` on Windows.
const PRINT_ENV: &[&str] = if cfg!(windows) {
    &["cmd", "/c", "set"]
} else {
    &["env"]
};

fn identity_vars(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .filter(|(k, _)| {
            (k.starts_with("AWS_") && !k.starts_with("AWS_ENDPOINT_URL"))
                || k.starts_with("SSOEXEC_PROFILE")
        })
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn child_sees_exactly_the_identity_variables() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let out = sb
        .cmd()
        .args(["--profile", "dev", "--"])
        .args(PRINT_ENV)
        .env("AWS_PROFILE", "other")
        .env("AWS_DEFAULT_PROFILE", "other")
        .env("AWS_ACCESS_KEY_ID", "AKIAOLDOLDOLD")
        .env("AWS_SECURITY_TOKEN", "old")
        .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let c = role_creds(&sb);
    let want: BTreeMap<String, String> = [
        ("AWS_ACCESS_KEY_ID", c["AccessKeyId"].as_str().unwrap()),
        (
            "AWS_SECRET_ACCESS_KEY",
            c["SecretAccessKey"].as_str().unwrap(),
        ),
        ("AWS_SESSION_TOKEN", c["SessionToken"].as_str().unwrap()),
        (
            "AWS_CREDENTIAL_EXPIRATION",
            c["Expiration"].as_str().unwrap(),
        ),
        ("AWS_REGION", "eu-west-1"),
        ("AWS_DEFAULT_REGION", "eu-west-1"),
        ("SSOEXEC_PROFILE", "dev"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(identity_vars(&stdout(&out)), want);
}

#[cfg_attr(not(target_os = "linux"), ignore = "reads /proc")]
#[tokio::test(flavor = "multi_thread")]
async fn secrets_never_reach_the_childs_argv() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let out = sb.run(&[
        "--profile",
        "dev",
        "--",
        "sh",
        "-c",
        "tr '\\0' ' ' < /proc/$$/cmdline",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "sh -c tr '\\0' ' ' < /proc/$$/cmdline ");
}

#[cfg_attr(
    windows,
    ignore = "needs sh (exit codes of a POSIX shell, a #! script)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn exit_codes_pass_through() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    for code in [0, 1, 7] {
        let out = sb.run(&[
            "--profile",
            "dev",
            "--",
            "sh",
            "-c",
            &format!("exit {code}"),
        ]);
        assert_eq!(out.status.code(), Some(code));
    }
    let out = sb.run(&["--profile", "dev", "--", "no-such-command-xyz"]);
    assert_eq!(out.status.code(), Some(127));
    assert_eq!(
        stderr(&out),
        "error: command not found: no-such-command-xyz\n"
    );
    let script = sb.home().join("not-executable.sh");
    std::fs::write(&script, "#!/bin/sh\necho hi\n").unwrap();
    let out = sb
        .cmd()
        .args(["--profile", "dev", "--"])
        .arg(&script)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(126));
    assert_eq!(
        stderr(&out),
        format!(
            "error: permission denied: {} is not executable\n",
            script.display()
        )
    );
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn signals_reach_the_child_because_it_is_the_process() {
    use std::os::unix::process::ExitStatusExt;
    let sb = Sandbox::new().await;
    sb.login("dev");
    for sig in [rustix::process::Signal::TERM, rustix::process::Signal::INT] {
        let signal = sig.as_raw();
        let mut child = sb
            .std_cmd()
            .args(["--profile", "dev", "--", "sleep", "30"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let pid = child.id();
        // Wait until ssoexec has replaced itself with `sleep` (same PID).
        sb.wait_until("ssoexec to become the child", || {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .unwrap_or_default()
                .starts_with(b"sleep\0")
        });
        let pid = rustix::process::Pid::from_raw(pid as i32).unwrap();
        rustix::process::kill_process(pid, sig).unwrap();
        let status = child.wait().unwrap();
        assert_eq!(
            status.signal(),
            Some(signal),
            "a shell reports this as {}",
            128 + signal
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn nested_environments_are_guarded() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let out = sb
        .cmd()
        .args(["--profile", "dev", "--"])
        .args(PRINT_ENV)
        .env("SSOEXEC_PROFILE", "prod")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: already inside an ssoexec environment for prod; refusing to run dev (role ReadOnly in account 111111111111, sso-session corp) credentials inside it\nhint: leave that environment first, or pass --force to replace its credentials\n"
    );
    let out = sb
        .cmd()
        .args(["--profile", "dev", "exec", "--force", "--"])
        .args(PRINT_ENV)
        .env("SSOEXEC_PROFILE", "prod")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(identity_vars(&stdout(&out))["SSOEXEC_PROFILE"], "dev");

    // Same profile: a pass-through that touches nothing and calls nothing.
    let before = sb.mock.total_requests();
    let out = sb
        .cmd()
        .args(["--profile", "dev", "--"])
        .args(PRINT_ENV)
        .env("SSOEXEC_PROFILE", "dev")
        .env("AWS_ACCESS_KEY_ID", "ASIAPARENT")
        .env("AWS_SECRET_ACCESS_KEY", "parent-secret")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        identity_vars(&stdout(&out)),
        BTreeMap::from([
            ("AWS_ACCESS_KEY_ID".to_string(), "ASIAPARENT".to_string()),
            (
                "AWS_SECRET_ACCESS_KEY".to_string(),
                "parent-secret".to_string()
            ),
            ("SSOEXEC_PROFILE".to_string(), "dev".to_string())
        ])
    );
    assert_eq!(sb.mock.total_requests(), before);
}

/// No command starts the shell (tests/it/shell.rs), but only with credentials: without a login
/// and without a terminal it fails like any exec, before a shell starts.
#[tokio::test(flavor = "multi_thread")]
async fn no_command_and_no_login_fails_before_the_shell_starts() {
    let sb = Sandbox::new().await;
    let out = sb
        .cmd()
        .args(["--profile", "dev"])
        .env("SHELL", "/bin/sh")
        .write_stdin("echo the shell started\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).starts_with("error: login required: no valid SSO token for sso-session corp"),
        "{}",
        stderr(&out)
    );
}

/// Pids of live processes whose environment names this sandbox's HOME and that run `serve`.
fn helpers_alive(sb: &Sandbox) -> Vec<u32> {
    let home = format!("HOME={}", sb.home().display());
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let env = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let zombie = stat
                .rsplit(')')
                .next()
                .is_some_and(|s| s.trim_start().starts_with('Z'));
            !zombie
                && String::from_utf8_lossy(&cmd).contains("serve\0--lifeline")
                && env.split(|b| *b == 0).any(|kv| kv == home.as_bytes())
        })
        .collect()
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs sh and curl (the child), and /proc (the helper's end)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn renew_serves_fresh_credentials_and_the_helper_dies_with_the_child() {
    let sb = Sandbox::new().await;
    sb.mock.set_role_credentials_ttl(120); // inside the 15-minute margin: every request renews
    sb.login("dev");
    let script = r#"
set -e
test -z "$AWS_ACCESS_KEY_ID"
get() { curl -s -H "Authorization: $1" -w ' %{http_code}\n' "$AWS_CONTAINER_CREDENTIALS_FULL_URI"; }
get "$AWS_CONTAINER_AUTHORIZATION_TOKEN"
get "$AWS_CONTAINER_AUTHORIZATION_TOKEN"
get wrong-token
curl -s -o /dev/null -w '%{http_code}\n' "$AWS_CONTAINER_CREDENTIALS_FULL_URI"
echo "$AWS_CONTAINER_CREDENTIALS_FULL_URI"
"#;
    let out = sb.run(&[
        "--profile",
        "dev",
        "exec",
        "--renew",
        "--",
        "sh",
        "-c",
        script,
    ]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    let doc = |l: &str| -> serde_json::Value {
        let (json, status) = l.rsplit_once(' ').unwrap();
        assert_eq!(status, "200", "{l}");
        serde_json::from_str(json).unwrap()
    };
    let (first, second) = (doc(lines[0]), doc(lines[1]));
    for d in [&first, &second] {
        let keys: Vec<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "AccessKeyId",
                "AccountId",
                "Expiration",
                "SecretAccessKey",
                "Token"
            ]
        );
        assert_eq!(d["Expiration"], fmt_epoch(NOW + 120));
    }
    assert_ne!(
        first["AccessKeyId"], second["AccessKeyId"],
        "the second request got renewed credentials"
    );
    assert!(lines[2].ends_with(" 403"), "{}", lines[2]);
    assert_eq!(lines[3], "403");
    assert!(lines[4].starts_with("http://127.0.0.1:"));
    assert!(sb.mock.count(Op::GetRoleCredentials) >= 3);

    sb.wait_until("the helper to exit", || helpers_alive(&sb).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_refuses_a_public_bind_without_a_token() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let out = sb.run(&["--profile", "dev", "serve", "--bind", "0.0.0.0:0"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: refusing to serve credentials on the non-loopback address 0.0.0.0:0 without a token you chose\nhint: set SSOEXEC_SERVE_TOKEN to a long random value (e.g. `openssl rand -hex 32`), or bind 127.0.0.1\n"
    );
}

#[cfg_attr(windows, ignore = "needs sh and curl (the child)")]
#[tokio::test(flavor = "multi_thread")]
async fn nested_exec_compares_the_whole_identity_not_the_profile_name() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let bin = assert_cmd::cargo::cargo_bin("ssoexec");
    let inner = format!("'{}' --profile dev -- env", bin.display());
    // The outer run overrides the role: the inner one, for the plain profile, is another identity.
    let out = sb
        .cmd()
        .args([
            "--profile",
            "dev",
            "--role-name",
            "Admin",
            "--",
            "sh",
            "-c",
            &inner,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_eq!(
        stdout(&out),
        "",
        "no credentials of the outer identity reach the inner command"
    );
    assert_eq!(
        stderr(&out),
        "error: already inside an ssoexec environment for dev (role Admin in account 111111111111, sso-session corp); refusing to run dev (role ReadOnly in account 111111111111, sso-session corp) credentials inside it\nhint: leave that environment first, or pass --force to replace its credentials\n"
    );
    // The same whole identity passes through untouched.
    let inner = format!("'{}' --profile dev --role-name Admin -- env", bin.display());
    let out = sb
        .cmd()
        .args([
            "--profile",
            "dev",
            "--role-name",
            "Admin",
            "--",
            "sh",
            "-c",
            &inner,
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        sb.mock.count(Op::GetRoleCredentials),
        1,
        "the outer Admin credentials come from the portal once, then from the cache"
    );
}

#[cfg(unix)]
#[cfg_attr(not(target_os = "linux"), ignore = "reads /proc (the helper's end)")]
#[tokio::test(flavor = "multi_thread")]
async fn the_renew_helper_outlives_a_child_that_closes_every_inherited_descriptor() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    // What daemons and `closefrom(3)` do, then use the server a while later.
    let script = r#"
import os, time
os.closerange(3, 65536)
time.sleep(1)
os.execvp("sh", ["sh", "-c", "curl -s -o /dev/null -w '%{http_code}\\n' -H \"Authorization: $AWS_CONTAINER_AUTHORIZATION_TOKEN\" \"$AWS_CONTAINER_CREDENTIALS_FULL_URI\""])
"#;
    let out = sb.run(&[
        "--profile",
        "dev",
        "exec",
        "--renew",
        "--",
        "python3",
        "-c",
        script,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "200\n", "{}", stderr(&out));
    sb.wait_until("the helper to exit with the child", || {
        helpers_alive(&sb).is_empty()
    });
}

/// A Ctrl-C typed at the terminal reaches the whole foreground process group: the child, which
/// may handle it and go on (terraform's graceful stop), and the `--renew` helper, which must go on
/// serving it. Here the child sends SIGINT to its group itself (ssoexec runs in a group of its
/// own, so nothing else gets it), then asks the helper for credentials.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn the_renew_helper_keeps_serving_a_child_that_survives_ctrl_c() {
    use std::os::unix::process::CommandExt;
    let sb = Sandbox::new().await;
    sb.login("dev");
    // The pause gives a helper that would die of the signal the time to do so.
    let script = r#"trap 'echo got-int' INT; kill -INT 0; sleep 0.5; curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: $AWS_CONTAINER_AUTHORIZATION_TOKEN" "$AWS_CONTAINER_CREDENTIALS_FULL_URI""#;
    let out = sb
        .std_cmd()
        .args([
            "--profile",
            "dev",
            "exec",
            "--renew",
            "--",
            "sh",
            "-c",
            script,
        ])
        .process_group(0)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "got-int\n200\n", "{}", stderr(&out));
}

/// Issue 18.13: a child that dies at once (SIGKILL, or exit leaving a background grandchild)
/// still takes the `--renew` helper with it, every time: the helper knows its parent before the
/// parent can exit. (Before, some helper was re-parented first and served on with no owner.)
// Signals, `sh` and `kill`: Unix only (Windows has no signals; its helper's lifeline is a pipe).
#[cfg(unix)]
#[cfg_attr(not(target_os = "linux"), ignore = "reads /proc (the helpers left)")]
#[tokio::test(flavor = "multi_thread")]
async fn the_renew_helper_dies_with_a_child_that_dies_at_once() {
    use std::os::unix::process::ExitStatusExt;
    let sb = Sandbox::new().await;
    sb.login("dev");
    for _ in 0..12 {
        // ssoexec exec's into the child: the child's end is ours (SIGKILL, exit 0).
        for (script, signal, code) in [
            ("kill -KILL $$", Some(9), None),
            ("(sleep 3 &); exit 0", None, Some(0)),
        ] {
            // Not piped: a helper that outlived its child would hold the pipe open.
            let status = sb
                .std_cmd()
                .args([
                    "--profile",
                    "dev",
                    "exec",
                    "--renew",
                    "--",
                    "sh",
                    "-c",
                    script,
                ])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .unwrap();
            assert_eq!((status.signal(), status.code()), (signal, code), "{script}");
        }
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut left = helpers_alive(&sb);
    while !left.is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
        left = helpers_alive(&sb);
    }
    for pid in &left {
        let _ = std::process::Command::new("kill")
            .arg(pid.to_string())
            .status();
    }
    assert!(left.is_empty(), "helpers outlived their child: {left:?}");
}

/// A command the OS refuses for another reason: our line, then the OS's reason as its cause.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_command_the_os_refuses_is_reported_with_the_reason_as_its_cause() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let looped = sb.home().join("loop");
    std::os::unix::fs::symlink(&looped, &looped).unwrap();
    let out = sb
        .cmd()
        .args(["--profile", "dev", "--"])
        .arg(&looped)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(126));
    let err = stderr(&out);
    let cause = format!("error: cannot run {}\n  caused by: ", looped.display());
    assert!(err.starts_with(&cause), "{err}");
    // ELOOP: 40 on Linux, 62 on macOS.
    assert!(
        err.ends_with(" (os error 40)\n") || err.ends_with(" (os error 62)\n"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 2, "{err}");
}
