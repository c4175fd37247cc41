//! Credentials and the sources that produce them: an SSO role (cache → token → portal), static
//! keys, the environment, a role assumed on top of any of these (role chaining, any depth), and
//! web identity (a CI OIDC token exchanged with STS). Every consumer (commands, exec, kube,
//! github) asks [`resolve`]; nothing here knows who asks.
pub mod assume_role;
pub mod error;
pub mod signout;
pub mod sso;
pub mod variables;
pub mod web_identity;

pub use crate::aws::credentials::Credentials;
pub use error::CredentialsError;
pub use sso::LoginPermission;

use crate::app::App;
use crate::config::Identity;
use crate::error::Error;
use crate::support::env::{AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN};
use crate::support::secret::Secret;

/// Credentials for `identity`, whatever it is: the one entry point of every consumer.
pub async fn resolve(
    app: &App,
    identity: &Identity,
    permission: LoginPermission,
) -> Result<Credentials, Error> {
    match identity {
        Identity::Sso(target) => sso::role_credentials(app, target, permission).await,
        Identity::Static { keys, .. } => Ok(Credentials {
            access_key_id: keys.access_key_id.clone(),
            secret_access_key: keys.secret_access_key.clone(),
            session_token: keys.session_token.clone(),
            expiration: None,
            account_id: None,
        }),
        Identity::Environment => environment(app),
        Identity::AssumeRole(hop) => assume_role::credentials(app, hop, permission).await,
    }
}

/// `credential_source = Environment`: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
/// (optionally) `AWS_SESSION_TOKEN` of this process.
fn environment(app: &App) -> Result<Credentials, Error> {
    match (
        app.env.get(AWS_ACCESS_KEY_ID),
        app.env.get(AWS_SECRET_ACCESS_KEY),
    ) {
        (Some(id), Some(secret)) => Ok(Credentials {
            access_key_id: id.to_string(),
            secret_access_key: Secret::new(secret),
            session_token: app.env.get(AWS_SESSION_TOKEN).map(Secret::new),
            expiration: None,
            account_id: None,
        }),
        _ => Err(CredentialsError::EnvironmentKeysMissing.into()),
    }
}
