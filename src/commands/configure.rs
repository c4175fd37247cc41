//! `ssoexec configure`: sign in once, pick an account and a role (a filter-as-you-type picker on
//! a terminal, flags in a script), and write the `[sso-session]` (if new) and `[profile]`
//! sections into the AWS config, every other byte kept. Also the session choice `generate` shares.
use crate::app::App;
use crate::aws::portal::{Account, Role};
use crate::cli::{ConfigureArgs, TargetArgs};
use crate::config::edit;
use crate::config::generated::normalize;
use crate::config::profile::{self, DEFAULT_SCOPE, SsoSession};
use crate::config::store;
use crate::credentials::sso::{LoginPermission, sso_token};
use crate::error::Error;
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
    let mut accounts = portal.list_accounts(&token.file.access_token).await?;
    accounts
        .sort_by(|a, b| (&a.account_name, &a.account_id).cmp(&(&b.account_name, &b.account_id)));
    let account = pick_account(app, accounts, target.account_id.as_deref(), ask)?;
    let mut roles = portal
        .list_account_roles(&token.file.access_token, &account.account_id)
        .await?;
    roles.sort_by(|a, b| a.role_name.cmp(&b.role_name));
    let role = pick_role(app, &account, roles, target.role_name.as_deref(), ask)?;

    let proposed = normalize(&format!("{}.{}", account.account_name, role.role_name));
    let name = match target.profile.clone() {
        Some(p) => {
            check_profile_name(&p).map_err(Error::Usage)?;
            p
        }
        None if ask => ask_text("Profile name", Some(&proposed), check_profile_name)?,
        None => proposed,
    };
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

    let text = store::read(&path)?;
    let layout = edit::scan(&text).map_err(|e| {
        Error::caused(
            format!("{} has a malformed ssoexec block", path.display()),
            Some("fix or remove the BEGIN/END lines by hand".into()),
            e,
        )
    })?;
    let section = format!(
        "{}\nsso_session = {}\nsso_account_id = {}\nsso_role_name = {}\nregion = {region}\n",
        edit::profile_header(&name),
        session.name.as_deref().unwrap_or_default(),
        account.account_id,
        role.role_name
    );
    let mut new_text = text.clone();
    let mut wrote = String::new();
    if let Some(s) = &choice.new_section {
        new_text = edit::append(&new_text, s);
        wrote.push_str(s);
        wrote.push('\n');
    }
    match layout.profile(&name) {
        Some(span) if !args.force => {
            return Err(Error::failed(
                format!(
                    "the profile {name} already exists (line {} of {})",
                    span.line,
                    path.display()
                ),
                Some("pass --force to replace it, or choose another name with --profile".into()),
            ));
        }
        Some(span) => {
            // Offsets are of the old text: replace first, then append the session.
            new_text = edit::replace_section(&text, span, &section);
            if let Some(s) = &choice.new_section {
                new_text = edit::append(&new_text, s);
            }
        }
        None => new_text = edit::append(&new_text, &section),
    }
    wrote.push_str(&section);
    store::write(&path, &new_text)?;
    app.printer.info(format!(
        "Wrote to {}:\n\n{wrote}\nTry it: ssoexec --profile {} -- aws sts get-caller-identity",
        path.display(),
        word(&name)
    ));
    Ok(ExitStatus::Success)
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
        Error::caused(
            "cannot read the answer from the terminal",
            None,
            std::io::Error::new(e.kind(), e.to_string()),
        )
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
            .ok_or_else(|| {
                Error::failed(
                    format!("account {} is not one you can use", clean(id)),
                    Some("`ssoexec accounts` lists the accounts you can use".into()),
                )
            });
    }
    if accounts.is_empty() {
        return Err(Error::failed(
            "this sign-in has no AWS account assigned",
            Some("ask your administrator for an account assignment".into()),
        ));
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
                    .map(|n| format!("did you mean `{}`? ", clean(n)))
                    .unwrap_or_default();
                Error::failed(
                    format!(
                        "role {} is not one you can use in account {}",
                        clean(name),
                        account.account_id
                    ),
                    Some(format!(
                        "{near}the roles you can use there: {}",
                        choices(&names.iter().map(|n| clean(n)).collect::<Vec<_>>())
                    )),
                )
            });
    }
    if roles.is_empty() {
        return Err(Error::failed(
            format!(
                "no role is assigned to you in account {}",
                account.account_id
            ),
            None,
        ));
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
    let cfg = &app.settings.config;
    let existing = |name: &str| -> Result<Option<SsoSession>, Error> {
        if cfg.config.sso_sessions.contains_key(name) {
            Ok(Some(profile::session_named(cfg, name)?))
        } else {
            Ok(None)
        }
    };
    if let Some(name) = &target.sso_session {
        if let Some(s) = existing(name)? {
            if let Some(url) = &target.start_url
                && *url != s.start_url
            {
                return Err(Error::failed(
                    format!(
                        "the sso-session {name} already uses {}, not {}",
                        s.start_url,
                        clean(url)
                    ),
                    Some("leave out --start-url to use it, or name a new session".into()),
                ));
            }
            return Ok(SessionChoice {
                session: s,
                new_section: None,
            });
        }
        check_profile_name(name).map_err(|e| Error::Usage(e.replace("profile", "sso-session")))?;
    }
    if let Some(p) = profile
        && target.start_url.is_none()
        && target.sso_session.is_none()
    {
        let s = profile::session_for_profile(cfg, p)?;
        if s.name.is_none() {
            return Err(Error::failed(
                format!("the profile {p} is a legacy profile without an [sso-session]"),
                Some(
                    "run `ssoexec configure` to create an sso-session, then pass --sso-session"
                        .into(),
                ),
            ));
        }
        return Ok(SessionChoice {
            session: s,
            new_section: None,
        });
    }
    if target.start_url.is_none() && target.sso_session.is_none() {
        let names: Vec<&String> = cfg.config.sso_sessions.keys().collect();
        match names.as_slice() {
            [only] if !ask => {
                app.printer
                    .info(format!("Using the only sso-session: {only}"));
                if let Some(s) = existing(only)? {
                    return Ok(SessionChoice {
                        session: s,
                        new_section: None,
                    });
                }
            }
            [] | [_] if !ask => {}
            _ if !ask => {
                return Err(Error::Usage(format!(
                    "several sso-sessions ({}): pass --sso-session NAME",
                    names
                        .iter()
                        .map(|n| n.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            _ => {}
        }
    }
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
    if target.sso_session.is_none() {
        for (name, section) in &cfg.config.sso_sessions {
            if section.get("sso_start_url") == Some(&start_url)
                && section.get("sso_region") == Some(&region)
            {
                app.printer.info(format!(
                    "Using the sso-session {name}, which has this start URL"
                ));
                if let Some(s) = existing(name)? {
                    return Ok(SessionChoice {
                        session: s,
                        new_section: None,
                    });
                }
            }
        }
    }
    let taken = |n: &str| cfg.config.sso_sessions.contains_key(n);
    let name = match &target.sso_session {
        Some(n) => n.clone(),
        None => {
            let mut proposed = proposed_session_name(&start_url);
            let mut k = 2;
            while taken(&proposed) {
                proposed = format!("{}-{k}", proposed_session_name(&start_url));
                k += 1;
            }
            if ask {
                ask_text("Name for the new sso-session", Some(&proposed), |n| {
                    check_profile_name(n)?;
                    if taken(n) {
                        Err(format!("{n} is already an sso-session"))
                    } else {
                        Ok(())
                    }
                })?
            } else {
                proposed
            }
        }
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
    fn profile_names() {
        assert!(check_profile_name("dev.ReadOnly").is_ok());
        assert!(check_profile_name("a b").is_err());
        assert!(check_profile_name("").is_err());
    }
}
