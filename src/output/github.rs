//! GitHub Actions, as `aws-actions/configure-aws-credentials` does it (spec §9.3): first an
//! `::add-mask::` line on stdout for every secret, then `NAME<<ghadelimiter_<uuid>` heredoc
//! entries appended to the files named by `$GITHUB_ENV` (variables for later steps) and
//! `$GITHUB_OUTPUT` (step outputs). [`StepCommands`] is the reusable, pure part (`ssoexec github`
//! builds on it); `sink::GithubFiles::append` does the appending. The `Format` writes the mask
//! lines, the stdout part. Does no I/O.
use super::{Format, OutputContext, OutputError, variables};
use crate::clock::format_timestamp;
use std::io::{self, Write};

pub use crate::env::{GITHUB_ENV, GITHUB_OUTPUT};
/// Prefix of heredoc delimiters, as `@actions/core` writes them.
pub const DELIMITER_PREFIX: &str = "ghadelimiter_";

/// The `github` format as a `Format`: the mask lines (the part that goes to stdout).
pub struct Github;

impl Format for Github {
    fn write(&self, ctx: &OutputContext<'_>, out: &mut dyn Write) -> Result<(), OutputError> {
        StepCommands::for_credentials(ctx).write_masks(out)?;
        Ok(())
    }
}

/// What one step hands to its workflow: secrets to mask, variables for later steps, outputs.
#[derive(Default)]
pub struct StepCommands {
    masks: Vec<String>,
    env: Vec<(String, String)>,
    outputs: Vec<(String, String)>,
}

impl std::fmt::Debug for StepCommands {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names =
            |v: &Vec<(String, String)>| v.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
        f.debug_struct("StepCommands")
            .field("masks", &self.masks.len())
            .field("env", &names(&self.env))
            .field("outputs", &names(&self.outputs))
            .finish()
    }
}

impl StepCommands {
    pub fn new() -> Self {
        Self::default()
    }

    /// Masks for the key id, secret and session token; the `AWS_*` variables of
    /// [`super::variables`]; outputs `aws-account-id`, `aws-region` and `aws-expiration` (RFC 3339
    /// UTC) where known. Credentials are not step outputs: a caller that wants them adds them.
    pub fn for_credentials(ctx: &OutputContext<'_>) -> Self {
        let mut s = Self::new();
        let vars = variables(ctx);
        for v in vars.iter().filter(|v| v.secret) {
            s.mask(&v.value);
        }
        for v in &vars {
            s.set_env(v.name, &v.value);
        }
        if let Some(a) = ctx.credentials.account_id.as_deref().or(ctx.account_id) {
            s.set_output("aws-account-id", a);
        }
        if let Some(r) = ctx.region {
            s.set_output("aws-region", r);
        }
        if let Some(e) = ctx.credentials.expiration {
            s.set_output("aws-expiration", &format_timestamp(e));
        }
        s
    }

    /// Registers a secret; empty values are not masks.
    pub fn mask(&mut self, value: &str) {
        if !value.is_empty() && !self.masks.iter().any(|m| m == value) {
            self.masks.push(value.to_string());
        }
    }

    pub fn set_env(&mut self, name: &str, value: &str) {
        self.env.push((name.to_string(), value.to_string()));
    }

    pub fn set_output(&mut self, name: &str, value: &str) {
        self.outputs.push((name.to_string(), value.to_string()));
    }

    pub fn has_outputs(&self) -> bool {
        !self.outputs.is_empty()
    }

    /// One `::add-mask::` line per secret. Write these, and flush, before the files.
    pub fn write_masks(&self, out: &mut dyn Write) -> io::Result<()> {
        for m in &self.masks {
            out.write_all(mask_line(m).as_bytes())?;
        }
        Ok(())
    }

    /// The text to append to `$GITHUB_ENV`.
    pub fn env_file(&self, delimiter: &str) -> Result<String, OutputError> {
        self.env
            .iter()
            .map(|(k, v)| file_command(k, v, delimiter))
            .collect()
    }

