//! `ssoexec docker -- run ...`: `docker run` with self-renewing credentials for the container,
//! served by ssoexec's endpoint on the credentials network (docs/containers.md).
use crate::app::App;
use crate::cli::ContainerArgs;
use crate::containers::docker::Docker;
use crate::containers::session::{self, SlotSpec};
use crate::containers::{ContainerError, launch, run_args};
use crate::credentials::{self, LoginPermission};
use crate::error::Error;
use crate::support::env::DOCKER_HOST;
use crate::support::exit::ExitStatus;
use std::sync::Arc;

pub async fn docker(app: Arc<App>, args: &ContainerArgs) -> Result<ExitStatus, Error> {
    let line = run_args::parse(&args.command_line).map_err(ContainerError::from)?;
    Docker::default().check_host(app.env.get(DOCKER_HOST))?;
    let identity = Arc::new(app.settings.identity()?);
    // Any login happens here, before a container starts.
    let fetched = credentials::resolve(&app, &identity, LoginPermission::for_caller(&app)).await?;
    let region = app.settings.region.as_ref().map(|r| r.value.clone());
    let spec = SlotSpec {
        name: "container".into(),
        identity,
        fetched: Some(fetched),
    };
    let session = session::open(&app, vec![spec])?;
    session
        .run(app.clone(), |s| {
            launch::docker_run(s, &line, region.as_deref())
        })
        .await
}
