//! Commands: each takes the `App` (settings and handles), never raw arguments.
mod accounts;
mod completions;
mod compose;
mod configure;
mod console;
mod credential_process;
mod discovery;
mod docker;
mod doctor;
mod eks_token;
mod exec;
mod export;
mod generate;
mod github;
mod kubeconfig;
mod login;
mod logout;
mod serve;
mod shell;
mod shell_init;
mod status;

use crate::app::App;
use crate::cli::{Cli, Command, ParseError};
use crate::config::AwsConfig;
use crate::error::Error;
use crate::settings::{Selection, Settings, Source};
use crate::support::clock::Clock;
use crate::support::env::{self, Env};
use crate::support::exit::ExitStatus;
use crate::support::picker;
use crate::support::printer::Printer;
pub(crate) use crate::support::stdout::write_stdout;
use crate::support::terminal::Terminal;
use std::path::PathBuf;

pub async fn run(mut cli: Cli, env: Env, printer: Printer) -> Result<ExitStatus, Error> {
    // Commands that need no settings (they must work without HOME or a config).
    match &cli.command {
        Some(Command::Completions(args)) => return completions::completions(args),
        Some(Command::Man(args)) => return completions::man(args),
        // It runs in every new shell.
        Some(Command::ShellInit(args)) => return shell_init::run(args),
        _ => {}
    }
    let home = home_dir(&env)?;
    if let Some(Command::CompleteProfiles) = &cli.command {
        // Completion must not fail on a bad AWS_REGION: only the config files are read.
        return completions::profiles(&AwsConfig::load(&env, &home)?);
    }
    if let Some(Command::PickProfile) = &cli.command {
        return completions::pick_profile(&AwsConfig::load(&env, &home)?, &printer);
    }
    let clock = Clock::from_env(&env).map_err(Error::Usage)?;
    let (settings, config_error) = resolve_settings(&mut cli, &env, home, &printer).await?;
    let mut settings = settings;
    for w in &settings.warnings {
        printer.warn(w);
    }
    if matches!(cli.command, Some(Command::Github(_))) {
        github::keep_caches_in_runner_temp(&env, &mut settings.paths);
    }
    let app = std::sync::Arc::new(App::new(env, clock, printer, settings));
    dispatch(&app, cli, config_error).await
}

/// Runs the subcommand `cli` names with the settings resolved for it.
async fn dispatch(
    app: &std::sync::Arc<App>,
    cli: Cli,
    config_error: Option<crate::config::ConfigError>,
) -> Result<ExitStatus, Error> {
    match cli.command {
        Some(Command::Login) => login::login(app).await,
        Some(Command::Logout(args)) => logout::logout(app, &args).await,
        Some(Command::CredentialProcess) => credential_process::run(app).await,
        Some(Command::Export(args)) => export::run(app, &args).await,
        // `ssoexec exec dev` with no program: the shell, as `ssoexec --profile dev`.
        Some(Command::Exec(args)) if args.command_line.is_empty() => {
            exec::run(app, &[shell::program(app)], args.renew, args.force).await
        }
        Some(Command::Exec(args)) => {
            exec::run(app, &args.command_line, args.renew, args.force).await
        }
        Some(Command::Status(args)) => status::status(app, &args).await,
        Some(Command::Accounts(args)) => accounts::accounts(app, &args).await,
        Some(Command::Roles(args)) => accounts::roles(app, &args).await,
        Some(Command::EksToken(args)) => eks_token::eks_token(app, &args).await,
        Some(Command::Kubeconfig(args)) if args.discovery.all => {
            discovery::discover(app, &args, &cli.target).await
        }
        Some(Command::Kubeconfig(args)) => kubeconfig::kubeconfig(app, &args).await,
        Some(Command::Serve(args)) => serve::serve(app.clone(), &args).await,
        Some(Command::Docker(args)) => docker::docker(app.clone(), &args).await,
        Some(Command::Compose(args)) => compose::compose(app.clone(), &args).await,
        Some(Command::Github(args)) => github::github(app, &args).await,
        Some(Command::Console(args)) => console::console(app, &args).await,
        Some(Command::Configure(args)) => configure::configure(app, &args, &cli.target).await,
        Some(Command::Generate(args)) => generate::generate(app, &args, &cli.target).await,
        Some(Command::Doctor(args)) => doctor::doctor(app, &args, config_error).await,
        Some(
            Command::Completions(_)
            | Command::Man(_)
            | Command::ShellInit(_)
            | Command::CompleteProfiles
            | Command::PickProfile,
        ) => unreachable!("handled above"),
        None if cli.command_line.is_empty() => {
            exec::run(app, &[shell::program(app)], cli.run.renew, cli.run.force).await
        }
        None => exec::run(app, &cli.command_line, cli.run.renew, cli.run.force).await,
    }
}

