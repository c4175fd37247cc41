//! One run of `ssoexec docker` or `ssoexec compose`: a lease on the credentials network, a
//! private directory with one token file per slot, the endpoint on the network's gateway, the
//! Docker command, and the clean-up. Everything it started ends with it: on a normal exit, on
//! SIGTERM/SIGHUP (passed on to Docker), and on Ctrl-C (the command is dropped: `Drop` waits for
//! Docker, then removes what is left).
use super::docker::Docker;
use super::gate::ContainerGate;
use super::network::{self, Lease};
use super::{ContainerError, ENDPOINT_IP};
use crate::app::App;
use crate::config::Identity;
use crate::credentials::Credentials;
use crate::error::Error;
use crate::support::exit::ExitStatus;
use crate::support::printer::Printer;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Child;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// How long a dropped run waits for Docker to stop after Ctrl-C, before it is told to.
const STOP_GRACE: Duration = Duration::from_secs(2);
/// How long Docker then has (`docker stop` gives containers 10 s) before its containers are
/// removed by force.
const KILL_GRACE: Duration = Duration::from_secs(15);

/// A slot to open: who its containers act as.
pub struct SlotSpec {
    /// A name for the slot (the compose service), part of its label.
    pub name: String,
    pub identity: Arc<Identity>,
    /// Credentials already fetched for the identity (served first, without asking again).
    pub fetched: Option<Credentials>,
}

/// An opened slot: its label and the token file to mount.
pub struct SlotFiles {
    pub name: String,
    pub label: String,
    pub token_file: PathBuf,
}

pub struct Session {
    /// This run's id (the value of the run label on its containers).
    pub run: String,
    /// `AWS_CONTAINER_CREDENTIALS_FULL_URI` for every container of the run.
    pub url: String,
    pub slots: Vec<SlotFiles>,
    pub docker: Docker,
    /// The run's private directory (token files, the compose override); removed at the end.
    pub dir: tempfile::TempDir,
    gate: Option<ContainerGate>,
    listener: Option<tokio::net::TcpListener>,
    lease: Lease,
    child: Option<Watch>,
    printer: Printer,
}

/// Checks the daemon, takes the network lease, writes the tokens, binds the endpoint. Nothing
/// has started in Docker yet when this fails (beyond the shared network, released again).
pub fn open(app: &App, specs: Vec<SlotSpec>) -> Result<Session, Error> {
    // The command checked the daemon (Docker::check_host) before signing in.
    let docker = Docker::default();
    let state = network::state_dir()?;
    let lease = Lease::acquire(&docker, &state)?;
    if lease.adopted {
        app.printer.debug(format!(
            "reusing the network {} that a run which did not finish left behind",
            super::NETWORK
        ));
    }
    let files = |path: &std::path::Path| {
        let path = path.to_path_buf();
        move |source| ContainerError::Files { path, source }
    };
    let dir = tempfile::Builder::new()
        .prefix("run-")
        .tempdir_in(&state)
        .map_err(files(&state))?;
    let run = hex::encode(rand::random::<[u8; 6]>());
    let mut gate = ContainerGate::new(docker.clone());
    let mut slots = vec![];
    let now = app.now();
    for (n, spec) in specs.into_iter().enumerate() {
        let label = format!("{run}-{n}");
        let token = gate.add_slot(
            label.clone(),
            &spec.identity,
            spec.fetched.map(|c| (c, now)),
        );
        let token_file = dir.path().join(n.to_string()).join("token");
        write_token(&token_file, token.expose()).map_err(files(&token_file))?;
        slots.push(SlotFiles {
            name: spec.name,
            label,
            token_file,
        });
    }
    let addr = SocketAddr::from((ENDPOINT_IP, 0));
    let listen = |source| ContainerError::Listen { addr, source };
    let std_listener = std::net::TcpListener::bind(addr).map_err(listen)?;
    std_listener.set_nonblocking(true).map_err(listen)?;
    let port = std_listener.local_addr().map_err(listen)?.port();
    let listener = tokio::net::TcpListener::from_std(std_listener).map_err(listen)?;
    Ok(Session {
        run,
        url: format!("http://{ENDPOINT_IP}:{port}/credentials"),
        slots,
        docker,
        dir,
        gate: Some(gate),
        listener: Some(listener),
        lease,
        child: None,
        printer: app.printer.clone(),
    })
}

/// The token file: readable by any user of the container (a bind mount of the one file), inside
/// a directory only we can enter on the host.
fn write_token(path: &std::path::Path, token: &str) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(path);
    std::fs::create_dir(dir)?;
    std::fs::write(path, token)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o444))?;
    }
    Ok(())
}

