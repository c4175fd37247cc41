//! kubeconfig entries (`docs/eks.md#kubeconfig-exec-entries`): the cluster, the user whose `exec` runs
//! `ssoexec eks-token`, and the context joining them, merged into an existing file while every
//! other entry and key is kept. `merge` and `target_path` are pure; `load` reads the file.
use super::KubeError;
use super::exec_credential::ApiVersion;
use crate::support::printer::Printer;
use serde_yaml::{Mapping, Value};
use std::path::{Path, PathBuf};

/// How kubectl may run the plugin: interactive when it has a terminal, so a login can prompt.
pub const INTERACTIVE_MODE: &str = "IfAvailable";
/// Shown by kubectl when the command cannot be run.
pub const INSTALL_HINT: &str = "ssoexec signs in to AWS IAM Identity Center and prints EKS tokens. \
Install it and put it on PATH, or run `ssoexec kubeconfig` again to update the command path.";

/// The three entries `ssoexec kubeconfig` writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Name of the cluster entry (the cluster ARN).
    pub cluster: String,
    pub user: String,
    pub context: String,
    pub server: String,
    pub certificate_authority_data: Option<String>,
    pub exec: Exec,
}

/// The user's `exec` stanza.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exec {
    pub api_version: ApiVersion,
    pub command: String,
    pub args: Vec<String>,
}

/// What merging did to the context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Added,
    Updated,
}

/// What every exec entry a run writes calls: `command` (`--command`), else this ssoexec's own
/// path; and the ExecCredential version it asks for (`--exec-api-version`, default v1). One place
/// for `kubeconfig` and `kubeconfig --all`.
pub fn exec_entry_program(
    command: Option<&str>,
    api_version: Option<&str>,
) -> Result<(String, ApiVersion), KubeError> {
    let command = match command {
        Some(c) => c.to_string(),
        None => std::env::current_exe()
            .map_err(KubeError::OwnPath)?
            .display()
            .to_string(),
    };
    let api_version = match api_version {
        Some("v1beta1") => ApiVersion::V1Beta1,
        _ => ApiVersion::V1,
    };
    Ok((command, api_version))
}

/// Whether kubectl would reach `server` over TLS: only an `https://` URL (any case) keeps the
/// EKS token, a bearer credential, off the wire in clear text.
pub fn is_https(server: &str) -> bool {
    server
        .get(..8)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
}

/// The file to write: `--kubeconfig`, else the first entry of `KUBECONFIG`, else `~/.kube/config`.
pub fn target_path(flag: Option<&Path>, kubeconfig_env: Option<&str>, home: &Path) -> PathBuf {
    if let Some(p) = flag {
        return p.to_path_buf();
    }
    kubeconfig_env
        .and_then(|v| std::env::split_paths(v).find(|p| !p.as_os_str().is_empty()))
        .unwrap_or_else(|| home.join(".kube").join("config"))
}

/// The parsed file, `None` when it does not exist or is empty.
pub fn load(path: &Path) -> Result<Option<Value>, KubeError> {
    // A regular file only, bounded (`support::fs::read_regular`): a FIFO or `/dev/zero` is an
    // error, never a hang or a read without end.
    let read = crate::support::fs::read_regular(path, crate::support::fs::MAX_FILE)
        .map_err(|e| e.into_io())
        .and_then(|b| {
            b.map(String::from_utf8)
                .transpose()
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
        });
    let text = match read {
        Ok(Some(t)) => t,
        Ok(None) => return Ok(None),
        Err(e) => {
            return Err(KubeError::Read {
                path: path.to_path_buf(),
                source: e,
            });
        }
    };
    if text.trim().is_empty() {
        return Ok(None);
    }
    serde_yaml::from_str(&text)
        .map(Some)
        .map_err(|e| KubeError::Kubeconfig {
            path: path.to_path_buf(),
            why: e.to_string(),
        })
}

