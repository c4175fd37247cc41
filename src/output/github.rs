//! The `github` format: the credentials as GitHub Actions step commands (see
//! `docs/github-actions.md`). The `Format` writes the mask lines, the stdout part; the delivery
//! engine appends the variables and outputs to the runner's files (`github::GithubFiles`).
//! Does no I/O.
use super::{Format, OutputContext, OutputError, variables};
use crate::github::StepCommands;
use crate::support::clock::format_timestamp;
use std::io::Write;

/// The `github` format as a `Format`: the mask lines (the part that goes to stdout).
pub struct Github;

impl Format for Github {
    fn write(&self, ctx: &OutputContext<'_>, out: &mut dyn Write) -> Result<(), OutputError> {
        step_commands(ctx).write_masks(out)?;
        Ok(())
    }
}

/// Masks for the key id, secret and session token; the `AWS_*` variables of
/// [`variables`]; outputs `aws-account-id`, `aws-region` and `aws-expiration` (RFC 3339
/// UTC) where known. Credentials are not step outputs: a caller that wants them adds them.
pub fn step_commands(ctx: &OutputContext<'_>) -> StepCommands {
    let mut s = StepCommands::new();
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
        let s = step_commands(&ctx(&c, Some("eu-west-1")));
        assert_eq!(crate::github::delimiter([0; 16]), D);
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
}
