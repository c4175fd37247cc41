//! `ssoexec kubeconfig --all`: every EKS cluster the chosen profiles can reach. Role credentials
//! once per role, `ListClusters` (all pages) and `DescribeCluster` per region with bounded
//! concurrency and throttling retries, then one managed cluster/user/context per cluster
//! (`kube::kubeconfig::merge_managed`). A role or region without EKS is a warning, not a failure.
use super::kubeconfig::exec_entry_program;
use crate::app::App;
use crate::aws::eks::{self, EksError};
use crate::aws::endpoint::Service;
use crate::aws::throttle;
use crate::cli::{KubeconfigArgs, TargetArgs};
use crate::config::profile::{self, SsoTarget};
use crate::config::{edit, store};
use crate::credentials::sso::{LoginPermission, role_credentials, sso_token};
use crate::error::Error;
use crate::kube::kubeconfig::{self, Entry, Exec, ManagedEntry};
use crate::support::env::KUBECONFIG;
use crate::support::exit::ExitStatus;
use crate::support::template;
use crate::support::text::clean;
use std::collections::{BTreeMap, BTreeSet};
use tokio::sync::Semaphore;

/// Placeholders of `--context-name`.
const CONTEXT_PLACEHOLDERS: [&str; 6] = [
    "account_name",
    "account_id",
    "role_name",
    "profile",
    "region",
    "cluster",
];

/// One role to look through: the first profile (by name) that uses it, and the regions to search.
struct Unit {
    profile: String,
    target: SsoTarget,
    regions: BTreeSet<String>,
}

/// A cluster found, before it is named.
struct Found {
    unit: usize,
    region: String,
    cluster: eks::Cluster,
}

pub async fn discover(
    app: &App,
    args: &KubeconfigArgs,
    target: &TargetArgs,
) -> Result<ExitStatus, Error> {
    let d = &args.discovery;
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
    let (units, chosen) = units(app, target, glob.as_ref(), &d.regions)?;
    if units.is_empty() {
        return Err(Error::failed(
            "no profile to search: no generated profiles match",
            Some("run `ssoexec generate` first, or choose profiles with --profile-glob".into()),
        ));
    }

    // Account names for the template, one ListAccounts per session.
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let mut sessions: BTreeMap<String, &SsoTarget> = BTreeMap::new();
    for u in &units {
        sessions
            .entry(u.target.session.token_cache_key())
            .or_insert(&u.target);
    }
    for t in sessions.values() {
        let token = sso_token(app, &t.session, LoginPermission::for_caller(app)).await?;
        let portal = app.portal(&t.session.region)?;
        for a in throttle::retry(|| portal.list_accounts(&token.file.access_token)).await? {
            names.insert(a.account_id, a.account_name);
        }
    }

    let permits = Semaphore::new(usize::from(d.concurrency));
    let bar = super::generate::progress(app, units.len() as u64, "roles searched");
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
    let mut found = Vec::new();
    for r in results {
        found.extend(r?);
    }

    let (command, api_version) = exec_entry_program(args)?;
    // Sorted by profile, region and cluster, so the first of two with one name wins every time.
    found.sort_by(|a, b| {
        (&units[a.unit].profile, &a.region, &a.cluster.name).cmp(&(
            &units[b.unit].profile,
            &b.region,
            &b.cluster.name,
        ))
    });
    let mut entries: BTreeMap<String, ManagedEntry> = BTreeMap::new();
    // Context name → (account, region), for the summary.
    let mut placed: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut duplicates = 0;
    for f in &found {
        let u = &units[f.unit];
        let account_name = names
            .get(&u.target.account_id)
            .cloned()
            .unwrap_or_else(|| u.target.account_id.clone());
        let name = template::render(
            &d.context_name,
            &[
                ("account_name", &account_name),
                ("account_id", &u.target.account_id),
                ("role_name", &u.target.role_name),
                ("profile", &u.profile),
                ("region", &f.region),
                ("cluster", &f.cluster.name),
            ],
        )
        .map_err(Error::Usage)?;
        if entries.contains_key(&name) {
            duplicates += 1;
            continue;
        }
        let Some(server) = f.cluster.endpoint.clone() else {
            app.printer.warn(format!(
                "{}: cluster {} has no endpoint yet (status {}); skipped",
                name,
                clean(&f.cluster.name),
                clean(&f.cluster.status)
            ));
            continue;
        };
        let exec_args = vec![
            "eks-token".into(),
            "--cluster-name".into(),
            f.cluster.name.clone(),
            "--region".into(),
            f.region.clone(),
            "--profile".into(),
            u.profile.clone(),
        ];
        placed.insert(
            name.clone(),
            (u.target.account_id.clone(), f.region.clone()),
        );
        entries.insert(
            name.clone(),
            ManagedEntry {
                entry: Entry {
                    cluster: name.clone(),
                    user: name.clone(),
                    context: name,
                    server,
                    certificate_authority_data: f.cluster.certificate_authority_data.clone(),
                    exec: Exec {
                        api_version,
                        command: command.clone(),
                        args: exec_args,
                    },
                },
                profile: u.profile.clone(),
            },
        );
    }
    if duplicates > 0 {
        app.printer.info(format!(
            "{} reachable through more than one profile got one context each (add {{role_name}} or {{profile}} to --context-name for one per role)",
            count(duplicates, "cluster", "clusters")
        ));
    }

    let path = kubeconfig::target_path(
        args.kubeconfig.as_deref(),
        app.env.get(KUBECONFIG),
        &app.settings.paths.home,
    );
    let path = std::fs::canonicalize(&path).unwrap_or(path);
    // Read, merge and write under client-go's lock (kubectl and other ssoexec runs wait).
    let lock = if args.dry_run {
        None
    } else {
        Some(kubeconfig::FileLock::acquire(&path).await?)
    };
    let old_text = store::read(&path)?;
    let list: Vec<ManagedEntry> = entries.into_values().collect();
    let (doc, change) =
        kubeconfig::merge_managed(kubeconfig::load(&path)?, &list, &chosen, d.prune, &path)?;
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
    for s in &change.skipped {
        placed.remove(s);
    }
    let accounts: BTreeSet<&String> = placed.values().map(|(a, _)| a).collect();
    let regions: BTreeSet<&String> = placed.values().map(|(_, r)| r).collect();
    let summary = format!(
        "{} in {}, {}; {} new, {} removed",
        count(placed.len(), "cluster", "clusters"),
        count(accounts.len(), "account", "accounts"),
        count(regions.len(), "region", "regions"),
        change.added.len(),
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
        return Ok(ExitStatus::Success);
    }
    if new_text != old_text {
        crate::support::atomic::write(&path, new_text.as_bytes())?;
    }
    drop(lock);
    app.printer.info(format!("{summary} ({})", path.display()));
    Ok(ExitStatus::Success)
}

