//! `ssoexec --profile P` with no command: the user's shell with the credentials, through the exec
//! path (`SSOEXEC_PROFILE` is set there, so a prompt can show it). The shell's exit status is ours.
use crate::app::App;
use crate::error::Error;
use crate::support::exit::ExitStatus;

pub async fn run(app: &App, renew: bool, force: bool) -> Result<ExitStatus, Error> {
    let program = crate::exec::shell::program(&app.env);
    // Like aws-vault, nothing is printed: the shell's own prompt follows (it can show
    // `$SSOEXEC_PROFILE`).
    app.printer.debug(format!(
        "no command given: starting the shell {}",
        program.to_string_lossy()
    ));
    super::exec::run(app, &[program], renew, force).await
}
