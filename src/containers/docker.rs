//! The `docker` CLI as a library: one short command at a time, its stdout as text, its failure as
//! a [`ContainerError`] carrying the last line it printed (cleaned, bounded). Blocking: every call
//! is short (milliseconds), and the async endpoint calls it from the blocking pool.
use super::{ContainerError, ENDPOINT_IP, LABEL_NETWORK, LABEL_SLOT, NETWORK, SUBNET};
use std::ffi::OsString;
use std::net::IpAddr;
use std::process::{Command, Stdio};

/// The longest piece of docker's own message a report carries.
const DETAIL_MAX: usize = 300;

/// The Docker CLI found on PATH.
#[derive(Clone, Debug)]
pub struct Docker {
    program: OsString,
}

impl Default for Docker {
    fn default() -> Self {
        Docker {
            program: "docker".into(),
        }
    }
}

/// A network as `docker network inspect` shows it (the fields we use).
#[derive(Debug, PartialEq, Eq)]
pub struct NetworkInfo {
    pub ours: bool,
    pub subnets: Vec<String>,
}

impl Docker {
    /// A `docker` command with `args`.
    pub fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut cmd = Command::new(&self.program);
        cmd.args(args);
        cmd
    }

    /// Runs `docker ARGS`; its stdout, or what it said on failure.
    pub fn output(&self, args: &[&str]) -> Result<String, ContainerError> {
        let out = self
            .command(args)
            .stdin(Stdio::null())
            .output()
            .map_err(|source| ContainerError::Spawn {
                program: "docker".into(),
                source,
            })?;
        if out.status.success() {
            return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
        }
        Err(ContainerError::Docker {
            command: args.iter().take(2).copied().collect::<Vec<_>>().join(" "),
            detail: detail(&out.stderr),
        })
    }

    /// Checks, before anything else happens, that the daemon is one whose containers ssoexec can
    /// serve: on this Linux host's own network stack, where the credentials network's gateway is
    /// an address of this host. `docker_host` is `DOCKER_HOST`. Fails with
    /// [`ContainerError::UnsupportedDaemon`] (macOS, Windows, a remote or rootless daemon,
    /// Docker Desktop's VM) or [`ContainerError::NoDaemon`] (none answers).
    pub fn check_host(&self, docker_host: Option<&str>) -> Result<(), ContainerError> {
        if let Some(refusal) = refuse_platform(std::env::consts::OS) {
            return Err(refusal);
        }
        // DOCKER_HOST, else the endpoint of the current Docker context (`docker context use`,
        // DOCKER_CONTEXT). A context that cannot be read is left to `docker info` to report.
        let (source, host) = match docker_host {
            Some(host) => ("DOCKER_HOST", host.to_string()),
            None => (
                "the current Docker context",
                self.output(&[
                    "context",
                    "inspect",
                    "--format",
                    "{{.Endpoints.docker.Host}}",
                ])
                .unwrap_or_default(),
            ),
        };
        let host = host.trim();
        if !host.is_empty() && !host.starts_with("unix://") {
            // The scheme only: the rest may name a user.
            let scheme = host.split_once("://").map_or("", |(s, _)| s);
            return Err(ContainerError::UnsupportedDaemon {
                daemon: format!(
                    "the daemon at {}://… ({source})",
                    crate::support::text::clean(scheme)
                ),
                why: "its containers run on another machine, which cannot reach this one's endpoint",
            });
        }
        let format =
            "{{.ServerVersion}}\t{{.OperatingSystem}}\t{{range .SecurityOptions}}{{.}} {{end}}";
        match self.output(&["info", "--format", format]) {
            Ok(text) => refuse_daemon(&text).map_or(Ok(()), Err),
            Err(ContainerError::Docker { detail, .. }) => Err(ContainerError::NoDaemon { detail }),
            Err(e) => Err(e),
        }
    }

    /// The credentials network, if it exists.
    pub fn network(&self) -> Result<Option<NetworkInfo>, ContainerError> {
        let format = format!(
            "{{{{index .Labels \"{LABEL_NETWORK}\"}}}} {{{{range .IPAM.Config}}}}{{{{.Subnet}}}} {{{{end}}}}"
        );
        match self.output(&["network", "inspect", "--format", &format, NETWORK]) {
            Ok(text) => Ok(Some(parse_network(&text))),
            Err(ContainerError::Docker { detail, .. })
                if detail.contains("No such network") || detail.contains("not found") =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Creates the credentials network: `SUBNET`, gateway `ENDPOINT_IP` (so the host holds that
    /// address), containers on it cannot reach each other.
    pub fn create_network(&self) -> Result<(), ContainerError> {
        let gateway = ENDPOINT_IP.to_string();
        let label = format!("{LABEL_NETWORK}=credentials");
        let r = self.output(&[
            "network",
            "create",
            "--driver",
            "bridge",
            "--subnet",
            SUBNET,
            "--gateway",
            &gateway,
            "--opt",
            "com.docker.network.bridge.enable_icc=false",
            "--label",
            &label,
            NETWORK,
        ]);
        match r {
            Ok(_) => Ok(()),
            Err(ContainerError::Docker { detail, .. }) if detail.contains("overlaps") => {
                Err(ContainerError::SubnetTaken {
                    name: self
                        .holder_of_subnet()
                        .unwrap_or_else(|| "(unknown)".into()),
                })
            }
            Err(e) => Err(e),
        }
    }

    /// The network that holds `SUBNET` (for the report when we cannot create ours).
    fn holder_of_subnet(&self) -> Option<String> {
        let names = self
            .output(&["network", "ls", "--format", "{{.Name}}"])
            .ok()?;
        let mut args = vec![
            "network",
            "inspect",
            "--format",
            "{{.Name}} {{range .IPAM.Config}}{{.Subnet}} {{end}}",
        ];
        args.extend(names.lines().filter(|n| !n.is_empty()));
        let text = self.output(&args).ok()?;
        text.lines()
            .find(|l| {
                l.split_whitespace()
                    .skip(1)
                    .any(|s| s.starts_with("169.254.170."))
            })
            .and_then(|l| l.split_whitespace().next())
            .map(crate::support::text::clean)
    }

    pub fn remove_network(&self) -> Result<(), ContainerError> {
        self.output(&["network", "rm", NETWORK]).map(|_| ())
    }

    /// The addresses on the credentials network of the containers labelled `slot`. All states are
    /// listed (`ps -a`): a container's process can ask before `docker ps` shows it as running;
    /// one that has stopped holds no address.
    pub fn slot_addresses(&self, slot: &str) -> Result<Vec<IpAddr>, ContainerError> {
        let filter = format!("label={LABEL_SLOT}={slot}");
        let ids = self.output(&["ps", "-aq", "--no-trunc", "--filter", &filter])?;
        let ids: Vec<&str> = ids.split_whitespace().collect();
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let format = format!(
            "{{{{with index .NetworkSettings.Networks \"{NETWORK}\"}}}}{{{{.IPAddress}}}}{{{{end}}}}"
        );
        let mut args = vec!["inspect", "--type", "container", "--format", &format];
        args.extend(ids);
        let text = self.output(&args)?;
        Ok(text.lines().filter_map(|l| l.trim().parse().ok()).collect())
    }

    /// Removes (forcibly) the containers labelled `label=value`; returns how many there were.
    pub fn remove_labelled(&self, label: &str, value: &str) -> Result<usize, ContainerError> {
        let filter = format!("label={label}={value}");
        let ids = self.output(&["ps", "-aq", "--filter", &filter])?;
        let ids: Vec<&str> = ids.split_whitespace().collect();
        if ids.is_empty() {
            return Ok(0);
        }
        let mut args = vec!["rm", "-f"];
        args.extend(&ids);
        self.output(&args)?;
        Ok(ids.len())
    }

    /// How to run Compose v2: the `docker compose` plugin, else the standalone `docker-compose`.
    pub fn compose(&self) -> Result<Vec<OsString>, ContainerError> {
        let works = |program: &std::ffi::OsStr, args: &[&str]| {
            Command::new(program)
                .args(args)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        if works(&self.program, &["compose", "version"]) {
            Ok(vec![self.program.clone(), "compose".into()])
        } else if works("docker-compose".as_ref(), &["version"]) {
            Ok(vec!["docker-compose".into()])
        } else {
            Err(ContainerError::NoCompose)
        }
    }
}

/// Why ssoexec cannot serve containers from this operating system, if it cannot: only Linux runs
/// containers on the host's own network stack (Docker Desktop on macOS and Windows runs them in
/// a VM, whose bridge addresses are not this host's).
fn refuse_platform(os: &str) -> Option<ContainerError> {
    (os != "linux").then(|| ContainerError::UnsupportedDaemon {
        daemon: format!("Docker on {os}"),
        why: "Docker runs its containers in a virtual machine here, whose networks are not this host's",
    })
}

/// What `docker info` said (`VERSION\tOPERATING SYSTEM\tSECURITY OPTIONS`) makes the daemon one
/// ssoexec cannot serve: none answered, Docker Desktop's VM, or a rootless daemon (its bridges
/// live in its own network namespace).
fn refuse_daemon(text: &str) -> Option<ContainerError> {
    let mut fields = text.trim_end_matches(['\n', '\r']).split('\t');
    let (version, os, security) = (
        fields.next().unwrap_or_default().trim(),
        fields.next().unwrap_or_default().trim(),
        fields.next().unwrap_or_default(),
    );
    let unsupported = |daemon: &str, why| ContainerError::UnsupportedDaemon {
        daemon: crate::support::text::clean(daemon),
        why,
    };
    if version.is_empty() {
        Some(ContainerError::NoDaemon {
            detail: "`docker info` names no server".into(),
        })
    } else if os.contains("Docker Desktop") {
        Some(unsupported(
            os,
            "Docker Desktop runs its containers in a virtual machine, whose networks are not this host's",
        ))
    } else if security.split_whitespace().any(|o| o == "name=rootless") {
        Some(unsupported(
            "a rootless Docker daemon",
            "its networks live in its own network namespace, not this host's",
        ))
    } else {
        None
    }
}

/// `LABEL SUBNET...` as printed by [`Docker::network`]'s format.
fn parse_network(text: &str) -> NetworkInfo {
    let line = text.lines().next().unwrap_or_default();
    let ours = line.starts_with("credentials ");
    let subnets = line
        .split_whitespace()
        .filter(|w| w.contains('/'))
        .map(str::to_string)
        .collect();
    NetworkInfo { ours, subnets }
}

/// The last non-empty line docker (or Compose) printed on stderr, cleaned and bounded.
pub fn detail(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let line = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("(no message)");
    crate::support::text::clean(line)
        .chars()
        .take(DETAIL_MAX)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Which daemons `docker info` describes as ones ssoexec cannot serve.
    #[test]
    fn daemons_refused_by_what_docker_info_says() {
        let verdict = |text: &str| refuse_daemon(text).map(|e| e.to_string());
        assert_eq!(
            verdict(
                "28.2.2\tDebian GNU/Linux 13 (trixie)\tname=seccomp,profile=builtin name=cgroupns \n"
            ),
            None
        );
        assert_eq!(
            verdict("20.10.24+dfsg1\tDebian GNU/Linux 12 (bookworm)\t\n"),
            None
        );
        assert_eq!(
            verdict("28.0.4\tDocker Desktop\tname=seccomp,profile=unconfined name=cgroupns \n")
                .as_deref(),
            Some(
                "ssoexec cannot serve containers of Docker Desktop: Docker Desktop runs its containers in a virtual machine, whose networks are not this host's"
            )
        );
        assert_eq!(
            verdict("27.5.1\tUbuntu 24.04 LTS\tname=seccomp,profile=builtin name=rootless name=cgroupns \n").as_deref(),
            Some("ssoexec cannot serve containers of a rootless Docker daemon: its networks live in its own network namespace, not this host's")
        );
        assert_eq!(
            verdict("\t\t\n").as_deref(),
            Some("no Docker daemon answers (`docker info` names no server)")
        );
        assert_eq!(
            verdict("").as_deref(),
            Some("no Docker daemon answers (`docker info` names no server)")
        );
    }

    #[test]
    fn only_linux_runs_containers_on_this_hosts_network() {
        assert!(refuse_platform("linux").is_none());
        for os in ["macos", "windows"] {
            assert_eq!(
                refuse_platform(os).map(|e| e.to_string()),
                Some(format!(
                    "ssoexec cannot serve containers of Docker on {os}: Docker runs its containers in a virtual machine here, whose networks are not this host's"
                ))
            );
        }
    }

    #[test]
    fn network_lines() {
        assert_eq!(
            parse_network("credentials 169.254.170.0/24 \n"),
            NetworkInfo {
                ours: true,
                subnets: vec!["169.254.170.0/24".into()]
            }
        );
        assert!(!parse_network(" 169.254.170.0/24 \n").ours);
        assert!(!parse_network("<no value> 10.0.0.0/8 \n").ours);
    }

    #[test]
    fn details_are_one_clean_bounded_line() {
        assert_eq!(detail(b"first\nError: boom\x1b[31m\n\n"), "Error: boom[31m");
        assert_eq!(detail(&[b'x'; 1000]).len(), DETAIL_MAX);
        assert_eq!(detail(b""), "(no message)");
    }
}
