//! Issue 22: credentials that follow the workload into containers, against a real Docker daemon
//! with the stock AWS CLI and boto3 inside the container (the image `scripts/container-image.sh`
//! builds from a Debian root filesystem; nothing is pulled). The mock listens on the docker0
//! bridge address, so the containers reach its STS with the credentials they were served.
//! The tests share one daemon and its one credentials network, so they run one at a time.
// Unix only (not compiled on Windows): Unix sockets, modes and signals around the Docker daemon.
#![cfg(unix)]
use crate::support::mock::{MockIdc, Op};
use crate::support::sandbox::*;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use tokio::sync::{Mutex, MutexGuard};

/// One container test at a time: they assert on the shared network coming and going.
static DOCKER: Mutex<()> = Mutex::const_new(());

/// Starts dockerd if needed and builds the client image if missing (both scripts are idempotent
/// and quick when there is nothing to do); returns the image name.
fn image() -> &'static str {
    static IMAGE: OnceLock<String> = OnceLock::new();
    IMAGE.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let daemon = Command::new(root.join("scripts").join("docker-daemon.sh"))
            .status()
            .unwrap();
        assert!(daemon.success(), "scripts/docker-daemon.sh failed");
        let out = Command::new(root.join("scripts").join("container-image.sh"))
            .stderr(Stdio::inherit())
            .output()
            .unwrap();
        assert!(out.status.success(), "scripts/container-image.sh failed");
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    })
}

fn docker(args: &[&str]) -> Output {
    Command::new("docker").args(args).output().unwrap()
}

fn docker_text(args: &[&str]) -> String {
    let out = docker(args);
    assert!(out.status.success(), "docker {args:?}: {}", stderr(&out));
    stdout(&out)
}

/// The docker0 gateway (the first address of the default bridge's subnet; 20.10 leaves the
/// Gateway field empty): an address of this host that every container can reach.
fn bridge_gateway() -> String {
    let subnet = docker_text(&[
        "network",
        "inspect",
        "bridge",
        "--format",
        "{{(index .IPAM.Config 0).Subnet}}",
    ]);
    let net: std::net::Ipv4Addr = subnet.trim().split('/').next().unwrap().parse().unwrap();
    std::net::Ipv4Addr::from(u32::from(net) + 1).to_string()
}

/// The lock, the image, and a sandbox whose mock containers can reach, on the real clock (the
/// SDKs in the containers check expiry times against it), signed in to `corp` for 8 hours.
async fn setup() -> (MutexGuard<'static, ()>, &'static str, Sandbox) {
    let guard = DOCKER.lock().await;
    let image = image();
    let listener = std::net::TcpListener::bind((bridge_gateway().as_str(), 0)).unwrap();
    let mock = MockIdc::start_on(listener).await;
    let home = tempfile::tempdir().unwrap();
    let sb = Sandbox { home, mock };
    sb.write_config(CONFIG);
    let expires = sb.mock.now() + 8 * 3600;
    let token = serde_json::json!({
        "startUrl": START_URL, "region": "us-east-1", "accessToken": "live-access",
        "expiresAt": fmt_epoch(expires), "clientId": "live-client", "clientSecret": "live-secret",
        "registrationExpiresAt": fmt_epoch(expires + 86400),
    });
    sb.mock.accept_client("live-client", "live-secret");
    sb.mock.accept_access_token("live-access", expires);
    std::fs::create_dir_all(sb.sso_cache()).unwrap();
    std::fs::write(sb.token_file("corp"), token.to_string()).unwrap();
    assert_nothing_left();
    (guard, image, sb)
}

/// `ssoexec ARGS` in the sandbox, on the real clock.
fn ssoexec(sb: &Sandbox, args: &[&str]) -> Command {
    let mut cmd = sb.std_cmd();
    cmd.env_remove("SSOEXEC_TEST_NOW").args(args);
    cmd
}

/// The options a test container needs to call the mock's STS.
fn sts(sb: &Sandbox) -> String {
    format!("AWS_ENDPOINT_URL_STS={}", sb.mock.uri())
}

