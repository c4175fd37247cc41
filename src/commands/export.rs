//! `ssoexec export`: one retrieval, many sinks (the engine is `output::deliver`).
use crate::app::App;
use crate::cli::ExportArgs;
use crate::credentials::sso::{LoginPermission, role_credentials};
use crate::error::Error;
use crate::output::deliver::{self, SinkRequest};
use crate::support::exit::ExitStatus;

pub async fn run(app: &App, args: &ExportArgs) -> Result<ExitStatus, Error> {
    let request = SinkRequest {
        format: args.format.clone(),
        output: args.output.clone(),
        emit: args.emit.clone(),
        service: args.service.clone(),
        ini_profile: args.ini_profile.clone(),
        cluster_name: args.cluster_name.clone(),
        force: args.force,
    };
    let sinks = deliver::prepare(app, &request)?;
    let target = app.settings.target()?;
    let creds = role_credentials(app, &target, LoginPermission::for_caller(app)).await?;
    deliver::deliver(app, &sinks, &deliver::context(app, &creds, &target))?;
    Ok(ExitStatus::Success)
}
