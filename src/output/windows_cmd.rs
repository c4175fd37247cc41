//! cmd.exe lines `set NAME=VALUE`, as `aws configure export-credentials --format windows-cmd`
//! prints them. cmd has no quoting that survives both the prompt and a batch file (`%` and `!`
//! expand inside quotes too, `^` escapes differ between the two), so values with characters cmd
//! interprets are rejected rather than written in a form that might run something. Does no I/O.
use super::{Format, OutputContext, OutputError, unrepresentable, variables};
use std::io::Write;

pub struct WindowsCmd;

impl Format for WindowsCmd {
    fn write(&self, ctx: &OutputContext<'_>, out: &mut dyn Write) -> Result<(), OutputError> {
        for v in variables(ctx) {
            let line = assignment(v.name, &v.value)
                .map_err(|why| unrepresentable("windows-cmd", v.name, why))?;
            out.write_all(line.as_bytes())?;
        }
        Ok(())
    }
}

/// `set NAME=VALUE` and its newline, for a value cmd carries verbatim.
pub fn assignment(name: &str, value: &str) -> Result<String, &'static str> {
    check(value)?;
    Ok(format!("set {name}={value}\n"))
}

/// Why cmd cannot carry `value` verbatim in `set NAME=VALUE`, if it cannot.
pub fn check(value: &str) -> Result<(), &'static str> {
    if value.is_empty() {
        return Err("`set NAME=` with an empty value deletes the variable");
    }
    if value.chars().any(char::is_control) {
        return Err("cmd cannot set a value with a newline or another control character");
    }
    if value
        .chars()
        .any(|c| matches!(c, '%' | '!' | '^' | '&' | '|' | '<' | '>' | '"'))
    {
        return Err("cmd interprets % ! ^ & | < > and \" in a set line; use the powershell format");
    }
    if value.starts_with(char::is_whitespace) || value.ends_with(char::is_whitespace) {
        return Err("leading or trailing spaces in a set line are easily lost");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::testing::*;

    #[test]
    fn whole_output() {
        let c = plain();
        assert_eq!(
            render(&WindowsCmd, &ctx(&c, None)).unwrap(),
            "set AWS_ACCESS_KEY_ID=ASIAFAKEPORTAL000001\n\
             set AWS_SECRET_ACCESS_KEY=fakeportalsecret/+=000000000000000000000\n\
             set AWS_SESSION_TOKEN=FAKE//session+token==\n\
             set AWS_CREDENTIAL_EXPIRATION=2026-11-26T10:19:25+00:00\n"
        );
    }

    #[test]
    fn rejects_what_cmd_interprets_and_says_which_variable() {
        for bad in ["a%PATH%b", "a&calc", "a\nb", "x\"y", "!x!", " lead"] {
            assert!(check(bad).is_err(), "{bad:?}");
        }
        let c = credentials("with&ampersand", None);
        let e = render(&WindowsCmd, &ctx(&c, None)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the windows-cmd format cannot carry the value of AWS_SECRET_ACCESS_KEY: cmd interprets % ! ^ & | < > and \" in a set line; use the powershell format"
        );
        assert!(check("a b=c/d+e:f").is_ok());
    }
}
