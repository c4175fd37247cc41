//! `ssoexec status` (a local view: no network), `accounts` and `roles` (portal listings).
use crate::app::App;
use crate::cache::{Lookup, role, token};
use crate::cli::StatusArgs;
use crate::config::profile::{self, SsoSession};
use crate::error::Error;
use crate::support::clock::{describe_remaining, format_timestamp};
use crate::support::exit::ExitStatus;
use serde::Serialize;
use std::collections::BTreeMap;

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
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProfileStatus {
    profile: String,
    account_id: String,
    role_name: String,
    credentials_expire_at: Option<String>,
}

pub async fn status(app: &App, args: &StatusArgs) -> Result<ExitStatus, Error> {
    let now = app.now();
    let cfg = &app.settings.config;
    // Every session: named sso-sessions, then legacy start URLs, each with the profiles using it.
    let mut sessions: BTreeMap<String, (SsoSession, Vec<ProfileStatus>)> = BTreeMap::new();
    for name in cfg.config.sso_sessions.keys() {
        if let Ok(s) = profile::session_named(cfg, name) {
            sessions.insert(s.token_cache_key(), (s, Vec::new()));
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
                let entry = sessions
                    .entry(t.session.token_cache_key())
                    .or_insert_with(|| (t.session.clone(), Vec::new()));
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
    let list: Vec<SessionStatus> = sessions
        .into_values()
        .map(|(s, profiles)| {
            let path = token::path(&app.settings.paths.sso_cache, &s);
            let tok = match token::load(&path) {
                Ok(Lookup::Found(t)) => Some(t),
                _ => None,
            };
            SessionStatus {
                name: s.name.clone(),
                start_url: s.start_url.clone(),
                region: s.region.clone(),
                token_file: path.display().to_string(),
                logged_in: tok
                    .as_ref()
                    .is_some_and(|t| t.expires_at > now || t.refreshable(now)),
                token_expires_at: tok.as_ref().map(|t| format_timestamp(t.expires_at)),
                refreshable: tok.as_ref().is_some_and(|t| t.refreshable(now)),
                profiles,
            }
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
    let mut out = String::new();
    if list.is_empty() {
        out.push_str("No SSO sessions or profiles are configured.\n");
    }
    for s in &list {
        let title = s
            .name
            .as_ref()
            .map(|n| format!("sso-session {n}"))
            .unwrap_or_else(|| s.start_url.clone());
        let state = match (&s.token_expires_at, s.logged_in) {
            (Some(exp), true) => {
                let t = crate::support::clock::parse_timestamp(exp).unwrap_or(now);
                let left = if t > now {
                    format!("token valid for {}", describe_remaining(t, now))
                } else {
                    "token expired".into()
                };
                format!(
                    "signed in, {left}{}",
                    if s.refreshable { ", refreshable" } else { "" }
                )
            }
            _ => "not signed in".into(),
        };
        out.push_str(&format!(
            "{title} ({}, {}): {state}\n",
            s.start_url, s.region
        ));
        for p in &s.profiles {
            let creds = match &p.credentials_expire_at {
                Some(e) => format!("credentials cached until {e}"),
                None => "no cached credentials".into(),
            };
            out.push_str(&format!(
                "  {:<20} {} / {:<24} {creds}\n",
                p.profile, p.account_id, p.role_name
            ));
        }
    }
    super::write_stdout(out.as_bytes())?;
    Ok(ExitStatus::Success)
}
