//! Faults: crashes, network faults, filesystem faults, clock skew, secrets in logs.
use crate::support::mock::Op;
use crate::support::sandbox::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

fn role_path(sb: &Sandbox) -> PathBuf {
    let key = "{\"accountId\":\"111111111111\",\"roleName\":\"ReadOnly\",\"sessionName\":\"corp\"}";
    sb.cli_cache().join(format!("{}.json", sha1_hex(key)))
}

fn parses(path: &Path) -> bool {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .is_some()
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn sigkill_during_cache_writes_never_leaves_a_partial_file() {
    let sb = Sandbox::new().await;
    sb.mock.set_role_credentials_ttl(60); // always inside the margin: every run fetches and rewrites
    sb.seed_token("seed-access", Some("seed-refresh"), 10 * 60); // every run refreshes and rewrites the token too
    let mut killed_mid_run = 0;
    for i in 0..40u64 {
        let mut child = sb
            .std_cmd()
            .args(["credential-process", "--profile", "dev"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(500 * (i % 20)));
        let _ = child.kill();
        let status = child.wait().unwrap();
        if status.code().is_none() {
            killed_mid_run += 1;
        }
        for p in [sb.token_file("corp"), role_path(&sb)] {
            assert!(
                !p.exists() || parses(&p),
                "iteration {i}: {} is not a complete JSON document",
                p.display()
            );
        }
    }
    assert!(
        killed_mid_run > 0,
        "the test must actually kill runs in flight"
    );
    let token: Value =
        serde_json::from_slice(&std::fs::read(sb.token_file("corp")).unwrap()).unwrap();
    assert!(
        token["accessToken"].as_str().is_some() && token["refreshToken"].as_str().is_some(),
        "{token}"
    );
    // A run after all that works.
    let out = sb.run(&["credential-process", "--profile", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hanging_server_does_not_hang_ssoexec() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    sb.mock.set_hang(Op::GetRoleCredentials, true);
    let started = Instant::now();
    let out = sb
        .cmd()
        .args(["credential-process", "--profile", "dev"])
        .env("SSOEXEC_HTTP_TIMEOUT", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with(&format!(
            "error: GetRoleCredentials could not reach {}/federation/credentials",
            sb.mock.uri()
        )),
        "{err}"
    );
    assert!(
        err.contains(
            "hint: check the network, HTTPS_PROXY/NO_PROXY, and any AWS_ENDPOINT_URL_* override"
        ),
        "{err}"
    );
    assert_eq!(
        sb.mock.count(Op::GetRoleCredentials),
        3,
        "an idempotent call is tried three times"
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "bounded by the timeout, not the server"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn throttling_is_retried_but_token_exchanges_are_not() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    sb.mock.fail_next(Op::GetRoleCredentials, 429, 2);
    let out = sb.run(&["credential-process", "--profile", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sb.mock.count(Op::GetRoleCredentials), 3);

    let sb = Sandbox::new().await;
    sb.seed_token("valid-access", Some("some-refresh"), 5 * 60);
    sb.mock.fail_next(Op::CreateTokenRefresh, 500, 1);
    let out = sb.run(&["credential-process", "--profile", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        sb.mock.count(Op::CreateTokenRefresh),
        1,
        "a refresh (not idempotent) is never replayed"
    );
    assert!(
        stderr(&out).starts_with("warning: could not refresh the SSO token (CreateToken failed: "),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn connection_refused_is_one_clear_line() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let out = sb
        .cmd()
        .args(["credential-process", "--profile", "dev"])
        .env("AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:9")
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
}

#[tokio::test(flavor = "multi_thread")]
async fn http_proxy_and_no_proxy_are_honoured() {
    use wiremock::{Mock, MockServer, ResponseTemplate, matchers::any};
    let sb = Sandbox::new().await;
    sb.login("dev");
    let proxy = MockServer::start().await;
    let body = serde_json::json!({"roleCredentials": {"accessKeyId": "ASIAPROXIED000000000", "secretAccessKey": "via-proxy", "sessionToken": "t", "expiration": (NOW + 3600) * 1000}});
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&proxy)
        .await;
    let out = sb
        .cmd()
        .args(["credential-process", "--profile", "dev"])
        .env("HTTP_PROXY", proxy.uri())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["AccessKeyId"], "ASIAPROXIED000000000",
        "the request went through the proxy"
    );
    let seen = proxy.received_requests().await.unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].url.path(), "/federation/credentials");

    std::fs::remove_dir_all(sb.cli_cache()).unwrap();
    let out = sb
        .cmd()
        .args(["credential-process", "--profile", "dev"])
        .env("HTTP_PROXY", proxy.uri())
        .env("NO_PROXY", "127.0.0.1")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["AccessKeyId"].as_str().unwrap().starts_with("ASIAMOCK"),
        "NO_PROXY sends it direct"
    );
    assert_eq!(proxy.received_requests().await.unwrap().len(), 1);
}

/// An HTTPS portal stand-in whose certificate is signed by a CA that only AWS_CA_BUNDLE knows.
struct TlsPortal {
    child: std::process::Child,
    port: u16,
    ca: PathBuf,
}

impl Drop for TlsPortal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tls_portal(dir: &Path) -> TlsPortal {
    let sh = |cmd: &str| {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(cmd)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{cmd}: {}", stderr(&out));
    };
    sh(
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=ssoexec-test-ca 2>/dev/null",
    );
    sh(
        "openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj /CN=127.0.0.1 2>/dev/null",
    );
    sh(
        "printf 'subjectAltName=IP:127.0.0.1\\nbasicConstraints=CA:FALSE\\n' > ext && openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out leaf.pem -days 2 -extfile ext 2>/dev/null",
    );
    let script = format!(
        r#"
import http.server, ssl, json, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({{"roleCredentials": {{"accessKeyId": "ASIATLS0000000000000", "secretAccessKey": "s", "sessionToken": "t", "expiration": {exp}}}}}).encode()
        self.send_response(200); self.send_header("content-type", "application/json"); self.send_header("content-length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
srv = http.server.HTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain("leaf.pem", "leaf.key")
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print(srv.server_address[1], flush=True)
srv.serve_forever()
"#,
        exp = (NOW + 3600) * 1000
    );
    let mut child = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    TlsPortal {
        child,
        port: line.trim().parse().unwrap(),
        ca: dir.join("ca.pem"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn aws_ca_bundle_is_trusted_and_required() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let dir = tempfile::tempdir().unwrap();
    let portal = tls_portal(dir.path());
    let url = format!("https://127.0.0.1:{}", portal.port);
    let out = sb
        .cmd()
        .args(["credential-process", "--profile", "dev"])
        .env("AWS_ENDPOINT_URL_SSO", &url)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "an unknown CA is refused");
    assert!(
        stderr(&out).starts_with(&format!(
            "error: GetRoleCredentials could not reach {url}/federation/credentials"
        )),
        "{}",
        stderr(&out)
    );
    let out = sb
        .cmd()
        .args(["credential-process", "--profile", "dev"])
        .env("AWS_ENDPOINT_URL_SSO", &url)
        .env("AWS_CA_BUNDLE", &portal.ca)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["AccessKeyId"], "ASIATLS0000000000000");
    let out = sb
        .cmd()
        .args(["credential-process", "--profile", "prod"])
        .env("AWS_CA_BUNDLE", "/nonexistent/ca.pem")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with(
            "error: cannot set up HTTPS: cannot read the CA bundle /nonexistent/ca.pem"
        ),
        "{}",
        stderr(&out)
    );
}

/// The profile's `ca_bundle` is trusted as the AWS CLI trusts it (`AWS_CA_BUNDLE` wins when
/// both are set); before, only the variable was read while the hint named both.
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs openssl and python3 as on Linux (a TLS server with a CA made here)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn a_profile_ca_bundle_is_trusted() {
    let sb = Sandbox::new().await;
    let dir = tempfile::tempdir().unwrap();
    let portal = tls_portal(dir.path());
    let url = format!("https://127.0.0.1:{}", portal.port);
    sb.write_config(&format!(
        "{CONFIG}\n[profile tls]\nsso_session = corp\nsso_account_id = 333333333333\nsso_role_name = ReadOnly\nregion = eu-west-1\nca_bundle = {}\n",
        portal.ca.display()
    ));
    sb.login("dev");
    let out = sb
        .cmd()
        .args(["credential-process", "--profile", "tls"])
        .env("AWS_ENDPOINT_URL_SSO", &url)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["AccessKeyId"], "ASIATLS0000000000000");
    // AWS_CA_BUNDLE comes first, as in botocore.
    std::fs::remove_file(
        sb.cli_cache().join(
            std::fs::read_dir(sb.cli_cache())
                .unwrap()
                .flatten()
                .find(|e| {
                    std::fs::read_to_string(e.path())
                        .unwrap_or_default()
                        .contains("ASIATLS")
                })
                .unwrap()
                .file_name(),
        ),
    )
    .unwrap();
    let out = sb
        .cmd()
        .args(["credential-process", "--profile", "tls"])
        .env("AWS_ENDPOINT_URL_SSO", &url)
        .env("AWS_CA_BUNDLE", "/nonexistent/ca.pem")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with(
            "error: cannot set up HTTPS: cannot read the CA bundle /nonexistent/ca.pem"
        ),
        "{}",
        stderr(&out)
    );
}

#[cfg(unix)]
fn chmod(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn cache_directories_others_can_write_are_refused() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    std::fs::create_dir_all(sb.cli_cache()).unwrap();
    chmod(&sb.cli_cache(), 0o777);
    let out = sb.run(&["credential-process", "--profile", "dev"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out),
        "",
        "nothing is handed out from an unsafe setup"
    );
    let dir = sb.cli_cache().display().to_string();
    assert_eq!(
        stderr(&out),
        format!(
            "error: refusing to use {dir}: it is writable by group or others (mode 777)\nhint: fix it with: chmod go-w {dir}\n"
        )
    );

    chmod(&sb.cli_cache(), 0o700);
    let locks = sb.home().join(".cache").join("ssoexec").join("locks");
    chmod(&locks, 0o770);
    let out = sb.run(&["credential-process", "--profile", "dev"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with(&format!(
            "error: refusing to use {}: it is writable by group or others (mode 770)",
            locks.display()
        )),
        "{}",
        stderr(&out)
    );
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_failing_cache_write_loses_nothing_and_still_serves() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let token_before = std::fs::read(sb.token_file("corp")).unwrap();
    // `~/.aws/cli` is a file, so the role cache directory cannot be created (as on a full or
    // read-only disk, the write fails).
    std::fs::create_dir_all(sb.home().join(".aws")).unwrap();
    std::fs::write(sb.home().join(".aws").join("cli"), "not a directory").unwrap();
    let out = sb.run(&["credential-process", "--profile", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["AccessKeyId"].as_str().unwrap().starts_with("ASIAMOCK"));
    let err = stderr(&out);
    assert!(
        err.starts_with(&format!(
            "warning: cannot create directory {}: ",
            sb.cli_cache().display()
        )),
        "{err}"
    );
    assert!(
        err.trim_end()
            .ends_with("the role credentials were not cached"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(sb.token_file("corp")).unwrap(),
        token_before,
        "the token is untouched"
    );
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_symlink_planted_at_a_cache_path_is_not_followed() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let victim = sb.home().join("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    std::fs::create_dir_all(sb.cli_cache()).unwrap();
    std::os::unix::fs::symlink(&victim, role_path(&sb)).unwrap();
    let out = sb.run(&["credential-process", "--profile", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    let meta = std::fs::symlink_metadata(role_path(&sb)).unwrap();
    assert!(meta.file_type().is_file());
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
}

#[tokio::test(flavor = "multi_thread")]
async fn clock_skew_is_explained_and_does_not_break_credentials() {
    // Our clock 3 h behind the servers': credentials still work, and the skew is named once.
    let sb = Sandbox::new().await;
    sb.mock.set_now(NOW + 3 * 3600);
    sb.login("dev");
    let out = sb.run(&["credential-process", "--profile", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "warning: this computer's clock is 3 h behind the AWS servers'; expiry times will look wrong until the clock is fixed (enable NTP)\n"
    );

    // Our clock 3 h ahead: fresh credentials look expired to us, but are handed out, not looped on.
    let sb = Sandbox::new().await;
    sb.mock.set_now(NOW - 3 * 3600);
    sb.login("dev");
    let out = sb.run(&["credential-process", "--profile", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["Expiration"], fmt_epoch(NOW - 2 * 3600));
    assert!(
        stderr(&out).contains("clock is 3 h ahead of the AWS servers'"),
        "{}",
        stderr(&out)
    );
    assert_eq!(sb.mock.count(Op::GetRoleCredentials), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn no_secret_appears_in_any_debug_output() {
    let sb = Sandbox::new().await;
    let mut logs = String::new();
    let mut run = |args: &[&str]| {
        let out = sb.cmd().args(args).arg("--debug").output().unwrap();
        logs.push_str(&stderr(&out));
        out
    };
    assert!(
        run(&["login", "--profile", "dev", "--pkce"])
            .status
            .success()
    );
    assert!(
        run(&["login", "--profile", "prod", "--device-code"])
            .status
            .success()
    );
    assert!(
        run(&["credential-process", "--profile", "dev"])
            .status
            .success()
    );
    assert!(run(&["status"]).status.success());
    assert!(run(&["accounts", "--profile", "dev"]).status.success());
    assert!(run(&["--profile", "prod", "exec", "--renew", "--", "sh", "-c", "curl -s -H \"Authorization: $AWS_CONTAINER_AUTHORIZATION_TOKEN\" $AWS_CONTAINER_CREDENTIALS_FULL_URI >/dev/null"]).status.success());
    assert!(run(&["logout", "--all"]).status.success());
    assert!(logs.contains("debug: "));

    // Every secret the mock handed out or received.
    let mut secrets: Vec<String> = Vec::new();
    for r in sb.mock.requests() {
        if let Ok(body) = serde_json::from_str::<Value>(&r.body) {
            for k in [
                "clientSecret",
                "deviceCode",
                "code",
                "codeVerifier",
                "refreshToken",
            ] {
                if let Some(s) = body[k].as_str() {
                    secrets.push(s.to_string());
                }
            }
        }
        if let Some(t) = r.header("x-amz-sso_bearer_token") {
            secrets.push(t.to_string());
        }
    }
    for f in std::fs::read_dir(sb.sso_cache()).unwrap() {
        let v: Value = serde_json::from_slice(&std::fs::read(f.unwrap().path()).unwrap()).unwrap();
        for k in ["clientSecret", "accessToken", "refreshToken"] {
            if let Some(s) = v[k].as_str() {
                secrets.push(s.to_string());
            }
        }
    }
    assert!(secrets.len() >= 8, "collected {} secrets", secrets.len());
    for s in &secrets {
        assert!(
            !logs.contains(s.as_str()),
            "a secret leaked into --debug output"
        );
    }
}

/// Runs `args` 30 times, each SIGKILLed after a growing delay, checking `check` after each.
#[cfg(unix)]
fn kill_repeatedly(sb: &Sandbox, args: &[&str], check: impl Fn(usize)) -> usize {
    let mut killed = 0;
    for i in 0..30u64 {
        let mut child = sb
            .std_cmd()
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(700 * (i % 15)));
        let _ = child.kill();
        if child.wait().unwrap().code().is_none() {
            killed += 1;
        }
        check(i as usize);
    }
    killed
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn sigkill_during_dotenv_and_kubeconfig_writes_keeps_old_or_new() {
    let sb = Sandbox::new().await;
    sb.mock.set_role_credentials_ttl(60); // every run fetches anew, so every run rewrites
    sb.login("dev");
    let dotenv = sb.home().join("app.env");
    std::fs::write(&dotenv, "# mine\nKEEP=1\n").unwrap();
    let spec = format!("dotenv={}", dotenv.display());
    let killed = kill_repeatedly(
        &sb,
        &["export", "--profile", "dev", "--force", "--emit", &spec],
        |i| {
            let text = std::fs::read_to_string(&dotenv).unwrap();
            assert!(
                text.starts_with("# mine\nKEEP=1\n"),
                "iteration {i}: the user's lines are gone: {text:?}"
            );
            let aws = text.lines().filter(|l| l.starts_with("AWS_")).count();
            assert!(
                aws == 0 || aws == 6,
                "iteration {i}: a partial file: {text:?}"
            );
        },
    );
    assert!(killed > 0);

    let kubeconfig = sb.home().join("kubeconfig");
    let original = "apiVersion: v1\nkind: Config\nclusters:\n- name: other\n  cluster:\n    server: https://other.example\nusers: []\ncontexts: []\n";
    std::fs::write(&kubeconfig, original).unwrap();
    let path = kubeconfig.display().to_string();
    let args = [
        "kubeconfig",
        "--profile",
        "dev",
        "--region",
        "eu-west-1",
        "--cluster-name",
        "c1",
        "--server",
        "https://c1.example",
        "--certificate-authority-data",
        "Zm9v",
        "--kubeconfig",
        &path,
    ];
    let killed = kill_repeatedly(&sb, &args, |i| {
        let text = std::fs::read_to_string(&kubeconfig).unwrap();
        let doc: serde_yaml::Value = serde_yaml::from_str(&text)
            .unwrap_or_else(|e| panic!("iteration {i}: not YAML ({e}): {text:?}"));
        let clusters = doc["clusters"].as_sequence().unwrap();
        assert!(
            clusters.iter().any(|c| c["name"] == "other"),
            "iteration {i}: lost the other cluster"
        );
    });
    assert!(killed > 0);
    let leftovers: Vec<_> = std::fs::read_dir(sb.home())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    eprintln!("temp files left by killed writers (harmless, never read): {leftovers:?}");
}

/// Runs `ssoexec ARGS` in a private mount namespace where `dir` is a tmpfs mounted with `opts`
/// (a full disk, a read-only file system), as an unprivileged user can with `unshare -rm`.
#[cfg(target_os = "linux")]
fn with_mounted(
    sb: &Sandbox,
    dir: &Path,
    opts: &str,
    fill: bool,
    args: &str,
) -> std::process::Output {
    let bin = assert_cmd::cargo::cargo_bin("ssoexec");
    let fill = if fill {
        format!(
            "dd if=/dev/zero of='{}/fill' bs=4096 count=64 2>/dev/null; ",
            dir.display()
        )
    } else {
        String::new()
    };
    let script = format!(
        "mount -t tmpfs -o {opts} tmpfs '{}' && {fill}exec '{}' {args}",
        dir.display(),
        bin.display()
    );
    sb.wrapper("unshare")
        .args(["-rm", "sh", "-c", &script])
        .output()
        .unwrap()
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn a_full_disk_or_read_only_cache_is_reported_and_loses_nothing() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let token_before = std::fs::read(sb.token_file("corp")).unwrap();
    std::fs::create_dir_all(sb.cli_cache()).unwrap();
    let cache = sb.cli_cache().display().to_string();
    for (opts, fill, why) in [
        ("size=8k,mode=0700", true, "No space left on device"),
        ("ro,mode=0700", false, "Read-only file system"),
    ] {
        let out = with_mounted(
            &sb,
            &sb.cli_cache(),
            opts,
            fill,
            "credential-process --profile dev",
        );
        assert!(out.status.success(), "{opts}: {}", stderr(&out));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(
            v["AccessKeyId"].as_str().unwrap().starts_with("ASIAMOCK"),
            "the credentials are still handed out"
        );
        let err = stderr(&out);
        assert!(
            err.starts_with(&format!("warning: cannot write {cache}/")),
            "{opts}: {err}"
        );
        assert!(err.contains(why) && err.trim_end().ends_with("the role credentials were not cached (check free disk space and that the directory is writable)"), "{opts}: {err}");
        assert_eq!(
            std::fs::read(sb.token_file("corp")).unwrap(),
            token_before,
            "the token is untouched"
        );
    }
    // An explicit login into a read-only token cache fails clearly after signing in, and says so.
    let sso = sb.sso_cache();
    let out = with_mounted(
        &sb,
        &sso,
        "ro,mode=0700",
        false,
        "login --profile dev --device-code",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Read-only file system")
            && stderr(&out).contains("the SSO token was not cached"),
        "{}",
        stderr(&out)
    );
}

/// The temp files (`.NAME.XXXX.tmp`) in the two AWS cache directories.
fn temp_files(sb: &Sandbox) -> Vec<PathBuf> {
    [sb.sso_cache(), sb.cli_cache()]
        .iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flat_map(|rd| rd.flatten().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".tmp"))
        .collect()
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn sigkill_mid_write_leaves_no_temp_file_holding_a_secret() {
    let sb = Sandbox::new().await;
    sb.mock.set_role_credentials_ttl(60); // every run fetches and rewrites the role credentials
    sb.seed_token("seed-access", Some("seed-refresh"), 10 * 60); // and refreshes the token
    // Large writes widen the window a killed writer can die in: pad the token file with an
    // unknown key (kept on every rewrite).
    let mut token: Value =
        serde_json::from_slice(&std::fs::read(sb.token_file("corp")).unwrap()).unwrap();
    token["padding"] = "x".repeat(4 << 20).into();
    std::fs::write(sb.token_file("corp"), token.to_string()).unwrap();
    let mut killed_mid_run = 0;
    for i in 0..30u64 {
        let mut child = sb
            .std_cmd()
            .args(["credential-process", "--profile", "dev"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait for the refresh to be on its way, then kill somewhere in the write.
        let before = sb.mock.count(Op::CreateTokenRefresh);
        let deadline = Instant::now() + Duration::from_secs(10);
        while sb.mock.count(Op::CreateTokenRefresh) == before && Instant::now() < deadline {
            std::thread::sleep(Duration::from_micros(200));
        }
        std::thread::sleep(Duration::from_millis(7 * (i % 30)));
        let _ = child.kill();
        if child.wait().unwrap().code().is_none() {
            killed_mid_run += 1;
        }
        let left = temp_files(&sb);
        assert!(left.is_empty(), "iteration {i}: left behind {left:?}");
    }
    assert!(killed_mid_run > 0, "the test must kill runs in flight");
}

fn mode_of(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_group_writable_sso_cache_of_ours_is_fixed_before_any_request() {
    let sb = Sandbox::new().await;
    sb.seed_token("seed-access", Some("seed-refresh"), 10 * 60); // every call would refresh
    chmod(&sb.sso_cache(), 0o775); // what botocore makes under umask 002
    let dir = sb.sso_cache().display().to_string();
    for i in 0..3 {
        let out = sb
            .std_cmd()
            .args(["credential-process", "--profile", "dev"])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(out.status.success(), "call {i}: {}", stderr(&out));
        let want = if i == 0 {
            format!(
                "warning: {dir} was writable by group or others (mode 775); made it private (mode 700)\n"
            )
        } else {
            String::new()
        };
        assert_eq!(stderr(&out), want, "call {i}");
    }
    assert_eq!(mode_of(&sb.sso_cache()), 0o700);
    assert_eq!(
        sb.mock.count(Op::CreateTokenRefresh),
        1,
        "one refresh, kept"
    );
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn login_refuses_an_unsafe_cache_before_running_the_flow() {
    let sb = Sandbox::new().await;
    std::fs::create_dir_all(sb.sso_cache()).unwrap();
    chmod(&sb.sso_cache(), 0o777);
    let out = sb.run(&["login", "--profile", "dev", "--device-code"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let dir = sb.sso_cache().display().to_string();
    assert_eq!(
        stderr(&out),
        format!(
            "error: refusing to use {dir}: it is writable by group or others (mode 777)\nhint: fix it with: chmod go-w {dir}\n"
        )
    );
    assert_eq!(sb.mock.total_requests(), 0, "no request before the check");
    assert_eq!(sb.browser_opens(), 0);
}
