//! IAM Identity Center: the OIDC API, the portal API, the browser, and the login flows.
pub mod browser;
pub mod device;
pub mod login;
pub mod oidc;
pub mod pkce;
pub mod portal;