/// The YAML text of a kubeconfig document. A document that cannot be written is an error, never
/// an empty file over the user's.
pub fn to_yaml(doc: &Value, path: &Path) -> Result<String, KubeError> {
    serde_yaml::to_string(doc).map_err(|e| KubeError::Kubeconfig {
        path: path.to_path_buf(),
        why: format!("cannot write it as YAML: {e}"),
    })
}

/// How long a writer waits for another (ssoexec or kubectl) to release the kubeconfig lock.
pub const LOCK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
/// How often the lock is tried again.
const LOCK_RETRY: std::time::Duration = std::time::Duration::from_millis(25);

/// client-go's kubeconfig lock (`docs/eks.md#kubeconfig-lock-file`): `FILE.lock`, created with
/// `O_CREAT|O_EXCL` and removed when dropped, so ssoexec and kubectl writers exclude each other.
/// Read the file again after taking it: another writer may have changed it. A wait is said once
/// on stderr, as for ssoexec's other locks.
#[derive(Debug)]
pub struct FileLock {
    path: PathBuf,
}

impl FileLock {
    /// Creates the kubeconfig's directory (0700) first when it does not exist yet.
    pub async fn acquire(kubeconfig: &Path, printer: &Printer) -> Result<FileLock, KubeError> {
        if let Some(dir) = kubeconfig
            .parent()
            .filter(|d| !d.as_os_str().is_empty() && !d.is_dir())
        {
            crate::support::atomic::ensure_dir(dir)?;
        }
        let mut name = kubeconfig.as_os_str().to_owned();
        name.push(".lock");
        let path = PathBuf::from(name);
        let started = std::time::Instant::now();
        let mut said = false;
        loop {
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
            match opts.open(&path) {
                Ok(_) => return Ok(FileLock { path }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    if !std::mem::replace(&mut said, true) {
                        printer.info(format!(
                            "Waiting for another ssoexec or kubectl to finish writing {} (lock file {})",
                            kubeconfig.display(),
                            path.display()
                        ));
                    }
                    if started.elapsed() >= LOCK_TIMEOUT {
                        return Err(KubeError::Locked {
                            path,
                            secs: LOCK_TIMEOUT.as_secs(),
                        });
                    }
                    tokio::time::sleep(LOCK_RETRY).await;
                }
                Err(e) => {
                    return Err(KubeError::Read { path, source: e });
                }
            }
        }
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn key(k: &str) -> Value {
    Value::String(k.to_string())
}

fn mapping(pairs: Vec<(&str, Value)>) -> Value {
    Value::Mapping(pairs.into_iter().map(|(k, v)| (key(k), v)).collect())
}

fn string(s: &str) -> Value {
    Value::String(s.to_string())
}

fn cluster_value(e: &Entry) -> Value {
    let mut pairs = Vec::new();
    if let Some(ca) = &e.certificate_authority_data {
        pairs.push(("certificate-authority-data", string(ca)));
    }
    pairs.push(("server", string(&e.server)));
    mapping(pairs)
}

fn user_value(e: &Entry) -> Value {
    let exec = mapping(vec![
        ("apiVersion", string(e.exec.api_version.as_str())),
        (
            "args",
            Value::Sequence(e.exec.args.iter().map(|a| string(a)).collect()),
        ),
        ("command", string(&e.exec.command)),
        ("installHint", string(INSTALL_HINT)),
        ("interactiveMode", string(INTERACTIVE_MODE)),
    ]);
    mapping(vec![("exec", exec)])
}

fn context_value(e: &Entry) -> Value {
    mapping(vec![
        ("cluster", string(&e.cluster)),
        ("user", string(&e.user)),
    ])
}

/// Adds or replaces the named item of the list `list` (`clusters`, `users`, `contexts`) in place;
/// items are `{<field>: value, name: NAME}` as kubectl writes them. True when it was replaced.
fn upsert(
    root: &mut Mapping,
    list: &str,
    field: &str,
    name: &str,
    value: Value,
    path: &Path,
) -> Result<bool, KubeError> {
    let bad = |why: String| KubeError::Kubeconfig {
        path: path.to_path_buf(),
        why,
    };
    let slot = root.entry(key(list)).or_insert(Value::Null);
    if slot.is_null() {
        *slot = Value::Sequence(Vec::new());
    }
    let items = slot
        .as_sequence_mut()
        .ok_or_else(|| bad(format!("`{list}` is not a list")))?;
    let item = mapping(vec![(field, value), ("name", string(name))]);
    let existing = items
        .iter_mut()
        .find(|i| i.get("name").and_then(Value::as_str) == Some(name));
    match existing {
        Some(old) => {
            *old = item;
            Ok(true)
        }
        None => {
            items.push(item);
            Ok(false)
        }
    }
}

/// `doc` with `entry` added or updated and made the current context. Everything else is kept as
/// it was (order included); a missing document starts as an empty `kind: Config`. With
/// `managed` (profile, region) the three items carry the managed marker, so `kubeconfig --all`
/// later updates them as its own instead of leaving them alone.
pub fn merge(
    doc: Option<Value>,
    entry: &Entry,
    managed: Option<(&str, &str)>,
    path: &Path,
) -> Result<(Value, Change), KubeError> {
    let mark = |v: Value| match managed {
        Some((profile, region)) => with_marker(v, profile, region),
        None => v,
    };
    let mut doc = doc.unwrap_or_else(empty);
    let root = top_level(&mut doc, path)?;
    upsert(
        root,
        "clusters",
        "cluster",
        &entry.cluster,
        mark(cluster_value(entry)),
        path,
    )?;
    upsert(
        root,
        "users",
        "user",
        &entry.user,
        mark(user_value(entry)),
        path,
    )?;
    let replaced = upsert(
        root,
        "contexts",
        "context",
        &entry.context,
        mark(context_value(entry)),
        path,
    )?;
    root.insert(key("current-context"), string(&entry.context));
    Ok((
        doc,
        if replaced {
            Change::Updated
        } else {
            Change::Added
        },
    ))
}

/// The `extensions` item name marking the entries `ssoexec kubeconfig --all` manages.
pub const MANAGED_EXTENSION: &str = "ssoexec";

/// An entry `kubeconfig --all` manages, and the profile and region it was found with. Its
/// cluster, user and context all carry the name `entry.context`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManagedEntry {
    pub entry: Entry,
    pub profile: String,
    pub region: String,
}

/// What a `kubeconfig --all` run searched, by profile and region: only a managed entry whose
/// profile and region were searched completely may be called gone (and pruned).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Searched {
    covered: std::collections::BTreeSet<(String, String)>,
    failed: std::collections::BTreeSet<(String, String)>,
}

