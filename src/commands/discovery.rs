//! `ssoexec kubeconfig --all`: every EKS cluster the chosen profiles can reach. Role credentials
//! once per role, `ListClusters` (all pages) and `DescribeCluster` per region with bounded
//! concurrency and throttling retries, then one managed cluster/user/context per cluster
//! (`kube::kubeconfig::merge_managed`). A role or region without EKS is a warning, not a failure.
//! What to search and what each cluster becomes is planned in `kube::discovery`.
use crate::app::App;
use crate::aws::eks::{self, Cluster, EksError};
use crate::aws::endpoint::Service;
use crate::aws::throttle;
use crate::cli::{DiscoveryArgs, KubeconfigArgs, TargetArgs};
use crate::config::profile::{self, SsoTarget};
use crate::config::{edit, store};
use crate::credentials::Credentials;
use crate::credentials::sso::{LoginPermission, role_credentials, sso_token};
use crate::error::Error;
use crate::kube::discovery::{
    self as plan, CONTEXT_PLACEHOLDERS, Candidate, DiscoveryError, Filter, Named, Program, Search,
    Unit,
};
use crate::kube::kubeconfig::{self, ManagedEntry, Searched};
use crate::support::env::KUBECONFIG;
use crate::support::exit::ExitStatus;
use crate::support::progress::{count, progress};
use crate::support::template;
use crate::support::text::clean;
use std::collections::{BTreeMap, BTreeSet};
use tokio::sync::Semaphore;

pub async fn discover(
    app: &App,
    args: &KubeconfigArgs,
    target: &TargetArgs,
) -> Result<ExitStatus, Error> {
    let d = &args.discovery;
    let (filter, glob) = options(app, d, target)?;
    let units = plan::plan_units(candidates(app, glob.as_ref())?, &filter);
    for name in &units.no_region {
        app.printer.warn(format!(
            "profile {name} has no region; pass --regions to search it"
        ));
    }
    let units = units.units;
    if units.is_empty() {
        return Err(DiscoveryError::NothingToSearch.into());
    }
    let names = account_names(app, &units).await?;
    let searches = search_all(app, &units, d.concurrency).await?;
    let (command, api_version) =
        kubeconfig::exec_entry_program(args.command.as_deref(), args.exec_api_version.as_deref())?;
    let program = Program {
        command,
        api_version,
    };
    let named = plan::name_entries(&units, &searches, &d.context_name, &names, &program)
        .map_err(Error::Usage)?;
    for r in &named.refused {
        app.printer.warn(r.to_string());
    }
    if !named.shared.is_empty() {
        app.printer.info(format!(
            "{} reachable through more than one role got one context each, with the least privileged role (add {{role_name}} or {{profile}} to --context-name for one per role, or choose one with --role-name)",
            count(named.shared.len(), "cluster", "clusters")
        ));
    }
    let searched = plan::searched(&units, &searches);
    write(app, args, named, &searched).await
}

/// The search filter and profile glob from the flags, checked before any request.
fn options(
    app: &App,
    d: &DiscoveryArgs,
    target: &TargetArgs,
) -> Result<(Filter, Option<glob::Pattern>), Error> {
    template::validate(&d.context_name, &CONTEXT_PLACEHOLDERS)
        .map_err(|e| Error::Usage(format!("--context-name {e}")))?;
    for r in &d.regions {
        if let Some(w) = profile::validate_region("--regions", r, "from --regions", false)? {
            app.printer.warn(w);
        }
    }
    let glob = match &d.profile_glob {
        Some(g) => Some(
            glob::Pattern::new(g)
                .map_err(|e| Error::Usage(format!("--profile-glob {g:?}: {e}")))?,
        ),
        None => None,
    };
    let filter = Filter {
        account_id: target.account_id.clone(),
        role_name: target.role_name.clone(),
        regions: d.regions.clone(),
    };
    Ok((filter, glob))
}

/// The SSO profiles that may be searched: the generated ones (or those matching the glob);
/// credential_process twins and other profiles are left out, a broken one with a warning.
fn candidates(app: &App, glob: Option<&glob::Pattern>) -> Result<Vec<Candidate>, Error> {
    let cfg = &app.settings.config;
    let names: Vec<String> = match glob {
        Some(g) => cfg
            .config
            .profiles
            .keys()
            .filter(|p| g.matches(p))
            .cloned()
            .collect(),
        None => {
            let path = &cfg.config.path;
            let layout = edit::scan(&store::read(path)?).map_err(|source| {
                DiscoveryError::MalformedBlock {
                    path: path.clone(),
                    source,
                }
            })?;
            layout
                .profiles()
                .filter(|(_, s)| s.block.is_some())
                .map(|(n, _)| n.to_string())
                .collect()
        }
    };
    let mut out = Vec::new();
    for name in names {
        let section = cfg.profile(&name).unwrap_or_default();
        if !section.contains_key("sso_account_id") && !section.contains_key("sso_session") {
            continue; // a credential_process twin or a non-SSO profile
        }
        match profile::target_for_profile(cfg, &name) {
            Ok(target) => out.push(Candidate {
                region: section.get("region").cloned(),
                profile: name,
                target,
            }),
            Err(e) => app.printer.warn(format!("profile {name}: {e}; skipped")),
        }
    }
    Ok(out)
}

