//! Daemons whose containers ssoexec cannot serve (docs/containers.md, "Local daemons only") are
//! refused with one clear line and a way out, before any sign-in and before Docker starts
//! anything: a remote `DOCKER_HOST`, Docker Desktop's VM, a rootless daemon, no daemon at all.
//! A fake `docker` (a sh script) answers `docker info` as each daemon would and logs its calls;
//! the real daemon's path is covered by containers.rs.
#![cfg(unix)]
use crate::support::sandbox::*;
use std::path::Path;

const HINT: &str = "hint: run ssoexec on the Linux host of a local Docker daemon (docs/containers.md), or give the container keys that expire: `ssoexec exec P -- docker run -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY -e AWS_SESSION_TOKEN ...`\n";

/// A `docker` that logs its arguments and answers `docker info` with `info` (on stdout, exit 0)
/// or, when `info` is None, fails as a client with no daemon does.
fn fake_docker(sb: &Sandbox, info: Option<&str>) -> String {
    let bin = sb.home().join("docker-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = sb.home().join("docker.log");
    let answer = match info {
        Some(text) => format!("printf '{text}'"),
        None => "echo 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' >&2; exit 1".into(),
    };
    let script = format!(
        "#!/bin/sh\necho \"$*\" >> '{}'\ncase \"$1\" in\n  info) {answer} ;;\n  context) echo \"${{FAKE_CONTEXT_HOST:-unix:///var/run/docker.sock}}\" ;;\n  *) exit 99 ;;\nesac\n",
        log.display()
    );
    let path = bin.join("docker");
    std::fs::write(&path, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

fn docker_calls(home: &Path) -> String {
    std::fs::read_to_string(home.join("docker.log")).unwrap_or_default()
}

const INFO_CALL: &str = "info --format {{.ServerVersion}}\t{{.OperatingSystem}}\t{{range .SecurityOptions}}{{.}} {{end}}\n";
const CONTEXT_CALL: &str = "context inspect --format {{.Endpoints.docker.Host}}\n";

/// `ssoexec docker dev -- run …` and `ssoexec compose dev -- up` with PATH and env; each must
/// exit 1 with `expected` on stderr, nothing on stdout, and no request to Identity Center.
fn assert_refused(sb: &Sandbox, path: &str, env: &[(&str, &str)], expected: &str) {
    for args in [
        &["docker", "dev", "--", "run", "--rm", "debian", "true"][..],
        &["compose", "dev", "--", "up"][..],
    ] {
        let out = sb
            .cmd()
            .args(args)
            .env("PATH", path)
            .envs(env.iter().copied())
            .current_dir(sb.home())
            .output()
            .unwrap();
        assert_eq!(
            (
                out.status.code(),
                stderr(&out).as_str(),
                stdout(&out).as_str()
            ),
            (Some(1), expected, ""),
            "{args:?}"
        );
        assert_eq!(sb.mock.total_requests(), 0, "no sign-in: {args:?}");
    }
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "off Linux every daemon is refused as Docker on that OS (unit test containers::docker::tests)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn a_remote_docker_host_is_refused_before_docker_is_asked() {
    let sb = Sandbox::new().await;
    let path = fake_docker(&sb, Some("28.2.2\\tUbuntu 24.04 LTS\\t\\n"));
    for host in ["tcp://10.1.2.3:2376", "ssh://deploy@build-host"] {
        let scheme = host.split("://").next().unwrap();
        assert_refused(
            &sb,
            &path,
            &[("DOCKER_HOST", host)],
            &format!(
                "error: ssoexec cannot serve containers of the daemon at {scheme}://… (DOCKER_HOST): its containers run on another machine, which cannot reach this one's endpoint\n{HINT}"
            ),
        );
    }
    assert_eq!(docker_calls(sb.home()), "", "docker was never run");
    // The same daemon chosen by `docker context use` instead of DOCKER_HOST.
    assert_refused(
        &sb,
        &path,
        &[("FAKE_CONTEXT_HOST", "ssh://deploy@build-host")],
        &format!(
            "error: ssoexec cannot serve containers of the daemon at ssh://… (the current Docker context): its containers run on another machine, which cannot reach this one's endpoint\n{HINT}"
        ),
    );
    assert_eq!(docker_calls(sb.home()), CONTEXT_CALL.repeat(2));
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "off Linux every daemon is refused as Docker on that OS (unit test containers::docker::tests)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn docker_desktop_and_rootless_daemons_are_refused() {
    let sb = Sandbox::new().await;
    let path = fake_docker(
        &sb,
        Some("28.0.4\\tDocker Desktop\\tname=seccomp,profile=unconfined name=cgroupns \\n"),
    );
    assert_refused(
        &sb,
        &path,
        &[("DOCKER_HOST", "unix:///home/me/.docker/desktop/docker.sock")],
        &format!(
            "error: ssoexec cannot serve containers of Docker Desktop: Docker Desktop runs its containers in a virtual machine, whose networks are not this host's\n{HINT}"
        ),
    );
    assert_eq!(docker_calls(sb.home()), INFO_CALL.repeat(2));

    let sb = Sandbox::new().await;
    let path = fake_docker(
        &sb,
        Some(
            "27.5.1\\tUbuntu 24.04 LTS\\tname=seccomp,profile=builtin name=rootless name=cgroupns \\n",
        ),
    );
    assert_refused(
        &sb,
        &path,
        &[],
        &format!(
            "error: ssoexec cannot serve containers of a rootless Docker daemon: its networks live in its own network namespace, not this host's\n{HINT}"
        ),
    );
    assert_eq!(
        docker_calls(sb.home()),
        format!("{CONTEXT_CALL}{INFO_CALL}").repeat(2)
    );
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "off Linux every daemon is refused as Docker on that OS (unit test containers::docker::tests)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn no_daemon_is_reported_before_signing_in() {
    let sb = Sandbox::new().await;
    let path = fake_docker(&sb, None);
    assert_refused(
        &sb,
        &path,
        &[],
        "error: no Docker daemon answers (Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?)\nhint: start Docker (`sudo systemctl start docker`, or `dockerd &`), then run the command again\n",
    );
    assert_eq!(
        docker_calls(sb.home()),
        format!("{CONTEXT_CALL}{INFO_CALL}").repeat(2)
    );
}
