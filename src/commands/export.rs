//! `ssoexec export`: one retrieval, many sinks (the engine is `output::deliver`).
use crate::app::App;
use crate::cli::ExportArgs;
use crate::credentials::{self, LoginPermission};
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
    let identity = app.settings.identity()?;
    let creds = credentials::resolve(app, &identity, LoginPermission::for_caller(app)).await?;
    deliver::deliver(app, &sinks, &deliver::context(app, &creds, &identity))?;
    Ok(ExitStatus::Success)
}
