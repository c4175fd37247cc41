//! JSON for scripts: the credentials plus account, role, region and profile. Every key is always
//! present (`null` when unknown) so `jq -r .Region` never needs a guard. Does no I/O.
use super::{Format, OutputContext, OutputError};
use crate::support::clock::format_timestamp;
use serde::Serialize;
use std::io::Write;

pub struct Json;

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Document<'a> {
    access_key_id: &'a str,
    secret_access_key: &'a str,
    session_token: Option<&'a str>,
    expiration: Option<String>,
    account_id: Option<&'a str>,
    role_name: Option<&'a str>,
    region: Option<&'a str>,
    profile: Option<&'a str>,
}

impl Format for Json {
    fn write(&self, ctx: &OutputContext<'_>, out: &mut dyn Write) -> Result<(), OutputError> {
        let c = ctx.credentials;
        let doc = Document {
            access_key_id: &c.access_key_id,
            secret_access_key: c.secret_access_key.expose(),
            session_token: c.session_token.as_ref().map(|s| s.expose()),
            expiration: c.expiration.map(format_timestamp),
            account_id: c.account_id.as_deref().or(ctx.account_id),
            role_name: ctx.role_name,
            region: ctx.region,
            profile: ctx.profile,
        };
        serde_json::to_writer_pretty(&mut *out, &doc).map_err(std::io::Error::from)?;
        out.write_all(b"\n")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::testing::*;

    #[test]
    fn whole_output() {
        let c = plain();
        assert_eq!(
            render(&Json, &ctx(&c, None)).unwrap(),
            r#"{
  "AccessKeyId": "ASIAFAKEPORTAL000001",
  "SecretAccessKey": "fakeportalsecret/+=000000000000000000000",
  "SessionToken": "FAKE//session+token==",
  "Expiration": "2026-11-26T10:19:25Z",
  "AccountId": "111111111111",
  "RoleName": "ReadOnly",
  "Region": null,
  "Profile": "dev"
}
"#
        );
    }
}
