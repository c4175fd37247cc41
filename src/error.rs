//! The one error type commands return, its exit status and its hint. `main` prints the report.
use crate::cache::CacheError;
use crate::config::ConfigError;
use crate::exit::ExitStatus;
use crate::http::HttpError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Cache(#[from] CacheError),
    #[error(transparent)]
    Http(#[from] HttpError),
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
    /// The command to run could not be started; `code` is the shell's (127 not found, 126 not executable).
    #[error("{message}")]
    Exec { message: String, code: i32 },
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

    pub fn exit_status(&self) -> ExitStatus {
        match self {
            Error::LoginRequired { .. } => ExitStatus::LoginRequired,
            Error::Usage(_) => ExitStatus::Usage,
            Error::Interrupted => ExitStatus::Interrupted,
            Error::Exec { code, .. } => ExitStatus::Child(*code),
            _ => ExitStatus::Failure,
        }
    }

    /// What to run or check next.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::LoginRequired { login_command, .. } => Some(format!(
                "run `{login_command}` in a terminal, then try again"
            )),
            Error::LoginFailed { hint, .. } | Error::Failed { hint, .. } => hint.clone(),
            Error::Config(e) => Some(config_hint(e)),
            Error::Http(e) => e.hint(),
            Error::Cache(e) => e.hint(),
            Error::Usage(_) => Some("see `ssoexec --help`".into()),
            Error::Interrupted | Error::Exec { .. } => None,
        }
    }
}

fn config_hint(e: &ConfigError) -> String {
    match e {
        ConfigError::ProfileNotFound { .. } => "list profiles with `ssoexec status`, or pass --profile NAME".into(),
        ConfigError::MissingKeys { .. } | ConfigError::NotSso { .. } => {
            "an SSO profile needs sso_session (or sso_start_url and sso_region), sso_account_id and sso_role_name".into()
        }
        _ => "fix the file named above; `aws configure sso` can write a valid profile".into(),
    }
}