/// The settings of this run: flags, environment and config, with the profile asked for on a
/// terminal when a command needs one and none was named. For `doctor`, a config that does not
/// load is returned beside empty settings instead of stopping the run.
async fn resolve_settings(
    cli: &mut Cli,
    env: &Env,
    home: PathBuf,
    printer: &Printer,
) -> Result<(Settings, Option<crate::config::ConfigError>), Error> {
    // configure and generate write the config file, so they read it even with --start-url;
    // doctor reports a config that does not parse instead of stopping at it.
    let writes_config = matches!(
        cli.command,
        Some(Command::Configure(_) | Command::Generate(_))
    );
    let doctor = matches!(cli.command, Some(Command::Doctor(_)));
    let config_error = std::cell::RefCell::new(None);
    let load = |cli: &Cli| -> Result<AwsConfig, Error> {
        Ok(if cli.target.start_url.is_some() && !writes_config {
            AwsConfig::empty()
        } else if doctor {
            AwsConfig::load(env, &home).unwrap_or_else(|e| {
                *config_error.borrow_mut() = Some(e);
                AwsConfig::empty_at(env, &home)
            })
        } else {
            AwsConfig::load(env, &home)?
        })
    };
    let mut settings = Settings::resolve(cli, env, load(cli)?, home.clone())?;
    if needs_profile(cli) && no_profile_given(&settings) {
        // `login` signs in to a session: with only one, there is nothing to ask.
        let only_session = match settings
            .config
            .config
            .sso_sessions
            .keys()
            .collect::<Vec<_>>()[..]
        {
            [only] if matches!(cli.command, Some(Command::Login)) => Some(only.clone()),
            _ => None,
        };
        if let Some(session) = only_session {
            cli.target.sso_session = Some(session);
            settings = Settings::resolve(cli, env, load(cli)?, home)?;
        } else if let Some(name) = pick_profile(printer.terminal(), &settings.config).await {
            cli.target.profile = Some(name);
            settings = Settings::resolve(cli, env, load(cli)?, home)?;
        }
    }
    let config_error = config_error.into_inner();
    Ok((settings, config_error))
}

/// Reports a command line that was not accepted (clap's own report for most) and returns the
/// exit code: 2, or 0 for `--help` and `--version`.
pub fn usage_error(e: ParseError) -> i32 {
    let printer = Printer::new(false)
        .with_colour(crate::support::printer::colour_allowed(&Env::from_process()));
    match e {
        ParseError::Clap(e) => {
            let _ = e.print();
            e.exit_code()
        }
        ParseError::UnknownSubcommand {
            word,
            suggestion,
            with_separator,
            as_profile,
        } => {
            let shown = |words: &[String]| {
                let line = words
                    .iter()
                    .map(|w| crate::support::shell::word(w))
                    .collect::<Vec<_>>()
                    .join(" ");
                crate::support::text::clean(&line)
            };
            let line = shown(&with_separator);
            let word = crate::support::text::clean(&word);
            let hint = match (suggestion, as_profile) {
                (Some(s), _) => {
                    format!("did you mean `ssoexec {s}`? To run a program named {word}: {line}")
                }
                (None, Some(exec)) => {
                    format!("to run a program as the profile {word}: {}", shown(&exec))
                }
                (None, None) => {
                    format!("to run a program with credentials, put it after `--`: {line}")
                }
            };
            printer.info(format!(
                "error: unrecognized subcommand '{word}'\nhint: {hint}"
            ));
            ExitStatus::Usage.code()
        }
        ParseError::Misplaced { flag, subcommand } => {
            let applies = if flag == "--renew" || flag == "--force" {
                "applies to `ssoexec -- PROGRAM` and `ssoexec exec`, not".to_string()
            } else {
                "does not apply".to_string()
            };
            printer.info(format!("error: {flag} {applies} to `ssoexec {subcommand}`\nhint: see `ssoexec {subcommand} --help`"));
            ExitStatus::Usage.code()
        }
        ParseError::TwoProfiles { flag, word } => {
            let (flag, word) = (
                crate::support::text::clean(&flag),
                crate::support::text::clean(&word),
            );
            printer.info(format!("error: two profiles given: --profile {flag} and the word {word}\nhint: name the profile once, as a word (`ssoexec login {word}`) or with --profile"));
            ExitStatus::Usage.code()
        }
    }
}

