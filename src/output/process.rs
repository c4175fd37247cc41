//! `credential_process` JSON (`docs/output-formats.md#credential-process`): Version 1, keys in the CLI's order, RFC 3339 UTC expiry.
use super::{Format, OutputContext, OutputError};
use crate::support::clock::format_timestamp;
use serde::Serialize;
use std::io::Write;

pub struct Process;

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Document<'a> {
    version: u8,
    access_key_id: &'a str,
    secret_access_key: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    session_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expiration: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account_id: Option<&'a str>,
}

impl Format for Process {
    fn write(&self, ctx: &OutputContext<'_>, out: &mut dyn Write) -> Result<(), OutputError> {
        let c = ctx.credentials;
        let doc = Document {
            version: 1,
            access_key_id: &c.access_key_id,
            secret_access_key: c.secret_access_key.expose(),
            session_token: c.session_token.as_ref().map(|s| s.expose()),
            expiration: c.expiration.map(format_timestamp),
            account_id: c.account_id.as_deref().or(ctx.account_id),
        };
        serde_json::to_writer_pretty(&mut *out, &doc).map_err(std::io::Error::from)?;
        out.write_all(b"\n")?;
        Ok(())
    }
}
