//! The integration tests' browser (`tests/it/support/sandbox.rs` sets `BROWSER` to it): a plain
//! Rust program, so the suite signs in the same way on Linux, macOS and Windows.
//!
//! ```text
//! fake_browser [--idle] [--forge-state] URL
//! ```
//!
//! Appends URL as one line to the file named by `FAKE_BROWSER_LOG` (if set), so tests can
//! count browser opens, then visits it as a person's browser would: `GET` over plain HTTP (only
//! `http://` to this machine: the mock Identity Center and ssoexec's loopback listener), following
//! `Location` redirects (the PKCE `/authorize` page sends the browser to the loopback callback).
//! Exits 0 when the last page answered below 400, 22 otherwise (as `curl -f` does), 2 on bad
//! usage. `--idle` only notes the URL (nobody approves the sign-in); `--forge-state` visits with
//! every `state=` value replaced by `forged` (a callback that is not the login's own).
//!
//! `cargo test --all-targets` builds it as a test target (`harness = false` in Cargo.toml, so the
//! build is this program) and runs it with libtest's arguments and no URL: that does nothing.

#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::Duration;

/// How many redirects are followed, as a browser's limit.
const MAX_HOPS: usize = 10;
const IO_TIMEOUT: Duration = Duration::from_secs(60);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.iter().any(|a| a.contains("://")) && args.iter().all(|a| a != "--idle") {
        // Run by `cargo test` as a test target (with its filters and flags, if any).
        return ExitCode::SUCCESS;
    }
    let mut idle = false;
    let mut forge = false;
    let mut url = None;
    for arg in args {
        match arg.as_str() {
            "--idle" => idle = true,
            "--forge-state" => forge = true,
            _ if url.is_none() => url = Some(arg),
            _ => return usage("one URL only"),
        }
    }
    let Some(url) = url else {
        return usage("no URL");
    };
    if let Some(log) = std::env::var_os("FAKE_BROWSER_LOG") {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .expect("the browser log");
        // One write per line: concurrent browsers append whole lines.
        file.write_all(format!("{url}\n").as_bytes())
            .expect("the browser log");
    }
    if idle {
        return ExitCode::SUCCESS;
    }
    let url = if forge { forge_state(&url) } else { url };
    match visit(&url) {
        Ok(status) if status < 400 => ExitCode::SUCCESS,
        Ok(status) => {
            eprintln!("fake_browser: {url} answered {status}");
            ExitCode::from(22)
        }
        Err(e) => {
            eprintln!("fake_browser: {url}: {e}");
            ExitCode::from(7)
        }
    }
}

fn usage(why: &str) -> ExitCode {
    eprintln!("fake_browser: {why}\nusage: fake_browser [--idle] [--forge-state] URL");
    ExitCode::from(2)
}

/// `state=<anything up to & or the end>` becomes `state=forged`.
fn forge_state(url: &str) -> String {
    let mut out = String::new();
    let mut rest = url;
    while let Some(at) = rest.find("state=") {
        let value = &rest[at + "state=".len()..];
        let end = value.find('&').unwrap_or(value.len());
        out.push_str(&rest[..at]);
        out.push_str("state=forged");
        rest = &value[end..];
    }
    out.push_str(rest);
    out
}

/// GETs `url` and follows redirects; returns the last status.
fn visit(url: &str) -> Result<u16, String> {
    let mut url = url.to_string();
    for _ in 0..MAX_HOPS {
        let (status, location) = get(&url)?;
        match location {
            Some(next) if (300..400).contains(&status) => url = resolve(&url, &next)?,
            _ => return Ok(status),
        }
    }
    Err(format!("more than {MAX_HOPS} redirects"))
}

/// `http://HOST[:PORT]/PATH` into (host, port, path).
fn split(url: &str) -> Result<(String, u16, String), String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("not a plain http URL: {url}"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = match authority.rfind(':') {
        Some(i) if !authority[i..].contains(']') => (
            &authority[..i],
            authority[i + 1..]
                .parse()
                .map_err(|_| format!("bad port in {url}"))?,
        ),
        _ => (authority, 80),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    Ok((host.to_string(), port, path.to_string()))
}

/// An absolute `Location` as is; a path against the URL it came from.
fn resolve(from: &str, location: &str) -> Result<String, String> {
    if location.starts_with("http://") || location.starts_with("https://") {
        return Ok(location.to_string());
    }
    if !location.starts_with('/') {
        return Err(format!(
            "a relative redirect this browser does not follow: {location}"
        ));
    }
    let (host, port, _) = split(from)?;
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host
    };
    Ok(format!("http://{host}:{port}{location}"))
}

/// One `GET` (HTTP/1.1, the connection closed after it): the status and any `Location`.
fn get(url: &str) -> Result<(u16, Option<String>), String> {
    let (host, port, path) = split(url)?;
    let mut stream =
        TcpStream::connect((host.as_str(), port)).map_err(|e| format!("connect: {e}"))?;
    stream.set_read_timeout(Some(IO_TIMEOUT)).ok();
    stream.set_write_timeout(Some(IO_TIMEOUT)).ok();
    let host_header = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: fake_browser\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| format!("send: {e}"))?;
    // The head is all that matters; the body is read to the end so the server sees a browser
    // that took the whole page.
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .map_err(|e| format!("receive: {e}"))?;
    let text = String::from_utf8_lossy(&response);
    let head = text.split("\r\n\r\n").next().unwrap_or_default();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("not an HTTP response: {:?}", head.lines().next()))?;
    let location = lines.find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("location")
            .then(|| value.trim().to_string())
    });
    Ok((status, location))
}
