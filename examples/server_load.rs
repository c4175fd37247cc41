//! Load generator for the credentials server (`ssoexec serve`, the `exec --renew` helper), used
//! by `bench/server.sh`: C clients each send R authorized requests, one connection per request as
//! the SDKs' container provider does, while H idle connections (which never send a byte) are held
//! open and re-opened whenever the server drops them. Prints one Markdown table row.
//!
//! ```text
//! cargo run --example server_load -- --url URL --token TOKEN [--clients 200] [--requests 50] [--idle 0]
//! ```
// A benchmark tool, not domain code: it prints and reads the real clock.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A request that takes longer than this counts as failed.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

struct Args {
    addr: String,
    token: String,
    clients: usize,
    requests: usize,
    idle: usize,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        addr: String::new(),
        token: String::new(),
        clients: 200,
        requests: 50,
        idle: 0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--url" => {
                let url = value()?;
                let rest = url.strip_prefix("http://").ok_or("--url must be http://")?;
                a.addr = rest.trim_end_matches('/').to_string();
            }
            "--token" => a.token = value()?,
            "--clients" => a.clients = value()?.parse().map_err(|e| format!("{e}"))?,
            "--requests" => a.requests = value()?.parse().map_err(|e| format!("{e}"))?,
            "--idle" => a.idle = value()?.parse().map_err(|e| format!("{e}"))?,
            _ => return Err(format!("unknown argument {flag}")),
        }
    }
    if a.addr.is_empty() || a.token.is_empty() {
        return Err("--url and --token are required".into());
    }
    Ok(a)
}

/// One GET on a fresh connection; `Ok` only for a complete 200 answer.
async fn request(addr: &str, token: &str) -> Result<(), String> {
    let mut s = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let req = format!(
        "GET / HTTP/1.1\r\nhost: {addr}\r\nauthorization: {token}\r\nconnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out);
    if text.starts_with("HTTP/1.1 200") && text.contains("\"AccessKeyId\"") {
        Ok(())
    } else {
        Err(text.lines().next().unwrap_or("empty answer").to_string())
    }
}

/// Keeps one idle connection open (re-opening it when the server closes it) until `stop`.
async fn hold_idle(addr: String, stop: tokio::sync::watch::Receiver<bool>) -> usize {
    let mut reopened = 0;
    while !*stop.borrow() {
        let Ok(mut s) = TcpStream::connect(&addr).await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let mut buf = [0u8; 64];
        let mut stop = stop.clone();
        tokio::select! {
            _ = s.read(&mut buf) => reopened += 1,
            _ = stop.changed() => break,
        }
    }
    reopened
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let a = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("server_load: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let idle: Vec<_> = (0..a.idle)
        .map(|_| tokio::spawn(hold_idle(a.addr.clone(), stop_rx.clone())))
        .collect();
    if a.idle > 0 {
        tokio::time::sleep(Duration::from_millis(500)).await; // let them connect first
    }
    let started = Instant::now();
    let clients: Vec<_> = (0..a.clients)
        .map(|_| {
            let (addr, token, n) = (a.addr.clone(), a.token.clone(), a.requests);
            tokio::spawn(async move {
                let mut lat = Vec::with_capacity(n);
                let mut failures = Vec::new();
                for _ in 0..n {
                    let t = Instant::now();
                    match tokio::time::timeout(REQUEST_TIMEOUT, request(&addr, &token)).await {
                        Ok(Ok(())) => lat.push(t.elapsed()),
                        Ok(Err(e)) => failures.push(e),
                        Err(_) => failures.push("timeout".into()),
                    }
                }
                (lat, failures)
            })
        })
        .collect();
    let mut lat = Vec::new();
    let mut failures: Vec<String> = Vec::new();
    for c in clients {
        if let Ok((l, f)) = c.await {
            lat.extend(l);
            failures.extend(f);
        }
    }
    let wall = started.elapsed();
    let _ = stop_tx.send(true);
    let mut reopened = 0;
    for h in idle {
        reopened += h.await.unwrap_or(0);
    }
    lat.sort();
    let total = a.clients * a.requests;
    let first_failure = failures.first().cloned().unwrap_or_default();
    println!(
        "| {} × {} | {} | {} | {} | {} | {} | {} | {} | {:.0} | {} |",
        a.clients,
        a.requests,
        a.idle,
        total,
        failures.len(),
        ms(percentile(&lat, 0.5)),
        ms(percentile(&lat, 0.99)),
        ms(lat.last().copied().unwrap_or_default()),
        ms(wall),
        lat.len() as f64 / wall.as_secs_f64(),
        if a.idle > 0 {
            format!("{reopened} idle connections dropped by the server")
        } else if failures.is_empty() {
            String::new()
        } else {
            format!("first failure: {first_failure}")
        },
    );
    if failures.is_empty() {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::from(1)
    }
}