/// Account names for the template: one ListAccounts per session.
async fn account_names(app: &App, units: &[Unit]) -> Result<BTreeMap<String, String>, Error> {
    let mut sessions: BTreeMap<String, &SsoTarget> = BTreeMap::new();
    for u in units {
        sessions
            .entry(u.target.session.token_cache_key())
            .or_insert(&u.target);
    }
    let mut names = BTreeMap::new();
    for t in sessions.values() {
        let token = sso_token(app, &t.session, LoginPermission::for_caller(app)).await?;
        let portal = app.portal(&t.session.region)?;
        for a in throttle::retry(|| portal.list_accounts(&token.file.access_token)).await? {
            names.insert(a.account_id, a.account_name);
        }
    }
    Ok(names)
}

/// Every unit searched in each of its regions, at most `concurrency` requests in flight.
async fn search_all(app: &App, units: &[Unit], concurrency: u16) -> Result<Vec<Search>, Error> {
    let permits = Semaphore::new(usize::from(concurrency));
    let bar = progress(&app.printer, units.len() as u64, "roles searched");
    let results = futures_util::future::join_all(units.iter().enumerate().map(|(i, u)| {
        let (permits, bar) = (&permits, &bar);
        async move {
            let r = search(app, permits, i, u).await;
            bar.inc(1);
            r
        }
    }))
    .await;
    bar.finish_and_clear();
    let mut out = Vec::new();
    for r in results {
        out.extend(r?);
    }
    Ok(out)
}

/// The clusters of one role in each of its regions; a search EKS or the portal refuses is a
/// warning and an incomplete [`Search`], a login that cannot happen stops the run.
async fn search(
    app: &App,
    permits: &Semaphore,
    unit: usize,
    u: &Unit,
) -> Result<Vec<Search>, Error> {
    let who = format!(
        "account {} role {}",
        u.target.account_id, u.target.role_name
    );
    let creds = {
        let _p = permits.acquire().await.map_err(|_| Error::Interrupted)?;
        match role_credentials(app, &u.target, LoginPermission::for_caller(app)).await {
            Ok(c) => c,
            Err(e @ Error::LoginRequired { .. }) => return Err(e),
            Err(e) => {
                app.printer
                    .warn(format!("{who}: no role credentials ({e}); skipped"));
                let failed = u.regions().into_iter().map(|region| Search {
                    unit,
                    region,
                    clusters: Vec::new(),
                    complete: false,
                });
                return Ok(failed.collect());
            }
        }
    };
    let per_region = futures_util::future::join_all(u.regions().into_iter().map(|region| {
        let creds = &creds;
        async move {
            let r = search_region(app, permits, creds, &region).await;
            (region, r)
        }
    }))
    .await;
    let mut out = Vec::new();
    for (region, r) in per_region {
        let (clusters, refused) = r?;
        for e in &refused {
            app.printer
                .warn(clean(&format!("{who} in {region}: {e}; skipped")));
        }
        out.push(Search {
            unit,
            region,
            clusters,
            complete: refused.is_empty(),
        });
    }
    Ok(out)
}

/// The clusters of one region (ListClusters, then DescribeCluster of each; a cluster deleted in
/// between is left out), and what EKS refused: the listing, or the description of a cluster.
async fn search_region(
    app: &App,
    permits: &Semaphore,
    creds: &Credentials,
    region: &str,
) -> Result<(Vec<Cluster>, Vec<EksError>), Error> {
    let base = app.endpoint(Service::Eks, region)?;
    let listed = {
        let _p = permits.acquire().await.map_err(|_| Error::Interrupted)?;
        retry_eks(|| eks::list_clusters(&app.aws, &base, creds, region)).await
    };
    let names = match listed {
        Ok(n) => n,
        Err(e @ (EksError::ListDenied { .. } | EksError::Denied { .. })) => {
            return Ok((Vec::new(), vec![e]));
        }
        Err(e) => return Err(e.into()),
    };
    let described = futures_util::future::join_all(names.iter().map(|name| {
        let base = &base;
        async move {
            let _p = permits.acquire().await.map_err(|_| Error::Interrupted)?;
            Ok::<_, Error>(
                retry_eks(|| eks::describe_cluster(&app.aws, base, creds, region, name)).await,
            )
        }
    }))
    .await;
    let (mut clusters, mut refused) = (Vec::new(), Vec::new());
    for d in described {
        match d? {
            Ok(c) => clusters.push(c),
            Err(EksError::NotFound { .. }) => {}
            Err(e @ EksError::Denied { .. }) => refused.push(e),
            Err(e) => return Err(e.into()),
        }
    }
    Ok((clusters, refused))
}

