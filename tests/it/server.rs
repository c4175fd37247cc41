//! The credentials server (`serve`, the `exec --renew` helper) under load and attack: idle
//! connections, descriptor exhaustion, and what `serve` prints.
use crate::support::mock::Op;
use crate::support::sandbox::*;
use std::io::{BufRead, BufReader, Read};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// A running `ssoexec serve` (killed on drop) and the two values it printed.
struct Served {
    child: Child,
    url: String,
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))] // used by the Linux-only test
    token: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    fn port(&self) -> u16 {
        self.url
            .trim_end_matches('/')
            .rsplit(':')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    }

    /// CPU time the server has used so far, in clock ticks (utime + stime).
    #[cfg(target_os = "linux")]
    fn cpu_ticks(&self) -> u64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap();
        let fields: Vec<&str> = stat
            .rsplit(')')
            .next()
            .unwrap()
            .split_whitespace()
            .collect();
        fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
    }
}

/// `ssoexec serve --profile dev` run through `sh -c '<prefix> exec ssoexec serve …'`.
fn serve(sb: &Sandbox, prefix: &str, env: &[(&str, &str)], extra: &[&str]) -> Served {
    let bin = assert_cmd::cargo::cargo_bin("ssoexec");
    let mut cmd = sb.wrapper("sh");
    cmd.arg("-c")
        .arg(format!(
            "{prefix} exec '{}' serve --profile dev {}",
            bin.display(),
            extra.join(" ")
        ))
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url_line = lines.next().unwrap().unwrap();
    let token_line = lines.next().unwrap().unwrap();
    // Quoted when it holds a character sh would expand (`[::1]`: a glob).
    let url = url_line
        .strip_prefix("export AWS_CONTAINER_CREDENTIALS_FULL_URI=")
        .unwrap()
        .trim_matches('\'')
        .to_string();
    let token = token_line
        .strip_prefix("export AWS_CONTAINER_AUTHORIZATION_TOKEN=")
        .unwrap()
        .trim_matches('\'')
        .to_string();
    Served { child, url, token }
}

/// One authorized GET on a fresh connection: the status line's code.
#[cfg(target_os = "linux")]
fn get(port: u16, token: &str, timeout: Duration) -> Option<u16> {
    use std::io::Write;
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(timeout)).ok()?;
    write!(
        s,
        "GET / HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: {token}\r\nconnection: close\r\n\r\n"
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    out.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn descriptor_exhaustion_neither_spins_a_core_nor_locks_clients_out() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    // Few descriptors, then more idle connections than that: accept() fails with EMFILE.
    let served = serve(&sb, "ulimit -n 40 &&", &[], &[]);
    assert_eq!(
        get(served.port(), &served.token, Duration::from_secs(10)),
        Some(200)
    );
    let idle: Vec<TcpStream> = (0..60)
        .filter_map(|_| TcpStream::connect(("127.0.0.1", served.port())).ok())
        .collect();
    assert!(idle.len() >= 50);
    let before = served.cpu_ticks();
    std::thread::sleep(Duration::from_secs(3));
    let used = served.cpu_ticks() - before;
    assert!(
        used < 60,
        "the server burnt {used} ticks of CPU in 3 s while out of descriptors"
    );
    // Idle clients are dropped at the header deadline; a real request then gets through.
    let started = Instant::now();
    assert_eq!(
        get(served.port(), &served.token, Duration::from_secs(30)),
        Some(200)
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    drop(idle);
}

#[cfg_attr(windows, ignore = "needs sh")]
#[tokio::test(flavor = "multi_thread")]
async fn idle_connections_are_closed_at_the_header_deadline() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let served = serve(&sb, "", &[], &[]);
    let mut idle = TcpStream::connect(("127.0.0.1", served.port())).unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let started = Instant::now();
    let mut buf = [0u8; 16];
    let n = idle.read(&mut buf).unwrap_or(0);
    assert_eq!(n, 0, "closed without an answer");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(5) && took < Duration::from_secs(20),
        "{took:?}"
    );
}

