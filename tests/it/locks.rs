//! Waiting on other ssoexec processes: background callers never hang behind a login that waits
//! for a person; kubeconfig writers exclude each other (and kubectl) with client-go's lock file.
use crate::support::mock::Op;
use crate::support::sandbox::*;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Starts `ssoexec login` with a device code nobody approves; returns it once it polls.
fn pending_login(sb: &Sandbox) -> std::process::Child {
    let child = sb
        .std_cmd()
        .args(["login", "--profile", "dev", "--no-browser", "--device-code"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    sb.wait_until("the login to start polling", || {
        sb.mock.count(Op::CreateTokenDevice) > 0
    });
    child
}

#[tokio::test(flavor = "multi_thread")]
async fn background_callers_fail_fast_while_a_login_waits_for_a_person() {
    let sb = Sandbox::new().await;
    let mut login = pending_login(&sb);
    for args in [
        &["credential-process", "--profile", "dev"][..],
        &["eks-token", "--profile", "dev", "--cluster-name", "blue"],
    ] {
        let started = Instant::now();
        // A hang is a failure, not a stuck suite: assert_cmd kills its own child at the timeout.
        let out = sb
            .cmd()
            .args(args)
            .timeout(Duration::from_secs(20))
            .output()
            .unwrap();
        let took = started.elapsed();
        assert_eq!(out.status.code(), Some(3), "{args:?}: {}", stderr(&out));
        assert!(took < Duration::from_secs(10), "{args:?} took {took:?}");
        assert_eq!(stdout(&out), "");
        let err = stderr(&out);
        assert!(
            err.contains("error: a login is in progress in another terminal"),
            "{args:?}: {err}"
        );
        assert!(
            err.ends_with("error: a login is in progress in another terminal (for sso-session corp); not waiting for it without a terminal\nhint: run `ssoexec login --profile dev` in a terminal, then try again\n"),
            "{args:?}: {err}"
        );
    }
    let _ = login.kill();
    let _ = login.wait();
}

#[tokio::test(flavor = "multi_thread")]
async fn background_callers_still_wait_for_a_refresh() {
    let sb = Sandbox::new().await;
    sb.seed_token("seed-access", Some("seed-refresh"), 5 * 60);
    // Long enough for the second caller to start and reach the lock while the refresh runs.
    sb.mock.set_latency(Some(Op::CreateTokenRefresh), 3000);
    let first = sb
        .std_cmd()
        .args(["credential-process", "--profile", "dev"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    sb.wait_until("the refresh to start", || {
        sb.mock.count(Op::CreateTokenRefresh) > 0
    });
    let out = sb
        .std_cmd()
        .args(["credential-process", "--profile", "prod"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // It reached the lock the refresh holds and waited there (not merely ran after it).
    assert!(
        stderr(&out).contains("Waiting for another ssoexec that is "),
        "{}",
        stderr(&out)
    );
    let out = first.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(sb.mock.count(Op::CreateTokenRefresh), 1);
}

fn kubeconfig_run(sb: &Sandbox, path: &std::path::Path, cluster: &str) -> std::process::Command {
    let mut cmd = sb.std_cmd();
    cmd.args([
        "kubeconfig",
        "--profile",
        "dev",
        "--cluster-name",
        cluster,
        "--server",
        "https://k8s.example",
        "--certificate-authority-data",
        "Q0E=",
        "--kubeconfig",
    ])
    .arg(path)
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(Stdio::piped());
    cmd
}

fn contexts(path: &std::path::Path) -> Vec<String> {
    let doc: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut names: Vec<String> = doc["contexts"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread")]
async fn parallel_kubeconfig_runs_keep_every_context() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let path = sb.home().join("kube").join("config");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let runs: Vec<_> = (0..10)
        .map(|i| {
            kubeconfig_run(&sb, &path, &format!("c{i}"))
                .spawn()
                .unwrap()
        })
        .collect();
    for r in runs {
        let out = r.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let want: Vec<String> = (0..10)
        // Named {account_name}/{region}/{cluster}; with --server (no request) the account id.
        .map(|i| format!("111111111111/eu-west-1/c{i}"))
        .collect();
    assert_eq!(contexts(&path), want);
    assert!(
        !sb.home().join("kube").join("config.lock").exists(),
        "the lock is removed"
    );
}

/// Collects what `child` writes on stderr as it comes (it must have been spawned with a piped
/// stderr), so a test can wait for a line while the program runs.
fn watch_stderr(
    child: &mut std::process::Child,
) -> (
    std::sync::Arc<std::sync::Mutex<String>>,
    std::thread::JoinHandle<()>,
) {
    use std::io::Read;
    let mut pipe = child.stderr.take().expect("stderr is piped");
    let text = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let reader = {
        let text = text.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                text.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        })
    };
    (text, reader)
}

#[tokio::test(flavor = "multi_thread")]
async fn kubeconfig_honours_a_lock_held_by_kubectl() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let path = sb.home().join("kube").join("config");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let lock = sb.home().join("kube").join("config.lock");
    // kubectl (client-go) holds the lock: ssoexec says it waits for it to go, then writes.
    std::fs::write(&lock, "").unwrap();
    let mut run = kubeconfig_run(&sb, &path, "c0").spawn().unwrap();
    let (err, reader) = watch_stderr(&mut run);
    let waiting = format!(
        "Waiting for another ssoexec or kubectl to finish writing {} (lock file {})\n",
        path.display(),
        lock.display()
    );
    // Before: ssoexec said nothing while it waited, so nothing proved it had reached the lock.
    sb.wait_until("ssoexec to wait for the kubeconfig lock", || {
        err.lock().unwrap().contains(&waiting)
    });
    assert!(!path.exists(), "nothing written while the lock is held");
    assert!(
        std::fs::exists(&lock).unwrap(),
        "the lock is still kubectl's, not taken over"
    );
    std::fs::remove_file(&lock).unwrap();
    let status = run.wait().unwrap();
    reader.join().unwrap();
    let err = err.lock().unwrap().clone();
    assert!(status.success(), "{err}");
    assert_eq!(
        err,
        format!(
            "{waiting}Added new context 111111111111/eu-west-1/c0 to {}\n",
            path.display()
        )
    );
    assert_eq!(contexts(&path), ["111111111111/eu-west-1/c0"]);
    assert!(!lock.exists(), "ssoexec removes the lock it took");
}

/// A role chain waits on its own assume-role lock: a background caller must not wait there for
/// minutes when the holder is signing in to the chain's SSO session.
#[tokio::test(flavor = "multi_thread")]
async fn background_callers_of_a_chain_fail_fast_behind_a_login() {
    let sb = Sandbox::new().await;
    sb.write_config(&format!(
        "{CONFIG}\n[profile chained]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = dev\nrole_session_name = me\nregion = eu-west-1\n"
    ));
    // An interactive-style caller that may sign in: it takes the assume-role lock, then waits
    // for a person to approve its device code.
    let mut holder = sb
        .std_cmd()
        .args([
            "credential-process",
            "--profile",
            "chained",
            "--login-if-needed",
            "--no-browser",
            "--device-code",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    sb.wait_until("the holder to start polling", || {
        sb.mock.count(Op::CreateTokenDevice) > 0
    });
    let started = Instant::now();
    let out = sb
        .std_cmd()
        .args(["credential-process", "--profile", "chained"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let took = started.elapsed();
    let _ = holder.kill();
    let _ = holder.wait();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(took < Duration::from_secs(20), "waited {took:?}");
    assert!(
        stderr(&out).contains("a login is in progress in another terminal (for sso-session corp)"),
        "{}",
        stderr(&out)
    );
}
