//! `ssoexec accounts` and `ssoexec roles`: what the signed-in session can reach (paginated), as
//! a table (rows only on a pipe) or, with `--json`, one JSON document.
use crate::app::App;
use crate::cli::ListArgs;
use crate::credentials::sso::{LoginPermission, sso_token};
use crate::error::Error;
use crate::support::exit::ExitStatus;
use serde::Serialize;

pub async fn accounts(app: &App, args: &ListArgs) -> Result<ExitStatus, Error> {
    let session = app.settings.session()?;
    let token = sso_token(app, &session, LoginPermission::for_caller(app)).await?;
    let accounts = app
        .portal(&session.region)?
        .list_accounts(&token.file.access_token)
        .await?;
    if args.json {
        return write_json(&accounts);
    }
    let mut out = header(format!("{:<12}  {:<30} {}\n", "ACCOUNT", "NAME", "EMAIL"));
    for a in &accounts {
        out.push_str(&format!(
            "{}  {:<30} {}\n",
            a.account_id, a.account_name, a.email_address
        ));
    }
    super::write_stdout(out.as_bytes())?;
    Ok(ExitStatus::Success)
}

pub async fn roles(app: &App, args: &ListArgs) -> Result<ExitStatus, Error> {
    let session = app.settings.session()?;
    let token = sso_token(app, &session, LoginPermission::for_caller(app)).await?;
    let portal = app.portal(&session.region)?;
    let account_ids: Vec<String> = match app.settings.account_override() {
        Some(a) => vec![a],
        None => portal
            .list_accounts(&token.file.access_token)
            .await?
            .into_iter()
            .map(|a| a.account_id)
            .collect(),
    };
    let mut roles = Vec::new();
    for a in &account_ids {
        roles.extend(
            portal
                .list_account_roles(&token.file.access_token, a)
                .await?,
        );
    }
    if args.json {
        return write_json(&roles);
    }
    let mut out = header(format!("{:<12}  {}\n", "ACCOUNT", "ROLE"));
    for r in &roles {
        out.push_str(&format!("{}  {}\n", r.account_id, r.role_name));
    }
    super::write_stdout(out.as_bytes())?;
    Ok(ExitStatus::Success)
}

/// The table's header on a terminal; on a pipe, rows only (one account or role a line, for
/// `grep`, `cut` and `while read`).
fn header(text: String) -> String {
    if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        text
    } else {
        String::new()
    }
}

fn write_json<T: Serialize>(v: &T) -> Result<ExitStatus, Error> {
    super::write_stdout(
        format!("{}\n", serde_json::to_string_pretty(v).unwrap_or_default()).as_bytes(),
    )?;
    Ok(ExitStatus::Success)
}
