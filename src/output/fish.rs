//! fish lines `set -gx NAME "VALUE"`, as `aws configure export-credentials --format fish` prints
//! them, for `ssoexec export --format fish | source`. Inside fish double quotes only `\`, `"` and
//! `$` are special, so those are backslash-escaped; newlines are kept literally. Does no I/O.
use super::{Format, OutputContext, OutputError, unrepresentable, variables};
use std::io::Write;

pub struct Fish;

impl Format for Fish {
    fn write(&self, ctx: &OutputContext<'_>, out: &mut dyn Write) -> Result<(), OutputError> {
        for v in variables(ctx) {
            let line =
                assignment(v.name, &v.value).map_err(|why| unrepresentable("fish", v.name, why))?;
            out.write_all(line.as_bytes())?;
        }
        Ok(())
    }
}

/// `set -gx NAME "VALUE"` and its newline.
pub fn assignment(name: &str, value: &str) -> Result<String, &'static str> {
    Ok(format!("set -gx {name} {}\n", quote(value)?))
}

/// `value` as a fish double-quoted string.
pub fn quote(value: &str) -> Result<String, &'static str> {
    if value.contains('\0') {
        return Err("a fish variable cannot hold a NUL byte");
    }
    let mut s = String::with_capacity(value.len() + 2);
    s.push('"');
    for ch in value.chars() {
        if matches!(ch, '\\' | '"' | '$') {
            s.push('\\');
        }
        s.push(ch);
    }
    s.push('"');
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::testing::*;

    #[test]
    fn whole_output() {
        let c = plain();
        assert_eq!(
            render(&Fish, &ctx(&c, Some("eu-west-1"))).unwrap(),
            "set -gx AWS_ACCESS_KEY_ID \"ASIAFAKEPORTAL000001\"\n\
             set -gx AWS_SECRET_ACCESS_KEY \"fakeportalsecret/+=000000000000000000000\"\n\
             set -gx AWS_SESSION_TOKEN \"FAKE//session+token==\"\n\
             set -gx AWS_CREDENTIAL_EXPIRATION \"2026-11-26T10:19:25+00:00\"\n\
             set -gx AWS_REGION \"eu-west-1\"\n\
             set -gx AWS_DEFAULT_REGION \"eu-west-1\"\n"
        );
    }

    #[test]
    fn escapes_what_fish_expands() {
        assert_eq!(quote(r#"a"b\c$d(e)'f"#).unwrap(), r#""a\"b\\c\$d(e)'f""#);
        assert!(quote("\0").is_err());
    }
}
