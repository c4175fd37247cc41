//! `ssoexec configure`: sign in once, pick an account and a role (a filter-as-you-type picker on
//! a terminal, flags in a script), and write the `[sso-session]` (if new) and `[profile]`
//! sections into the AWS config, every other byte kept. Also the session choice `generate` shares.
use crate::app::App;
use crate::aws::portal::{Account, Role};
use crate::cli::{ConfigureArgs, TargetArgs};
use crate::config::edit;
use crate::config::generated::{self, Unusable, normalize};
use crate::config::profile::{self, DEFAULT_SCOPE, SsoSession};
use crate::config::store;
use crate::credentials::sso::{LoginPermission, sso_token};
use crate::error::{Diagnostic, Error};
use crate::settings::Source;
use crate::support::exit::ExitStatus;
use crate::support::picker;
use crate::support::shell::word;
use crate::support::text::clean;

/// The Identity Center region offered when the person gives none.
const DEFAULT_SSO_REGION: &str = "us-east-1";

/// The sso-session a command signs in to, and the section to add when it is new.
pub(super) struct SessionChoice {
    pub session: SsoSession,
    pub new_section: Option<String>,
}

/// Why `configure` (or the session choice `generate` shares) cannot go on.
#[derive(Debug, thiserror::Error)]
pub enum ConfigureError {
    #[error("account {id} is not one you can use")]
    UnknownAccount { id: String },
    #[error("this sign-in has no AWS account assigned")]
    NoAccount,
    #[error("role {role} is not one you can use in account {account}")]
    UnknownRole {
        role: String,
        account: String,
        /// The assigned role that differs only in case.
        near: Option<String>,
        /// The roles assigned there, for the hint.
        choices: String,
    },
    #[error("no role is assigned to you in account {account}")]
    NoRole { account: String },
    #[error("the profile {name} already exists (line {line} of {})", path.display())]
    Exists {
        name: String,
        line: usize,
        path: std::path::PathBuf,
    },
    #[error("the sso-session {session} already uses {uses}, not {given}")]
    OtherStartUrl {
        session: String,
        uses: String,
        given: String,
    },
    #[error("the profile {profile} is a legacy profile without an [sso-session]")]
    Legacy { profile: String },
    #[error("{} has a malformed ssoexec block", path.display())]
    Block {
        path: std::path::PathBuf,
        #[source]
        source: edit::BlockError,
    },
    #[error("cannot read the answer from the terminal")]
    Terminal {
        #[source]
        source: std::io::Error,
    },
}

impl Diagnostic for ConfigureError {
    fn hint(&self) -> Option<String> {
        Some(match self {
            ConfigureError::UnknownAccount { .. } => {
                "`ssoexec accounts` lists the accounts you can use".into()
            }
            ConfigureError::NoAccount => "ask your administrator for an account assignment".into(),
            ConfigureError::UnknownRole { near, choices, .. } => {
                let near = near
                    .as_ref()
                    .map(|n| format!("did you mean `{n}`? "))
                    .unwrap_or_default();
                format!("{near}the roles you can use there: {choices}")
            }
            ConfigureError::NoRole { .. } => {
                "ask your administrator for a permission set in that account".into()
            }
            ConfigureError::Exists { .. } => {
                "pass --force to replace it, or choose another name with --profile".into()
            }
            ConfigureError::OtherStartUrl { .. } => {
                "leave out --start-url to use it, or name a new session".into()
            }
            ConfigureError::Legacy { .. } => {
                "run `ssoexec configure` to create an sso-session, then pass --sso-session".into()
            }
            ConfigureError::Block { .. } => "fix or remove the BEGIN/END lines by hand".into(),
            ConfigureError::Terminal { .. } => return None,
        })
    }
}
crate::diagnostic_error!(ConfigureError);

