//! `ssoexec status`, `accounts`, `roles`.
use crate::app::App;
use crate::cli::{ListArgs, StatusArgs};
use crate::error::Error;
use crate::exit::ExitStatus;

pub async fn status(_app: &App, _args: &StatusArgs) -> Result<ExitStatus, Error> {
    Err(Error::Usage("status is being built".into()))
}

pub async fn accounts(_app: &App, _args: &ListArgs) -> Result<ExitStatus, Error> {
    Err(Error::Usage("accounts is being built".into()))
}

pub async fn roles(_app: &App, _args: &ListArgs) -> Result<ExitStatus, Error> {
    Err(Error::Usage("roles is being built".into()))
}
