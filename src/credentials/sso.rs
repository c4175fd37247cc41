//! The source chain: cached role credentials → SSO token (cache → refresh → login) →
//! GetRoleCredentials. The fast path reads one file: no lock, no socket, no TLS. Everything slower
//! runs under a per-key sidecar lock with a re-check after locking, so N callers make one request.
use super::{Credentials, CredentialsError};
use crate::app::App;
use crate::aws::error_code::ErrorCode;
use crate::cache::token::{self, SsoToken};
use crate::cache::{Lookup, marker, role};
use crate::config::{SsoSession, SsoTarget};
use crate::error::Error;
use crate::login;
use crate::support::clock::{describe_duration, needs_refresh};
use crate::support::lock::{self, Activity};
use std::path::Path;
use std::time::Duration as StdDuration;
use time::Duration;

/// A token with less than this left is refreshed first (botocore's window: callers never see a
/// token expire mid-use, and a failed refresh still leaves time to retry).
pub const TOKEN_REFRESH_WINDOW: Duration = Duration::minutes(15);
/// A token is not used at all with less than this left.
pub const TOKEN_MIN_LEFT: Duration = Duration::minutes(1);
/// Cached credentials with at least this left are still handed out when a new login would be
/// needed but cannot happen here (better than failing while they still work).
pub const FALLBACK_MIN_LEFT: Duration = Duration::minutes(2);
/// Waiting for another process's login: a device code lives 10 minutes, a PKCE wait 10 minutes.
pub const LOGIN_LOCK_TIMEOUT: StdDuration = StdDuration::from_secs(15 * 60);

/// May this command start a login?
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginPermission {
    /// `ssoexec login`: always sign in anew, terminal or not.
    Always,
    /// Sign in if no usable token is cached (a terminal, or an explicit opt-in).
    IfNeeded,
    /// Background caller: fail with exit 3 instead.
    Never,
}

impl LoginPermission {
    /// For commands that use credentials: interactive terminals and opted-in callers may sign in.
    pub fn for_caller(app: &App) -> LoginPermission {
        if app.settings.login.login_if_needed || app.interactive {
            LoginPermission::IfNeeded
        } else {
            LoginPermission::Never
        }
    }
}

/// Is a login for `session` waiting for a person in another process?
pub fn login_in_progress(app: &App, session: &SsoSession) -> bool {
    lock::holder(
        &app.lock_dir(),
        &format!("token-{}", session.token_cache_key()),
    ) == Some(Activity::Login)
}

/// Takes a lock on the way to `session`'s credentials. A caller that may not log in does not
/// wait behind a login that waits for a person (minutes): it fails at once with exit 3. Short
/// holders (a refresh, a fetch) are waited for.
pub async fn lock_for(
    app: &App,
    key: &str,
    purpose: &str,
    activity: Activity,
    session: Option<&SsoSession>,
    permission: LoginPermission,
) -> Result<lock::LockGuard, Error> {
    let give_up = || session.is_some_and(|s| login_in_progress(app, s));
    let give_up: Option<&(dyn Fn() -> bool + Sync)> =
        (permission == LoginPermission::Never && session.is_some()).then_some(&give_up);
    lock::acquire_as(
        &app.lock_dir(),
        key,
        purpose,
        activity,
        LOGIN_LOCK_TIMEOUT,
        &app.printer,
        give_up,
    )
    .await
    .map_err(|e| match e {
        crate::cache::CacheError::HeldByLogin { .. } => Error::LoginRequired {
            reason: format!(
                "a login is in progress in another terminal (for {}); not waiting for it without a terminal",
                session.map(SsoSession::describe).unwrap_or_default()
            ),
            login_command: app.settings.login_command(),
        },
        e => e.into(),
    })
}

/// Checks the AWS CLI cache directories before anything is read or requested: a group-writable
/// one of ours is made private (with a warning), any other unsafe one stops the command here
/// rather than after a login or refresh whose result could not be stored.
pub fn secure_cache_dirs(app: &App) -> Result<(), Error> {
    let paths = &app.settings.paths;
    for dir in [&paths.sso_cache, &paths.cli_cache] {
        if let Some(line) = crate::support::atomic::secure_shared_dir(dir)? {
            app.printer.warn(line);
        }
    }
    Ok(())
}