impl Searched {
    /// `profile` was searched completely in `region`.
    pub fn cover(&mut self, profile: &str, region: &str) {
        self.covered.insert((profile.into(), region.into()));
    }

    /// The search of `profile` in `region` failed or saw only part of it.
    pub fn fail(&mut self, profile: &str, region: &str) {
        self.failed.insert((profile.into(), region.into()));
    }

    /// The (profile, region) searches that failed, sorted.
    pub fn failures(&self) -> impl Iterator<Item = &(String, String)> {
        self.failed.iter()
    }

    /// Whether an entry of `profile` found in `region` was searched for completely. An entry
    /// marked without a region (written before regions were recorded) counts only when every
    /// search of its profile succeeded.
    pub fn covers(&self, profile: &str, region: Option<&str>) -> bool {
        match region {
            Some(r) => {
                let key = (profile.to_string(), r.to_string());
                self.covered.contains(&key) && !self.failed.contains(&key)
            }
            None => {
                self.covered.iter().any(|(p, _)| p == profile)
                    && !self.failed.iter().any(|(p, _)| p == profile)
            }
        }
    }
}

/// What merging managed entries did, by context name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ManagedChange {
    pub added: Vec<String>,
    pub updated: Vec<String>,
    pub unchanged: usize,
    /// Removed with `prune`.
    pub removed: Vec<String>,
    /// Managed entries of the chosen profiles no longer found, kept without `prune`.
    pub stale: Vec<String>,
    /// Names taken by entries the user wrote: left alone.
    pub skipped: Vec<String>,
}

