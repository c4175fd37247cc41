//! The profiles `ssoexec generate` writes: only accounts and roles whose id and name AWS could
//! have sent (checked here, before anything is written), names from a template (normalised to
//! what a config header allows; a name already in the block keeps its account and role, a
//! newcomer gets `-2`, `-3`, … by sorted order), one managed block per sso-session whose first
//! line records the flags that reproduce it, and the plan of what a run adds, updates, keeps or
//! prunes. Pure: text and assignments in, text out.
use super::edit::{self, BlockError, Layout};
use crate::support::template;
use std::collections::{BTreeMap, BTreeSet};

/// Placeholders of `--name`.
pub const NAME_PLACEHOLDERS: [&str; 4] = ["account_name", "account_id", "role_name", "sso_session"];
/// The default `--name`.
pub const DEFAULT_NAME: &str = "{account_name}.{role_name}";
/// Suffix of the `credential_process` twin of a generated profile.
pub const TWIN_SUFFIX: &str = "-cp";
/// Keys `--set` may not give: the ones generate writes itself, and ones that would change what
/// the profile is (`docs/config.md#profile-and-sso-session-keys`).
const RESERVED_KEYS: [&str; 6] = [
    "sso_session",
    "sso_account_id",
    "sso_role_name",
    "sso_start_url",
    "sso_region",
    "credential_process",
];

/// One account × role the signed-in person can use.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Assignment {
    pub account_name: String,
    pub account_id: String,
    pub role_name: String,
}

/// An account or role a server sent that cannot become a profile: what AWS allows for the
/// field is checked before anything is written (`docs/portal.md#listaccounts`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unusable {
    #[error("account {name:?} ({id:?}): an account id is 12 digits")]
    AccountId { name: String, id: String },
    #[error(
        "account {name:?} ({id}): the role name {role:?} is not 1 to 64 letters, digits and +=,.@_-"
    )]
    RoleName {
        name: String,
        id: String,
        role: String,
    },
}

/// An AWS account id: 12 ASCII digits.
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// A permission-set (role) name, as IAM allows it: `[\w+=,.@-]{1,64}`.
pub fn is_role_name(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b))
}

/// Why `a` cannot become a profile, if it cannot.
pub fn unusable(a: &Assignment) -> Option<Unusable> {
    if !is_account_id(&a.account_id) {
        return Some(Unusable::AccountId {
            name: a.account_name.clone(),
            id: a.account_id.clone(),
        });
    }
    (!is_role_name(&a.role_name)).then(|| Unusable::RoleName {
        name: a.account_name.clone(),
        id: a.account_id.clone(),
        role: a.role_name.clone(),
    })
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct Spec {
    pub session: String,
    pub template: String,
    pub region: Option<String>,
    /// `--set key=value`, in the order given.
    pub extra: Vec<(String, String)>,
    pub credential_process: bool,
    pub prune: bool,
    pub skip_existing: bool,
    /// `--prune` may remove every generated profile (`--allow-empty`).
    pub allow_empty: bool,
}

/// The first line inside a managed block names the command that reproduces it.
const MANAGED_PREFIX: &str = "# Managed by `";
const MANAGED_SUFFIX: &str = "`: changes inside this block are replaced on the next run.";

impl Spec {
    /// The command that reproduces the block: every flag that shapes its profiles.
    pub fn command(&self) -> String {
        use crate::support::shell::word;
        let mut words = vec![
            "ssoexec generate --sso-session".to_string(),
            word(&self.session),
        ];
        if self.template != DEFAULT_NAME {
            words.extend(["--name".into(), word(&self.template)]);
        }
        if let Some(r) = &self.region {
            words.extend(["--region".into(), word(r)]);
        }
        for (k, v) in &self.extra {
            words.extend(["--set".into(), word(&format!("{k}={v}"))]);
        }
        if self.credential_process {
            words.push("--credential-process".into());
        }
        words.join(" ")
    }

    /// The block's first line (with its `\n`).
    pub fn header(&self) -> String {
        format!("{MANAGED_PREFIX}{}{MANAGED_SUFFIX}\n", self.command())
    }
}

/// What a block's first line says it was generated with: a re-run without these flags uses them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recorded {
    pub template: Option<String>,
    pub region: Option<String>,
    /// `--set` values as given (`key=value`).
    pub set: Vec<String>,
    pub credential_process: bool,
}

