//! `ssoexec generate`: one login, every account (ListAccounts, all pages) and its roles
//! (ListAccountRoles, all pages, with bounded concurrency and throttling retries), then one
//! profile per account × role in the sso-session's managed block (`config::generated`).
use super::configure::choose_session;
use crate::app::App;
use crate::aws::client::HttpError;
use crate::aws::portal::{Portal, Role};
use crate::aws::throttle;
use crate::cli::{GenerateArgs, TargetArgs};
use crate::config::edit;
use crate::config::generated::{self, Assignment, GenerateError, Spec};
use crate::config::store;
use crate::credentials::sso::{LoginPermission, sso_token};
use crate::error::{Diagnostic, Error};
use crate::settings::Source;
use crate::support::exit::ExitStatus;
use crate::support::progress::{count, progress};
use crate::support::secret::Secret;
use futures_util::{StreamExt, TryStreamExt};

impl Diagnostic for GenerateError {
    fn hint(&self) -> Option<String> {
        Some(match self {
            GenerateError::Clash { .. } => "rename or remove your profile, choose other names with --name, or pass --skip-existing to leave yours alone".into(),
            GenerateError::Block { .. } => "fix or remove the BEGIN/END lines by hand, then run generate again".into(),
            GenerateError::Template(_) => format!(
                "placeholders: {}",
                generated::NAME_PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(", ")
            ),
            GenerateError::Set(_) => "use --set key=value with a lower-case key of letters, digits and _".into(),
        })
    }
    fn exit_status(&self) -> ExitStatus {
        match self {
            GenerateError::Template(_) | GenerateError::Set(_) => ExitStatus::Usage,
            _ => ExitStatus::Failure,
        }
    }
}
crate::diagnostic_error!(GenerateError);

pub async fn generate(
    app: &App,
    args: &GenerateArgs,
    target: &TargetArgs,
) -> Result<ExitStatus, Error> {
    // Check what the person typed before signing in.
    crate::support::template::validate(&args.name, &generated::NAME_PLACEHOLDERS)
        .map_err(GenerateError::Template)?;
    let extra = args
        .set
        .iter()
        .map(|s| generated::parse_set(s))
        .collect::<Result<Vec<_>, _>>()?;
    let region = app
        .settings
        .region
        .as_ref()
        .filter(|r| matches!(r.source, Source::Flag(_)))
        .map(|r| r.value.clone());
    let profile = target.profile.as_deref();
    let choice = choose_session(app, target, false, profile)?;
    let session = &choice.session;
    let session_name = session.name.clone().unwrap_or_default();
    let path = store::target(&app.settings.config.config.path);

    let token = sso_token(app, session, LoginPermission::for_caller(app)).await?;
    let portal = app.portal(&session.region)?;
    let started = std::time::Instant::now();
    let assignments = assignments(
        app,
        &portal,
        &token.file.access_token,
        usize::from(args.concurrency),
    )
    .await?;
    let accounts = assignments
        .iter()
        .map(|a| &a.account_id)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    app.printer.debug(format!(
        "listed {} roles in {accounts} accounts in {} ms",
        assignments.len(),
        started.elapsed().as_millis()
    ));

    let spec = Spec {
        session: session_name.clone(),
        template: args.name.clone(),
        region,
        extra,
        credential_process: args.credential_process,
        prune: args.prune,
        skip_existing: args.skip_existing,
    };
    let old = store::read(&path)?;
    let base = match &choice.new_section {
        Some(s) => edit::append(&old, s),
        None => old.clone(),
    };
    let shown = path.display().to_string();
    let plan = generated::plan(&base, &shown, &spec, &assignments)?;
    for c in &plan.skipped {
        app.printer.warn(format!(
            "skipped {} ({}): your [profile {}] at line {} stays as it is",
            c.name, c.assignment, c.name, c.line
        ));
    }
    if !plan.stale.is_empty() {
        app.printer.info(format!(
            "{} no longer assigned and kept (--prune removes them): {}",
            count(
                plan.stale.len(),
                "generated profile is",
                "generated profiles are"
            ),
            plan.stale.join(", ")
        ));
    }
    let summary = format!(
        "{} in {}: {} new, {} updated, {} unchanged, {} removed",
        count(assignments.len(), "role", "roles"),
        count(accounts, "account", "accounts"),
        plan.added.len(),
        plan.updated.len(),
        plan.unchanged,
        plan.removed.len()
    );
    if args.dry_run {
        let diff = similar::TextDiff::from_lines(&old, &plan.text)
            .unified_diff()
            .header(&shown, &shown)
            .to_string();
        super::write_stdout(diff.as_bytes())?;
        app.printer
            .info(format!("dry run, nothing written: {summary}"));
        return Ok(ExitStatus::Success);
    }
    if plan.text == old {
        app.printer
            .info(format!("{shown} is up to date: {summary}"));
        return Ok(ExitStatus::Success);
    }
    store::write(&path, &plan.text)?;
    app.printer.info(format!(
        "Wrote the sso-session {session_name} block of {shown}: {summary}"
    ));
    Ok(ExitStatus::Success)
}

/// Every account × role of the token: the accounts page by page, then each account's roles with
/// at most `concurrency` requests in flight, a progress bar on a terminal.
async fn assignments(
    app: &App,
    portal: &Portal<'_>,
    token: &Secret,
    concurrency: usize,
) -> Result<Vec<Assignment>, Error> {
    let accounts = throttle::retry(|| portal.list_accounts(token)).await?;
    let bar = progress(&app.printer, accounts.len() as u64, "roles of accounts");
    let roles: Vec<(usize, Vec<Role>)> = futures_util::stream::iter(accounts.iter().enumerate())
        .map(|(i, a)| {
            let bar = &bar;
            async move {
                let r = throttle::retry(|| portal.list_account_roles(token, &a.account_id)).await;
                bar.inc(1);
                r.map(|r| (i, r))
            }
        })
        .buffer_unordered(concurrency)
        .try_collect::<Vec<_>>()
        .await
        .map_err(|e: HttpError| Error::from(e))?;
    bar.finish_and_clear();
    let mut out = Vec::new();
    for (i, list) in roles {
        let a = &accounts[i];
        out.extend(list.into_iter().map(|r| Assignment {
            account_name: a.account_name.clone(),
            account_id: a.account_id.clone(),
            role_name: r.role_name,
        }));
    }
    Ok(out)
}
