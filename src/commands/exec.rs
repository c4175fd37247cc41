//! `ssoexec exec` / `ssoexec -- COMMAND`.
use crate::app::App;
use crate::error::Error;
use crate::exit::ExitStatus;
use std::ffi::OsString;

pub async fn run(_app: &App, _command: &[OsString], _renew: bool, _force: bool) -> Result<ExitStatus, Error> {
    Err(Error::Usage("exec is being built".into()))
}
