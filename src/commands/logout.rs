//! `ssoexec logout`: end the portal session and delete the cached tokens and role credentials.
use crate::app::App;
use crate::cli::LogoutArgs;
use crate::credentials::signout::{Scope, sign_out};
use crate::error::Error;
use crate::support::exit::ExitStatus;

/// Ends the portal session and deletes the token, every role credential and EKS token derived
/// from SSO sessions, as `aws sso logout` does (registrations are kept). `--all` covers every
/// token in the cache.
pub async fn logout(app: &App, args: &LogoutArgs) -> Result<ExitStatus, Error> {
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