/// The roles to search: generated profiles (or those matching the glob), filtered by
/// `--account-id`/`--role-name`, one unit per role. Also returns every chosen profile name.
fn units(
    app: &App,
    target: &TargetArgs,
    glob: Option<&glob::Pattern>,
    regions: &[String],
) -> Result<(Vec<Unit>, BTreeSet<String>), Error> {
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
            let text = store::read(&app.settings.config.config.path)?;
            let layout = edit::scan(&text).map_err(|e| {
                Error::caused(
                    format!(
                        "{} has a malformed ssoexec block",
                        cfg.config.path.display()
                    ),
                    None,
                    e,
                )
            })?;
            let mut n: Vec<String> = layout
                .profiles()
                .filter(|(_, s)| s.block.is_some())
                .map(|(n, _)| n.to_string())
                .collect();
            n.sort();
            n
        }
    };
    let mut units: Vec<Unit> = Vec::new();
    let mut by_role: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    let mut chosen = BTreeSet::new();
    for name in names {
        let section = cfg.profile(&name).unwrap_or_default();
        if !section.contains_key("sso_account_id") && !section.contains_key("sso_session") {
            continue; // a credential_process twin or a non-SSO profile
        }
        let t = match profile::target_for_profile(cfg, &name) {
            Ok(t) => t,
            Err(e) => {
                app.printer.warn(format!("profile {name}: {e}; skipped"));
                continue;
            }
        };
        if target
            .account_id
            .as_ref()
            .is_some_and(|a| *a != t.account_id)
            || target.role_name.as_ref().is_some_and(|r| *r != t.role_name)
        {
            continue;
        }
        let wanted: BTreeSet<String> = if regions.is_empty() {
            match section.get("region") {
                Some(r) => [r.clone()].into(),
                None => {
                    app.printer.warn(format!(
                        "profile {name} has no region; pass --regions to search it"
                    ));
                    continue;
                }
            }
        } else {
            regions.iter().cloned().collect()
        };
        // Only profiles searched in this run are pruned.
        chosen.insert(name.clone());
        let key = (
            t.session.token_cache_key(),
            t.account_id.clone(),
            t.role_name.clone(),
        );
        match by_role.get(&key) {
            Some(&i) => units[i].regions.extend(wanted),
            None => {
                by_role.insert(key, units.len());
                units.push(Unit {
                    profile: name,
                    target: t,
                    regions: wanted,
                });
            }
        }
    }
    Ok((units, chosen))
}

/// The clusters of one role in its regions; EKS refusals become warnings.
async fn search(
    app: &App,
    permits: &Semaphore,
    unit: usize,
    u: &Unit,
) -> Result<Vec<Found>, Error> {
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
                return Ok(Vec::new());
            }
        }
    };
    let per_region = futures_util::future::join_all(u.regions.iter().map(|region| {
        let creds = &creds;
        let who = &who;
        async move {
            let base = app.endpoint(Service::Eks, region)?;
            let listed = {
                let _p = permits.acquire().await.map_err(|_| Error::Interrupted)?;
                retry_eks(|| eks::list_clusters(&app.aws, &base, creds, region)).await
            };
            let names = match listed {
                Ok(n) => n,
                Err(e @ (EksError::ListDenied { .. } | EksError::Denied { .. })) => {
                    app.printer
                        .warn(clean(&format!("{who} in {region}: {e}; skipped")));
                    return Ok(Vec::new());
                }
                Err(e) => return Err(Error::from(e)),
            };
            let described = futures_util::future::join_all(names.iter().map(|name| {
                let base = &base;
                async move {
                    let _p = permits.acquire().await.map_err(|_| Error::Interrupted)?;
                    match retry_eks(|| eks::describe_cluster(&app.aws, base, creds, region, name))
                        .await
                    {
                        Ok(c) => Ok(Some(c)),
                        Err(e @ (EksError::Denied { .. } | EksError::NotFound { .. })) => {
                            app.printer
                                .warn(clean(&format!("{who} in {region}: {e}; skipped")));
                            Ok(None)
                        }
                        Err(e) => Err(Error::from(e)),
                    }
                }
            }))
            .await;
            let mut out = Vec::new();
            for d in described {
                if let Some(cluster) = d? {
                    out.push(Found {
                        unit,
                        region: region.clone(),
                        cluster,
                    });
                }
            }
            Ok::<_, Error>(out)
        }
    }))
    .await;
    let mut out = Vec::new();
    for r in per_region {
        out.extend(r?);
    }
    Ok(out)
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

/// `1 cluster`, `2 clusters`.
pub(super) fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
