//! `ssoexec credential-process`: one credential_process JSON document on stdout.
use crate::app::App;
use crate::credentials::{self, LoginPermission};
use crate::error::Error;
use crate::output::{Format, process::Process};
use crate::support::exit::ExitStatus;

pub async fn run(app: &App) -> Result<ExitStatus, Error> {
    let identity = app.settings.identity()?;
    let creds = credentials::resolve(app, &identity, LoginPermission::for_caller(app)).await?;
    let ctx = crate::output::deliver::context(app, &creds, &identity);
    let mut out = Vec::new();
    Process.write(&ctx, &mut out)?;
    super::write_stdout(&out)?;
    Ok(ExitStatus::Success)
}
