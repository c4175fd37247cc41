//! Parses one AWS shared config or credentials file into typed sections, following botocore's
//! dialect (`docs/config.md#ini-dialect`). Pure: text in, sections out; no file access, env or clock.
use super::ConfigError;
use super::ini::{self, SyntaxError};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Lower-cased key → value of one section.
pub type Section = BTreeMap<String, String>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// `~/.aws/config`: `[default]`, `[profile x]`, `[sso-session x]`, `[services x]`.
    Config,
    /// `~/.aws/credentials`: `[x]` is profile x.
    Credentials,
}

#[derive(Clone, Debug)]
pub struct ConfigFile {
    pub path: PathBuf,
    pub profiles: BTreeMap<String, Section>,
    pub sso_sessions: BTreeMap<String, Section>,
    /// `[services x]` → service key (`sso_oidc`) → nested settings (`endpoint_url`).
    pub services: BTreeMap<String, BTreeMap<String, Section>>,
}

impl ConfigFile {
    pub fn empty(path: PathBuf, _kind: FileKind) -> Self {
        ConfigFile {
            path,
            profiles: BTreeMap::new(),
            sso_sessions: BTreeMap::new(),
            services: BTreeMap::new(),
        }
    }
}

enum SectionName {
    Profile(String),
    SsoSession(String),
    Services(String),
    /// Not something we use (botocore keeps it as a top-level key; we ignore it).
    Other,
}

/// Parses a config or credentials file as botocore does (`config::ini`): a file the AWS CLI
/// refuses ("Unable to parse config file") is refused here too, naming the line and the fault.
pub fn parse(text: &str, path: &Path, kind: FileKind) -> Result<ConfigFile, ConfigError> {
    let fail = |error: SyntaxError| ConfigError::Parse {
        path: path.to_path_buf(),
        error,
    };
    let ini = ini::parse(text).map_err(fail)?;
    let mut out = ConfigFile::empty(path.to_path_buf(), kind);
    for raw in &ini.sections {
        // configparser gives every section the `[DEFAULT]` keys it does not set itself.
        let inherited = ini
            .defaults
            .iter()
            .filter(|d| !raw.items.iter().any(|i| i.key == d.key));
        let mut section = Section::new();
        let mut nested_values = BTreeMap::new();
        for item in raw.items.iter().chain(inherited) {
            if let Some(n) = ini::nested(item, &raw.header).map_err(fail)? {
                nested_values.insert(item.key.clone(), n.into_iter().collect::<Section>());
            }
            section.insert(item.key.clone(), item.value.clone());
        }
        match classify(&raw.header, kind) {
            // `[default]` and `[profile default]` name the same profile: the later one wins.
            SectionName::Profile(name) => {
                out.profiles.insert(name, section);
            }
            SectionName::SsoSession(name) => {
                out.sso_sessions.insert(name, section);
            }
            SectionName::Services(name) => {
                out.services.insert(name, nested_values);
            }
            SectionName::Other => {}
        }
    }
    Ok(out)
}

/// What a section header names, by botocore's `build_profile_map`: a header starting with
/// `profile`, `sso-session` or `services` that shell-splits into exactly two words names its second
/// word; `default` is the default profile; anything else is not ours.
fn classify(header: &str, kind: FileKind) -> SectionName {
    if kind == FileKind::Credentials {
        return SectionName::Profile(header.to_string());
    }
    for (prefix, make) in [
        ("profile", SectionName::Profile as fn(String) -> SectionName),
        ("sso-session", SectionName::SsoSession),
        ("services", SectionName::Services),
    ] {
        if header.starts_with(prefix) {
            return match ini::shlex_split(header).as_deref() {
                Some([_, name]) => make(name.clone()),
                _ => SectionName::Other,
            };
        }
    }
    if header == "default" {
        return SectionName::Profile("default".into());
    }
    SectionName::Other
}

/// The profile a header names in a config file (`None`: not a profile), as botocore reads it.
pub fn profile_of_header(header: &str) -> Option<String> {
    match classify(header, FileKind::Config) {
        SectionName::Profile(n) => Some(n),
        _ => None,
    }
}

