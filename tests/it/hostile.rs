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
        assert!(sb.mock.total_requests() <= 3, "{}", sb.mock.total_requests());
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

#[tokio::test(flavor = "multi_thread")]
async fn an_endless_config_file_fails_fast() {
    let sb = Sandbox::new().await;
    let started = Instant::now();
    let out = sb
        .cmd()
        .args(["credential-process", "--profile", "dev"])
        .env("AWS_CONFIG_FILE", "/dev/zero")
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap();
    no_panic(&out);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with(
            "error: cannot read /dev/zero\n  caused by: it is larger than 16 MiB\n"
        ),
        "{}",
        stderr(&out)
    );
    assert!(started.elapsed() < Duration::from_secs(5));
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
