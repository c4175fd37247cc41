//! `kubeconfig --all` planning (`docs/eks.md#discovery-listclusters-and-managed-entries`): which
//! roles to search in which regions, which managed entry each cluster found becomes, and which
//! old entries a run may call gone. Pure: the command does the searching and the writing.
use super::kubeconfig::{Entry, Exec, ManagedEntry, Searched};
use crate::aws::eks::Cluster;
use crate::config::edit::BlockError;
use crate::config::profile::SsoTarget;
use crate::support::template;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// Placeholders of the context name template.
pub const CONTEXT_PLACEHOLDERS: [&str; 6] = [
    "account_name",
    "account_id",
    "role_name",
    "profile",
    "region",
    "cluster",
];

#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    #[error("no profile to search: no generated profiles match")]
    NothingToSearch,
    #[error("{} has a malformed ssoexec block", path.display())]
    MalformedBlock {
        path: PathBuf,
        #[source]
        source: BlockError,
    },
}

impl crate::error::Diagnostic for DiscoveryError {
    fn hint(&self) -> Option<String> {
        Some(match self {
            DiscoveryError::NothingToSearch => {
                "run `ssoexec generate` first, or choose profiles with --profile-glob".into()
            }
            DiscoveryError::MalformedBlock { .. } => {
                "fix or remove the BEGIN/END lines by hand, or choose profiles with --profile-glob"
                    .into()
            }
        })
    }
}
crate::diagnostic_error!(DiscoveryError);

/// An SSO profile that may be searched, with its own `region`.
#[derive(Clone, Debug)]
pub struct Candidate {
    pub profile: String,
    pub target: SsoTarget,
    pub region: Option<String>,
}

/// What narrows the search: `--account-id`, `--role-name`, `--regions`.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub account_id: Option<String>,
    pub role_name: Option<String>,
    pub regions: Vec<String>,
}

/// One role to look through: the first profile (by name) that uses it, which its entries call,
/// and the regions each chosen profile of that role wants searched.
#[derive(Clone, Debug)]
pub struct Unit {
    pub profile: String,
    pub target: SsoTarget,
    pub wanted: BTreeMap<String, BTreeSet<String>>,
}

impl Unit {
    /// Every region some profile of this role wants, once.
    pub fn regions(&self) -> BTreeSet<String> {
        self.wanted.values().flatten().cloned().collect()
    }
}

/// The roles to search, and the profiles left out for want of a region.
#[derive(Clone, Debug, Default)]
pub struct Units {
    pub units: Vec<Unit>,
    pub no_region: Vec<String>,
}

/// One unit per role (session, account, role) among `candidates` that pass `filter`; a profile
/// is searched in `--regions`, else in its own region.
pub fn plan_units(mut candidates: Vec<Candidate>, filter: &Filter) -> Units {
    candidates.sort_by(|a, b| a.profile.cmp(&b.profile));
    let mut out = Units::default();
    let mut by_role: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for c in candidates {
        if filter
            .account_id
            .as_ref()
            .is_some_and(|a| *a != c.target.account_id)
            || filter
                .role_name
                .as_ref()
                .is_some_and(|r| *r != c.target.role_name)
        {
            continue;
        }
        let wanted: BTreeSet<String> = if filter.regions.is_empty() {
            match c.region {
                Some(r) => [r].into(),
                None => {
                    out.no_region.push(c.profile);
                    continue;
                }
            }
        } else {
            filter.regions.iter().cloned().collect()
        };
        let key = (
            c.target.session.token_cache_key(),
            c.target.account_id.clone(),
            c.target.role_name.clone(),
        );
        match by_role.get(&key) {
            Some(&i) => {
                out.units[i].wanted.insert(c.profile, wanted);
            }
            None => {
                by_role.insert(key, out.units.len());
                out.units.push(Unit {
                    profile: c.profile.clone(),
                    target: c.target,
                    wanted: [(c.profile, wanted)].into(),
                });
            }
        }
    }
    out
}

/// What searching one unit in one region gave: the clusters found, and whether the search saw
/// them all (no role credentials, or EKS refusing a listing or a description, make it incomplete).
#[derive(Clone, Debug)]
pub struct Search {
    pub unit: usize,
    pub region: String,
    pub clusters: Vec<Cluster>,
    pub complete: bool,
}

