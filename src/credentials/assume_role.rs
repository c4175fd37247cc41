//! Role chaining: AssumeRole signed with the credentials of the hop's source (an SSO role, static
//! keys, the environment, or another hop), cached in the AWS CLI's assume-role cache
//! (`docs/cache-files.md#assume-role-cache`). The fast path reads one file: no lock, no network,
//! and the source is not even resolved. Otherwise the per-key sidecar lock and a re-check make N
//! parallel callers send one AssumeRole. An MFA code is asked on the terminal; without one, the
//! caller gets exit 3 as for a needed login.
use super::sso::{FALLBACK_MIN_LEFT, LoginPermission};
use super::{Credentials, CredentialsError};
use crate::app::App;
use crate::aws::client::HttpError;
use crate::aws::error_code::ErrorCode;
use crate::aws::sts::{AssumeRoleRequest, AssumedRole};
use crate::cache::Lookup;
use crate::cache::assume_role::{self as cache, KeyArgs};
use crate::config::identity::AssumeRole;
use crate::error::Error;
use crate::support::clock::needs_refresh;
use crate::support::lock::Activity;
use crate::support::text::clean;
use std::path::Path;
use time::Duration;

/// The region whose STS endpoint is called when none is configured (its regional endpoint is
/// `sts.us-east-1.amazonaws.com`, the home of the global one).
pub const DEFAULT_STS_REGION: &str = "us-east-1";
/// Prefix of the session name used when the profile sets no `role_session_name` (botocore
/// generates `botocore-session-<epoch>` the same way; either is left out of the cache key).
pub const GENERATED_SESSION_PREFIX: &str = "ssoexec-session-";

/// The region STS is called in: the configured region, else [`DEFAULT_STS_REGION`].
pub fn sts_region(app: &App) -> &str {
    app.settings
        .region
        .as_ref()
        .map(|r| r.value.as_str())
        .unwrap_or(DEFAULT_STS_REGION)
}

fn cached(app: &App, path: &Path, margin: Duration) -> Option<Credentials> {
    match cache::load(path) {
        Ok(Lookup::Found(c))
            if c.expiration
                .is_some_and(|e| !needs_refresh(e, app.now(), margin)) =>
        {
            app.printer.debug(format!(
                "assumed-role credentials from cache {}",
                path.display()
            ));
            Some(c)
        }
        Ok(Lookup::Corrupt(why)) => {
            crate::cache::warn_corrupt(&app.printer, path, &why);
            None
        }
        _ => None,
    }
}

/// Credentials of one hop: from the shared cache, or AssumeRole with the source's credentials.
pub async fn credentials(
    app: &App,
    hop: &AssumeRole,
    permission: LoginPermission,
) -> Result<Credentials, Error> {
    let key = cache::cache_key(&KeyArgs::of(hop));
    let path = cache::path(&app.settings.paths.cli_cache, &key);
    if let Some(c) = cached(app, &path, crate::cache::role::REUSE_MARGIN) {
        return Ok(c);
    }
    // Behind a login of the chain's SSO session, a background caller fails fast (as for an
    // SSO role); a chain from static keys only ever waits for another AssumeRole.
    let root = hop.source.sso_root().map(|t| &t.session);
    let _guard = super::sso::lock_for(
        app,
        &format!("assume-{key}"),
        &format!("assuming {}", hop.role_arn),
        Activity::Fetch,
        root,
        permission,
    )
    .await?;
    if let Some(c) = cached(app, &path, crate::cache::role::REUSE_MARGIN) {
        return Ok(c); // another process assumed the role while we waited
    }
    let source = match Box::pin(super::resolve(app, &hop.source, permission)).await {
        Ok(s) => s,
        Err(e @ Error::LoginRequired { .. }) => {
            return match cached(app, &path, FALLBACK_MIN_LEFT) {
                Some(c) => {
                    app.printer.warn(format!(
                        "{e}; using cached credentials for {} that expire soon",
                        hop.role_arn
                    ));
                    Ok(c)
                }
                None => Err(e),
            };
        }
        Err(e) => return Err(e),
    };
    let code = match &hop.options.mfa_serial {
        Some(serial) => Some(mfa_code(app, hop, serial).await?),
        None => None,
    };
    let session_name = hop
        .options
        .role_session_name
        .clone()
        .unwrap_or_else(|| format!("{GENERATED_SESSION_PREFIX}{}", app.now().unix_timestamp()));
    let request = AssumeRoleRequest {
        role_arn: &hop.role_arn,
        session_name: &session_name,
        duration_seconds: hop.options.duration_seconds,
        external_id: hop.options.external_id.as_deref(),
        mfa: hop.options.mfa_serial.as_deref().zip(code.as_deref()),
        ..AssumeRoleRequest::default()
    };
    let assumed = assume(app, &source, &request).await?;
    let stored = cache::store(&path, &assumed);
    crate::cache::store_or_warn(stored, &app.printer, "the assumed-role credentials were")?;
    Ok(assumed.credentials)
}

