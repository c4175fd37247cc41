//! `ssoexec console`: the profile's credentials (SSO role or role chain) → the federation
//! endpoint's sign-in token → a console login URL, opened with the login browser controls or,
//! with `--print`, written alone to stdout. The URL signs in whoever has it for 15 minutes, so it
//! is never logged (`docs/console.md`).
use crate::app::App;
use crate::aws::federation::{self, Partition};
use crate::cli::ConsoleArgs;
use crate::config::Identity;
use crate::credentials::{self, LoginPermission};
use crate::error::Error;
use crate::login::browser;
use crate::support::env::{AWS_ENDPOINT_URL_SIGNIN, AWS_SESSION_TOKEN};
use crate::support::exit::ExitStatus;

/// Why no console URL was shown or opened.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    #[error(
        "not opening a browser (--no-browser), and the sign-in URL is a secret that is only shown on a terminal"
    )]
    NoTerminal,
    #[error("the console needs temporary credentials, and {identity} are long-term keys")]
    LongTermKeys { identity: String },
    #[error("could not open the console: {why}")]
    Browser { why: String },
}

impl crate::error::Diagnostic for ConsoleError {
    fn hint(&self) -> Option<String> {
        Some(
            match self {
                ConsoleError::NoTerminal => "add --print to get the URL on stdout",
                ConsoleError::LongTermKeys { .. } => {
                    "use an SSO profile, or a profile that assumes a role (role_arn)"
                }
                ConsoleError::Browser { .. } => {
                    "pass --browser-command CMD, or --print to get the URL on stdout"
                }
            }
            .into(),
        )
    }
}
crate::diagnostic_error!(ConsoleError);

pub async fn console(app: &App, args: &ConsoleArgs) -> Result<ExitStatus, Error> {
    let region = app.settings.region.as_ref().map(|r| r.value.as_str());
    let destination =
        federation::destination(args.destination.as_deref(), region).map_err(Error::Usage)?;
    // Decide where the URL goes before any credentials are exchanged for it.
    let show_on_terminal = !args.print && app.settings.login.no_browser;
    if show_on_terminal && !app.printer.is_terminal() {
        return Err(ConsoleError::NoTerminal.into());
    }
    let identity = app.settings.identity()?;
    let creds = credentials::resolve(app, &identity, LoginPermission::for_caller(app)).await?;
    if creds.session_token.is_none() {
        return Err(ConsoleError::LongTermKeys {
            identity: identity.describe(),
        }
        .into());
    }
    let session_duration = match (args.session_duration, duration_refused(app, &identity)) {
        (Some(d), None) => Some(d),
        (Some(_), Some(why)) => {
            app.printer.warn(format!(
                "not sending --session-duration: the federation endpoint does not take one for {why}"
            ));
            None
        }
        (None, _) => None,
    };
    let origin = app
        .env
        .get(AWS_ENDPOINT_URL_SIGNIN)
        .unwrap_or(Partition::of_region(region).signin_origin());
    let endpoint = federation::federation_url(origin);
    let token = federation::signin_token(&app.aws, &endpoint, &creds, session_duration).await?;
    let url = federation::login_url(&endpoint, &destination, &token)
        .map_err(|e| Error::caused("cannot build the console URL", None, e))?;
    if args.print {
        super::write_stdout(format!("{}\n", url.expose()).as_bytes())?;
        return Ok(ExitStatus::Success);
    }
    if app.settings.login.no_browser {
        let now = app.now();
        app.printer.info(format!(
            "This URL signs in whoever has it and expires {}:\n{}",
            crate::support::clock::describe_instant(now + federation::URL_LIFETIME, now),
            url.expose()
        ));
        return Ok(ExitStatus::Success);
    }
    // The URL is a secret: a launcher that fails later is reported without it.
    let manual = "Run again with --print to get the URL on stdout.";
    match browser::open(app, url.expose(), manual) {
        browser::Opened::Yes(_) => {
            app.printer.info(format!(
                "Opened the AWS console as {} in the browser.",
                identity.describe()
            ));
            Ok(ExitStatus::Success)
        }
        browser::Opened::Skipped(why) | browser::Opened::Failed(why) => {
            Err(ConsoleError::Browser { why }.into())
        }
    }
}

/// Why `SessionDuration` must not be sent for these credentials, or `None` when it may
/// (`docs/console.md#session-duration`): only a role assumed with long-term keys qualifies. For
/// role-chained sessions AWS documents no extended duration, and for Identity Center role
/// credentials it is undocumented; both are left out, as aws-vault does.
fn duration_refused(app: &App, identity: &Identity) -> Option<&'static str> {
    match identity {
        Identity::AssumeRole(hop) => match &hop.source {
            Identity::Static { keys, .. } if keys.session_token.is_none() => None,
            Identity::Environment if !app.env.is_set(AWS_SESSION_TOKEN) => None,
            _ => Some("a role-chained session"),
        },
        Identity::Sso(_) => Some("IAM Identity Center role credentials"),
        Identity::Static { .. } | Identity::Environment => Some("these credentials"),
    }
}