/// Which profile and region pairs the searches covered, and which failed. A search counts for
/// every profile of its role that wants the region, and for the profile its entries name.
pub fn searched(units: &[Unit], searches: &[Search]) -> Searched {
    let mut out = Searched::default();
    for s in searches {
        let u = &units[s.unit];
        let wanting = u
            .wanted
            .iter()
            .filter(|(_, regions)| regions.contains(&s.region))
            .map(|(p, _)| p);
        for profile in wanting.chain([&u.profile]) {
            if s.complete {
                out.cover(profile, &s.region);
            } else {
                out.fail(profile, &s.region);
            }
        }
    }
    out
}

/// How privileged a role name sounds, lowest first: read-only and audit roles, then others,
/// then power users, then administrators. Of several roles that reach one cluster, the entry
/// calls the lowest (`--role-name` chooses one outright).
pub fn privilege_rank(role_name: &str) -> u8 {
    let r: String = role_name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    if ["readonly", "viewonly", "view", "read", "audit", "observ"]
        .iter()
        .any(|w| r.contains(w))
    {
        0
    } else if ["admin", "fullaccess", "owner"]
        .iter()
        .any(|w| r.contains(w))
    {
        3
    } else if r.contains("poweruser") {
        2
    } else {
        1
    }
}

/// What every exec entry of the run calls.
#[derive(Clone, Debug)]
pub struct Program {
    pub command: String,
    pub api_version: super::ApiVersion,
}

/// A cluster found that gets no entry, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refused {
    /// Still being created: no API endpoint yet.
    NoEndpoint {
        context: String,
        cluster: String,
        status: String,
    },
    /// kubectl would send the EKS token over plain HTTP.
    NotHttps {
        context: String,
        cluster: String,
        server: String,
    },
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::support::text::clean;
        match self {
            Refused::NoEndpoint {
                context,
                cluster,
                status,
            } => write!(
                f,
                "{}: cluster {} has no endpoint yet (status {}); skipped",
                clean(context),
                clean(cluster),
                clean(status)
            ),
            Refused::NotHttps {
                context,
                cluster,
                server,
            } => write!(
                f,
                "{}: cluster {} has the endpoint {}, not https://: kubectl would send the token in clear text; skipped",
                clean(context),
                clean(cluster),
                clean(server)
            ),
        }
    }
}

/// The entries a run writes, by context name.
#[derive(Clone, Debug, Default)]
pub struct Named {
    pub entries: Vec<ManagedEntry>,
    /// Account id and region of each entry, by context name (for the summary).
    pub places: BTreeMap<String, (String, String)>,
    /// Clusters (context names) that more than one role reaches: one entry each.
    pub shared: BTreeSet<String>,
    pub refused: Vec<Refused>,
}

