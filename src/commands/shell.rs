//! `ssoexec --profile P` with no command: the user's shell with the credentials, through the exec
//! path (`SSOEXEC_PROFILE` is set there, so a prompt can show it). The shell's exit status is ours.
//! This module chooses the program; `commands::run` hands it to `exec` like any command.
use crate::app::App;
use std::ffi::OsString;

/// The shell to start (`$SHELL`, else `sh`).
pub fn program(app: &App) -> OsString {
    let program = crate::exec::shell::program(&app.env);
    // Like aws-vault, nothing is printed: the shell's own prompt follows (it can show
    // `$SSOEXEC_PROFILE`).
    app.printer.debug(format!(
        "no command given: starting the shell {}",
        program.to_string_lossy()
    ));
    program
}
