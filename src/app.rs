//! The handles a command runs with: environment, clock, printer, settings and a lazily built HTTP
//! client (a cache hit never builds one, so it never sets up TLS).
use crate::clock::Clock;
use crate::config::ConfigError;
use crate::endpoint::{self, Service};
use crate::env::Env;
use crate::http::{self, HttpError};
use crate::printer::Printer;
use crate::settings::Settings;
use std::io::IsTerminal;
use std::sync::OnceLock;
use time::OffsetDateTime;

pub struct App {
    pub env: Env,
    pub clock: Clock,
    pub printer: Printer,
    pub settings: Settings,
    /// A person can answer here: stdin and stderr are terminals.
    pub interactive: bool,
    http: OnceLock<reqwest::Client>,
}

impl App {
    pub fn new(env: Env, clock: Clock, printer: Printer, settings: Settings) -> App {
        let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
        App {
            env,
            clock,
            printer,
            settings,
            interactive,
            http: OnceLock::new(),
        }
    }

    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    pub fn http(&self) -> Result<&reqwest::Client, HttpError> {
        if let Some(c) = self.http.get() {
            return Ok(c);
        }
        let client = http::client(&self.env)?;
        Ok(self.http.get_or_init(|| client))
    }

    pub fn endpoint(&self, service: Service, region: &str) -> Result<String, ConfigError> {
        endpoint::resolve(&self.settings, &self.env, service, region)
    }

    /// The directory of sidecar locks.
    pub fn lock_dir(&self) -> std::path::PathBuf {
        self.settings.paths.own.join("locks")
    }
}
