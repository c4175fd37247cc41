//! Runs the test suite's mock AWS IAM Identity Center as a standalone server, for the demo and
//! for benchmark scripts.
//!
//! ```text
//! cargo run --example mock_idc -- [--port N] [--auto-approve] [--access-token-ttl S]
//!                                 [--role-ttl S] [--latency-ms MS] [--exit-on-stdin-eof]
//! ```
//!
//! Prints exactly one line, the base URL (`http://127.0.0.1:PORT`), on stdout; everything else
//! goes to stderr. Point `AWS_ENDPOINT_URL_SSO_OIDC`, `_SSO`, `_STS` and `_EKS` at that URL. It
//! serves until SIGINT/SIGTERM, or until stdin reaches end of file with `--exit-on-stdin-eof`
//! (so a parent script can stop it by closing the pipe). `GET /__mock/stats` returns request
//! counts, `POST /__mock/reset` clears them, and `GET /__mock/github` returns the URL and bearer
//! for the GitHub Actions OIDC endpoint. `--latency-ms MS` delays every answer (not the control
//! plane) by MS milliseconds, to stand in for the network (`bench/run.sh` measures the cold path
//! at 0 and 50 ms).

// A test fixture, not domain code: it reports on stderr directly and the mock reads the real
// clock, so the crate's handle-only rules (clippy.toml) do not apply here.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

use ssoexec_mock_idc as mock;

use std::io::Write as _;
use std::net::TcpListener;
use std::process::ExitCode;

const USAGE: &str = "usage: mock_idc [--port N] [--auto-approve] [--access-token-ttl SECS] \
                     [--role-ttl SECS] [--latency-ms MS] [--exit-on-stdin-eof]";

#[derive(Default)]
struct Args {
    port: u16,
    auto_approve: bool,
    access_token_ttl: Option<i64>,
    role_ttl: Option<i64>,
    latency_ms: u64,
    exit_on_stdin_eof: bool,
}

fn parse_args(mut words: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut args = Args::default();
    while let Some(arg) = words.next() {
        match arg.as_str() {
            "--port" => args.port = number(&arg, words.next())?,
            "--access-token-ttl" => args.access_token_ttl = Some(number(&arg, words.next())?),
            "--role-ttl" => args.role_ttl = Some(number(&arg, words.next())?),
            "--latency-ms" => args.latency_ms = number(&arg, words.next())?,
            "--auto-approve" => args.auto_approve = true,
            "--exit-on-stdin-eof" => args.exit_on_stdin_eof = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(args)
}

/// Parses the value that follows `flag`.
fn number<T: std::str::FromStr>(flag: &str, value: Option<String>) -> Result<T, String> {
    let raw = value.ok_or_else(|| format!("{flag} needs a value"))?;
    raw.parse()
        .map_err(|_| format!("{flag}: {raw:?} is not a valid number"))
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("mock_idc: {message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build();
    match runtime {
        Ok(runtime) => runtime.block_on(serve(args)),
        Err(error) => {
            eprintln!("mock_idc: cannot start the async runtime: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: Args) -> ExitCode {
    let listener = match TcpListener::bind(("127.0.0.1", args.port)) {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!(
                "mock_idc: cannot listen on 127.0.0.1:{}: {error}",
                args.port
            );
            return ExitCode::FAILURE;
        }
    };
    let idc = mock::MockIdc::start_on(listener).await;
    idc.set_auto_approve(args.auto_approve);
    if let Some(ttl) = args.access_token_ttl {
        idc.set_access_token_ttl(ttl);
    }
    if let Some(ttl) = args.role_ttl {
        idc.set_role_credentials_ttl(ttl);
    }
    idc.set_latency(None, args.latency_ms);
    let mut stdout = std::io::stdout();
    if writeln!(stdout, "{}", idc.uri())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        eprintln!("mock_idc: cannot write the URL to stdout");
        return ExitCode::FAILURE;
    }
    eprintln!(
        "mock_idc: serving the mock IAM Identity Center at {}",
        idc.uri()
    );
    wait_for_shutdown(args.exit_on_stdin_eof).await;
    eprintln!("mock_idc: stopping after {} requests", idc.total_requests());
    ExitCode::SUCCESS
}

async fn wait_for_shutdown(exit_on_stdin_eof: bool) {
    let stdin_closed = async {
        if exit_on_stdin_eof {
            stdin_eof().await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => eprintln!("mock_idc: interrupted"),
        () = terminated() => eprintln!("mock_idc: terminated"),
        () = stdin_closed => eprintln!("mock_idc: stdin closed"),
    }
}

/// Completes when stdin reaches end of file (or fails). Tokio's `io-std` feature is not enabled
/// in this crate, so a plain thread drains stdin and reports through a channel.
async fn stdin_eof() {
    let (done, closed) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        // Any outcome (EOF or a read error) means the parent is gone.
        let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
        let _ = done.send(());
    });
    let _ = closed.await;
}

#[cfg(unix)]
async fn terminated() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut sigterm) => {
            sigterm.recv().await;
        }
        Err(error) => {
            eprintln!("mock_idc: cannot watch SIGTERM ({error}); use SIGINT");
            std::future::pending::<()>().await;
        }
    }
}

#[cfg(not(unix))]
async fn terminated() {
    std::future::pending::<()>().await;
}
