//! `ssoexec shell-init SHELL`: prints the `ssx` function (`output::shell_init` writes it).
use crate::cli::{ShellArg, ShellInitArgs};
use crate::error::Error;
use crate::output::shell_init::{self, Shell};
use crate::support::exit::ExitStatus;

pub fn run(args: &ShellInitArgs) -> Result<ExitStatus, Error> {
    let shell = match args.shell {
        ShellArg::Bash => Shell::Bash,
        ShellArg::Zsh => Shell::Zsh,
        ShellArg::Sh => Shell::Sh,
        ShellArg::Fish => Shell::Fish,
        ShellArg::Powershell => Shell::Powershell,
    };
    super::write_stdout(shell_init::render(shell).as_bytes())?;
    Ok(ExitStatus::Success)
}
