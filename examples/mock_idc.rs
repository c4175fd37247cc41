//! Runs the test suite's mock AWS IAM Identity Center as a standalone server, for the demo and
//! for benchmark scripts.
//!
//! ```text
//! cargo run --example mock_idc -- [--port N] [--auto-approve] [--access-token-ttl S]
//!                                 [--role-ttl S] [--latency-ms MS] [--exit-on-stdin-eof]
//!                                 [--accounts N [--roles N]] [--page-size N]
//!                                 [--throttle-every N | --throttle-percent P [--throttle-seed S]]
//!                                 [--repeat-next-token]
//!                                 [--clusters-per-account N [--cluster-regions R1,R2]]
//!                                 [--deny-eks ACCOUNT:ROLE] [--eks-disabled-region R]
//!                                 [--require-external-id ACCOUNT:ROLE:ID] [--require-mfa ACCOUNT:ROLE]
//! ```
//!
//! Run with `--help` for what each flag does. Every `--deny-eks`, `--eks-disabled-region`,
//! `--require-external-id` and `--require-mfa` may be repeated.
//!
//! Prints exactly one line, the base URL (`http://127.0.0.1:PORT`), on stdout; everything else
//! goes to stderr. Point `AWS_ENDPOINT_URL_SSO_OIDC`, `_SSO`, `_STS` and `_EKS` at that URL. It
//! serves until SIGINT/SIGTERM, or until stdin reaches end of file with `--exit-on-stdin-eof`
//! (so a parent script can stop it by closing the pipe). `GET /__mock/stats` returns request
//! counts, `POST /__mock/reset` clears them, and `GET /__mock/github` returns the URL and bearer
//! for the GitHub Actions OIDC endpoint. `--latency-ms MS` delays every answer (not the control
//! plane) by MS milliseconds, to stand in for the network (`bench/run.sh` measures the cold path
//! at 0 and 50 ms). `GET /__mock/federation` returns the last console sign-in session and
//! `GET /__mock/assume-role` every accepted `AssumeRole` call.

// A test fixture, not domain code: it reports on stderr directly and the mock reads the real
// clock, so the crate's handle-only rules (clippy.toml) do not apply here.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

use ssoexec_mock_idc as mock;
use ssoexec_mock_idc::Throttle;

use std::io::Write as _;
use std::net::TcpListener;
use std::process::ExitCode;

const USAGE: &str = "usage: mock_idc [OPTIONS]   (--help for the list)";

const HELP: &str = "\
Runs the ssoexec test suite's mock AWS IAM Identity Center on 127.0.0.1 and prints its URL.

usage: mock_idc [OPTIONS]

Server:
  --port N                     listen on 127.0.0.1:N (default 0: any free port)
  --exit-on-stdin-eof          stop when stdin reaches end of file
  --latency-ms MS              delay every answer (not the control plane) by MS milliseconds

Sign-in:
  --auto-approve               device codes are approved as soon as they are created
  --access-token-ttl SECS      lifetime of SSO access tokens (default 3600)
  --role-ttl SECS              lifetime of role credentials (default 3600)

Accounts and pagination:
  --accounts N                 replace the 3 default accounts with N generated ones:
                               ids 100000000001.., names account-0001.., emails account-0001@example.com
  --roles N                    roles per generated account (default 3): AdministratorAccess,
                               ReadOnlyAccess, PowerUserAccess, ViewOnlyAccess, ..., then Role11..
  --page-size N                most items per ListAccounts/ListAccountRoles page (default 2)
  --repeat-next-token          hostile: every list page is the first one, with the same nextToken

Throttling (portal, STS, EKS, federation):
  --throttle-every N           every Nth request of each operation is throttled
  --throttle-percent P         each request is throttled with probability P% ...
  --throttle-seed S            ... from a PRNG seeded with S (default 1)

EKS (ListClusters, DescribeCluster; account from the signing key, region from its scope):
  --clusters-per-account N     N clusters per account and region, named <account name>-<region>-<k>
  --cluster-regions R1,R2      regions for --clusters-per-account (default eu-west-1,us-east-1)
  --deny-eks ACCOUNT:ROLE      that role's credentials get 403 AccessDeniedException from EKS
  --eks-disabled-region R      EKS calls signed for R get 403 UnrecognizedClientException

STS AssumeRole (the signature is verified against the secrets the mock issued):
  --require-external-id ACCOUNT:ROLE:ID   assuming that role needs ExternalId ID
  --require-mfa ACCOUNT:ROLE   assuming that role needs SerialNumber and TokenCode 123456

Control plane: GET /__mock/stats, POST /__mock/reset, GET /__mock/github,
GET /__mock/federation, GET /__mock/assume-role.
";

#[derive(Default)]
struct Args {
    port: u16,
    auto_approve: bool,
    access_token_ttl: Option<i64>,
    role_ttl: Option<i64>,
    latency_ms: u64,
    exit_on_stdin_eof: bool,
    accounts: Option<usize>,
    roles: Option<usize>,
    page_size: Option<usize>,
    repeat_next_token: bool,
    throttle_every: Option<u64>,
    throttle_percent: Option<u8>,
    throttle_seed: Option<u64>,
    clusters_per_account: Option<usize>,
    cluster_regions: Option<Vec<String>>,
    deny_eks: Vec<(String, String)>,
    eks_disabled_regions: Vec<String>,
    external_ids: Vec<(String, String, String)>,
    mfa_roles: Vec<(String, String)>,
}

