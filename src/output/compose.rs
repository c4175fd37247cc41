//! A docker compose `env_file` (compose-go `dotenv`, `docs/output-formats.md#docker-compose-env-files`).
//! A value of only `[A-Za-z0-9/+=:._,@-]` (credentials, timestamps and regions are) is written
//! bare, which every reader takes literally, `env_file: {format: raw}` included. Any other value
//! is double-quoted with `\` → `\\`, `"` → `\"`, `$` → `$$` and newline / carriage return → `\n` /
//! `\r`, the encoding compose reads back exactly (`docs/output-formats.md#safe-compose-encoding`),
//! so it survives escape processing and interpolation (a raw reader would keep those quotes).
//! An existing file keeps every line but the `AWS_*` keys this format owns. Does no I/O.
use super::{Format, OutputContext, OutputError, envfile};
use std::io::Write;

pub struct Compose {
    /// The file's current content, merged into.
    pub existing: Option<String>,
}

impl Format for Compose {
    fn write(&self, ctx: &OutputContext<'_>, out: &mut dyn Write) -> Result<(), OutputError> {
        let text = envfile::render(ctx, self.existing.as_deref(), "compose", quote)?;
        out.write_all(text.as_bytes())?;
        Ok(())
    }
}

/// Characters that compose's dotenv reader takes literally in an unquoted value, as a raw
/// reader does: no whitespace, `#`, quotes, `$` or `\`.
fn is_bare(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"/+=:._,@-".contains(&b)
}

/// `value` as a compose value: bare when that reads back the same everywhere, else double-quoted.
pub fn quote(value: &str) -> Result<String, &'static str> {
    if value.contains('\0') {
        return Err("an environment variable cannot hold a NUL byte");
    }
    if !value.is_empty() && value.bytes().all(is_bare) {
        return Ok(value.to_string());
    }
    let mut s = String::with_capacity(value.len() + 2);
    s.push('"');
    for ch in value.chars() {
        match ch {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '$' => s.push_str("$$"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            c => s.push(c),
        }
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
            render(&Compose { existing: None }, &ctx(&c, Some("eu-west-1"))).unwrap(),
            "AWS_ACCESS_KEY_ID=ASIAFAKEPORTAL000001\n\
             AWS_SECRET_ACCESS_KEY=fakeportalsecret/+=000000000000000000000\n\
             AWS_SESSION_TOKEN=FAKE//session+token==\n\
             AWS_CREDENTIAL_EXPIRATION=2026-11-26T10:19:25+00:00\n\
             AWS_REGION=eu-west-1\n\
             AWS_DEFAULT_REGION=eu-west-1\n"
        );
    }

    #[test]
    fn escapes_per_compose_rules() {
        assert_eq!(
            quote("a\\b\"c$d${e}\nf\rg #h 'i'").unwrap(),
            "\"a\\\\b\\\"c$$d$${e}\\nf\\rg #h 'i'\""
        );
        assert!(quote("\0").is_err());
        assert_eq!(quote("").unwrap(), "\"\"");
        assert_eq!(quote("a b").unwrap(), "\"a b\"");
        assert_eq!(quote("FAKE//tok+en==").unwrap(), "FAKE//tok+en==");
    }
}
