//! The handles a command runs with: environment, clock, printer, settings, and the AWS client
//! (built lazily: a cache hit never builds one, so it never sets up TLS). The service clients are
//! made here, with their endpoints resolved from the settings.
use crate::aws::client::Client;
use crate::aws::eks;
use crate::aws::endpoint::{self, Service};
use crate::aws::oidc::Oidc;
use crate::aws::portal::Portal;
use crate::aws::sts::Sts;
use crate::config::ConfigError;
use crate::settings::Settings;
use crate::support::clock::Clock;
use crate::support::env::Env;
use crate::support::printer::Printer;
use crate::support::terminal::Terminal;
use std::sync::OnceLock;
use time::OffsetDateTime;

/// Told when a login needs a person, so a caller (the GitHub step summary) can show it elsewhere
/// too. The login layer calls it; whoever runs the command installs it.
pub trait LoginObserver: Send + Sync {
    /// A person must open `url` and check `code`; the request expires `expires`
    /// (`support::clock::describe_instant`'s form: `in 10 min (at 10:10 UTC)`).
    fn sign_in_needed(&self, url: &str, code: &str, expires: &str);
}

pub struct App {
    pub env: Env,
    pub clock: Clock,
    pub printer: Printer,
    pub settings: Settings,
    /// A person can answer here (`support::terminal` has the rule): a login may start.
    pub interactive: bool,
    /// The handle to the person: prompts and questions (`ask`, `choose`).
    pub terminal: Terminal,
    /// The AWS client; holds no connection until the first request.
    pub aws: Client,
    observer: OnceLock<Box<dyn LoginObserver>>,
}

impl App {
    pub fn new(env: Env, clock: Clock, printer: Printer, settings: Settings) -> App {
        let terminal = printer.terminal().clone();
        let interactive = terminal.interactive();
        let aws = Client::new(
            env.clone(),
            clock,
            printer.clone(),
            settings.ca_bundle.clone(),
        );
        App {
            env,
            clock,
            printer,
            settings,
            interactive,
            terminal,
            aws,
            observer: OnceLock::new(),
        }
    }

    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    pub fn endpoint(&self, service: Service, region: &str) -> Result<String, ConfigError> {
        endpoint::resolve(&self.settings, &self.env, service, region)
    }

    pub fn oidc(&self, sso_region: &str) -> Result<Oidc<'_>, ConfigError> {
        Ok(Oidc::new(
            &self.aws,
            self.endpoint(Service::SsoOidc, sso_region)?,
        ))
    }

    pub fn portal(&self, sso_region: &str) -> Result<Portal<'_>, ConfigError> {
        Ok(Portal::new(
            &self.aws,
            self.endpoint(Service::Sso, sso_region)?,
        ))
    }

    pub fn sts(&self, region: &str) -> Result<Sts<'_>, ConfigError> {
        Ok(Sts::new(
            &self.aws,
            region,
            self.endpoint(Service::Sts, region)?,
        ))
    }

    pub async fn describe_cluster(
        &self,
        credentials: &crate::aws::credentials::Credentials,
        region: &str,
        name: &str,
    ) -> Result<eks::Cluster, crate::error::Error> {
        let base = self.endpoint(Service::Eks, region)?;
        Ok(eks::describe_cluster(&self.aws, &base, credentials, region, name).await?)
    }

    /// Installs the login observer (once per run).
    pub fn observe_logins(&self, observer: Box<dyn LoginObserver>) {
        let _ = self.observer.set(observer);
    }

    pub fn login_observer(&self) -> Option<&dyn LoginObserver> {
        self.observer.get().map(|b| b.as_ref())
    }

    /// The directory of sidecar locks.
    pub fn lock_dir(&self) -> std::path::PathBuf {
        self.settings.paths.own.join("locks")
    }
}
