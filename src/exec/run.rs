//! Running the child: on Unix the process is replaced (execvp), so PID, signals, job control and
//! exit status are the child's own. Windows has no exec: the child is spawned and waited for, and
//! its exit code becomes ours; Ctrl-C and Ctrl-Break reach the child (every process on the
//! console gets them) while we ignore them, so the child decides how to stop and we report what it
//! returned (docs/platforms.md). Also starts the `--renew` helper whose lifeline the child inherits.
use super::ExecError;
use super::environment::ChildEnv;
use crate::error::Error;
use crate::support::exit::ExitStatus;
use std::ffi::OsString;
use std::io::BufRead;
use std::process::{Command, Stdio};

fn command(argv: &[OsString], env: &ChildEnv) -> Command {
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..]);
    for k in &env.remove {
        cmd.env_remove(k);
    }
    for (k, v) in &env.set {
        cmd.env(k, v);
    }
    cmd
}

fn start_error(argv: &[OsString], e: std::io::Error) -> Error {
    let name = argv[0].to_string_lossy();
    match e.kind() {
        std::io::ErrorKind::NotFound => Error::Exec {
            message: format!("command not found: {name}"),
            code: 127,
            source: None,
        },
        std::io::ErrorKind::PermissionDenied => Error::Exec {
            message: format!("permission denied: {name} is not executable"),
            code: 126,
            source: None,
        },
        _ => Error::Exec {
            message: format!("cannot run {name}"),
            code: 126,
            source: Some(e),
        },
    }
}

/// A value no environment variable can carry is named, rather than reported as a command that
/// cannot run (the OS refuses the whole exec).
fn check_values(env: &ChildEnv) -> Result<(), Error> {
    match env.set.iter().find(|(_, v)| v.contains('\0')) {
        Some((name, _)) => Err(ExecError::NulInValue { name }.into()),
        None => Ok(()),
    }
}

/// Replaces this process with the child. Returns only if the child could not be started.
#[cfg(unix)]
pub fn exec(argv: &[OsString], env: &ChildEnv) -> Result<ExitStatus, Error> {
    use std::os::unix::process::CommandExt;
    check_values(env)?;
    let e = command(argv, env).exec();
    Err(start_error(argv, e))
}

/// Runs the child and returns its exit code (platforms without execvp). The wait blocks this
/// (current-thread) runtime on purpose: a Ctrl-C recorded meanwhile cannot make `main_entry`'s
/// `select!` report 130, because this future is ready in the same poll the wait returns in.
#[cfg(not(unix))]
pub fn exec(argv: &[OsString], env: &ChildEnv) -> Result<ExitStatus, Error> {
    check_values(env)?;
    // Never dropped: Windows runs a console handler on a new thread of its own, which may start
    // after the child (given the same Ctrl-C) has exited and this process is on its way out; with
    // no listener left, tokio's handler would hand the event to the default one, which ends this
    // process with STATUS_CONTROL_C_EXIT (wine: 0) instead of the child's code.
    std::mem::forget(ignore_console_interrupts());
    let status = command(argv, env)
        .status()
        .map_err(|e| start_error(argv, e))?;
    Ok(ExitStatus::Child(status.code().unwrap_or(1)))
}

/// While the returned listeners live, Ctrl-C and Ctrl-Break do not end this process (tokio's
/// console handler takes them); the child, on the same console, still gets them. `None` outside a
/// runtime or when the handler cannot be installed: the defaults then apply.
#[cfg(windows)]
fn ignore_console_interrupts() -> Option<(
    tokio::signal::windows::CtrlC,
    tokio::signal::windows::CtrlBreak,
)> {
    tokio::runtime::Handle::try_current().ok()?;
    Some((
        tokio::signal::windows::ctrl_c().ok()?,
        tokio::signal::windows::ctrl_break().ok()?,
    ))
}

#[cfg(not(any(unix, windows)))]
fn ignore_console_interrupts() {}

/// The `--renew` helper: `ssoexec serve` with the same selection. On Unix it lives exactly as
/// long as its parent process, which exec's into the child (`--lifeline-parent`): nothing the
/// child does with its descriptors can end it early or keep it alive. Elsewhere (no exec: we wait
/// for the child) its stdin pipe is the lifeline, held by us until the child has exited.
pub struct Helper {
    pub port: u16,
    /// Our end of the stdin lifeline (not inherited by the child: close-on-exec).
    _lifeline: std::process::ChildStdin,
}

pub fn spawn_helper(args: &[String], token_env: (&str, &str)) -> Result<Helper, Error> {
    let exe = std::env::current_exe().map_err(ExecError::OwnExecutable)?;
    let lifeline = if cfg!(unix) {
        "--lifeline-parent"
    } else {
        "--lifeline-stdin"
    };
    let mut child = Command::new(exe)
        .arg("serve")
        .arg(lifeline)
        .args(args)
        .env(token_env.0, token_env.1)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(ExecError::HelperSpawn)?;
    let stdout = child.stdout.take().ok_or(ExecError::HelperPipe("stdout"))?;
    let mut line = String::new();
    let _ = std::io::BufReader::new(stdout).read_line(&mut line);
    let port: u16 = match line.trim().parse() {
        Ok(p) => p,
        Err(_) => {
            let status = child.wait().ok().and_then(|s| s.code()).unwrap_or(1);
            return Err(ExecError::HelperFailed { status }.into());
        }
    };
    let lifeline = child.stdin.take().ok_or(ExecError::HelperPipe("stdin"))?;
    // The helper is not waited for: it outlives this process image and is reaped by init or the child.
    std::mem::forget(child);
    Ok(Helper {
        port,
        _lifeline: lifeline,
    })
}
