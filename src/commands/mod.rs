//! Commands: each takes the `App` (settings and handles), never raw arguments.
mod accounts;
mod completions;
mod credential_process;
mod eks_token;
mod exec;
mod export;
mod github;
mod kubeconfig;
mod login;
mod logout;
mod serve;
mod status;

use crate::app::App;
use crate::cli::{Cli, Command, ParseError};
use crate::config::AwsConfig;
use crate::error::Error;
pub(crate) use crate::error::write_stdout;
use crate::settings::Settings;
use crate::support::clock::Clock;
use crate::support::env::{self, Env};
use crate::support::exit::ExitStatus;
use crate::support::printer::Printer;
use std::path::PathBuf;

pub async fn run(cli: Cli, env: Env, printer: Printer) -> Result<ExitStatus, Error> {
    // Commands that need no settings (they must work without HOME or a config).
    match &cli.command {
        Some(Command::Completions(args)) => return completions::completions(args),
        Some(Command::Man(args)) => return completions::man(args),
        _ => {}
    }
    let home = home_dir(&env)?;
    if let Some(Command::CompleteProfiles) = &cli.command {
        // Completion must not fail on a bad AWS_REGION: only the config is read.
        return completions::profiles(&AwsConfig::load(&env, &home)?);
    }
    let clock = Clock::from_env(&env).map_err(Error::Usage)?;
    let config = if cli.target.start_url.is_some() {
        AwsConfig::empty()
    } else {
        AwsConfig::load(&env, &home)?
    };
    let settings = Settings::resolve(&cli, &env, config, home)?;
    for w in &settings.warnings {
        printer.warn(w);
    }
    let app = std::sync::Arc::new(App::new(env, clock, printer, settings));
    match cli.command {
        Some(Command::Login) => login::login(&app).await,
        Some(Command::Logout(args)) => logout::logout(&app, &args).await,
        Some(Command::CredentialProcess) => credential_process::run(&app).await,
        Some(Command::Export(args)) => export::run(&app, &args).await,
        Some(Command::Exec(args)) => exec::run(&app, &args.command_line, args.renew, args.force).await,
        Some(Command::Status(args)) => status::status(&app, &args).await,
        Some(Command::Accounts(args)) => accounts::accounts(&app, &args).await,
        Some(Command::Roles(args)) => accounts::roles(&app, &args).await,
        Some(Command::EksToken(args)) => eks_token::eks_token(&app, &args).await,
        Some(Command::Kubeconfig(args)) => kubeconfig::kubeconfig(&app, &args).await,
        Some(Command::Serve(args)) => serve::serve(app.clone(), &args).await,
        Some(Command::Github(args)) => github::github(&app, &args).await,
        Some(Command::Completions(_) | Command::Man(_) | Command::CompleteProfiles) => {
            unreachable!("handled above")
        }
        None if cli.command_line.is_empty() => Err(Error::Usage("no subcommand given: use `ssoexec login`, `ssoexec credential-process`, or `ssoexec -- PROGRAM ARGS...`".into())),
        None => exec::run(&app, &cli.command_line, cli.run.renew, cli.run.force).await,
    }
}

/// Reports a command line that was not accepted (clap's own report for most) and returns the
/// exit code: 2, or 0 for `--help` and `--version`.
pub fn usage_error(e: ParseError) -> i32 {
    let printer = Printer::new(false);
    match e {
        ParseError::Clap(e) => {
            let _ = e.print();
            e.exit_code()
        }
        ParseError::UnknownSubcommand {
            word,
            suggestion,
            with_separator,
        } => {
            let line = with_separator
                .iter()
                .map(|w| crate::support::shell::word(w))
                .collect::<Vec<_>>()
                .join(" ");
            let line = crate::support::text::clean(&line);
            let hint = match suggestion {
                Some(s) => {
                    format!("did you mean `ssoexec {s}`? To run a program named {word}: {line}")
                }
                None => format!("to run a program with credentials, put it after `--`: {line}"),
            };
            printer.info(format!(
                "error: unrecognized subcommand '{}'\nhint: {hint}",
                crate::support::text::clean(&word)
            ));
            ExitStatus::Usage.code()
        }
        ParseError::Misplaced { flag, subcommand } => {
            printer.info(format!("error: {flag} applies to `ssoexec -- PROGRAM` and `ssoexec exec`, not to `ssoexec {subcommand}`\nhint: see `ssoexec {subcommand} --help`"));
            ExitStatus::Usage.code()
        }
    }
}

fn home_dir(env: &Env) -> Result<PathBuf, Error> {
    env.get(env::HOME)
        .or_else(|| env.get(env::USERPROFILE))
        .map(PathBuf::from)
        .ok_or_else(|| {
            Error::failed(
                "cannot find the home directory (HOME is not set)",
                Some("set HOME".into()),
            )
        })
}
