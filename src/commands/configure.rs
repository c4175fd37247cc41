//! `ssoexec configure`: sign in once, pick an account and a role (a filter-as-you-type picker on
//! a terminal, flags in a script), and write the `[sso-session]` (if new) and `[profile]`
//! sections into the AWS config, every other byte kept. Also the session choice `generate` shares.
use crate::app::App;
use crate::aws::portal::{Account, Role};
use crate::cli::{ConfigureArgs, TargetArgs};
use crate::config::edit;
use crate::config::generated::check_profile_name;
use crate::config::generated::{self, Unusable, normalize};
use crate::config::profile;
use crate::config::store;
use crate::credentials::sso::{LoginPermission, sso_token};
use crate::error::{Diagnostic, Error};
use crate::login::session::{ask_text, choose_session, terminal_error};
use crate::settings::Source;
use crate::support::exit::ExitStatus;
use crate::support::picker;
use crate::support::shell::word;
use crate::support::text::clean;

/// Why `configure` cannot go on.
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
    #[error("{} has a malformed ssoexec block", path.display())]
    Block {
        path: std::path::PathBuf,
        #[source]
        source: edit::BlockError,
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
            ConfigureError::Block { .. } => "fix or remove the BEGIN/END lines by hand".into(),
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

#[cfg(test)]
mod tests {
    use super::*;

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
