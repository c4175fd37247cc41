//! Findings about a config file that parses but will not do what its author meant
//! (`ssoexec doctor`): inline comments botocore keeps in the value, `credential_process` the SDKs
//! ignore, a missing sso-session, two logins for one start URL, a start URL that is not an
//! Identity Center one. Pure: text and parsed sections in, findings out.
use super::ConfigFile;

/// A value that carries what its author meant as a comment: `region = eu-west-1 # main`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InlineComment {
    pub line: usize,
    pub key: String,
    pub value: String,
}

/// Key lines whose value holds ` #` or ` ;`: botocore keeps that text as part of the value
/// (`docs/config.md#ini-dialect`).
pub fn inline_comments(text: &str) -> Vec<InlineComment> {
    let mut out = Vec::new();
    let mut in_section = false;
    for (i, (start, end, _)) in super::ini::lines(text).enumerate() {
        let line = &text[start..end];
        let t = line.trim();
        if t.starts_with('[') {
            in_section = true;
            continue;
        }
        if !in_section
            || t.is_empty()
            || t.starts_with('#')
            || t.starts_with(';')
            || line.starts_with([' ', '\t'])
        {
            continue;
        }
        let Some(eq) = t.find(['=', ':']) else {
            continue;
        };
        let (key, value) = (t[..eq].trim(), t[eq + 1..].trim());
        if value.contains(" #")
            || value.contains(" ;")
            || value.contains("\t#")
            || value.contains("\t;")
        {
            out.push(InlineComment {
                line: i + 1,
                key: key.to_ascii_lowercase(),
                value: value.to_string(),
            });
        }
    }
    out
}

/// Profiles with `credential_process` and `sso_*` keys: the SDKs use SSO and ignore the process.
pub fn credential_process_with_sso(cfg: &ConfigFile) -> Vec<String> {
    cfg.profiles
        .iter()
        .filter(|(_, s)| {
            s.contains_key("credential_process") && s.keys().any(|k| k.starts_with("sso_"))
        })
        .map(|(n, _)| n.clone())
        .collect()
}

/// `(profile, session)` where the profile names an sso-session the file does not have.
pub fn missing_sessions(cfg: &ConfigFile) -> Vec<(String, String)> {
    cfg.profiles
        .iter()
        .filter_map(|(n, s)| {
            let session = s.get("sso_session")?;
            (!cfg.sso_sessions.contains_key(session)).then(|| (n.clone(), session.clone()))
        })
        .collect()
}

/// `(legacy profile, sso-session)` that sign in to the same start URL separately (two logins,
/// two tokens, two browser tabs).
pub fn duplicate_logins(cfg: &ConfigFile) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, p) in &cfg.profiles {
        if p.contains_key("sso_session") {
            continue;
        }
        let Some(url) = p.get("sso_start_url") else {
            continue;
        };
        for (session, s) in &cfg.sso_sessions {
            if s.get("sso_start_url").is_some_and(|u| same_url(u, url)) {
                out.push((name.clone(), session.clone()));
            }
        }
    }
    out
}

fn same_url(a: &str, b: &str) -> bool {
    let norm = |u: &str| u.trim().trim_end_matches(['/', '#']).to_ascii_lowercase();
    norm(a) == norm(b)
}

/// Start URLs as Identity Center hands them out: `https://<id>.awsapps.com/start` (or
/// `awsapps.cn`), the `*.app.aws` portal, or an issuer URL (`docs/config.md`).
pub fn looks_like_identity_center(url: &str) -> bool {
    let Ok(u) = url::Url::parse(url) else {
        return false;
    };
    let host = u.host_str().unwrap_or_default();
    u.scheme() == "https"
        && ((host.ends_with(".awsapps.com") || host.ends_with(".awsapps.cn"))
            && u.path().starts_with("/start")
            || host.ends_with(".app.aws")
            || host.starts_with("identitycenter.") && host.ends_with(".amazonaws.com"))
}

/// Every start URL of the file that does not look like one, with where it is.
pub fn odd_start_urls(cfg: &ConfigFile) -> Vec<(String, String)> {
    let sessions = cfg
        .sso_sessions
        .iter()
        .map(|(n, s)| (format!("sso-session {n}"), s));
    let profiles = cfg
        .profiles
        .iter()
        .map(|(n, s)| (format!("profile {n}"), s));
    sessions
        .chain(profiles)
        .filter_map(|(w, s)| {
            let u = s.get("sso_start_url")?;
            (!looks_like_identity_center(u)).then(|| (w, u.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::file::{FileKind, parse};
    use std::path::Path;

    fn cfg(t: &str) -> ConfigFile {
        parse(t, Path::new("c"), FileKind::Config).unwrap()
    }

    #[test]
    fn finds_inline_comments() {
        let found = inline_comments(
            "# top ; x\n[profile a]\nregion = eu-west-1 # main\nurl = https://x/#frag\nnested =\n  k = v # no\n",
        );
        assert_eq!(
            found,
            [InlineComment {
                line: 3,
                key: "region".into(),
                value: "eu-west-1 # main".into()
            }]
        );
    }

    #[test]
    fn profile_findings() {
        let c = cfg(
            "[profile a]\nsso_session = s\ncredential_process = x\n[profile b]\nsso_session = gone\n[profile c]\nsso_start_url = https://d-1.awsapps.com/start/\nsso_region = us-east-1\n[sso-session s]\nsso_start_url = https://d-1.awsapps.com/start\n[sso-session odd]\nsso_start_url = https://example.com/login\n",
        );
        assert_eq!(credential_process_with_sso(&c), ["a"]);
        assert_eq!(
            missing_sessions(&c),
            [("b".to_string(), "gone".to_string())]
        );
        assert_eq!(duplicate_logins(&c), [("c".to_string(), "s".to_string())]);
        assert_eq!(
            odd_start_urls(&c),
            [(
                "sso-session odd".to_string(),
                "https://example.com/login".to_string()
            )]
        );
    }

    #[test]
    fn identity_center_urls() {
        for ok in [
            "https://d-1234567890.awsapps.com/start",
            "https://acme.awsapps.com/start/#/",
            "https://ssoins-1.portal.us-east-1.app.aws",
            "https://identitycenter.amazonaws.com/ssoins-1",
        ] {
            assert!(looks_like_identity_center(ok), "{ok}");
        }
        for bad in [
            "http://d-1.awsapps.com/start",
            "https://d-1.awsapps.com/",
            "https://example.com/start",
            "nope",
        ] {
            assert!(!looks_like_identity_center(bad), "{bad}");
        }
    }
}