/// ssoexec's state directories (`TMPDIR/ssoexec-UID/docker`; earlier layouts too).
fn state_dirs() -> Vec<PathBuf> {
    let base = std::env::temp_dir().join(format!("ssoexec-{}", rustix::process::getuid().as_raw()));
    std::fs::read_dir(base)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

/// No credentials network, no running container of a run, no run directory, no lease.
fn assert_nothing_left() {
    let nets = docker_text(&["network", "ls", "--format", "{{.Name}}"]);
    assert!(!nets.lines().any(|n| n == "ssoexec-credentials"), "{nets}");
    let running = docker_text(&["ps", "-q", "--filter", "label=dev.ssoexec.run"]);
    assert_eq!(running.trim(), "", "containers of a run still running");
    for dir in state_dirs() {
        let left: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("run-"))
            .collect();
        assert!(left.is_empty(), "run directories left: {left:?}");
        let leases = std::fs::read_dir(dir.join("leases")).unwrap().count();
        assert_eq!(leases, 0, "leases left in {}", dir.display());
    }
    let addrs = Command::new("ip").args(["-4", "addr"]).output();
    if let Ok(a) = addrs {
        assert!(
            !stdout(&a).contains("169.254.170.2"),
            "endpoint address left"
        );
    }
}

/// The role credentials ssoexec cached for `account` (to look for them where they must not be).
fn cached_secrets(sb: &Sandbox) -> Vec<String> {
    let mut out = vec![];
    for e in std::fs::read_dir(sb.cli_cache()).unwrap().flatten() {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(e.path()).unwrap()).unwrap();
        for k in ["SecretAccessKey", "SessionToken"] {
            if let Some(s) = v["Credentials"][k].as_str() {
                out.push(s.to_string());
            }
        }
    }
    assert!(!out.is_empty(), "no cached role credentials");
    out
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs Docker on Linux (scripts/docker-daemon.sh, scripts/container-image.sh)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn docker_run_serves_the_profiles_role_and_leaves_no_secret_in_inspect() {
    let (_g, image, sb) = setup().await;
    let name = format!("ssoexec-it-{}", std::process::id());
    let out = ssoexec(
        &sb,
        &["docker", "--profile", "dev", "--", "run", "--name", &name],
    )
    .args(["-e", &sts(&sb), image, "sh", "-c"])
    .arg(
        "aws sts get-caller-identity --query Arn --output text; \
             echo token=$(cat $AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE); env | grep ^AWS_ | sort",
    )
    .output()
    .unwrap();
    let text = stdout(&out);
    assert!(out.status.success(), "{text}{}", stderr(&out));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_ReadOnly_0123456789abcdef/mock-user"
    );
    let port = lines
        .iter()
        .find_map(|l| l.strip_prefix("AWS_CONTAINER_CREDENTIALS_FULL_URI=http://169.254.170.2:"))
        .and_then(|l| l.strip_suffix("/credentials"))
        .expect("the endpoint variable");
    assert!(port.parse::<u16>().is_ok());
    assert_eq!(
        lines[2..],
        [
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=/run/ssoexec/token",
            &format!("AWS_CONTAINER_CREDENTIALS_FULL_URI=http://169.254.170.2:{port}/credentials"),
            "AWS_DEFAULT_REGION=eu-west-1",
            &sts(&sb),
            "AWS_REGION=eu-west-1",
        ]
    );
    // One fetch, before the container started.
    assert_eq!(sb.mock.count(Op::GetRoleCredentials), 1);
    let token = lines[1].strip_prefix("token=").unwrap();
    assert_eq!(token.len(), 64);
    let inspect = docker_text(&["inspect", &name]);
    docker_text(&["rm", &name]);
    assert!(!inspect.contains(token), "the token is in docker inspect");
    for secret in cached_secrets(&sb) {
        assert!(!inspect.contains(&secret), "a secret is in docker inspect");
    }
    assert!(!sb.home().join(".aws").read_dir().unwrap().any(|e| {
        let p = e.unwrap().path();
        inspect.contains(&p.display().to_string())
    }));
    assert_nothing_left();
}

/// A long-running `ssoexec docker` whose container prints `token=…` and its address, then sleeps.
struct Sleeper {
    child: Child,
    lines: std::io::Lines<BufReader<std::process::ChildStdout>>,
    token: String,
    url: String,
}

