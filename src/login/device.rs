//! The device authorization flow (RFC 8628 as the AWS CLI runs it, `docs/sso-oidc.md#device-code-polling`): start, show the
//! URL and code on stderr, open the browser, poll CreateToken honouring pending / slow_down.
use super::browser;
use super::ui::{clear_progress, progress};
use crate::app::App;
use crate::aws::error_code::ErrorCode;
use crate::aws::oidc::{
    CreateTokenRequest, GRANT_DEVICE_CODE, MAX_POLL_INTERVAL, Oidc, TokenResponse,
};
use crate::cache::registration::Registration;
use crate::config::SsoSession;
use crate::error::Error;
use std::time::{Duration, Instant};

/// Added to the interval on every `slow_down` (cumulative, as RFC 8628 and the CLI do).
const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);

pub async fn run(
    app: &App,
    oidc: &Oidc<'_>,
    session: &SsoSession,
    reg: &Registration,
) -> Result<TokenResponse, Error> {
    let da = oidc
        .start_device_authorization(&reg.client_id, &reg.client_secret, &session.start_url)
        .await?;
    // The prompts reach the person even when a caller captures stderr (`support::terminal`).
    let p = &app.printer.to_person();
    // Server-supplied text reaches the terminal only without control characters.
    let url = crate::support::text::clean(
        da.verification_uri_complete
            .as_deref()
            .unwrap_or(&da.verification_uri),
    );
    let user_code = crate::support::text::clean(&da.user_code);
    p.info(format!(
        "Sign in to {} in a browser:\n\n    {url}\n\nand check that it shows the code:\n\n    {}\n",
        session.describe(),
        user_code
    ));
    if p.is_terminal() && p.terminal().shows_unicode() {
        // A phone can scan it (approval often happens on another device); drawn in Unicode.
        p.raw(&qr(&url));
    }
    if da.verification_uri_complete.is_some() {
        p.info(format!(
            "(On another device, open {} and enter the code.)",
            crate::support::text::clean(&da.verification_uri)
        ));
    }
    // E.g. in GitHub Actions the person who approves reads the run's summary page too.
    if let Some(observer) = app.login_observer() {
        let now = app.now();
        let lifetime = time::Duration::try_from(da.lifetime()).unwrap_or(time::Duration::ZERO);
        let expires = crate::support::clock::describe_instant(now + lifetime, now);
        observer.sign_in_needed(&url, &user_code, &expires);
    }
    let manual = format!(
        "Open this URL in any browser:\n\n    {url}\n\nand check that it shows the code:\n\n    {user_code}\n"
    );
    match browser::open(app, &url, &manual) {
        browser::Opened::Yes(line) => p.info(line),
        browser::Opened::Skipped(line) => p.debug(line),
        browser::Opened::Failed(why) => p.info(format!(
            "warning: the browser could not be opened ({why}). {manual}"
        )),
    }

    let mut interval = da.poll_interval();
    let mut lifetime = da.lifetime();
    if let Some(limit) = app.settings.login.timeout {
        lifetime = lifetime.min(limit);
    }
    let started = Instant::now();
    let request = CreateTokenRequest {
        client_id: reg.client_id.clone(),
        client_secret: Some(reg.client_secret.clone()),
        grant_type: GRANT_DEVICE_CODE,
        device_code: Some(da.device_code.clone()),
        ..Default::default()
    };
    loop {
        let left = lifetime.saturating_sub(started.elapsed());
        progress(app, "approval", left);
        tokio::time::sleep(interval.min(left)).await;
        match oidc.create_token(&request).await {
            Ok(token) => {
                clear_progress(app);
                return Ok(token);
            }
            Err(e) => match e.api().map(|a| &a.code) {
                Some(ErrorCode::AuthorizationPending) => {}
                Some(ErrorCode::SlowDown) => {
                    interval = (interval + SLOW_DOWN_STEP).min(MAX_POLL_INTERVAL)
                }
                Some(ErrorCode::ExpiredToken) => return Err(expired(app)),
                Some(ErrorCode::AccessDenied) => {
                    clear_progress(app);
                    return Err(Error::LoginFailed {
                        message: "the sign-in request was denied in the browser".into(),
                        hint: Some(format!(
                            "run `{}` to try again",
                            app.settings.login_command()
                        )),
                    });
                }
                _ => {
                    clear_progress(app);
                    return Err(e.into());
                }
            },
        }
        if started.elapsed() >= lifetime {
            return Err(expired(app));
        }
    }
}

fn expired(app: &App) -> Error {
    clear_progress(app);
    Error::LoginFailed {
        message: "the sign-in code expired before it was approved".into(),
        hint: Some(format!(
            "run `{}` again and approve within the time shown",
            app.settings.login_command()
        )),
    }
}

/// A one-line countdown, only on a terminal.
/// The URL as a QR code drawn with half blocks (light on dark, with the quiet zone), for a
/// terminal. Empty if the URL is too long to encode.
fn qr(url: &str) -> String {
    use qrcode::render::unicode::Dense1x2;
    match qrcode::QrCode::new(url.as_bytes()) {
        Ok(code) => {
            let art = code
                .render::<Dense1x2>()
                .dark_color(Dense1x2::Light)
                .light_color(Dense1x2::Dark)
                .quiet_zone(true)
                .build();
            format!("{art}\n\n")
        }
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qr_codes_for_device_urls() {
        let art = qr("https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH");
        assert!(art.lines().count() > 10, "{art}");
        assert!(art.contains('▀') || art.contains('▄') || art.contains('█'));
    }
}