fn managed_marker(profile: &str, region: &str) -> Value {
    Value::Sequence(vec![mapping(vec![
        (
            "extension",
            mapping(vec![
                ("managed", Value::Bool(true)),
                ("profile", string(profile)),
                ("region", string(region)),
            ]),
        ),
        ("name", string(MANAGED_EXTENSION)),
    ])])
}

/// The profile of a managed list item (`{<field>: {extensions: [...]}, name}`), `None` for an
/// item the user wrote.
pub fn managed_profile(item: &Value, field: &str) -> Option<String> {
    managed(item, field).map(|x| {
        x.get("profile")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    })
}

/// The region a managed list item was found in; `None` for an item the user wrote, or one
/// written before regions were recorded.
pub fn managed_region(item: &Value, field: &str) -> Option<String> {
    managed(item, field)?
        .get("region")
        .and_then(Value::as_str)
        .map(String::from)
}

/// The `ssoexec` extension of a managed list item.
fn managed<'a>(item: &'a Value, field: &str) -> Option<&'a Value> {
    item.get(field)?
        .get("extensions")?
        .as_sequence()?
        .iter()
        .find(|x| x.get("name").and_then(Value::as_str) == Some(MANAGED_EXTENSION))
        .and_then(|x| x.get("extension"))
        .filter(|x| x.get("managed").and_then(Value::as_bool) == Some(true))
}

fn with_marker(mut value: Value, profile: &str, region: &str) -> Value {
    if let Some(map) = value.as_mapping_mut() {
        map.insert(key("extensions"), managed_marker(profile, region));
    }
    value
}

const LISTS: [(&str, &str); 3] = [
    ("clusters", "cluster"),
    ("users", "user"),
    ("contexts", "context"),
];

/// A kubeconfig with nothing in it yet: what `merge` and `merge_managed` add to without a file.
fn empty() -> Value {
    mapping(vec![
        ("apiVersion", string("v1")),
        ("kind", string("Config")),
        ("preferences", Value::Mapping(Mapping::new())),
        ("clusters", Value::Sequence(Vec::new())),
        ("users", Value::Sequence(Vec::new())),
        ("contexts", Value::Sequence(Vec::new())),
    ])
}

/// The top-level mapping of a kubeconfig, or why `path` is not one.
fn top_level<'a>(doc: &'a mut Value, path: &Path) -> Result<&'a mut Mapping, KubeError> {
    doc.as_mapping_mut().ok_or_else(|| KubeError::Kubeconfig {
        path: path.to_path_buf(),
        why: "the top level is not a mapping".into(),
    })
}

fn list_mut<'a>(
    root: &'a mut Mapping,
    list: &str,
    path: &Path,
) -> Result<&'a mut Vec<Value>, KubeError> {
    let slot = root.entry(key(list)).or_insert(Value::Null);
    if slot.is_null() {
        *slot = Value::Sequence(Vec::new());
    }
    slot.as_sequence_mut().ok_or_else(|| KubeError::Kubeconfig {
        path: path.to_path_buf(),
        why: format!("`{list}` is not a list"),
    })
}

fn item_name(item: &Value) -> Option<&str> {
    item.get("name").and_then(Value::as_str)
}

