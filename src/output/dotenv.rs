//! `.env` files read identically by python-dotenv (`load_dotenv`, interpolation on), the npm
//! `dotenv` package and `set -a; . ./.env` in sh. The three agree only on a narrow common form:
//!
//! * single quotes: literal in sh and npm; python-dotenv turns `\\` and `\'` into `\` and `'` and
//!   expands `${NAME}` even here. So a value is single-quoted when it has no `'`, no `\\`, does
//!   not end in `\` and has no `${`;
//! * double quotes: sh expands `$`, `` ` `` and `\`, npm keeps `\"` and turns `\n` into a
//!   newline. So a value with a `'` is double-quoted when it has none of `"` `\` `$` `` ` ``;
//! * a carriage return does not survive npm (it normalises line ends) and NUL survives none.
//!
//! Any other value is rejected, naming the variable (the compose and env formats carry it).
//! An existing file keeps every line but the `AWS_*` keys this format owns. Does no I/O.
use super::{Format, OutputContext, OutputError, envfile};
use std::io::Write;

pub struct Dotenv {
    /// The file's current content, merged into.
    pub existing: Option<String>,
}

impl Format for Dotenv {
    fn write(&self, ctx: &OutputContext<'_>, out: &mut dyn Write) -> Result<(), OutputError> {
        let text = envfile::render(ctx, self.existing.as_deref(), "dotenv", quote)?;
        out.write_all(text.as_bytes())?;
        Ok(())
    }
}

/// `value` in the form the three readers agree on, or why there is none.
pub fn quote(value: &str) -> Result<String, &'static str> {
    if value.contains('\0') {
        return Err("an environment variable cannot hold a NUL byte");
    }
    if value.contains('\r') {
        return Err("npm dotenv turns a carriage return into a newline");
    }
    if value.contains("${") {
        return Err("python-dotenv expands ${...} in every kind of quote and has no escape for it");
    }
    if !value.contains('\'') {
        if value.contains("\\\\") || value.ends_with('\\') {
            return Err(
                "python-dotenv reads \\\\ in single quotes as one backslash, sh and npm dotenv as two",
            );
        }
        return Ok(format!("'{value}'"));
    }
    if value.contains(['"', '\\', '$', '`']) {
        return Err(
            "a value with ' and any of \" \\ $ ` is read differently by python-dotenv, npm dotenv and sh",
        );
    }
    Ok(format!("\"{value}\""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::testing::*;

    #[test]
    fn whole_output() {
        let c = plain();
        assert_eq!(
            render(&Dotenv { existing: None }, &ctx(&c, Some("eu-west-1"))).unwrap(),
            "AWS_ACCESS_KEY_ID='ASIAFAKEPORTAL000001'\n\
             AWS_SECRET_ACCESS_KEY='fakeportalsecret/+=000000000000000000000'\n\
             AWS_SESSION_TOKEN='FAKE//session+token=='\n\
             AWS_CREDENTIAL_EXPIRATION='2026-11-26T10:19:25+00:00'\n\
             AWS_REGION='eu-west-1'\n\
             AWS_DEFAULT_REGION='eu-west-1'\n"
        );
    }

    #[test]
    fn quoting_picks_the_common_form_or_says_why_not() {
        assert_eq!(
            quote("a $b `c` \"d\" #e =f\ng\\h").unwrap(),
            "'a $b `c` \"d\" #e =f\ng\\h'"
        );
        assert_eq!(quote("it's #1").unwrap(), "\"it's #1\"");
        for bad in ["a${b}", "a'b$c", "a'b\"c", "x\\\\y", "x\\", "a\rb", "a\0b"] {
            assert!(quote(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn merge_keeps_other_lines_and_drops_a_stale_session_token() {
        let c = credentials("s", None);
        let existing =
            "DEBUG=1\nAWS_ACCESS_KEY_ID=old\nAWS_SESSION_TOKEN=stale\nAWS_REGION=us-east-2\n";
        let text = render(
            &Dotenv {
                existing: Some(existing.into()),
            },
            &ctx(&c, None),
        )
        .unwrap();
        assert_eq!(
            text,
            "DEBUG=1\nAWS_ACCESS_KEY_ID='ASIAFAKEPORTAL000001'\nAWS_SECRET_ACCESS_KEY='s'\n\
             AWS_CREDENTIAL_EXPIRATION='2026-11-26T10:19:25+00:00'\nAWS_REGION=us-east-2\n"
        );
    }
}
