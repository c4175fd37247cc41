//! Commands: each takes the `App` (settings and handles), never raw arguments.
mod accounts;
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
use crate::cli::{Cli, Command};
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
    let home = home_dir(&env)?;
    let clock = Clock::from_env(&env).map_err(Error::Usage)?;
    let config = if cli.target.start_url.is_some() {
        AwsConfig::empty()
    } else {
        AwsConfig::load(&env, &home)?
    };
    let mut settings = Settings::resolve(&cli, &env, config, home)?;
    if matches!(cli.command, Some(Command::Github(_))) {
        github::keep_caches_in_runner_temp(&env, &mut settings.paths);
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
        None if cli.command_line.is_empty() => Err(Error::Usage("no command given: use `ssoexec login`, `ssoexec credential-process`, or `ssoexec -- COMMAND ARGS...`".into())),
        None => exec::run(&app, &cli.command_line, false, false).await,
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