pub async fn configure(
    app: &App,
    args: &ConfigureArgs,
    target: &TargetArgs,
) -> Result<ExitStatus, Error> {
    let ask = app.interactive;
    let path = store::target(&app.settings.config.config.path);
    let choice = choose_session(app, target, ask, None)?;
    let session = &choice.session;
    let token = sso_token(app, session, LoginPermission::IfNeeded).await?;
    let portal = app.portal(&session.region)?;
    let mut accounts = usable_accounts(app, portal.list_accounts(&token.file.access_token).await?);
    accounts
        .sort_by(|a, b| (&a.account_name, &a.account_id).cmp(&(&b.account_name, &b.account_id)));
    let account = pick_account(app, accounts, target.account_id.as_deref(), ask)?;
    let roles = portal
        .list_account_roles(&token.file.access_token, &account.account_id)
        .await?;
    let mut roles = usable_roles(app, &account, roles);
    roles.sort_by(|a, b| a.role_name.cmp(&b.role_name));
    let role = pick_role(app, &account, roles, target.role_name.as_deref(), ask)?;

    let name = profile_name(target, ask, &account, &role)?;
    let region = match app
        .settings
        .region
        .as_ref()
        .filter(|r| matches!(r.source, Source::Flag(_)))
    {
        Some(r) => r.value.clone(),
        None if ask => ask_text(
            "Default region for this profile",
            Some(&session.region),
            |r| {
                profile::validate_region("region", r, "in the answer", false)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            },
        )?,
        None => session.region.clone(),
    };
    let section = format!(
        "{}\nsso_session = {}\nsso_account_id = {}\nsso_role_name = {}\nregion = {region}\n",
        edit::profile_header(&name),
        session.name.as_deref().unwrap_or_default(),
        account.account_id,
        role.role_name
    );

    // Read, edit and write under the config's lock: a concurrent writer's change is kept.
    let _lock = store::lock(&path, &app.printer).await?;
    let text = store::read(&path)?;
    let edit = edit_profile(
        &text,
        &path,
        &name,
        &section,
        choice.new_section.as_deref(),
        args.force,
    )?;
    store::write(&path, &edit)?;
    let mut wrote = String::new();
    if let Some(s) = &choice.new_section {
        wrote.push_str(s);
        wrote.push('\n');
    }
    wrote.push_str(&section);
    app.printer.info(format!(
        "Wrote to {}:\n\n{wrote}\nTry it: ssoexec --profile {} -- aws sts get-caller-identity",
        path.display(),
        word(&name)
    ));
    Ok(ExitStatus::Success)
}

/// `text` with the profile `name` set to `section` (replaced with `force`, else appended) and
/// the new sso-session section, if any, appended. Pure.
fn edit_profile(
    text: &str,
    path: &std::path::Path,
    name: &str,
    section: &str,
    new_session: Option<&str>,
    force: bool,
) -> Result<String, ConfigureError> {
    let layout = edit::scan(text).map_err(|source| ConfigureError::Block {
        path: path.to_path_buf(),
        source,
    })?;
    let mut out = match layout.profile(name) {
        Some(span) if !force => {
            return Err(ConfigureError::Exists {
                name: name.to_string(),
                line: span.line,
                path: path.to_path_buf(),
            });
        }
        // Offsets are of the old text: replace first, then append the session.
        Some(span) => edit::replace_section(text, span, section),
        None => text.to_string(),
    };
    if let Some(s) = new_session {
        out = edit::append(&out, s);
    }
    if layout.profile(name).is_none() {
        out = edit::append(&out, section);
    }
    Ok(out)
}

/// The name of the profile to write: `--profile`, the answer, or `ACCOUNT.ROLE`.
fn profile_name(
    target: &TargetArgs,
    ask: bool,
    account: &Account,
    role: &Role,
) -> Result<String, Error> {
    let proposed = normalize(&format!("{}.{}", account.account_name, role.role_name));
    Ok(match target.profile.clone() {
        Some(p) => {
            check_profile_name(&p).map_err(Error::Usage)?;
            p
        }
        None if ask => ask_text("Profile name", Some(&proposed), check_profile_name)?,
        None => proposed,
    })
}

/// The accounts whose id can be written into a profile; the others are skipped with a warning.
fn usable_accounts(app: &App, accounts: Vec<Account>) -> Vec<Account> {
    accounts
        .into_iter()
        .filter(|a| {
            let ok = generated::is_account_id(&a.account_id);
            if !ok {
                let u = Unusable::AccountId {
                    name: a.account_name.clone(),
                    id: a.account_id.clone(),
                };
                app.printer.warn(clean(&format!("skipped {u}")));
            }
            ok
        })
        .collect()
}

