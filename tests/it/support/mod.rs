//! Test support: the mock Identity Center (the `ssoexec-mock-idc` crate, re-exported as `mock` so
//! tests keep writing `support::mock::...`) the hermetic command sandbox, and one-answer
//! stub servers.
pub use ssoexec_mock_idc as mock;
pub mod sandbox;
pub mod stub;
