//! `logout` really signs out: the session's token, every role credential fetched with it, EKS
//! tokens and crash leftovers are gone, and a fetch in flight cannot write anything back.
use crate::support::mock::Op;
use crate::support::sandbox::*;
use std::path::PathBuf;
use std::process::Stdio;

fn role_path(sb: &Sandbox, account: &str, role: &str) -> PathBuf {
    let key =
        format!("{{\"accountId\":\"{account}\",\"roleName\":\"{role}\",\"sessionName\":\"corp\"}}");
    sb.cli_cache().join(format!("{}.json", sha1_hex(&key)))
}

/// Every file under `dir` (recursively), as paths relative to it, sorted.
fn files_under(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

/// The cached credential files: role credentials, EKS tokens, SSO tokens (registrations and
/// locks excepted).
fn credential_files(sb: &Sandbox) -> Vec<String> {
    let mut out: Vec<String> = files_under(&sb.cli_cache())
        .into_iter()
        .map(|f| format!("cli/{f}"))
        .collect();
    out.extend(
        files_under(&sb.home().join(".cache").join("ssoexec").join("eks"))
            .into_iter()
            .map(|f| format!("eks/{f}")),
    );
    if sb.token_file("corp").exists() {
        out.push("token/corp".into());
    }
    out
}

fn fetch_everything(sb: &Sandbox) {
    sb.login("dev");
    sb.mock
        .add_account("222222222222", "prod", "p@example.com", &["ReadOnly"]);
    for args in [
        &["credential-process", "--profile", "dev"][..],
        &["credential-process", "--profile", "prod"],
        &["eks-token", "--profile", "dev", "--cluster-name", "blue"],
    ] {
        let out = sb
            .std_cmd()
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    }
    assert_eq!(credential_files(sb).len(), 4, "{:?}", credential_files(sb));
}

fn assert_signed_out(sb: &Sandbox) {
    assert_eq!(credential_files(sb), Vec::<String>::new());
    for profile in ["dev", "prod"] {
        let out = sb
            .std_cmd()
            .args(["credential-process", "--profile", profile])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{profile}: {}", stderr(&out));
        assert_eq!(stdout(&out), "");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_of_a_session_removes_every_role_credential_fetched_with_it() {
    let sb = Sandbox::new().await;
    fetch_everything(&sb);
    let out = sb.run(&["logout", "--sso-session", "corp"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "Signed out of 1 SSO session(s).\n");
    assert_eq!(sb.mock.count(Op::Logout), 1);
    assert_signed_out(&sb);
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_of_one_profile_signs_its_whole_session_out() {
    let sb = Sandbox::new().await;
    fetch_everything(&sb);
    let out = sb.run(&["logout", "--profile", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!role_path(&sb, "222222222222", "ReadOnly").exists());
    assert_signed_out(&sb);
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_all_removes_credentials_and_leftover_temp_files() {
    let sb = Sandbox::new().await;
    fetch_everything(&sb);
    // What a writer killed between creating its temp file and renaming it leaves behind.
    let leftover = sb.cli_cache().join(".abc.json.Xy12Ab.tmp");
    std::fs::write(&leftover, "{\"Credentials\": {\"SecretAccessKey\": \"s\"}}").unwrap();
    let token_leftover = sb.sso_cache().join(".def.json.Zz99Qq.tmp");
    std::fs::write(&token_leftover, "{\"accessToken\": \"a\"}").unwrap();
    let out = sb.run(&["logout", "--all"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!leftover.exists() && !token_leftover.exists());
    assert_signed_out(&sb);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fetch_in_flight_writes_nothing_back_after_logout() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    sb.mock
        .add_account("222222222222", "prod", "p@example.com", &["ReadOnly"]);
    sb.mock.set_latency(Some(Op::GetRoleCredentials), 1500);
    let mut fetches: Vec<_> = ["dev", "prod"]
        .iter()
        .map(|p| {
            sb.std_cmd()
                .args(["credential-process", "--profile", p])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    sb.wait_until("both fetches to reach the portal", || {
        sb.mock.count(Op::GetRoleCredentials) == 2
    });
    let out = sb.run(&["logout", "--profile", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // logout returned: nothing may appear afterwards, whatever the fetches do.
    for f in &mut fetches {
        let _ = f.wait();
    }
    assert_eq!(credential_files(&sb), Vec::<String>::new());
    assert!(!role_path(&sb, "111111111111", "ReadOnly").exists());
    sb.mock.set_latency(Some(Op::GetRoleCredentials), 0);
    assert_signed_out(&sb);
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_refuses_at_once_while_a_login_waits_for_a_person() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    sb.mock.set_latency(Some(Op::GetRoleCredentials), 0);
    // `sb.login` polled too: wait for the new login's own polls.
    let polls_before = sb.mock.count(Op::CreateTokenDevice);
    // A pending login of the same session in another terminal.
    let mut login = sb
        .std_cmd()
        .args([
            "login",
            "--profile",
            "dev",
            "--no-browser",
            "--device-code",
            "--debug",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(sb.home().join("login.err")).unwrap())
        .spawn()
        .unwrap();
    sb.wait_until("the login to poll", || {
        sb.mock.count(Op::CreateTokenDevice) > polls_before
    });
    let started = std::time::Instant::now();
    let out = sb.run(&["logout", "--profile", "dev"]);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}\nthe login said:\n{}",
        stderr(&out),
        std::fs::read_to_string(sb.home().join("login.err")).unwrap_or_default()
    );
    let refusal = "error: a login is in progress in another terminal; not signing out under it\nhint: finish or cancel that login (Ctrl-C), then run logout again\n";
    // On a loaded machine the first looks at the holder may not tell yet; it may then say once
    // that it waits, before it refuses.
    let waited = format!(
        "Waiting for another ssoexec that is using the cached credentials (at most 15 min)…\n{refusal}"
    );
    let err = stderr(&out);
    assert!(err == refusal || err == waited, "{err}");
    assert!(sb.token_file("corp").exists(), "nothing was removed");
    let _ = login.kill();
    let _ = login.wait();
}