/// The roles whose name can be written into a profile; the others are skipped with a warning.
fn usable_roles(app: &App, account: &Account, roles: Vec<Role>) -> Vec<Role> {
    roles
        .into_iter()
        .filter(|r| {
            let ok = generated::is_role_name(&r.role_name);
            if !ok {
                let u = Unusable::RoleName {
                    name: account.account_name.clone(),
                    id: account.account_id.clone(),
                    role: r.role_name.clone(),
                };
                app.printer.warn(clean(&format!("skipped {u}")));
            }
            ok
        })
        .collect()
}

/// Profile names are written unquoted into a header and onto command lines.
fn check_profile_name(name: &str) -> Result<(), String> {
    if !name.is_empty() && normalize(name) == name {
        Ok(())
    } else {
        Err(format!(
            "the profile name {:?} may hold only letters, digits and ._-@+ (try {})",
            clean(name),
            normalize(name)
        ))
    }
}

fn ask_text(
    prompt: &str,
    default: Option<&str>,
    check: impl Fn(&str) -> Result<(), String>,
) -> Result<String, Error> {
    picker::ask(prompt, default, check).map_err(|e| terminal_error(&e))
}

fn terminal_error(e: &std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::Interrupted {
        Error::Interrupted
    } else {
        ConfigureError::Terminal {
            source: std::io::Error::new(e.kind(), e.to_string()),
        }
        .into()
    }
}

/// One of `items`: the only one (said so), or picked by the person. `None` means they gave up.
fn choose<T>(
    app: &App,
    what: &str,
    items: &[T],
    show: impl Fn(&T) -> String,
) -> Result<usize, Error> {
    if items.len() == 1 {
        app.printer.info(format!(
            "Using the only {what}: {}",
            clean(&show(&items[0]))
        ));
        return Ok(0);
    }
    let shown: Vec<String> = items.iter().map(&show).collect();
    match picker::pick(
        &app.terminal,
        &format!("Choose the {what} (type to filter)"),
        &shown,
        0,
    ) {
        Ok(Some(i)) => Ok(i),
        Ok(None) => Err(Error::Interrupted),
        Err(e) => Err(terminal_error(&e)),
    }
}

/// `a, b, c`, or the first ten and how many more.
fn choices(items: &[String]) -> String {
    const SHOWN: usize = 10;
    let mut text = items[..items.len().min(SHOWN)].join(", ");
    if items.len() > SHOWN {
        text.push_str(&format!(" and {} more", items.len() - SHOWN));
    }
    text
}

fn pick_account(
    app: &App,
    accounts: Vec<Account>,
    flag: Option<&str>,
    ask: bool,
) -> Result<Account, Error> {
    let show = |a: &Account| format!("{} ({})  {}", a.account_name, a.account_id, a.email_address);
    if let Some(id) = flag {
        return accounts
            .into_iter()
            .find(|a| a.account_id == id)
            .ok_or_else(|| ConfigureError::UnknownAccount { id: clean(id) }.into());
    }
    if accounts.is_empty() {
        return Err(ConfigureError::NoAccount.into());
    }
    if accounts.len() > 1 && !ask {
        let ids: Vec<String> = accounts
            .iter()
            .map(|a| format!("{} ({})", a.account_id, clean(&a.account_name)))
            .collect();
        return Err(Error::Usage(format!(
            "{} accounts are available (without a terminal ssoexec does not ask): pass --account-id with one of {}",
            accounts.len(),
            choices(&ids)
        )));
    }
    let i = choose(app, "account", &accounts, show)?;
    Ok(accounts
        .into_iter()
        .nth(i)
        .unwrap_or_else(|| unreachable!("choose returns an index of the list")))
}

