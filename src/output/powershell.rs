//! PowerShell lines `$Env:NAME="VALUE"`, as `aws configure export-credentials --format
//! powershell` prints them, for `ssoexec export --format powershell | Invoke-Expression`. A value
//! of plainly safe characters is double-quoted like the CLI's; any other value is single-quoted,
//! where PowerShell expands nothing and the only special characters are the quote marks
//! themselves (`'` and the typographic ‘ ’ ‚ ‛, which PowerShell also accepts), written twice.
//! Does no I/O.
use super::{Format, OutputContext, OutputError, unrepresentable, variables};
use std::io::Write;

pub struct Powershell;

impl Format for Powershell {
    fn write(&self, ctx: &OutputContext<'_>, out: &mut dyn Write) -> Result<(), OutputError> {
        for v in variables(ctx) {
            let line = assignment(v.name, &v.value)
                .map_err(|why| unrepresentable("powershell", v.name, why))?;
            out.write_all(line.as_bytes())?;
        }
        Ok(())
    }
}

/// `$Env:NAME=VALUE` and its newline.
pub fn assignment(name: &str, value: &str) -> Result<String, &'static str> {
    Ok(format!("$Env:{name}={}\n", quote(value)?))
}

/// Quote characters of PowerShell single-quoted strings.
const SINGLE_QUOTES: [char; 5] = ['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];

/// `value` as a PowerShell string literal.
pub fn quote(value: &str) -> Result<String, &'static str> {
    if value.contains('\0') {
        return Err("an environment variable cannot hold a NUL byte");
    }
    if value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_@%+=:,./-".contains(&b))
    {
        return Ok(format!("\"{value}\""));
    }
    let mut s = String::with_capacity(value.len() + 2);
    s.push('\'');
    for ch in value.chars() {
        if SINGLE_QUOTES.contains(&ch) {
            s.push(ch);
        }
        s.push(ch);
    }
    s.push('\'');
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
            render(&Powershell, &ctx(&c, Some("eu-west-1"))).unwrap(),
            "$Env:AWS_ACCESS_KEY_ID=\"ASIAFAKEPORTAL000001\"\n\
             $Env:AWS_SECRET_ACCESS_KEY=\"fakeportalsecret/+=000000000000000000000\"\n\
             $Env:AWS_SESSION_TOKEN=\"FAKE//session+token==\"\n\
             $Env:AWS_CREDENTIAL_EXPIRATION=\"2026-11-26T10:19:25+00:00\"\n\
             $Env:AWS_REGION=\"eu-west-1\"\n\
             $Env:AWS_DEFAULT_REGION=\"eu-west-1\"\n"
        );
    }

    #[test]
    fn hostile_values_are_single_quoted_with_quotes_doubled() {
        assert_eq!(
            quote("$(Remove-Item x)`n\"").unwrap(),
            "'$(Remove-Item x)`n\"'"
        );
        assert_eq!(quote("it's").unwrap(), "'it''s'");
        assert_eq!(
            quote("\u{2019}; calc; \u{2018}").unwrap(),
            "'\u{2019}\u{2019}; calc; \u{2018}\u{2018}'"
        );
        assert_eq!(quote("a\nb").unwrap(), "'a\nb'");
        assert_eq!(quote("").unwrap(), "\"\"");
    }
}
