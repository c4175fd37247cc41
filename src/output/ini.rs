//! A `~/.aws/credentials` profile section (`[NAME]` with `aws_access_key_id`,
//! `aws_secret_access_key`, `aws_session_token`, `x_security_token_expires` and `region`), read
//! alike by botocore and the SDKs built on the cross-SDK profile spec (`docs/config.md#ini-dialect`). Values must
//! survive both dialects: no line breaks, no surrounding whitespace, and no `#`/`;` that starts a
//! value or follows whitespace (an inline comment for the SDKs). An existing file keeps every
//! section but the one named, which is replaced in place. Does no I/O.
use super::{Format, OutputContext, OutputError, unrepresentable};
use crate::support::clock::format_timestamp;
use std::io::Write;

pub struct Ini {
    /// The section name (a profile name; the credentials file has no `profile ` prefix).
    pub profile: String,
    /// The file's current content, merged into.
    pub existing: Option<String>,
}

impl Format for Ini {
    fn write(&self, ctx: &OutputContext<'_>, out: &mut dyn Write) -> Result<(), OutputError> {
        if self.profile.is_empty() {
            return Err(OutputError::Missing {
                format: "ini",
                why: "needs a section name: pass --ini-profile NAME or --profile NAME".into(),
            });
        }
        if !self
            .profile
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-/.%@:+".contains(&b))
        {
            return Err(unrepresentable(
                "ini",
                "the profile name",
                "SDK profile names are made of A-Z a-z 0-9 and _ - / . % @ : +",
            ));
        }
        let c = ctx.credentials;
        let mut keys: Vec<(&'static str, String)> = vec![
            ("aws_access_key_id", c.access_key_id.clone()),
            (
                "aws_secret_access_key",
                c.secret_access_key.expose().to_string(),
            ),
        ];
        if let Some(t) = &c.session_token {
            keys.push(("aws_session_token", t.expose().to_string()));
        }
        if let Some(e) = c.expiration {
            keys.push(("x_security_token_expires", format_timestamp(e)));
        }
        if let Some(r) = ctx.region {
            keys.push(("region", r.to_string()));
        }
        let mut block = format!("[{}]\n", self.profile);
        for (key, value) in keys {
            check(&value).map_err(|why| unrepresentable("ini", key, why))?;
            block.push_str(&format!("{key} = {value}\n"));
        }
        let text = match &self.existing {
            Some(existing) => merge(existing, &self.profile, &block),
            None => block,
        };
        out.write_all(text.as_bytes())?;
        Ok(())
    }
}

/// Why `value` would not read back the same in botocore and the profile spec, if it would not.
pub fn check(value: &str) -> Result<(), &'static str> {
    if value.chars().any(|c| c == '\n' || c == '\r' || c == '\0') {
        return Err("an ini value cannot span lines");
    }
    if value.trim() != value || value.is_empty() {
        return Err("ini readers strip surrounding whitespace and skip empty values");
    }
    let bytes = value.as_bytes();
    if bytes
        .iter()
        .enumerate()
        .any(|(i, &b)| (b == b'#' || b == b';') && (i == 0 || bytes[i - 1].is_ascii_whitespace()))
    {
        return Err("the SDKs read # or ; at the start or after a space as a comment");
    }
    Ok(())
}

/// The section name of a header line (`[name]`, optionally followed by a comment).
fn section_name(line: &str) -> Option<&str> {
    let t = line.trim();
    let inner = t.strip_prefix('[')?;
    let end = inner.rfind(']')?;
    Some(inner[..end].trim())
}

/// `existing` with every `[profile]` section (header to the next header) replaced by `block`,
/// placed where the first was; appended after a blank line when there was none.
pub fn merge(existing: &str, profile: &str, block: &str) -> String {
    let mut out = String::with_capacity(existing.len() + block.len());
    let mut in_ours = false;
    let mut placed = false;
    for line in existing.split_inclusive('\n') {
        if let Some(name) = section_name(line) {
            in_ours = name == profile;
            if in_ours {
                if !placed {
                    out.push_str(block);
                    placed = true;
                }
                continue;
            }
            if placed && !out.ends_with("\n\n") && out.ends_with(block) {
                out.push('\n');
            }
        }
        if !in_ours {
            out.push_str(line);
        }
    }
    if !placed {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        if !out.is_empty() && !out.ends_with("\n\n") {
            out.push('\n');
        }
        out.push_str(block);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::testing::*;

    fn ini(profile: &str, existing: Option<&str>) -> Ini {
        Ini {
            profile: profile.into(),
            existing: existing.map(String::from),
        }
    }

    #[test]
    fn whole_output() {
        let c = plain();
        assert_eq!(
            render(&ini("dev", None), &ctx(&c, Some("eu-west-1"))).unwrap(),
            "[dev]\n\
             aws_access_key_id = ASIAFAKEPORTAL000001\n\
             aws_secret_access_key = fakeportalsecret/+=000000000000000000000\n\
             aws_session_token = FAKE//session+token==\n\
             x_security_token_expires = 2026-11-26T10:19:25Z\n\
             region = eu-west-1\n"
        );
    }

    #[test]
    fn replaces_only_its_section() {
        let c = credentials("s", None);
        let existing = "[default]\naws_access_key_id = A\n\n[dev]\naws_access_key_id = OLD\naws_session_token = stale\n\n[prod] # keep\naws_access_key_id = P\n";
        let text = render(&ini("dev", Some(existing)), &ctx(&c, None)).unwrap();
        assert_eq!(
            text,
            "[default]\naws_access_key_id = A\n\n[dev]\naws_access_key_id = ASIAFAKEPORTAL000001\naws_secret_access_key = s\n\
             x_security_token_expires = 2026-11-26T10:19:25Z\n\n[prod] # keep\naws_access_key_id = P\n"
        );
        let text = render(&ini("new", Some("[default]\nx = 1")), &ctx(&c, None)).unwrap();
        assert!(
            text.starts_with("[default]\nx = 1\n\n[new]\naws_access_key_id = "),
            "{text}"
        );
    }

    #[test]
    fn duplicate_sections_collapse_into_one() {
        let merged = merge(
            "[dev]\na = 1\n[x]\nb = 2\n[dev]\nc = 3\n",
            "dev",
            "[dev]\nk = v\n",
        );
        assert_eq!(merged, "[dev]\nk = v\n\n[x]\nb = 2\n");
    }

    #[test]
    fn rejects_what_a_reader_would_change() {
        for bad in ["a\nb", " lead", "trail ", "a #b", "#a", "a ;b", ""] {
            assert!(check(bad).is_err(), "{bad:?}");
        }
        assert!(check("a#b;c=d%e$f'g\"h").is_ok());
        let c = plain();
        let e = render(&ini("my profile", None), &ctx(&c, None)).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("the ini format cannot carry the value of the profile name"),
            "{e}"
        );
    }
}
