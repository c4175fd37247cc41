//! Credentials that follow the workload into containers (`docs/containers.md`): the shared
//! credentials network, one token per container handed over as a read-only file, the endpoint
//! that checks token and source address, and the `docker run` / `docker compose` command lines
//! that wire a container to it. Talks to Docker through the `docker` CLI; never mounts `~/.aws`
//! or the SSO cache into a container and puts no secret in a container's configuration.
pub mod compose;
pub mod docker;
pub mod gate;
pub mod launch;
pub mod network;
pub mod run_args;
pub mod session;

use std::net::Ipv4Addr;
use std::path::PathBuf;

/// The address the endpoint listens on: the credentials network's gateway. botocore, the AWS CLI
/// and the JS SDK accept `AWS_CONTAINER_CREDENTIALS_FULL_URI` over plain http only for loopback
/// and the ECS/EKS link-local addresses, and a container's loopback is its own.
pub const ENDPOINT_IP: Ipv4Addr = Ipv4Addr::new(169, 254, 170, 2);
/// The credentials network's subnet; only one network per daemon can hold it.
pub const SUBNET: &str = "169.254.170.0/24";
/// The credentials network, shared by every ssoexec run on a daemon.
pub const NETWORK: &str = "ssoexec-credentials";
/// Where a container finds its token (a read-only bind mount of one file).
pub const TOKEN_PATH: &str = "/run/ssoexec/token";
/// Marks the credentials network as ssoexec's.
pub const LABEL_NETWORK: &str = "dev.ssoexec.network";
/// The run a container belongs to (for clean-up).
pub const LABEL_RUN: &str = "dev.ssoexec.run";
/// The slot (token) a container belongs to: the endpoint admits the addresses of the running
/// containers that carry it.
pub const LABEL_SLOT: &str = "dev.ssoexec.slot";

/// What can go wrong wiring containers to their credentials.
#[derive(Debug, thiserror::Error)]
pub enum ContainerError {
    #[error("cannot run `{program}`")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("no Docker daemon answers ({detail})")]
    NoDaemon { detail: String },
    #[error("ssoexec cannot serve containers of {daemon}: {why}")]
    UnsupportedDaemon { daemon: String, why: &'static str },
    #[error("`docker {command}` failed: {detail}")]
    Docker { command: String, detail: String },
    #[error("neither `docker compose` nor `docker-compose` is installed")]
    NoCompose,
    #[error("the Docker network {name} holds {SUBNET}, which the credentials network needs")]
    SubnetTaken { name: String },
    #[error("a Docker network named {NETWORK} exists but ssoexec did not make it")]
    ForeignNetwork,
    #[error("cannot prepare {}", path.display())]
    Files {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not ssoexec's private directory (owner or mode)", path.display())]
    UnsafeDir { path: PathBuf },
    #[error("cannot listen on {addr}")]
    Listen {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("service {service} asks for profile {profile} (`x-ssoexec`)")]
    ServiceProfile {
        service: String,
        profile: String,
        #[source]
        source: Box<crate::config::ConfigError>,
    },
    #[error(transparent)]
    Args(#[from] run_args::ArgsError),
    #[error(transparent)]
    Compose(#[from] compose::ComposeError),
}

impl crate::error::Diagnostic for ContainerError {
    fn hint(&self) -> Option<String> {
        match self {
            ContainerError::NoDaemon { .. } => Some(
                "start Docker (`sudo systemctl start docker`, or `dockerd &`), then run the command again".into(),
            ),
            ContainerError::UnsupportedDaemon { .. } => Some(
                "run ssoexec on the Linux host of a local Docker daemon (docs/containers.md), or give the container keys that expire: `ssoexec exec P -- docker run -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY -e AWS_SESSION_TOKEN ...`".into(),
            ),
            ContainerError::NoCompose => {
                Some("install the Docker Compose v2 plugin (`docker compose version`)".into())
            }
            ContainerError::SubnetTaken { name } => Some(format!(
                "remove that network (`docker network rm {name}`) or stop what uses it; see docs/containers.md"
            )),
            ContainerError::ForeignNetwork => Some(format!(
                "remove it (`docker network rm {NETWORK}`) if nothing uses it"
            )),
            ContainerError::Listen { .. } => Some(format!(
                "check that the network {NETWORK} is a local bridge with gateway {ENDPOINT_IP} (`docker network inspect {NETWORK}`)"
            )),
            ContainerError::ServiceProfile { .. } => Some(
                "list profiles with `ssoexec status`, or fix `x-ssoexec` in the compose file"
                    .into(),
            ),
            ContainerError::Args(e) => e.hint(),
            ContainerError::Compose(e) => e.hint(),
            _ => None,
        }
    }

    fn exit_status(&self) -> crate::support::exit::ExitStatus {
        match self {
            ContainerError::Args(_) => crate::support::exit::ExitStatus::Usage,
            ContainerError::Compose(e) if e.is_usage() => crate::support::exit::ExitStatus::Usage,
            _ => crate::support::exit::ExitStatus::Failure,
        }
    }
}
crate::diagnostic_error!(ContainerError);
