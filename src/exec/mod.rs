//! exec: build the child's environment (pure), then run it; and the credentials server that
//! `exec --renew` and `serve` use; the shell started when no command is given.
pub mod environment;
pub mod lifeline;
pub mod run;
pub mod server;
pub mod shell;

use crate::app::App;
use crate::config::Identity;
use environment::Marker;
use std::net::SocketAddr;

/// What a child (or the credentials server) carries: `SSOEXEC_PROFILE` (the profile, or what the
/// identity is) and the whole identity, chain included, in `SSOEXEC_IDENTITY`.
pub fn marker(app: &App, identity: &Identity) -> Marker {
    let profile = app
        .settings
        .profile_name()
        .map(String::from)
        .unwrap_or_else(|| identity.describe());
    Marker::for_identity(profile, identity)
}

/// What can go wrong starting the credentials helper or server.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("cannot find the ssoexec executable")]
    OwnExecutable(#[source] std::io::Error),
    #[error("cannot start the credentials helper")]
    HelperSpawn(#[source] std::io::Error),
    #[error("the credentials helper did not start (exit {status})")]
    HelperFailed { status: i32 },
    #[error("the credentials helper has no {0} pipe")]
    HelperPipe(&'static str),
    #[error("cannot listen on {addr}")]
    Listen {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("refusing to serve credentials on the non-loopback address {addr} {why}")]
    WeakToken { addr: SocketAddr, why: String },
    /// A value for the child's environment that no environment variable can carry.
    #[error(
        "cannot give {name} to the command: its value holds a NUL byte, which no environment variable can carry"
    )]
    NulInValue { name: &'static str },
}

impl crate::error::Diagnostic for ExecError {
    fn hint(&self) -> Option<String> {
        match self {
            ExecError::WeakToken { .. } => Some(format!(
                "set {} to a long random value (e.g. `openssl rand -hex 32`), or bind 127.0.0.1",
                crate::support::env::SSOEXEC_SERVE_TOKEN
            )),
            ExecError::Listen { .. } => {
                Some("pick a free port, or omit --bind for a random one on 127.0.0.1".into())
            }
            ExecError::NulInValue { .. } => Some(
                "the credentials server returned a malformed value; try again, and report it if it persists".into(),
            ),
            _ => None,
        }
    }
}
crate::diagnostic_error!(ExecError);
