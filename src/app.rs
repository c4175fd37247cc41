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
use std::sync::{Mutex, OnceLock};
use time::{Duration, OffsetDateTime};

pub struct App {
    pub env: Env,
    pub clock: Clock,
    pub printer: Printer,
    pub settings: Settings,
    /// A person can answer here: stdin and stderr are terminals.
    pub interactive: bool,
    http: OnceLock<reqwest::Client>,
    /// Server time minus our time, from the last `Date` header seen.
    skew: Mutex<Option<Duration>>,
}

/// A clock further than this from the servers' is reported: expiry checks would be off by as much.
pub const SKEW_WARNING: Duration = Duration::minutes(5);

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
            skew: Mutex::new(None),
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

    /// Records the server's clock from a `Date` header; says once when ours is far off.
    pub fn note_server_date(&self, server: std::time::SystemTime) {
        let server = OffsetDateTime::from(server);
        let skew = server - self.now();
        let Ok(mut last) = self.skew.lock() else {
            return;
        };
        let first_big = skew.abs() > SKEW_WARNING && last.is_none_or(|s| s.abs() <= SKEW_WARNING);
        *last = Some(skew);
        if first_big {
            let dir = if skew.is_positive() {
                "behind"
            } else {
                "ahead of"
            };
            self.printer.warn(format!(
                "this computer's clock is {} {dir} the AWS servers'; expiry times will look wrong until the clock is fixed (enable NTP)",
                crate::clock::describe_duration(skew.abs())
            ));
        }
    }

    /// The directory of sidecar locks.
    pub fn lock_dir(&self) -> std::path::PathBuf {
        self.settings.paths.own.join("locks")
    }
}
