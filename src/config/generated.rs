//! The profiles `ssoexec generate` writes: names from a template (normalised to what a config
//! header allows, collisions resolved by sorted order), one managed block per sso-session, and
//! the plan of what a run adds, updates, keeps or prunes. Pure: text and assignments in, text out.
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

/// Profile names for `assignments` (sorted), in that order: the template rendered and
/// normalised; a name already taken gets `-2`, `-3`, … by sorted order.
pub fn names(spec: &Spec, assignments: &[Assignment]) -> Result<Vec<String>, GenerateError> {
    let mut taken = BTreeSet::new();
    let mut out = Vec::with_capacity(assignments.len());
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
        let base = normalize(&raw);
        let mut name = base.clone();
        let mut n = 2;
        while taken.contains(&name) || (spec.credential_process && taken.contains(&twin(&name))) {
            name = format!("{base}-{n}");
            n += 1;
        }
        taken.insert(name.clone());
        if spec.credential_process {
            taken.insert(twin(&name));
        }
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
    let mut sorted = assignments.to_vec();
    sorted.sort();
    sorted.dedup();
    let names = names(spec, &sorted)?;

    // Profiles the user wrote (anything outside this session's block).
    let user: BTreeMap<&str, usize> = layout
        .profiles()
        .filter(|(_, s)| s.block.as_deref() != Some(spec.session.as_str()))
        .map(|(n, s)| (n, s.line))
        .collect();
    let old: BTreeMap<&str, &str> = layout
        .profiles()
        .filter(|(_, s)| s.block.as_deref() == Some(spec.session.as_str()))
        .map(|(n, s)| (n, &text[s.start..s.body_end]))
        .collect();

    let mut plan = Plan::default();
    let mut new: BTreeMap<String, String> = BTreeMap::new();
    let mut wanted = |name: String,
                      section: String,
                      a: &Assignment,
                      plan: &mut Plan|
     -> Result<(), GenerateError> {
        if let Some(&line) = user.get(name.as_str()) {
            let clash = Clash {
                name: name.clone(),
                assignment: describe(a),
                line,
            };
            if spec.skip_existing {
                plan.skipped.push(clash);
                return Ok(());
            }
            return Err(GenerateError::Clash {
                clash,
                path: path.to_string(),
            });
        }
        new.insert(name, section);
        Ok(())
    };
    for (a, name) in sorted.iter().zip(&names) {
        wanted(name.clone(), profile_section(spec, name, a), a, &mut plan)?;
        if spec.credential_process {
            wanted(twin(name), twin_section(spec, name), a, &mut plan)?;
        }
    }
    for (name, section) in &new {
        match old.get(name.as_str()) {
            None => plan.added.push(name.clone()),
            Some(o) if *o == section.as_str() => plan.unchanged += 1,
            Some(_) => plan.updated.push(name.clone()),
        }
    }
    for (name, raw) in &old {
        if new.contains_key(*name) {
            continue;
        }
        if spec.prune {
            plan.removed.push(name.to_string());
        } else {
            plan.stale.push(name.to_string());
            new.insert(name.to_string(), raw.to_string());
        }
    }
    plan.text = if new.is_empty() {
        edit::remove_block(text, &layout, &spec.session)
    } else {
        let mut inner = format!(
            "# Managed by `ssoexec generate --sso-session {}`: changes inside this block are replaced on the next run.\n",
            spec.session
        );
        for section in new.values() {
            inner.push('\n');
            inner.push_str(section);
        }
        edit::set_block(text, &layout, &spec.session, &inner)
    };
    Ok(plan)
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
        let list = [a("x y", "2", "R"), a("x-y", "1", "R"), a("x y", "3", "R")];
        let mut sorted = list.to_vec();
        sorted.sort();
        assert_eq!(names(&s, &sorted).unwrap(), ["x-y.R", "x-y.R-2", "x-y.R-3"]);
        assert_eq!(sorted[0].account_id, "2");
    }

    #[test]
    fn idempotent_and_prunes() {
        let s = spec();
        let first = plan(
            "[profile mine]\nregion = x\n",
            "c",
            &s,
            &[a("dev", "1", "R"), a("prod", "2", "R")],
        )
        .unwrap();
        assert_eq!(first.added, ["dev.R", "prod.R"]);
        let again = plan(
            &first.text,
            "c",
            &s,
            &[a("prod", "2", "R"), a("dev", "1", "R")],
        )
        .unwrap();
        assert_eq!(again.text, first.text);
        assert_eq!(again.unchanged, 2);
        let kept = plan(&first.text, "c", &s, &[a("dev", "1", "R")]).unwrap();
        assert_eq!(kept.stale, ["prod.R"]);
        assert_eq!(kept.text, first.text);
        let pruned = plan(
            &first.text,
            "c",
            &Spec {
                prune: true,
                ..s.clone()
            },
            &[a("dev", "1", "R")],
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
        let err = plan("[profile dev.R]\n", "/c", &s, &[a("dev", "1", "R")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "generated profile \"dev.R\" (account dev (1), role R) clashes with your [profile dev.R] at line 1 of /c"
        );
        let p = plan(
            "[profile dev.R]\n",
            "/c",
            &Spec {
                skip_existing: true,
                ..s
            },
            &[a("dev", "1", "R")],
        )
        .unwrap();
        assert_eq!(p.skipped.len(), 1);
        assert_eq!(p.text, "[profile dev.R]\n");
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