/// Merges the entries into the kubeconfig under client-go's lock (kubectl and other ssoexec runs
/// wait) and reports; `--dry-run` prints the diff instead.
async fn write(
    app: &App,
    args: &KubeconfigArgs,
    named: Named,
    searched: &Searched,
) -> Result<ExitStatus, Error> {
    let path = kubeconfig::target_path(
        args.kubeconfig.as_deref(),
        app.env.get(KUBECONFIG),
        &app.settings.paths.home,
    );
    let path = crate::support::fs::canonicalize(&path).unwrap_or(path);
    let lock = if args.dry_run {
        None
    } else {
        Some(kubeconfig::FileLock::acquire(&path, &app.printer).await?)
    };
    let old_text = store::read(&path)?;
    let list: Vec<ManagedEntry> = named.entries;
    let (doc, change) = kubeconfig::merge_managed(
        kubeconfig::load(&path)?,
        &list,
        searched,
        args.discovery.prune,
        &path,
    )?;
    let new_text = kubeconfig::to_yaml(&doc, &path)?;
    for s in &change.skipped {
        app.printer.warn(format!(
            "{s}: a cluster, user or context you wrote has this name; left alone"
        ));
    }
    if !change.stale.is_empty() {
        app.printer.info(format!(
            "{} not found again and kept (--prune removes them): {}",
            count(change.stale.len(), "context was", "contexts were"),
            change.stale.join(", ")
        ));
    }
    let mut placed = named.places;
    for s in &change.skipped {
        placed.remove(s);
    }
    let accounts: BTreeSet<_> = placed.values().map(|(a, _)| a).collect();
    let regions: BTreeSet<_> = placed.values().map(|(_, r)| r).collect();
    // Every placed entry is new, updated (e.g. bound to another role) or unchanged.
    let summary = format!(
        "{} in {}, {}: {} new, {} updated, {} unchanged, {} removed",
        count(placed.len(), "cluster", "clusters"),
        count(accounts.len(), "account", "accounts"),
        count(regions.len(), "region", "regions"),
        change.added.len(),
        change.updated.len(),
        change.unchanged,
        change.removed.len()
    );
    if args.dry_run {
        let shown = path.display().to_string();
        let diff = similar::TextDiff::from_lines(&old_text, &new_text)
            .unified_diff()
            .header(&shown, &shown)
            .to_string();
        super::write_stdout(diff.as_bytes())?;
        app.printer
            .info(format!("dry run, nothing written: {summary}"));
        return Ok(unpruned(app, args.discovery.prune, searched));
    }
    if new_text != old_text {
        crate::support::atomic::write(&path, new_text.as_bytes())?;
    }
    drop(lock);
    app.printer.info(format!("{summary} ({})", path.display()));
    Ok(unpruned(app, args.discovery.prune, searched))
}

/// Under `--prune`, the searches that failed (their entries were kept): reported, and exit 1.
fn unpruned(app: &App, prune: bool, searched: &Searched) -> ExitStatus {
    /// How many failed searches the warning names.
    const SHOWN: usize = 10;
    let mut failed: Vec<String> = searched
        .failures()
        .map(|(p, r)| format!("{p} in {r}"))
        .collect();
    if !prune || failed.is_empty() {
        return ExitStatus::Success;
    }
    if failed.len() > SHOWN {
        let more = failed.len() - SHOWN;
        failed.truncate(SHOWN);
        failed.push(format!("and {more} more"));
    }
    app.printer.warn(clean(&format!(
        "not pruned where the search failed, their contexts are kept: {}",
        failed.join(", ")
    )));
    app.printer.info(
        "hint: run it again when EKS answers, or leave those out with --regions, --role-name or --profile-glob",
    );
    ExitStatus::Failure
}

/// [`throttle::retry`] for EKS calls, whose errors wrap the HTTP error.
async fn retry_eks<T, F, Fut>(mut call: F) -> Result<T, EksError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, EksError>>,
{
    let mut round = 0;
    loop {
        match call().await {
            Err(EksError::Http(e))
                if throttle::is_throttled(&e) && round < throttle::THROTTLE_ROUNDS =>
            {
                round += 1;
                tokio::time::sleep(throttle::backoff(round)).await;
            }
            other => return other,
        }
    }
}
