//! Credentials and the sources that produce them: an SSO role (cache → token → portal) and web
//! identity (a CI OIDC token exchanged with STS). Every consumer (commands, exec, kube, github)
//! asks here; nothing here knows who asks.
pub mod signout;
pub mod sso;
pub mod web_identity;

pub use crate::aws::credentials::Credentials;
