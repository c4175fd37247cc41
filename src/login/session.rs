//! Which sso-session a sign-in is for: `--sso-session` (existing, or new with `--start-url` and
//! `--sso-region`), a session with the same start URL, a profile's session, or the only one; asked
//! for on a terminal. `configure` and `generate` both start here.
use crate::app::App;
use crate::cli::TargetArgs;
use crate::config::generated::{check_profile_name, normalize};
use crate::config::profile::{self, DEFAULT_SCOPE, SsoSession};
use crate::error::{Diagnostic, Error};
use crate::support::picker;
use crate::support::text::clean;

/// The Identity Center region offered when the person gives none.
const DEFAULT_SSO_REGION: &str = "us-east-1";

/// The sso-session a command signs in to, and the section to add when it is new.
pub struct SessionChoice {
    pub session: SsoSession,
    pub new_section: Option<String>,
}

/// Why the session to sign in to cannot be chosen.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("the sso-session {session} already uses {uses}, not {given}")]
    OtherStartUrl {
        session: String,
        uses: String,
        given: String,
    },
    #[error("the profile {profile} is a legacy profile without an [sso-session]")]
    Legacy { profile: String },
    #[error("cannot read the answer from the terminal")]
    Terminal {
        #[source]
        source: std::io::Error,
    },
}

impl Diagnostic for SessionError {
    fn hint(&self) -> Option<String> {
        Some(match self {
            SessionError::OtherStartUrl { .. } => {
                "leave out --start-url to use it, or name a new session".into()
            }
            SessionError::Legacy { .. } => {
                "run `ssoexec configure` to create an sso-session, then pass --sso-session".into()
            }
            SessionError::Terminal { .. } => return None,
        })
    }
}
crate::diagnostic_error!(SessionError);

/// A line of text from the person (see [`picker::ask`]); Ctrl-C is [`Error::Interrupted`].
pub fn ask_text(
    prompt: &str,
    default: Option<&str>,
    check: impl Fn(&str) -> Result<(), String>,
) -> Result<String, Error> {
    picker::ask(prompt, default, check).map_err(|e| terminal_error(&e))
}

pub fn terminal_error(e: &std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::Interrupted {
        Error::Interrupted
    } else {
        SessionError::Terminal {
            source: std::io::Error::new(e.kind(), e.to_string()),
        }
        .into()
    }
}

/// The session name proposed for a start URL: the first label of its host (`d-1234567890`).
fn proposed_session_name(start_url: &str) -> String {
    let host = url::Url::parse(start_url)
        .ok()
        .and_then(|u| u.host_str().map(String::from))
        .unwrap_or_default();
    normalize(host.split('.').next().unwrap_or_default())
}

fn session_section(name: &str, start_url: &str, region: &str) -> String {
    format!(
        "[sso-session {name}]\nsso_start_url = {start_url}\nsso_region = {region}\nsso_registration_scopes = {DEFAULT_SCOPE}\n"
    )
}

/// The sso-session to sign in to: `--sso-session` (existing, or new with `--start-url` and
/// `--sso-region`), a session with the same start URL, the session of `profile`, or the only one
/// in the config; asked for on a terminal when `ask`.
pub fn choose_session(
    app: &App,
    target: &TargetArgs,
    ask: bool,
    profile: Option<&str>,
) -> Result<SessionChoice, Error> {
    if let Some(name) = &target.sso_session {
        if let Some(s) = existing(app, name)? {
            if let Some(url) = &target.start_url
                && *url != s.start_url
            {
                return Err(SessionError::OtherStartUrl {
                    session: name.clone(),
                    uses: s.start_url,
                    given: clean(url),
                }
                .into());
            }
            return Ok(SessionChoice::existing(s));
        }
        check_profile_name(name).map_err(|e| Error::Usage(e.replace("profile", "sso-session")))?;
    }
    let unnamed = target.start_url.is_none() && target.sso_session.is_none();
    if let Some(p) = profile.filter(|_| unnamed) {
        let s = profile::session_for_profile(&app.settings.config, p)?;
        if s.name.is_none() {
            return Err(SessionError::Legacy {
                profile: p.to_string(),
            }
            .into());
        }
        return Ok(SessionChoice::existing(s));
    }
    if unnamed
        && !ask
        && let Some(s) = only_session(app)?
    {
        return Ok(SessionChoice::existing(s));
    }
    let (start_url, region) = start_url_and_region(app, target, ask)?;
    if target.sso_session.is_none()
        && let Some(s) = session_with_url(app, &start_url, &region)?
    {
        return Ok(SessionChoice::existing(s));
    }
    let name = match &target.sso_session {
        Some(n) => n.clone(),
        None => new_session_name(app, &start_url, ask)?,
    };
    Ok(SessionChoice {
        new_section: Some(session_section(&name, &start_url, &region)),
        session: SsoSession {
            name: Some(name),
            start_url,
            region,
            scopes: Some(vec![DEFAULT_SCOPE.to_string()]),
        },
    })
}