/// The command acts for one identity, so it needs a profile when no other selection is given.
fn needs_profile(cli: &Cli) -> bool {
    match &cli.command {
        None => true,
        Some(Command::Logout(args)) => !args.all,
        // `--all` works from the generated profiles, never from one.
        Some(Command::Kubeconfig(args)) => !args.discovery.all,
        Some(c) => matches!(
            c,
            Command::Login
                | Command::CredentialProcess
                | Command::Export(_)
                | Command::Exec(_)
                | Command::Accounts(_)
                | Command::Roles(_)
                | Command::EksToken(_)
                | Command::Serve(_)
                | Command::Docker(_)
                | Command::Compose(_)
                | Command::Console(_)
        ),
    }
}

/// No `--profile`, no `AWS_PROFILE`/`AWS_DEFAULT_PROFILE`, no other selection flags, and no
/// `[default]` profile to fall back on.
fn no_profile_given(settings: &Settings) -> bool {
    matches!(&settings.selection, Selection::Profile { name, .. } if name.source == Source::Default)
        && settings.config.profile("default").is_none()
}

/// Lets the person at the terminal choose a profile of the config files with the one picker
/// (`support::picker`). `None` when nobody can answer here, there is nothing to choose from, or
/// the person gave up (Esc): the command then fails as it would without the picker.
async fn pick_profile(terminal: &Terminal, config: &AwsConfig) -> Option<String> {
    let names: Vec<&String> = config.profile_names().into_iter().collect();
    let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
    let items: Vec<String> = names
        .iter()
        .map(|name| {
            let line = format!("{name:<width$}  {}", describe_profile(config, name));
            line.trim_end().to_string()
        })
        .collect();
    let i = picker::choose(
        terminal,
        "No profile given (--profile, PROFILE, SSOEXEC_PROFILE, AWS_PROFILE) and no [default] profile; choose one (type to filter)",
        &items,
    )
    .await?;
    let name = names[i].clone();
    terminal.write(&format!(
        "Using profile {0} (next time: ssoexec COMMAND {0}, or AWS_PROFILE={0}).\n",
        crate::support::text::clean(&crate::support::shell::word(&name))
    ));
    Some(name)
}

/// What the list shows beside a profile name: account and role of an SSO profile, the role of
/// a chained one.
fn describe_profile(config: &AwsConfig, name: &str) -> String {
    let Some(section) = config.profile(name) else {
        return String::new();
    };
    match (
        section.get("sso_account_id"),
        section.get("sso_role_name"),
        section.get("role_arn"),
    ) {
        (Some(account), Some(role), _) => format!("{account} {role}"),
        (_, _, Some(arn)) => arn.clone(),
        _ => String::new(),
    }
}

/// `~` as botocore expands it: `HOME` on Unix; on Windows `USERPROFILE` first (Python's
/// `expanduser` ignores `HOME` there, which Git Bash and MSYS set), then `HOME`.
fn home_dir(env: &Env) -> Result<PathBuf, Error> {
    let (first, second) = if cfg!(windows) {
        (env::USERPROFILE, env::HOME)
    } else {
        (env::HOME, env::USERPROFILE)
    };
    env.get(first)
        .or_else(|| env.get(second))
        .map(PathBuf::from)
        .ok_or(Error::NoHome)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `~` is where botocore looks: HOME on Unix; USERPROFILE on Windows even when HOME is set
    /// (Git Bash sets it), so both tools share `%USERPROFILE%\.aws`.
    #[test]
    fn home_is_what_botocore_expands_tilde_to() {
        let both = Env::from_pairs([(env::HOME, "/h"), (env::USERPROFILE, "/p")]);
        let expected = if cfg!(windows) { "/p" } else { "/h" };
        assert_eq!(home_dir(&both).unwrap(), PathBuf::from(expected));
        let profile_only = Env::from_pairs([(env::USERPROFILE, "/p")]);
        assert_eq!(home_dir(&profile_only).unwrap(), PathBuf::from("/p"));
        let home_only = Env::from_pairs([(env::HOME, "/h")]);
        assert_eq!(home_dir(&home_only).unwrap(), PathBuf::from("/h"));
    }
}
