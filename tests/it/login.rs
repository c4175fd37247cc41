//! PKCE, flow choice, the one-login guarantee, background callers, logout, status.
use crate::support::mock::Op;
use crate::support::sandbox::*;
use serde_json::Value;
use std::process::{Output, Stdio};

#[tokio::test(flavor = "multi_thread")]
async fn pkce_login_happy_path() {
    let sb = Sandbox::new().await;
    let out = sb.run(&["login", "--profile", "dev", "--pkce"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert_eq!(sb.mock.count(Op::Authorize), 1);
    assert_eq!(sb.mock.count(Op::CreateTokenAuthCode), 1);
    assert_eq!(sb.mock.count(Op::StartDeviceAuthorization), 0);
    assert_eq!(sb.browser_opens(), 1);
    let reg = sb
        .mock
        .requests()
        .into_iter()
        .find(|r| r.op == Op::RegisterClient)
        .unwrap();
    let body: Value = serde_json::from_str(&reg.body).unwrap();
    assert_eq!(
        body["grantTypes"],
        serde_json::json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(
        body["redirectUris"],
        serde_json::json!(["http://127.0.0.1/oauth/callback"])
    );
    assert_eq!(body["issuerUrl"], START_URL);
    let auth = sb
        .mock
        .requests()
        .into_iter()
        .find(|r| r.op == Op::Authorize)
        .unwrap();
    let keys: Vec<String> = url::form_urlencoded::parse(auth.query.as_bytes())
        .map(|(k, _)| k.into_owned())
        .collect();
    assert_eq!(
        keys,
        [
            "response_type",
            "client_id",
            "redirect_uri",
            "state",
            "code_challenge_method",
            "scopes",
            "code_challenge"
        ]
    );
    let token: Value =
        serde_json::from_slice(&std::fs::read(sb.token_file("corp")).unwrap()).unwrap();
    assert!(token["refreshToken"].as_str().is_some());
    // A later device-code login re-registers (a different kind of client), as the CLI does.
    sb.login("dev");
    assert_eq!(sb.mock.count(Op::RegisterClient), 2);
}

/// The sandbox's fake browser with `flag` (examples/fake_browser.rs): `--idle` notes the URL
/// and approves nothing; `--forge-state` visits it with a forged `state`.
fn browser_with(sb: &Sandbox, flag: &str) -> String {
    format!("{} {flag}", sb.fake_browser())
}

#[tokio::test(flavor = "multi_thread")]
async fn pkce_ignores_a_callback_with_the_wrong_state() {
    let sb = Sandbox::new().await;
    let browser = browser_with(&sb, "--forge-state");
    let out = sb
        .cmd()
        .args(["login", "--profile", "dev", "--pkce"])
        .env("BROWSER", browser)
        .env("SSOEXEC_LOGIN_TIMEOUT", "3")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    // The forged callback neither ends nor completes the login: it waits for the real one.
    assert!(
        stderr(&out).contains("error: no sign-in arrived within 3 s\n"),
        "{}",
        stderr(&out)
    );
    assert_eq!(sb.mock.count(Op::CreateTokenAuthCode), 0);
    assert!(!sb.token_file("corp").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn denied_logins_fail_cleanly_in_both_flows() {
    let sb = Sandbox::new().await;
    sb.mock.deny_next_approval();
    let out = sb.run(&["login", "--profile", "dev", "--pkce"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("error: the browser reported a failed sign-in: access_denied"),
        "{}",
        stderr(&out)
    );
    sb.mock.deny_next_approval();
    let out = sb.run(&["login", "--profile", "dev", "--device-code"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).ends_with("error: the sign-in request was denied in the browser\nhint: run `ssoexec login --profile dev` to try again\n"), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread")]
async fn unanswered_logins_time_out() {
    let sb = Sandbox::new().await;
    let idle = browser_with(&sb, "--idle");
    let out = sb
        .cmd()
        .args(["login", "--profile", "dev", "--pkce"])
        .env("BROWSER", &idle)
        .env("SSOEXEC_LOGIN_TIMEOUT", "2")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("error: no sign-in arrived within 2 s\n"),
        "{}",
        stderr(&out)
    );
    let out = sb
        .cmd()
        .args(["login", "--profile", "dev", "--device-code"])
        .env("BROWSER", &idle)
        .env("SSOEXEC_LOGIN_TIMEOUT", "2")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("error: the sign-in code expired before it was approved\n"),
        "{}",
        stderr(&out)
    );
    // The service itself says the code expired (ExpiredTokenException) while we poll.
    let child = sb
        .std_cmd()
        .args(["login", "--profile", "dev", "--device-code"])
        .env("BROWSER", &idle)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    sb.wait_until("the login to start", || {
        sb.mock.count(Op::StartDeviceAuthorization) == 2
    });
    sb.mock.expire_device_codes();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("error: the sign-in code expired before it was approved\n"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn slow_down_is_honoured() {
    let sb = Sandbox::new().await;
    sb.mock.slow_down_next(1);
    let started = std::time::Instant::now();
    sb.login("dev");
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(6),
        "1 s, then 1+5 s after slow_down"
    );
    assert_eq!(sb.mock.count(Op::CreateTokenDevice), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn flow_is_chosen_from_the_environment() {
    let sb = Sandbox::new().await;
    let run = |envs: &[(&str, &str)], args: &[&str]| -> String {
        let mut cmd = sb.cmd();
        cmd.env_remove("BROWSER")
            .args(["login", "--profile", "dev", "--debug", "--no-browser"])
            .args(args)
            .env("SSOEXEC_LOGIN_TIMEOUT", "1");
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let err = stderr(&cmd.output().unwrap());
        err.lines()
            .find(|l| l.starts_with("debug: login flow "))
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(
        run(&[("SSH_CONNECTION", "1 2 3 4")], &[]),
        "debug: login flow device-code (--no-browser)"
    );
    let mut cmd = sb.cmd();
    let out = cmd
        .env_remove("BROWSER")
        .args(["login", "--profile", "dev", "--debug"])
        .env("SSH_TTY", "/dev/pts/1")
        .env("DISPLAY", ":0")
        .env("SSOEXEC_LOGIN_TIMEOUT", "1")
        .output()
        .unwrap();
    assert!(
        stderr(&out).contains("debug: login flow device-code (an SSH session was detected)"),
        "{}",
        stderr(&out)
    );
    let out = sb
        .cmd()
        .env_remove("BROWSER")
        .args(["login", "--profile", "dev", "--debug"])
        .env("CI", "true")
        .env("DISPLAY", ":0")
        .env("SSOEXEC_LOGIN_TIMEOUT", "1")
        .output()
        .unwrap();
    assert!(
        stderr(&out).contains("debug: login flow device-code (CI was detected)"),
        "{}",
        stderr(&out)
    );
    let out = sb
        .cmd()
        .args(["login", "--profile", "dev", "--debug"])
        .env("CI", "true")
        .env("SSOEXEC_LOGIN_TIMEOUT", "1")
        .output()
        .unwrap();
    assert!(
        stderr(&out).contains("debug: login flow pkce (a browser command is configured)"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        run(&[("SSOEXEC_LOGIN_FLOW", "pkce"), ("SSH_TTY", "x")], &[]),
        "debug: login flow pkce (chosen from SSOEXEC_LOGIN_FLOW)"
    );
    assert_eq!(
        run(&[("SSOEXEC_LOGIN_FLOW", "pkce")], &["--device-code"]),
        "debug: login flow device-code (chosen from --device-code)"
    );
    sb.write_config(&CONFIG.replace(
        "[sso-session corp]\n",
        "[sso-session corp]\nssoexec_login_flow = device-code\n",
    ));
    assert_eq!(
        run(&[], &[]),
        "debug: login flow device-code (chosen from profile dev)"
    );
}

fn spawn_many(sb: &Sandbox, n: usize, args: &[&str]) -> Vec<Output> {
    let children: Vec<_> = (0..n)
        .map(|_| {
            sb.std_cmd()
                .args(args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn sixteen_callers_without_a_token_make_one_login() {
    let sb = Sandbox::new().await;
    // The browser only notes the URL; the sign-in is completed (by visiting it) once a caller
    // says it waits, so the callers overlap however slowly 16 processes start (under wine, one
    // after the other).
    let idle = browser_with(&sb, "--idle");
    let mut children: Vec<_> = (0..16)
        .map(|_| {
            sb.std_cmd()
                .args([
                    "credential-process",
                    "--profile",
                    "dev",
                    "--login-if-needed",
                ])
                .env("BROWSER", &idle)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let errs: Vec<_> = children
        .iter_mut()
        .map(|c| {
            let mut pipe = c.stderr.take().unwrap();
            let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
            let sink = seen.clone();
            let reader = std::thread::spawn(move || {
                use std::io::Read;
                let mut buf = [0u8; 4096];
                while let Ok(n @ 1..) = pipe.read(&mut buf) {
                    sink.lock().unwrap().extend_from_slice(&buf[..n]);
                }
            });
            (seen, reader)
        })
        .collect();
    sb.wait_until("a caller to say that it waits for the login", || {
        errs.iter().any(|(seen, _)| {
            String::from_utf8_lossy(&seen.lock().unwrap())
                .contains("Waiting for another ssoexec that is")
        })
    });
    // The holder may still be on its way to the browser (registering the client).
    sb.wait_until("the browser to be opened", || sb.browser_opens() == 1);
    let log = std::fs::read_to_string(sb.home().join("browser.log")).unwrap();
    let url = log.lines().next().unwrap();
    let signed_in = std::process::Command::new(fake_browser_exe())
        .arg(url)
        .status()
        .unwrap();
    assert!(signed_in.success());
    let outs: Vec<Output> = children
        .into_iter()
        .zip(errs)
        .map(|(child, (seen, reader))| {
            let mut out = child.wait_with_output().unwrap();
            reader.join().unwrap();
            out.stderr = std::mem::take(&mut *seen.lock().unwrap());
            out
        })
        .collect();
    let first = stdout(&outs[0]);
    for o in &outs {
        assert!(o.status.success(), "{}", stderr(o));
        assert_eq!(stdout(o), first, "every caller prints the same credentials");
    }
    assert_eq!(sb.mock.count(Op::RegisterClient), 1);
    assert_eq!(
        sb.mock.count(Op::Authorize) + sb.mock.count(Op::StartDeviceAuthorization),
        1
    );
    assert_eq!(sb.browser_opens(), 1);
    assert_eq!(sb.mock.count(Op::GetRoleCredentials), 1);
    let waited = outs
        .iter()
        .filter(|o| stderr(o).contains("Waiting for another ssoexec that is"))
        .count();
    assert!(waited >= 1, "waiters say once that they wait");
    eprintln!(
        "16 callers, no token: {} logins, {} GetRoleCredentials, {} browser opens",
        sb.mock.count(Op::Authorize) + sb.mock.count(Op::StartDeviceAuthorization),
        sb.mock.count(Op::GetRoleCredentials),
        sb.browser_opens()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn callers_for_different_roles_share_one_login() {
    let sb = Sandbox::new().await;
    let mut children = Vec::new();
    for i in 0..8 {
        let profile = if i % 2 == 0 { "dev" } else { "prod" };
        children.push(
            sb.std_cmd()
                .args([
                    "credential-process",
                    "--profile",
                    profile,
                    "--login-if-needed",
                ])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap(),
        );
    }
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
    }
    assert_eq!(
        sb.mock.count(Op::Authorize) + sb.mock.count(Op::StartDeviceAuthorization),
        1
    );
    assert_eq!(sb.mock.count(Op::GetRoleCredentials), 2, "one per role");
}

#[tokio::test(flavor = "multi_thread")]
async fn sixteen_callers_with_an_expired_token_make_one_refresh() {
    let sb = Sandbox::new().await;
    sb.seed_token("expired-access", Some("good-refresh"), -60);
    let outs = spawn_many(&sb, 16, &["credential-process", "--profile", "dev"]);
    for o in &outs {
        assert!(o.status.success(), "{}", stderr(o));
    }
    assert_eq!(sb.mock.count(Op::CreateTokenRefresh), 1);
    assert_eq!(sb.mock.count(Op::GetRoleCredentials), 1);
    assert_eq!(
        sb.mock.count(Op::StartDeviceAuthorization) + sb.mock.count(Op::Authorize),
        0
    );
    eprintln!(
        "16 callers, expired token: {} refreshes, {} GetRoleCredentials",
        sb.mock.count(Op::CreateTokenRefresh),
        sb.mock.count(Op::GetRoleCredentials)
    );
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_login_killed_mid_wait_blocks_nobody() {
    let sb = Sandbox::new().await;
    let idle = browser_with(&sb, "--idle");
    let mut stuck = sb
        .std_cmd()
        .args([
            "credential-process",
            "--profile",
            "dev",
            "--login-if-needed",
            "--device-code",
        ])
        .env("BROWSER", &idle)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    sb.wait_until("the first caller's login", || {
        sb.mock.count(Op::StartDeviceAuthorization) == 1
    });
    stuck.kill().unwrap(); // SIGKILL: no cleanup runs; the kernel releases the lock
    stuck.wait().unwrap();

    // A background caller is not blocked: it learns at once that a login was abandoned.
    let out = sb.run(&[
        "credential-process",
        "--profile",
        "dev",
        "--login-if-needed",
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).starts_with("error: a login to sso-session corp was abandoned 0 s ago; not opening another browser tab from a background command for 2 min\n"), "{}", stderr(&out));
    assert_eq!(
        sb.mock.count(Op::StartDeviceAuthorization),
        1,
        "no second tab"
    );
    // An explicit login ignores the marker and takes the lock at once.
    sb.login("dev");
    let out = sb.run(&["credential-process", "--profile", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_ends_the_session_and_deletes_tokens_and_credentials() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let cp = sb.run(&["credential-process", "--profile", "dev"]);
    assert!(cp.status.success());
    let files_before = std::fs::read_dir(sb.sso_cache()).unwrap().count();
    let out = sb.run(&["logout", "--profile", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "Signed out of 1 SSO session(s).\n");
    assert_eq!(sb.mock.count(Op::Logout), 1);
    assert!(!sb.token_file("corp").exists());
    assert_eq!(
        std::fs::read_dir(sb.cli_cache()).unwrap().count(),
        0,
        "role credentials deleted"
    );
    assert_eq!(
        std::fs::read_dir(sb.sso_cache()).unwrap().count() + 1,
        files_before,
        "the registration is kept"
    );
    let out = sb.run(&["credential-process", "--profile", "dev"]);
    assert_eq!(out.status.code(), Some(3));

    sb.login("dev");
    sb.login("legacy");
    assert!(
        sb.run(&["credential-process", "--profile", "legacy"])
            .status
            .success()
    );
    let out = sb.run(&["logout", "--all"]);
    assert_eq!(stderr(&out), "Signed out of 2 SSO session(s).\n");
    assert_eq!(sb.mock.count(Op::Logout), 3);
    assert_eq!(std::fs::read_dir(sb.cli_cache()).unwrap().count(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn status_json_reports_sessions_tokens_and_credentials() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    assert!(
        sb.run(&["credential-process", "--profile", "dev"])
            .status
            .success()
    );
    let before = sb.mock.total_requests();
    let out = sb.run(&["status", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let token_file = sb.token_file("corp").display().to_string();
    let legacy_file = sb
        .sso_cache()
        .join(format!("{}.json", sha1_hex(START_URL)))
        .display()
        .to_string();
    let want = serde_json::json!({
        "now": NOW_RFC3339,
        "sessions": [
            {"name": null, "startUrl": START_URL, "region": "us-east-1", "tokenFile": legacy_file, "loggedIn": false, "tokenExpiresAt": null, "refreshable": false,
             "profiles": [{"profile": "legacy", "accountId": "111111111111", "roleName": "Admin", "credentialsExpireAt": null}]},
            {"name": "corp", "startUrl": START_URL, "region": "us-east-1", "tokenFile": token_file, "loggedIn": true, "tokenExpiresAt": fmt_epoch(NOW + 3600), "refreshable": true,
             "profiles": [
                {"profile": "default", "accountId": "111111111111", "roleName": "ReadOnly", "credentialsExpireAt": fmt_epoch(NOW + 3600)},
                {"profile": "dev", "accountId": "111111111111", "roleName": "ReadOnly", "credentialsExpireAt": fmt_epoch(NOW + 3600)},
                {"profile": "prod", "accountId": "222222222222", "roleName": "ReadOnly", "credentialsExpireAt": null}
             ]}
        ]
    });
    let mut got = v.clone();
    // Sessions are ordered by cache key; compare as a set keyed by name.
    got["sessions"]
        .as_array_mut()
        .unwrap()
        .sort_by_key(|s| s["name"].as_str().map(String::from));
    assert_eq!(got, want);
    assert_eq!(
        sb.mock.total_requests(),
        before,
        "status itself makes no request"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn accounts_and_roles_follow_pagination() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let out = sb.run(&["accounts", "--profile", "dev", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["accountId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["111111111111", "222222222222", "333333333333"]);
    assert_eq!(
        v[0],
        serde_json::json!({"accountId": "111111111111", "accountName": "dev", "emailAddress": "dev@example.com"})
    );
    let out = sb.run(&[
        "roles",
        "--profile",
        "dev",
        "--account-id",
        "333333333333",
        "--json",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v,
        serde_json::json!([
            {"roleName": "Admin", "accountId": "333333333333"},
            {"roleName": "Dev", "accountId": "333333333333"},
            {"roleName": "ReadOnly", "accountId": "333333333333"}
        ])
    );
    assert!(
        sb.mock.count(Op::ListAccountRoles) >= 2,
        "three roles at page size 2 take two pages"
    );
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs util-linux script (a pseudo-terminal)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn a_terminal_gets_a_qr_code_and_a_countdown() {
    let sb = Sandbox::new().await;
    sb.mock.set_auto_approve(false);
    let mut pty = sb.on_pty("login --profile dev --device-code --no-browser", false);
    // The "person" approves once the countdown is on screen.
    pty.expect("Waiting for approval… ");
    pty.expect(" UTC) ");
    let approved = sb.mock.approve_pending_devices();
    let (status, screen) = pty.finish();
    assert_eq!(approved, 1);
    assert!(status.success(), "{screen}");
    assert!(
        screen.contains('▀') || screen.contains('▄'),
        "a QR code is drawn: {screen}"
    );
    assert!(
        screen.contains("Waiting for approval… "),
        "a countdown is shown: {screen}"
    );
    assert!(
        screen.contains("Waiting for approval… giving up in "),
        "{screen}"
    );
    assert!(
        screen.contains("Signed in to https://d-1234567890.awsapps.com/start"),
        "{screen}"
    );
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_ends_a_waiting_login_with_exit_130() {
    let sb = Sandbox::new().await;
    // A browser that notes the URL and opens nothing: nobody approves.
    let idle = browser_with(&sb, "--idle");
    let opens = || sb.browser_opens();
    for (i, flow) in ["--pkce", "--device-code"].into_iter().enumerate() {
        let child = sb
            .std_cmd()
            .args(["login", "--profile", "dev", flow])
            .env("BROWSER", &idle)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The login waits for the person: the browser was sent to the sign-in page (after
        // ssoexec awaited the mock's answers, so its Ctrl-C handler is in place), and the
        // device flow polls for the token.
        sb.wait_until("the browser to be opened", || opens() > i);
        if flow == "--device-code" {
            sb.wait_until("the login to poll for the token", || {
                sb.mock.count(Op::CreateTokenDevice) > 0
            });
        }
        let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
        rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(130), "{flow}: {}", stderr(&out));
        assert!(
            stderr(&out).ends_with("error: interrupted\n"),
            "{flow}: {}",
            stderr(&out)
        );
    }
    sb.login("dev"); // nothing was left locked
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs util-linux script (a pseudo-terminal)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn a_terminal_shows_how_long_the_pkce_login_waits() {
    let sb = Sandbox::new().await;
    let (status, screen) = sb.on_pty("login --profile dev --pkce", true).finish();
    assert!(status.success(), "{screen}");
    assert!(
        screen.contains("Waiting for the browser… giving up in 1 min (at 10:01 UTC) "),
        "{screen}"
    );
    assert!(
        screen.contains("Signed in to https://d-1234567890.awsapps.com/start"),
        "{screen}"
    );
    assert_eq!(sb.mock.count(Op::CreateTokenAuthCode), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn browser_command_flag_and_login_if_needed_config_key() {
    let sb = Sandbox::new().await;
    // The profile opts background callers in; --browser-command (not BROWSER) opens the URL.
    sb.write_config(&CONFIG.replace(
        "[profile dev]\n",
        "[profile dev]\nssoexec_login_if_needed = true\n",
    ));
    let out = sb
        .cmd()
        .env_remove("BROWSER")
        .args([
            "credential-process",
            "--profile",
            "dev",
            "--browser-command",
        ])
        .arg(format!("{} %s", sb.fake_browser()))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sb.browser_opens(), 1);
    assert_eq!(
        sb.mock.count(Op::Authorize),
        1,
        "a browser command means PKCE"
    );
    // Without the key, the same background call is refused.
    let out = sb.run(&["credential-process", "--profile", "prod"]);
    assert!(
        out.status.success(),
        "the token is shared: {}",
        stderr(&out)
    );
    std::fs::remove_file(sb.token_file("corp")).unwrap();
    std::fs::remove_dir_all(sb.cli_cache()).unwrap();
    let out = sb.run(&["credential-process", "--profile", "prod"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_by_sso_session_and_roles_of_every_account() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let out = sb.run(&["roles", "--profile", "dev", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let roles: Value = serde_json::from_slice(&out.stdout).unwrap();
    let pairs: Vec<String> = roles
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{}/{}",
                r["accountId"].as_str().unwrap(),
                r["roleName"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        pairs,
        [
            "111111111111/ReadOnly",
            "111111111111/Admin",
            "222222222222/ReadOnly",
            "333333333333/Admin",
            "333333333333/Dev",
            "333333333333/ReadOnly"
        ]
    );

    let out = sb.run(&["logout", "--sso-session", "corp"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "Signed out of 1 SSO session(s).\n");
    assert_eq!(sb.mock.count(Op::Logout), 1);
    assert!(!sb.token_file("corp").exists());
}

/// A cached client registration the service no longer knows (revoked, or made against another
/// endpoint) is replaced: StartDeviceAuthorization's InvalidClientException makes one new
/// registration and one new start, before anything is shown; the AWS CLI reads the new file.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_cached_registration_is_replaced_once() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let token = sb.token_file("corp");
    let reg_file = std::fs::read_dir(sb.sso_cache())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| *p != token)
        .expect("the registration file");
    let mut reg: Value = serde_json::from_slice(&std::fs::read(&reg_file).unwrap()).unwrap();
    reg["clientId"] = "revoked-client".into();
    std::fs::write(&reg_file, serde_json::to_vec(&reg).unwrap()).unwrap();
    std::fs::remove_file(&token).unwrap();
    sb.mock.reset_counts();

    let out = sb.run(&["login", "--profile", "dev", "--device-code", "--debug"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.matches("Sign in to").count(), 1, "{err}");
    assert!(
        err.contains("debug: the cached client registration was refused (StartDeviceAuthorization failed: Invalid client provided (InvalidClientException)); registering anew\n"),
        "{err}"
    );
    assert_eq!(sb.mock.count(Op::RegisterClient), 1);
    assert_eq!(sb.mock.count(Op::StartDeviceAuthorization), 2);
    let now: Value = serde_json::from_slice(&std::fs::read(&reg_file).unwrap()).unwrap();
    assert_ne!(now["clientId"], "revoked-client");
    assert!(token.exists());
}