impl SessionChoice {
    fn existing(session: SsoSession) -> SessionChoice {
        SessionChoice {
            session,
            new_section: None,
        }
    }
}

/// The sso-session `name` of the config, if it has one.
fn existing(app: &App, name: &str) -> Result<Option<SsoSession>, Error> {
    let cfg = &app.settings.config;
    if cfg.config.sso_sessions.contains_key(name) {
        Ok(Some(profile::session_named(cfg, name)?))
    } else {
        Ok(None)
    }
}

/// Without a terminal: the only sso-session of the config; several are a usage error.
fn only_session(app: &App) -> Result<Option<SsoSession>, Error> {
    let names: Vec<&String> = app.settings.config.config.sso_sessions.keys().collect();
    match names.as_slice() {
        [] => Ok(None),
        [only] => {
            app.printer
                .info(format!("Using the only sso-session: {only}"));
            existing(app, only)
        }
        _ => Err(Error::Usage(format!(
            "several sso-sessions ({}): pass --sso-session NAME",
            names
                .iter()
                .map(|n| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The start URL and Identity Center region of a new session: flags, else answers.
fn start_url_and_region(
    app: &App,
    target: &TargetArgs,
    ask: bool,
) -> Result<(String, String), Error> {
    let start_url = match &target.start_url {
        Some(u) => u.clone(),
        None if ask => ask_text("IAM Identity Center start URL", None, |u| {
            profile::validate_start_url("sso_start_url", u, "in the answer", false)
                .map_err(|e| e.to_string())
        })?,
        None => {
            return Err(Error::Usage(
                "no sso-session to use: pass --start-url and --sso-region (and --sso-session NAME to name it)".into(),
            ));
        }
    };
    let region = match &target.sso_region {
        Some(r) => r.clone(),
        None if ask => ask_text(
            "IAM Identity Center region",
            Some(DEFAULT_SSO_REGION),
            |r| {
                profile::validate_region("sso_region", r, "in the answer", false)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            },
        )?,
        None => return Err(Error::Usage("pass --sso-region with --start-url".into())),
    };
    profile::validate_start_url("sso_start_url", &start_url, "from --start-url", false)?;
    if let Some(w) = profile::validate_region("sso_region", &region, "from --sso-region", false)? {
        app.printer.warn(w);
    }
    Ok((start_url, region))
}

/// An existing sso-session with this start URL and region (said so).
fn session_with_url(app: &App, start_url: &str, region: &str) -> Result<Option<SsoSession>, Error> {
    for (name, section) in &app.settings.config.config.sso_sessions {
        if section.get("sso_start_url").map(String::as_str) == Some(start_url)
            && section.get("sso_region").map(String::as_str) == Some(region)
        {
            app.printer.info(format!(
                "Using the sso-session {name}, which has this start URL"
            ));
            return existing(app, name);
        }
    }
    Ok(None)
}

/// The name of a new sso-session: the first label of the start URL's host (made unique), or
/// the answer.
fn new_session_name(app: &App, start_url: &str, ask: bool) -> Result<String, Error> {
    let taken = |n: &str| app.settings.config.config.sso_sessions.contains_key(n);
    let mut proposed = proposed_session_name(start_url);
    let mut k = 2;
    while taken(&proposed) {
        proposed = format!("{}-{k}", proposed_session_name(start_url));
        k += 1;
    }
    if !ask {
        return Ok(proposed);
    }
    ask_text("Name for the new sso-session", Some(&proposed), |n| {
        check_profile_name(n)?;
        if taken(n) {
            Err(format!("{n} is already an sso-session"))
        } else {
            Ok(())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_names_from_start_urls() {
        assert_eq!(
            proposed_session_name("https://d-1234567890.awsapps.com/start"),
            "d-1234567890"
        );
        assert_eq!(
            proposed_session_name("https://my corp.example/start"),
            "profile"
        );
        assert_eq!(
            proposed_session_name("https://acme.awsapps.com/start#/"),
            "acme"
        );
    }
}
