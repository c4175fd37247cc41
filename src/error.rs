//! The one error type commands return, its exit status and its hint; `main` prints the report
//! (`error:`, every `caused by:`, `hint:`). Errors of the layers below are `#[from]` variants;
//! errors of the layers above (output, kube, github) implement [`Diagnostic`] and convert into
//! [`Error::Domain`] in their own module, so this file never imports upward and no cause is lost.
use crate::aws::client::HttpError;
use crate::aws::eks::EksError;
use crate::cache::CacheError;
use crate::config::ConfigError;
use crate::support::exit::ExitStatus;
use crate::support::stdout::StdoutError;

/// An error of a higher layer, with what to do about it.
pub trait Diagnostic: std::error::Error + Send + Sync + 'static {
    fn hint(&self) -> Option<String> {
        None
    }
    fn exit_status(&self) -> ExitStatus {
        ExitStatus::Failure
    }
}

/// `impl From<$t> for Error` through [`Error::Domain`], for a type that implements `Diagnostic`.
#[macro_export]
macro_rules! diagnostic_error {
    ($t:ty) => {
        impl From<$t> for $crate::error::Error {
            fn from(e: $t) -> Self {
                $crate::error::Error::Domain($crate::error::DomainError(Box::new(e)))
            }
        }
    };
}

/// A boxed [`Diagnostic`] that shows as itself and keeps its cause chain.
#[derive(Debug)]
pub struct DomainError(pub Box<dyn Diagnostic>);

impl std::fmt::Display for DomainError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for DomainError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Cache(#[from] CacheError),
    #[error(transparent)]
    Http(#[from] HttpError),
    #[error(transparent)]
    Eks(#[from] EksError),
    /// An error of the output, kube or github layer.
    #[error(transparent)]
    Domain(DomainError),
    /// stdout could not take the one document (a closed pipe is not an error).
    #[error("cannot write to stdout")]
    Stdout(#[from] StdoutError),
    /// A login is needed and may not happen here; `login_command` is what the person should run.
    #[error("{reason}")]
    LoginRequired {
        reason: String,
        login_command: String,
    },
    /// A login was attempted and did not complete (denied, expired, timed out).
    #[error("{message}")]
    LoginFailed {
        message: String,
        hint: Option<String>,
    },
    #[error("{0}")]
    Usage(String),
    #[error("interrupted")]
    Interrupted,
    /// Neither `HOME` nor `USERPROFILE` names a home directory.
    #[error("cannot find the home directory (HOME is not set)")]
    NoHome,
    /// The command to run could not be started; `code` is the shell's (127 not found, 126 not executable).
    #[error("{message}")]
    Exec {
        message: String,
        code: i32,
        /// Why the OS refused, when it is not said by `message` already.
        #[source]
        source: Option<std::io::Error>,
    },
    /// A failure with its cause kept for the report's `caused by:` line.
    #[error("{message}")]
    Caused {
        message: String,
        hint: Option<String>,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Any other user-fixable failure, with an optional next step.
    #[error("{message}")]
    Failed {
        message: String,
        hint: Option<String>,
    },
}

impl Error {
    pub fn failed(message: impl Into<String>, hint: Option<String>) -> Self {
        Error::Failed {
            message: message.into(),
            hint,
        }
    }

    /// `message`, then `caused by: source` (never flattened into the message).
    pub fn caused(
        message: impl Into<String>,
        hint: Option<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Error::Caused {
            message: message.into(),
            hint,
            source: source.into(),
        }
    }

    pub fn exit_status(&self) -> ExitStatus {
        match self {
            Error::LoginRequired { .. } => ExitStatus::LoginRequired,
            Error::Usage(_) => ExitStatus::Usage,
            Error::Interrupted => ExitStatus::Interrupted,
            Error::Exec { code, .. } => ExitStatus::Child(*code),
            Error::Domain(d) => d.0.exit_status(),
            _ => ExitStatus::Failure,
        }
    }

    /// What to run or check next.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::LoginRequired { login_command, .. } => Some(format!(
                "run `{login_command}` in a terminal, then try again"
            )),
            Error::LoginFailed { hint, .. }
            | Error::Failed { hint, .. }
            | Error::Caused { hint, .. } => hint.clone(),
            Error::Config(e) => e.hint(),
            Error::Http(e) => e.hint(),
            Error::Eks(e) => e.hint(),
            Error::Cache(e) => e.hint(),
            Error::Domain(d) => d.0.hint(),
            Error::Usage(_) => Some("see `ssoexec --help`".into()),
            Error::NoHome => Some("set HOME".into()),
            Error::Stdout(_) | Error::Interrupted | Error::Exec { .. } => None,
        }
    }
}
