//! `ssoexec compose -- [OPTIONS] SUBCOMMAND ...`: `docker compose` with ssoexec's override file
//! after the user's files, so every service gets self-renewing credentials for its profile (the
//! command's, or its own `x-ssoexec: {profile: P}`) (docs/containers.md).
use crate::app::App;
use crate::cli::ContainerArgs;
use crate::config::Identity;
use crate::containers::compose::{self as compose_file, ComposeLine};
use crate::containers::docker::Docker;
use crate::containers::session::{self, SlotSpec};
use crate::containers::{ContainerError, launch};
use crate::credentials::{self, LoginPermission};
use crate::error::Error;
use crate::support::env::{COMPOSE_FILE, DOCKER_HOST};
use crate::support::exit::ExitStatus;
use std::collections::BTreeMap;
use std::sync::Arc;

pub async fn compose(app: Arc<App>, args: &ContainerArgs) -> Result<ExitStatus, Error> {
    let line: ComposeLine =
        compose_file::parse(&args.command_line).map_err(ContainerError::from)?;
    Docker::default().check_host(app.env.get(DOCKER_HOST))?;
    let program = Docker::default().compose()?;
    let cwd = std::env::current_dir().map_err(|source| ContainerError::Files {
        path: ".".into(),
        source,
    })?;
    let files = launch::compose_files(&line, app.env.get(COMPOSE_FILE), &cwd)?;
    let config = launch::compose_config(&program, &line)?;
    let services = compose_file::services(&config).map_err(ContainerError::from)?;
    // Every profile is resolved, and signed in to, before anything starts.
    let mut specs = vec![];
    let mut regions = BTreeMap::new();
    let mut fetched: Vec<(Arc<Identity>, credentials::Credentials)> = vec![];
    for s in &services {
        let Some(profile) = &s.profile else { continue };
        let (identity, region) = match profile {
            None => (
                app.settings.identity()?,
                app.settings.region.as_ref().map(|r| r.value.clone()),
            ),
            Some(p) => (
                crate::config::identity::resolve(&app.settings.config, p).map_err(|source| {
                    ContainerError::ServiceProfile {
                        service: s.name.clone(),
                        profile: p.clone(),
                        source: Box::new(source),
                    }
                })?,
                app.settings
                    .config
                    .profile(p)
                    .and_then(|sec| sec.get("region").cloned()),
            ),
        };
        let identity = Arc::new(identity);
        let creds = match fetched.iter().find(|(i, _)| *i == identity) {
            Some((_, c)) => c.clone(),
            None => {
                let c = credentials::resolve(&app, &identity, LoginPermission::for_caller(&app))
                    .await?;
                fetched.push((identity.clone(), c.clone()));
                c
            }
        };
        regions.insert(s.name.clone(), region);
        specs.push(SlotSpec {
            name: s.name.clone(),
            identity,
            fetched: Some(creds),
        });
    }
    let session = session::open(&app, specs)?;
    session
        .run(app.clone(), |s| {
            launch::compose_up(s, &program, &line, &files, &services, &regions)
        })
        .await
}
