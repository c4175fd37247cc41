//! The AWS APIs ssoexec calls: one HTTP client (retries, clock-skew recorder, debug log), endpoint
//! resolution, typed error codes, and the SSO OIDC, SSO portal, STS, EKS and console federation
//! clients.
pub mod arn;
pub mod client;
pub mod credentials;
pub mod eks;
pub mod endpoint;
pub mod error_code;
pub mod federation;
pub mod oidc;
pub mod portal;
pub mod response;
pub mod sts;
pub mod throttle;
