//! ssoexec: sign in to AWS IAM Identity Center once and hand role credentials to every consumer.
//! This file is the table of contents; `main.rs` only runs `main_entry`.
//!
//! Modules form layers; a module imports only from its own layer or the ones listed after it
//! (`tests/it/layering.rs` fails on an upward import):
//!
//! | layer | modules | owns |
//! |---|---|---|
//! | commands | `commands` | one file per subcommand: args → options → library call → exit status |
//! | output | `output` | formats, registry, plugins, sinks, the delivery engine |
//! | consumers | `kube`, `exec`, `containers`, `github` | ExecCredential + kubeconfig; child env + container server; containers' credentials (network, tokens, docker/compose lines); GitHub step files |
//! | credentials | `credentials` | the credential sources: SSO role, static keys, environment, assumed role (chains), web identity |
//! | login | `login` | flow choice, device code, PKCE, browser, the countdown |
//! | context | `app`, `error` | the handles a run uses; the one error type, its hints and exit status |
//! | cache | `cache` | the AWS-CLI-compatible files: token, registration, role, assumed role, EKS token, markers |
//! | aws | `aws` | one HTTP client, endpoints, typed error codes, OIDC/portal/STS/EKS/console-federation clients |
//! | settings | `cli`, `config`, `settings` | clap types; the shared-config dialect and profile → identity; flags + env + config → Settings |
//! | support | `support` | env registry, clock, printer, secrets, shell quoting, atomic files, locks, exit codes |
pub(crate) mod app;
pub(crate) mod aws;
pub mod cache;
pub(crate) mod cli;
pub(crate) mod commands;
pub mod config;
pub(crate) mod containers;
pub(crate) mod credentials;
pub(crate) mod error;
pub(crate) mod exec;
pub(crate) mod github;
pub mod kube;
pub(crate) mod login;
pub mod output;
pub(crate) mod settings;
pub(crate) mod support;

use support::exit::ExitStatus;

/// Runs every parser of server responses on `bytes` (the `server_response` fuzz target).
#[doc(hidden)]
pub fn fuzz_server_response(bytes: &[u8]) {
    aws::response::parse_all(bytes, time::OffsetDateTime::UNIX_EPOCH);
}

/// Takes Ctrl-C (SIGINT; the console's CTRL_C_EVENT and CTRL_BREAK_EVENT) from now on and does
/// nothing with it: the handlers are installed before this returns, so the default action (ending
/// the process) is gone.
fn ignore_interrupts() -> std::io::Result<()> {
    #[cfg(unix)]
    let mut interrupts = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    #[cfg(windows)]
    let mut interrupts = {
        // Ctrl-Break too: ssoexec, waiting for the child, ignores both (exec::run).
        let mut breaks = tokio::signal::windows::ctrl_break()?;
        tokio::spawn(async move { while breaks.recv().await.is_some() {} });
        tokio::signal::windows::ctrl_c()?
    };
    tokio::spawn(async move { while interrupts.recv().await.is_some() {} });
    Ok(())
}

/// Parses the command line, runs the command, prints the error report; returns the exit code.
pub fn main_entry() -> i32 {
    let cli = match cli::parse_from(std::env::args_os().collect()) {
        Ok(cli) => cli,
        Err(e) => return commands::usage_error(e),
    };
    let env = support::env::Env::from_process();
    let printer = support::printer::Printer::new(cli.debug)
        .with_colour(support::printer::colour_allowed(&env));
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            printer.info(format!("error: cannot start the async runtime: {e}"));
            return ExitStatus::Usage.code();
        }
    };
    // The `exec --renew` helper shares the child's console (Windows) or process group (Unix), so
    // a Ctrl-C meant for the child reaches it too: the child may go on (terraform's graceful stop,
    // a REPL, a shell) and must keep its credentials. The helper ends with its lifeline only.
    let helper = matches!(&cli.command, Some(cli::Command::Serve(a)) if a.lifeline_stdin || a.lifeline_parent);
    let result = runtime.block_on(async {
        if helper {
            if let Err(e) = ignore_interrupts() {
                printer.debug(format!("cannot ignore Ctrl-C: {e}"));
            }
            return commands::run(cli, env, printer.clone()).await;
        }
        tokio::select! {
            r = commands::run(cli, env, printer.clone()) => r,
            _ = tokio::signal::ctrl_c() => Err(error::Error::Interrupted),
        }
    });
    // Do not wait for blocking-pool threads (a lock wait we gave up on may still be parked).
    runtime.shutdown_background();
    match result {
        Ok(status) => status.code(),
        Err(e) => {
            report(&printer, &e);
            e.exit_status().code()
        }
    }
}

/// `error: …`, the cause chain, then `hint: …`.
fn report(printer: &support::printer::Printer, e: &error::Error) {
    let mut text = format!("error: {e}");
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(&format!("\n  caused by: {s}"));
        source = s.source();
    }
    if let Some(h) = e.hint() {
        text.push_str(&format!("\nhint: {h}"));
    }
    printer.info(text);
}