impl Sleeper {
    fn start(sb: &Sandbox, image: &str, profile: &str) -> Sleeper {
        let mut child = ssoexec(sb, &["docker", "--profile", profile, "--", "run", "--rm", "-i"])
            .args(["-e", &sts(sb), image, "sh", "-c"])
            .arg("echo token=$(cat $AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE); echo url=$AWS_CONTAINER_CREDENTIALS_FULL_URI; exec python3 -u -c \"$0\"")
            .arg(PROBE)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let token = lines.next().unwrap().unwrap()["token=".len()..].to_string();
        let url = lines.next().unwrap().unwrap()["url=".len()..].to_string();
        Sleeper {
            child,
            lines,
            token,
            url,
        }
    }

    /// Asks the container to fetch from `url` with `token` (empty: none); the status it got.
    fn ask(&mut self, url: &str, token: &str) -> String {
        use std::io::Write;
        let stdin = self.child.stdin.as_mut().unwrap();
        writeln!(stdin, "{url} {token}").unwrap();
        self.lines.next().unwrap().unwrap()
    }

    fn stop(mut self) {
        drop(self.child.stdin.take());
        let status = self.child.wait().unwrap();
        assert!(status.success(), "{status}");
    }
}

/// Reads `URL TOKEN` lines; answers each with the HTTP status and, on 200, the account and key.
const PROBE: &str = r#"
import sys, json, urllib.request, urllib.error
for line in sys.stdin:
    parts = line.split()
    url, token = parts[0], (parts[1] if len(parts) > 1 else None)
    req = urllib.request.Request(url)
    if token:
        req.add_header("Authorization", token)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            body = json.load(r)
            print(r.status, body.get("AccountId"), body["AccessKeyId"], flush=True)
    except urllib.error.HTTPError as e:
        print(e.code, json.load(e).get("Code"), flush=True)
    except Exception as e:
        print("unreachable", type(e).__name__, flush=True)
"#;

