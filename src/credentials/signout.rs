//! Signing out (`docs/portal.md#logout`): end the portal session and remove the token, every
//! role credential and EKS token derived from SSO sessions, under the locks their writers take,
//! so a fetch in flight cannot write anything back after sign-out returns.
use crate::app::App;
use crate::cache::{Lookup, assume_role, eks_token, role, token};
use crate::config::SsoSession;
use crate::credentials::CredentialsError;
use crate::error::Error;
use crate::support::atomic;
use crate::support::lock::{self, Activity, LockGuard};
use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::path::{Path, PathBuf};

/// Which tokens to sign out of.
pub enum Scope {
    Session(SsoSession),
    /// Every token in the cache; also removes what crashed writers left behind.
    All,
}

/// Signs out; returns how many cached SSO sessions were signed out of.
pub async fn sign_out(app: &App, scope: &Scope) -> Result<usize, Error> {
    let paths = &app.settings.paths;
    let lock_dir = app.lock_dir();
    // Writers take their credential lock (role-, eks-, ...) before the token lock: same order
    // here, so nobody waits for the other in a circle.
    let mut held: BTreeMap<String, LockGuard> = BTreeMap::new();
    take_writer_locks(app, &lock_dir, &mut held).await?;

    let tokens: Vec<(String, PathBuf)> = match scope {
        Scope::Session(s) => vec![(s.token_cache_key(), token::path(&paths.sso_cache, s))],
        Scope::All => token_files(&paths.sso_cache),
    };
    let mut signed_out = 0;
    for (key, path) in tokens {
        let name = format!("token-{key}");
        if let Entry::Vacant(slot) = held.entry(name) {
            let guard = take(app, &lock_dir, slot.key()).await?;
            slot.insert(guard);
        }
        let found = match token::load(&path)? {
            Lookup::Found(t) => Some(t),
            Lookup::Corrupt(_) if matches!(scope, Scope::Session(_)) => None,
            Lookup::Corrupt(_) | Lookup::Absent => continue,
        };
        if let Some(t) = found
            && let Some(region) = t.file.region.as_deref()
            && let Err(e) = app.portal(region)?.logout(&t.file.access_token).await
        {
            app.printer.debug(format!("portal logout: {e}"));
        }
        atomic::remove(&path)?;
        signed_out += 1;
    }
    // A writer that locked a new key before the token went may still have read it: wait for
    // those too. One that locks later finds no token.
    take_writer_locks(app, &lock_dir, &mut held).await?;

    // Role entries are keyed by hashes that cannot be traced to a session, so every entry derived
    // from an SSO session goes, as with `aws sso logout`; EKS tokens likewise. Both are fetched
    // again in a moment with a valid token.
    role::clear_sso_entries(&paths.cli_cache)?;
    eks_token::clear(&paths.own)?;
    // Roles assumed from an SSO role (role chaining) are in the AWS CLI's assume-role layout,
    // keyed by their options: the profiles whose chains start at the session name them.
    let config = &app.settings.config;
    let derived = match scope {
        Scope::Session(s) => assume_role::keys_for_session(config, s),
        Scope::All => assume_role::keys_derived_from_sso(config, |_| true),
    };
    for key in derived {
        assume_role::remove(&paths.cli_cache, &key)?;
    }
    if matches!(scope, Scope::All) {
        for dir in [
            paths.sso_cache.clone(),
            paths.cli_cache.clone(),
            eks_token::dir(&paths.own),
        ] {
            atomic::remove_stale_temp_files(&dir)?;
        }
    }
    drop(held);
    Ok(signed_out)
}

/// Takes every credential writer's lock (all but token locks) not yet held, in name order.
async fn take_writer_locks(
    app: &App,
    lock_dir: &Path,
    held: &mut BTreeMap<String, LockGuard>,
) -> Result<(), Error> {
    let mut names: Vec<String> = std::fs::read_dir(lock_dir)
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| {
                    e.file_name()
                        .to_str()
                        .and_then(|n| n.strip_suffix(".lock"))
                        .map(String::from)
                })
                .filter(|n| !n.starts_with("token-"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    for name in names {
        if let Entry::Vacant(slot) = held.entry(name) {
            let guard = take(app, lock_dir, slot.key()).await?;
            slot.insert(guard);
        }
    }
    Ok(())
}

async fn take(app: &App, lock_dir: &Path, name: &str) -> Result<LockGuard, Error> {
    let dir = lock_dir.to_path_buf();
    // A login waiting for a person (holding a token lock, and perhaps a role lock while it
    // waits) would keep sign-out waiting for minutes: refuse instead.
    let is_login = move || {
        std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .any(|e| {
                e.file_name()
                    .to_str()
                    .and_then(|n| n.strip_suffix(".lock"))
                    .is_some_and(|k| lock::holder(&dir, k) == Some(Activity::Login))
            })
    };
    lock::acquire_as(
        lock_dir,
        name,
        "using the cached credentials",
        Activity::Logout,
        super::sso::LOGIN_LOCK_TIMEOUT,
        &app.printer,
        Some(&is_login),
    )
    .await
    .map_err(|e| match e {
        crate::cache::CacheError::HeldByLogin { .. } => CredentialsError::LogoutUnderLogin.into(),
        e => e.into(),
    })
}

/// Every cached SSO token (not registrations) in `dir`, with its lock key (the file stem).
fn token_files(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .filter(|p| matches!(token::load(p), Ok(Lookup::Found(_))))
                .filter_map(|p| {
                    let stem = p.file_stem()?.to_str()?.to_string();
                    Some((stem, p))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}