/// The sso-session a header names in a config file, as botocore reads it.
pub fn session_of_header(header: &str) -> Option<String> {
    match classify(header, FileKind::Config) {
        SectionName::SsoSession(n) => Some(n),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(text: &str) -> Result<ConfigFile, ConfigError> {
        parse(text, Path::new("/tmp/config"), FileKind::Config)
    }

    #[test]
    fn reads_the_aws_dialect() {
        let f = cfg("# comment\n; also\n[default]\nregion = eu-west-1\n\n[profile dev]\nSSO_Session = corp\nsso_account_id: 111111111111\nsso_role_name = ReadOnly # not a comment\n[profile \"with space\"]\nregion=us-east-1\n[sso-session corp]\nsso_start_url = https://d-1.awsapps.com/start#\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access,\n  codewhisperer:completions\n[services local]\nsso_oidc =\n  endpoint_url = http://127.0.0.1:1\nsts =\n  endpoint_url = http://127.0.0.1:2\n[profile a b]\nregion=x\n[profilefoo]\nregion=y\n[plugins]\nx=y\n").unwrap();
        assert_eq!(
            f.profiles.keys().collect::<Vec<_>>(),
            ["default", "dev", "with space"]
        );
        let dev = &f.profiles["dev"];
        assert_eq!(dev["sso_session"], "corp");
        assert_eq!(dev["sso_account_id"], "111111111111");
        assert_eq!(dev["sso_role_name"], "ReadOnly # not a comment");
        let corp = &f.sso_sessions["corp"];
        assert_eq!(corp["sso_start_url"], "https://d-1.awsapps.com/start#");
        assert_eq!(
            corp["sso_registration_scopes"],
            "sso:account:access,\ncodewhisperer:completions"
        );
        assert_eq!(
            f.services["local"]["sso_oidc"]["endpoint_url"],
            "http://127.0.0.1:1"
        );
        assert_eq!(
            f.services["local"]["sts"]["endpoint_url"],
            "http://127.0.0.1:2"
        );
    }

    #[test]
    fn later_default_wins() {
        let f = cfg("[profile default]\nregion=a\n[default]\nregion=b\n").unwrap();
        assert_eq!(f.profiles["default"]["region"], "b");
    }

    #[test]
    fn strict_like_botocore() {
        for bad in [
            "[profile a]\nx=1\n[profile a]\ny=2\n",
            "[profile a]\nx=1\nX=2\n",
            "x=1\n[profile a]\n",
            "[profile a]\njust-a-word\n",
        ] {
            let err = cfg(bad).unwrap_err().to_string();
            assert!(
                err.starts_with("unable to parse config file /tmp/config: "),
                "{bad:?} gave {err}"
            );
        }
    }

    #[test]
    fn credentials_file_sections_are_profiles() {
        let f = parse(
            "[dev]\naws_access_key_id = AKIDEXAMPLE\n",
            Path::new("c"),
            FileKind::Credentials,
        )
        .unwrap();
        assert_eq!(f.profiles["dev"]["aws_access_key_id"], "AKIDEXAMPLE");
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever the bytes, parsing returns a value or an error: it never panics.
        #[test]
        fn never_panics(text in "\\PC{0,400}") {
            let _ = parse(&text, Path::new("c"), FileKind::Config);
            let _ = parse(&text, Path::new("c"), FileKind::Credentials);
        }

        /// Profiles written in the dialect read back exactly.
        #[test]
        fn round_trips_profiles(
            profiles in proptest::collection::btree_map("[a-z][a-z0-9_-]{0,12}", proptest::collection::btree_map("[a-z][a-z0-9_]{0,12}", "[A-Za-z0-9:/._#@+-][A-Za-z0-9 :/._#@+=-]{0,30}[A-Za-z0-9:/._#@+-]", 1..5), 1..5)
        ) {
            let mut text = String::new();
            for (name, keys) in &profiles {
                text.push_str(&format!("[profile {name}]\n"));
                for (k, v) in keys {
                    text.push_str(&format!("{k} = {v}\n"));
                }
                text.push('\n');
            }
            let parsed = parse(&text, Path::new("c"), FileKind::Config).unwrap();
            prop_assert_eq!(parsed.profiles, profiles);
        }
    }
}
