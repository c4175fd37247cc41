//! Temporary AWS credentials as every AWS API returns them and every consumer takes them.
//! A plain value: secrets are `Secret`s, so `Debug` shows the key id and expiry only.
use crate::support::secret::Secret;
use time::OffsetDateTime;

/// Temporary AWS credentials. `Debug` shows the key id and expiry only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Option<Secret>,
    pub expiration: Option<OffsetDateTime>,
    pub account_id: Option<String>,
}