fn pick_role(
    app: &App,
    account: &Account,
    roles: Vec<Role>,
    flag: Option<&str>,
    ask: bool,
) -> Result<Role, Error> {
    if let Some(name) = flag {
        let names: Vec<String> = roles.iter().map(|r| r.role_name.clone()).collect();
        return roles
            .into_iter()
            .find(|r| r.role_name == name)
            .ok_or_else(|| {
                // Role names are case-sensitive: `Readonly` is not `ReadOnly`.
                let near = names
                    .iter()
                    .find(|n| n.eq_ignore_ascii_case(name))
                    .map(|n| clean(n));
                ConfigureError::UnknownRole {
                    role: clean(name),
                    account: account.account_id.clone(),
                    near,
                    choices: choices(&names.iter().map(|n| clean(n)).collect::<Vec<_>>()),
                }
                .into()
            });
    }
    if roles.is_empty() {
        return Err(ConfigureError::NoRole {
            account: account.account_id.clone(),
        }
        .into());
    }
    if roles.len() > 1 && !ask {
        return Err(Error::Usage(format!(
            "{} roles are available in account {}: pass --role-name (without a terminal ssoexec does not ask)",
            roles.len(),
            account.account_id
        )));
    }
    let i = choose(app, "role", &roles, |r| r.role_name.clone())?;
    Ok(roles
        .into_iter()
        .nth(i)
        .unwrap_or_else(|| unreachable!("choose returns an index of the list")))
}

/// The session name proposed for a start URL: the first label of its host (`d-1234567890`).
fn proposed_session_name(start_url: &str) -> String {
    let host = url::Url::parse(start_url)
        .ok()
        .and_then(|u| u.host_str().map(String::from))
        .unwrap_or_default();
    normalize(host.split('.').next().unwrap_or_default())
}

fn session_section(name: &str, start_url: &str, region: &str) -> String {
    format!(
        "[sso-session {name}]\nsso_start_url = {start_url}\nsso_region = {region}\nsso_registration_scopes = {DEFAULT_SCOPE}\n"
    )
}

/// The sso-session to sign in to: `--sso-session` (existing, or new with `--start-url` and
/// `--sso-region`), a session with the same start URL, the session of `profile`, or the only one
/// in the config; asked for on a terminal when `ask`.
pub(super) fn choose_session(
    app: &App,
    target: &TargetArgs,
    ask: bool,
    profile: Option<&str>,
) -> Result<SessionChoice, Error> {
    if let Some(name) = &target.sso_session {
        if let Some(s) = existing(app, name)? {
            if let Some(url) = &target.start_url
                && *url != s.start_url
            {
                return Err(ConfigureError::OtherStartUrl {
                    session: name.clone(),
                    uses: s.start_url,
                    given: clean(url),
                }
                .into());
            }
            return Ok(SessionChoice::existing(s));
        }
        check_profile_name(name).map_err(|e| Error::Usage(e.replace("profile", "sso-session")))?;
    }
    let unnamed = target.start_url.is_none() && target.sso_session.is_none();
    if let Some(p) = profile.filter(|_| unnamed) {
        let s = profile::session_for_profile(&app.settings.config, p)?;
        if s.name.is_none() {
            return Err(ConfigureError::Legacy {
                profile: p.to_string(),
            }
            .into());
        }
        return Ok(SessionChoice::existing(s));
    }
    if unnamed
        && !ask
        && let Some(s) = only_session(app)?
    {
        return Ok(SessionChoice::existing(s));
    }
    let (start_url, region) = start_url_and_region(app, target, ask)?;
    if target.sso_session.is_none()
        && let Some(s) = session_with_url(app, &start_url, &region)?
    {
        return Ok(SessionChoice::existing(s));
    }
    let name = match &target.sso_session {
        Some(n) => n.clone(),
        None => new_session_name(app, &start_url, ask)?,
    };
    Ok(SessionChoice {
        new_section: Some(session_section(&name, &start_url, &region)),
        session: SsoSession {
            name: Some(name),
            start_url,
            region,
            scopes: Some(vec![DEFAULT_SCOPE.to_string()]),
        },
    })
}

impl SessionChoice {
    fn existing(session: SsoSession) -> SessionChoice {
        SessionChoice {
            session,
            new_section: None,
        }
    }
}

/// The sso-session `name` of the config, if it has one.
fn existing(app: &App, name: &str) -> Result<Option<SsoSession>, Error> {
    let cfg = &app.settings.config;
    if cfg.config.sso_sessions.contains_key(name) {
        Ok(Some(profile::session_named(cfg, name)?))
    } else {
        Ok(None)
    }
}