/// The flags recorded in the block of `session` in `text` (`None`: no block, or no such line).
pub fn recorded(text: &str, session: &str) -> Option<Recorded> {
    let layout = edit::scan(text).ok()?;
    let block = layout.block(session)?;
    let command = super::ini::lines(&text[block.start..block.end])
        .map(|(s, e, _)| text[block.start + s..block.start + e].trim())
        .find_map(|l| l.strip_prefix(MANAGED_PREFIX)?.strip_suffix(MANAGED_SUFFIX))?;
    let words = super::ini::shlex_split(command)?;
    let mut out = Recorded::default();
    let mut words = words.into_iter();
    while let Some(w) = words.next() {
        match w.as_str() {
            "--name" => out.template = words.next(),
            "--region" => out.region = words.next(),
            "--set" => out.set.extend(words.next()),
            "--credential-process" => out.credential_process = true,
            _ => {}
        }
    }
    Some(out)
}

/// A generated profile name that is also a profile the user wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clash {
    pub name: String,
    /// `account dev (111111111111), role ReadOnly`.
    pub assignment: String,
    /// Line of the user's section.
    pub line: usize,
}

/// The result of planning a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub text: String,
    pub added: Vec<String>,
    pub updated: Vec<String>,
    pub unchanged: usize,
    /// Dropped with `--prune`.
    pub removed: Vec<String>,
    /// No longer assigned, kept because `--prune` was not given.
    pub stale: Vec<String>,
    /// Skipped under `--skip-existing`.
    pub skipped: Vec<Clash>,
    /// Accounts and roles the server sent that cannot be written (never in `text`).
    pub unusable: Vec<Unusable>,
}

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("generated profile \"{}\" ({}) clashes with your [profile {}] at line {} of {path}", clash.name, clash.assignment, clash.name, clash.line)]
    Clash { clash: Clash, path: String },
    #[error("{path} has a malformed ssoexec block")]
    Block {
        path: String,
        #[source]
        source: BlockError,
    },
    #[error("--name {0}")]
    Template(String),
    #[error("--set {0}")]
    Set(String),
    /// The listing left nothing: pruning would remove every generated profile.
    #[error(
        "--prune would remove all {count} generated profiles of {path}: the server listed no usable account and role"
    )]
    PruneAll { count: usize, path: String },
}

/// Parses one `--set key=value`.
pub fn parse_set(raw: &str) -> Result<(String, String), GenerateError> {
    let (k, v) = raw
        .split_once('=')
        .ok_or_else(|| GenerateError::Set(format!("{raw:?} is not key=value")))?;
    let (k, v) = (k.trim(), v.trim());
    if k.is_empty()
        || !k
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(GenerateError::Set(format!("{k:?} is not a config key")));
    }
    if RESERVED_KEYS.contains(&k) {
        return Err(GenerateError::Set(format!(
            "{k} is written by generate itself"
        )));
    }
    if v.is_empty() || v.chars().any(char::is_control) || v.contains(" #") || v.contains(" ;") {
        return Err(GenerateError::Set(format!(
            "the value of {k} must be one line, not empty, without an inline comment"
        )));
    }
    Ok((k.to_string(), v.to_string()))
}

/// `raw` as a profile name a config header and a command line take unquoted: ASCII letters,
/// digits and `._-@+`; anything else becomes `-`, runs of `-` collapse, and `-`/`.` are trimmed
/// from the ends.
pub fn normalize(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        let c = if c.is_ascii_alphanumeric() || "._-@+".contains(c) {
            c
        } else {
            '-'
        };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    let trimmed = out.trim_matches(|c| c == '-' || c == '.');
    if trimmed.is_empty() {
        "profile".into()
    } else {
        trimmed.to_string()
    }
}

/// What the managed block held before this run: each profile's text and, for a generated (not
/// twin) profile, the account and role it signs in to.
#[derive(Debug, Default)]
pub struct OldBlock<'a> {
    pub sections: BTreeMap<&'a str, &'a str>,
    pub targets: BTreeMap<&'a str, (String, String)>,
}