/// A running Docker command, waited for on its own thread.
struct Watch {
    pid: u32,
    done: Arc<(Mutex<Option<i32>>, Condvar)>,
    exited: Option<tokio::sync::oneshot::Receiver<i32>>,
}

impl Watch {
    fn start(mut child: Child) -> Watch {
        let pid = child.id();
        let done = Arc::new((Mutex::new(None), Condvar::new()));
        let (tx, rx) = tokio::sync::oneshot::channel();
        let shared = done.clone();
        std::thread::spawn(move || {
            let code = match child.wait() {
                Ok(s) => exit_code(s),
                Err(_) => 1,
            };
            let (lock, cv) = &*shared;
            *lock.lock().unwrap_or_else(|p| p.into_inner()) = Some(code);
            cv.notify_all();
            let _ = tx.send(code);
        });
        Watch {
            pid,
            done,
            exited: Some(rx),
        }
    }

    /// Blocks until the command has exited or `limit` has passed; true if it has exited.
    fn wait_for(&self, limit: Duration) -> bool {
        let (lock, cv) = &*self.done;
        let guard = lock.lock().unwrap_or_else(|p| p.into_inner());
        let (guard, _) = cv
            .wait_timeout_while(guard, limit, |code| code.is_none())
            .unwrap_or_else(|p| p.into_inner());
        guard.is_some()
    }

    fn signal(&self, signal: i32) {
        #[cfg(unix)]
        if let (Some(pid), Some(signal)) = (
            i32::try_from(self.pid)
                .ok()
                .and_then(rustix::process::Pid::from_raw),
            rustix::process::Signal::from_named_raw(signal),
        ) {
            // The pid is our child's, not yet reaped (the waiting thread reaps it only after it
            // exits), so it cannot name another process.
            let _ = rustix::process::kill_process(pid, signal);
        }
        #[cfg(not(unix))]
        let _ = (signal, self.pid);
    }
}

/// The exit code of a finished command (128+n for a signal, as a shell reports it).
fn exit_code(status: std::process::ExitStatus) -> i32 {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return 128 + sig;
        }
    }
    status.code().unwrap_or(1)
}

impl Session {
    /// Starts the Docker command `launch` builds, serves the endpoint until it exits, and
    /// returns its exit code.
    pub async fn run(
        mut self,
        app: Arc<App>,
        launch: impl FnOnce(&Session) -> Result<Child, Error>,
    ) -> Result<ExitStatus, Error> {
        let (Some(gate), Some(listener)) = (self.gate.take(), self.listener.take()) else {
            return Ok(ExitStatus::Failure);
        };
        let server = crate::exec::server::serve_gate(
            app.clone(),
            listener,
            Arc::new(gate),
            std::future::pending(),
        );
        tokio::pin!(server);
        let child = launch(&self)?;
        let watch = self.child.insert(Watch::start(child));
        let Some(mut exited) = watch.exited.take() else {
            return Ok(ExitStatus::Failure);
        };
        let mut signals = Signals::new();
        let code = loop {
            tokio::select! {
                code = &mut exited => break code.unwrap_or(1),
                sig = signals.next() => watch.signal(sig),
                _ = &mut server => {}
            }
        };
        Ok(ExitStatus::Child(code))
    }
}

/// SIGTERM and SIGHUP, to pass on to Docker (which passes them on to the containers).
struct Signals {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    hup: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn new() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Signals {
                term: signal(SignalKind::terminate()).ok(),
                hup: signal(SignalKind::hangup()).ok(),
            }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    async fn next(&mut self) -> i32 {
        #[cfg(unix)]
        {
            let term = async {
                match &mut self.term {
                    Some(s) => s.recv().await,
                    None => std::future::pending().await,
                }
            };
            let hup = async {
                match &mut self.hup {
                    Some(s) => s.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = term => rustix::process::Signal::TERM.as_raw(),
                _ = hup => rustix::process::Signal::HUP.as_raw(),
            }
        }
        #[cfg(not(unix))]
        std::future::pending().await
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Some(watch) = &self.child
            && !watch.wait_for(STOP_GRACE)
        {
            // Ctrl-C reached ssoexec but Docker is still running (or was not told).
            #[cfg(unix)]
            watch.signal(rustix::process::Signal::TERM.as_raw());
            if !watch.wait_for(KILL_GRACE) {
                let _ = self.docker.remove_labelled(super::LABEL_RUN, &self.run);
                #[cfg(unix)]
                watch.signal(rustix::process::Signal::KILL.as_raw());
                watch.wait_for(KILL_GRACE);
            }
        }
        if let Err(e) = self.lease.release() {
            self.printer
                .warn(format!("could not remove the credentials network: {e}"));
        }
    }
}
