//! `ssoexec status`: a local view (no network) of every session (configured, or only in the token
//! cache, e.g. after `login --start-url`), its token and the profiles using it. `--profile` or
//! `--sso-session` narrows the view to one session (and fails like any command on a bad name).
use crate::app::App;
use crate::cache::{Lookup, role, token};
use crate::cli::StatusArgs;
use crate::config::profile::{self, SsoSession};
use crate::error::Error;
use crate::settings::{Selection, Source};
use crate::support::clock::{describe_instant, format_timestamp, parse_timestamp};
use crate::support::exit::ExitStatus;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use time::OffsetDateTime;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SessionStatus {
    /// The sso-session name, or null for a legacy start URL.
    name: Option<String>,
    start_url: String,
    region: String,
    token_file: String,
    logged_in: bool,
    token_expires_at: Option<String>,
    refreshable: bool,
    profiles: Vec<ProfileStatus>,
    #[serde(skip)]
    token: TokenState,
    #[serde(skip)]
    login_command: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProfileStatus {
    profile: String,
    account_id: String,
    role_name: String,
    credentials_expire_at: Option<String>,
}

enum TokenState {
    None,
    Unreadable,
    Found(Box<token::SsoToken>),
}

/// Sessions by token cache key: the session, the profiles using it, and the command that signs
/// in to it.
type Sessions = BTreeMap<String, (SsoSession, Vec<ProfileStatus>, String)>;

pub async fn status(app: &App, args: &StatusArgs) -> Result<ExitStatus, Error> {
    let now = app.now();
    // A named profile or session narrows the view; a bad name is an error (exit 1).
    let only: Option<String> = match &app.settings.selection {
        Selection::Profile { name, .. } if name.source != Source::Default => {
            Some(app.settings.session()?.token_cache_key())
        }
        Selection::Session { .. } | Selection::Flags { .. } => {
            Some(app.settings.session()?.token_cache_key())
        }
        Selection::Profile { .. } => None,
    };
    let (sessions, problems) = sessions(app, now);
    let list: Vec<SessionStatus> = sessions
        .into_iter()
        .filter(|(key, _)| only.as_ref().is_none_or(|o| o == key))
        .map(|(_, (s, profiles, login_command))| {
            session_status(app, now, s, profiles, login_command)
        })
        .collect();
    for p in &problems {
        app.printer.warn(p);
    }
    if args.json {
        let doc = serde_json::json!({ "now": format_timestamp(now), "sessions": list });
        super::write_stdout(
            format!(
                "{}\n",
                serde_json::to_string_pretty(&doc).unwrap_or_default()
            )
            .as_bytes(),
        )?;
        return Ok(ExitStatus::Success);
    }
    let headers = std::io::IsTerminal::is_terminal(&std::io::stdout());
    super::write_stdout(render(&list, now, headers).as_bytes())?;
    Ok(ExitStatus::Success)
}

/// Every session: named sso-sessions, then legacy start URLs, each with the profiles using it,
/// then tokens of sessions no config names (`ssoexec login --start-url …`). Also the profiles
/// that could not be read, as warnings.
fn sessions(app: &App, now: OffsetDateTime) -> (Sessions, Vec<String>) {
    let cfg = &app.settings.config;
    let mut sessions = Sessions::new();
    for name in cfg.config.sso_sessions.keys() {
        if let Ok(s) = profile::session_named(cfg, name) {
            let login = format!(
                "ssoexec login --sso-session {}",
                crate::support::shell::word(name)
            );
            sessions.insert(s.token_cache_key(), (s, Vec::new(), login));
        }
    }
    let mut problems = Vec::new();
    for name in cfg.config.profiles.keys() {
        match profile::target_for_profile(cfg, name) {
            Ok(t) => {
                let creds = match role::load(&role::path(&app.settings.paths.cli_cache, &t)) {
                    Ok(Lookup::Found(c)) => c.expiration.filter(|e| *e > now).map(format_timestamp),
                    _ => None,
                };
                let login = format!(
                    "ssoexec login --profile {}",
                    crate::support::shell::word(name)
                );
                let entry = sessions
                    .entry(t.session.token_cache_key())
                    .or_insert_with(|| (t.session.clone(), Vec::new(), login));
                entry.1.push(ProfileStatus {
                    profile: name.clone(),
                    account_id: t.account_id,
                    role_name: t.role_name,
                    credentials_expire_at: creds,
                });
            }
            Err(crate::config::ConfigError::NotSso { .. }) => {}
            Err(e) => problems.push(format!("profile {name}: {e}")),
        }
    }
    let known: Vec<PathBuf> = sessions
        .values()
        .map(|(s, _, _)| token::path(&app.settings.paths.sso_cache, s))
        .collect();
    for (path, s) in cached_sessions(&app.settings.paths.sso_cache) {
        if !known.contains(&path) {
            let login = format!(
                "ssoexec login --start-url {} --sso-region {}",
                crate::support::shell::word(&s.start_url),
                crate::support::shell::word(&s.region)
            );
            sessions.insert(s.token_cache_key(), (s, Vec::new(), login));
        }
    }
    (sessions, problems)
}

/// One session's token state (read from its cache file) and profiles.
fn session_status(
    app: &App,
    now: OffsetDateTime,
    s: SsoSession,
    profiles: Vec<ProfileStatus>,
    login_command: String,
) -> SessionStatus {
    let path = token::path(&app.settings.paths.sso_cache, &s);
    let state = match token::load(&path) {
        Ok(Lookup::Found(t)) => TokenState::Found(Box::new(t)),
        Ok(Lookup::Corrupt(_)) | Err(_) => TokenState::Unreadable,
        Ok(_) => TokenState::None,
    };
    let tok = match &state {
        TokenState::Found(t) => Some(t.as_ref()),
        _ => None,
    };
    SessionStatus {
        name: s.name.clone(),
        start_url: s.start_url.clone(),
        region: s.region.clone(),
        token_file: path.display().to_string(),
        logged_in: tok.is_some_and(|t| t.expires_at > now || t.refreshable(now)),
        token_expires_at: tok.map(|t| format_timestamp(t.expires_at)),
        refreshable: tok.is_some_and(|t| t.refreshable(now)),
        profiles,
        token: state,
        login_command,
    }
}

/// The text listing: a line per session, then its profiles (under a header on a terminal).
fn render(list: &[SessionStatus], now: OffsetDateTime, headers: bool) -> String {
    let mut out = String::new();
    if list.is_empty() {
        out.push_str("No SSO sessions or profiles are configured, and no SSO token is cached (`ssoexec configure` sets one up).\n");
    }
    for s in list {
        let title = s
            .name
            .as_ref()
            .map(|n| format!("sso-session {n}"))
            .unwrap_or_else(|| s.start_url.clone());
        out.push_str(&format!(
            "{title} ({}, {}): {}\n",
            s.start_url,
            s.region,
            token_line(s, now)
        ));
        if headers && !s.profiles.is_empty() {
            out.push_str(&format!(
                "  {:<20} {:<12} / {:<24} {}\n",
                "PROFILE", "ACCOUNT", "ROLE", "CREDENTIALS"
            ));
        }
        for p in &s.profiles {
            let creds = match &p.credentials_expire_at {
                Some(e) => match parse_timestamp(e) {
                    Some(t) => format!("credentials expire {}", describe_instant(t, now)),
                    None => format!("credentials expire at {e}"),
                },
                None => "no cached credentials".into(),
            };
            out.push_str(&format!(
                "  {:<20} {} / {:<24} {creds}\n",
                p.profile, p.account_id, p.role_name
            ));
        }
    }
    out
}

/// What a session's token says: signed in (for how long), expired, unreadable, or absent.
fn token_line(s: &SessionStatus, now: OffsetDateTime) -> String {
    match &s.token {
        TokenState::Found(t) if t.expires_at > now => format!(
            "signed in, token expires {}{}",
            describe_instant(t.expires_at, now),
            if s.refreshable { ", refreshable" } else { "" }
        ),
        TokenState::Found(t) if s.refreshable => format!(
            "signed in, token expired {}, renewed on next use with its refresh token",
            describe_instant(t.expires_at, now)
        ),
        TokenState::Found(t) => format!(
            "token expired {}, run `{}`",
            describe_instant(t.expires_at, now),
            s.login_command
        ),
        TokenState::Unreadable => {
            format!("the token file is unreadable, run `{}`", s.login_command)
        }
        TokenState::None => format!("not signed in, run `{}`", s.login_command),
    }
}

/// Token files in the cache (a token has `startUrl`, `region` and `accessToken`; registrations
/// have none of them), as legacy sessions keyed by their start URL.
fn cached_sessions(dir: &std::path::Path) -> Vec<(PathBuf, SsoSession)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for path in entries.filter_map(|e| e.ok()).map(|e| e.path()) {
        if path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let Ok(Lookup::Found(t)) = token::load(&path) else {
            continue;
        };
        let (Some(url), Some(region)) = (t.file.start_url.clone(), t.file.region.clone()) else {
            continue;
        };
        let s = SsoSession {
            name: None,
            start_url: url,
            region,
            scopes: None,
        };
        // Only a file under the start URL's own name is a config-less session's token.
        if token::path(dir, &s) == path {
            found.push((path, s));
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}