impl<'a> OldBlock<'a> {
    pub fn read(text: &'a str, layout: &'a Layout, session: &str) -> OldBlock<'a> {
        let mut old = OldBlock::default();
        for (name, span) in layout.profiles() {
            if span.block.as_deref() != Some(session) {
                continue;
            }
            let raw = &text[span.start..span.body_end];
            old.sections.insert(name, raw);
            let keys =
                super::file::parse(raw, std::path::Path::new(""), super::file::FileKind::Config)
                    .ok()
                    .and_then(|f| f.profiles.into_values().next());
            if let Some(k) = keys
                && let (Some(id), Some(role)) = (k.get("sso_account_id"), k.get("sso_role_name"))
            {
                old.targets.insert(name, (id.clone(), role.clone()));
            }
        }
        old
    }

    /// The name the block already gives `a`, if the template still yields it (`base` or `base-N`).
    fn name_of(&self, a: &Assignment, base: &str) -> Option<&'a str> {
        self.targets
            .iter()
            .find(|(name, (id, role))| {
                *id == a.account_id
                    && *role == a.role_name
                    && (**name == base
                        || name
                            .strip_prefix(base)
                            .and_then(|r| r.strip_prefix('-'))
                            .is_some_and(|n| n.parse::<u32>().is_ok_and(|n| n >= 2)))
            })
            .map(|(name, _)| *name)
    }
}

/// Profile names for `assignments` (sorted), in that order: a name the block already gives an
/// assignment stays its name; every other gets the template rendered and normalised, or `-2`,
/// `-3`, … when that is taken, by sorted order. Names in the block are never given to another
/// account or role in the same run, so a newcomer cannot take over an existing profile.
pub fn names(
    spec: &Spec,
    assignments: &[Assignment],
    old: &OldBlock,
) -> Result<Vec<String>, GenerateError> {
    let mut bases = Vec::with_capacity(assignments.len());
    for a in assignments {
        let raw = template::render(
            &spec.template,
            &[
                ("account_name", &a.account_name),
                ("account_id", &a.account_id),
                ("role_name", &a.role_name),
                ("sso_session", &spec.session),
            ],
        )
        .map_err(GenerateError::Template)?;
        bases.push(normalize(&raw));
    }
    let kept: Vec<Option<&str>> = assignments
        .iter()
        .zip(&bases)
        .map(|(a, base)| old.name_of(a, base))
        .collect();
    let mut taken: BTreeSet<String> = old.sections.keys().map(|n| n.to_string()).collect();
    let mut out = Vec::with_capacity(assignments.len());
    for (base, kept) in bases.iter().zip(&kept) {
        if let Some(name) = kept {
            out.push(name.to_string());
            continue;
        }
        let mut name = base.clone();
        let mut n = 2;
        while taken.contains(&name) || (spec.credential_process && taken.contains(&twin(&name))) {
            name = format!("{base}-{n}");
            n += 1;
        }
        taken.insert(name.clone());
        taken.insert(twin(&name));
        out.push(name);
    }
    Ok(out)
}

pub fn twin(name: &str) -> String {
    format!("{name}{TWIN_SUFFIX}")
}

fn profile_section(spec: &Spec, name: &str, a: &Assignment) -> String {
    let mut s = format!(
        "{}\nsso_session = {}\nsso_account_id = {}\nsso_role_name = {}\n",
        edit::profile_header(name),
        spec.session,
        a.account_id,
        a.role_name
    );
    if let Some(r) = &spec.region {
        s.push_str(&format!("region = {r}\n"));
    }
    for (k, v) in &spec.extra {
        s.push_str(&format!("{k} = {v}\n"));
    }
    s
}

fn twin_section(spec: &Spec, name: &str) -> String {
    let mut s = format!(
        "{}\ncredential_process = ssoexec credential-process --profile {name}\n",
        edit::profile_header(&twin(name))
    );
    if let Some(r) = &spec.region {
        s.push_str(&format!("region = {r}\n"));
    }
    s
}

/// `account NAME (ID), role ROLE`, with control characters from the server removed.
fn describe(a: &Assignment) -> String {
    crate::support::text::clean(&format!(
        "account {} ({}), role {}",
        a.account_name, a.account_id, a.role_name
    ))
}

