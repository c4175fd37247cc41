//! `ssoexec logout`: end the portal session and delete the cached tokens and role credentials.
use crate::app::App;
use crate::cli::LogoutArgs;
use crate::credentials::signout::{Scope, sign_out};
use crate::error::Error;
use crate::settings::{Selection, Source};
use crate::support::exit::ExitStatus;

/// Ends the portal session and deletes cached tokens and role credentials, as `aws sso logout`
/// does (registrations are kept). `--all` covers every token in the cache.
///
/// Without `--all` it signs out of the selected profile's session. With nothing selected (no
/// --profile, AWS_PROFILE or [default]) it does not guess: unlike `aws sso logout`, which signs
/// out of every session, it asks for `--all`, so a sign-out of everything is always asked for.
pub async fn logout(app: &App, args: &LogoutArgs) -> Result<ExitStatus, Error> {
    let settings = &app.settings;
    if args.all {
        // clap rejects `logout --all --profile dev`; this catches the options given before `logout`.
        let named = match &settings.selection {
            Selection::Profile {
                name,
                account_id,
                role_name,
            } => {
                matches!(name.source, Source::Flag(_) | Source::Argument)
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
    let scope = if args.all {
        Scope::All
    } else {
        Scope::Session(app.settings.session()?)
    };
    let signed_out = sign_out(app, &scope).await?;
    app.printer.info(if signed_out == 0 {
        "No cached SSO session to sign out of.".to_string()
    } else {
        format!("Signed out of {signed_out} SSO session(s).")
    });
    Ok(ExitStatus::Success)
}