/// One AssumeRole, uncached (`eks-token --role-arn`, `github` role chaining, and every hop).
/// A refusal names the role and what the trust policy must allow.
pub async fn assume(
    app: &App,
    source: &Credentials,
    request: &AssumeRoleRequest<'_>,
) -> Result<AssumedRole, Error> {
    assume_in(app, sts_region(app), source, request).await
}

/// [`assume`] against the STS endpoint of `region`.
pub async fn assume_in(
    app: &App,
    region: &str,
    source: &Credentials,
    request: &AssumeRoleRequest<'_>,
) -> Result<AssumedRole, Error> {
    let assumed = app
        .sts(region)?
        .assume_role(source, request)
        .await
        .map_err(|e| refusal(request, source, e))?;
    app.printer.debug(format!(
        "assumed {}",
        assumed.arn.as_deref().unwrap_or(request.role_arn)
    ));
    let mut assumed = assumed;
    if assumed.credentials.account_id.is_none() {
        assumed.credentials.account_id =
            crate::aws::arn::account(request.role_arn).map(String::from);
    }
    Ok(assumed)
}

fn refusal(request: &AssumeRoleRequest<'_>, source: &Credentials, e: HttpError) -> Error {
    let Some(api) = e.api() else {
        return e.into();
    };
    let hint = if api.code == ErrorCode::StsAccessDenied {
        let mut h = format!(
            "the role's trust policy must allow {} to assume it",
            source
                .account_id
                .as_deref()
                .map(|a| format!("account {a}'s credentials"))
                .unwrap_or_else(|| "these credentials".into())
        );
        if request.external_id.is_some() || request.mfa.is_some() {
            h.push_str(", with the external_id / MFA code it requires");
        }
        Some(h)
    } else if api.message.contains("role chaining") {
        Some("a role assumed with another role's credentials lasts at most 3600 s: lower duration_seconds".into())
    } else {
        None
    };
    CredentialsError::AssumeRoleRefused {
        role_arn: clean(request.role_arn),
        hint,
        source: e,
    }
    .into()
}

/// Asks for the MFA code on the terminal (like botocore's `getpass` prompt); without a terminal,
/// a person cannot answer: exit 3 with the command to run where one can.
async fn mfa_code(app: &App, hop: &AssumeRole, serial: &str) -> Result<String, Error> {
    let profile = crate::support::shell::word(&hop.profile);
    if !app.interactive {
        return Err(Error::LoginRequired {
            reason: format!(
                "assuming {} needs an MFA code ({}), and there is no terminal to ask for it",
                clean(&hop.role_arn),
                clean(serial)
            ),
            login_command: format!("ssoexec exec --profile {profile} -- true"),
        });
    }
    // The person may be behind a captured stderr (the AWS CLI's credential_process): the
    // terminal handle reaches them on the controlling terminal.
    let Some(line) = app
        .terminal
        .ask(&format!("Enter MFA code for {}: ", clean(serial)))
        .await
    else {
        return Err(Error::LoginRequired {
            reason: format!("no MFA code was entered for {}", clean(&hop.role_arn)),
            login_command: format!("ssoexec exec --profile {profile} -- true"),
        });
    };
    let code = line.trim().to_string();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CredentialsError::BadMfaCode.into());
    }
    Ok(code)
}
