//! `ssoexec credential-process`: one credential_process JSON document on stdout.
use crate::app::App;
use crate::credentials::source::{LoginPermission, role_credentials};
use crate::error::Error;
use crate::exit::ExitStatus;
use crate::output::{Format, OutputContext, process::Process};

pub async fn run(app: &App) -> Result<ExitStatus, Error> {
    let target = app.settings.target()?;
    let creds = role_credentials(app, &target, LoginPermission::for_caller(app)).await?;
    let ctx = OutputContext {
        credentials: &creds,
        profile: app.settings.profile_name(),
        region: app.settings.region.as_ref().map(|r| r.value.as_str()),
        account_id: Some(&target.account_id),
        role_name: Some(&target.role_name),
        now: app.now(),
    };
    let mut out = Vec::new();
    Process
        .write(&ctx, &mut out)
        .map_err(|e| Error::failed(e.to_string(), None))?;
    super::write_stdout(&out)?;
    Ok(ExitStatus::Success)
}
