//! `ssoexec login`: sign in anew (always) and store the token in the AWS CLI cache.
use crate::app::App;
use crate::credentials::sso::{LoginPermission, sso_token};
use crate::error::Error;
use crate::support::exit::ExitStatus;

pub async fn login(app: &App) -> Result<ExitStatus, Error> {
    let session = app.settings.session()?;
    sso_token(app, &session, LoginPermission::Always).await?;
    Ok(ExitStatus::Success)
}