/// The assignments that can be written (sorted, without repeats), and why the others cannot.
fn usable(assignments: &[Assignment]) -> (Vec<Assignment>, Vec<Unusable>) {
    let mut sorted = assignments.to_vec();
    sorted.sort();
    sorted.dedup();
    let mut rejected: Vec<Unusable> = Vec::new();
    sorted.retain(|a| match unusable(a) {
        Some(u) => {
            if !rejected.contains(&u) {
                rejected.push(u);
            }
            false
        }
        None => true,
    });
    (sorted, rejected)
}

/// Plans a run: the new text of the file at `path` (only the block of `spec.session` changes)
/// and what changed. `assignments` need not be sorted.
pub fn plan(
    text: &str,
    path: &str,
    spec: &Spec,
    assignments: &[Assignment],
) -> Result<Plan, GenerateError> {
    let layout: Layout = edit::scan(text).map_err(|source| GenerateError::Block {
        path: path.to_string(),
        source,
    })?;
    let (usable, unusable) = usable(assignments);
    let old = OldBlock::read(text, &layout, &spec.session);
    let names = names(spec, &usable, &old)?;
    // Profiles the user wrote (anything outside this session's block).
    let user: BTreeMap<&str, usize> = layout
        .profiles()
        .filter(|(_, s)| s.block.as_deref() != Some(spec.session.as_str()))
        .map(|(n, s)| (n, s.line))
        .collect();
    let mut plan = Plan {
        unusable,
        ..Plan::default()
    };
    let mut new: BTreeMap<String, String> = BTreeMap::new();
    for (a, name) in usable.iter().zip(&names) {
        let mut sections = vec![(name.clone(), profile_section(spec, name, a))];
        // A twin is written with --credential-process, and kept while its profile is assigned.
        if spec.credential_process || old.sections.contains_key(twin(name).as_str()) {
            sections.push((twin(name), twin_section(spec, name)));
        }
        for (name, section) in sections {
            if let Some(&line) = user.get(name.as_str()) {
                let clash = Clash {
                    name,
                    assignment: describe(a),
                    line,
                };
                if !spec.skip_existing {
                    let path = path.to_string();
                    return Err(GenerateError::Clash { clash, path });
                }
                plan.skipped.push(clash);
                continue;
            }
            new.insert(name, section);
        }
    }
    compare(&old, &mut new, spec, &mut plan);
    if spec.prune && new.is_empty() && !plan.removed.is_empty() && !spec.allow_empty {
        return Err(GenerateError::PruneAll {
            count: plan.removed.len(),
            path: path.to_string(),
        });
    }
    plan.text = if new.is_empty() {
        edit::remove_block(text, &layout, &spec.session)
    } else {
        let mut inner = spec.header();
        for section in new.values() {
            inner.push('\n');
            inner.push_str(section);
        }
        edit::set_block(text, &layout, &spec.session, &inner)
    };
    Ok(plan)
}

/// Sorts the wanted sections into added, updated and unchanged against the old block; an old
/// section nobody wants is removed (`--prune`) or kept in `new` as stale.
fn compare(old: &OldBlock, new: &mut BTreeMap<String, String>, spec: &Spec, plan: &mut Plan) {
    for (name, section) in new.iter() {
        match old.sections.get(name.as_str()) {
            None => plan.added.push(name.clone()),
            // The file's own line ends (CRLF) are not a change.
            Some(o) if o.replace("\r\n", "\n") == *section => plan.unchanged += 1,
            Some(_) => plan.updated.push(name.clone()),
        }
    }
    for (name, raw) in &old.sections {
        if new.contains_key(*name) {
            continue;
        }
        if spec.prune {
            plan.removed.push(name.to_string());
        } else {
            plan.stale.push(name.to_string());
            new.insert(name.to_string(), raw.replace("\r\n", "\n"));
        }
    }
}

/// Profile names are written unquoted into a header and onto command lines.
pub fn check_profile_name(name: &str) -> Result<(), String> {
    if !name.is_empty() && normalize(name) == name {
        Ok(())
    } else {
        Err(format!(
            "the profile name {:?} may hold only letters, digits and ._-@+ (try {})",
            crate::support::text::clean(name),
            normalize(name)
        ))
    }
}

#[cfg(test)]
mod properties {
    use super::super::file::{FileKind, parse};
    use super::*;
    use proptest::prelude::*;