#[cfg_attr(windows, ignore = "needs sh")]
#[tokio::test(flavor = "multi_thread")]
async fn serve_prints_an_ipv6_url_in_brackets_and_quotes_a_chosen_token() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        eprintln!("no IPv6 loopback here; skipping the IPv6 half");
    } else {
        let served = serve(&sb, "", &[], &["--bind", "'[::1]:0'"]);
        assert!(served.url.starts_with("http://[::1]:"), "{}", served.url);
        assert!(served.url.ends_with('/'));
        url::Url::parse(&served.url).unwrap();
    }
    // A chosen token with shell syntax in it is quoted for `eval`.
    let token = "a b;$(touch pwned)'x";
    let doc = printed_variables(&sb, &[], token);
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{doc}printf %s \"$AWS_CONTAINER_AUTHORIZATION_TOKEN\""
        ))
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), token, "{doc}");
    assert!(!dir.path().join("pwned").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_public_bind_needs_a_strong_token() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    for weak in ["x", "short-token-15c"] {
        let out = sb
            .cmd()
            .args(["serve", "--profile", "dev", "--bind", "0.0.0.0:0"])
            .env("SSOEXEC_SERVE_TOKEN", weak)
            .timeout(Duration::from_secs(20))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{weak}: {}", stderr(&out));
        assert_eq!(stdout(&out), "");
        assert_eq!(
            stderr(&out),
            "error: refusing to serve credentials on the non-loopback address 0.0.0.0:0 with a token of fewer than 16 characters\nhint: set SSOEXEC_SERVE_TOKEN to a long random value (e.g. `openssl rand -hex 32`), or bind 127.0.0.1\n"
        );
    }
}

/// The two lines `ssoexec serve --profile dev EXTRA…` prints with `SSOEXEC_SERVE_TOKEN=token`
/// (the server is stopped once they are read).
fn printed_variables(sb: &Sandbox, extra: &[&str], token: &str) -> String {
    let mut child = sb
        .std_cmd()
        .args(["serve", "--profile", "dev"])
        .args(extra)
        .env("SSOEXEC_SERVE_TOKEN", token)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (a, b) = (lines.next(), lines.next());
    let _ = child.kill();
    let _ = child.wait();
    format!("{}\n{}\n", a.unwrap().unwrap(), b.unwrap().unwrap())
}

/// `serve --format`: the two variables as each shell's lines, quoted as `export` quotes
/// credentials in that format; a format that is not a shell's, or that cannot carry the token, is
/// refused before anything is served.
#[tokio::test(flavor = "multi_thread")]
async fn serve_prints_its_variables_in_the_shell_format_asked_for() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    // First, with nothing cached yet: a chosen token cmd cannot carry is refused before any
    // request for credentials.
    let out = sb
        .cmd()
        .args(["serve", "--profile", "dev", "--format", "windows-cmd"])
        .env("SSOEXEC_SERVE_TOKEN", "100%sure")
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).starts_with("error: the windows-cmd format cannot carry the value of AWS_CONTAINER_AUTHORIZATION_TOKEN: cmd interprets"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("100%sure"));
    assert_eq!(sb.mock.count(Op::GetRoleCredentials), 0);
    let token = "tok'en $x";
    let first_lines = |format: &str| -> String {
        let doc = printed_variables(&sb, &["--format", format], token);
        // The port is the system's choice.
        let port = doc
            .split("127.0.0.1:")
            .nth(1)
            .unwrap()
            .split('/')
            .next()
            .unwrap()
            .to_string();
        doc.replace(&format!("127.0.0.1:{port}/"), "127.0.0.1:PORT/")
    };
    let cases = [
        (
            "env",
            "export AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:PORT/\nexport AWS_CONTAINER_AUTHORIZATION_TOKEN='tok'\\''en $x'\n",
        ),
        (
            "env-no-export",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:PORT/\nAWS_CONTAINER_AUTHORIZATION_TOKEN='tok'\\''en $x'\n",
        ),
        (
            "fish",
            "set -gx AWS_CONTAINER_CREDENTIALS_FULL_URI \"http://127.0.0.1:PORT/\"\nset -gx AWS_CONTAINER_AUTHORIZATION_TOKEN \"tok'en \\$x\"\n",
        ),
        (
            "powershell",
            "$Env:AWS_CONTAINER_CREDENTIALS_FULL_URI=\"http://127.0.0.1:PORT/\"\n$Env:AWS_CONTAINER_AUTHORIZATION_TOKEN='tok''en $x'\n",
        ),
        (
            "windows-cmd",
            "set AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:PORT/\nset AWS_CONTAINER_AUTHORIZATION_TOKEN=tok'en $x\n",
        ),
    ];
    for (format, expected) in cases {
        assert_eq!(first_lines(format), expected, "{format}");
    }
    sb.mock.reset_counts();
    let out = sb.run(&["serve", "--profile", "dev", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        "error: serve prints its variables as env, env-no-export, fish, powershell, windows-cmd, not json\nhint: see `ssoexec --help`\n"
    );
    assert_eq!(sb.mock.count(Op::GetRoleCredentials), 0);
}