/// The fast path: valid cached role credentials, or `None`. Reads one file; no lock, no network.
pub fn cached_role_credentials(
    app: &App,
    target: &SsoTarget,
    margin: Duration,
) -> Option<Credentials> {
    let path = role::path(&app.settings.paths.cli_cache, target);
    match role::load(&path) {
        Ok(Lookup::Found(c))
            if c.expiration
                .is_some_and(|e| !needs_refresh(e, app.now(), margin)) =>
        {
            app.printer
                .debug(format!("role credentials from cache {}", path.display()));
            Some(c)
        }
        Ok(Lookup::Corrupt(why)) => {
            crate::cache::warn_corrupt(&app.printer, &path, &why);
            None
        }
        _ => None,
    }
}

/// Role credentials for `target`, from the cache or the portal.
pub async fn role_credentials(
    app: &App,
    target: &SsoTarget,
    permission: LoginPermission,
) -> Result<Credentials, Error> {
    if let Some(c) = cached_role_credentials(app, target, role::REUSE_MARGIN) {
        return Ok(c);
    }
    // Past the fast path (one file read): before any lock, login or request.
    secure_cache_dirs(app)?;
    let key = role::cache_key(target);
    let _guard = lock_for(
        app,
        &format!("role-{key}"),
        "fetching these role credentials",
        Activity::Fetch,
        Some(&target.session),
        permission,
    )
    .await?;
    if let Some(c) = cached_role_credentials(app, target, role::REUSE_MARGIN) {
        return Ok(c);
    }
    let token = match sso_token(app, &target.session, permission).await {
        Ok(t) => t,
        Err(e @ Error::LoginRequired { .. }) => return fallback(app, target, e),
        Err(e) => return Err(e),
    };
    let portal = app.portal(&target.session.region)?;
    let creds = match portal
        .get_role_credentials(
            &token.file.access_token,
            &target.account_id,
            &target.role_name,
        )
        .await
    {
        Ok(c) => c,
        Err(e) if e.api().is_some_and(|a| a.code == ErrorCode::Unauthorized) => {
            // The portal no longer accepts the token (signed out elsewhere, session ended).
            drop_rejected_token(app, &target.session, &token).await?;
            if permission == LoginPermission::Never {
                return fallback(app, target, session_ended(app, &target.session));
            }
            app.printer.info(format!(
                "The SSO session for {} has ended; signing in again.",
                target.session.describe()
            ));
            let token = sso_token(app, &target.session, permission).await?;
            portal
                .get_role_credentials(
                    &token.file.access_token,
                    &target.account_id,
                    &target.role_name,
                )
                .await
                .map_err(|e| role_error(app, target, e))?
        }
        Err(e) => return Err(role_error(app, target, e)),
    };
    let stored = role::store(&role::path(&app.settings.paths.cli_cache, target), &creds);
    crate::cache::store_or_warn(stored, &app.printer, "the role credentials were")?;
    Ok(creds)
}

/// When a login is needed but cannot happen here, still-valid cached credentials are better
/// than a failure; otherwise the login-required error stands.
fn fallback(app: &App, target: &SsoTarget, err: Error) -> Result<Credentials, Error> {
    match cached_role_credentials(app, target, FALLBACK_MIN_LEFT) {
        Some(c) => {
            app.printer.warn(format!(
                "{err}; using cached credentials that expire soon. Run `{}` to renew.",
                app.settings.login_command()
            ));
            Ok(c)
        }
        None => Err(err),
    }
}

fn session_ended(app: &App, session: &SsoSession) -> Error {
    Error::LoginRequired {
        reason: format!(
            "the SSO session for {} has expired or was revoked",
            session.describe()
        ),
        login_command: app.settings.login_command(),
    }
}

fn role_error(app: &App, target: &SsoTarget, e: crate::aws::client::HttpError) -> Error {
    match e.api().map(|a| &a.code) {
        Some(ErrorCode::Forbidden | ErrorCode::ResourceNotFound | ErrorCode::AccessDenied) => {
            CredentialsError::NoRoleAccess {
                role_name: target.role_name.clone(),
                account_id: target.account_id.clone(),
                roles_command: format!(
                    "ssoexec roles --account-id {}{}",
                    target.account_id,
                    profile_flag(app)
                ),
                source: e,
            }
            .into()
        }
        Some(ErrorCode::Unauthorized) => session_ended(app, &target.session),
        _ => e.into(),
    }
}

fn profile_flag(app: &App) -> String {
    app.settings
        .profile_name()
        .map(|p| format!(" --profile {}", crate::support::shell::word(p)))
        .unwrap_or_default()
}