    /// Text a hostile server may send: printable, separators, every line end and control.
    fn hostile() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-zA-Z0-9_+=,.@-]{1,12}",
            "[0-9]{12}",
            "[\\PC\r\n\u{0}\u{b}\u{c}\u{1c}-\u{1f}\u{85}\u{2028}\\[\\]=:#; \"'-]{0,24}",
            Just("# END ssoexec generate sso-session=corp".to_string()),
        ]
    }

    proptest! {
        /// For any strings a server sends, the written config parses under botocore's rules
        /// (`config::ini`) to exactly the intended profiles and keys, and holds no control
        /// character but its line ends.
        #[test]
        fn any_server_strings_become_exactly_the_intended_profiles(
            list in proptest::collection::vec((hostile(), hostile(), hostile()), 0..6),
            mine in any::<bool>(),
        ) {
            let spec = Spec {
                session: "corp".into(),
                template: DEFAULT_NAME.into(),
                region: Some("eu-west-1".into()),
                extra: vec![],
                credential_process: true,
                prune: false,
                skip_existing: true,
                allow_empty: false,
            };
            let before = if mine { "[profile mine]\nregion = x\n" } else { "" };
            let list: Vec<Assignment> = list
                .into_iter()
                .map(|(n, id, r)| Assignment { account_name: n, account_id: id, role_name: r })
                .collect();
            let p = plan(before, "c", &spec, &list).unwrap();
            prop_assert!(!p.text.chars().any(|c| c.is_control() && c != '\n'), "{:?}", p.text);
            let parsed = parse(&p.text, "c".as_ref(), FileKind::Config).unwrap();
            let mut usable: Vec<&Assignment> = list.iter().filter(|a| unusable(a).is_none()).collect();
            usable.sort();
            usable.dedup();
            let mut want = BTreeMap::new();
            if mine {
                want.insert("mine".to_string(), BTreeMap::from([("region".to_string(), "x".to_string())]));
            }
            let names = names(&spec, &usable.iter().map(|a| (*a).clone()).collect::<Vec<_>>(), &OldBlock::default()).unwrap();
            for (a, name) in usable.iter().zip(&names) {
                want.insert(name.clone(), BTreeMap::from([
                    ("sso_session".to_string(), "corp".to_string()),
                    ("sso_account_id".to_string(), a.account_id.clone()),
                    ("sso_role_name".to_string(), a.role_name.clone()),
                    ("region".to_string(), "eu-west-1".to_string()),
                ]));
                want.insert(twin(name), BTreeMap::from([
                    ("credential_process".to_string(), format!("ssoexec credential-process --profile {name}")),
                    ("region".to_string(), "eu-west-1".to_string()),
                ]));
            }
            prop_assert_eq!(parsed.profiles, want);
            prop_assert!(parsed.sso_sessions.is_empty() && parsed.services.is_empty());
            // And the block is found again where it was written.
            let layout = edit::scan(&p.text).unwrap();
            prop_assert_eq!(layout.blocks.len(), usize::from(!usable.is_empty()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Spec {
        Spec {
            session: "corp".into(),
            template: DEFAULT_NAME.into(),
            region: Some("eu-west-1".into()),
            extra: vec![],
            credential_process: false,
            prune: false,
            skip_existing: false,
            allow_empty: false,
        }
    }

    fn a(name: &str, id: &str, role: &str) -> Assignment {
        Assignment {
            account_name: name.into(),
            account_id: id.into(),
            role_name: role.into(),
        }
    }

    #[test]
    fn normalises_names() {
        assert_eq!(
            normalize("My Account [prod].Admin"),
            "My-Account-prod-.Admin"
        );
        assert_eq!(normalize("  ]]]"), "profile");
        assert_eq!(normalize("a#b;c\"d'e"), "a-b-c-d-e");
        assert_eq!(normalize("dev.ReadOnly"), "dev.ReadOnly");
        assert_eq!(normalize("ünï"), "n");
    }

    #[test]
    fn collisions_by_sorted_order() {
        let s = spec();
        let list = [
            a("x y", "222222222222", "R"),
            a("x-y", "111111111111", "R"),
            a("x y", "333333333333", "R"),
        ];
        let mut sorted = list.to_vec();
        sorted.sort();
        assert_eq!(
            names(&s, &sorted, &OldBlock::default()).unwrap(),
            ["x-y.R", "x-y.R-2", "x-y.R-3"]
        );
        assert_eq!(sorted[0].account_id, "222222222222");
    }

    #[test]
    fn idempotent_and_prunes() {
        let s = spec();
        let first = plan(
            "[profile mine]\nregion = x\n",
            "c",
            &s,
            &[
                a("dev", "111111111111", "R"),
                a("prod", "222222222222", "R"),
            ],
        )
        .unwrap();
        assert_eq!(first.added, ["dev.R", "prod.R"]);
        let again = plan(
            &first.text,
            "c",
            &s,
            &[
                a("prod", "222222222222", "R"),
                a("dev", "111111111111", "R"),
            ],
        )
        .unwrap();
        assert_eq!(again.text, first.text);
        assert_eq!(again.unchanged, 2);
        let kept = plan(&first.text, "c", &s, &[a("dev", "111111111111", "R")]).unwrap();
        assert_eq!(kept.stale, ["prod.R"]);
        assert_eq!(kept.text, first.text);
        let pruned = plan(
            &first.text,
            "c",
            &Spec {
                prune: true,
                ..s.clone()
            },
            &[a("dev", "111111111111", "R")],
        )
        .unwrap();
        assert_eq!(pruned.removed, ["prod.R"]);
        assert!(!pruned.text.contains("prod.R"));
        assert!(
            pruned
                .text
                .starts_with("[profile mine]\nregion = x\n\n# BEGIN")
        );
    }

    #[test]
    fn clashes() {
        let s = spec();
        let err = plan(
            "[profile dev.R]\n",
            "/c",
            &s,
            &[a("dev", "111111111111", "R")],
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "generated profile \"dev.R\" (account dev (111111111111), role R) clashes with your [profile dev.R] at line 1 of /c"
        );
        let p = plan(
            "[profile dev.R]\n",
            "/c",
            &Spec {
                skip_existing: true,
                ..s
            },
            &[a("dev", "111111111111", "R")],
        )
        .unwrap();
        assert_eq!(p.skipped.len(), 1);
        assert_eq!(p.text, "[profile dev.R]\n");
    }

    #[test]
    fn a_name_in_the_block_keeps_its_account_and_newcomers_get_the_suffix() {
        let s = spec();
        let first = plan("", "c", &s, &[a("prod", "222222222222", "R")]).unwrap();
        // A new account also named prod, with a lower id, and one named " prod".
        let list = [
            a("prod", "222222222222", "R"),
            a("prod", "111111111111", "R"),
            a(" prod", "333333333333", "R"),
        ];
        let again = plan(&first.text, "c", &s, &list).unwrap();
        assert_eq!(again.added, ["prod.R-2", "prod.R-3"]);
        assert!(again.updated.is_empty());
        assert_eq!(again.unchanged, 1);
        let parsed =
            super::super::file::parse(&again.text, "c".as_ref(), super::super::FileKind::Config)
                .unwrap();
        assert_eq!(parsed.profiles["prod.R"]["sso_account_id"], "222222222222");
        // By sorted name: " prod" before "prod".
        assert_eq!(
            parsed.profiles["prod.R-2"]["sso_account_id"],
            "333333333333"
        );
        assert_eq!(
            parsed.profiles["prod.R-3"]["sso_account_id"],
            "111111111111"
        );
        // The real prod goes: its name is not handed to a newcomer in the same run.
        let gone = plan(
            &again.text,
            "c",
            &Spec {
                prune: true,
                ..s.clone()
            },
            &list[1..],
        )
        .unwrap();
        assert_eq!(gone.removed, ["prod.R"]);
        assert!(gone.added.is_empty() && gone.updated.is_empty());
    }

    #[test]
    fn the_header_records_the_flags_and_a_rerun_reproduces_the_block() {
        let s = Spec {
            template: "{account_id}-{role_name}".into(),
            extra: vec![("output".into(), "json".into())],
            credential_process: true,
            ..spec()
        };
        let first = plan("", "c", &s, &[a("dev", "111111111111", "R")]).unwrap();
        assert!(first.text.contains("# Managed by `ssoexec generate --sso-session corp --name '{account_id}-{role_name}' --region eu-west-1 --set output=json --credential-process`: changes inside this block are replaced on the next run.\n"), "{}", first.text);
        assert_eq!(
            recorded(&first.text, "corp").unwrap(),
            Recorded {
                template: Some("{account_id}-{role_name}".into()),
                region: Some("eu-west-1".into()),
                set: vec!["output=json".into()],
                credential_process: true,
            }
        );
        // Twins of assigned profiles stay even when a run does not ask for them.
        let bare = Spec {
            credential_process: false,
            ..s.clone()
        };
        let again = plan(&first.text, "c", &bare, &[a("dev", "111111111111", "R")]).unwrap();
        assert!(
            again.stale.is_empty() && again.removed.is_empty(),
            "{again:?}"
        );
        assert!(again.text.contains("[profile 111111111111-R-cp]"));
    }

    #[test]
    fn a_crlf_file_that_does_not_change_reports_nothing_updated() {
        let s = spec();
        let list = [
            a("dev", "111111111111", "R"),
            a("prod", "222222222222", "R"),
        ];
        let first = plan("[profile mine]\r\nregion = x\r\n", "c", &s, &list).unwrap();
        assert!(
            !first.text.replace("\r\n", "").contains('\n'),
            "{:?}",
            first.text
        );
        let again = plan(&first.text, "c", &s, &list).unwrap();
        assert_eq!(again.text, first.text);
        assert_eq!((again.updated.len(), again.unchanged), (0, 2));
        let kept = plan(&first.text, "c", &s, &list[..1]).unwrap();
        assert_eq!(
            (kept.updated.len(), kept.unchanged, kept.stale.len()),
            (0, 1, 1)
        );
        assert_eq!(kept.text, first.text);
    }

    #[test]
    fn a_prune_that_would_empty_the_block_needs_allow_empty() {
        let s = Spec {
            prune: true,
            ..spec()
        };
        let first = plan("", "/c", &s, &[a("dev", "111111111111", "R")]).unwrap();
        let err = plan(&first.text, "/c", &s, &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--prune would remove all 1 generated profiles of /c: the server listed no usable account and role"
        );
        let ok = plan(
            &first.text,
            "/c",
            &Spec {
                allow_empty: true,
                ..s
            },
            &[],
        )
        .unwrap();
        assert_eq!(ok.text, "");
    }

    #[test]
    fn server_strings_are_checked_before_they_are_written() {
        assert!(is_account_id("012345678901"));
        for bad in [
            "",
            "12345678901",
            "1234567890123",
            "12345678901\n",
            "١٢٣٤٥٦٧٨٩٠١٢",
        ] {
            assert!(!is_account_id(bad), "{bad:?}");
        }
        assert!(is_role_name("AWSAdministratorAccess+=,.@_-9"));
        for bad in [
            "",
            "a b",
            "a\nb",
            "a\rb",
            "a\0",
            "ü",
            &"a".repeat(65),
            "# END ssoexec generate sso-session=corp",
        ] {
            assert!(!is_role_name(bad), "{bad:?}");
        }
        let p = plan(
            "",
            "c",
            &spec(),
            &[
                a(
                    "evil",
                    "111111111111",
                    "R\n[profile pwn]\ncredential_process = sh -c id",
                ),
                a("evil\n[profile x]", "22222222222\r", "R"),
                a("ok", "333333333333", "R"),
            ],
        )
        .unwrap();
        assert_eq!(p.added, ["ok.R"]);
        assert_eq!(
            p.unusable.iter().map(|u| u.to_string()).collect::<Vec<_>>(),
            [
                "account \"evil\" (111111111111): the role name \"R\\n[profile pwn]\\ncredential_process = sh -c id\" is not 1 to 64 letters, digits and +=,.@_-",
                "account \"evil\\n[profile x]\" (\"22222222222\\r\"): an account id is 12 digits",
            ]
        );
    }

    #[test]
    fn set_values() {
        assert_eq!(
            parse_set("output=json").unwrap(),
            ("output".into(), "json".into())
        );
        assert!(parse_set("sso_session=x").is_err());
        assert!(parse_set("Output=json").is_err());
        assert!(parse_set("output=json # c").is_err());
        assert!(parse_set("output").is_err());
    }
}