    /// The text to append to `$GITHUB_OUTPUT`.
    pub fn output_file(&self, delimiter: &str) -> Result<String, OutputError> {
        self.outputs
            .iter()
            .map(|(k, v)| file_command(k, v, delimiter))
            .collect()
    }
}

/// `::add-mask::VALUE` with the runner's command escaping (`%`, CR, LF).
pub fn mask_line(value: &str) -> String {
    format!(
        "::add-mask::{}\n",
        value
            .replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    )
}

/// One heredoc entry of a file command: `NAME<<DELIM\nVALUE\nDELIM\n`.
pub fn file_command(name: &str, value: &str, delimiter: &str) -> Result<String, OutputError> {
    let bad = |why: &'static str| OutputError::GithubCommand {
        name: name.to_string(),
        why,
    };
    if name.is_empty() || name.contains(['\n', '\r', '=']) || name.contains("<<") {
        return Err(bad("a name must be one line without = or <<"));
    }
    if name.contains(delimiter) || value.contains(delimiter) {
        return Err(bad("it contains the heredoc delimiter"));
    }
    if value.contains('\r') || value.contains('\0') {
        return Err(bad(
            "the runner reads a carriage return as part of a line end, and a NUL cannot be carried",
        ));
    }
    Ok(format!("{name}<<{delimiter}\n{value}\n{delimiter}\n"))
}

/// `ghadelimiter_` + a version-4 UUID made from `random`.
pub fn delimiter(random: [u8; 16]) -> String {
    let mut b = random;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{DELIMITER_PREFIX}{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::testing::*;

    const D: &str = "ghadelimiter_00000000-0000-4000-8000-000000000000";

    #[test]
    fn masks_every_secret_once_and_only_secrets() {
        let c = credentials("se%cr\net", Some("tok"));
        let text = render(&Github, &ctx(&c, Some("eu-west-1"))).unwrap();
        assert_eq!(
            text,
            "::add-mask::ASIAFAKEPORTAL000001\n::add-mask::se%25cr%0Aet\n::add-mask::tok\n"
        );
    }

    #[test]
    fn env_and_output_files() {
        let c = plain();
        let s = StepCommands::for_credentials(&ctx(&c, Some("eu-west-1")));
        assert_eq!(delimiter([0; 16]), D);
        assert_eq!(
            s.env_file(D).unwrap(),
            format!(
                "AWS_ACCESS_KEY_ID<<{D}\nASIAFAKEPORTAL000001\n{D}\nAWS_SECRET_ACCESS_KEY<<{D}\nfakeportalsecret/+=000000000000000000000\n{D}\n\
                 AWS_SESSION_TOKEN<<{D}\nFAKE//session+token==\n{D}\nAWS_CREDENTIAL_EXPIRATION<<{D}\n2026-11-26T10:19:25+00:00\n{D}\n\
                 AWS_REGION<<{D}\neu-west-1\n{D}\nAWS_DEFAULT_REGION<<{D}\neu-west-1\n{D}\n"
            )
        );
        assert_eq!(
            s.output_file(D).unwrap(),
            format!(
                "aws-account-id<<{D}\n111111111111\n{D}\naws-region<<{D}\neu-west-1\n{D}\naws-expiration<<{D}\n2026-11-26T10:19:25Z\n{D}\n"
            )
        );
        assert!(!format!("{s:?}").contains("fakeportalsecret"));
    }

    #[test]
    fn refuses_values_that_would_break_the_heredoc() {
        assert!(file_command("A", &format!("x\n{D}\ny"), D).is_err());
        assert!(file_command("A", "x\r\ny", D).is_err());
        assert!(file_command("A\nB", "x", D).is_err());
        assert_eq!(
            file_command("A", "multi\nline", D).unwrap(),
            format!("A<<{D}\nmulti\nline\n{D}\n")
        );
    }

    #[test]
    fn delimiters_are_random_uuids() {
        let d = delimiter(rand::random());
        assert_eq!(d.len(), DELIMITER_PREFIX.len() + 36);
        assert_eq!(
            &d[DELIMITER_PREFIX.len() + 14..DELIMITER_PREFIX.len() + 15],
            "4"
        );
        assert_ne!(d, delimiter(rand::random()));
    }
}
