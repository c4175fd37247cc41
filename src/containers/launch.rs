//! The Docker command lines of a run: `docker run` with ssoexec's options in front of the
//! user's (or create, connect, start when the user names networks of their own: `docker run`
//! takes one), and `docker compose` with ssoexec's override file after the user's files.
use super::compose::{self, ComposeLine, Service, Wiring};
use super::run_args::RunLine;
use super::session::Session;
use super::{ContainerError, LABEL_RUN, LABEL_SLOT, NETWORK, TOKEN_PATH};
use crate::error::Error;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// ssoexec's options for the container of `slot`: labels, the token mount, the endpoint's
/// variables and the region. None of them is a secret (`docker inspect` shows them).
pub fn container_options(session: &Session, slot: usize, region: Option<&str>) -> Vec<String> {
    let s = &session.slots[slot];
    let mut o = vec![
        "--label".into(),
        format!("{LABEL_RUN}={}", session.run),
        "--label".into(),
        format!("{LABEL_SLOT}={}", s.label),
        "--mount".into(),
        format!(
            "type=bind,source={},target={TOKEN_PATH},readonly",
            s.token_file.display()
        ),
        "-e".into(),
        format!("AWS_CONTAINER_CREDENTIALS_FULL_URI={}", session.url),
        "-e".into(),
        format!("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE={TOKEN_PATH}"),
    ];
    if let Some(r) = region {
        o.extend(["-e".into(), format!("AWS_REGION={r}")]);
        o.extend(["-e".into(), format!("AWS_DEFAULT_REGION={r}")]);
    }
    o
}

fn spawn(mut cmd: Command, what: &str) -> Result<Child, Error> {
    cmd.spawn().map_err(|source| {
        ContainerError::Spawn {
            program: what.into(),
            source,
        }
        .into()
    })
}

/// `docker run`: on the credentials network alone when the user names no network; otherwise
/// `docker create` on theirs, `docker network connect` to ours, `docker start --attach`.
pub fn docker_run(session: &Session, line: &RunLine, region: Option<&str>) -> Result<Child, Error> {
    let ours = container_options(session, 0, region);
    if line.networks.is_empty() {
        let mut cmd = session.docker.command(["run", "--network", NETWORK]);
        cmd.args(&ours).args(&line.options).args(&line.rest);
        return spawn(cmd, "docker run");
    }
    let mut create = session.docker.command(["create"]);
    create.args(&ours).args(&line.options).args(&line.rest);
    let out = create
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|source| ContainerError::Spawn {
            program: "docker create".into(),
            source,
        })?;
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() || id.is_empty() {
        return Err(Error::Exec {
            message: "docker create failed (its message is above)".into(),
            code: out.status.code().unwrap_or(125),
            source: None,
        });
    }
    if let Err(e) = session.docker.output(&["network", "connect", NETWORK, &id]) {
        // Nothing of this run may stay: the container was only created.
        let _ = session.docker.output(&["rm", "-f", &id]);
        return Err(e.into());
    }
    let mut start = session.docker.command(["start", "--attach"]);
    if line.interactive {
        start.arg("--interactive");
    }
    start.arg(&id);
    spawn(start, "docker start")
}

/// The compose files the project is made of, as ssoexec passes them explicitly (a `-f` of its
/// own would otherwise switch Compose's own lookup off).
pub fn compose_files(
    line: &ComposeLine,
    compose_file_env: Option<&str>,
    cwd: &std::path::Path,
) -> Result<Vec<OsString>, ContainerError> {
    if !line.files.is_empty() {
        return Ok(vec![]);
    }
    if let Some(list) = compose_file_env.filter(|l| !l.is_empty()) {
        return Ok(list
            .split(':')
            .filter(|f| !f.is_empty())
            .map(OsString::from)
            .collect());
    }
    let dir = line
        .project_dir
        .as_ref()
        .map_or_else(|| cwd.to_path_buf(), |d| cwd.join(d));
    Ok(compose::default_files(&dir)?
        .into_iter()
        .map(PathBuf::into_os_string)
        .collect())
}

/// Runs `COMPOSE GLOBALS config` and returns Compose's view of the project (YAML).
pub fn compose_config(program: &[OsString], line: &ComposeLine) -> Result<String, ContainerError> {
    let out = Command::new(&program[0])
        .args(&program[1..])
        .args(&line.globals)
        .arg("config")
        .stdin(Stdio::null())
        .output()
        .map_err(|source| ContainerError::Spawn {
            program: program[0].to_string_lossy().into_owned(),
            source,
        })?;
    // An empty answer is a failure too (some wrappers lose Compose's exit status).
    if !out.status.success() || out.stdout.iter().all(u8::is_ascii_whitespace) {
        return Err(compose::ComposeError::Unreadable {
            detail: super::docker::detail(&out.stderr),
        }
        .into());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `COMPOSE GLOBALS [-f FILE...] -f OVERRIDE SUBCOMMAND...`, the override written into the
/// run's directory. `regions` holds each wired service's region.
pub fn compose_up(
    session: &Session,
    program: &[OsString],
    line: &ComposeLine,
    files: &[OsString],
    services: &[Service],
    regions: &BTreeMap<String, Option<String>>,
) -> Result<Child, Error> {
    let wiring: BTreeMap<String, Wiring> = session
        .slots
        .iter()
        .map(|s| {
            let w = Wiring {
                slot: s.label.clone(),
                token_file: s.token_file.clone(),
                region: regions.get(&s.name).cloned().flatten(),
            };
            (s.name.clone(), w)
        })
        .collect();
    let text = compose::override_file(services, &wiring, &session.url, &session.run);
    let path = session.dir.path().join("ssoexec.override.yaml");
    std::fs::write(&path, text).map_err(|source| ContainerError::Files {
        path: path.clone(),
        source,
    })?;
    let mut cmd = Command::new(&program[0]);
    cmd.args(&program[1..]).args(&line.globals);
    for f in files {
        cmd.arg("-f").arg(f);
    }
    cmd.arg("-f").arg(&path).args(&line.subcommand);
    spawn(cmd, "docker compose")
}
