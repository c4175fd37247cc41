//! The one integration-test binary: every module drives the real `ssoexec` binary against the mock.
mod support;