/// Why argument parsing stopped.
enum Stop {
    Help,
    Error(String),
}

fn parse_args(mut words: impl Iterator<Item = String>) -> Result<Args, Stop> {
    let mut args = Args::default();
    while let Some(arg) = words.next() {
        let flag = arg.as_str();
        match flag {
            "--port" => args.port = number(flag, words.next())?,
            "--access-token-ttl" => args.access_token_ttl = Some(number(flag, words.next())?),
            "--role-ttl" => args.role_ttl = Some(number(flag, words.next())?),
            "--latency-ms" => args.latency_ms = number(flag, words.next())?,
            "--auto-approve" => args.auto_approve = true,
            "--exit-on-stdin-eof" => args.exit_on_stdin_eof = true,
            "--accounts" => args.accounts = Some(number(flag, words.next())?),
            "--roles" => args.roles = Some(number(flag, words.next())?),
            "--page-size" => args.page_size = Some(number(flag, words.next())?),
            "--repeat-next-token" => args.repeat_next_token = true,
            "--throttle-every" => args.throttle_every = Some(number(flag, words.next())?),
            "--throttle-percent" => {
                let p: u8 = number(flag, words.next())?;
                if p > 100 {
                    return Err(Stop::Error(format!("{flag}: {p} is above 100")));
                }
                args.throttle_percent = Some(p);
            }
            "--throttle-seed" => args.throttle_seed = Some(number(flag, words.next())?),
            "--clusters-per-account" => {
                args.clusters_per_account = Some(number(flag, words.next())?);
            }
            "--cluster-regions" => {
                let raw = value(flag, words.next())?;
                args.cluster_regions = Some(raw.split(',').map(str::to_owned).collect());
            }
            "--deny-eks" => {
                let [account, role] = parts(flag, words.next())?;
                args.deny_eks.push((account, role));
            }
            "--eks-disabled-region" => args.eks_disabled_regions.push(value(flag, words.next())?),
            "--require-external-id" => {
                let [account, role, id] = parts(flag, words.next())?;
                args.external_ids.push((account, role, id));
            }
            "--require-mfa" => {
                let [account, role] = parts(flag, words.next())?;
                args.mfa_roles.push((account, role));
            }
            "-h" | "--help" => return Err(Stop::Help),
            other => return Err(Stop::Error(format!("unknown argument {other:?}"))),
        }
    }
    if args.throttle_every.is_some() && args.throttle_percent.is_some() {
        return Err(Stop::Error(
            "--throttle-every and --throttle-percent exclude each other".to_owned(),
        ));
    }
    Ok(args)
}

fn value(flag: &str, value: Option<String>) -> Result<String, Stop> {
    value
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Stop::Error(format!("{flag} needs a value")))
}

/// Splits `A:B[:C]` into exactly `N` non-empty parts.
fn parts<const N: usize>(flag: &str, raw: Option<String>) -> Result<[String; N], Stop> {
    let raw = value(flag, raw)?;
    let split: Vec<String> = raw.splitn(N, ':').map(str::to_owned).collect();
    match <[String; N]>::try_from(split) {
        Ok(parts) if parts.iter().all(|p| !p.is_empty()) => Ok(parts),
        _ => Err(Stop::Error(format!(
            "{flag}: {raw:?} should have {N} parts separated by ':'"
        ))),
    }
}

/// Parses the value that follows `flag`.
fn number<T: std::str::FromStr>(flag: &str, raw: Option<String>) -> Result<T, Stop> {
    let raw = value(flag, raw)?;
    raw.parse()
        .map_err(|_| Stop::Error(format!("{flag}: {raw:?} is not a valid number")))
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(Stop::Help) => {
            // Help was asked for: it is the output, on stdout.
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(Stop::Error(message)) => {
            eprintln!("mock_idc: {message}");
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
    configure(&idc, &args);
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

/// Applies the scale, fault, EKS and STS options.
fn configure(idc: &mock::MockIdc, args: &Args) {
    if let Some(accounts) = args.accounts {
        idc.with_accounts(accounts, args.roles.unwrap_or(3));
    }
    if let Some(n) = args.page_size {
        idc.set_page_size(n);
    }
    idc.set_repeat_next_token(args.repeat_next_token);
    let throttle = match (args.throttle_every, args.throttle_percent) {
        (Some(n), _) => Some(Throttle::EveryNth(n)),
        (None, Some(percent)) => Some(Throttle::Random {
            percent,
            seed: args.throttle_seed.unwrap_or(1),
        }),
        (None, None) => None,
    };
    idc.set_throttle(&[], throttle);
    if let Some(n) = args.clusters_per_account {
        let default = ["eu-west-1".to_owned(), "us-east-1".to_owned()];
        let regions = args.cluster_regions.as_deref().unwrap_or(&default);
        let regions: Vec<&str> = regions.iter().map(String::as_str).collect();
        idc.with_clusters_per_account(n, &regions);
    }
    for (account, role) in &args.deny_eks {
        idc.deny_eks(account, role);
    }
    for region in &args.eks_disabled_regions {
        idc.disable_eks_region(region);
    }
    for (account, role, id) in &args.external_ids {
        idc.require_external_id(account, role, id);
    }
    for (account, role) in &args.mfa_roles {
        idc.require_mfa(account, role);
    }
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