/// `docker run --rm IMAGE python3 -c PROBE` for one request, from outside ssoexec.
fn probe_from(image: &str, network: &str, url: &str, token: &str) -> String {
    let out = Command::new("docker")
        .args([
            "run",
            "--rm",
            "-i",
            "--network",
            network,
            image,
            "python3",
            "-c",
            PROBE,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            writeln!(c.stdin.take().unwrap(), "{url} {token}")?;
            c.wait_with_output()
        })
        .unwrap();
    stdout(&out).trim().to_string()
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs Docker on Linux (scripts/docker-daemon.sh, scripts/container-image.sh)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn isolation_a_container_gets_only_its_own_profile() {
    let (_g, image, sb) = setup().await;
    let mut dev = Sleeper::start(&sb, image, "dev");
    let mut prod = Sleeper::start(&sb, image, "prod");
    // Each gets its own profile's role, on the shared network and endpoint address.
    assert!(
        dev.ask(&dev.url.clone(), &dev.token.clone())
            .starts_with("200 111111111111 ")
    );
    assert!(
        prod.ask(&prod.url.clone(), &prod.token.clone())
            .starts_with("200 222222222222 ")
    );
    // dev presenting prod's token, at prod's endpoint or its own: refused.
    let (purl, ptok) = (prod.url.clone(), prod.token.clone());
    assert_eq!(dev.ask(&purl, &ptok), "403 AccessDenied");
    assert_eq!(dev.ask(&dev.url.clone(), &ptok), "403 AccessDenied");
    // No token, a wrong one, another path: refused.
    let url = dev.url.clone();
    assert_eq!(dev.ask(&url, ""), "403 AccessDenied");
    assert_eq!(dev.ask(&url, &"0".repeat(64)), "403 AccessDenied");
    let other_path = url.replace("/credentials", "/v2/credentials/x");
    assert_eq!(dev.ask(&other_path, ""), "403 AccessDenied");
    // Containers not started through ssoexec, even holding dev's token: refused, on the default
    // bridge, on a network of their own (as a compose project's) and on the credentials network.
    let own = format!("ssoexec-it-probe-{}", std::process::id());
    docker_text(&["network", "create", &own]);
    for network in ["bridge", own.as_str(), "ssoexec-credentials"] {
        assert_eq!(
            probe_from(image, network, &url, &dev.token),
            "403 AccessDenied",
            "{network}"
        );
    }
    docker_text(&["network", "rm", &own]);
    // The host itself (any local process) with the token: refused too.
    let host = std::process::Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H"])
        .arg(format!("Authorization: {}", dev.token))
        .arg(&url)
        .output()
        .unwrap();
    assert_eq!(stdout(&host), "403");
    // The first run out leaves the shared network to the one still running.
    dev.stop();
    assert!(prod.ask(&purl, &ptok).starts_with("200 222222222222 "));
    prod.stop();
    assert_nothing_left();
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs Docker on Linux (scripts/docker-daemon.sh, scripts/container-image.sh)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn logout_stops_every_container_getting_credentials() {
    let (_g, image, sb) = setup().await;
    let mut c = Sleeper::start(&sb, image, "dev");
    let (url, token) = (c.url.clone(), c.token.clone());
    assert!(c.ask(&url, &token).starts_with("200 111111111111 "));
    let out = ssoexec(&sb, &["logout", "--profile", "dev"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(c.ask(&url, &token), "500 LoginRequired");
    c.stop();
    assert_nothing_left();
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs Docker on Linux (scripts/docker-daemon.sh, scripts/container-image.sh)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn short_credentials_renew_across_expiries_from_one_fetch_per_half_life() {
    let (_g, image, sb) = setup().await;
    sb.mock.set_role_credentials_ttl(8);
    let script = r#"
import boto3, time
session = boto3.Session()
sts = session.client("sts")
keys = []
end = time.time() + 20
while time.time() < end:
    arn = sts.get_caller_identity()["Arn"]
    keys.append(session.get_credentials().get_frozen_credentials().access_key)
    time.sleep(0.5)
print(len(keys), len(set(keys)), arn)
"#;
    let out = ssoexec(&sb, &["docker", "--profile", "dev", "--", "run", "--rm"])
        .args(["-e", &sts(&sb), image, "python3", "-c", script])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let f: Vec<&str> = text.split_whitespace().collect();
    let (calls, keys): (usize, usize) = (f[0].parse().unwrap(), f[1].parse().unwrap());
    assert_eq!(
        f[2],
        "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_ReadOnly_0123456789abcdef/mock-user"
    );
    // 20 s of 8-second credentials: at least two expiries crossed.
    assert!(keys >= 3, "{text}");
    // botocore asks on every call in its last 15 minutes; the portal is asked once per half-life.
    let fetches = sb.mock.count(Op::GetRoleCredentials);
    assert!(calls >= 15, "{text}");
    assert!(
        fetches <= keys + 1 && fetches * 3 <= calls,
        "{fetches} fetches for {text}"
    );
    assert_nothing_left();
}

/// A compose project in a temp directory: `compose.yaml` as given.
fn project(text: &str) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("ssoexec-it-")
        .tempdir()
        .unwrap();
    std::fs::write(dir.path().join("compose.yaml"), text).unwrap();
    dir
}

/// `docker compose down` in `dir` (the containers `up` leaves, stopped, and the project network).
fn compose_down(dir: &Path) {
    let out = Command::new("docker")
        .args(["compose", "down", "--remove-orphans"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs Docker on Linux (scripts/docker-daemon.sh, scripts/container-image.sh)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn compose_up_gives_each_service_its_own_profile_and_leaves_the_files_alone() {
    let (_g, image, sb) = setup().await;
    let file = format!(
        "services:
  app:
    image: {image}
    environment: [{sts}]
    command: [aws, sts, get-caller-identity, --query, Account, --output, text]
  billing:
    image: {image}
    environment: [{sts}]
    command: [aws, sts, get-caller-identity, --query, Account, --output, text]
    x-ssoexec: {{profile: prod}}
  deploy:
    image: {image}
    environment: [{sts}]
    command: [aws, sts, get-caller-identity, --query, Arn, --output, text]
    x-ssoexec: {{profile: deployer}}
  db:
    image: {image}
    command: [sh, -c, 'echo endpoint=$${{AWS_CONTAINER_CREDENTIALS_FULL_URI:-none}}']
    x-ssoexec: false
",
        sts = sts(&sb)
    );
    // A role chain (AssumeRole on top of dev's SSO role) is an identity like any other.
    sb.write_config(&format!(
        "{CONFIG}\n[profile deployer]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = dev\nrole_session_name = me\nregion = eu-west-1\n"
    ));
    let dir = project(&file);
    // The line README.md shows (tests/it/readme.rs leaves it to this test).
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let line = readme
        .lines()
        .find_map(|l| l.strip_prefix("ssoexec compose "))
        .map(|l| {
            l.split('#')
                .next()
                .unwrap()
                .split_whitespace()
                .collect::<Vec<_>>()
        })
        .expect("README.md shows `ssoexec compose`");
    assert_eq!(line, ["--profile", "dev", "--", "up"]);
    let out = ssoexec(&sb, &["compose"])
        .args(&line)
        .current_dir(dir.path())
        .output()
        .unwrap();
    // Any subcommand: a one-off `run` of a service gets that service's profile too.
    let one_off = ssoexec(
        &sb,
        &[
            "compose",
            "--profile",
            "dev",
            "--",
            "run",
            "--rm",
            "billing",
        ],
    )
    .current_dir(dir.path())
    .output()
    .unwrap();
    compose_down(dir.path());
    assert!(one_off.status.success(), "{}", stderr(&one_off));
    assert_eq!(stdout(&one_off), "222222222222\n");
    let text = stdout(&out);
    assert!(out.status.success(), "{text}{}", stderr(&out));
    let said = |service: &str| -> Vec<String> {
        // Compose pads the `service-1` prefix to the longest name.
        text.lines()
            .filter_map(|l| l.split_once(" | "))
            .filter(|(who, _)| who.trim_end() == format!("{service}-1"))
            .map(|(_, said)| said.to_string())
            .collect()
    };
    assert_eq!(said("app"), ["111111111111"], "{text}");
    assert_eq!(said("billing"), ["222222222222"], "{text}");
    assert_eq!(said("db"), ["endpoint=none"], "{text}");
    assert_eq!(
        said("deploy"),
        ["arn:aws:sts::222222222222:assumed-role/A/me"],
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("compose.yaml")).unwrap(),
        file
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    assert_nothing_left();
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs Docker on Linux (scripts/docker-daemon.sh, scripts/container-image.sh)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn six_containers_started_at_once_make_one_role_fetch() {
    let (_g, image, sb) = setup().await;
    let children: Vec<Child> = (0..6)
        .map(|_| {
            ssoexec(&sb, &["docker", "--profile", "dev", "--", "run", "--rm"])
                .args(["-e", &sts(&sb), image])
                .args([
                    "aws",
                    "sts",
                    "get-caller-identity",
                    "--query",
                    "Account",
                    "--output",
                    "text",
                ])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(stdout(&out), "111111111111\n");
    }
    assert_eq!(sb.mock.count(Op::GetRoleCredentials), 1);
    // Six runs shared one network; the last one out removed it.
    assert_nothing_left();
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs Docker on Linux (scripts/docker-daemon.sh, scripts/container-image.sh)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn bad_input_fails_before_any_container_starts() {
    let (_g, image, sb) = setup().await;
    let before = docker_text(&["ps", "-aq"]);
    let run = |args: &[&str], dir: &Path, env: &[(&str, &str)]| {
        let out = ssoexec(&sb, args)
            .current_dir(dir)
            .envs(env.iter().copied())
            .output()
            .unwrap();
        (out.status.code().unwrap(), stderr(&out))
    };
    let here = sb.home().to_path_buf();
    let unknown_service = project(&format!(
        "services:\n  app:\n    image: {image}\n    x-ssoexec: {{profile: nope}}\n"
    ));
    let (code, err) = run(
        &["compose", "--profile", "dev", "--", "up"],
        unknown_service.path(),
        &[],
    );
    assert_eq!(code, 1, "{err}");
    let config = sb.home().join(".aws").join("config");
    assert_eq!(
        err,
        format!(
            "error: service app asks for profile nope (`x-ssoexec`)\n  caused by: the config profile (nope) could not be found in {}\nhint: list profiles with `ssoexec status`, or fix `x-ssoexec` in the compose file\n",
            config.display()
        )
    );
    let broken = project("services:\n  app: [\n");
    let (code, err) = run(
        &["compose", "--profile", "dev", "--", "up"],
        broken.path(),
        &[],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.starts_with("error: Compose cannot read the project: "),
        "{err}"
    );
    assert!(
        err.ends_with("hint: check the file with `docker compose config`\n"),
        "{err}"
    );
    let (code, err) = run(
        &["compose", "--profile", "dev", "--", "up", "-d"],
        broken.path(),
        &[],
    );
    assert_eq!(
        (code, err.as_str()),
        (
            2,
            "error: a detached project (`up -d`) would outlive ssoexec and its credentials\nhint: run it in the foreground (ssoexec serves credentials while it runs)\n"
        )
    );
    let (code, err) = run(&["compose", "--", "up"], &here, &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no compose file"), "{err}");
    let (code, err) = run(
        &["docker", "--profile", "nope", "--", "run", image],
        &here,
        &[],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.starts_with("error: the config profile (nope) could not be found"),
        "{err}"
    );
    let (code, err) = run(
        &[
            "docker",
            "--profile",
            "dev",
            "--",
            "run",
            "--rm",
            image,
            "true",
        ],
        &here,
        &[("DOCKER_HOST", "unix:///nonexistent/docker.sock")],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.starts_with("error: no Docker daemon answers ("),
        "{err}"
    );
    assert!(err.ends_with("hint: start Docker (`sudo systemctl start docker`, or `dockerd &`), then run the command again\n"), "{err}");
    for line in ["run -d IMAGE", "run --network host IMAGE", "ps"] {
        let mut args = vec!["docker", "--profile", "dev", "--"];
        args.extend(line.split(' '));
        let (code, err) = run(&args, &here, &[]);
        assert_eq!(code, 2, "{line}: {err}");
    }
    assert_eq!(docker_text(&["ps", "-aq"]), before);
    assert_nothing_left();
}

/// Waits (with a deadline) for `child` to exit; its exit code, or 128+n for a signal.
fn exit_of(sb: &Sandbox, child: &mut Child) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    let child = std::cell::RefCell::new(child);
    let status = std::cell::Cell::new(None);
    sb.wait_until("ssoexec to exit", || {
        status.set(child.borrow_mut().try_wait().unwrap());
        status.get().is_some()
    });
    let s = status.get().unwrap();
    s.code().unwrap_or_else(|| 128 + s.signal().unwrap())
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs Docker on Linux (scripts/docker-daemon.sh, scripts/container-image.sh)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn sigterm_and_ctrl_c_leave_nothing_behind() {
    let (_g, image, sb) = setup().await;
    for (signal, code) in [
        (rustix::process::Signal::TERM, 143),
        (rustix::process::Signal::INT, 130),
    ] {
        let mut child = ssoexec(
            &sb,
            &["docker", "--profile", "dev", "--", "run", "--rm", "--init"],
        )
        .args([image, "sleep", "300"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
        sb.wait_until("the container to run", || {
            !docker_text(&["ps", "-q", "--filter", "label=dev.ssoexec.run"])
                .trim()
                .is_empty()
        });
        // Only ssoexec is signalled (as by `kill`): it passes SIGTERM on to Docker, and on
        // Ctrl-C stops Docker itself before it removes the network.
        rustix::process::kill_process(
            rustix::process::Pid::from_raw(child.id() as i32).unwrap(),
            signal,
        )
        .unwrap();
        assert_eq!(exit_of(&sb, &mut child), code, "signal {signal:?}");
        assert_nothing_left();
    }
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs Docker on Linux (scripts/docker-daemon.sh, scripts/container-image.sh)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn a_network_left_behind_is_adopted_and_a_foreign_one_reported() {
    let (_g, image, sb) = setup().await;
    let run = |sb: &Sandbox| {
        ssoexec(
            sb,
            &[
                "docker",
                "--profile",
                "dev",
                "--",
                "run",
                "--rm",
                image,
                "true",
            ],
        )
        .output()
        .unwrap()
    };
    // What a killed run leaves: ssoexec's network with no lease. The next run adopts it and,
    // being the last one out, removes it.
    docker_text(&[
        "network",
        "create",
        "--subnet",
        "169.254.170.0/24",
        "--gateway",
        "169.254.170.2",
        "--label",
        "dev.ssoexec.network=credentials",
        "ssoexec-credentials",
    ]);
    let out = run(&sb);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_nothing_left();
    // Someone else's network on the subnet: named, not touched.
    docker_text(&[
        "network",
        "create",
        "--subnet",
        "169.254.170.0/24",
        "someone-elses",
    ]);
    let out = run(&sb);
    docker_text(&["network", "rm", "someone-elses"]);
    assert_eq!(
        (out.status.code(), stderr(&out).as_str()),
        (
            Some(1),
            "error: the Docker network someone-elses holds 169.254.170.0/24, which the credentials network needs\nhint: remove that network (`docker network rm someone-elses`) or stop what uses it; see docs/containers.md\n"
        )
    );
    // A network with our name that ssoexec did not make.
    docker_text(&["network", "create", "ssoexec-credentials"]);
    let out = run(&sb);
    docker_text(&["network", "rm", "ssoexec-credentials"]);
    assert_eq!(
        (out.status.code(), stderr(&out).as_str()),
        (
            Some(1),
            "error: a Docker network named ssoexec-credentials exists but ssoexec did not make it\nhint: remove it (`docker network rm ssoexec-credentials`) if nothing uses it\n"
        )
    );
    assert_nothing_left();
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs Docker on Linux (scripts/docker-daemon.sh, scripts/container-image.sh)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn a_container_on_its_own_network_is_connected_to_the_credentials_network_too() {
    let (_g, image, sb) = setup().await;
    let net = format!("ssoexec-it-own-{}", std::process::id());
    docker_text(&["network", "create", &net]);
    let out = ssoexec(
        &sb,
        &["docker", "--profile", "prod", "--", "run", "--rm", "-i"],
    )
    .args([
        "--network",
        &net,
        "-e",
        "AWS_REGION=us-east-2",
        "-e",
        &sts(&sb),
        image,
    ])
    .args([
        "sh",
        "-c",
        "aws sts get-caller-identity --query Account --output text; echo $AWS_REGION; cat",
    ])
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .spawn()
    .and_then(|mut c| {
        use std::io::Write;
        // `-i` reaches the container: what we write comes back.
        writeln!(c.stdin.take().unwrap(), "through stdin")?;
        c.wait_with_output()
    })
    .unwrap();
    let networks_left = docker_text(&[
        "network",
        "inspect",
        &net,
        "--format",
        "{{len .Containers}}",
    ]);
    docker_text(&["network", "rm", &net]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "222222222222\nus-east-2\nthrough stdin\n");
    assert_eq!(networks_left.trim(), "0", "--rm removed the container");
    assert_nothing_left();
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs Docker on Linux (scripts/docker-daemon.sh, scripts/container-image.sh)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn the_containers_exit_status_is_ssoexecs() {
    let (_g, image, sb) = setup().await;
    let out = ssoexec(
        &sb,
        &["docker", "--profile", "dev", "--", "run", "--rm", image],
    )
    .args(["sh", "-c", "exit 7"])
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert_nothing_left();
}

/// The devcontainer way of docs/containers.md: the container is started through ssoexec, and an
/// editor attaches to it (`docker exec`): what runs there gets credentials too.
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs Docker on Linux (scripts/docker-daemon.sh, scripts/container-image.sh)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn processes_attached_with_docker_exec_get_credentials() {
    let (_g, image, sb) = setup().await;
    let mut c = Sleeper::start(&sb, image, "dev");
    let id = std::cell::RefCell::new(String::new());
    sb.wait_until("docker ps to list the container", || {
        *id.borrow_mut() = docker_text(&["ps", "-q", "--filter", "label=dev.ssoexec.run"]);
        !id.borrow().trim().is_empty()
    });
    let id = id.into_inner();
    let out = docker(&[
        "exec",
        "-e",
        &sts(&sb),
        id.trim(),
        "aws",
        "sts",
        "get-caller-identity",
        "--query",
        "Account",
        "--output",
        "text",
    ]);
    let (url, token) = (c.url.clone(), c.token.clone());
    assert!(c.ask(&url, &token).starts_with("200 111111111111 "));
    c.stop();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "111111111111\n");
    assert_nothing_left();
}
