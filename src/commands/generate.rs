//! `ssoexec generate`: one login, every account (ListAccounts, all pages) and its roles
//! (ListAccountRoles, all pages, with bounded concurrency and throttling retries), then one
//! profile per account × role in the sso-session's managed block (`config::generated`).
use crate::app::App;
use crate::aws::client::HttpError;
use crate::aws::portal::{Account, Portal, Role};
use crate::aws::throttle;
use crate::cli::{GenerateArgs, TargetArgs};
use crate::config::edit;
use crate::config::generated::{self, Assignment, GenerateError, Plan, Recorded, Spec, Unusable};
use crate::config::profile;
use crate::config::store;
use crate::credentials::sso::{LoginPermission, sso_token};
use crate::error::{Diagnostic, Error};
use crate::login::session::choose_session;
use crate::settings::Source;
use crate::support::exit::ExitStatus;
use crate::support::progress::{count, progress};
use crate::support::secret::Secret;
use crate::support::text::clean;
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
            GenerateError::PruneAll { .. } => "check what the sign-in can see with `ssoexec accounts`; to remove them all anyway, add --allow-empty".into(),
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

/// What the server listed: the assignments, and the accounts whose id cannot be written.
struct Listing {
    assignments: Vec<Assignment>,
    unusable: Vec<Unusable>,
    accounts: usize,
}

pub async fn generate(
    app: &App,
    args: &GenerateArgs,
    target: &TargetArgs,
) -> Result<ExitStatus, Error> {
    // Check what the person typed before signing in.
    let flags = Flags::from_args(app, args)?;
    let choice = choose_session(app, target, false, target.profile.as_deref())?;
    let session = &choice.session;
    let session_name = session.name.clone().unwrap_or_default();
    let path = store::target(&app.settings.config.config.path);

    let token = sso_token(app, session, LoginPermission::for_caller(app)).await?;
    let portal = app.portal(&session.region)?;
    let started = std::time::Instant::now();
    let listing = list(
        app,
        &portal,
        &token.file.access_token,
        usize::from(args.concurrency),
    )
    .await?;
    app.printer.debug(format!(
        "listed {} roles in {} accounts in {} ms",
        listing.assignments.len(),
        listing.accounts,
        started.elapsed().as_millis()
    ));

    // Read, plan and write under the config's lock: a concurrent writer's change is kept.
    let _lock = store::lock(&path, &app.printer).await?;
    let old = store::read(&path)?;
    let base = match &choice.new_section {
        Some(s) => edit::append(&old, s),
        None => old.clone(),
    };
    let spec = flags.spec(
        session_name.clone(),
        generated::recorded(&old, &session_name),
    )?;
    let shown = path.display().to_string();
    let plan = generated::plan(&base, &shown, &spec, &listing.assignments)?;
    report(app, &plan, &listing.unusable);
    let summary = format!(
        "{} in {}: {} new, {} updated, {} unchanged, {} removed",
        count(listing.assignments.len(), "role", "roles"),
        count(listing.accounts, "account", "accounts"),
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

/// The flags that shape the profiles, checked before signing in.
struct Flags {
    template: Option<String>,
    region: Option<String>,
    extra: Vec<(String, String)>,
    credential_process: bool,
    prune: bool,
    skip_existing: bool,
    allow_empty: bool,
}

impl Flags {
    fn from_args(app: &App, args: &GenerateArgs) -> Result<Flags, Error> {
        check_template(&args.name)?;
        Ok(Flags {
            // The default template is no choice: what the block recorded wins over it.
            template: (args.name != generated::DEFAULT_NAME).then(|| args.name.clone()),
            region: app
                .settings
                .region
                .as_ref()
                .filter(|r| matches!(r.source, Source::Flag(_)))
                .map(|r| r.value.clone()),
            extra: parse_sets(&args.set)?,
            credential_process: args.credential_process,
            prune: args.prune,
            skip_existing: args.skip_existing,
            allow_empty: args.allow_empty,
        })
    }

    /// The run's spec: these flags, and for each one not given, what the block recorded (so a
    /// re-run without flags reproduces the block).
    fn spec(self, session: String, recorded: Option<Recorded>) -> Result<Spec, Error> {
        let recorded = recorded.unwrap_or_default();
        let template = match (self.template, recorded.template) {
            (Some(t), _) => t,
            (None, Some(t)) => {
                check_template(&t)?;
                t
            }
            (None, None) => generated::DEFAULT_NAME.to_string(),
        };
        let region = match (self.region, recorded.region) {
            (Some(r), _) => Some(r),
            (None, Some(r)) => {
                profile::validate_region("region", &r, "recorded in the managed block", true)?;
                Some(r)
            }
            (None, None) => None,
        };
        let extra = if self.extra.is_empty() {
            parse_sets(&recorded.set)?
        } else {
            self.extra
        };
        Ok(Spec {
            session,
            template,
            region,
            extra,
            credential_process: self.credential_process || recorded.credential_process,
            prune: self.prune,
            skip_existing: self.skip_existing,
            allow_empty: self.allow_empty,
        })
    }
}

/// A `--name` template: known placeholders, one line (it is recorded in the block's header).
fn check_template(template: &str) -> Result<(), GenerateError> {
    if template.chars().any(char::is_control) {
        return Err(GenerateError::Template(format!(
            "{:?} holds a control character",
            template
        )));
    }
    crate::support::template::validate(template, &generated::NAME_PLACEHOLDERS)
        .map_err(GenerateError::Template)
}

fn parse_sets(raw: &[String]) -> Result<Vec<(String, String)>, GenerateError> {
    raw.iter().map(|s| generated::parse_set(s)).collect()
}

/// Says what the plan skipped and keeps.
fn report(app: &App, plan: &Plan, unusable: &[Unusable]) {
    for u in unusable.iter().chain(&plan.unusable) {
        app.printer.warn(clean(&format!("skipped {u}")));
    }
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
}

/// Every account × role of the token: the accounts page by page, then each account's roles with
/// at most `concurrency` requests in flight, a progress bar on a terminal. An account whose id is
/// not an account id is not asked about.
async fn list(
    app: &App,
    portal: &Portal<'_>,
    token: &Secret,
    concurrency: usize,
) -> Result<Listing, Error> {
    let all = throttle::retry(|| portal.list_accounts(token)).await?;
    let total = all.len();
    let (accounts, bad): (Vec<Account>, Vec<Account>) = all
        .into_iter()
        .partition(|a| generated::is_account_id(&a.account_id));
    let unusable = bad
        .into_iter()
        .map(|a| Unusable::AccountId {
            name: a.account_name,
            id: a.account_id,
        })
        .collect();
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
    Ok(Listing {
        assignments: out,
        unusable,
        accounts: total,
    })
}
