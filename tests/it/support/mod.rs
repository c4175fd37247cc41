//! Test support: the mock Identity Center (the `ssoexec-mock-idc` crate, re-exported as `mock` so
//! tests keep writing `support::mock::...`) and the hermetic command sandbox.
pub use ssoexec_mock_idc as mock;
pub mod sandbox;
