//! POSIX sh lines: `export NAME=VALUE` (`env`) and `NAME=VALUE` (`env-no-export`), for
//! `eval "$(ssoexec export)"` in sh, bash, zsh, dash and ksh. A value made only of plainly safe
//! characters is written bare, exactly as `aws configure export-credentials` prints it; anything
//! else is single-quoted, so nothing in it is expanded or executed. Does no I/O.
use super::{Format, OutputContext, OutputError, unrepresentable, variables};
use std::io::Write;

pub struct Sh {
    /// `export NAME=VALUE` (env) rather than `NAME=VALUE` (env-no-export).
    pub export: bool,
}

impl Format for Sh {
    fn write(&self, ctx: &OutputContext<'_>, out: &mut dyn Write) -> Result<(), OutputError> {
        let format = if self.export { "env" } else { "env-no-export" };
        for v in variables(ctx) {
            let line = assignment(self.export, v.name, &v.value)
                .map_err(|why| unrepresentable(format, v.name, why))?;
            out.write_all(line.as_bytes())?;
        }
        Ok(())
    }
}

/// `export NAME=VALUE` (or `NAME=VALUE`) and its newline.
pub fn assignment(export: bool, name: &str, value: &str) -> Result<String, &'static str> {
    let prefix = if export { "export " } else { "" };
    Ok(format!("{prefix}{name}={}\n", quote(value)?))
}

pub use crate::support::shell::quote;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::testing::*;
    use proptest::prelude::*;

    #[test]
    fn plain_values_match_the_aws_cli_byte_for_byte() {
        let c = plain();
        let text = render(&Sh { export: true }, &ctx(&c, None)).unwrap();
        let cli = include_str!("../../tests/fixtures/awscli/awscli2_export_credentials.env");
        assert_eq!(text, cli);
        let text = render(&Sh { export: false }, &ctx(&c, None)).unwrap();
        let cli =
            include_str!("../../tests/fixtures/awscli/awscli2_export_credentials.env-no-export");
        assert_eq!(text, cli);
    }

    #[test]
    fn region_lines_follow() {
        let c = plain();
        let text = render(&Sh { export: true }, &ctx(&c, Some("eu-west-1"))).unwrap();
        assert!(
            text.ends_with("export AWS_REGION=eu-west-1\nexport AWS_DEFAULT_REGION=eu-west-1\n"),
            "{text}"
        );
    }

    #[test]
    fn hostile_values_are_single_quoted() {
        assert_eq!(quote("a'b").unwrap(), r"'a'\''b'");
        assert_eq!(quote("$(rm -rf ~)`x`").unwrap(), "'$(rm -rf ~)`x`'");
        assert_eq!(quote("").unwrap(), "''");
        assert_eq!(quote("~/x").unwrap(), "'~/x'");
        assert_eq!(quote("a\nb").unwrap(), "'a\nb'");
        assert!(quote("a\0b").is_err());
    }

    proptest! {
        /// POSIX word splitting (shlex) reads back exactly one word with the value.
        #[test]
        fn quote_round_trips_through_posix_word_splitting(value in "[^\\x00]{0,40}") {
            let line = format!("A={}", quote(&value).unwrap());
            prop_assert_eq!(shlex::split(&line), Some(vec![format!("A={value}")]));
        }
    }
}
