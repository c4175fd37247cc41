//! What can go wrong getting credentials, each failure a variant with its cause kept as the
//! `#[source]` (the report prints it on a `caused by:` line) and its next step as the hint.
use crate::aws::client::HttpError;
use crate::support::env::{AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY};

#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    /// `credential_source = Environment` without both keys in the environment.
    #[error(
        "credential_source = Environment, but {AWS_ACCESS_KEY_ID} and {AWS_SECRET_ACCESS_KEY} are not both set"
    )]
    EnvironmentKeysMissing,
    /// The portal refused the role (forbidden, unknown, denied).
    #[error("no access to role {role_name} in account {account_id}")]
    NoRoleAccess {
        role_name: String,
        account_id: String,
        /// The command that lists the roles this person can use.
        roles_command: String,
        #[source]
        source: HttpError,
    },
    /// STS refused `AssumeRole`.
    #[error("cannot assume {role_arn}")]
    AssumeRoleRefused {
        role_arn: String,
        hint: Option<String>,
        #[source]
        source: HttpError,
    },
    /// What was typed at the MFA prompt is not a code.
    #[error("the MFA code must be the 6 digits your device shows")]
    BadMfaCode,
    /// STS refused `AssumeRoleWithWebIdentity`; `explanation` says what the token claimed.
    #[error("STS refused AssumeRoleWithWebIdentity for {role_arn}")]
    WebIdentityRefused {
        role_arn: String,
        explanation: String,
        #[source]
        source: HttpError,
    },
    /// `special-characters-workaround`: no attempt gave a plain secret key.
    #[error(
        "every one of {attempts} attempts returned a secret access key with special characters"
    )]
    SpecialCharacters { attempts: u32 },
    /// `logout` while a login holds the session's lock.
    #[error("a login is in progress in another terminal; not signing out under it")]
    LogoutUnderLogin,
}

impl crate::error::Diagnostic for CredentialsError {
    fn hint(&self) -> Option<String> {
        match self {
            CredentialsError::EnvironmentKeysMissing => Some(
                "export the source credentials in the environment, or use source_profile".into(),
            ),
            CredentialsError::NoRoleAccess { roles_command, .. } => {
                Some(format!("list what you can use with `{roles_command}`"))
            }
            CredentialsError::AssumeRoleRefused { hint, .. } => hint.clone(),
            CredentialsError::BadMfaCode => Some("try again with the current code".into()),
            CredentialsError::WebIdentityRefused { explanation, .. } => Some(explanation.clone()),
            CredentialsError::SpecialCharacters { .. } => Some(
                "raise retry-max-attempts, or drop special-characters-workaround if the tool reading the key handles + and /".into(),
            ),
            CredentialsError::LogoutUnderLogin => {
                Some("finish or cancel that login (Ctrl-C), then run logout again".into())
            }
        }
    }
}
crate::diagnostic_error!(CredentialsError);
