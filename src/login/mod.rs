//! Signing in: choose the flow, reuse or make the client registration, run the flow, store the
//! token; and refreshing a token with its refresh token. Callers hold the session lock.
pub mod browser;
pub mod device;
pub mod pkce;
pub mod session;
pub mod ui;

use crate::app::App;
use crate::aws::client::HttpError;
use crate::aws::error_code::ErrorCode;
use crate::aws::oidc::{
    CreateTokenRequest, GRANT_REFRESH_TOKEN, Oidc, RegisterRequest, TokenResponse,
};
use crate::cache::Lookup;
use crate::cache::registration::{self, AUTH_CODE_GRANTS, Registration};
use crate::cache::token::{self, SsoToken};
use crate::config::SsoSession;
use crate::error::Error;
use crate::settings::Flow;
use crate::support::clock::{describe_instant, format_timestamp};
use crate::support::env;
use time::{Duration, OffsetDateTime};

/// The flow to use and why (said on stderr so a surprising choice can be overridden).
pub fn choose_flow(app: &App) -> (Flow, String) {
    if let Some(f) = &app.settings.login.flow {
        return (f.value, format!("chosen {}", f.source));
    }
    if browser::configured_command(app).is_some() {
        return (Flow::Pkce, "a browser command is configured".into());
    }
    if app.settings.login.no_browser {
        return (Flow::DeviceCode, "--no-browser".into());
    }
    let e = &app.env;
    let remote = [
        (
            e.is_set(env::SSH_CONNECTION) || e.is_set(env::SSH_TTY),
            "an SSH session",
        ),
        (e.is_set(env::WSL_DISTRO_NAME), "WSL"),
        (e.is_set(env::CI), "CI"),
        (
            std::path::Path::new("/.dockerenv").exists()
                || std::path::Path::new("/run/.containerenv").exists(),
            "a container",
        ),
        (
            cfg!(all(unix, not(target_os = "macos")))
                && !e.is_set(env::DISPLAY)
                && !e.is_set(env::WAYLAND_DISPLAY),
            "no display",
        ),
    ];
    match remote.iter().find(|(hit, _)| *hit) {
        Some((_, why)) => (Flow::DeviceCode, format!("{why} was detected")),
        None => (Flow::Pkce, "a local browser is likely".into()),
    }
}

/// Signs in anew and stores the token in the AWS CLI cache.
pub async fn login(app: &App, session: &SsoSession) -> Result<SsoToken, Error> {
    let (flow, why) = choose_flow(app);
    let name = match flow {
        Flow::DeviceCode => "device-code",
        Flow::Pkce => "pkce",
    };
    app.printer.debug(format!("login flow {name} ({why})"));
    let oidc = app.oidc(&session.region)?;
    let auth_code = flow == Flow::Pkce;
    let (mut reg, cached) = registration(app, &oidc, session, auth_code, true).await?;
    let response = match flow {
        Flow::DeviceCode => match device::run(app, &oidc, session, &reg).await {
            // The service no longer knows the cached client (revoked, or another endpoint):
            // nothing was shown yet, so register anew and start again, once.
            Err(Error::Http(e)) if cached && refused_client(&e) => {
                app.printer.debug(format!(
                    "the cached client registration was refused ({e}); registering anew"
                ));
                (reg, _) = registration(app, &oidc, session, auth_code, false).await?;
                device::run(app, &oidc, session, &reg).await?
            }
            other => other?,
        },
        Flow::Pkce => pkce::run(app, &oidc, session, &reg).await?,
    };
    let expires_in = response.expires_in;
    let token = issued(app, session, &reg, response);
    let stored = token::store(&token::path(&app.settings.paths.sso_cache, session), &token);
    crate::cache::store_or_warn(stored, &app.printer, "the SSO token was")?;
    unusable(app, &token, expires_in).map_or(Ok(()), Err)?;
    let refreshable = if token.file.refresh_token.is_some() {
        ", refreshable"
    } else {
        ""
    };
    app.printer.to_person().info(format!(
        "Signed in to {}: the token expires {}{refreshable}.",
        session.start_url,
        describe_instant(token.expires_at, app.now())
    ));
    Ok(token)
}

/// A token with less than this left when issued is an error of the service (it is stored all
/// the same, so a refresh token that came with it is not lost).
pub const MIN_ISSUED_LIFETIME: Duration = Duration::minutes(1);

