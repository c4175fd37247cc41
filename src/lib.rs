//! ssoexec: sign in to AWS IAM Identity Center once and hand role credentials to every consumer.
//! This file is the table of contents; `main.rs` only runs `run`.
pub mod app;
pub mod cache;
pub mod ci;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod credentials;
pub mod endpoint;
pub mod env;
pub mod error;
pub mod exec;
pub mod exit;
pub mod http;
pub mod kube;
pub mod output;
pub mod printer;
pub mod secret;
pub mod settings;
pub mod sso;
pub mod sts;

use clap::Parser;
use exit::ExitStatus;

/// Parses the command line, runs the command, prints the error report; returns the exit code.
pub fn main_entry() -> i32 {
    let cli = cli::Cli::parse();
    let env = env::Env::from_process();
    let printer = printer::Printer::new(cli.debug);
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
    let result = runtime.block_on(async {
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
fn report(printer: &printer::Printer, e: &error::Error) {
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