/// Without a terminal: the only sso-session of the config; several are a usage error.
fn only_session(app: &App) -> Result<Option<SsoSession>, Error> {
    let names: Vec<&String> = app.settings.config.config.sso_sessions.keys().collect();
    match names.as_slice() {
        [] => Ok(None),
        [only] => {
            app.printer
                .info(format!("Using the only sso-session: {only}"));
            existing(app, only)
        }
        _ => Err(Error::Usage(format!(
            "several sso-sessions ({}): pass --sso-session NAME",
            names
                .iter()
                .map(|n| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The start URL and Identity Center region of a new session: flags, else answers.
fn start_url_and_region(
    app: &App,
    target: &TargetArgs,
    ask: bool,
) -> Result<(String, String), Error> {
    let start_url = match &target.start_url {
        Some(u) => u.clone(),
        None if ask => ask_text("IAM Identity Center start URL", None, |u| {
            profile::validate_start_url("sso_start_url", u, "in the answer", false)
                .map_err(|e| e.to_string())
        })?,
        None => {
            return Err(Error::Usage(
                "no sso-session to use: pass --start-url and --sso-region (and --sso-session NAME to name it)".into(),
            ));
        }
    };
    let region = match &target.sso_region {
        Some(r) => r.clone(),
        None if ask => ask_text(
            "IAM Identity Center region",
            Some(DEFAULT_SSO_REGION),
            |r| {
                profile::validate_region("sso_region", r, "in the answer", false)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            },
        )?,
        None => return Err(Error::Usage("pass --sso-region with --start-url".into())),
    };
    profile::validate_start_url("sso_start_url", &start_url, "from --start-url", false)?;
    if let Some(w) = profile::validate_region("sso_region", &region, "from --sso-region", false)? {
        app.printer.warn(w);
    }
    Ok((start_url, region))
}

/// An existing sso-session with this start URL and region (said so).
fn session_with_url(app: &App, start_url: &str, region: &str) -> Result<Option<SsoSession>, Error> {
    for (name, section) in &app.settings.config.config.sso_sessions {
        if section.get("sso_start_url").map(String::as_str) == Some(start_url)
            && section.get("sso_region").map(String::as_str) == Some(region)
        {
            app.printer.info(format!(
                "Using the sso-session {name}, which has this start URL"
            ));
            return existing(app, name);
        }
    }
    Ok(None)
}

/// The name of a new sso-session: the first label of the start URL's host (made unique), or
/// the answer.
fn new_session_name(app: &App, start_url: &str, ask: bool) -> Result<String, Error> {
    let taken = |n: &str| app.settings.config.config.sso_sessions.contains_key(n);
    let mut proposed = proposed_session_name(start_url);
    let mut k = 2;
    while taken(&proposed) {
        proposed = format!("{}-{k}", proposed_session_name(start_url));
        k += 1;
    }
    if !ask {
        return Ok(proposed);
    }
    ask_text("Name for the new sso-session", Some(&proposed), |n| {
        check_profile_name(n)?;
        if taken(n) {
            Err(format!("{n} is already an sso-session"))
        } else {
            Ok(())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_names_from_start_urls() {
        assert_eq!(
            proposed_session_name("https://d-1234567890.awsapps.com/start"),
            "d-1234567890"
        );
        assert_eq!(
            proposed_session_name("https://my corp.example/start"),
            "profile"
        );
        assert_eq!(
            proposed_session_name("https://acme.awsapps.com/start#/"),
            "acme"
        );
    }

    #[test]
    fn a_profile_is_added_replaced_with_force_or_refused() {
        let path = std::path::Path::new("/c");
        let text = "[profile a]\nregion = x\n";
        let section = "[profile a]\nregion = y\n";
        let err = edit_profile(text, path, "a", section, None, false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the profile a already exists (line 1 of /c)"
        );
        assert_eq!(
            edit_profile(text, path, "a", section, Some("[sso-session s]\n"), true).unwrap(),
            "[profile a]\nregion = y\n\n[sso-session s]\n"
        );
        assert_eq!(
            edit_profile(
                text,
                path,
                "b",
                "[profile b]\n",
                Some("[sso-session s]\n"),
                false
            )
            .unwrap(),
            "[profile a]\nregion = x\n\n[sso-session s]\n\n[profile b]\n"
        );
    }

    #[test]
    fn profile_names() {
        assert!(check_profile_name("dev.ReadOnly").is_ok());
        assert!(check_profile_name("a b").is_err());
        assert!(check_profile_name("").is_err());
    }
}