/// `now + lifetime`, never overflowing (the lifetime is already bounded).
fn expiry(app: &App, lifetime: Duration) -> OffsetDateTime {
    let now = app.now();
    now.checked_add(lifetime).unwrap_or(now)
}

fn issued(app: &App, session: &SsoSession, reg: &Registration, r: TokenResponse) -> SsoToken {
    let expires_at = expiry(app, r.lifetime());
    SsoToken::issued(session, reg, r.access_token, expires_at, r.refresh_token)
}

/// The error for a token the service issued already (nearly) expired.
fn unusable(app: &App, token: &SsoToken, expires_in: i64) -> Option<Error> {
    (token.expires_at - app.now() < MIN_ISSUED_LIFETIME).then(|| Error::Failed {
        message: format!(
            "the SSO OIDC service issued a token that expires at once (expiresIn {expires_in})"
        ),
        hint: Some(
            "try again; if it persists, check the clock and AWS_ENDPOINT_URL_SSO_OIDC".into(),
        ),
    })
}

/// StartDeviceAuthorization's answer for a client id the service does not know.
fn refused_client(e: &HttpError) -> bool {
    e.api()
        .is_some_and(|a| a.op == "StartDeviceAuthorization" && a.code == ErrorCode::InvalidClient)
}

/// A cached registration of the right kind with time left (when `reuse`), or a new one (stored
/// for reuse); and whether it came from the cache.
async fn registration(
    app: &App,
    oidc: &Oidc<'_>,
    session: &SsoSession,
    auth_code: bool,
    reuse: bool,
) -> Result<(Registration, bool), Error> {
    let path = registration::path(&app.settings.paths.sso_cache, session);
    match registration::load(&path)? {
        Lookup::Found(r) if reuse && r.reusable(app.now(), auth_code) => {
            app.printer
                .debug(format!("reusing client registration {}", path.display()));
            return Ok((r, true));
        }
        Lookup::Corrupt(why) => crate::cache::warn_corrupt(&app.printer, &path, &why),
        _ => {}
    }
    let scopes = session.registration_scopes();
    let req = RegisterRequest {
        client_name: format!("ssoexec-{}", session.name.as_deref().unwrap_or("client")),
        client_type: "public",
        scopes: Some(scopes.clone()),
        grant_types: auth_code.then(|| AUTH_CODE_GRANTS.iter().map(|s| s.to_string()).collect()),
        redirect_uris: auth_code.then(|| vec![pkce::REGISTERED_REDIRECT_URI.to_string()]),
        issuer_url: auth_code.then(|| session.start_url.clone()),
    };
    let r = oidc.register(&req).await?;
    let expires = r.secret_expires_at(app.now());
    let reg = Registration {
        client_id: r.client_id,
        client_secret: r.client_secret,
        expires_at: format_timestamp(expires),
        scopes: Some(scopes),
        grant_types: req.grant_types,
    };
    crate::cache::store_or_warn(
        registration::store(&path, &reg),
        &app.printer,
        "the client registration was",
    )?;
    Ok((reg, false))
}

/// Exchanges the refresh token for a new access token (`docs/cache-files.md#token-refresh`). The old refresh token is kept
/// when the service returns none (as the Rust SDK does), and unknown keys are preserved.
pub async fn refresh(
    app: &App,
    session: &SsoSession,
    current: &SsoToken,
) -> Result<SsoToken, Error> {
    let f = &current.file;
    let oidc = app.oidc(&session.region)?;
    let req = CreateTokenRequest {
        client_id: f.client_id.clone().unwrap_or_default(),
        client_secret: f.client_secret.clone(),
        grant_type: GRANT_REFRESH_TOKEN,
        refresh_token: f.refresh_token.clone(),
        ..Default::default()
    };
    let r = oidc.create_token(&req).await?;
    let expires_at = expiry(app, r.lifetime());
    let mut file = f.clone();
    file.access_token = r.access_token;
    file.expires_at = format_timestamp(expires_at);
    if r.refresh_token.is_some() {
        file.refresh_token = r.refresh_token;
    }
    let token = SsoToken { file, expires_at };
    // Stored before anything else can fail: the service may have rotated the refresh token.
    let stored = token::store(&token::path(&app.settings.paths.sso_cache, session), &token);
    crate::cache::store_or_warn(stored, &app.printer, "the SSO token was")?;
    if let Some(e) = unusable(app, &token, r.expires_in) {
        return Err(e);
    }
    app.printer.debug(format!(
        "refreshed the SSO token for {}",
        session.describe()
    ));
    Ok(token)
}