/// `doc` with the managed `entries` added or updated in place. Managed entries the run
/// `searched` for but did not find are removed with `prune`, else kept; entries of a failed
/// search are kept either way; entries without the managed marker are never changed (a name
/// they hold is skipped). The current context is not changed.
pub fn merge_managed(
    doc: Option<Value>,
    entries: &[ManagedEntry],
    searched: &Searched,
    prune: bool,
    path: &Path,
) -> Result<(Value, ManagedChange), KubeError> {
    let mut doc = doc.unwrap_or_else(empty);
    let root = top_level(&mut doc, path)?;
    let mut change = ManagedChange::default();
    let mut sorted: Vec<&ManagedEntry> = entries.iter().collect();
    sorted.sort_by(|a, b| a.entry.context.cmp(&b.entry.context));
    let mut wanted = std::collections::BTreeSet::new();
    for m in sorted {
        let name = m.entry.context.as_str();
        let e = &m.entry;
        let values = [
            with_marker(cluster_value(e), &m.profile, &m.region),
            with_marker(user_value(e), &m.profile, &m.region),
            with_marker(context_value(e), &m.profile, &m.region),
        ];
        // A name the user wrote in any of the three lists stays theirs.
        let mut users_own = false;
        for (list, field) in LISTS {
            let items = list_mut(root, list, path)?;
            if items
                .iter()
                .any(|i| item_name(i) == Some(name) && managed_profile(i, field).is_none())
            {
                users_own = true;
            }
        }
        if users_own {
            change.skipped.push(name.to_string());
            continue;
        }
        wanted.insert(name.to_string());
        let mut existed = false;
        let mut same = true;
        for ((list, field), value) in LISTS.into_iter().zip(values) {
            let items = list_mut(root, list, path)?;
            let item = mapping(vec![(field, value), ("name", string(name))]);
            match items.iter_mut().find(|i| item_name(i) == Some(name)) {
                Some(old) => {
                    existed = true;
                    same &= *old == item;
                    *old = item;
                }
                None => {
                    same = false;
                    items.push(item);
                }
            }
        }
        if !existed {
            change.added.push(name.to_string());
        } else if same {
            change.unchanged += 1;
        } else {
            change.updated.push(name.to_string());
        }
    }
    // Managed entries that this run searched for and did not find.
    let contexts = list_mut(root, "contexts", path)?;
    let stale: Vec<String> = contexts
        .iter()
        .filter(|i| {
            managed_profile(i, "context")
                .is_some_and(|p| searched.covers(&p, managed_region(i, "context").as_deref()))
                && item_name(i).is_some_and(|n| !wanted.contains(n))
        })
        .filter_map(|i| item_name(i).map(String::from))
        .collect();
    if prune {
        for (list, field) in LISTS {
            let items = list_mut(root, list, path)?;
            items.retain(|i| {
                !(managed_profile(i, field).is_some()
                    && item_name(i).is_some_and(|n| stale.iter().any(|s| s == n)))
            });
        }
        change.removed = stale;
    } else {
        change.stale = stale;
    }
    Ok((doc, change))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Entry {
        Entry {
            cluster: "arn:aws:eks:eu-west-1:111111111111:cluster/prod".into(),
            user: "arn:aws:eks:eu-west-1:111111111111:cluster/prod".into(),
            context: "prod".into(),
            server: "https://prod.example".into(),
            certificate_authority_data: Some("Q0E=".into()),
            exec: Exec {
                api_version: ApiVersion::V1,
                command: "/usr/bin/ssoexec".into(),
                args: vec!["eks-token".into(), "--cluster-name".into(), "prod".into()],
            },
        }
    }

    #[test]
    fn new_file() {
        let (doc, change) = merge(None, &entry(), None, Path::new("k")).unwrap();
        assert_eq!(change, Change::Added);
        let want = format!(
            "apiVersion: v1
kind: Config
preferences: {{}}
clusters:
- cluster:
    certificate-authority-data: Q0E=
    server: https://prod.example
  name: arn:aws:eks:eu-west-1:111111111111:cluster/prod
users:
- user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      args:
      - eks-token
      - --cluster-name
      - prod
      command: /usr/bin/ssoexec
      installHint: {INSTALL_HINT}
      interactiveMode: IfAvailable
  name: arn:aws:eks:eu-west-1:111111111111:cluster/prod
contexts:
- context:
    cluster: arn:aws:eks:eu-west-1:111111111111:cluster/prod
    user: arn:aws:eks:eu-west-1:111111111111:cluster/prod
  name: prod
current-context: prod
"
        );
        assert_eq!(to_yaml(&doc, Path::new("config")).unwrap(), want);
    }

    /// Both merges start a missing file from the same empty kubeconfig and refuse one whose
    /// top level is not a mapping, naming the file.
    #[test]
    fn both_merges_start_empty_and_refuse_a_top_level_that_is_not_a_mapping() {
        let managed = ManagedEntry {
            entry: entry(),
            profile: "p".into(),
            region: "eu-west-1".into(),
        };
        let (doc, _) =
            merge_managed(None, &[], &Searched::default(), false, Path::new("k")).unwrap();
        assert_eq!(
            to_yaml(&doc, Path::new("k")).unwrap(),
            "apiVersion: v1\nkind: Config\npreferences: {}\nclusters: []\nusers: []\ncontexts: []\n"
        );
        let path = Path::new("/home/u/.kube/config");
        let list: Value = serde_yaml::from_str("- a\n- b\n").unwrap();
        let want = "/home/u/.kube/config is not a kubeconfig ssoexec can update: the top level is not a mapping";
        let err = merge(Some(list.clone()), &entry(), None, path).unwrap_err();
        assert_eq!(err.to_string(), want);
        let err =
            merge_managed(Some(list), &[managed], &Searched::default(), false, path).unwrap_err();
        assert_eq!(err.to_string(), want);
    }

    #[test]
    fn update_replaces_only_our_entries() {
        let text = "apiVersion: v1\nclusters:\n- cluster:\n    server: https://old\n  name: prod\n- cluster:\n    server: https://other\n  name: other\ncontexts: null\ncurrent-context: other\nkind: Config\nusers: []\n";
        let mut e = entry();
        e.cluster = "prod".into();
        let (doc, change) = merge(
            Some(serde_yaml::from_str(text).unwrap()),
            &e,
            None,
            Path::new("k"),
        )
        .unwrap();
        assert_eq!(change, Change::Added);
        let clusters = doc["clusters"].as_sequence().unwrap();
        assert_eq!(clusters.len(), 2);
        assert_eq!(clusters[0]["cluster"]["server"], "https://prod.example");
        assert_eq!(clusters[1]["cluster"]["server"], "https://other");
        assert_eq!(doc["current-context"], "prod");
        let (_, again) = merge(Some(doc), &e, None, Path::new("k")).unwrap();
        assert_eq!(again, Change::Updated);
    }

    #[test]
    fn rejects_what_is_not_a_kubeconfig() {
        assert!(
            merge(
                Some(serde_yaml::from_str("- a").unwrap()),
                &entry(),
                None,
                Path::new("k")
            )
            .is_err()
        );
        assert!(
            merge(
                Some(serde_yaml::from_str("users: 3").unwrap()),
                &entry(),
                None,
                Path::new("k")
            )
            .is_err()
        );
    }

    #[test]
    fn only_https_servers() {
        for (server, want) in [
            ("https://x.eks.amazonaws.com", true),
            ("HTTPS://X", true),
            ("https://", true),
            ("http://x.eks.amazonaws.com", false),
            ("HTTP://x", false),
            (" https://x", false),
            ("httpsx://x", false),
            ("x.eks.amazonaws.com", false),
            ("", false),
            ("ftp://x", false),
            ("https:/x", false),
        ] {
            assert_eq!(is_https(server), want, "{server:?}");
        }
    }

    #[test]
    fn path_precedence() {
        let home = Path::new("/home/u");
        // KUBECONFIG is a path list: `:`-separated on Unix, `;` on Windows (as kubectl reads it).
        let list = |s: &str| s.replace(':', if cfg!(windows) { ";" } else { ":" });
        assert_eq!(
            target_path(Some(Path::new("/x")), Some(&list("/a:/b")), home),
            PathBuf::from("/x")
        );
        assert_eq!(
            target_path(None, Some(&list(":/a:/b")), home),
            PathBuf::from("/a")
        );
        assert_eq!(
            target_path(None, None, home),
            PathBuf::from("/home/u/.kube/config")
        );
    }

    #[test]
    fn managed_entries_update_prune_and_spare_the_users() {
        let user = "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://mine\n  name: taken\ncontexts:\n- context:\n    cluster: taken\n    user: taken\n  name: taken\nusers: []\ncurrent-context: taken\n";
        let managed = |name: &str, profile: &str| {
            let mut e = entry();
            e.cluster = name.into();
            e.user = name.into();
            e.context = name.into();
            ManagedEntry {
                entry: e,
                profile: profile.into(),
                region: "eu-west-1".into(),
            }
        };
        let mut profiles = Searched::default();
        profiles.cover("p", "eu-west-1");
        let doc = Some(serde_yaml::from_str(user).unwrap());
        let (doc, c) = merge_managed(
            doc,
            &[managed("b", "p"), managed("a", "p"), managed("taken", "p")],
            &profiles,
            false,
            Path::new("k"),
        )
        .unwrap();
        assert_eq!(
            (c.added.clone(), c.skipped.clone()),
            (vec!["a".to_string(), "b".into()], vec!["taken".to_string()])
        );
        assert_eq!(doc["clusters"][0]["cluster"]["server"], "https://mine");
        assert_eq!(
            managed_profile(&doc["contexts"][1], "context").as_deref(),
            Some("p")
        );
        assert_eq!(managed_profile(&doc["contexts"][0], "context"), None);
        assert_eq!(doc["current-context"], "taken");
        let (again, c) = merge_managed(
            Some(doc.clone()),
            &[managed("a", "p"), managed("b", "p")],
            &profiles,
            false,
            Path::new("k"),
        )
        .unwrap();
        assert_eq!(
            (c.unchanged, to_yaml(&again, Path::new("k")).unwrap()),
            (2, to_yaml(&doc, Path::new("k")).unwrap())
        );
        let (kept, c) = merge_managed(
            Some(doc.clone()),
            &[managed("a", "p")],
            &profiles,
            false,
            Path::new("k"),
        )
        .unwrap();
        assert_eq!(
            (c.stale, to_yaml(&kept, Path::new("k")).unwrap()),
            (
                vec!["b".to_string()],
                to_yaml(&doc, Path::new("k")).unwrap()
            )
        );
        let mut other = Searched::default();
        other.cover("q", "eu-west-1");
        other.cover("p", "us-east-1");
        let (_, c) = merge_managed(Some(doc.clone()), &[], &other, true, Path::new("k")).unwrap();
        assert!(c.removed.is_empty(), "another profile, another region");
        let (pruned, c) = merge_managed(
            Some(doc),
            &[managed("a", "p")],
            &profiles,
            true,
            Path::new("k"),
        )
        .unwrap();
        assert_eq!(c.removed, ["b"]);
        for list in ["clusters", "users", "contexts"] {
            assert!(
                pruned[list]
                    .as_sequence()
                    .unwrap()
                    .iter()
                    .all(|i| i["name"] != "b"),
                "{list}"
            );
        }
        assert_eq!(pruned["clusters"][0]["name"], "taken");
    }

    #[test]
    fn only_a_complete_search_covers_an_entry() {
        let mut s = Searched::default();
        s.cover("dev", "eu-west-1");
        s.cover("dev", "us-east-1");
        s.fail("dev", "ap-south-1");
        s.cover("prod", "eu-west-1");
        s.fail("ops", "eu-west-1");
        let cases = [
            ("dev", Some("eu-west-1"), true),
            ("dev", Some("us-east-1"), true),
            ("dev", Some("ap-south-1"), false),
            ("dev", Some("sa-east-1"), false),
            ("dev", None, false),
            ("prod", None, true),
            ("prod", Some("us-east-1"), false),
            ("ops", Some("eu-west-1"), false),
            ("ops", None, false),
            ("nobody", None, false),
        ];
        for (profile, region, want) in cases {
            assert_eq!(s.covers(profile, region), want, "{profile} {region:?}");
        }
    }
}