/// The session's sidecar lock, held by whoever reads, refreshes, signs in to or deletes its token
/// (one copy: every writer of the token file takes this same lock).
pub async fn session_lock(
    app: &App,
    session: &SsoSession,
    activity: Activity,
    permission: LoginPermission,
) -> Result<lock::LockGuard, Error> {
    lock_for(
        app,
        &format!("token-{}", session.token_cache_key()),
        &format!("signing in to {}", session.describe()),
        activity,
        Some(session),
        permission,
    )
    .await
}

/// Deletes the cached token the portal rejected — under the session lock, and only if the file
/// still holds that token: another process may have refreshed it in the meantime.
async fn drop_rejected_token(
    app: &App,
    session: &SsoSession,
    rejected: &SsoToken,
) -> Result<(), Error> {
    let _guard = session_lock(app, session, Activity::Fetch, LoginPermission::IfNeeded).await?;
    let path = token::path(&app.settings.paths.sso_cache, session);
    if let Lookup::Found(current) = token::load(&path)?
        && current.file.access_token == rejected.file.access_token
    {
        crate::support::atomic::remove(&path)?;
    }
    Ok(())
}

fn read_token(app: &App, path: &Path) -> Result<Option<SsoToken>, Error> {
    Ok(match token::load(path)? {
        Lookup::Found(t) => Some(t),
        Lookup::Absent => None,
        Lookup::Corrupt(why) => {
            crate::cache::warn_corrupt(&app.printer, path, &why);
            None
        }
    })
}

/// A token for `session`: cached, refreshed, or from a new login (as `permission` allows).
pub async fn sso_token(
    app: &App,
    session: &SsoSession,
    permission: LoginPermission,
) -> Result<SsoToken, Error> {
    secure_cache_dirs(app)?;
    let path = token::path(&app.settings.paths.sso_cache, session);
    let now = app.now();
    let fresh = |t: &SsoToken| !needs_refresh(t.expires_at, now, TOKEN_REFRESH_WINDOW);
    if permission != LoginPermission::Always
        && let Some(t) = read_token(app, &path)?.filter(fresh)
    {
        return Ok(t);
    }
    let key = session.token_cache_key();
    let activity = if permission == LoginPermission::Always {
        Activity::Login
    } else {
        Activity::Fetch
    };
    let guard = session_lock(app, session, activity, permission).await?;

    if permission != LoginPermission::Always
        && let Some(current) = read_token(app, &path)?
    {
        let now = app.now();
        if !needs_refresh(current.expires_at, now, TOKEN_REFRESH_WINDOW) {
            return Ok(current); // another process refreshed or signed in while we waited
        }
        let usable = !needs_refresh(current.expires_at, now, TOKEN_MIN_LEFT);
        if current.refreshable(now) {
            match login::refresh(app, session, &current).await {
                Ok(t) => return Ok(t),
                Err(e) if usable => {
                    app.printer.warn(format!("could not refresh the SSO token ({e}); using the current one while it lasts"));
                    return Ok(current);
                }
                Err(e) => app.printer.debug(format!("refresh failed: {e}")),
            }
        } else if usable {
            return Ok(current);
        }
    }
    if permission == LoginPermission::Never {
        return Err(Error::LoginRequired {
            reason: format!(
                "login required: no valid SSO token for {} (ssoexec does not start a login without a terminal)",
                session.describe()
            ),
            login_command: app.settings.login_command(),
        });
    }
    let marker_path = marker::path(&app.settings.paths.own, &key);
    if permission == LoginPermission::IfNeeded
        && !app.interactive
        && let Some((state, age)) = marker::recent(&marker_path, app.now())
    {
        let what = if state == marker::State::Started {
            "was abandoned"
        } else {
            "failed"
        };
        return Err(Error::LoginRequired {
            reason: format!(
                "a login to {} {what} {} ago; not opening another browser tab from a background command for {}",
                session.describe(),
                describe_duration(age),
                describe_duration(marker::RECENT_FAILURE_WINDOW - age)
            ),
            login_command: app.settings.login_command(),
        });
    }
    // Waiters that may not log in stop waiting for us now (see `lock_for`).
    guard.record(Activity::Login);
    marker::write(&marker_path, marker::State::Started, app.now())?;
    match login::login(app, session).await {
        Ok(t) => {
            marker::clear(&marker_path);
            Ok(t)
        }
        Err(e) => {
            marker::write(&marker_path, marker::State::Failed, app.now())?;
            Err(e)
        }
    }
}