/// One managed entry per context name: of the clusters that get one name, the least privileged
/// role wins ([`privilege_rank`]), then the first profile, region and cluster by name (so every
/// run chooses alike).
pub fn name_entries(
    units: &[Unit],
    searches: &[Search],
    template: &str,
    account_names: &BTreeMap<String, String>,
    program: &Program,
) -> Result<Named, String> {
    let mut found: Vec<(&Unit, &str, &Cluster)> = searches
        .iter()
        .flat_map(|s| {
            let u = &units[s.unit];
            s.clusters.iter().map(move |c| (u, s.region.as_str(), c))
        })
        .collect();
    found.sort_by(|a, b| {
        let key = |(u, r, c): &(&Unit, &str, &Cluster)| {
            (
                privilege_rank(&u.target.role_name),
                u.profile.clone(),
                r.to_string(),
                c.name.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    let mut out = Named::default();
    let mut taken = BTreeSet::new();
    for (u, region, cluster) in found {
        let t = &u.target;
        let account_name = account_names.get(&t.account_id).unwrap_or(&t.account_id);
        let name = template::render(
            template,
            &[
                ("account_name", account_name),
                ("account_id", &t.account_id),
                ("role_name", &t.role_name),
                ("profile", &u.profile),
                ("region", region),
                ("cluster", &cluster.name),
            ],
        )?;
        if !taken.insert(name.clone()) {
            out.shared.insert(name);
            continue;
        }
        match entry(&name, u, region, cluster, program) {
            Ok(e) => {
                out.places
                    .insert(name, (t.account_id.clone(), region.to_string()));
                out.entries.push(e);
            }
            Err(r) => out.refused.push(r),
        }
    }
    Ok(out)
}

/// The managed entry named `name` for `cluster`, or why it gets none.
fn entry(
    name: &str,
    u: &Unit,
    region: &str,
    cluster: &Cluster,
    program: &Program,
) -> Result<ManagedEntry, Refused> {
    let Some(server) = cluster.endpoint.clone() else {
        return Err(Refused::NoEndpoint {
            context: name.into(),
            cluster: cluster.name.clone(),
            status: cluster.status.clone(),
        });
    };
    if !super::kubeconfig::is_https(&server) {
        return Err(Refused::NotHttps {
            context: name.into(),
            cluster: cluster.name.clone(),
            server,
        });
    }
    let args = [
        "eks-token",
        "--cluster-name",
        &cluster.name,
        "--region",
        region,
        "--profile",
        &u.profile,
    ];
    Ok(ManagedEntry {
        entry: Entry {
            cluster: name.into(),
            user: name.into(),
            context: name.into(),
            server,
            certificate_authority_data: cluster.certificate_authority_data.clone(),
            exec: Exec {
                api_version: program.api_version,
                command: program.command.clone(),
                args: args.map(String::from).to_vec(),
            },
        },
        profile: u.profile.clone(),
        region: region.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::profile::SsoSession;

    fn target(account: &str, role: &str) -> SsoTarget {
        SsoTarget {
            session: SsoSession {
                name: Some("corp".into()),
                start_url: "https://corp.awsapps.com/start".into(),
                region: "eu-west-1".into(),
                scopes: None,
            },
            account_id: account.into(),
            role_name: role.into(),
        }
    }

    /// (profile, account, role, region) rows.
    fn candidates(rows: &[(&str, &str, &str, Option<&str>)]) -> Vec<Candidate> {
        rows.iter()
            .map(|(p, a, r, region)| Candidate {
                profile: (*p).into(),
                target: target(a, r),
                region: region.map(String::from),
            })
            .collect()
    }

    /// Each unit as `profile: account/role {profile: regions}`.
    fn shown(units: &Units) -> Vec<String> {
        units
            .units
            .iter()
            .map(|u| {
                let wanted: Vec<String> = u
                    .wanted
                    .iter()
                    .map(|(p, r)| {
                        format!("{p}={}", r.iter().cloned().collect::<Vec<_>>().join("+"))
                    })
                    .collect();
                format!(
                    "{}: {}/{} {}",
                    u.profile,
                    u.target.account_id,
                    u.target.role_name,
                    wanted.join(" ")
                )
            })
            .collect()
    }

    #[test]
    fn units_one_per_role_in_the_wanted_regions() {
        let rows = [
            ("dev.ReadOnly", "1", "ReadOnly", Some("eu-west-1")),
            ("dev.Admin", "1", "Admin", Some("eu-west-1")),
            ("dev-ro", "1", "ReadOnly", Some("us-east-1")),
            ("prod.ReadOnly", "2", "ReadOnly", None),
        ];
        let cases: [(Filter, &[&str], &[&str]); 3] = [
            (
                Filter::default(),
                &[
                    "dev-ro: 1/ReadOnly dev-ro=us-east-1 dev.ReadOnly=eu-west-1",
                    "dev.Admin: 1/Admin dev.Admin=eu-west-1",
                ],
                &["prod.ReadOnly"],
            ),
            (
                Filter {
                    regions: vec!["ap-south-1".into(), "eu-west-1".into()],
                    ..Filter::default()
                },
                &[
                    "dev-ro: 1/ReadOnly dev-ro=ap-south-1+eu-west-1 dev.ReadOnly=ap-south-1+eu-west-1",
                    "dev.Admin: 1/Admin dev.Admin=ap-south-1+eu-west-1",
                    "prod.ReadOnly: 2/ReadOnly prod.ReadOnly=ap-south-1+eu-west-1",
                ],
                &[],
            ),
            (
                Filter {
                    account_id: Some("1".into()),
                    role_name: Some("Admin".into()),
                    regions: vec![],
                },
                &["dev.Admin: 1/Admin dev.Admin=eu-west-1"],
                &[],
            ),
        ];
        for (filter, want, no_region) in cases {
            let units = plan_units(candidates(&rows), &filter);
            assert_eq!(shown(&units), want, "{filter:?}");
            assert_eq!(units.no_region, no_region, "{filter:?}");
        }
    }

    fn cluster(name: &str, endpoint: Option<&str>) -> Cluster {
        Cluster {
            name: name.into(),
            arn: format!("arn:aws:eks:eu-west-1:1:cluster/{name}"),
            endpoint: endpoint.map(String::from),
            certificate_authority_data: None,
            status: "ACTIVE".into(),
        }
    }

    /// (unit, region, cluster name, endpoint) rows, searched completely.
    fn searches(rows: &[(usize, &str, &str, Option<&str>)]) -> Vec<Search> {
        rows.iter()
            .map(|(unit, region, name, endpoint)| Search {
                unit: *unit,
                region: (*region).into(),
                clusters: vec![cluster(name, *endpoint)],
                complete: true,
            })
            .collect()
    }

    #[test]
    fn one_entry_per_name_chosen_alike_every_run() {
        let units = plan_units(
            candidates(&[
                ("dev.Admin", "1", "Admin", Some("eu-west-1")),
                ("dev.ReadOnly", "1", "ReadOnly", Some("eu-west-1")),
            ])
            .into_iter()
            .rev()
            .collect(),
            &Filter::default(),
        )
        .units;
        let program = Program {
            command: "ssoexec".into(),
            api_version: crate::kube::ApiVersion::V1,
        };
        let names: BTreeMap<String, String> = [("1".to_string(), "dev".to_string())].into();
        let found = searches(&[
            (1, "eu-west-1", "a", Some("https://a")),
            (0, "eu-west-1", "a", Some("https://a")),
            (0, "eu-west-1", "new", None),
            (0, "eu-west-1", "plain", Some("http://plain")),
        ]);
        // (template, (context, profile) of each entry, clusters shared by roles)
        type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], usize);
        let cases: [Case; 2] = [
            (
                "{account_name}/{region}/{cluster}",
                &[("dev/eu-west-1/a", "dev.ReadOnly")],
                1,
            ),
            (
                "{profile}:{cluster}",
                &[
                    ("dev.ReadOnly:a", "dev.ReadOnly"),
                    ("dev.Admin:a", "dev.Admin"),
                ],
                0,
            ),
        ];
        for (template, want, shared) in cases {
            let named = name_entries(&units, &found, template, &names, &program).unwrap();
            let got: Vec<(&str, &str)> = named
                .entries
                .iter()
                .map(|e| (e.entry.context.as_str(), e.profile.as_str()))
                .collect();
            assert_eq!(
                (got.as_slice(), named.shared.len()),
                (want, shared),
                "{template}"
            );
            let why: Vec<_> = named.refused.iter().map(|r| r.to_string()).collect();
            assert_eq!(why.len(), 2, "{template}: {why:?}");
            assert!(why[1].ends_with("has the endpoint http://plain, not https://: kubectl would send the token in clear text; skipped"), "{why:?}");
        }
        assert!(name_entries(&units, &found, "{nope}", &names, &program).is_err());
    }

    #[test]
    fn a_failed_search_covers_nothing() {
        let units = plan_units(
            candidates(&[
                ("dev-ro", "1", "ReadOnly", Some("us-east-1")),
                ("dev.ReadOnly", "1", "ReadOnly", Some("eu-west-1")),
                ("prod", "2", "ReadOnly", Some("eu-west-1")),
            ]),
            &Filter::default(),
        )
        .units;
        let search = |unit, region: &str, complete| Search {
            unit,
            region: region.into(),
            clusters: Vec::new(),
            complete,
        };
        let s = searched(
            &units,
            &[
                search(0, "eu-west-1", true),
                search(0, "us-east-1", false),
                search(1, "eu-west-1", false),
            ],
        );
        let cases = [
            ("dev-ro", "eu-west-1", true), // the profile the role's entries name
            ("dev.ReadOnly", "eu-west-1", true),
            ("dev-ro", "us-east-1", false),
            ("prod", "eu-west-1", false),
        ];
        for (profile, region, want) in cases {
            assert_eq!(s.covers(profile, Some(region)), want, "{profile} {region}");
        }
        let failed: Vec<_> = s.failures().cloned().collect();
        assert_eq!(
            failed,
            [
                ("dev-ro".to_string(), "us-east-1".to_string()),
                ("prod".into(), "eu-west-1".into())
            ]
        );
    }

    #[test]
    fn roles_ranked_least_privileged_first() {
        for (role, rank) in [
            ("ReadOnlyAccess", 0),
            ("ReadOnly", 0),
            ("read-only", 0),
            ("ViewOnlyAccess", 0),
            ("SecurityAudit", 0),
            ("Developer", 1),
            ("Billing", 1),
            ("PowerUserAccess", 2),
            ("Admin", 3),
            ("AdministratorAccess", 3),
            ("EKSFullAccess", 3),
        ] {
            assert_eq!(privilege_rank(role), rank, "{role}");
        }
    }
}
