//! Output formats: one trait, one module per format. A format gets everything through
//! `OutputContext` (it reads no env, clock or file) and writes to a `&mut dyn Write`.
pub mod process;

use crate::credentials::Credentials;
use std::io::{self, Write};
use time::OffsetDateTime;

/// All a format may know.
pub struct OutputContext<'a> {
    pub credentials: &'a Credentials,
    pub profile: Option<&'a str>,
    pub region: Option<&'a str>,
    pub account_id: Option<&'a str>,
    pub role_name: Option<&'a str>,
    pub now: OffsetDateTime,
}

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error(transparent)]
    Io(#[from] io::Error),
    /// The format cannot carry a value (e.g. a newline in a windows-cmd `set` line).
    #[error("the {format} format cannot carry the value of {variable}: {why}")]
    Unrepresentable {
        format: &'static str,
        variable: &'static str,
        why: &'static str,
    },
}

pub trait Format {
    fn write(&self, ctx: &OutputContext<'_>, out: &mut dyn Write) -> Result<(), OutputError>;
}
