//! `ssoexec logout`: end the portal session and delete the cached tokens and role credentials.
use crate::app::App;
use crate::cache::{role, token};
use crate::cli::LogoutArgs;
use crate::error::Error;
use crate::settings::{Selection, Source};
use crate::support::atomic;
use crate::support::exit::ExitStatus;

/// Ends the portal session and deletes cached tokens and role credentials, as `aws sso logout`
/// does (registrations are kept). `--all` covers every token in the cache.
///
/// Without `--all` it signs out of the selected profile's session. With nothing selected (no
/// --profile, AWS_PROFILE or [default]) it does not guess: unlike `aws sso logout`, which signs
/// out of every session, it asks for `--all`, so a sign-out of everything is always asked for.
pub async fn logout(app: &App, args: &LogoutArgs) -> Result<ExitStatus, Error> {
    let paths = &app.settings.paths;
    let settings = &app.settings;
    if args.all {
        // clap rejects `logout --all --profile dev`; this catches the options given before `logout`.
        let named = match &settings.selection {
            Selection::Profile {
                name,
                account_id,
                role_name,
            } => {
                matches!(name.source, Source::Flag(_))
                    || account_id.is_some()
                    || role_name.is_some()
            }
            _ => true,
        };
        if named {
            return Err(Error::Usage(
                "--all signs out of every session: it cannot be combined with a profile, session or start URL".into(),
            ));
        }
    } else if let Selection::Profile { name, .. } = &settings.selection
        && name.source == Source::Default
        && settings.config.profile(&name.value).is_none()
    {
        return Err(Error::Usage(
            "no profile to sign out of (no --profile, AWS_PROFILE or [default] profile): pass --profile NAME or --sso-session NAME, or --all to sign out of every session".into(),
        ));
    }
    let token_files: Vec<std::path::PathBuf> = if args.all {
        json_files(&paths.sso_cache)
    } else {
        vec![token::path(&paths.sso_cache, &app.settings.session()?)]
    };
    let mut signed_out = 0;
    for path in token_files {
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
            continue;
        };
        let Some(access) = v.get("accessToken").and_then(|t| t.as_str()) else {
            continue;
        };
        if let Some(region) = v.get("region").and_then(|r| r.as_str()) {
            let portal = app.portal(region)?;
            if let Err(e) = portal
                .logout(&crate::support::secret::Secret::new(access))
                .await
            {
                app.printer.debug(format!("portal logout: {e}"));
            }
        }
        atomic::remove(&path)?;
        signed_out += 1;
    }
    let role_files: Vec<std::path::PathBuf> = if args.all {
        json_files(&paths.cli_cache)
            .into_iter()
            .filter(|p| is_sso_role_entry(p))
            .collect()
    } else {
        app.settings
            .target()
            .map(|t| vec![role::path(&paths.cli_cache, &t)])
            .unwrap_or_default()
    };
    for path in role_files {
        atomic::remove(&path)?;
    }
    // EKS tokens are keyed by hashes, so the signed-out session's cannot be told apart: drop all
    // (they are re-signed from role credentials in a millisecond).
    crate::cache::eks_token::clear(&paths.own)?;
    app.printer.info(if signed_out == 0 {
        "No cached SSO session to sign out of.".to_string()
    } else {
        format!("Signed out of {signed_out} SSO session(s).")
    });
    Ok(ExitStatus::Success)
}

fn json_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect()
        })
        .unwrap_or_default()
}

fn is_sso_role_entry(path: &std::path::Path) -> bool {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .is_some_and(|v| v.get("ProviderType").and_then(|t| t.as_str()) == Some("sso"))
}
